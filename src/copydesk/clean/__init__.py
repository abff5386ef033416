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
``feed_footer``, ``comments`` (an appended reader comment thread); with the page model
(:mod:`copydesk.clean.page_model`), ``furniture`` (a line the model reads as site furniture) and
``caption`` (a photo caption printed more than once, or one the model is sure of).

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

import re
from collections.abc import Iterable
from dataclasses import dataclass

from copydesk.clean.document import Cleaned, clean_document
from copydesk.clean.lines import LineCounts, LineStats, line_keys
from copydesk.errors import ConfigError
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

    Calibration: every default below was set on the project's cleaning corpus
    (``tests/data/cleaning``) and checked on the three HTML benchmarks of
    ``benchmarks/extraction.py`` (scrapinghub / cleanportaleval article-body F1, trafilatura's
    990-page snippet F1, after copydesk's extraction). Around the defaults the benchmarks are
    flat (within 0.0015 F1 for every value tried below); the cleaning corpus is what moves.
    Re-run both after changing one.

    Attributes:
        enabled: Mark boilerplate and match on the article text only (``--no-clean`` turns off).
        min_source_docs: A line found in at least this many documents of one source is that
            source's furniture (``source_line``). 3: two documents sharing a line can be a story
            and its update (2 cost the cleaning corpus 4 points of recall); furniture recurs on
            every page of a site, so it passes 3 at once (5 left some in: precision 0.998).
            cc_net removes any repeat; copydesk is more careful because copies are its subject.
        min_corpus_docs: A short line found in at least this many documents of the whole corpus
            is furniture (``corpus_line``), whatever their sources: share, comment and
            newsletter lines of platforms many sites use. 5: at 3 the headlines of stories
            printed by three sites were learnt (cleaning-corpus recall 0.89); 10 learns less
            and changes no benchmark. A story copied by five sites or more loses its headline
            this way (its paragraphs are long lines and stay).
        max_corpus_line_words: Only lines of at most this many words are learnt corpus-wide;
            a longer line recurring across sources is a copied paragraph, which copydesk must
            keep to find the copy. 12 words covers furniture phrasings ("Sign up for our
            newsletter to get the day's top stories") and few sentences of news prose.
        max_learned_share: When learnt lines (per source or corpus-wide) with sentence structure
            would take more than this share of a document's characters, they are kept (only
            learnt lines without sentence structure are marked): such a document is a story a
            site printed several times, not furniture. 0.5: furniture is rarely half a page.
        max_widget_words: Lines of at most this many words without sentence structure are
            widget or navigation lines when they touch other furniture, or stand above the first
            paragraph or below the last one inside furniture (the headline excepted). 4 keeps
            subheadings of three words and more that are shaped like headlines (they are never
            widgets) and catches menus ("Home", "Sport", "Contact us").
        max_repeated_words: A line repeated inside one document is furniture (a headline or
            caption printed twice) when it has at most this many words. 25 words holds any
            headline and most captions; longer repeats are the page's own text printed twice.
        min_segment_chars: A second article needs at least this many characters of prose under
            its headline, and the article before it as many, before the text is split into
            segments. 300 characters is two short news paragraphs; a teaser is shorter (150
            split a page at a teaser; 600 missed short second articles).
        segments: Find second articles on a page (``Cleaned.segments``).
        comments: Mark appended reader comment threads (``comments``).
        page_model: Read each line in context with the page model fitted on real scraped pages
            (:mod:`copydesk.clean.page_model`, issue 13): it marks the furniture, comment
            threads and captions the rules leave (reasons ``furniture``, ``comments``,
            ``caption``) and cuts a page carrying a second article. Off: the rules alone.

    Speed: ``line_keys`` and ``clean_document`` take about 0.1 ms and 0.35-0.45 ms of one core
    for a document of 2,600 characters (``benchmarks/extraction.py`` measures it), regexes
    compiled at import.
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
    page_model: bool = True

    def __post_init__(self) -> None:
        if self.min_source_docs < 2:
            raise ConfigError(f"clean.min_source_docs must be at least 2, not {self.min_source_docs}")
        if self.min_corpus_docs < 2:
            raise ConfigError(f"clean.min_corpus_docs must be at least 2, not {self.min_corpus_docs}")
        if not 0 <= self.max_corpus_line_words <= 200:
            raise ConfigError(
                f"clean.max_corpus_line_words must be from 0 to 200, not {self.max_corpus_line_words}"
            )
        if not 0.0 <= self.max_learned_share <= 1.0:
            raise ConfigError(f"clean.max_learned_share must be in [0, 1], not {self.max_learned_share}")
        if not 0 <= self.max_widget_words <= 20:
            raise ConfigError(f"clean.max_widget_words must be from 0 to 20, not {self.max_widget_words}")
        if self.max_repeated_words < 0:
            raise ConfigError(f"clean.max_repeated_words must be 0 or more, not {self.max_repeated_words}")
        if self.min_segment_chars < 1:
            raise ConfigError(f"clean.min_segment_chars must be at least 1, not {self.min_segment_chars}")


_NOT_NEWLINE = re.compile(r"[^\n]")


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
        pieces.append(_NOT_NEWLINE.sub(" ", chunk) if "\n" in chunk else " " * len(chunk))
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
