"""Sentence-pair similarity for rewrite alignment: the paraphrase probability of two sentences.

A thin front over :class:`copydesk.semantic.paraphrase.ParaphraseModel`, the models fitted on
the MSRP training split only by ``benchmarks/msrp.py --fit`` and shipped as package files: the
lexical one, and one per sentence encoder that adds the encoder's cosine to the same features.
The score is the fitted probability that the two sentences are paraphrases, so thresholds on it
read as probabilities.

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

import numpy as np

from copydesk.semantic.lexical import Terms
from copydesk.semantic.paraphrase import ParaphraseModel

__all__ = ["SentenceScorer"]


class SentenceScorer:
    """Scores sentence pairs: lexical only, or lexical plus a sentence encoder's cosine.

    Args:
        model: A fitted paraphrase model (``model.extra`` is ``()`` or ``("cosine",)``).

    Raises:
        ValueError: if the model wants extra features other than a cosine.
    """

    def __init__(self, model: ParaphraseModel) -> None:
        if model.extra not in ((), ("cosine",)):
            raise ValueError(f"a sentence scorer supplies a cosine at most, not {model.extra}")
        self.model = model
        self.uses_cosine = bool(model.extra)

    @classmethod
    def lexical(cls) -> SentenceScorer:
        """The lexical-only scorer (no model extra needed)."""
        return cls(ParaphraseModel.default())

    @classmethod
    def for_encoder(cls, name: str) -> SentenceScorer:
        """The scorer fitted with the cosine of encoder ``name`` (``minilm``, ``mpnet``)."""
        return cls(ParaphraseModel.default(name))

    @property
    def threshold(self) -> float:
        """The F1-optimal decision threshold of this scorer (cross-validated on MSRP train)."""
        return self.model.threshold

    def score_pairs(self, pairs: Sequence[tuple[Terms, Terms]], cosine: np.ndarray | None = None) -> np.ndarray:
        """Paraphrase probability of each pair, in [0, 1].

        Raises:
            ValueError: if this scorer uses a cosine and ``cosine`` is None.
        """
        if len(pairs) == 0:
            return np.zeros(0)
        if self.uses_cosine and cosine is None:
            raise ValueError("this scorer needs the cosine of each pair: pass cosine=")
        extra = np.asarray(cosine, dtype=np.float64).reshape(-1, 1) if self.uses_cosine else None
        return self.model.probability(pairs, extra)
