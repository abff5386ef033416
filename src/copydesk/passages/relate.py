"""Verify a candidate pair by alignment, and classify the relation.

Kinds, with ``c_a`` / ``c_b`` the containments (share of each document's article text that
the passages cover):

- ``near_duplicate``: ``min(c_a, c_b) >= min_near_duplicate_containment`` and the passages
  are (almost) the same text: their words agree, up to typos, at least
  ``min_near_duplicate_score`` (:meth:`Aligned.agreement`).
- A reworded copy (both covered that much, but words changed every few words: a word-level
  rewrite, which the alignment bridges) is not a near-duplicate: only the text it copies as
  it stands counts (:meth:`Aligned.verbatim_pieces`), as ``shared_passages``, or ``None``
  when no piece is long enough. The rewrite stage (:func:`copydesk.semantic.compare`) then
  judges the pair, with those verbatim passages.
- ``excerpt``: otherwise, ``max(c_a, c_b) >= min_excerpt_containment``. The more covered
  document is the excerpt, the other contains it: ``containment_a > containment_b`` means
  *a is inside b*. ``Match.method`` says it too: ``passages_v2:a_in_b`` or
  ``passages_v2:b_in_a``.
- ``shared_passages``: at least one passage of ``min_passage_chars`` or more, neither
  document mostly inside the other.

When the cleaner found several articles on a page (``DocView.segments``), a document's
containment is measured against the article text of the segments the passages touch, so a
page holding a copied story and an unrelated one is a copy (or excerpt) of the story it copies.
``Match.method`` then ends in ``:a_part`` (or ``:b_part``): that page is a copy of part of
itself only, and :func:`copydesk.cluster.copy_edges` lets it join one copy cluster, not two.

``Match.score`` is ``max(c_a, c_b)`` times the passages' mean score (weighted by length): how
much of the more covered document is reused, discounted by the edits inside the passages.
``Match.jaccard`` is :func:`copydesk.measures.word_jaccard` of the two masked texts.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from copydesk.passages.align import ALIGN_METHOD, Aligned, Tokens, align_detailed, word_tokens
from copydesk.passages.candidates import key_hashes_of_words
from copydesk.measures import containment, word_jaccard
from copydesk.passages.config import PassageConfig
from copydesk.types import DocView, Match, Passage

__all__ = ["agreement", "frequent_cover", "containment", "relate"]

def relate(a: DocView, b: DocView, config: PassageConfig = PassageConfig(),
           frequent: np.ndarray | None = None) -> Match | None:
    """Align two documents and say how they relate, or ``None`` when they share no passage.

    Aligns the masked texts (boilerplate blanked, offsets unchanged), so the spans refer to
    both original texts.

    Args:
        a: One document of the candidate pair.
        b: The other (either order: the match orders ids ``a < b`` and swaps what it must).
        config: Passage settings.
        frequent: Optional output of :func:`frequent_keys`: text covered by these keys (site
            furniture the cleaner missed, on more pages than the document-frequency cap) is
            treated as boilerplate too: it never seeds nor extends a passage and does not
            count in the containments.

    Returns:
        A ``near_duplicate``, ``excerpt`` or ``shared_passages`` match, or ``None`` (no
        passage, or a reworded copy without a long enough verbatim piece).

    Example:
        >>> story = "The council approved the new budget on Tuesday after a long debate. " * 4
        >>> page = story + "Comments: I disagree with every word of it, said one reader. " * 8
        >>> m = relate(DocView("wire", story, story), DocView("site", page, page))
        >>> m.kind, m.a, m.containment_a > 0.9, m.method
        ('excerpt', 'site', False, 'passages_v2:b_in_a')
    """
    if b.id < a.id:
        a, b = b, a
    tokens_a, tokens_b = word_tokens(a.masked), word_tokens(b.masked)
    cleaned = (a.masked, b.masked)  # Match.jaccard is of these, before frequent text is blanked
    blocked_a = blocked_b = None
    if frequent is not None and len(frequent):
        hashes_a, hashes_b = key_hashes_of_words([tokens_a[0], tokens_b[0]], config)
        blocked_a = _cover(len(a.masked), tokens_a, hashes_a, frequent, config.key_words)
        blocked_b = _cover(len(b.masked), tokens_b, hashes_b, frequent, config.key_words)
    aligned = align_detailed(a.masked, tokens_a, b.masked, tokens_b, config, blocked_a, blocked_b)
    passages = [x.passage for x in aligned]
    # Containments as if the cleaner had blanked the frequent text.
    if blocked_a is not None:
        a = replace(a, masked=_blank(a.masked, blocked_a))
    if blocked_b is not None:
        b = replace(b, masked=_blank(b.masked, blocked_b))
    if not passages:
        return None
    c_a = containment(a, [p.a for p in passages])
    c_b = containment(b, [p.b for p in passages])
    method = ALIGN_METHOD
    reworded = False
    if min(c_a, c_b) >= config.min_near_duplicate_containment:
        if agreement(aligned, tokens_a[0], tokens_b[0]) < config.min_near_duplicate_score:
            # A reworded copy: keep the text copied as it stands, for the rewrite stage.
            reworded = True
            passages = sorted({p for x in aligned for p in x.verbatim_pieces(a.masked, tokens_a, b.masked, tokens_b,
                                                                            config)}, key=_order)
            if not passages:
                return None
            c_a = containment(a, [p.a for p in passages])
            c_b = containment(b, [p.b for p in passages])
    if reworded:
        kind = "shared_passages"
    elif min(c_a, c_b) >= config.min_near_duplicate_containment:
        kind = "near_duplicate"
    elif max(c_a, c_b) >= config.min_excerpt_containment:
        kind = "excerpt"
        method += ":a_in_b" if c_a >= c_b else ":b_in_a"
    else:
        kind = "shared_passages"
    # A page whose containment counts only the articles the passages touch (another story is
    # glued on) is a copy of *part* of it: say so, so that it joins one copy cluster only.
    method += ":a_part" * _partial(a, [p.a for p in passages])
    method += ":b_part" * _partial(b, [p.b for p in passages])
    return Match(
        a=a.id,
        b=b.id,
        kind=kind,
        score=round(max(c_a, c_b) * _mean_score(passages), 4),
        jaccard=word_jaccard(*cleaned),
        containment_a=round(c_a, 4),
        containment_b=round(c_b, 4),
        passages=tuple(passages),
        method=method,
    )


def agreement(aligned: list[Aligned], words_a: list[str], words_b: list[str]) -> float:
    """Share of the aligned words (both texts, all passages) that agree up to a typo: the
    passages' :meth:`Aligned.agreement` weighted by their words. 1.0 for a verbatim copy."""
    sizes = [(x.words_a[1] - x.words_a[0]) + (x.words_b[1] - x.words_b[0]) for x in aligned]
    total = sum(sizes)
    return sum(n * x.agreement(words_a, words_b) for n, x in zip(sizes, aligned)) / total if total else 0.0


def _order(p: Passage) -> tuple[int, int, int, int]:
    return (p.a[0], p.a[1], p.b[0], p.b[1])


def frequent_cover(masked: str, frequent: np.ndarray, config: PassageConfig = PassageConfig(),
                   tokens: Tokens | None = None) -> np.ndarray:
    """Boolean per character of ``masked``: inside a word shingle whose key is ``frequent``.

    Keys are hashed as :func:`passage_keys` hashes them; the shingle starting at word ``i``
    covers words ``i`` to ``i + key_words - 1``.
    """
    tokens = tokens or word_tokens(masked)
    hashes = key_hashes_of_words([tokens[0]], config)[0]
    covered = _cover(len(masked), tokens, hashes, frequent, config.key_words)
    return np.zeros(len(masked), dtype=bool) if covered is None else covered


def _cover(n_chars: int, tokens: Tokens, hashes: np.ndarray, frequent: np.ndarray,
           key_words: int) -> np.ndarray | None:
    """Characters covered by frequent keys, or None when there are none (the usual case)."""
    _, starts, ends = tokens
    if len(hashes) == 0 or len(starts) < key_words or len(frequent) == 0:
        return None
    frequent = np.asarray(frequent, dtype=np.uint64)
    at = np.minimum(np.searchsorted(frequent, hashes), len(frequent) - 1)
    hit = np.flatnonzero(frequent[at] == hashes)
    if len(hit) == 0:
        return None
    # Character ranges of the covered shingles, merged by a +1/-1 sweep.
    sweep = np.zeros(n_chars + 1, dtype=np.int64)
    np.add.at(sweep, starts[hit], 1)
    np.add.at(sweep, ends[hit + key_words - 1], -1)
    return np.cumsum(sweep[:-1]) > 0


def _blank(masked: str, covered: np.ndarray) -> str:
    chars = np.frombuffer(masked.encode("utf-32-le"), dtype=np.uint32).copy()
    chars[covered & (chars != 10)] = 32
    return chars.tobytes().decode("utf-32-le")


def _partial(view: DocView, spans: list[tuple[int, int]]) -> bool:
    """Whether ``view`` has a segment with article text that no span touches."""
    if not view.segments:
        return False
    masked = view.masked
    for seg in view.segments:
        if not any(s < seg.end and seg.start < e for s, e in spans) and masked[seg.start:seg.end].strip():
            return True
    return False


def _mean_score(passages: list[Passage]) -> float:
    weights = [(p.a[1] - p.a[0]) + (p.b[1] - p.b[0]) for p in passages]
    return sum(w * p.score for w, p in zip(weights, passages)) / sum(weights)
