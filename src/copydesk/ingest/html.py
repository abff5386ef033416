"""HTML pages (``.html``, ``.htm``, gzip too): the article text, through trafilatura.

The document's text is the article text trafilatura extracts; offsets in every output refer to
that text (``--keep-text`` writes it into ``documents.jsonl``). The page's URL, publication date
and host (as ``source``, for per-site line learning) are kept when the page declares them.

A bad page never stops the run: broken markup is parsed leniently, bytes in a wrong or missing
charset are decoded by detection, a page over :data:`MAX_HTML_BYTES` is refused with a message,
and extraction runs under a per-page time limit (trafilatura can spin for minutes on
pathological markup). Each of these raises :class:`ValueError` naming the file, which the reader
turns into a per-page problem.

Extraction settings, chosen by measurement (``benchmarks/extraction.py``): trafilatura runs
twice, balanced and with ``favor_precision``; the precise output is used when it keeps at least
98% of the balanced output's prose (lines with sentence structure), that is when it only dropped
teasers, link lists and bylines; otherwise the balanced output is used, because
``favor_precision`` alone sometimes drops article paragraphs.

Example:
    >>> doc = read_html(Path("page.html"), "page.html")  # doctest: +SKIP
    >>> doc.url, doc.published  # doctest: +SKIP
    ('https://example.org/story', '2024-03-03')
"""

from __future__ import annotations

import gzip
import io
import signal
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

from copydesk.clean.lines import split_lines
from copydesk.clean.rules import is_sentence
from copydesk.errors import MissingExtra
from copydesk.types import Document

__all__ = ["MAX_HTML_BYTES", "Extracted", "NoArticleText", "extract_html", "read_html"]

MAX_HTML_BYTES = 20_000_000
"""Pages larger than this (after gunzip) are refused: trafilatura's own limit, and far above any
article page (the largest of the 1,242 benchmark pages is under 3 MB)."""

DEFAULT_TIMEOUT_S = 30.0
"""Per-page extraction time limit. Benchmark pages take 10-200 ms; 30 s only stops runaways."""

# The precise output is used when it keeps at least this share of the balanced output's prose.
# Measured on the three benchmark sets (article-body F1 on scrapinghub / cleanportaleval,
# snippet F1 on trafilatura's 990 pages, each after copydesk's cleaning): always precise
# 0.968 / 0.904 / 0.923, share 0.5: 0.968 / 0.910 / 0.926, 0.9: 0.964 / 0.910 / 0.928,
# 0.98: 0.963 / 0.911 / 0.930, always balanced: 0.961 / 0.911 / 0.927. 0.98 is the value whose
# worst gain over trafilatura alone, across the three sets, is the largest. Re-run
# benchmarks/extraction.py after changing it.
_MIN_PROSE_SHARE = 0.98


# Publication dates from the page's markup only: htmldate's extensive search otherwise turns a
# footer's "Copyright 2024" into "2024-01-01", a date the page never gave.
_DATE_PARAMS = {"extensive_search": False, "original_date": True}



class NoArticleText(ValueError):
    """The page was read but holds no article text (an index or login page): skipped, not fatal."""


class _Timeout(Exception):
    pass


@dataclass(frozen=True, slots=True)
class Extracted:
    """What an HTML page holds, as copydesk reads it.

    Attributes:
        text: Article text (paragraphs on their own lines).
        title: Headline, when found.
        url: Canonical URL declared by the page, or the one given.
        published: Publication date (ISO 8601), when found.
        source: Host name without ``www.``, from the URL, when known.
        published_origin: Where the date was found (:func:`copydesk.lineage.dates.html_date`).
    """

    text: str
    title: str | None = None
    url: str | None = None
    published: str | None = None
    source: str | None = None
    published_origin: str | None = None


def trafilatura_module() -> ModuleType:
    """Import trafilatura, or fail with the pip line of the ``html`` extra."""
    try:
        import trafilatura
    except ImportError:
        raise MissingExtra("reading HTML needs trafilatura: pip install 'copydesk[html]'") from None
    return trafilatura


def extract_html(
    data: bytes | str, url: str | None = None, timeout_s: float = DEFAULT_TIMEOUT_S
) -> Extracted | None:
    """Extract the article text and metadata of one page.

    Args:
        data: The page, as bytes (charset detected) or text.
        url: The page's address when known (WARC records); used for metadata only.
        timeout_s: Time limit for this page, in seconds (0: none). The page is extracted in a
            child process killed when the time is up, so even a long C call in the parser is
            stopped; inside a daemonic worker (which may not start children) a SIGALRM limit
            applies instead, in the main thread only.

    Returns:
        The extracted page, or ``None`` when the page holds no article text.

    Raises:
        ValueError: the page is too large, or extraction ran out of time.
        MissingExtra: trafilatura is not installed.
    """
    trafilatura_module()  # fail here, with the pip line, if the extra is missing
    size = len(data)
    if size > MAX_HTML_BYTES:
        raise ValueError(
            f"page is {size / 1e6:.1f} MB, over the {MAX_HTML_BYTES / 1e6:.0f} MB limit; skipped"
        )
    if timeout_s > 0 and _can_isolate():
        return _extractor().extract(data, url, timeout_s)
    try:
        with _time_limit(timeout_s):
            return _extract(data, url)
    except _Timeout:
        raise ValueError(
            f"extraction took longer than {timeout_s:g} s (pathological markup?); skipped"
        ) from None


def _extract(data: bytes | str, url: str | None) -> Extracted | None:
    """:func:`extract_html` without a time limit, in this process."""
    trafilatura = trafilatura_module()
    options = {"include_comments": False, "include_tables": True, "include_formatting": False}
    precise = trafilatura.bare_extraction(
        data,
        url=url,
        with_metadata=True,
        favor_precision=True,
        date_extraction_params=_DATE_PARAMS,
        **options,
    )
    balanced = trafilatura.extract(data, url=url, **options) or ""
    precise_text = (precise.text or "") if precise is not None else ""
    use_precise = bool(precise_text) and _prose_chars(precise_text) >= _MIN_PROSE_SHARE * _prose_chars(
        balanced
    )
    text = precise_text if use_precise else balanced
    if not text.strip():
        return None
    page_url = (precise.url if precise is not None else None) or url
    from copydesk.lineage.dates import html_date

    # The page's own timestamp and where it was (htmldate's day, through trafilatura, when
    # the markup gives no fuller one): lineage orders copies hours apart.
    dated = html_date(data if isinstance(data, str) else data.decode("utf-8", "replace"), page_url,
                      (precise.date if precise is not None else None) or None)
    return Extracted(
        text=text,
        title=(precise.title if precise is not None else None) or None,
        url=page_url,
        published=dated[0] if dated else None,
        source=source_of(page_url),
        published_origin=dated[1] if dated else None,
    )


# --- the per-page time limit, where it can be enforced -------------------------------------------
#
# SIGALRM cannot interrupt a long C call (lxml on a 19 MB page ran 103 s under a 30 s limit), so
# with a limit the page is extracted in a child process that is killed when the time is up and
# started again for the next page. The child is forked on first use and kept for the process's
# life (its start, with trafilatura already imported, is a few milliseconds); each page then
# costs one pipe round trip (measured in BENCHMARKS.md). Where a child cannot be started (inside
# a daemonic pool worker), the SIGALRM limit applies as before.


class _Extractor:
    """A child process that extracts pages; killed and restarted when one takes too long."""

    def __init__(self) -> None:
        self._process: Any = None
        self._conn: Any = None
        self._lock = threading.Lock()  # one page at a time through the pipe

    def _start(self) -> None:
        import multiprocessing

        parent, child = multiprocessing.get_context("fork").Pipe()
        process = multiprocessing.get_context("fork").Process(target=_serve, args=(child,), daemon=True,
                                                              name="copydesk-extract")
        from copydesk.engines.local import signals_held

        with signals_held(signal.SIGINT):  # a Ctrl-C before _serve ignores it would print a traceback
            process.start()
        child.close()
        self._process, self._conn = process, parent

    def stop(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.join()
            self._conn.close()
            self._process = self._conn = None

    def extract(self, data: bytes | str, url: str | None, timeout_s: float) -> Extracted | None:
        with self._lock:
            return self._extract(data, url, timeout_s)

    def _extract(self, data: bytes | str, url: str | None, timeout_s: float) -> Extracted | None:
        if self._process is None or not self._process.is_alive():
            self.stop()
            self._start()
        try:
            self._conn.send((data, url))
            ready = self._conn.poll(timeout_s)
            reply = self._conn.recv() if ready else None
        except (EOFError, OSError, BrokenPipeError):
            self.stop()
            raise ValueError("extraction crashed (the parser's process died); skipped") from None
        if not ready:
            self.stop()
            raise ValueError(f"extraction took longer than {timeout_s:g} s (pathological markup?); skipped")
        status, value = reply
        if status == "ok":
            return value
        kind, message = value
        if kind == "MissingExtra":
            raise MissingExtra(message)
        if kind == "ValueError":
            raise ValueError(message)
        raise RuntimeError(f"{kind}: {message}")


def _serve(conn: Any) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the parent's handler: end quietly
    while True:
        try:
            data, url = conn.recv()
        except (EOFError, OSError):
            return
        try:
            reply: tuple[str, Any] = ("ok", _extract(data, url))
        except BaseException as e:  # noqa: BLE001 - reported to the parent, which decides
            reply = ("error", (type(e).__name__, str(e)))
        conn.send(reply)


_EXTRACTOR: _Extractor | None = None


def _extractor() -> _Extractor:
    # One per process: like an open file, it belongs to the process that reads the pages.
    global _EXTRACTOR
    if _EXTRACTOR is None:
        _EXTRACTOR = _Extractor()
    return _EXTRACTOR


def stop_extractor() -> None:
    """Stop this process's extraction child (it starts again when needed)."""
    if _EXTRACTOR is not None:
        _EXTRACTOR.stop()


def _can_isolate() -> bool:
    import multiprocessing
    import os

    return (hasattr(os, "fork") and not multiprocessing.current_process().daemon
            and os.environ.get("COPYDESK_EXTRACT_INLINE") != "1")


def _prose_chars(text: str) -> int:
    """Characters of lines with sentence structure (the cleaner's notion of prose)."""
    return sum(len(line.text) for line in split_lines(text) if is_sentence(line.text, line.words))


def source_of(url: str | None) -> str | None:
    """Host of ``url`` without ``www.``, lower-cased (``None`` when there is none)."""
    if not url:
        return None
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return None
    return host.lower().removeprefix("www.") or None


def read_html(path: Path, doc_id: str, timeout_s: float = DEFAULT_TIMEOUT_S) -> Document:
    """Read one HTML file (``.html``, ``.htm``, or either gzipped) as a document.

    Args:
        path: The file.
        doc_id: The document's id.
        timeout_s: Per-page extraction time limit in seconds.

    Returns:
        The document: article text, URL, publication date and host as source when found.

    Raises:
        ValueError: the file cannot be read, is not valid gzip, holds no article text, or its
            extraction failed; the message names the file.
        MissingExtra: trafilatura is not installed.
    """
    try:
        data = path.read_bytes()
    except OSError as e:
        raise ValueError(f"{path} cannot be read: {e.strerror}") from None
    if path.name.lower().endswith(".gz"):
        try:
            data = _gunzip(data)
        except (OSError, EOFError, zlib.error) as e:
            raise ValueError(f"{path} is not a valid gzip file ({e})") from None
    try:
        extracted = extract_html(data, timeout_s=timeout_s)
    except ValueError as e:
        raise ValueError(f"{path}: {e}") from None
    except MissingExtra:
        raise
    except Exception as e:  # noqa: BLE001 - one page's parser crash must not stop the run
        raise ValueError(f"{path}: extraction failed ({type(e).__name__}: {e})") from None
    if extracted is None:
        raise NoArticleText(f"{path} holds no article text that trafilatura could find")
    return Document(
        id=doc_id,
        text=extracted.text,
        source=extracted.source,
        url=extracted.url,
        published=extracted.published,
        origin=str(path),
        published_origin=extracted.published_origin,
    )


def _gunzip(data: bytes) -> bytes:
    # read at most MAX_HTML_BYTES + 1 so a gzip bomb cannot exhaust memory
    with gzip.GzipFile(fileobj=io.BytesIO(data)) as f:
        return f.read(MAX_HTML_BYTES + 1)


@contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`_Timeout` in the block after ``seconds`` (SIGALRM, main thread only)."""
    if (
        seconds <= 0
        or not hasattr(signal, "setitimer")
        or threading.current_thread() is not threading.main_thread()
    ):
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise _Timeout()

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
