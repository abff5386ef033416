"""The measures reported on a match, one definition each, used by every stage.

``Match.jaccard`` is :func:`word_jaccard` of the two cleaned (masked) texts, whichever stage
made the match; ``docs/output-format.md`` documents this definition. The near-duplicate stage
computes the same measure vectorised over many pairs, from 64-bit hashes of the same shingles
(:func:`copydesk.pipeline.exact_jaccard`); the two agree unless two shingles collide.

``Match.containment_a`` / ``containment_b`` are :func:`containment` of each side's passage
spans, whichever stage made the match (near-duplicate, passages, rewrite, same story); it
counts article characters (:func:`article_chars`) inside the union of the spans
(:func:`merge_spans`). :func:`levenshtein` is the one edit distance (the passage aligner's
typo test on letters, the paraphrase features on words).
"""

from __future__ import annotations

import datetime
import re

from collections.abc import Hashable, Sequence
from typing import TYPE_CHECKING

from copydesk.text import token_stream

if TYPE_CHECKING:
    from copydesk.types import DocView

__all__ = ["article_chars", "containment", "covered_chars", "days_apart", "levenshtein", "merge_spans", "word_jaccard"]

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


def merge_spans(spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """The union of half-open spans, as sorted disjoint spans (touching spans are joined, empty
    ones dropped).

    Example:
        >>> merge_spans([(5, 9), (0, 3), (3, 4), (8, 12)])
        [(0, 4), (5, 12)]
    """
    merged: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if s >= e:
            continue
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


def article_chars(masked: str) -> int:
    """Characters of article text in ``masked``: all but spaces and newlines.

    Boilerplate is blanked to spaces in a masked text (newlines kept), so this counts the
    article's visible characters whatever the cleaner removed: the denominator of
    :func:`containment` (``DocView.article_chars`` is this of the whole text).
    """
    return len(masked) - masked.count(" ") - masked.count("\n")


def covered_chars(masked: str, spans: Sequence[tuple[int, int]]) -> int:
    """Article characters of ``masked`` inside the union of ``spans`` (overlaps counted once).

    Example:
        >>> covered_chars("ab cd   ef", [(0, 4), (3, 5), (6, 10)])
        6
    """
    return sum(article_chars(masked[s:e]) for s, e in merge_spans(spans))


def containment(view: DocView, spans: Sequence[tuple[int, int]]) -> float:
    """Share of ``view``'s article text covered by ``spans``, 0 to 1 (``Match.containment_*``).

    The numerator is :func:`covered_chars` of the spans. The denominator is the article
    characters of the whole masked text, or, when the cleaner found several articles on the
    page (``view.segments``), of the segments the spans touch (a span outside every segment
    counts its own characters): a page holding a copied story and an unrelated one is then a
    copy of the story it copies. 0 for a view without article text.

    Example:
        >>> from copydesk.types import DocView
        >>> containment(DocView("d", "one two three four", "one two three four"), [(0, 7)])
        0.4
    """
    n = len(view.masked)
    covered = merge_spans([(s, min(e, n)) for s, e in spans])  # what lies past the text covers nothing
    if view.segments:
        touched = [(seg.start, min(seg.end, n)) for seg in view.segments
                   if any(s < seg.end and seg.start < e for s, e in covered)]
        total = covered_chars(view.masked, covered + touched)
    else:
        total = view.article_chars
    return covered_chars(view.masked, covered) / total if total else 0.0


def levenshtein(x: Sequence[Hashable], y: Sequence[Hashable], limit: int | None = None) -> int:
    """Edit distance (insertions, deletions, substitutions) of two sequences: letters or words.

    Row-by-row dynamic programming. With ``limit``, it stops as soon as the distance must
    exceed it and returns ``limit + 1`` then (the typo test on every word pair of an
    alignment asks only "at most 1 or 2?").

    Example:
        >>> levenshtein("kitten", "sitting"), levenshtein("kitten", "sitting", limit=1)
        (3, 2)
        >>> levenshtein("the cat sat".split(), "the cat has sat".split())
        1
    """
    if limit is not None and abs(len(x) - len(y)) > limit:
        return limit + 1
    previous = list(range(len(y) + 1))
    for i, cx in enumerate(x, 1):
        current = [i]
        for j, cy in enumerate(y, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (cx != cy)))
        if limit is not None and min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1] if limit is None else min(previous[-1], limit + 1)


def days_apart(a: str | None, b: str | None) -> int | None:
    """Whole days between two ``published`` values (ISO dates, ``YYYY-MM-DD...``), or None when
    either is missing or not such a date (the same-story date window).

    Example:
        >>> days_apart("2024-04-17T10:00:00Z", "2024-04-20")
        3
    """
    day_a, day_b = _iso_day(a), _iso_day(b)
    return None if day_a is None or day_b is None else abs((day_a - day_b).days)


def _iso_day(value: str | None) -> datetime.date | None:
    m = re.match(r"\s*(\d{4})-(\d{2})-(\d{2})", value or "")
    if not m:
        return None
    try:
        return datetime.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None

