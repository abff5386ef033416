"""The frozen records that stages exchange.

Spans are half-open character offsets into a document's *original* text. A :class:`Candidate`
is an unverified pair; a :class:`Match` is verified and carries its aligned passages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "Candidate",
    "Cluster",
    "DocInfo",
    "DocView",
    "Document",
    "MATCH_KINDS",
    "Match",
    "Passage",
    "Span",
]

MatchKind = Literal["exact", "near_duplicate", "excerpt", "shared_passages", "rewrite", "same_story"]
MATCH_KINDS: tuple[str, ...] = (
    "exact",
    "near_duplicate",
    "excerpt",
    "shared_passages",
    "rewrite",
    "same_story",
)
"""Relation kinds, from the strongest to the weakest."""


@dataclass(frozen=True, slots=True)
class Document:
    """One input document.

    Attributes:
        id: Unique identifier (a relative path for folders of text files, a field for JSONL).
        text: The original text, never rewritten by any stage.
        source: Publisher or site, when known (used by per-source boilerplate learning).
        url: Page address, when known.
        published: Publication date or timestamp as given (ISO 8601 preferred).
        origin: Where it came from, as ``file:line``, for error messages.
        raw: The input record as JSON text, when the input was JSONL: the deduplicated corpus
            gives it back with every field the user had.
        warnings: Problems met while reading it that did not stop it (bytes replaced...).
        published_origin: Where ``published`` came from: ``jsonl``, ``html_meta``, ``jsonld``,
            ``time_tag``, ``url`` or ``warc_crawl`` (a crawl date, not a publication date).
    """

    id: str
    text: str
    source: str | None = None
    url: str | None = None
    published: str | None = None
    origin: str = ""
    raw: str | None = None
    warnings: tuple[str, ...] = ()
    published_origin: str | None = None


@dataclass(frozen=True, slots=True)
class Span:
    """``[start, end)`` in a document's original text, with why it was marked."""

    start: int
    end: int
    reason: str
    score: float = 1.0

    def __post_init__(self) -> None:
        if not 0 <= self.start <= self.end:
            raise ValueError(f"invalid span [{self.start}, {self.end})")


@dataclass(frozen=True, slots=True)
class Passage:
    """Aligned text: ``a`` in the first document corresponds to ``b`` in the second.

    Attributes:
        a: ``(start, end)`` in document a's original text.
        b: ``(start, end)`` in document b's original text.
        kind: ``"verbatim"`` (copied, possibly with small edits) or ``"rewrite"``.
        score: Similarity of the two spans, 0 to 1.
    """

    a: tuple[int, int]
    b: tuple[int, int]
    kind: Literal["verbatim", "rewrite"] = "verbatim"
    score: float = 1.0

    def swapped(self) -> Passage:
        """The same passage seen from the other document."""
        return Passage(self.b, self.a, self.kind, self.score)


@dataclass(frozen=True, slots=True)
class Candidate:
    """An unverified pair of document indices (``a < b``) and what proposed it."""

    a: int
    b: int
    method: str
    score: float = 0.0


@dataclass(frozen=True, slots=True)
class Match:
    """A verified relation between two documents, ids ordered ``a < b``.

    Attributes:
        a: Id of the first document.
        b: Id of the second document.
        kind: One of :data:`MATCH_KINDS`.
        score: Strength of the relation, 0 to 1 (what it measures depends on ``kind``).
        jaccard: Word-shingle Jaccard similarity of the two texts (exact, not estimated).
        containment_a: Share of a's (cleaned) text covered by the passages.
        containment_b: Share of b's (cleaned) text covered by the passages.
        passages: Aligned spans, ordered by their start in a.
        method: Versioned name of the stage that found and verified it.
    """

    a: str
    b: str
    kind: str
    score: float
    jaccard: float
    containment_a: float
    containment_b: float
    passages: tuple[Passage, ...] = ()
    method: str = ""

    def __post_init__(self) -> None:
        if not self.a < self.b:
            raise ValueError(f"match ids must be ordered a < b, got {self.a!r} and {self.b!r}")
        if self.kind not in MATCH_KINDS:
            raise ValueError(f"unknown match kind {self.kind!r}; expected one of {MATCH_KINDS}")


@dataclass(frozen=True, slots=True)
class Cluster:
    """Documents grouped at one level: ``copy`` (derived from one text) or ``story`` (one event)."""

    id: str
    kind: Literal["copy", "story"]
    members: tuple[str, ...]
    representative: str


@dataclass(frozen=True, slots=True)
class DocInfo:
    """What the pipeline learned about one document: a line of ``documents.jsonl``.

    Attributes:
        id: The document's id.
        source: Its source, when known.
        chars: Length of the original text in characters.
        boilerplate: Spans marked as site furniture (cleaning), with reasons.
        segments: Spans of the separate articles found in the text (cleaning).
        warnings: Problems met while reading it (for example undecodable bytes replaced).
    """

    id: str
    source: str | None
    chars: int
    url: str | None = None
    published: str | None = None
    boilerplate: tuple[Span, ...] = ()
    segments: tuple[Span, ...] = ()
    warnings: tuple[str, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class DocView:
    """A document as the matching stages see it, after cleaning.

    Attributes:
        id: The document's id.
        text: The original text (offsets of every span refer to it).
        masked: ``text`` with boilerplate characters replaced by spaces: the same length, so
            an offset into ``masked`` is an offset into ``text``. Matching reads this.
        segments: Spans of separate articles in the text (empty: one article, the whole text).
        published: Publication date as given, when known.
        source: Publisher or site, when known.
    """

    id: str
    text: str
    masked: str
    segments: tuple[Span, ...] = ()
    published: str | None = None
    source: str | None = None

    @property
    def article_chars(self) -> int:
        """Characters of article text: non-space characters of ``masked``, a stable denominator."""
        return len(self.masked) - self.masked.count(" ") - self.masked.count("\n")
