"""Reading inputs on Spark executors with the ingest module's own readers.

The driver only plans: it lists the files exactly as :func:`copydesk.ingest.read_inputs` does
(folders walked recursively in sorted order) and cuts them into *read units*: up to
:data:`TEXT_FILES_PER_UNIT` text or HTML files, one gzip or WARC file, one byte range of
:data:`JSONL_CHUNK_BYTES` of a plain JSONL file, or one row group of a Parquet file. Executors
read the units with the same functions the local engine calls, so ids, origins (``file:line``),
warnings and problems are the same text; each row carries ``(unit, seq)``, its position in the
local engine's reading order, from which the run numbers documents exactly as the local
engine does.

Inputs must be on a file system every executor sees at the same path (a local disk for
``local[*]``, a shared mount such as NFS, Lustre or a FUSE-mounted bucket on a cluster); a
relative input path is read from the driver's working folder (:func:`driver_folder`).
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from copydesk.config import IngestConfig
from copydesk.ingest import (HTML_SUFFIXES, JSONL_SUFFIXES, STDIN, TEXT_SUFFIXES, WARC_SUFFIXES, IngestError,
                             Problem, walk_folder)
from copydesk.languages import identify_document, language_fields
from copydesk.languages.analysis import mojibake_warning
from copydesk.types import Document

__all__ = ["READ_SCHEMA", "ReadUnit", "driver_folder", "plan_units", "read_unit"]

PARQUET_SUFFIXES = (".parquet", ".pq")
# Text files per read task: enough to amortise a task's start-up, few enough that a folder of
# a few thousand files still spreads over every core.
TEXT_FILES_PER_UNIT = 256
# Byte range of a plain JSONL file read by one task: a 100 GB file becomes 12,800 tasks, and
# one task holds at most this much raw text (plus the line that straddles its end). 64 MB read
# a 60 MB corpus of 20k documents in one task on one core (read 30 s against the local
# engine's 7 s on local[2]); 8 MB spreads it over every core and keeps a task's frame small.
JSONL_CHUNK_BYTES = 8 << 20

READ_SCHEMA = ("unit long, seq long, id string, text string, work string, chars long, source string, "
               "url string, published string, origin string, raw string, warnings array<string>, "
               "problem string, published_origin string, language string, language_confidence double, "
               "language_spans string")
"""One row per document or problem. ``work`` is the text cut at ``ingest.max_doc_chars`` when
it is longer (else null): every stage but the final write reads ``coalesce(work, text)``."""


@dataclass(frozen=True)
class ReadUnit:
    """A piece of input one task reads. ``start``/``end`` are a byte range (JSONL) or a row
    group (Parquet); ``first_line`` is the number of newlines before ``start``."""

    unit: int
    kind: str
    paths: tuple[str, ...]
    root: str | None = None
    start: int = 0
    end: int = -1
    first_line: int = 0


def _kind(path: Path) -> str | None:
    name = path.name.lower()
    for kind, suffixes in (("text", TEXT_SUFFIXES), ("jsonl", JSONL_SUFFIXES), ("html", HTML_SUFFIXES),
                           ("warc", WARC_SUFFIXES), ("parquet", PARQUET_SUFFIXES)):
        if name.endswith(suffixes):
            return kind
    return None


def plan_units(inputs: Sequence[str | Path],
               skip_files: Sequence[str] = IngestConfig().skip_files) -> list[ReadUnit]:
    """Read units of all inputs, in the local engine's reading order.

    Raises:
        IngestError: for stdin, a missing path, or a file of a kind copydesk cannot read
            (checked for every input before anything is read).
    """
    files: list[tuple[Path, Path | None, str]] = []
    for given in inputs:
        if str(given) == STDIN:
            raise IngestError("the Spark engine cannot read stdin; save the JSONL to a file and pass its path")
        path = Path(given)
        if not path.exists():
            raise IngestError(f"input {path} does not exist")
        if path.is_dir():
            # the local engine's walk: copydesk outputs, a run's work folders and skip_files are not input
            found, skipped = walk_folder(path, _kind, skip_files)
            files.extend((f, path, _kind(f)) for f in found)  # type: ignore[misc]
            # what the walk could not read (an unreadable subfolder, a dangling link, a FIFO) is a
            # problem, after the folder's files as the local engine reports it: a unit of its own
            files.extend((str(p), None, "problem") for p in skipped)  # type: ignore[misc]
        elif (kind := _kind(path)) is not None:
            files.append((path, None, kind))
        else:
            raise IngestError(f"input {path} is not a folder, .txt, .md, .jsonl(.gz), .html(.gz), .warc(.gz) "
                              f"or .parquet file")
    units: list[ReadUnit] = []
    batch: list[Path] = []
    batch_root: Path | None = None
    batch_kind = ""

    def flush() -> None:
        nonlocal batch
        if batch:
            units.append(ReadUnit(len(units), batch_kind, tuple(map(str, batch)),
                                  str(batch_root) if batch_root is not None else None))
            batch = []

    for path, root, kind in files:
        if kind in ("text", "html"):
            if batch and (root != batch_root or kind != batch_kind or len(batch) >= TEXT_FILES_PER_UNIT):
                flush()
            batch.append(path)
            batch_root, batch_kind = root, kind
            continue
        flush()
        if kind == "problem":
            units.append(ReadUnit(len(units), "problem", (str(path),)))
        elif kind == "jsonl" and not path.name.lower().endswith(".gz") and path.stat().st_size > JSONL_CHUNK_BYTES:
            size = path.stat().st_size
            for start in range(0, size, JSONL_CHUNK_BYTES):
                units.append(ReadUnit(len(units), "jsonl_range", (str(path),), None, start,
                                      min(size, start + JSONL_CHUNK_BYTES)))
        elif kind == "parquet":
            import pyarrow.parquet as pq

            for group in range(pq.ParquetFile(path).metadata.num_row_groups):
                units.append(ReadUnit(len(units), "parquet", (str(path),), None, group, group + 1))
        else:
            units.append(ReadUnit(len(units), kind, (str(path),), str(root) if root is not None else None))
    flush()
    return units


@contextmanager
def driver_folder(folder: str) -> Iterator[None]:
    """Relative input paths resolved as on the driver, where the user named them. A cluster's
    executor works in a folder of its own, where ``news/`` names nothing; paths stay relative
    so that ids, origins and problems read as the local engine writes them. A Python worker
    runs one task at a time, and the folder is restored after it. Where ``folder`` does not
    exist (inputs not on a shared file system), each file is a problem, as it would be anyway.

    Example:
        >>> import os, tempfile
        >>> here = os.getcwd()
        >>> with driver_folder(tempfile.gettempdir()):
        ...     os.getcwd() == os.path.realpath(tempfile.gettempdir())
        True
        >>> os.getcwd() == here
        True
    """
    here = os.getcwd()
    if folder == here or not os.path.isdir(folder):
        yield
        return
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(here)


def count_newlines(path: str, start: int, end: int) -> int:
    """Newlines in ``[start, end)`` of a file (the first pass of a chunked JSONL file)."""
    n = 0
    with open(path, "rb") as f:
        f.seek(start)
        left = end - start
        while left > 0:
            block = f.read(min(left, 8 << 20))
            if not block:
                break
            n += block.count(b"\n")
            left -= len(block)
    return n


def read_unit(unit: ReadUnit, config: IngestConfig) -> Iterator[Document | Problem]:
    """The documents and problems of one read unit, in reading order."""
    from copydesk import ingest

    # The per-file readers of read_inputs, called as it calls them (see the report on making a
    # public read_file(path, root, kind, config) in copydesk.ingest).
    root = Path(unit.root) if unit.root is not None else None
    if unit.kind == "text":
        for path in unit.paths:
            yield ingest._read_text(Path(path), root)
    elif unit.kind == "html":
        for path in unit.paths:
            yield ingest._read_html(Path(path), root, config.page_timeout_s)
    elif unit.kind == "jsonl":
        yield from ingest._read_jsonl(Path(unit.paths[0]), config)
    elif unit.kind == "warc":
        yield from ingest._read_warc(Path(unit.paths[0]), root, config.page_timeout_s)
    elif unit.kind == "jsonl_range":
        yield from _read_jsonl_range(unit, config)
    elif unit.kind == "parquet":
        yield from _read_parquet(unit, config)
    elif unit.kind == "problem":  # found when the inputs were listed (plan_units)
        yield Problem(unit.paths[0], unit.paths[0])
    else:
        raise ValueError(f"unknown read unit kind {unit.kind!r}")


def _read_jsonl_range(unit: ReadUnit, config: IngestConfig) -> Iterator[Document | Problem]:
    """Lines that start inside ``[start, end)``, numbered as in the whole file."""
    from copydesk import ingest

    path = unit.paths[0]
    with open(path, "rb") as f:
        skipped = 0
        if unit.start > 0:
            f.seek(unit.start - 1)
            if f.read(1) != b"\n":
                skipped = len(f.readline())  # the line that began in the previous range
        begin = unit.start + skipped
        if begin >= unit.end:
            return
        data = f.read(unit.end - begin)
        if not data.endswith(b"\n"):
            data += f.readline()
    offset = unit.first_line + (1 if skipped else 0)
    for item in ingest._read_jsonl_stream(io.BytesIO(data), path, config):
        yield _renumbered(item, path, offset)


def _renumbered(item: Document | Problem, name: str, offset: int) -> Document | Problem:
    """Shift the line number of ``name:LINE`` origins (and of messages that start with one)."""
    if offset == 0:
        return item

    def shift(text: str) -> str:
        prefix = name + ":"
        if not text.startswith(prefix):
            return text
        rest = text[len(prefix):]
        digits = len(rest) - len(rest.lstrip("0123456789"))
        if digits == 0:
            return text
        return f"{prefix}{int(rest[:digits]) + offset}{rest[digits:]}"

    if isinstance(item, Problem):
        return Problem(shift(item.origin), item.message)
    from dataclasses import replace

    return replace(item, origin=shift(item.origin), warnings=tuple(map(shift, item.warnings)))


def _read_parquet(unit: ReadUnit, config: IngestConfig) -> Iterator[Document | Problem]:
    import pyarrow.parquet as pq

    path = unit.paths[0]
    file = pq.ParquetFile(path)
    names = set(file.schema_arrow.names)
    for needed, flag in ((config.id_field, "--ingest-id-field"), (config.text_field, "--ingest-text-field")):
        if needed not in names:
            yield Problem(path, f"has no column {needed!r}; name it with {flag}")
            return
    columns = [config.id_field, config.text_field] + [c for c in ("source", "url", "published") if c in names]
    table = file.read_row_group(unit.start, columns=columns)
    first_row = sum(file.metadata.row_group(g).num_rows for g in range(unit.start))
    data = {c: table.column(c).to_pylist() for c in columns}
    for r in range(table.num_rows):
        origin = f"{path}:row {first_row + r + 1}"
        doc_id, text = data[config.id_field][r], data[config.text_field][r]
        if doc_id is None or doc_id == "" or isinstance(doc_id, (dict, list)):
            yield Problem(origin, f"has no usable {config.id_field!r} value")
            continue
        if not isinstance(text, str):
            yield Problem(origin, f"column {config.text_field!r} is not a string")
            continue
        meta = {c: (None if data[c][r] is None else str(data[c][r])) for c in ("source", "url", "published")
                if c in data}
        yield Document(id=str(doc_id), text=text, origin=origin, **meta)


def read_rows(unit: ReadUnit, config: IngestConfig) -> Iterator[dict[str, Any]]:
    """Rows of :data:`READ_SCHEMA` for one unit (the ``max_doc_chars`` warning included)."""
    limit = config.max_doc_chars
    for seq, item in enumerate(read_unit(unit, config)):
        if isinstance(item, Problem):
            yield {"unit": unit.unit, "seq": seq, "origin": item.origin, "problem": str(item), "warnings": []}
            continue
        warnings = list(item.warnings)
        found = identify_document(item.text[:limit])
        if (mojibake := mojibake_warning(item.text, item.origin)) is not None:
            warnings.append(mojibake)
        spans = language_fields(found).get("language_spans")
        work = None
        if len(item.text) > limit:
            warnings.append(f"{item.origin}: {len(item.text)} characters; matched on the first {limit}")
            work = item.text[:limit]
        yield {"unit": unit.unit, "seq": seq, "id": item.id, "text": item.text, "work": work,
               "chars": len(item.text), "source": item.source, "url": item.url, "published": item.published,
               "origin": item.origin, "raw": item.raw, "warnings": warnings, "problem": None,
               "published_origin": item.published_origin,
               "language": found.language, "language_confidence": found.confidence,
               "language_spans": None if spans is None else json.dumps(spans)}


def unit_row(unit: ReadUnit) -> dict[str, Any]:
    """A read unit as a row (for ``createDataFrame``)."""
    return {"unit": unit.unit, "kind": unit.kind, "paths": json.dumps(unit.paths), "root": unit.root,
            "start": unit.start, "end": unit.end, "first_line": unit.first_line}


def unit_of(row: Any) -> ReadUnit:
    return ReadUnit(int(row["unit"]), row["kind"], tuple(json.loads(row["paths"])),
                    None if _missing(row["root"]) else row["root"], int(row["start"]), int(row["end"]),
                    int(row["first_line"]))


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value)
