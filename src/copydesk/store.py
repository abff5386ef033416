"""Storage: the on-disk document store of a run, and atomic output folders.

A corpus larger than memory is never held in memory: while reading, every document's text
(and its original JSONL record) is appended to a spill file; later stages read the documents
they need back by index, from any process.
"""

from __future__ import annotations

import glob
import json
import os
import re
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from copydesk.types import Cluster, Document, Match, Span

__all__ = [
    "DocStore",
    "DocStoreReader",
    "OutputExistsError",
    "OutputFolder",
    "remove_stale_partials",
    "cluster_record",
    "dumps",
    "match_record",
    "span_list",
]


class OutputExistsError(Exception):
    """The output folder exists and ``force`` was not given."""


def dumps(record: dict[str, Any]) -> str:
    """One JSON line, compact and stable (key order as given, non-ASCII kept)."""
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


def span_list(spans: Iterable[Span]) -> list[list[Any]]:
    """Spans as ``[start, end, reason]`` lists (``documents.jsonl``)."""
    return [[s.start, s.end, s.reason] for s in spans]


def match_record(m: Match) -> dict[str, Any]:
    """A line of ``matches.jsonl`` (every engine writes matches through this)."""
    return {
        "copydesk_output": 1, "a": m.a, "b": m.b, "kind": m.kind, "score": m.score, "jaccard": m.jaccard,
        "containment_a": m.containment_a, "containment_b": m.containment_b,
        "passages": [{"a": list(p.a), "b": list(p.b), "kind": p.kind, "score": round(p.score, 4)}
                     for p in m.passages],
        "method": m.method,
    }


def cluster_record(c: Cluster) -> dict[str, Any]:
    """A line of ``clusters.jsonl``."""
    return {"copydesk_output": 1, "id": c.id, "kind": c.kind, "members": list(c.members),
            "representative": c.representative}


@dataclass
class DocStore:
    """Append-only store of documents' texts and records, plus their small metadata in memory.

    Args:
        path: File to write (created or truncated).
    """

    path: Path
    ids: list[str] = field(default_factory=list)
    sources: list[str | None] = field(default_factory=list)
    urls: list[str | None] = field(default_factory=list)
    published: list[str | None] = field(default_factory=list)
    published_origins: list[str | None] = field(default_factory=list)
    warnings: dict[int, tuple[str, ...]] = field(default_factory=dict)
    _offsets: list[int] = field(default_factory=list)
    _text_bytes: list[int] = field(default_factory=list)
    _raw_bytes: list[int] = field(default_factory=list)
    _chars: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._file = open(self.path, "wb")
        self._end = 0

    def append(self, doc: Document) -> int:
        """Store ``doc``; returns its index."""
        text = doc.text.encode("utf-8", errors="surrogatepass")
        raw = (doc.raw or "").encode("utf-8", errors="surrogatepass")
        self._file.write(text)
        self._file.write(raw)
        self._offsets.append(self._end)
        self._text_bytes.append(len(text))
        self._raw_bytes.append(len(raw) if doc.raw is not None else -1)
        self._chars.append(len(doc.text))
        self._end += len(text) + len(raw)
        index = len(self.ids)
        self.ids.append(doc.id)
        self.sources.append(doc.source)
        self.urls.append(doc.url)
        self.published.append(doc.published)
        self.published_origins.append(doc.published_origin)
        if doc.warnings:
            self.warnings[index] = doc.warnings
        return index

    def __len__(self) -> int:
        return len(self.ids)

    def flush(self) -> None:
        """Make everything appended so far readable by other processes."""
        self._file.flush()

    def locator_range(self, lo: int, hi: int) -> StoreSlice:
        """:meth:`locator` of documents ``lo..hi-1``, usable before :meth:`close` (after :meth:`flush`)."""
        return StoreSlice(str(self.path), np.arange(lo, hi, dtype=np.int64),
                          np.asarray(self._offsets[lo:hi], dtype=np.int64),
                          np.asarray(self._text_bytes[lo:hi], dtype=np.int64),
                          np.asarray(self._raw_bytes[lo:hi], dtype=np.int64))

    def close(self) -> None:
        """Finish writing; the store can then be read."""
        self._file.close()
        self.offsets = np.asarray(self._offsets, dtype=np.int64)
        self.text_bytes = np.asarray(self._text_bytes, dtype=np.int64)
        self.raw_bytes = np.asarray(self._raw_bytes, dtype=np.int64)
        self.chars = np.asarray(self._chars, dtype=np.int64)
        del self._offsets, self._text_bytes, self._raw_bytes, self._chars

    def locator(self, indices: np.ndarray | Sequence[int]) -> StoreSlice:
        """What a worker needs to read the given documents (small, picklable)."""
        idx = np.asarray(indices, dtype=np.int64)
        return StoreSlice(str(self.path), idx, self.offsets[idx], self.text_bytes[idx], self.raw_bytes[idx])


@dataclass(frozen=True)
class StoreSlice:
    """Locations of some documents in a store file: enough to read them in another process."""

    path: str
    indices: np.ndarray
    offsets: np.ndarray
    text_bytes: np.ndarray
    raw_bytes: np.ndarray


class DocStoreReader:
    """Reads texts back from a store file, cheap to open in each worker.

    Explicit positioned reads, not ``mmap``: a map would count every page of the store a
    process ever touched in its resident memory (several GB for a million documents).
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self._fd = os.open(path, os.O_RDONLY)

    def texts(self, where: StoreSlice) -> list[str]:
        """The texts of the documents of ``where``, in its order."""
        fd = self._fd
        return [
            os.pread(fd, n, o).decode("utf-8", errors="surrogatepass") if n else ""
            for o, n in zip(where.offsets.tolist(), where.text_bytes.tolist())
        ]

    def raws(self, where: StoreSlice) -> list[str | None]:
        """The original JSONL records (None for documents that were not JSONL)."""
        fd = self._fd
        out: list[str | None] = []
        for o, n, r in zip(where.offsets.tolist(), where.text_bytes.tolist(), where.raw_bytes.tolist()):
            out.append(None if r < 0 else os.pread(fd, r, o + n).decode("utf-8", errors="surrogatepass"))
        return out

    def close(self) -> None:
        os.close(self._fd)


def remove_stale_partials(path: str | os.PathLike[str]) -> list[Path]:
    """Remove the hidden work folders of runs on ``path`` whose process is gone.

    A run killed with SIGKILL (or by a power cut) cannot clean up after itself and leaves
    ``.NAME.partial-PID`` (or ``.NAME.old-PID``) beside the output. A folder whose PID no longer
    runs on this machine is removed; one whose PID runs (another run, or an unrelated process
    that reused the number) is left alone.

    Returns:
        The folders removed.
    """
    path = Path(path)
    pattern = re.compile(rf"\.{re.escape(path.name)}\.(?:partial|old)-(\d+)")
    removed = []
    for sibling in path.parent.glob(f".{glob.escape(path.name)}.*-*"):
        found = pattern.fullmatch(sibling.name)
        if found and sibling.is_dir() and not _pid_alive(int(found.group(1))):
            shutil.rmtree(sibling, ignore_errors=True)
            removed.append(sibling)
    return removed


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # runs, under another user
        return True
    return True


class OutputFolder:
    """An output folder written atomically: files go to a hidden sibling, renamed at the end.

    Args:
        path: The output folder to produce.
        force: Replace an existing folder.

    Raises:
        OutputExistsError: if ``path`` exists and ``force`` is false (checked at construction,
            before any work is done).
    """

    def __init__(self, path: str | os.PathLike[str], force: bool = False) -> None:
        self.path = Path(path)
        if self.path.exists() and not force:
            raise OutputExistsError(f"output folder {self.path} already exists; pass --force to overwrite it")
        if self.path.exists() and not self.path.is_dir():
            raise OutputExistsError(f"output path {self.path} exists and is not a folder")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_partials(self.path)
        self.partial = self.path.parent / f".{self.path.name}.partial-{os.getpid()}"
        shutil.rmtree(self.partial, ignore_errors=True)
        self.partial.mkdir()
        self.work = self.partial / ".work"
        self.work.mkdir()

    def write_jsonl(self, name: str, records: Iterable[dict[str, Any]]) -> int:
        """Write one JSONL file into the folder; returns the number of records."""
        n = 0
        with open(self.partial / name, "w", encoding="utf-8", newline="\n") as f:
            for record in records:
                f.write(dumps(record))
                f.write("\n")
                n += 1
        return n

    def write_lines(self, name: str, lines: Iterable[str]) -> int:
        """Write already-encoded JSON lines into the folder; returns their number."""
        n = 0
        with open(self.partial / name, "w", encoding="utf-8", newline="\n") as f:
            for line in lines:
                f.write(line)
                f.write("\n")
                n += 1
        return n

    def write_json(self, name: str, value: Any) -> None:
        with open(self.partial / name, "w", encoding="utf-8") as f:
            json.dump(value, f, ensure_ascii=False, indent=2)
            f.write("\n")

    def commit(self) -> Path:
        """Move the finished folder into place (replacing an old one); returns its path."""
        shutil.rmtree(self.work, ignore_errors=True)
        old = None
        if self.path.exists():
            old = self.path.parent / f".{self.path.name}.old-{os.getpid()}"
            os.replace(self.path, old)
        os.replace(self.partial, self.path)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        return self.path

    def abort(self) -> None:
        """Remove the partial folder (the existing output, if any, is untouched)."""
        shutil.rmtree(self.partial, ignore_errors=True)
