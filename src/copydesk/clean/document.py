"""Cleaning one document: furniture spans with reasons, and the articles it carries.

Works line by line, in passes over the document:

1. each line by itself (:func:`copydesk.clean.rules.classify`), then lines repeated inside the
   document (``repeated_line``), then lines learnt from the corpus (``source_line`` per source,
   ``corpus_line`` corpus-wide);
2. articles: a headline-shaped line after furniture (or followed by a byline) with enough prose
   under it starts another article (``segments``);
3. blocks: a related-links heading takes the headline-shaped lines under it, a comment-thread
   heading (or comment furniture such as ``jdoe says:`` / ``Reply``) takes everything up to the
   end of its article, and short lines without sentence structure next to furniture, or above
   the first and below the last paragraph of an article, are ``widget`` lines.

With the page model on, a page glued from two items after a wider blank gap than its paragraphs
(:func:`copydesk.clean.page_model.gap_cuts`) is cut there first, and passes 2 and 3 and the model
run on each item as on a page of its own.

Lines left unmarked are article text. Offsets always refer to the original text.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING

from copydesk.clean.lines import Line, LineStats, key_text, line_key, split_lines
from copydesk.clean.rules import (
    classify,
    is_byline,
    is_comment_meta,
    is_comments_header,
    is_related_header,
    is_sentence,
    is_title,
)
from copydesk.types import Span

if TYPE_CHECKING:
    from copydesk.clean import CleanConfig

__all__ = ["Cleaned", "clean_document"]

_LEARNT = ("source_line", "corpus_line")
# Reasons that a headline opening an item after a blank-gap join loses (a soft verdict: the
# line's shape or its repetition, not a phrase of site furniture): it is the item's own title.
_SOFT_TITLE = ("widget", "furniture", "repeated_line", *_LEARNT)
# Where a repeated line counts as furniture: first printed among the first _TOP_LINES lines, or
# printed again within _NEAR_LINES lines. On scrapinghub, repeats elsewhere were recipe
# quantities, list entries and table headers the gold keeps (1k characters lost without this).
_TOP_LINES = 5
_NEAR_LINES = 3


@dataclass(frozen=True, slots=True)
class Cleaned:
    """What cleaning found in one document.

    Attributes:
        boilerplate: Furniture spans, sorted and non-overlapping, each with its reason.
        segments: Article spans (reason ``"article"``) when the text carries two or more
            articles; empty when it carries one (the whole text).
    """

    boilerplate: tuple[Span, ...] = ()
    segments: tuple[Span, ...] = ()


def clean_document(text: str, source: str | None, stats: LineStats | None, config: CleanConfig) -> Cleaned:
    """Mark the furniture of one document and find the articles it carries.

    Args:
        text: The document's original text (never changed).
        source: Its source, when known: lines learnt for that source apply.
        stats: Lines learnt from the whole corpus (:meth:`LineStats.build`), or ``None`` to
            clean the document by itself.
        config: Cleaning settings.

    Returns:
        Boilerplate spans and article segments, offsets into ``text``.

    Example:
        >>> from copydesk.clean import CleanConfig
        >>> text = "Bridge to close\\nThe council voted on Tuesday to close the old bridge.\\nShare on Facebook"
        >>> [(s.reason, text[s.start:s.end]) for s in clean_document(text, None, None, CleanConfig()).boilerplate]
        [('share_buttons', 'Share on Facebook')]
    """
    if not config.enabled:
        return Cleaned()
    lines = split_lines(text)
    if not lines:
        return Cleaned()
    reasons = _line_reasons(lines, source, stats, config)
    sentence, meta, thread_head = _line_shapes(lines)
    parts = [0, len(lines)]
    if config.page_model and config.segments:
        from copydesk.clean.page_model import gap_cuts

        # items glued after a wide blank gap (a feed reader's or scraper's join) are cleaned
        # each as a page of its own: a comment thread, a menu or a byline of the first never
        # runs into the second, and the model reads each item's furniture from its own edges
        parts = [0, *gap_cuts(lines, reasons, sentence, config.min_segment_chars, text), len(lines)]
    starts: list[int] = []
    for a, b in itertools.pairwise(parts):
        part = _clean_part(lines[a:b], reasons[a:b], sentence[a:b], meta[a:b], thread_head[a:b], config)
        reasons[a:b] = part[0]
        starts.extend(a + s for s in part[1])
        # the headline that opens an item after the join is the item's own (a page's title line)
        if a > 0 and reasons[a] in _SOFT_TITLE and is_title(lines[a].text, lines[a].words):
            reasons[a] = None
    boilerplate = _spans(lines, reasons)
    segments: tuple[Span, ...] = ()
    if len(starts) > 1:
        bounds = list(starts) + [len(lines)]
        found = []
        for a, b in itertools.pairwise(bounds):
            kept = [i for i in range(a, b) if reasons[i] is None]
            if kept:
                found.append(Span(lines[kept[0]].start, lines[kept[-1]].end, "article"))
        segments = tuple(found) if len(found) > 1 else ()
    return Cleaned(boilerplate, segments)


def _clean_part(
    lines: list[Line],
    reasons: list[str | None],
    sentence: list[bool],
    meta: list[bool],
    thread_head: list[bool],
    config: CleanConfig,
) -> tuple[list[str | None], list[int]]:
    """Articles and blocks of one item of a page: its reasons (a new list) and article starts."""
    reasons = list(reasons)
    starts = _segment_starts(lines, reasons, sentence, meta, thread_head, config)
    _mark_blocks(lines, reasons, sentence, meta, thread_head, starts, config)
    if config.page_model:
        from copydesk.clean.page_model import apply_model

        starts = apply_model(lines, reasons, sentence, meta, thread_head, starts, config)
    return reasons, starts


def rule_pass(
    text: str, source: str | None, stats: LineStats | None, config: CleanConfig
) -> tuple[list[Line], list[str | None], list[bool], list[bool], list[bool], list[int]]:
    """The rules' verdicts on every line, before the page model (what the model reads; for fitting it)."""
    lines = split_lines(text)
    reasons = _line_reasons(lines, source, stats, config)
    sentence, meta, thread_head = _line_shapes(lines)
    starts = _segment_starts(lines, reasons, sentence, meta, thread_head, config)
    _mark_blocks(lines, reasons, sentence, meta, thread_head, starts, config)
    return lines, reasons, sentence, meta, thread_head, starts


def _line_shapes(lines: list[Line]) -> tuple[list[bool], list[bool], list[bool]]:
    """Per line: a sentence, a comment's meta line, a comment thread's heading (computed once:
    the rules, the blocks and the model all ask)."""
    sentence = [is_sentence(ln.text, ln.words) for ln in lines]
    meta = [ln.words <= 12 and is_comment_meta(ln.text) for ln in lines]
    thread_head = [ln.words <= 12 and is_comments_header(ln.text) for ln in lines]
    return sentence, meta, thread_head


def _line_reasons(
    lines: list[Line], source: str | None, stats: LineStats | None, config: CleanConfig
) -> list[str | None]:
    reasons: list[str | None] = [classify(ln.text, ln.words) for ln in lines]
    # A line printed twice (a headline or caption repeated by the scraper): the second copy is
    # furniture. Only short, unbulleted lines seen exactly twice, and not inside a run of
    # three repeats or more: a list item ("- GPS"), a question heading printed on every page of an interview
    # or a whole block printed twice is the page's own text, and the benchmarks' gold keeps it
    # (marking every repeat lost 16k gold characters on scrapinghub, this rule 0.3k).
    norms: dict[int, str] = {}
    occurrences: dict[str, list[int]] = {}
    for i, ln in enumerate(lines):
        if 0 < ln.words <= config.max_repeated_words:
            norms[i] = norm = key_text(ln.text)
            occurrences.setdefault(norm, []).append(i)
    repeats = sorted(
        where[1]
        for where in occurrences.values()
        if len(where) == 2
        and reasons[where[1]] is None
        and lines[where[1]].words <= config.max_repeated_words
        and not _bulleted(lines[where[1]].text)
    )
    marked = set(repeats)
    first = {where[1]: where[0] for where in occurrences.values() if len(where) == 2}
    for i in repeats:
        if (i - 1 in marked and (i - 2 in marked or i + 1 in marked)) or (
            i + 1 in marked and i + 2 in marked
        ):
            continue  # three lines or more printed twice: a block of the page's own text
        # a scraper prints the headline twice at the top, a caption twice next to itself; a line
        # recurring far down the page (a recipe's "1 tsp.", a list entry) is the page's own
        if first[i] < _TOP_LINES or i - first[i] <= _NEAR_LINES:
            reasons[i] = "repeated_line"
    if stats is None:
        return reasons
    todo = [i for i, r in enumerate(reasons) if r is None and lines[i].words]
    if not todo:
        return reasons
    short = config.max_corpus_line_words
    of_source = stats.source_keys.get(source, frozenset()) if source is not None else frozenset()
    of_corpus = stats.corpus_keys
    learnt: list[tuple[int, str]] = []
    for i in todo:
        key = line_key(lines[i].text, short, lines[i].words, norms.get(i))
        if key in of_source:
            learnt.append((i, "source_line"))
        elif key in of_corpus:
            learnt.append((i, "corpus_line"))
    # Guard for copies: when learnt lines would take most of a document's prose, the document
    # is more likely a republished story than furniture; then only lines without sentence
    # structure are marked (a site re-running a story three times must stay matchable).
    total = sum(len(ln.text) for ln in lines)
    prose = sum(len(lines[i].text) for i, _ in learnt if is_sentence(lines[i].text, lines[i].words))
    keep_prose = prose > config.max_learned_share * total
    for i, reason in learnt:
        if keep_prose and is_sentence(lines[i].text, lines[i].words):
            continue
        reasons[i] = reason
    return reasons


def _segment_starts(
    lines: list[Line],
    reasons: list[str | None],
    sentence: list[bool],
    meta: list[bool],
    thread_head: list[bool],
    config: CleanConfig,
) -> list[int]:
    """Line indices where an article starts (the first is always 0)."""
    starts = [0]
    if not config.segments:
        return starts
    n = len(lines)
    prose_before = 0  # article prose chars since the current article began
    furniture_since_prose = False
    in_comments = False
    for i, ln in enumerate(lines):
        r = reasons[i]
        if r is None and sentence[i]:
            prose_before += len(ln.text)
            furniture_since_prose = False
            continue
        if thread_head[i] or meta[i]:
            in_comments = True
        # a section header ("Also in the news", "More headlines") after prose: what follows is
        # another story or a list of links, and a headline with prose under it is a new article
        if (r is not None and r != "repeated_line") or (ln.words <= 6 and is_related_header(ln.text)):
            furniture_since_prose = True
        if r is not None or not is_title(ln.text, ln.words) or prose_before < config.min_segment_chars:
            continue
        nxt = i + 1
        bylined = False
        while nxt < n and (reasons[nxt] == "byline" or is_byline(lines[nxt].text, lines[nxt].words)):
            bylined = True
            nxt += 1
        if not (bylined or (furniture_since_prose and not in_comments)):
            continue
        # the new article needs prose of its own under the headline
        body = 0
        j = nxt
        while j < n and reasons[j] is None and not meta[j]:
            if sentence[j]:
                body += len(lines[j].text)
            elif is_title(lines[j].text, lines[j].words) and body == 0:
                break
            j += 1
        if body >= config.min_segment_chars:
            starts.append(i)
            prose_before = 0
            furniture_since_prose = False
            in_comments = False
    return starts


def _mark_blocks(
    lines: list[Line],
    reasons: list[str | None],
    sentence: list[bool],
    meta: list[bool],
    thread_head: list[bool],
    starts: list[int],
    config: CleanConfig,
) -> None:
    n = len(lines)
    bounds = list(starts) + [n]
    for a, b in itertools.pairwise(bounds):
        first_prose = next((i for i in range(a, b) if reasons[i] is None and sentence[i]), None)
        if first_prose is None:
            continue
        # related-links blocks: the heading and the headline-shaped lines under it
        i = a
        while i < b:
            ln = lines[i]
            if ln.words <= 12 and reasons[i] in (None, "widget", *_LEARNT) and is_related_header(ln.text):
                reasons[i] = "related_links"
                j = i + 1
                while j < b and (
                    reasons[j] in (None, "related_links", "byline", "widget", "repeated_line", *_LEARNT)
                    and not (reasons[j] is None and sentence[j] and not _bulleted(lines[j].text))
                    and lines[j].words <= 30
                    and not thread_head[j]
                ):
                    if reasons[j] is None or reasons[j] in _LEARNT:
                        reasons[j] = "related_links"
                    j += 1
                i = j
                continue
            i += 1
        # comment threads: from the thread's heading (or its first comment furniture after the
        # article's prose began) to the end of the article
        if config.comments:
            # a thread follows the article: at least min_segment_chars of prose above it (a
            # "12 comments" counter under the headline opens nothing)
            thread = None
            prose = 0
            for i in range(first_prose, b):
                if reasons[i] is None and sentence[i]:
                    prose += len(lines[i].text)
                if prose < config.min_segment_chars:
                    continue
                if reasons[i] in (None, "widget", *_LEARNT) and thread_head[i]:
                    thread = i
                    break
                if reasons[i] in (None, "widget", *_LEARNT) and meta[i]:
                    # one stray "Reply" is not a thread: want a second comment line soon after
                    if any(meta[i + 1 : min(b, i + 8)]):
                        thread = i
                        # the commenter's name usually sits just above the first furniture line
                        if i - 1 > first_prose and reasons[i - 1] is None and not sentence[i - 1]:
                            thread = i - 1
                        break
            if thread is not None:
                for k in range(thread, b):
                    if reasons[k] is None or reasons[k] in ("repeated_line", "widget", "byline", *_LEARNT):
                        reasons[k] = "comments"
        # widgets: short lines without sentence structure above the first paragraph, below the
        # last one, or touching other furniture (no rule for runs of
        # short lines: on the benchmarks those were lists of the article, not menus)
        last_prose = max((i for i in range(a, b) if reasons[i] is None and sentence[i]), default=None)
        if last_prose is None:
            continue
        limit = config.max_widget_words
        # the furniture zones: above the last rule-marked line (or the headline) before the first
        # paragraph, and below the first rule-marked line after the last one (short lines
        # outside them, such as a dateline or the product list closing a review, are the
        # article's own)
        head_end = max((i for i in range(a, first_prose) if _furniture(reasons[i])), default=a - 1)
        headline = _headline_above(lines, reasons, a, first_prose)
        if headline is not None and head_end >= a:
            head_end = max(head_end, headline)  # with furniture on top, all above the headline is
        tail_start = min((i for i in range(last_prose + 1, b) if _furniture(reasons[i])), default=b)
        for i in range(a, b):
            ln = lines[i]
            if reasons[i] is not None or sentence[i] or ln.words > limit or _bulleted(ln.text):
                continue
            if (i < head_end and i != headline) or i > tail_start:
                reasons[i] = "widget"
        # short lines touching furniture found by the rules above (one step, no cascade: a
        # cascade ran through whole lists of the article on the benchmarks)
        marked_before = list(reasons)
        for i in range(a, b):
            ln = lines[i]
            if reasons[i] is not None or sentence[i] or ln.words > limit or _bulleted(ln.text):
                continue
            if is_title(ln.text, ln.words):
                continue  # a subheading ("What happens next") next to an advert slot
            before = marked_before[i - 1] if i > a else None
            after = marked_before[i + 1] if i + 1 < b else None
            if _furniture(before) or _furniture(after):
                reasons[i] = "widget"


def _furniture(reason: str | None) -> bool:
    return reason is not None and reason not in ("repeated_line", "byline")


def _bulleted(line: str) -> bool:
    """A list item or a table row (trafilatura writes tables as ``| cell | cell |``)."""
    return line[:1] in "-•*–·►▶»>|"


def _headline_above(lines: list[Line], reasons: list[str | None], a: int, first_prose: int) -> int | None:
    """The article's headline: the last unmarked, headline-shaped line above its first paragraph
    with only furniture (byline, counters, share buttons) between them."""
    for i in range(first_prose - 1, a - 1, -1):
        if reasons[i] is None:
            return i if is_title(lines[i].text, lines[i].words) else None
    return None


def _spans(lines: list[Line], reasons: list[str | None]) -> tuple[Span, ...]:
    """One span per run of consecutive lines of one reason (blank text between them included)."""
    spans: list[Span] = []
    previous: str | None = None
    for ln, reason in zip(lines, reasons):
        if reason is not None:
            if previous == reason:
                spans[-1] = Span(spans[-1].start, ln.end, reason)
            else:
                spans.append(Span(ln.start, ln.end, reason))
        previous = reason
    return tuple(spans)
