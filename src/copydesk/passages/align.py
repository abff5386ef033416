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
6. Passages shorter than ``min_extra_passage_chars`` in either text, passages matching less than
   ``min_passage_score`` of their words (chance chains of stock phrases), and passages lying
   inside a larger one in both texts (repeated phrases) are dropped; and all of them unless
   one is at least ``min_passage_chars`` long (one sentence alone is not evidence of copying,
   but beside a copied paragraph it is part of the copy).

:func:`align_detailed` also keeps, for every passage, the gaps its chain bridged (changed,
inserted and deleted words): :meth:`Aligned.agreement` then tells a copy with typos or OCR
errors (gaps of misspelt words) from a word-level rewrite (gaps of other words), and
:meth:`Aligned.verbatim_pieces` cuts a passage at its changed words.

The work is ``O((n + m) log m)`` for texts of ``n`` and ``m`` words plus the number of seeds,
which ``max_seed_pairs`` bounds; no dynamic programming over whole documents.

The result does not depend on argument order: the alignment is computed in a canonical
orientation and swapped back, so ``align(b, a)`` is exactly ``align(a, b)`` mirrored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from copydesk.measures import levenshtein
from copydesk.passages.config import PassageConfig
from copydesk.text import NON_ASCII_WORD, normalize
from copydesk.types import Passage

__all__ = ["ALIGN_METHOD", "Aligned", "Tokens", "align", "align_detailed", "align_tokens", "shingle_hashes", "word_ids",
           "word_tokens"]

ALIGN_METHOD = "passages_v2"
"""Versioned name of the alignment scheme and of :func:`relate`'s classification; change it
whenever results would change (v2: a near-duplicate needs ``min_near_duplicate_score``)."""

_WORD = re.compile(r"\w+")
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
# Inside a bridged gap, two words agree when they are the same up to a typo: at most a third of
# the longer one's characters edited, rounded (one edit up to four letters, two up to seven;
# one-letter words must be equal): "tirne"/"time" (2 of 5), "rnodern"/"modern", "tbe"/"the",
# "0f"/"of" and a word split at a line break ("exam ple"/"example") agree, "stated"/"said"
# (3 of 6) and "fresh"/"new" do not.
_TYPO_EDIT_SHARE = 3
# Gaps longer than this (words, either side) are rewritten text, not compared word by word.
_MAX_GAP_COMPARED = 24


Tokens = tuple[list[str], np.ndarray, np.ndarray]
"""``(words, starts, ends)`` as :func:`word_tokens` returns them."""


def word_tokens(text: str) -> Tokens:
    """Normalised words of ``text`` and their half-open offsets in ``text``.

    Same tokens as :func:`copydesk.text.tokenize`, without a Python object per word for ASCII
    text and normalising only the words that are not ASCII.

    Returns:
        ``(words, starts, ends)``: ``text[starts[i]:ends[i]]`` is ``words[i]`` as written.
    """
    if not text.isascii() and not NON_ASCII_WORD.search(text):
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
        Passages ordered by their start in ``text_a``; none when no passage is at least
        ``min_passage_chars`` long in both texts, otherwise every passage of at least
        ``min_extra_passage_chars`` (a copied closing quotation beside the copied opening). A text may hold a passage twice (a repeated paragraph), so
        spans in one text may overlap.

    Raises:
        TypeError: a text is not a ``str`` or ``config`` is not a :class:`PassageConfig`.

    Example:
        >>> story = "The council approved the new budget on Tuesday after a long debate. " * 4
        >>> [p.a for p in align(story, "Breaking: " + story, PassageConfig(min_passage_chars=50))]
        [(0, 271)]
    """
    for name, value in (("text_a", text_a), ("text_b", text_b)):
        if not isinstance(value, str):
            raise TypeError(f"align() needs {name} as a str, not {type(value).__name__}")
    if not isinstance(config, PassageConfig):
        raise TypeError(f"align() needs config as a PassageConfig, not {type(config).__name__} "
                        "(pass settings as PassageConfig(min_passage_chars=...))")
    tokens_a, tokens_b = word_tokens(text_a), word_tokens(text_b)
    return align_tokens(text_a, tokens_a, text_b, tokens_b, config, blocked_a, blocked_b)


def align_tokens(text_a: str, tokens_a: Tokens, text_b: str, tokens_b: Tokens,
                 config: PassageConfig = PassageConfig(), blocked_a: np.ndarray | None = None,
                 blocked_b: np.ndarray | None = None) -> list[Passage]:
    """:func:`align` for texts already split by :func:`word_tokens` (callers that need the
    words for something else too tokenise once)."""
    return [x.passage for x in align_detailed(text_a, tokens_a, text_b, tokens_b, config, blocked_a, blocked_b)]


Gap = tuple[int, int, int, int]
"""Half-open word ranges ``(a0, a1, b0, b1)`` a chain bridged: words of a and b that did not match
(one side empty for an inserted or deleted word)."""


@dataclass(frozen=True)
class Aligned:
    """A passage with the word alignment behind it.

    Attributes:
        passage: The passage (character offsets, score).
        words_a: Half-open range of word indices of the passage in text a (as :func:`word_tokens`
            counts words).
        words_b: The same in text b.
        gaps: The word gaps the alignment bridged inside the passage, ordered by position.
    """

    passage: Passage
    words_a: tuple[int, int]
    words_b: tuple[int, int]
    gaps: tuple[Gap, ...] = ()

    def swapped(self) -> Aligned:
        """The same alignment seen from the other text."""
        return Aligned(self.passage.swapped(), self.words_b, self.words_a,
                       tuple(sorted((b0, b1, a0, a1) for a0, a1, b0, b1 in self.gaps)))

    def agreeing_words(self, words_a: list[str], words_b: list[str]) -> list[int]:
        """For each gap, how many of its words (both sides) agree with a word of the other side
        up to a typo, matched in order (see :func:`_agreeing_words`)."""
        return [_agreeing_words(words_a[a0:a1], words_b[b0:b1]) for a0, a1, b0, b1 in self.gaps]

    def agreement(self, words_a: list[str], words_b: list[str]) -> float:
        """Share of the passage's words (both texts together) that are the same in the other
        text up to a typo: 1.0 for a verbatim copy, about 0.98 for an OCR-noised one, 0.75-0.95
        for a word-level rewrite (a synonym every few words).

        Args:
            words_a: All words of text a (``word_tokens(text_a)[0]``).
            words_b: All words of text b.
        """
        total = (self.words_a[1] - self.words_a[0]) + (self.words_b[1] - self.words_b[0])
        if total == 0:
            return 0.0
        changed = sum((a1 - a0) + (b1 - b0) - agree for (a0, a1, b0, b1), agree in
                      zip(self.gaps, self.agreeing_words(words_a, words_b)))
        return max(0.0, 1.0 - changed / total)

    def verbatim_pieces(self, text_a: str, tokens_a: Tokens, text_b: str, tokens_b: Tokens,
                        config: PassageConfig) -> list[Passage]:
        """The passage cut at every gap holding a changed, added or dropped word: the text copied
        as it stands (up to typos) inside a reworded passage. Pieces follow the rules of
        :func:`align` (``min_passage_chars``, ``min_passage_score``)."""
        words_a, starts_a, ends_a = tokens_a
        words_b, starts_b, ends_b = tokens_b
        agree = self.agreeing_words(words_a, words_b)
        cuts = [g for g, n in zip(self.gaps, agree) if n < (g[1] - g[0]) + (g[3] - g[2])]
        typos = [g for g, n in zip(self.gaps, agree) if n == (g[1] - g[0]) + (g[3] - g[2])]
        pieces = []
        ca, cb = self.words_a[0], self.words_b[0]
        for a0, a1, b0, b1 in [*cuts, (self.words_a[1], self.words_a[1], self.words_b[1], self.words_b[1])]:
            if a0 > ca and b0 > cb:
                inside = sum((g[1] - g[0]) + (g[3] - g[2]) for g in typos if ca <= g[0] and g[1] <= a0)
                score = 1.0 - inside / ((a0 - ca) + (b0 - cb))
                sa, ea = _punct_edges(text_a, int(starts_a[ca]), int(ends_a[a0 - 1]))
                sb, eb = _punct_edges(text_b, int(starts_b[cb]), int(ends_b[b0 - 1]))
                sa, ea, sb, eb = _agree_edges(text_a, text_b, starts_a[ca], ends_a[a0 - 1], starts_b[cb],
                                              ends_b[b0 - 1], sa, ea, sb, eb)
                if min(ea - sa, eb - sb) >= config.min_passage_chars and score >= config.min_passage_score:
                    pieces.append(Passage((sa, ea), (sb, eb), "verbatim", round(score, 4)))
            ca, cb = max(ca, a1), max(cb, b1)
        return pieces


def _agreeing_words(wa: list[str], wb: list[str]) -> int:
    """Words of a gap (both sides) that pair, in order, with a word of the other side that is
    the same up to a typo, or with two words that are one word split (a line-break hyphen, an
    OCR space): a dynamic programme over the gap's words maximising the words paired."""
    n, m = len(wa), len(wb)
    if n == 0 or m == 0 or n > _MAX_GAP_COMPARED or m > _MAX_GAP_COMPARED:
        return 0
    best = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n + 1):
        for j in range(m + 1):
            v = max(best[i - 1][j] if i else 0, best[i][j - 1] if j else 0)
            if i and j and _same_word(wa[i - 1], wb[j - 1]):
                v = max(v, best[i - 1][j - 1] + 2)
            if i and j >= 2 and _same_word(wa[i - 1], wb[j - 2] + wb[j - 1]):
                v = max(v, best[i - 1][j - 2] + 3)
            if i >= 2 and j and _same_word(wa[i - 2] + wa[i - 1], wb[j - 1]):
                v = max(v, best[i - 2][j - 1] + 3)
            best[i][j] = v
    return best[n][m]


def _same_word(x: str, y: str) -> bool:
    if x == y:
        return True
    longer = max(len(x), len(y))
    if longer < 2:
        return False
    limit = max(1, (longer + 1) // _TYPO_EDIT_SHARE)
    return levenshtein(x, y, limit) <= limit


def align_detailed(text_a: str, tokens_a: Tokens, text_b: str, tokens_b: Tokens,
                   config: PassageConfig = PassageConfig(), blocked_a: np.ndarray | None = None,
                   blocked_b: np.ndarray | None = None) -> list[Aligned]:
    """:func:`align_tokens` with the word alignment of every passage (:class:`Aligned`), ordered
    as :func:`align` orders the passages."""
    if (len(text_b), text_b) < (len(text_a), text_a):
        swapped = _align(text_b, tokens_b, text_a, tokens_a, config, blocked_b, blocked_a)
        return sorted((x.swapped() for x in swapped), key=lambda x: _order(x.passage))
    return _align(text_a, tokens_a, text_b, tokens_b, config, blocked_a, blocked_b)


def _order(p: Passage) -> tuple[int, int, int, int]:
    return (p.a[0], p.a[1], p.b[0], p.b[1])


def _align(text_a: str, tokens_a: Tokens, text_b: str, tokens_b: Tokens, config: PassageConfig,
           blocked_a: np.ndarray | None, blocked_b: np.ndarray | None) -> list[Aligned]:
    a, b = _Side(text_a, tokens_a, blocked_a, 0), _Side(text_b, tokens_b, blocked_b, 1)
    k = config.seed_words
    runs = _runs(a.shingles(k), b.shingles(k), k, config.max_seed_pairs)
    if not runs:
        return []
    passages = []
    min_chars = min(config.min_extra_passage_chars, config.min_passage_chars)
    for a0, a1, b0, b1, matched, gaps in _chains(runs, k, config.max_gap_words):
        a0, a1, b0, b1, matched = _extend(a.ids, b.ids, a0, a1, b0, b1, matched, k - 1, gaps)
        sa, ea = _punct_edges(text_a, int(a.starts[a0]), int(a.ends[a1 - 1]))
        sb, eb = _punct_edges(text_b, int(b.starts[b0]), int(b.ends[b1 - 1]))
        sa, ea, sb, eb = _agree_edges(text_a, text_b, a.starts[a0], a.ends[a1 - 1], b.starts[b0],
                                      b.ends[b1 - 1], sa, ea, sb, eb)
        score = min(1.0, matched / ((a1 - a0) + (b1 - b0)))
        if min(ea - sa, eb - sb) < min_chars or score < config.min_passage_score:
            continue
        passage = Passage((sa, ea), (sb, eb), "verbatim", round(score, 4))
        passages.append(Aligned(passage, (a0, a1), (b0, b1), tuple(sorted(gaps))))
    # Shorter passages (a closing quotation printed after the first paragraphs) count only
    # beside one long enough to be evidence of copying on its own.
    if not any(_length(x.passage) >= config.min_passage_chars for x in passages):
        return []
    return sorted(_drop_nested(passages), key=lambda x: _order(x.passage))


def _length(p: Passage) -> int:
    return min(p.a[1] - p.a[0], p.b[1] - p.b[0])


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


def _chains(runs: list[tuple[int, int, int, int]], k: int, max_gap: int) -> list[list]:
    """Join runs (sorted by start in a) into chains ``[a0, a1, b0, b1, matched_words, gaps]``.

    A run joins an open chain when it starts no later than ``max_gap`` words after the chain's
    end in both texts and not before the chain's start; a run lying inside a chain (a repeated
    phrase) is absorbed. Among several chains, the one with the smallest gap wins. ``gaps``
    lists the words between the chain's end and the run that continues it (:data:`Gap`).
    """
    chains: list[list] = []
    open_chains: list[list] = []
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
            chain = [a0, a1, b0, b1, (a1 - a0) + (b1 - b0), []]
            chains.append(chain)
            open_chains.append(chain)
            continue
        # The words between the chain's end and the run, in each text (none where the run
        # overlaps the chain: its words count as matched, below, as a repeated phrase does).
        if a0 > best[1] or b0 > best[3]:
            best[5].append((best[1], max(a0, best[1]), best[3], max(b0, best[3])))
        # Only words beyond the chain's current end count as newly matched.
        best[4] += max(0, a1 - max(a0, best[1])) + max(0, b1 - max(b0, best[3]))
        best[1] = max(best[1], a1)
        best[3] = max(best[3], b1)
    return chains


def _extend(ids_a: np.ndarray, ids_b: np.ndarray, a0: int, a1: int, b0: int, b1: int, matched: int,
            confirm: int, gaps: list[Gap]) -> tuple[int, int, int, int, int]:
    """Grow a chain over equal words at both ends, and over one changed word when ``confirm``
    equal words follow it, or all the words left before either text ends (a seed cannot start
    within a few words of an edit, so a changed word near a passage's end would cut it short).
    A changed word taken in is appended to ``gaps``."""
    na, nb = len(ids_a), len(ids_b)
    while True:
        if a1 < na and b1 < nb and ids_a[a1] == ids_b[b1]:
            a1, b1, matched = a1 + 1, b1 + 1, matched + 2
        elif (need := min(confirm, na - a1 - 1, nb - b1 - 1)) >= 1 and all(
                ids_a[a1 + t] == ids_b[b1 + t] for t in range(1, need + 1)):
            gaps.append((a1, a1 + 1, b1, b1 + 1))
            a1, b1 = a1 + 1, b1 + 1
        else:
            break
    while True:
        if a0 > 0 and b0 > 0 and ids_a[a0 - 1] == ids_b[b0 - 1]:
            a0, b0, matched = a0 - 1, b0 - 1, matched + 2
        elif (need := min(confirm, a0 - 1, b0 - 1)) >= 1 and all(
                ids_a[a0 - 1 - t] == ids_b[b0 - 1 - t] for t in range(1, need + 1)):
            gaps.append((a0 - 1, a0, b0 - 1, b0))
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


def _drop_nested(passages: list[Aligned]) -> list[Aligned]:
    """Drop passages that lie inside a larger one in both texts (repeated phrases)."""
    ranked = sorted(passages, key=lambda x: (-(x.passage.a[1] - x.passage.a[0]) - (x.passage.b[1] - x.passage.b[0]),
                                             _order(x.passage)))
    kept: list[Aligned] = []
    for x in ranked:
        p = x.passage
        if not any(q.a[0] <= p.a[0] and p.a[1] <= q.a[1] and q.b[0] <= p.b[0] and p.b[1] <= q.b[1]
                   for q in (y.passage for y in kept)):
            kept.append(x)
    return kept
