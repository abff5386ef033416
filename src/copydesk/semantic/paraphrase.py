"""Paraphrase model of sentence pairs: lexical features plus what MSRP's labels teach about words.

The 25 features of :mod:`copydesk.semantic.lexical` treat every content word alike. Two things
learned from labelled pairs (MSRP *training* split only) add to them:

* **KLD term weights** (Ji and Eisenstein 2013, "Discriminative Improvements to Distributional
  Sentence Similarity"). For each word stem and stem bigram ``k``, ``p_k`` is the probability that
  ``k`` also appears in the other sentence of a paraphrase pair when it appears in one, ``q_k``
  the same for non-paraphrase pairs; the weight of ``k`` is ``KL(p_k || q_k)``. Overlap and
  unmatched mass weighted by it (:data:`KLD_FEATURES`) count a missing "reportedly" for little
  and a missing "not" or "Senate" for much.
* **Unmatched-word indicators**: one regression coefficient per frequent stem for "appears in
  exactly one of the two sentences", strongly L2-penalised, so the model learns which words a
  rewrite may drop or add (attribution, hedges) and which change the meaning.

Plus :data:`ALIGNMENT_FEATURES`, MT-metric-like order features (longest unmatched run, METEOR's
fragmentation, a word edit distance): MSRP's non-paraphrases mostly add a whole clause, which
scattered synonym swaps do not.

All of it is one logistic regression. The learned data (KLD weights, indicator coefficients, the
regression and its threshold) is the package file ``data/msrp_kld_v1.npz`` (about 0.4 MB),
written by ``python benchmarks/msrp.py --fit`` from MSRP train and loaded once by
:meth:`ParaphraseModel.default`. A change to any feature here changes results: give the model a
new versioned name and refit.

Example:
    >>> from copydesk.semantic.lexical import terms
    >>> m = ParaphraseModel.default()
    >>> a = terms("The company said profits rose 12 percent to $4.5 billion.")
    >>> b = terms("Profits climbed 12 percent to $4.5 billion, the company said.")
    >>> bool(m.probability([(a, b)])[0] > m.threshold)
    True
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from copydesk.measures import levenshtein
from copydesk.semantic.lexical import FEATURE_NAMES, STOP_WORDS, Terms, pair_features

__all__ = [
    "ALIGNMENT_FEATURES",
    "DENSE_FEATURES",
    "KLD_FEATURES",
    "MODEL_NAME",
    "data_file",
    "ParaphraseModel",
    "alignment_features",
    "fit_paraphrase_model",
    "kld_overlap_features",
    "kld_weights",
]

MODEL_NAME = "msrp_kld_v1"
DATA_DIR = Path(__file__).resolve().parent / "data"


def data_file(encoder: str = "none") -> Path:
    """The package file of the model for ``encoder`` (``none``: lexical only; else its cosine too)."""
    return DATA_DIR / (f"{MODEL_NAME}.npz" if encoder == "none" else f"{MODEL_NAME}_{encoder}.npz")


ALIGNMENT_FEATURES: tuple[str, ...] = (
    "unmatched_run_content_min",
    "unmatched_run_content_max",
    "unmatched_run_tokens_min",
    "unmatched_run_tokens_max",
    "unmatched_runs",
    "fragmentation",
    "word_edit_distance",
    "match_product",
)
"""Features of :func:`alignment_features`, in order; every one is in [0, 1]."""

KLD_FEATURES: tuple[str, ...] = tuple(
    f"kld_{gram}_{name}"
    for gram in ("unigram", "bigram")
    for name in ("jaccard", "unmatched_min", "unmatched_max", "containment_min", "containment_max")
)
"""Features of :func:`kld_overlap_features`, in order."""

DENSE_FEATURES = FEATURE_NAMES + ALIGNMENT_FEATURES + KLD_FEATURES
"""The standardised features of :class:`ParaphraseModel`, before the unmatched-word indicators."""

# Smoothing of the KLD estimates: a term's shared-rate is pulled towards the class's rate over all
# terms with the weight of KLD_PRIOR observations (chosen by 5-fold CV on MSRP train among 1, 5, 20;
# the three are within 0.002 F1).
KLD_PRIOR = 5.0
# A stem gets an unmatched-word indicator if it occurs in at least this many training pairs (3, 5
# and 10 tried by CV on train; rarer stems only add noise coefficients).
MIN_INDICATOR_PAIRS = 5
# L2 penalties of the regression: dense standardised features as in benchmarks/msrp.py; the
# indicators much stronger (10, 20, 30, 100 tried by CV on train).
DENSE_L2 = 10.0
INDICATOR_L2 = 20.0
FOLDS = 5


def _words(t: Terms) -> tuple[str, ...]:
    return t.words


def _grams(t: Terms) -> tuple[frozenset[str], frozenset[str]]:
    w = t.words
    return frozenset(w), frozenset(f"{x} {y}" for x, y in zip(w, w[1:]))


def _saturate(count: float, half: float) -> float:
    return count / (count + half)


def _unmatched_runs(words: Sequence[str], other: frozenset[str]) -> list[tuple[int, int]]:
    """(tokens, content tokens) of each maximal run of words absent from ``other``."""
    runs = []
    n = content = 0
    for w in words:
        if w in other:
            if n:
                runs.append((n, content))
            n = content = 0
        else:
            n += 1
            content += w not in STOP_WORDS
    if n:
        runs.append((n, content))
    return runs


def _chunks(a: Sequence[str], b: Sequence[str]) -> tuple[int, int]:
    """Matched words and chunks of a greedy in-order alignment (METEOR's fragmentation)."""
    positions: dict[str, list[int]] = {}
    for j, w in enumerate(b):
        positions.setdefault(w, []).append(j)
    used: set[int] = set()
    matched = chunks = 0
    last = -2
    for w in a:
        free = [j for j in positions.get(w, ()) if j not in used]
        if not free:
            last = -2
            continue
        j = min(free, key=lambda j: abs(j - last - 1))
        used.add(j)
        matched += 1
        if j != last + 1:
            chunks += 1
        last = j
    return matched, chunks


def alignment_features(a: Terms, b: Terms) -> list[float]:
    """Order and alignment features of a pair, in the order of :data:`ALIGNMENT_FEATURES`."""
    wa, wb = a.words, b.words
    sa, sb = frozenset(wa), frozenset(wb)
    ra, rb = _unmatched_runs(wa, sb), _unmatched_runs(wb, sa)
    content_a = max((c for _, c in ra), default=0)
    content_b = max((c for _, c in rb), default=0)
    tokens_a = max((n for n, _ in ra), default=0)
    tokens_b = max((n for n, _ in rb), default=0)
    matched, chunks = _chunks(wa, wb)
    return [
        _saturate(min(content_a, content_b), 2.0),
        _saturate(max(content_a, content_b), 2.0),
        _saturate(min(tokens_a, tokens_b), 3.0),
        _saturate(max(tokens_a, tokens_b), 3.0),
        _saturate(len(ra) + len(rb), 3.0),
        chunks / matched if matched else 1.0,
        levenshtein(wa, wb) / max(len(wa), len(wb), 1),
        matched / max(len(wa), 1) * matched / max(len(wb), 1),
    ]


def kld_weights(pairs: Sequence[tuple[Terms, Terms]], y: np.ndarray, prior: float = KLD_PRIOR) -> dict[str, float]:
    """KLD weight of every stem and stem bigram of labelled pairs (Ji and Eisenstein 2013).

    Args:
        pairs: Training pairs.
        y: Their labels (1 paraphrase, 0 not).
        prior: Smoothing, in observations of the class's overall shared-rate.

    Returns:
        Term -> ``KL(p || q)`` of the Bernoulli "also in the other sentence" under paraphrase
        (``p``) and non-paraphrase (``q``), counted in both directions.
    """
    seen = [Counter(), Counter()]
    shared = [Counter(), Counter()]
    for (a, b), label in zip(pairs, np.asarray(y).tolist()):
        ga, gb = _grams(a), _grams(b)
        for n in (0, 1):
            for x, other in ((ga[n], gb[n]), (gb[n], ga[n])):
                seen[label].update(x)
                shared[label].update(x & other)
    rate = [sum(shared[c].values()) / max(1, sum(seen[c].values())) for c in (0, 1)]
    weights = {}
    for k in sorted(seen[0].keys() | seen[1].keys()):
        p = (shared[1][k] + prior * rate[1]) / (seen[1][k] + prior)
        q = (shared[0][k] + prior * rate[0]) / (seen[0][k] + prior)
        p, q = min(max(p, 1e-4), 1 - 1e-4), min(max(q, 1e-4), 1 - 1e-4)
        weights[k] = p * math.log(p / q) + (1 - p) * math.log((1 - p) / (1 - q))
    return weights


def kld_overlap_features(a: Terms, b: Terms, weights: dict[str, float], default: float) -> list[float]:
    """KLD-weighted overlap of a pair, in the order of :data:`KLD_FEATURES`.

    Args:
        a: Terms of the first sentence.
        b: Terms of the second sentence.
        weights: Term -> KLD weight (:func:`kld_weights`).
        default: Weight of a term never seen in training (the median weight).
    """
    out: list[float] = []
    for x, z in zip(_grams(a), _grams(b)):
        ta = sum(weights.get(k, default) for k in x)
        tb = sum(weights.get(k, default) for k in z)
        both = sum(weights.get(k, default) for k in x & z)
        union = ta + tb - both
        ca = both / ta if ta else 0.0
        cb = both / tb if tb else 0.0
        out += [
            both / union if union > 0 else 0.0,
            min(ta - both, tb - both),
            max(ta - both, tb - both),
            min(ca, cb),
            max(ca, cb),
        ]
    return out


def _indicators(pairs: Sequence[tuple[Terms, Terms]], vocabulary: dict[str, int]) -> np.ndarray:
    x = np.zeros((len(pairs), len(vocabulary)))
    for r, (a, b) in enumerate(pairs):
        for k in frozenset(a.words) ^ frozenset(b.words):
            j = vocabulary.get(k)
            if j is not None:
                x[r, j] = 1.0
    return x


@dataclass(frozen=True, eq=False)
class ParaphraseModel:
    """A fitted paraphrase model (see the module docstring).

    Attributes:
        name: Versioned scheme name (:data:`MODEL_NAME`); a file of another scheme is refused.
        extra: Names of features the caller supplies after :data:`DENSE_FEATURES` (``("cosine",)``
            for a model fitted with a sentence encoder's cosine), or ``()``.
        kld: Term -> KLD weight.
        kld_default: Weight of an unseen term.
        mean: Training mean of each of :data:`DENSE_FEATURES`.
        scale: Training standard deviation of each.
        coef: Coefficient of each standardised dense feature.
        indicators: Stem -> coefficient of "appears in exactly one sentence".
        intercept: Intercept.
        threshold: Probability from which a pair is a paraphrase (F1-optimal on cross-validated
            MSRP-train probabilities).
    """

    name: str
    extra: tuple[str, ...]
    kld: dict[str, float]
    kld_default: float
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    indicators: dict[str, float]
    intercept: float
    threshold: float

    def __post_init__(self) -> None:
        if self.name != MODEL_NAME:
            raise ValueError(
                f"paraphrase model {self.name!r} is not {MODEL_NAME!r}, the scheme this version computes: "
                "re-run benchmarks/msrp.py --fit"
            )
        n = len(DENSE_FEATURES) + len(self.extra)
        if not len(self.mean) == len(self.scale) == len(self.coef) == n:
            raise ValueError(f"paraphrase model: mean, scale and coef must have {n} values")

    @classmethod
    def default(cls, encoder: str = "none") -> ParaphraseModel:
        """The model shipped with the package (MSRP train) for ``encoder`` (``none``: lexical
        only; ``minilm``, ``mpnet``: with that encoder's cosine), loaded once per process."""
        return _load_default(encoder)

    def dense_features(self, pairs: Sequence[tuple[Terms, Terms]]) -> np.ndarray:
        """Unstandardised :data:`DENSE_FEATURES` of ``pairs``, shape ``(len(pairs), n)``."""
        return _dense(pairs, self.kld, self.kld_default)

    def probability(self, pairs: Sequence[tuple[Terms, Terms]], extra: np.ndarray | None = None) -> np.ndarray:
        """Paraphrase probability of each pair, in [0, 1].

        Args:
            pairs: Sentence pairs.
            extra: ``(len(pairs), len(self.extra))`` values of :attr:`extra` (a cosine), when the
                model has extra features.
        """
        if len(pairs) == 0:
            return np.zeros(0)
        dense = self.dense_features(pairs)
        if self.extra:
            if extra is None:
                raise ValueError(f"this paraphrase model needs {self.extra} of each pair: pass extra=")
            dense = np.c_[dense, np.asarray(extra, dtype=np.float64).reshape(len(pairs), len(self.extra))]
        z = (dense - self.mean) / self.scale @ self.coef + self.intercept
        ind = self.indicators
        z += np.array([sum(ind.get(k, 0.0) for k in frozenset(a.words) ^ frozenset(b.words)) for a, b in pairs])
        return 1.0 / (1.0 + np.exp(-z))

    def save(self, path: Path) -> None:
        """Write the model as a compressed ``.npz`` (deterministic for the same model)."""
        kld_terms = sorted(self.kld)
        ind_terms = sorted(self.indicators)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as f:
            np.savez_compressed(
                f,
                name=np.array(self.name),
                extra=np.array("\n".join(self.extra)),
                kld_terms=np.array("\n".join(kld_terms)),
                kld_values=np.array([self.kld[k] for k in kld_terms]),
                kld_default=np.array(self.kld_default),
                mean=self.mean,
                scale=self.scale,
                coef=self.coef,
                indicator_terms=np.array("\n".join(ind_terms)),
                indicator_coef=np.array([self.indicators[k] for k in ind_terms]),
                intercept=np.array(self.intercept),
                threshold=np.array(self.threshold),
            )

    @classmethod
    def load(cls, path: Path) -> ParaphraseModel:
        """Read a model written by :meth:`save`.

        Raises:
            FileNotFoundError: with the command that writes it.
            ValueError: if the file holds another scheme.
        """
        if not path.exists():
            raise FileNotFoundError(f"paraphrase model {path} is missing: run python benchmarks/msrp.py --fit")
        with np.load(path, allow_pickle=False) as z:
            kld_terms = str(z["kld_terms"]).split("\n")
            ind_terms = str(z["indicator_terms"]).split("\n") if str(z["indicator_terms"]) else []
            return cls(
                name=str(z["name"]),
                extra=tuple(str(z["extra"]).split("\n")) if str(z["extra"]) else (),
                kld=dict(zip(kld_terms, z["kld_values"].tolist())),
                kld_default=float(z["kld_default"]),
                mean=z["mean"],
                scale=z["scale"],
                coef=z["coef"],
                indicators=dict(zip(ind_terms, z["indicator_coef"].tolist())),
                intercept=float(z["intercept"]),
                threshold=float(z["threshold"]),
            )


@cache
def _load_default(encoder: str) -> ParaphraseModel:
    model = ParaphraseModel.load(data_file(encoder))
    if model.extra != (() if encoder == "none" else ("cosine",)):
        raise ValueError(f"{data_file(encoder)} has extra features {model.extra}: re-run benchmarks/msrp.py --fit")
    return model


def _dense(pairs: Sequence[tuple[Terms, Terms]], kld: dict[str, float] | None, default: float = 0.0) -> np.ndarray:
    """:data:`DENSE_FEATURES` of ``pairs``; without ``kld``, the columns before the KLD ones."""
    n = len(DENSE_FEATURES) - (0 if kld is not None else len(KLD_FEATURES))
    rows = [
        [*pair_features(a, b), *alignment_features(a, b),
         *(kld_overlap_features(a, b, kld, default) if kld is not None else ())]
        for a, b in pairs
    ]
    return np.array(rows, dtype=np.float64).reshape(len(pairs), n)


def _folds(n: int, k: int = FOLDS) -> list[np.ndarray]:
    order = np.random.default_rng(0).permutation(n)
    return [np.sort(order[i::k]) for i in range(k)]


def _kld_features_crossfit(pairs: Sequence[tuple[Terms, Terms]], y: np.ndarray) -> np.ndarray:
    """KLD features of training pairs, each from weights fitted on the other folds.

    Weights fitted on a pair and then read on it would leak its label (a term seen in one pair
    has the KLD of that pair's label): the regression then trusts the KLD features far too much
    (CV F1 0.815 instead of 0.836 on MSRP train).
    """
    out = np.zeros((len(pairs), len(KLD_FEATURES)))
    for fold in _folds(len(pairs)):
        rest = np.setdiff1d(np.arange(len(pairs)), fold)
        w = kld_weights([pairs[i] for i in rest], y[rest])
        default = float(np.median(list(w.values())))
        out[fold] = [kld_overlap_features(*pairs[i], w, default) for i in fold]
    return out


def _newton(x: np.ndarray, y: np.ndarray, penalty: np.ndarray) -> np.ndarray:
    """L2-penalised logistic regression by Newton's method; the last column of ``x`` is the intercept."""
    w = np.zeros(x.shape[1])
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-x @ w))
        grad = x.T @ (p - y) + penalty * w
        hess = (x * (p * (1 - p))[:, None]).T @ x + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-10:
            break
    return w


def _f1(y: np.ndarray, pred: np.ndarray) -> float:
    tp = int(((pred == 1) & (y == 1)).sum())
    return 2 * tp / (2 * tp + int((pred != y).sum())) if tp else 0.0


def _fit(pairs: Sequence[tuple[Terms, Terms]], y: np.ndarray, threshold: float,
         extra: tuple[str, ...] = (), extra_x: np.ndarray | None = None) -> ParaphraseModel:
    kld = kld_weights(pairs, y)
    default = float(np.median(list(kld.values())))
    dense = _dense(pairs, None)
    dense = np.c_[dense, _kld_features_crossfit(pairs, y)]
    if extra:
        dense = np.c_[dense, np.asarray(extra_x, dtype=np.float64).reshape(len(pairs), len(extra))]
    mean = dense.mean(axis=0)
    scale = dense.std(axis=0)
    scale[scale == 0] = 1.0
    counts = Counter(k for a, b in pairs for k in frozenset(a.words) | frozenset(b.words))
    vocabulary = {k: j for j, k in enumerate(sorted(k for k, c in counts.items() if c >= MIN_INDICATOR_PAIRS))}
    x = np.c_[(dense - mean) / scale, _indicators(pairs, vocabulary), np.ones(len(pairs))]
    nd = len(DENSE_FEATURES) + len(extra)
    penalty = np.r_[np.full(nd, DENSE_L2), np.full(len(vocabulary), INDICATOR_L2), 0.0]
    w = _newton(x, np.asarray(y, dtype=np.float64), penalty)
    return ParaphraseModel(
        MODEL_NAME, extra, kld, default, mean, scale, w[:nd], dict(zip(vocabulary, w[nd:-1].tolist())), float(w[-1]), threshold
    )


def fit_paraphrase_model(
    pairs: Sequence[tuple[Terms, Terms]], y: np.ndarray, threshold: float | None = None,
    extra: tuple[str, ...] = (), extra_x: np.ndarray | None = None,
) -> ParaphraseModel:
    """Fit the model on labelled pairs (MSRP train; never test).

    Args:
        pairs: Training pairs.
        y: Their labels (1 paraphrase, 0 not).
        threshold: Decision threshold, or None to choose the F1-optimal one (0.01 grid) on
            probabilities of a 5-fold cross-validation of the whole fit (in-sample probabilities
            are over-confident: the KLD weights and indicators have seen the pairs).
        extra: Names of caller-supplied features (``("cosine",)``), or ``()``.
        extra_x: Their values, ``(len(pairs), len(extra))``.

    Returns:
        The fitted :class:`ParaphraseModel`.
    """
    y = np.asarray(y)
    pairs = list(pairs)
    if threshold is None:
        oof = np.zeros(len(pairs))
        for fold in _folds(len(pairs)):
            rest = np.setdiff1d(np.arange(len(pairs)), fold)
            ex = None if not extra else np.asarray(extra_x).reshape(len(pairs), -1)
            m = _fit([pairs[i] for i in rest], y[rest], 0.5, extra, None if ex is None else ex[rest])
            oof[fold] = m.probability([pairs[i] for i in fold], None if ex is None else ex[fold])
        grid = np.round(np.arange(0.05, 0.96, 0.01), 2)
        threshold = float(grid[int(np.argmax([_f1(y, (oof >= t).astype(int)) for t in grid]))])
    return _fit(pairs, y, threshold, extra, extra_x)
