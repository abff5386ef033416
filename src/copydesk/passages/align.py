"""Seed-and-extend alignment of two texts into reused passages.

1. Both texts are split into word tokens with their offsets (normalised as in
   :mod:`copydesk.text`, so case, quote marks and dashes never differ).
2. Seeds: every ``seed_words``-word shingle the two texts share, found by sorting and binary
   search (no comparison of every word with every word).
3. Runs: seeds on one diagonal (same offset between the texts) at consecutive positions.
4. Chains: runs taken in text order join the chain they continue when the gap is at most
   ``max_gap_words`` in both texts. A changed word or a typo breaks a run but not the chain;
   an inserted or deleted word shifts the diagonal by one and is bridged the same way.
5. Edges: a chain is extended word by word over equal words (and over one changed word when
   at least ``seed_words - 1`` equal words follow), then over closing or opening punctuation.
6. Passages shorter than ``min_passage_chars`` in either text, passages matching less than
   ``min_passage_score`` of their words (chance chains of stock phrases), and passages lying
   inside a larger one in both texts (repeated phrases) are dropped.

The work is ``O((n + m) log m)`` for texts of ``n`` and ``m`` words plus the number of seeds,
which ``max_seed_pairs`` bounds; no dynamic programming over whole documents.

The result does not depend on argument order: the alignment is computed in a canonical
orientation and swapped back, so ``align(b, a)`` is exactly ``align(a, b)`` mirrored.
"""

from __future__ import annotations

import re

import numpy as np

from copydesk.passages.config import PassageConfig
from copydesk.text import normalize
from copydesk.types import Passage

__all__ = ["ALIGN_METHOD", "Tokens", "align", "align_tokens", "shingle_hashes", "word_ids", "word_tokens"]

ALIGN_METHOD = "passages_v1"
"""Versioned name of the alignment scheme; change it whenever results would change."""

_WORD = re.compile(r"\w+")
_NON_ASCII_WORD = re.compile(r"[^\W\x00-\x7f]")
# ASCII fast path of tokenisation: word bytes, and a table turning every other byte into a space.
_IS_WORD = np.zeros(128, dtype=bool)
_IS_WORD[[ord(c) for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"]] = True
_TO_SPACE = str.maketrans({chr(c): " " for c in range(128) if not _IS_WORD[c]})
# Odd multipliers of the shingle hash (fixed, so results are reproducible across runs).
_SHINGLE_KEYS = np.random.default_rng(20261122).integers(1, 2**63, size=12, dtype=np.uint64) | np.uint64(1)
# Multiplier spreading the ids of blocked words over 64 bits (odd: distinct words, distinct ids).
_BLOCKED_ID = np.uint64(0x9E3779B97F4A7C15)
# Punctuation a passage may take in at its ends (sentence ends, closing and opening quotes).
_CLOSING = frozenset(".,;:!?)]}\"'”’»…")
_OPENING = frozenset("([{\"'“‘«„")
_MAX_EDGE_PUNCT = 3


Tokens = tuple[list[str], np.ndarray, np.ndarray]
"""``(words, starts, ends)`` as :func:`word_tokens` returns them."""


def word_tokens(text: str) -> Tokens:
    """Normalised words of ``text`` and their half-open offsets in ``text``.

    Same tokens as :func:`copydesk.text.tokenize`, without a Python object per word for ASCII
    text and normalising only the words that are not ASCII.

    Returns:
        ``(words, starts, ends)``: ``text[starts[i]:ends[i]]`` is ``words[i]`` as written.
    """
    if not text.isascii() and not _NON_ASCII_WORD.search(text):
        # Typographic quotes and dashes are the usual non-ASCII characters of English news;
        # when every non-ASCII character is a separator, "?" (one per character) does as well.
        text = text.encode("ascii", "replace").decode("ascii")
    if text.isascii():
        raw = np.frombuffer(text.encode("ascii"), dtype=np.uint8)
        edges = np.diff(_IS_WORD[raw].view(np.int8), prepend=np.int8(0), append=np.int8(0))
        starts = np.flatnonzero(edges == 1)
        ends = np.flatnonzero(edges == -1)
        return text.lower().translate(_TO_SPACE).split(), starts, ends
    # As tokenize(), which normalises every word; here only the words that are not ASCII.
    words, spans = [], []
    for m in _WORD.finditer(text):
        word = m.group()
        if word.isascii():
            words.append(word.lower())
        else:
            word = "".join(_WORD.findall(normalize(word)))
            if not word:
                continue
            words.append(word)
        spans.append(m.span())
    offsets = np.array(spans, dtype=np.int64).reshape(-1, 2)
    return words, offsets[:, 0].copy(), offsets[:, 1].copy()


def word_ids(words: list[str]) -> np.ndarray:
    """64-bit ids of words: equal words, equal ids (within one process).

    Python's string hash, computed in C for the whole list: ids are only ever compared with
    each other inside one call, so their values (which vary between processes) never reach
    a result.
    """
    return np.fromiter(map(hash, words), np.int64, len(words)).view(np.uint64)


class _Side:
    """One text's tokens as word ids, with offsets."""

    __slots__ = ("text", "ids", "starts", "ends")

    def __init__(self, text: str, tokens: Tokens, blocked: np.ndarray | None, side: int) -> None:
        words, self.starts, self.ends = tokens
        self.text = text
        self.ids = word_ids(words)
        if blocked is not None and len(words):
            # A blocked word gets an id of its own that nothing else has: it stays in the word
            # sequence (so it counts as a gap) but never seeds nor extends a passage.
            hit = np.flatnonzero(np.asarray(blocked, dtype=bool)[self.starts])
            with np.errstate(over="ignore"):
                self.ids[hit] = (hit.astype(np.uint64) * np.uint64(2) + np.uint64(side + 1)) * _BLOCKED_ID

    def shingles(self, k: int) -> np.ndarray:
        return shingle_hashes(self.ids, k)


def shingle_hashes(ids: np.ndarray, k: int) -> np.ndarray:
    """64-bit hash of every ``k`` consecutive word ids (``len(ids) - k + 1`` of them)."""
    n = len(ids) - k + 1
    if n <= 0:
        return np.empty(0, dtype=np.uint64)
    with np.errstate(over="ignore"):
        h = ids[:n] * _SHINGLE_KEYS[0]
        for j in range(1, k):
            h += ids[j : j + n] * _SHINGLE_KEYS[j]
    return h


def align(text_a: str, text_b: str, config: PassageConfig = PassageConfig(), *,
          blocked_a: np.ndarray | None = None, blocked_b: np.ndarray | None = None) -> list[Passage]:
    """Passages of ``text_a`` reused in ``text_b``, with offsets into both texts.

    Small edits inside a passage (a changed word, a typo, an inserted or deleted word,
    different quote marks or case) do not break it. The score of a passage is the share of
    its words, in both texts together, that the alignment matched.

    Args:
        text_a: First text (offsets in ``Passage.a`` refer to it).
        text_b: Second text (offsets in ``Passage.b``).
        config: Alignment settings (``seed_words``, ``max_gap_words``, ``max_seed_pairs``,
            ``min_passage_chars``, ``min_passage_score``).
        blocked_a: Optional boolean per character of ``text_a``: words starting on a True
            character never match (known boilerplate); they count as differing words.
        blocked_b: The same for ``text_b``.

    Returns:
        Passages ordered by their start in ``text_a``; each at least ``min_passage_chars``
        long in both texts. A text may hold a passage twice (a repeated paragraph), so
        spans in one text may overlap.

    Example:
        >>> story = "The council approved the new budget on Tuesday after a long debate. " * 4
        >>> [p.a for p in align(story, "Breaking: " + story, PassageConfig(min_passage_chars=50))]
        [(0, 271)]
    """
    tokens_a, tokens_b = word_tokens(text_a), word_tokens(text_b)
    return align_tokens(text_a, tokens_a, text_b, tokens_b, config, blocked_a, blocked_b)


def align_tokens(text_a: str, tokens_a: Tokens, text_b: str, tokens_b: Tokens,
                 config: PassageConfig = PassageConfig(), blocked_a: np.ndarray | None = None,
                 blocked_b: np.ndarray | None = None) -> list[Passage]:
    """:func:`align` for texts already split by :func:`word_tokens` (callers that need the
    words for something else too tokenise once)."""
    if (len(text_b), text_b) < (len(text_a), text_a):
        swapped = _align(text_b, tokens_b, text_a, tokens_a, config, blocked_b, blocked_a)
        return sorted((p.swapped() for p in swapped), key=_order)
    return _align(text_a, tokens_a, text_b, tokens_b, config, blocked_a, blocked_b)


def _order(p: Passage) -> tuple[int, int, int, int]:
    return (p.a[0], p.a[1], p.b[0], p.b[1])


def _align(text_a: str, tokens_a: Tokens, text_b: str, tokens_b: Tokens, config: PassageConfig,
           blocked_a: np.ndarray | None, blocked_b: np.ndarray | None) -> list[Passage]:
    a, b = _Side(text_a, tokens_a, blocked_a, 0), _Side(text_b, tokens_b, blocked_b, 1)
    k = config.seed_words
    runs = _runs(a.shingles(k), b.shingles(k), k, config.max_seed_pairs)
    if not runs:
        return []
    passages = []
    for a0, a1, b0, b1, matched in _chains(runs, k, config.max_gap_words):
        a0, a1, b0, b1, matched = _extend(a.ids, b.ids, a0, a1, b0, b1, matched, k - 1)
        sa, ea = _punct_edges(text_a, int(a.starts[a0]), int(a.ends[a1 - 1]))
        sb, eb = _punct_edges(text_b, int(b.starts[b0]), int(b.ends[b1 - 1]))
        sa, ea, sb, eb = _agree_edges(text_a, text_b, a.starts[a0], a.ends[a1 - 1], b.starts[b0],
                                      b.ends[b1 - 1], sa, ea, sb, eb)
        score = min(1.0, matched / ((a1 - a0) + (b1 - b0)))
        if min(ea - sa, eb - sb) < config.min_passage_chars or score < config.min_passage_score:
            continue
        passages.append(Passage((sa, ea), (sb, eb), "verbatim", round(score, 4)))
    return sorted(_drop_nested(passages), key=_order)


def _runs(ha: np.ndarray, hb: np.ndarray, k: int, max_seed_pairs: int) -> list[tuple[int, int, int, int]]:
    """Maximal diagonal runs of shared shingles: ``(a0, a1, b0, b1)`` token ranges, half-open."""
    if len(ha) == 0 or len(hb) == 0:
        return []
    order_b = np.argsort(hb, kind="stable")
    sorted_b = hb[order_b]
    lo = np.searchsorted(sorted_b, ha, side="left")
    n_b = np.searchsorted(sorted_b, ha, side="right") - lo
    if not n_b.any():
        return []
    order_a = np.argsort(ha, kind="stable")
    sorted_a = ha[order_a]
    group = np.flatnonzero(np.concatenate(([True], sorted_a[1:] != sorted_a[:-1])))
    n_a_sorted = np.diff(np.append(group, len(ha)))
    rank_a = np.empty(len(ha), dtype=np.int64)  # occurrence number of each shingle in a
    rank_a[order_a] = _ranks(n_a_sorted)
    n_a = np.empty(len(ha), dtype=np.int64)
    n_a[order_a] = np.repeat(n_a_sorted, n_a_sorted)
    # Every pairing of a shingle's occurrences, unless that is more than max_seed_pairs; then
    # only the k-th occurrence in a with the k-th in b, which still aligns repetitive text
    # (a refrain, "ha ha ha") in order without quadratic work.
    few = np.flatnonzero((n_b > 0) & (n_a * n_b <= max_seed_pairs))
    many = np.flatnonzero((n_a * n_b > max_seed_pairs) & (rank_a < n_b))
    reps = n_b[few]
    i = np.concatenate((np.repeat(few, reps), many))
    j = np.concatenate((order_b[np.repeat(lo[few], reps) + _ranks(reps)], order_b[lo[many] + rank_a[many]]))
    if len(i) == 0:
        return []
    diag = j - i
    order = np.lexsort((i, diag))
    i, diag = i[order], diag[order]
    brk = np.ones(len(i), dtype=bool)
    brk[1:] = (diag[1:] != diag[:-1]) | (i[1:] != i[:-1] + 1)
    first = np.flatnonzero(brk)
    last = np.append(first[1:], len(i)) - 1
    a0, a1 = i[first], i[last] + k
    b0, b1 = a0 + diag[first], a1 + diag[first]
    order = np.lexsort((b0, a0))
    return list(zip(a0[order].tolist(), a1[order].tolist(), b0[order].tolist(), b1[order].tolist()))


def _ranks(lengths: np.ndarray) -> np.ndarray:
    total = int(lengths.sum())
    return np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(lengths) - lengths, lengths)


def _chains(runs: list[tuple[int, int, int, int]], k: int, max_gap: int) -> list[list[int]]:
    """Join runs (sorted by start in a) into chains ``[a0, a1, b0, b1, matched_words]``.

    A run joins an open chain when it starts no later than ``max_gap`` words after the chain's
    end in both texts and not before the chain's start; a run lying inside a chain (a repeated
    phrase) is absorbed. Among several chains, the one with the smallest gap wins.
    """
    chains: list[list[int]] = []
    open_chains: list[list[int]] = []
    for a0, a1, b0, b1 in runs:
        # Runs come in order of a0: a chain ending more than max_gap words before can never
        # be continued again.
        open_chains = [c for c in open_chains if c[1] + max_gap >= a0]
        best, best_gap = None, None
        for c in open_chains:
            gap_a, gap_b = a0 - c[1], b0 - c[3]
            if gap_a > max_gap or gap_b > max_gap or a0 < c[0] or b0 < c[2]:
                continue
            gap = max(gap_a, gap_b, 0) + abs(gap_a - gap_b)
            if best_gap is None or gap < best_gap:
                best, best_gap = c, gap
        if best is None:
            chain = [a0, a1, b0, b1, (a1 - a0) + (b1 - b0)]
            chains.append(chain)
            open_chains.append(chain)
            continue
        # Only words beyond the chain's current end count as newly matched.
        best[4] += max(0, a1 - max(a0, best[1])) + max(0, b1 - max(b0, best[3]))
        best[1] = max(best[1], a1)
        best[3] = max(best[3], b1)
    return chains


def _extend(ids_a: np.ndarray, ids_b: np.ndarray, a0: int, a1: int, b0: int, b1: int, matched: int,
            confirm: int) -> tuple[int, int, int, int, int]:
    """Grow a chain over equal words at both ends, and over one changed word when ``confirm``
    equal words follow it, or all the words left before either text ends (a seed cannot start
    within a few words of an edit, so a changed word near a passage's end would cut it short)."""
    na, nb = len(ids_a), len(ids_b)
    while True:
        if a1 < na and b1 < nb and ids_a[a1] == ids_b[b1]:
            a1, b1, matched = a1 + 1, b1 + 1, matched + 2
        elif (need := min(confirm, na - a1 - 1, nb - b1 - 1)) >= 1 and all(
                ids_a[a1 + t] == ids_b[b1 + t] for t in range(1, need + 1)):
            a1, b1 = a1 + 1, b1 + 1
        else:
            break
    while True:
        if a0 > 0 and b0 > 0 and ids_a[a0 - 1] == ids_b[b0 - 1]:
            a0, b0, matched = a0 - 1, b0 - 1, matched + 2
        elif (need := min(confirm, a0 - 1, b0 - 1)) >= 1 and all(
                ids_a[a0 - 1 - t] == ids_b[b0 - 1 - t] for t in range(1, need + 1)):
            a0, b0 = a0 - 1, b0 - 1
        else:
            break
    return a0, a1, b0, b1, matched


def _punct_edges(text: str, start: int, end: int) -> tuple[int, int]:
    """Take in up to a few punctuation characters right before ``start`` and after ``end``."""
    s = start
    while s > 0 and start - s < _MAX_EDGE_PUNCT and text[s - 1] in _OPENING:
        s -= 1
    e = end
    while e < len(text) and e - end < _MAX_EDGE_PUNCT and text[e] in _CLOSING:
        e += 1
    return s, e


def _agree_edges(text_a: str, text_b: str, word_sa: int, word_ea: int, word_sb: int, word_eb: int,
                 sa: int, ea: int, sb: int, eb: int) -> tuple[int, int, int, int]:
    """Keep edge punctuation only where both texts have some (a full stop in both copies), so
    a passage never takes in punctuation its counterpart lacks."""
    if (sa == word_sa) != (sb == word_sb):
        sa, sb = int(word_sa), int(word_sb)
    if (ea == word_ea) != (eb == word_eb):
        ea, eb = int(word_ea), int(word_eb)
    return sa, ea, sb, eb


def _drop_nested(passages: list[Passage]) -> list[Passage]:
    """Drop passages that lie inside a larger one in both texts (repeated phrases)."""
    ranked = sorted(passages, key=lambda p: (-(p.a[1] - p.a[0]) - (p.b[1] - p.b[0]), _order(p)))
    kept: list[Passage] = []
    for p in ranked:
        if not any(q.a[0] <= p.a[0] and p.a[1] <= q.a[1] and q.b[0] <= p.b[0] and p.b[1] <= q.b[1]
                   for q in kept):
            kept.append(p)
    return kept
