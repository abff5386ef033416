"""Lines of a document and corpus-level repeated-line statistics (cc_net style).

A line is a run of characters between newlines. Its *key* hashes the line's matching form
(:func:`copydesk.text.normalize`) with runs of digits folded to ``0``, so "12 comments" and "3 comments"
share a key, as cc_net folds digits before it hashes paragraphs. The lowest bit of a key says
whether the line is short (see :attr:`CleanConfig.max_corpus_line_words`): only short lines are
learnt corpus-wide, because a long line that recurs across many *sources* is usually a copied
paragraph, which is exactly what copydesk must find, not furniture.

Example:
    >>> from copydesk.clean import CleanConfig
    >>> cfg = CleanConfig()
    >>> docs = [("site", line_keys(f"Story {i} text here.\\nShare this story", cfg)) for i in range(3)]
    >>> stats = LineStats.build(docs, cfg)
    >>> stats.is_source_line("site", line_keys("Share this story", cfg))
    array([ True])
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import xxhash

from copydesk.text import normalize

if TYPE_CHECKING:
    from copydesk.clean import CleanConfig

__all__ = ["Line", "LineCounts", "LineStats", "line_key", "line_keys", "split_lines"]

_WORD = re.compile(r"\w+")
_DIGITS = re.compile(r"\d+")
_KEY_SEED = 0x636C65616E  # "clean": keys of other seeds never compare


class Line(NamedTuple):
    """One non-blank line: ``text[start:end]`` with surrounding whitespace left out.

    A named tuple, not a dataclass: a document has dozens of lines and a frozen dataclass costs
    a microsecond each to build.
    """

    start: int
    end: int
    text: str
    words: int


_LINE = re.compile(r"[^\n]+")
# Counting words costs a regex pass per line; a line longer than this is prose (20 words and
# more) and its word count only meets the rules' limits (30 to 60 words), for which the number
# of space-separated tokens is close enough.
_COUNT_WORDS_UP_TO = 150


def split_lines(text: str) -> list[Line]:
    """The non-blank lines of ``text`` with offsets into ``text`` (whitespace trimmed).

    ``words`` counts ``\\w+`` runs; for lines over 150 characters it counts space-separated
    tokens instead (cheaper, and close enough for prose).
    """
    lines = []
    for m in _LINE.finditer(text):
        raw = m.group()
        stripped = raw.strip()
        if not stripped:
            continue
        start = m.start() + (len(raw) - len(raw.lstrip()))
        n = len(stripped)
        words = len(_WORD.findall(stripped)) if n <= _COUNT_WORDS_UP_TO else stripped.count(" ") + 1
        lines.append(Line(start, start + n, stripped, words))
    return lines


def key_text(line: str) -> str:
    """:func:`copydesk.text.normalize` of a whitespace-trimmed line, with a fast path for ASCII."""
    if line.isascii():
        low = line.lower()
        return (
            " ".join(low.split())
            if ("  " in low or "\t" in low or "\r" in low or "\x0b" in low or "\x0c" in low)
            else low
        )
    return normalize(line)


def line_key(line: str, max_short_words: int, words: int | None = None, norm: str | None = None) -> int:
    """64-bit key of one line: normalised, digits folded; lowest bit set for a short line.

    Args:
        line: The line as written.
        max_short_words: Lines of at most this many words are "short" (learnt corpus-wide).
        words: The line's word count, when already known.
        norm: ``normalize(line)``, when already known.
    """
    if norm is None:
        norm = key_text(line)
    if words is None:
        words = len(_WORD.findall(line))
    key = xxhash.xxh64_intdigest(_DIGITS.sub("0", norm).encode("utf-8", "surrogatepass"), _KEY_SEED) & ~1
    if words <= max_short_words:
        key |= 1
    return key


def _keys(lines: Iterable[Line], max_short_words: int) -> Iterator[int]:
    for line in lines:
        if line.words:
            yield line_key(line.text, max_short_words, line.words)


def line_keys(text: str, config: CleanConfig) -> np.ndarray:
    """Sorted, unique ``uint64`` keys of the document's lines that hold a word.

    Args:
        text: The document's original text.
        config: Cleaning settings (``max_corpus_line_words`` decides the short-line bit).

    Returns:
        A 1-D ``uint64`` array; each line counts once per document.
    """
    keys = np.fromiter(_keys(split_lines(text), config.max_corpus_line_words), dtype=np.uint64)
    return np.unique(keys)


def _unique_counts(keys: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if keys.size == 0:
        return keys.astype(np.uint64), counts.astype(np.int64)
    uniq, inverse = np.unique(keys, return_inverse=True)
    return uniq, np.bincount(inverse, weights=counts, minlength=uniq.size).astype(np.int64)


@dataclass
class LineCounts:
    """Partial counts of documents per line key, per source: what engines add and merge.

    ``None`` is the source of documents whose source is unknown; they count corpus-wide only.
    A Spark engine can produce the same counts with ``groupBy(source, key).count()`` and pass
    them to :meth:`LineStats.from_counts`.
    """

    _parts: dict[str | None, list[np.ndarray]] = field(default_factory=dict)

    def add(self, source: str | None, keys: np.ndarray) -> None:
        """Count one document (its unique line keys) under ``source``."""
        self._parts.setdefault(source, []).append(np.asarray(keys, dtype=np.uint64))

    def merge(self, other: LineCounts) -> LineCounts:
        """Counts of both (for partial counts computed in parallel)."""
        merged = LineCounts({s: list(v) for s, v in self._parts.items()})
        for source, parts in other._parts.items():
            merged._parts.setdefault(source, []).extend(parts)
        return merged

    def counts(self) -> Iterator[tuple[str | None, np.ndarray, np.ndarray]]:
        """``(source, keys, documents)`` per source, keys sorted and unique."""
        for source in sorted(self._parts, key=lambda s: (s is not None, s or "")):
            parts = self._parts[source]
            keys = np.concatenate(parts) if parts else np.zeros(0, np.uint64)
            yield (source, *_unique_counts(keys, np.ones(keys.size, dtype=np.int64)))


@dataclass(frozen=True)
class LineStats:
    """Lines learnt as furniture: per source, and corpus-wide (short lines only).

    Holds only the keys that passed the thresholds, as sets of ints: picklable, small (the
    learnt lines, not the counts) and looked up in constant time per line (a numpy search per
    document cost more than the lookups themselves).

    Attributes:
        source_keys: Per source, keys of lines found in at least ``min_source_docs`` of its
            documents.
        corpus_keys: Keys of short lines found in at least ``min_corpus_docs`` documents.
        documents: Documents counted.
    """

    source_keys: dict[str, frozenset[int]]
    corpus_keys: frozenset[int]
    documents: int = 0

    @classmethod
    def build(cls, per_doc: Iterable[tuple[str | None, np.ndarray]], config: CleanConfig) -> LineStats:
        """Learn from ``(source, line_keys)`` of every document of the corpus."""
        counts = LineCounts()
        documents = 0
        for source, keys in per_doc:
            counts.add(source, keys)
            documents += 1
        return cls.from_counts(counts.counts(), config, documents)

    @classmethod
    def from_counts(
        cls,
        counts: Iterable[tuple[str | None, np.ndarray | int, np.ndarray | int]],
        config: CleanConfig,
        documents: int = 0,
    ) -> LineStats:
        """Learn from counts of documents per ``(source, key)``, computed anywhere.

        Args:
            counts: ``(source, key, documents)`` triples, or ``(source, keys, documents)`` with
                parallel arrays; a ``(source, key)`` may appear several times (partial counts
                are summed).
            config: Thresholds.
            documents: Number of documents counted (informational).
        """
        by_source: dict[str | None, tuple[list[np.ndarray], list[np.ndarray]]] = {}
        for source, keys, docs in counts:
            k = np.atleast_1d(np.asarray(keys, dtype=np.uint64))
            c = np.broadcast_to(np.atleast_1d(np.asarray(docs, dtype=np.int64)), k.shape)
            entry = by_source.setdefault(source, ([], []))
            entry[0].append(k)
            entry[1].append(c)
        source_keys: dict[str, frozenset[int]] = {}
        all_keys, all_counts = [], []
        for source, (ks, cs) in by_source.items():
            keys, docs = _unique_counts(np.concatenate(ks), np.concatenate(cs))
            if source is not None:
                learnt = keys[docs >= config.min_source_docs]
                if learnt.size:
                    source_keys[source] = frozenset(learnt.tolist())
            short = (keys & np.uint64(1)).astype(bool)
            all_keys.append(keys[short])
            all_counts.append(docs[short])
        corpus: frozenset[int] = frozenset()
        if all_keys:
            keys, docs = _unique_counts(np.concatenate(all_keys), np.concatenate(all_counts))
            corpus = frozenset(keys[docs >= config.min_corpus_docs].tolist())
        return cls(dict(sorted(source_keys.items())), corpus, documents)

    def is_source_line(self, source: str | None, keys: Iterable[int]) -> np.ndarray:
        """For each key, whether it was learnt as furniture of ``source``."""
        learnt = self.source_keys.get(source, frozenset()) if source is not None else frozenset()
        return np.array([int(k) in learnt for k in keys], dtype=bool)

    def is_corpus_line(self, keys: Iterable[int]) -> np.ndarray:
        """For each key, whether it was learnt as furniture corpus-wide."""
        return np.array([int(k) in self.corpus_keys for k in keys], dtype=bool)
