"""Cleaning: the article text inside web pages and scraped text (issue 4).

Cleaning marks spans; it never rewrites the original. Contract with the pipeline
(``copydesk.pipeline`` calls exactly these):

- ``line_keys(text: str, config) -> np.ndarray[uint64]``: per document, in a worker: hashes of
  the document's normalised lines, for corpus-level statistics.
- ``LineStats.build(per_doc: Iterable[tuple[str | None, np.ndarray]], config) -> LineStats``:
  global, from (source, line_keys) of every document; picklable (sent to workers). Partial
  counts merge with :class:`LineCounts` (``add``, ``merge``) or come from anywhere through
  ``LineStats.from_counts((source, key, documents), config)`` (a Spark ``groupBy``).
- ``clean_document(text, source, stats, config) -> Cleaned``: per document, in a worker;
  ``Cleaned.boilerplate`` and ``Cleaned.segments`` are tuples of :class:`copydesk.types.Span`.
- ``mask(text, spans) -> str``: ``text`` with the spans' characters replaced by spaces.

Boilerplate reasons: ``repeated_line`` (a line printed twice in one document, such as a
headline or caption), ``source_line`` (recurs across documents of the same source),
``corpus_line`` (a short line that recurs across the corpus), ``widget``, ``byline``,
``related_links``, ``hashtags``, ``share_buttons``, ``comment_form``, ``newsletter``,
``feed_footer``, ``comments`` (an appended reader comment thread).

Example:
    >>> cfg = CleanConfig()
    >>> text = "Bridge to close\\nThe council voted on Tuesday to close the old bridge.\\n#bridge #council"
    >>> cleaned = clean_document(text, None, None, cfg)
    >>> [s.reason for s in cleaned.boilerplate]
    ['hashtags']
    >>> mask(text, cleaned.boilerplate).endswith(" " * 16)
    True
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from copydesk.clean.document import Cleaned, clean_document
from copydesk.clean.lines import LineCounts, LineStats, line_keys
from copydesk.types import Span

__all__ = [
    "CleanConfig",
    "Cleaned",
    "LineCounts",
    "LineStats",
    "clean_document",
    "kept_text",
    "line_keys",
    "mask",
]


@dataclass(frozen=True)
class CleanConfig:
    """How site furniture is found and marked.

    Attributes:
        enabled: Mark boilerplate and match on the article text only (``--no-clean`` turns off).
        min_source_docs: A line found in at least this many documents of one source is that
            source's furniture (``source_line``). 3: two documents sharing a line can be a story
            and its update; furniture recurs on every page, so it passes 3 at once on any site
            with a handful of pages (cc_net removes any repeat; we are more careful because
            copies are what we look for).
        min_corpus_docs: A short line found in at least this many documents of the whole corpus
            is furniture (``corpus_line``), whatever their sources. 5 catches the share,
            comment and newsletter lines of platforms many sites use, on the project's cleaning
            corpus and the HTML benchmarks, without touching article lines.
        max_corpus_line_words: Only lines of at most this many words are learnt corpus-wide;
            a longer line recurring across sources is a copied paragraph, which copydesk must
            keep to find the copy. 12 words covers furniture phrasings ("Sign up for our
            newsletter to get the day's top stories") and few sentences of news prose.
        max_learned_share: When learnt lines (per source or corpus-wide) would take more than
            this share of a document's characters of prose, only learnt lines without
            sentence structure are marked: such a document is a re-run of one story, not
            furniture. 0.5: furniture is rarely half of a page's prose.
        max_widget_words: Lines of at most this many words without sentence structure are
            widget or navigation lines when they touch other furniture, stand above the first
            or below the last paragraph (except the headline).
            4 keeps article subheadings of five words and more even inside furniture.
        max_repeated_words: A line repeated inside one document is furniture (a headline or
            caption printed twice) when it has at most this many words. 25 words holds any
            headline and most captions; longer repeats are the page's own text printed twice.
        min_segment_chars: A second article needs at least this many characters of prose under
            its headline, and the article before it as many, before the text is split into
            segments. 300 characters is two short news paragraphs; a teaser is shorter.
        segments: Find second articles on a page (``Cleaned.segments``).
        comments: Mark appended reader comment threads (``comments``).
    """

    enabled: bool = True
    min_source_docs: int = 3
    min_corpus_docs: int = 5
    max_corpus_line_words: int = 12
    max_learned_share: float = 0.5
    max_widget_words: int = 4
    max_repeated_words: int = 25
    min_segment_chars: int = 300
    segments: bool = True
    comments: bool = True

    def __post_init__(self) -> None:
        from copydesk.config import ConfigError

        if self.min_source_docs < 2:
            raise ConfigError(f"clean.min_source_docs must be at least 2, not {self.min_source_docs}")
        if self.min_corpus_docs < 2:
            raise ConfigError(f"clean.min_corpus_docs must be at least 2, not {self.min_corpus_docs}")
        if not 0 <= self.max_corpus_line_words <= 200:
            raise ConfigError(f"clean.max_corpus_line_words must be from 0 to 200, not {self.max_corpus_line_words}")
        if not 0.0 <= self.max_learned_share <= 1.0:
            raise ConfigError(f"clean.max_learned_share must be in [0, 1], not {self.max_learned_share}")
        if not 0 <= self.max_widget_words <= 20:
            raise ConfigError(f"clean.max_widget_words must be from 0 to 20, not {self.max_widget_words}")
        if self.max_repeated_words < 0:
            raise ConfigError(f"clean.max_repeated_words must be 0 or more, not {self.max_repeated_words}")
        if self.min_segment_chars < 1:
            raise ConfigError(f"clean.min_segment_chars must be at least 1, not {self.min_segment_chars}")


def mask(text: str, spans: Iterable[Span]) -> str:
    """``text`` with the characters of ``spans`` replaced by spaces; newlines are kept.

    The result has the length of ``text``, so offsets into it are offsets into ``text``.

    Args:
        text: The original text.
        spans: Spans to blank out (any order; overlaps are fine).

    Returns:
        The masked text.
    """
    pieces = []
    pos = 0
    for start, end in _merged(spans, len(text)):
        pieces.append(text[pos:start])
        chunk = text[start:end]
        pieces.append("".join("\n" if ch == "\n" else " " for ch in chunk) if "\n" in chunk else " " * len(chunk))
        pos = end
    pieces.append(text[pos:])
    return "".join(pieces)


def kept_text(text: str, spans: Iterable[Span]) -> str:
    """The lines of ``text`` outside ``spans``, joined by newlines (for scoring and display)."""
    masked = mask(text, spans)
    return "\n".join(line.strip() for line in masked.splitlines() if line.strip())


def _merged(spans: Iterable[Span], n: int) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s in sorted(spans, key=lambda s: (s.start, s.end)):
        start, end = min(s.start, n), min(s.end, n)
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        elif start < end:
            out.append((start, end))
    return out
