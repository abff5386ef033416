"""WARC archives (``.warc``, ``.warc.gz``): one document per HTML response, streaming.

Records are read one at a time (warcio), so an archive of any size runs in constant memory. Only
``response`` records whose HTTP ``Content-Type`` is HTML become documents (requests, metadata,
revisits, images and PDFs are passed over); each goes through the same extraction as an HTML file
(:func:`copydesk.ingest.html.extract_html`), with its time limit. A record that fails yields a
:class:`RecordProblem` naming the record, and reading goes on; a truncated or corrupt archive
yields one problem and ends the file.

Document ids are ``<file>#<n>`` (or ``<id_prefix>#<n>``), ``n`` counting the HTML responses of
the file from 1, so they are unique even when one URL was captured twice. ``url`` is the record's ``WARC-Target-URI``;
``published`` is the page's publication date when it declares one, else the capture date
(``WARC-Date``), an upper bound of it.

Example:
    >>> for item in read_warc(Path("crawl.warc.gz")):  # doctest: +SKIP
    ...     print(item.id if isinstance(item, Document) else f"problem: {item}")
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from copydesk.ingest.html import DEFAULT_TIMEOUT_S, MAX_HTML_BYTES, MissingExtra, extract_html, source_of
from copydesk.types import Document

__all__ = ["RecordProblem", "read_warc"]

_HTML_TYPES = ("text/html", "application/xhtml+xml")


@dataclass(frozen=True, slots=True)
class RecordProblem:
    """A WARC record that could not be read: which one, and why."""

    path: str
    record: str
    message: str
    no_text: bool = False
    """The record is fine but holds no article (an index or login page): skipped, never fatal."""

    def __str__(self) -> str:
        return f"{self.path}, {self.record}: {self.message}"


def _warcio() -> object:
    try:
        from warcio.archiveiterator import ArchiveIterator
    except ImportError:
        raise MissingExtra("reading WARC files needs warcio: pip install 'copydesk[warc]'") from None
    return ArchiveIterator


def read_warc(
    path: Path, timeout_s: float = DEFAULT_TIMEOUT_S, id_prefix: str | None = None
) -> Iterator[Document | RecordProblem]:
    """Stream the HTML pages of a WARC file as documents.

    Args:
        path: A ``.warc`` or ``.warc.gz`` file.
        timeout_s: Per-page extraction time limit in seconds.
        id_prefix: Document ids are ``<id_prefix>#<n>``; the file's path by default (a caller
            reading a folder passes the path relative to it).

    Yields:
        A document per HTML response with article text, or a problem per record that failed.

    Raises:
        MissingExtra: warcio or trafilatura is not installed.
    """
    archive_iterator = _warcio()
    try:
        stream = open(path, "rb")
    except OSError as e:
        yield RecordProblem(str(path), "the file", f"cannot be read: {e.strerror}")
        return
    with stream:
        archive = archive_iterator(stream, arc2warc=True)  # type: ignore[operator]
        records = iter(archive)
        n = 0
        while True:
            try:
                record = next(records)
            except StopIteration:
                # warcio ends quietly on a gzip member cut short: the bytes it did not reach
                # are a record lost, reported rather than silently dropped.
                left = _unread_bytes(stream, archive)
                if left:
                    yield RecordProblem(str(path), f"after {n} HTML record(s)", f"archive is truncated: its "
                                        f"last {left:,} bytes are not a whole record; the cut record is skipped")
                elif path.name.lower().endswith(".gz") and not _gzip_member_ends(stream, archive):
                    yield RecordProblem(str(path), f"after {n} HTML record(s)", "archive is truncated: its last "
                                        "gzip member is cut short; the records after it are lost")
                return
            except Exception as e:  # noqa: BLE001 - warcio raises several kinds on broken archives
                yield RecordProblem(
                    str(path),
                    f"after {n} HTML record(s)",
                    f"archive is truncated or corrupt ({e}); the rest is skipped",
                )
                return
            content_type = (
                record.http_headers.get_header("Content-Type") if record.http_headers else ""
            ) or ""
            if record.rec_type != "response" or not content_type.lower().lstrip().startswith(_HTML_TYPES):
                # passed over; but a record cut short may have been an HTML page whose headers
                # were lost with the cut
                try:
                    missing = _missing_bytes(record)
                except Exception:  # noqa: BLE001 - as above
                    missing = 0
                if record.rec_headers.get_header("Content-Length") is None:  # required: headers cut
                    yield RecordProblem(str(path), f"after {n} HTML record(s)", "a record's headers are cut "
                                        "short (archive truncated or corrupt); skipped")
                elif missing:
                    yield RecordProblem(str(path), f"after {n} HTML record(s)", f"a record is cut short (archive "
                                        f"truncated: {missing:,} of its bytes are missing); skipped")
                continue
            n += 1
            url = record.rec_headers.get_header("WARC-Target-URI")
            where = f"record {n} ({url})" if url else f"record {n}"
            item = _document(record, path, n, url, where, timeout_s, id_prefix or path.as_posix())
            yield item


def _unread_bytes(stream: object, archive: object) -> int:
    """Bytes of the file after the end of the last record warcio read (0 when unknown)."""
    import os

    try:
        size = os.fstat(stream.fileno()).st_size  # type: ignore[attr-defined]
    except (OSError, AttributeError, ValueError):
        return 0
    end = getattr(archive, "offset", None)
    return max(0, size - end) if isinstance(end, int) else 0


def _gzip_member_ends(stream: object, archive: object) -> bool:
    """Whether the last gzip member warcio read is whole (its end marker and trailer are there):
    warcio reads a member cut inside its trailer, or after its last whole record, as the end
    of the file."""
    import zlib

    info = getattr(archive, "member_info", None)  # (offset, length) of the last record read
    if not info or not isinstance(info[0], int):
        return True
    offset = info[0]
    try:
        stream.seek(offset)  # type: ignore[attr-defined]
        inflate = zlib.decompressobj(31)
        while not inflate.eof:
            chunk = stream.read(1 << 16)  # type: ignore[attr-defined]
            if not chunk:
                return False
            inflate.decompress(chunk, 1 << 16)
            while inflate.unconsumed_tail and not inflate.eof:
                inflate.decompress(inflate.unconsumed_tail, 1 << 16)
        return True
    except (OSError, ValueError, zlib.error, AttributeError):
        return True  # not seekable, or not gzip at all: nothing to say


def _missing_bytes(record: object) -> int:
    """Bytes of the record's declared length that the file does not hold (a cut archive)."""
    raw = getattr(record, "raw_stream", None)
    while raw is not None and raw.read(1 << 20):
        pass
    left = getattr(raw, "limit", 0)
    return left if isinstance(left, int) else 0


def _document(
    record: object, path: Path, n: int, url: str | None, where: str, timeout_s: float, id_prefix: str
) -> Document | RecordProblem:
    try:
        data = record.content_stream().read(MAX_HTML_BYTES + 1)  # type: ignore[attr-defined]
        missing = _missing_bytes(record)
    except Exception as e:  # noqa: BLE001 - a broken chunked/gzip body spoils this record only
        return RecordProblem(str(path), where, f"body cannot be decoded ({e})")
    if missing:
        return RecordProblem(str(path), where, f"record is cut short (archive truncated: {missing:,} of its bytes "
                             "are missing); skipped rather than read as whole")
    try:
        extracted = extract_html(data, url=url, timeout_s=timeout_s)
    except ValueError as e:
        return RecordProblem(str(path), where, str(e))
    except MissingExtra:
        raise
    except Exception as e:  # noqa: BLE001 - one page's parser crash must not stop the run
        return RecordProblem(str(path), where, f"extraction failed ({type(e).__name__}: {e})")
    if extracted is None:
        return RecordProblem(str(path), where, "holds no article text that trafilatura could find", no_text=True)
    captured = record.rec_headers.get_header("WARC-Date")  # type: ignore[attr-defined]
    return Document(
        id=f"{id_prefix}#{n}",
        text=extracted.text,
        source=source_of(url) or extracted.source,
        url=url or extracted.url,
        published=extracted.published or captured,
        origin=f"{path}#{n}",
        published_origin=extracted.published_origin if extracted.published else ("warc_crawl" if captured else None),
    )
