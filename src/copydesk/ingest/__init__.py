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
import os
import re
import stat
import sys
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO

from copydesk.config import IngestConfig
from copydesk.ingest.safe import safe_name, safe_text
from copydesk.types import Document

__all__ = ["IngestError", "Problem", "decode", "read_inputs", "walk_folder"]

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


# Byte-order marks of the encodings a text file may declare; UTF-32 LE before UTF-16 LE, whose
# mark is its prefix. A file without a mark is UTF-8 (as before).
_BOMS = ((b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"),
         (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))


def skipped(relative: Path, patterns: Sequence[str]) -> bool:
    """Whether a folder's walk leaves this file out (``IngestConfig.skip_files``): a part of its
    path inside the folder matches a pattern, in any case."""
    parts = [part.lower() for part in relative.parts]
    return any(fnmatch.fnmatchcase(part, pattern.lower()) for part in parts for pattern in patterns)


def decode(data: bytes, origin: str) -> tuple[str, tuple[str, ...]]:
    """Decode UTF-8 (a BOM is dropped), or UTF-16/UTF-32 when the bytes start with their
    byte-order mark; undecodable bytes become U+FFFD and are reported.

    Returns:
        The text and the warnings (empty when the bytes were valid).
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(encoding), ()
            except UnicodeDecodeError:
                text = data[len(bom):].decode(encoding, errors="replace")
                return text, (f"{origin}: undecodable {encoding} byte sequence(s) replaced with U+FFFD",)
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
            files, skipped_problems = walk_folder(path, skip_files=config.skip_files)
            plan.extend((f, path, _kind(f)) for f in files)  # type: ignore[misc]
            plan.extend((problem, None, "problem") for problem in skipped_problems)  # type: ignore[misc]
        elif (kind := _kind(path)) is not None:
            plan.append((path, None, kind))
        else:
            raise IngestError(
                f"input {path} is not a folder, .txt, .md, .jsonl(.gz), .html(.gz), .warc(.gz) or .parquet file"
            )
    for path, root, kind in plan:
        if kind == "problem":
            yield path  # type: ignore[misc]
        elif path is None:
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


# Hidden folders a run keeps beside its output (work folder, previous output kept until the new
# one is in place): never read as input, even when the output sits inside an input folder.
_RUN_FOLDER = re.compile(r"\..+\.(?:partial|old)(?:-\d+)?")


def _is_copydesk_output(folder: Path) -> bool:
    marker = folder / "run.json"
    try:
        with open(marker, "rb") as f:
            head = f.read(4096)
    except OSError:
        return False
    return b'"copydesk_output"' in head


def walk_folder(root: Path, kind_of: Callable[[Path], str | None] | None = None,
                skip_files: Sequence[str] = ()) -> tuple[list[Path], list[Problem]]:
    """Files of a folder that copydesk reads, recursively, in sorted order, and what was skipped.

    Unlike ``Path.rglob``, nothing is passed over silently: a subfolder that cannot be listed,
    a dangling symbolic link, a FIFO or device with a readable suffix each give a problem. A
    subfolder holding a copydesk output (its ``run.json``), and the hidden work folders of a
    run, are skipped with a non-fatal problem, so an output written inside an input folder is
    not read back as input. Symbolic links to folders are not followed (loops).

    Args:
        root: The folder.
        kind_of: Which files are read (their kind, or None); the suffixes of this module by
            default.
        skip_files: Name patterns left out, files and folders (``IngestConfig.skip_files``).

    Returns:
        The files, and the problems.
    """
    kind_of = kind_of or _kind
    files: list[Path] = []
    problems: list[Problem] = []
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = list(it)
        except OSError as e:
            problems.append(Problem(where(folder), f"folder cannot be read ({e.strerror}); its files were "
                                    "skipped; fix its permissions to read them"))
            continue
        for entry in entries:
            path = Path(entry.path)
            if skip_files and skipped(Path(entry.name), skip_files):
                continue
            try:
                is_link = entry.is_symlink()
                is_dir = entry.is_dir(follow_symlinks=False)
                mode = os.stat(entry.path).st_mode if is_link else entry.stat(follow_symlinks=False).st_mode
            except OSError as e:
                if kind_of(path):
                    problems.append(Problem(where(path), f"cannot be read ({e.strerror}: a dangling symbolic "
                                            "link?); skipped"))
                continue
            if is_dir:
                if _RUN_FOLDER.fullmatch(entry.name):
                    continue
                if _is_copydesk_output(path):
                    problems.append(Problem(where(path), "is a copydesk output folder; not read as input",
                                            fatal=False))
                    continue
                stack.append(path)
            elif is_link and stat.S_ISDIR(mode):
                problems.append(Problem(where(path), "is a symbolic link to a folder; not followed (pass "
                                        "it as an input to read it)", fatal=False))
            elif kind_of(path):
                if stat.S_ISREG(mode):
                    files.append(path)
                else:
                    problems.append(Problem(where(path), "is not a regular file (a FIFO, socket or device); "
                                            "skipped"))
    files.sort()
    return files, problems


def where(path: Path | str) -> str:
    """A path as printable text, for origins and messages (undecodable bytes as ``\\xNN``)."""
    return safe_name(str(path))[0]


def doc_id(path: Path, root: Path | None) -> str:
    """Id of a file: its path relative to the folder given, with forward slashes.

    A name that is not valid UTF-8 gets its undecodable bytes spelled ``\\xNN`` (see
    :func:`copydesk.ingest.safe.safe_name`).
    """
    return safe_name(path.relative_to(root).as_posix() if root is not None else path.as_posix())[0]


def _name_warnings(path: Path) -> tuple[str, ...]:
    name, changed = safe_name(str(path))
    return (f"{name}: the file name is not valid UTF-8; its id spells the undecodable bytes as \\xNN",) \
        if changed else ()


def _read_text(path: Path, root: Path | None) -> Document | Problem:
    try:
        data = path.read_bytes()
    except OSError as e:
        return Problem(where(path), f"cannot be read: {e.strerror}")
    text, warnings = decode(data, where(path))
    return Document(id=doc_id(path, root), text=text, origin=where(path),
                    warnings=_name_warnings(path) + warnings)


def _read_jsonl(path: Path, config: IngestConfig) -> Iterator[Document | Problem]:
    try:
        raw = open(path, "rb")
    except OSError as e:
        yield Problem(where(path), f"cannot be read: {e.strerror}")
        return
    with raw:
        stream: IO[bytes] = gzip.GzipFile(fileobj=raw) if path.name.lower().endswith(".gz") else raw
        yield from _read_jsonl_stream(stream, where(path), config)


# An over-long line is skipped in pieces of this size, so skipping it holds no more memory than
# reading a line at the limit.
_SKIP_CHUNK = 1 << 20


def _read_jsonl_stream(stream: IO[bytes], name: str, config: IngestConfig) -> Iterator[Document | Problem]:
    line_no = 0
    lines = io.BufferedReader(stream) if not isinstance(stream, io.BufferedIOBase) else stream
    cap = getattr(config, "max_line_bytes", 0) or -1
    while True:
        try:
            # Bounded: a line without a newline (a gzip bomb, a 3 GB record) is read up to the
            # cap, never whole.
            line = lines.readline(cap if cap < 0 else cap + 1)
            over = 0 < cap < len(line) and not line.endswith(b"\n")
            skipped = len(line)
            while over:
                piece = lines.readline(_SKIP_CHUNK)
                skipped += len(piece)
                if not piece or piece.endswith(b"\n"):
                    break
        except (EOFError, OSError, zlib.error) as e:
            yield Problem(f"{name}:{line_no + 1}", f"archive is truncated or corrupt ({e}); "
                          f"the {line_no} lines before it were read")
            return
        if not line:
            return
        line_no += 1
        if over:
            yield Problem(f"{name}:{line_no}", f"line of {skipped:,} bytes is over ingest.max_line_bytes "
                          f"({cap:,}); skipped; raise --ingest-max-line-bytes to read it")
            continue
        if not line.strip():
            continue
        yield _parse_record(line, f"{name}:{line_no}", config)


def _orjson_loads() -> Callable[[str], object] | None:
    try:
        import orjson  # optional: pip install 'copydesk[fast]'
    except ImportError:
        return None
    return orjson.loads


_FAST_LOADS = _orjson_loads()
_EXACT_TYPES = (str, int, type(None))  # bool is an int


def _fast_record(text_line: str, config: IngestConfig) -> dict | None:
    """The record parsed by orjson (2x json's speed on news records), or None when orjson is
    not installed, refuses the line, or may have read a field copydesk uses differently from
    :func:`json.loads`: the line is then parsed by json, whose result and errors are the
    reference. orjson refuses what json accepts (NaN, 1e400, a lone surrogate escape) and reads
    an integer over 64 bits as a float, so a record is kept only when every field used is a
    string, an integer or null."""
    if _FAST_LOADS is None:
        return None
    try:
        record = _FAST_LOADS(text_line)
    except ValueError:  # orjson.JSONDecodeError
        return None
    if not isinstance(record, dict):
        return None
    used = (config.id_field, config.text_field, "source", "url", "published")
    if not all(isinstance(record.get(key), _EXACT_TYPES) for key in used):
        return None
    return record


def _parse_record(line: bytes, origin: str, config: IngestConfig) -> Document | Problem:
    text_line, warnings = decode(line, origin)
    # A record orjson parsed holds no lone surrogate (it refuses them): its strings need no scan.
    record = _fast_record(text_line, config)
    scan = record is None
    try:
        if record is None:
            record = json.loads(text_line)
    except json.JSONDecodeError as e:
        return Problem(origin, f"is not valid JSON ({e.msg} at column {e.colno}); fix it or pass --on-error skip")
    except RecursionError:
        return Problem(origin, "is not valid JSON for copydesk (nested too deeply); fix it or pass --on-error skip")
    except ValueError as e:  # an integer over Python's 4,300-digit limit, and the like
        return Problem(origin, f"is not valid JSON for copydesk ({e}); fix it or pass --on-error skip")
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

    replaced = 0

    def clean(value: str) -> str:
        nonlocal replaced
        if not scan:
            return value
        value, n = safe_text(value)
        replaced += n
        return value

    def meta(key: str) -> str | None:
        value = record.get(key)
        return None if value is None else clean(str(value))

    doc_id_text, text = clean(str(doc_id_value)), clean(text)
    source, url, published = meta("source"), meta("url"), meta("published")
    if replaced:
        warnings += (f"{origin}: {replaced} lone surrogate escape(s) (\\udXXX) replaced with U+FFFD",)
    return Document(
        id=doc_id_text,
        text=text,
        source=source,
        url=url,
        published=published,
        origin=origin,
        raw=text_line.rstrip("\r\n"),
        warnings=warnings,
        published_origin="jsonl" if meta("published") is not None else None,
    )


def _read_html(path: Path, root: Path | None, timeout_s: float) -> Document | Problem:
    from copydesk.ingest import html

    try:
        doc = html.read_html(path, doc_id(path, root), timeout_s)
        return doc if doc.origin == where(path) else replace(doc, origin=where(path),
                                                              warnings=_name_warnings(path) + doc.warnings)
    except html.NoArticleText as e:
        return Problem(where(path), safe_name(str(e))[0], fatal=False)
    except ValueError as e:
        return Problem(where(path), safe_name(str(e))[0])


def _read_warc(path: Path, root: Path | None, timeout_s: float) -> Iterator[Document | Problem]:
    from copydesk.ingest import warc

    for item in warc.read_warc(path, timeout_s, id_prefix=doc_id(path, root)):
        if isinstance(item, Document):
            yield item if not _name_warnings(path) else replace(
                item, origin=where(item.origin), warnings=_name_warnings(path) + item.warnings)
        else:
            yield Problem(where(path), safe_name(str(item))[0], fatal=not item.no_text)
