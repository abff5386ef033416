"""Reading documents, streaming: folders of text files, JSONL (plain or gzip), stdin, HTML, WARC.

Readers yield :class:`~copydesk.types.Document` records, or :class:`Problem` records for input
that could not be read (a malformed JSONL line, a truncated archive): a problem never costs the
other documents. The caller decides what a problem means (``--on-error skip|fail``).

Example:
    >>> from copydesk.config import IngestConfig
    >>> for item in read_inputs(["samples/news"], IngestConfig()):  # doctest: +SKIP
    ...     print(item.id)
"""

from __future__ import annotations

import fnmatch
import gzip
import io
import json
import sys
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from copydesk.config import IngestConfig
from copydesk.types import Document

__all__ = ["IngestError", "Problem", "decode", "read_inputs"]

TEXT_SUFFIXES = (".txt", ".md")
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz")
HTML_SUFFIXES = (".html", ".htm", ".html.gz", ".htm.gz")
WARC_SUFFIXES = (".warc", ".warc.gz")
PARQUET_SUFFIXES = (".parquet", ".pq")
STDIN = "-"


class IngestError(Exception):
    """Input that stops the run: a missing path, or a bad record under ``--on-error fail``."""


@dataclass(frozen=True, slots=True)
class Problem:
    """A record that could not be read: where (``file:line``) and why.

    Attributes:
        fatal: Whether ``--on-error fail`` stops the run for it. A page that holds no article
            text (an index page of a crawl) is skipped and reported, never fatal.
    """

    origin: str
    message: str
    fatal: bool = True

    def __str__(self) -> str:
        return self.message if self.message.startswith(self.origin) else f"{self.origin}: {self.message}"


def _kind(path: Path) -> str | None:
    name = path.name.lower()
    for kind, suffixes in (("text", TEXT_SUFFIXES), ("jsonl", JSONL_SUFFIXES), ("html", HTML_SUFFIXES),
                           ("warc", WARC_SUFFIXES), ("parquet", PARQUET_SUFFIXES)):
        if name.endswith(suffixes):
            return kind
    return None


def skipped(relative: Path, patterns: Sequence[str]) -> bool:
    """Whether a folder's walk leaves this file out (``IngestConfig.skip_files``): a part of its
    path inside the folder matches a pattern, in any case."""
    parts = [part.lower() for part in relative.parts]
    return any(fnmatch.fnmatchcase(part, pattern.lower()) for part in parts for pattern in patterns)


def decode(data: bytes, origin: str) -> tuple[str, tuple[str, ...]]:
    """Decode UTF-8 (a BOM is dropped); undecodable bytes become U+FFFD and are reported.

    Returns:
        The text and the warnings (empty when the bytes were valid UTF-8).
    """
    try:
        return data.decode("utf-8-sig"), ()
    except UnicodeDecodeError:
        text = data.decode("utf-8-sig", errors="replace")
        bad = text.count("\ufffd") - data.count("\xef\xbf\xbd".encode("latin-1"))
        return text, (f"{origin}: {bad} undecodable byte sequence(s) replaced with U+FFFD",)


def read_inputs(paths: Sequence[str | Path], config: IngestConfig) -> Iterator[Document | Problem]:
    """Stream every document of the given inputs, in a deterministic order.

    Folders are walked recursively in sorted order; ``-`` reads JSONL from stdin.

    Args:
        paths: Files, folders, or ``-``.
        config: Field names and error policy.

    Yields:
        Documents, and problems for records that could not be read.

    Raises:
        IngestError: if a path does not exist or is of a kind copydesk cannot read (checked
            for every path before any document is read).
    """
    plan: list[tuple[Path | None, Path | None, str]] = []
    for given in paths:
        if str(given) == STDIN:
            plan.append((None, None, "jsonl"))
            continue
        path = Path(given)
        if not path.exists():
            raise IngestError(f"input {path} does not exist")
        from copydesk.ingest.tables import is_saved_dataset

        if is_saved_dataset(path):
            plan.append((path, None, "dataset"))
        elif path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and _kind(p)
                           and not skipped(p.relative_to(path), config.skip_files))
            plan.extend((f, path, _kind(f)) for f in files)  # type: ignore[misc]
        elif (kind := _kind(path)) is not None:
            plan.append((path, None, kind))
        else:
            raise IngestError(
                f"input {path} is not a folder, .txt, .md, .jsonl(.gz), .html(.gz), .warc(.gz) or .parquet file"
            )
    for path, root, kind in plan:
        if path is None:
            yield from _read_jsonl_stream(sys.stdin.buffer, "<stdin>", config)
        elif kind == "text":
            yield _read_text(path, root)
        elif kind == "jsonl":
            yield from _read_jsonl(path, config)
        elif kind == "html":
            yield _read_html(path, root, config.page_timeout_s)
        elif kind == "parquet":
            from copydesk.ingest.tables import read_parquet

            yield from read_parquet(path, config)
        elif kind == "dataset":
            from copydesk.ingest.tables import read_saved_dataset

            yield from read_saved_dataset(path, config)
        else:
            yield from _read_warc(path, root, config.page_timeout_s)


def doc_id(path: Path, root: Path | None) -> str:
    """Id of a file: its path relative to the folder given, with forward slashes."""
    return path.relative_to(root).as_posix() if root is not None else path.as_posix()


def _read_text(path: Path, root: Path | None) -> Document | Problem:
    try:
        data = path.read_bytes()
    except OSError as e:
        return Problem(str(path), f"cannot be read: {e.strerror}")
    text, warnings = decode(data, str(path))
    return Document(id=doc_id(path, root), text=text, origin=str(path), warnings=warnings)


def _read_jsonl(path: Path, config: IngestConfig) -> Iterator[Document | Problem]:
    try:
        raw = open(path, "rb")
    except OSError as e:
        yield Problem(str(path), f"cannot be read: {e.strerror}")
        return
    with raw:
        stream: IO[bytes] = gzip.GzipFile(fileobj=raw) if path.name.lower().endswith(".gz") else raw
        yield from _read_jsonl_stream(stream, str(path), config)


def _read_jsonl_stream(stream: IO[bytes], name: str, config: IngestConfig) -> Iterator[Document | Problem]:
    line_no = 0
    lines = io.BufferedReader(stream) if not isinstance(stream, io.BufferedIOBase) else stream
    while True:
        try:
            line = lines.readline()
        except (EOFError, OSError, zlib.error) as e:
            yield Problem(f"{name}:{line_no + 1}", f"archive is truncated or corrupt ({e}); "
                          f"the {line_no} lines before it were read")
            return
        if not line:
            return
        line_no += 1
        if not line.strip():
            continue
        yield _parse_record(line, f"{name}:{line_no}", config)


def _parse_record(line: bytes, origin: str, config: IngestConfig) -> Document | Problem:
    text_line, warnings = decode(line, origin)
    try:
        record = json.loads(text_line)
    except json.JSONDecodeError as e:
        return Problem(origin, f"is not valid JSON ({e.msg} at column {e.colno}); fix it or pass --on-error skip")
    if not isinstance(record, dict):
        return Problem(origin, "is not a JSON object")
    doc_id_value = record.get(config.id_field)
    if doc_id_value is None or isinstance(doc_id_value, (dict, list)) or doc_id_value == "":
        return Problem(origin, f"has no usable {config.id_field!r} field; name the id field with --ingest-id-field")
    text = record.get(config.text_field)
    if text is None:
        return Problem(origin, f"has no {config.text_field!r} field; name the text field with --ingest-text-field")
    if not isinstance(text, str):
        return Problem(origin, f"field {config.text_field!r} is not a string")

    def meta(key: str) -> str | None:
        value = record.get(key)
        return None if value is None else str(value)

    return Document(
        id=str(doc_id_value),
        text=text,
        source=meta("source"),
        url=meta("url"),
        published=meta("published"),
        origin=origin,
        raw=text_line.rstrip("\r\n"),
        warnings=warnings,
    )


def _read_html(path: Path, root: Path | None, timeout_s: float) -> Document | Problem:
    from copydesk.ingest import html

    try:
        return html.read_html(path, doc_id(path, root), timeout_s)
    except html.NoArticleText as e:
        return Problem(str(path), str(e), fatal=False)
    except ValueError as e:
        return Problem(str(path), str(e))


def _read_warc(path: Path, root: Path | None, timeout_s: float) -> Iterator[Document | Problem]:
    from copydesk.ingest import warc

    for item in warc.read_warc(path, timeout_s, id_prefix=doc_id(path, root)):
        if isinstance(item, Document):
            yield item
        else:
            yield Problem(str(path), str(item), fatal=not item.no_text)
