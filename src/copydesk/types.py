"""The frozen records that stages exchange.

Spans are half-open character offsets into a document's *original* text. A :class:`Candidate`
is an unverified pair; a :class:`Match` is verified and carries its aligned passages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from copydesk.errors import SchemeMismatch

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "Candidate",
    "Cluster",
    "DocInfo",
    "DocView",
    "Document",
    "MATCH_KINDS",
    "Match",
    "Passage",
    "SIGNATURE_EMPTY",
    "Signature",
    "SignatureScheme",
    "Signatures",
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
    """An unverified pair of document indices (``a < b``) and the generators that proposed it.

    Attributes:
        a: Index of the first document (the smaller).
        b: Index of the second document.
        methods: The candidate generators that proposed the pair (``near``, ``passages``,
            ``story``); the compare stage runs the checks they ask for.
    """

    a: int
    b: int
    methods: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if not 0 <= self.a < self.b:
            raise ValueError(f"a candidate pair needs indices 0 <= a < b, got {self.a} and {self.b}")


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


SIGNATURE_EMPTY = 0xFFFFFFFF
"""Value of every bin of a signature of a text without shingles (``copydesk.sketch.EMPTY``)."""


@dataclass(frozen=True, slots=True)
class SignatureScheme:
    """What a MinHash signature means: signatures of two schemes never compare.

    Attributes:
        num_perm: Values per signature (bins of one-permutation MinHash).
        ngram: Words per shingle.
        seed: Seed of every hash.
        shingles: What a shingle is made of: ``"words"``, the tokens of
            :func:`copydesk.text.token_stream`.
        version: Version of the hashing and densification (:mod:`copydesk.sketch`); bumped
            whenever the values of a text would change.

    Example:
        >>> SignatureScheme(128, 5, 1).name
        'oph128_words5_s1_v2'
    """

    num_perm: int
    ngram: int
    seed: int
    shingles: str = "words"
    version: int = 2

    @property
    def name(self) -> str:
        """Versioned name of the scheme, as in ``Match.method`` and ``run.json``."""
        return f"oph{self.num_perm}_{self.shingles}{self.ngram}_s{self.seed}_v{self.version}"

    def check(self, other: SignatureScheme) -> None:
        """Raise unless ``other`` is this scheme.

        Raises:
            copydesk.errors.SchemeMismatch: the schemes differ; the message says which.
        """
        if other != self:
            raise SchemeMismatch(
                f"signatures of scheme {self.name} and {other.name} do not compare; compute both with the "
                "same near.num_perm, near.ngram and near.seed (and the same copydesk version)")


@dataclass(frozen=True, slots=True, eq=False)
class Signature:
    """The MinHash signature of one document, with its scheme.

    Attributes:
        scheme: What the values mean.
        values: ``uint32`` array of ``scheme.num_perm`` values; all ``copydesk.sketch.EMPTY``
            for a document without a word.
    """

    scheme: SignatureScheme
    values: np.ndarray

    def jaccard(self, other: Signature) -> float:
        """Estimated Jaccard similarity (share of agreeing values); 0.0 when either is empty.

        Raises:
            copydesk.errors.SchemeMismatch: the two signatures have different schemes.
        """
        self.scheme.check(other.scheme)
        return Signature.agreement(self.values, other.values)

    @staticmethod
    def agreement(a: np.ndarray, b: np.ndarray) -> float:
        """Share of the values on which two rows of one scheme agree; 0.0 when either is empty
        (its first value is ``copydesk.sketch.EMPTY``: a document without shingles matches nothing)."""
        if a[0] == SIGNATURE_EMPTY or b[0] == SIGNATURE_EMPTY:
            return 0.0
        return float((a == b).sum()) / a.shape[-1]


@dataclass(frozen=True, slots=True, eq=False)
class Signatures:
    """The MinHash signatures of a batch of documents under one scheme (row ``k``: document ``k``).

    Attributes:
        scheme: What the values mean.
        values: ``uint32`` array of shape ``(n, scheme.num_perm)``.
    """

    scheme: SignatureScheme
    values: np.ndarray

    def __post_init__(self) -> None:
        if self.values.ndim != 2 or self.values.shape[1] != self.scheme.num_perm:
            raise ValueError(f"signatures of scheme {self.scheme.name} need {self.scheme.num_perm} values a row, "
                             f"not an array of shape {self.values.shape}")

    def __len__(self) -> int:
        return len(self.values)

    def __getitem__(self, k: int) -> Signature:
        return Signature(self.scheme, self.values[k])

    def estimates(self, pairs: np.ndarray) -> np.ndarray:
        """Estimated Jaccard similarity of each row pair of ``pairs`` (shape ``(m, 2)``): the share
        of agreeing values, as the LSH filter reads it (empty signatures are never paired)."""
        if len(pairs) == 0:
            return self.values[:0, 0].astype(float)
        return (self.values[pairs[:, 0]] == self.values[pairs[:, 1]]).mean(axis=1)

    @staticmethod
    def concat(parts: list[Signatures]) -> Signatures:
        """The batches one after the other.

        Raises:
            copydesk.errors.SchemeMismatch: two batches have different schemes.
            ValueError: ``parts`` is empty.
        """
        if not parts:
            raise ValueError("no signature batch to concatenate")
        import numpy as np

        for part in parts[1:]:
            parts[0].scheme.check(part.scheme)
        return Signatures(parts[0].scheme, np.concatenate([p.values for p in parts]))
