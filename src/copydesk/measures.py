"""The measures reported on a match, one definition each, used by every stage.

``Match.jaccard`` is :func:`word_jaccard` of the two cleaned (masked) texts, whichever stage
made the match; ``docs/output-format.md`` documents this definition. The near-duplicate stage
computes the same measure vectorised over many pairs, from 64-bit hashes of the same shingles
(:func:`copydesk.pipeline.exact_jaccard`); the two agree unless two shingles collide.
"""

from __future__ import annotations

import re

from copydesk.text import token_stream

__all__ = ["word_jaccard"]

_WORD = re.compile(r"\w+")


def word_jaccard(text_a: str, text_b: str, ngram: int = 5) -> float:
    """Exact Jaccard similarity of the word ``ngram``-shingle sets of two texts, rounded to 4 places.

    Words are the normalised tokens of :func:`copydesk.text.token_stream` (NFKC, case-folded:
    "Straße" and "STRASSE" are one word; full-width letters are their ASCII forms). A text of
    fewer than ``ngram`` words (but at least one) has one shingle of all its words, as in the
    near-duplicate stage; two texts without words have Jaccard 0.

    Example:
        >>> word_jaccard("Die Straße ist lang und breit", "DIE STRASSE IST LANG UND BREIT")
        1.0
    """
    sa, sb = _shingles(text_a, ngram), _shingles(text_b, ngram)
    union = len(sa | sb)
    return round(len(sa & sb) / union, 4) if union else 0.0


def _shingles(text: str, ngram: int) -> set[tuple[str, ...]]:
    words = _WORD.findall(token_stream(text))  # ASCII streams keep punctuation: the hasher splits there
    if 0 < len(words) < ngram:
        return {tuple(words)}
    return {tuple(words[k : k + ngram]) for k in range(len(words) - ngram + 1)}
