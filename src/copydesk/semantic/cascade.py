"""The rewrite stage's cascade: the lexical layer decides the clear pairs, the encoder the rest.

The sentence encoder (mpnet by default) costs about 22 sentences per CPU-second, the lexical
paraphrase scorer thousands of sentence pairs per CPU-second. Most candidate document pairs of
a news corpus are same-story or topic neighbours with no reworded sentences: for them the
encoder cannot change the verdict, and encoding their sentences was almost all of the
default pipeline's cost (issue 14: about 385 CPU-seconds per 1,000 articles).

A document pair goes to the encoder only when the lexical layer finds enough sentence pairs
that could be aligned as reworded sentences: pairs proposed by the lexical prefilter, not
copied word for word (a verbatim sentence is a verbatim passage, never counted towards a
rewrite, so shared passages and excerpts need no encoder), whose lexical
paraphrase probability reaches the lowest score at which the alignment accepts a pair
(``min(min_sentence_similarity, min_gap_similarity)``), on at least
``min_aligned_sentences`` distinct sentences of each text. Below that the lexical alignment
cannot make a rewrite, and the encoder could only by lifting sentence pairs the lexical layer
scores under that floor: on MSRP *train*, 99.96 % of the paraphrase pairs score 0.15 or more
lexically (``python benchmarks/fullrun.py`` reports the planted rewrites' recall with the
cascade). The sentence scorer itself is unchanged, so the default layer's MSRP F1 is too.
"""

from __future__ import annotations

import numpy as np

__all__ = ["needs_encoder"]


def needs_encoder(rows: np.ndarray, cols: np.ndarray, lexical: np.ndarray, min_probability: float,
                  min_sentences: int) -> bool:
    """Whether a document pair's lexical sentence scores leave its verdict to the encoder.

    Args:
        rows: Sentence of the first text of each scored pair.
        cols: Sentence of the second text of each scored pair.
        lexical: Lexical paraphrase probability of each scored pair.
        min_probability: The lowest probability at which the alignment accepts a pair.
        min_sentences: Fewest aligned sentence pairs of a rewrite.

    Returns:
        True when at least ``min_sentences`` distinct sentences of each text have a partner
        scoring ``min_probability`` or more.

    Example:
        >>> import numpy as np
        >>> needs_encoder(np.array([0, 1, 2]), np.array([0, 1, 2]), np.array([0.9, 0.5, 0.2]), 0.15, 3)
        True
        >>> needs_encoder(np.array([0, 1, 2]), np.array([0, 1, 2]), np.array([0.9, 0.5, 0.1]), 0.15, 3)
        False
    """
    keep = np.asarray(lexical) >= min_probability
    if int(keep.sum()) < min_sentences:
        return False
    return min(len(np.unique(np.asarray(rows)[keep])), len(np.unique(np.asarray(cols)[keep]))) >= min_sentences
