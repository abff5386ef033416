"""Sentence-pair similarity: a logistic regression over lexical features (and a model's cosine).

The weights are small constants in :mod:`copydesk.semantic.weights`, fitted on the MSRP
training split only by ``benchmarks/msrp.py --fit``. The score is the fitted probability that
the two sentences are paraphrases, so thresholds on it read as probabilities.

Example:
    >>> from copydesk.semantic.lexical import terms
    >>> s = SentenceScorer.lexical()
    >>> a = terms("The company said profits rose 12 percent to $4.5 billion.")
    >>> b = terms("Profits climbed 12 percent to $4.5 billion, the company said.")
    >>> bool(s.score_pairs([(a, b)])[0] > 0.5)
    True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from copydesk.semantic.lexical import FEATURE_NAMES, Terms, pair_features

__all__ = ["ScorerWeights", "SentenceScorer"]


@dataclass(frozen=True)
class ScorerWeights:
    """A fitted logistic regression on standardised features.

    Attributes:
        features: Feature names, in order (lexical features, then ``cosine`` if a model is used).
        mean: Training mean of each feature.
        scale: Training standard deviation of each feature.
        coef: Coefficient of each standardised feature.
        intercept: Intercept.
        threshold: Probability from which a pair is a paraphrase (F1-optimal on MSRP train).
    """

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    threshold: float

    def __post_init__(self) -> None:
        n = len(self.features)
        if not len(self.mean) == len(self.scale) == len(self.coef) == n:
            raise ValueError("scorer weights: features, mean, scale and coef must have the same length")

    def probability(self, x: np.ndarray) -> np.ndarray:
        """Probability of each row of ``x`` (``(n, len(features))``)."""
        z = (x - np.asarray(self.mean)) / np.asarray(self.scale)
        return 1.0 / (1.0 + np.exp(-(z @ np.asarray(self.coef) + self.intercept)))


class SentenceScorer:
    """Scores sentence pairs with fitted weights; lexical only or lexical plus a cosine.

    Args:
        weights: The fitted regression; ``weights.features`` must be :data:`FEATURE_NAMES`,
            optionally followed by ``"cosine"``.

    Raises:
        ValueError: if the weights were fitted on other features.
    """

    def __init__(self, weights: ScorerWeights) -> None:
        base = tuple(weights.features[: len(FEATURE_NAMES)])
        extra = tuple(weights.features[len(FEATURE_NAMES) :])
        if base != FEATURE_NAMES or extra not in ((), ("cosine",)):
            raise ValueError(
                f"scorer weights were fitted on features {weights.features}; this version computes "
                f"{FEATURE_NAMES} (+ cosine): re-run benchmarks/msrp.py --fit"
            )
        self.weights = weights
        self.uses_cosine = bool(extra)

    @classmethod
    def lexical(cls) -> SentenceScorer:
        """The lexical-only scorer."""
        from copydesk.semantic.weights import LEXICAL

        return cls(LEXICAL)

    @property
    def threshold(self) -> float:
        """The MSRP-train F1-optimal decision threshold of this scorer."""
        return self.weights.threshold

    def features(self, pairs: Sequence[tuple[Terms, Terms]], cosine: np.ndarray | None = None) -> np.ndarray:
        """Feature matrix of ``pairs`` (with ``cosine`` appended when this scorer uses it)."""
        x = np.array([pair_features(a, b) for a, b in pairs], dtype=np.float64).reshape(
            len(pairs), len(FEATURE_NAMES)
        )
        if self.uses_cosine:
            if cosine is None:
                raise ValueError("this scorer needs the cosine of each pair: pass cosine=")
            x = np.c_[x, np.asarray(cosine, dtype=np.float64)]
        return x

    def score_pairs(
        self, pairs: Sequence[tuple[Terms, Terms]], cosine: np.ndarray | None = None
    ) -> np.ndarray:
        """Paraphrase probability of each pair, in [0, 1]."""
        if len(pairs) == 0:
            return np.zeros(0)
        return self.weights.probability(self.features(pairs, cosine))
