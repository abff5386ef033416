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

# A code point in U+D800..U+DFFF: not encodable as UTF-8 (see dumps).
_SURROGATE = re.compile("[\ud800-\udfff]")

__all__ = [
    "DocStore",
    "DocStoreReader",
    "OutputExistsError",
    "OutputFolder",
    "OutputLockedError",
    "UnsafeOutputError",
    "is_copydesk_output",
    "remove_stale_partials",
    "cluster_record",
    "dumps",
    "match_record",
    "span_list",
    "OUTPUT_FORMAT",
    "dedup_record",
    "document_record",
    "span_bounds",
]

OUTPUT_FORMAT = 2
"""Version of the output format (``docs/output-format.md``): every record carries it as
``copydesk_output``. Format 2 writes spans as objects, ids as strings, and the input's own
fields under ``fields`` in ``deduplicated.jsonl``."""


class OutputExistsError(Exception):
    """The output folder exists and ``force`` was not given."""


def dumps(record: dict[str, Any]) -> str:
    """One JSON line, compact and stable (key order as given, non-ASCII kept).

    A lone surrogate (a user's own field read back from JSONL as ``"\\udfff"``) cannot be
    written as UTF-8: such a line is written with ASCII escapes instead, the value unchanged.
    """
    line = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
    if _SURROGATE.search(line) is not None:
        return json.dumps(record, separators=(",", ":"))
    return line


def span_list(spans: Iterable[Span]) -> list[dict[str, Any]]:
    """Spans as ``{"start", "end", "reason"}`` objects (``documents.jsonl``, format 2).

    Objects, not ``[start, end, reason]`` arrays: a mixed-type array is no Arrow type, so
    pyarrow refused format 1's ``documents.jsonl`` and polars read its offsets as strings.
    """
    return [{"start": s.start, "end": s.end, "reason": s.reason} for s in spans]


def span_bounds(span: Any) -> tuple[int, int]:
    """``(start, end)`` of a span as written in an output file, format 2 (``{"start", "end"}``)
    or format 1 (``[start, end, ...]``), so readers take folders of either format."""
    if isinstance(span, dict):
        return int(span["start"]), int(span["end"])
    return int(span[0]), int(span[1])


def document_record(doc_id: str, source: str | None, chars: int, url: str | None, published: str | None,
                    boilerplate: Iterable[Span], segments: Iterable[Span], warnings: Sequence[str] | None,
                    text: str | None = None, keep_text: bool = False, truncated: bool = False) -> dict[str, Any]:
    """A line of ``documents.jsonl`` (both engines write documents through this).

    Every key is present on every line (``null`` or ``[]`` when unknown): a reader that infers
    a schema from the first lines (polars, ``datasets``) never meets a new column later.
    """
    record: dict[str, Any] = {
        "copydesk_output": OUTPUT_FORMAT, "id": str(doc_id), "source": source, "chars": int(chars),
        "url": url, "published": published, "published_origin": None, "boilerplate": span_list(boilerplate),
        "segments": span_list(segments), "warnings": [] if warnings is None else [str(w) for w in warnings],
        "truncated": bool(truncated),
    }
    if keep_text:
        record["text"] = text
    return record


def dedup_record(doc_id: str, text: str, source: str | None, url: str | None, published: str | None,
                 raw: str | None, cluster: str | None, text_field: str = "text") -> dict[str, Any]:
    """A line of ``deduplicated.jsonl`` (both engines write it through this).

    ``id`` is always a string and ``text`` the document's text; the input record's own fields
    (JSONL, Parquet or dataset rows), all but its text field, are kept as given under
    ``fields`` (``null`` for files that have no fields), so an integer id in the input stays an
    integer in ``fields`` while ``id`` stays a string column.
    """
    fields = None
    if raw is not None:
        fields = json.loads(raw)
        fields.pop(text_field, None)
    return {"id": str(doc_id), "text": text, "source": source, "url": url, "published": published,
            "fields": fields, "copydesk_output": OUTPUT_FORMAT, "copydesk_cluster": cluster}


def match_record(m: Match) -> dict[str, Any]:
    """A line of ``matches.jsonl`` (every engine writes matches through this)."""
    return {
        "copydesk_output": OUTPUT_FORMAT, "a": m.a, "b": m.b, "kind": m.kind, "score": float(m.score),
        "jaccard": float(m.jaccard), "containment_a": float(m.containment_a), "containment_b": float(m.containment_b),
        "passages": [{"a": {"start": int(p.a[0]), "end": int(p.a[1])}, "b": {"start": int(p.b[0]), "end": int(p.b[1])},
                      "kind": p.kind, "score": float(round(p.score, 4))}
                     for p in m.passages],
        "method": m.method,
    }


def cluster_record(c: Cluster) -> dict[str, Any]:
    """A line of ``clusters.jsonl``."""
    return {"copydesk_output": OUTPUT_FORMAT, "id": c.id, "kind": c.kind, "members": list(c.members),
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

    def state(self) -> dict[str, Any]:
        """Everything but the file, after :meth:`close` (a run's checkpoint)."""
        return {"ids": self.ids, "sources": self.sources, "urls": self.urls, "published": self.published,
                "published_origins": self.published_origins,
                "warnings": self.warnings, "offsets": self.offsets, "text_bytes": self.text_bytes,
                "raw_bytes": self.raw_bytes, "chars": self.chars}

    @classmethod
    def restored(cls, path: Path, state: dict[str, Any]) -> DocStore:
        """A closed store from its :meth:`state` and its file (left as it is)."""
        store = cls.__new__(cls)
        store.path = Path(path)
        for key, value in state.items():
            setattr(store, key, value)
        return store

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


def is_copydesk_output(folder: str | os.PathLike[str]) -> bool:
    """Whether ``folder`` holds a finished copydesk output: its ``run.json``, written last."""
    try:
        with open(Path(folder) / "run.json", "rb") as f:
            return b'"copydesk_output"' in f.read(4096)
    except OSError:
        return False


def remove_stale_partials(path: str | os.PathLike[str], notes: list[str] | None = None) -> list[Path]:
    """Clean up after runs on ``path`` that were killed, without losing a finished output.

    A run killed with SIGKILL (or by a power cut) cannot clean up after itself and leaves
    ``.NAME.partial-PID`` (its work folder) or ``.NAME.old-PID`` (the previous output, moved
    aside during the commit) beside the output. Only folders whose PID no longer runs on this
    machine are touched (one whose PID runs may be another run). A folder that is not a
    finished output (no ``run.json``) is removed. A finished one is never removed silently:

    - when ``path`` is missing (the kill fell between the two renames of the commit), the
      newer finished output is moved back into place: the new one if it was complete, else the
      previous one;
    - a finished output left beside an existing ``path`` is removed, with a note.

    Args:
        path: The output folder.
        notes: Receives one line per finished output restored or removed.

    Returns:
        The folders removed.
    """
    path = Path(path)
    notes = notes if notes is not None else []
    pattern = re.compile(rf"\.{re.escape(path.name)}\.(partial|old)-(\d+)")
    removed = []
    finished: list[tuple[int, Path]] = []
    for sibling in sorted(path.parent.glob(f".{glob.escape(path.name)}.*-*")):
        found = pattern.fullmatch(sibling.name)
        if not found or not sibling.is_dir() or _pid_alive(int(found.group(2))):
            continue
        if is_copydesk_output(sibling) and not (sibling / ".work").exists():
            # a partial is newer than an old folder of the same run
            finished.append((0 if found.group(1) == "partial" else 1, sibling))
            continue
        shutil.rmtree(sibling, ignore_errors=True)
        removed.append(sibling)
    finished.sort(key=lambda f: (f[0], -f[1].stat().st_mtime))
    for rank, sibling in finished:
        if not path.exists():
            os.replace(sibling, path)
            what = "its new output" if rank == 0 else "the previous output"
            notes.append(f"{path}: restored {what} from {sibling.name}, left by a run killed while committing")
            continue
        shutil.rmtree(sibling, ignore_errors=True)
        removed.append(sibling)
        notes.append(f"{path}: removed {sibling.name}, a finished output superseded by {path.name}, left by a "
                     "killed run")
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


class OutputLockedError(OutputExistsError):
    """Another run is writing the same output folder."""


class UnsafeOutputError(OutputExistsError):
    """The output path would replace something that is not a copydesk output."""


class _OutputLock:
    """An exclusive lock on an output path for the whole run (``flock`` on ``.NAME.lock``).

    The lock file is removed on release; a run that opened the file just before is told by
    the inode check and opens it again, so two runs never both hold it.
    """

    def __init__(self, path: Path) -> None:
        self.file = path.parent / f".{path.name}.lock"
        self._fd: int | None = None
        try:
            import fcntl
        except ImportError:  # not POSIX: no lock
            return
        while True:
            fd = os.open(self.file, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "?"
                os.close(fd)
                raise OutputLockedError(f"another copydesk run (pid {holder}) is writing {path}; wait for it to "
                                        "finish or choose another -o") from None
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(self.file))
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            try:
                os.unlink(self.file)
            except OSError:
                pass
            os.close(self._fd)
            self._fd = None


def fault_point(name: str) -> None:
    """Test hooks (tests/test_faults.py): ``COPYDESK_TEST_KILL_AT=name`` kills this process here
    with SIGKILL; ``COPYDESK_TEST_PAUSE_AT=name:FILE`` creates FILE and waits here (up to 2
    minutes) for the test to send a signal."""
    if os.environ.get("COPYDESK_TEST_KILL_AT") == name:
        import signal

        os.kill(os.getpid(), signal.SIGKILL)
    pause = os.environ.get("COPYDESK_TEST_PAUSE_AT", "")
    if pause.partition(":")[0] == name:
        import time

        Path(pause.partition(":")[2]).touch()
        time.sleep(120)


def _check_replaceable(path: Path, inputs: Sequence[str | os.PathLike[str]]) -> None:
    """Refuse an output path whose replacement would delete what is not a copydesk output."""
    real = Path(os.path.realpath(path))
    cwd = Path(os.path.realpath(os.getcwd()))
    if real == cwd or real in cwd.parents:
        raise UnsafeOutputError(f"output folder {path} is the working directory or a parent of it; "
                                "choose a new folder for -o")
    for given in inputs:
        if str(given) == "-":
            continue
        source = Path(os.path.realpath(given))
        if source == real or real in source.parents:
            raise UnsafeOutputError(f"output folder {path} holds the input {given}; choose another -o")


class OutputFolder:
    """An output folder written atomically: files go to a hidden sibling, renamed at the end.

    The path is locked for the whole run (a second run on it is refused), and ``--force``
    replaces only a copydesk output (a folder holding ``run.json``) or an empty folder: never
    one holding an input, the working directory or a parent of it, or a user's own files.
    Until the new output is in place the previous one stays recoverable (see :meth:`commit`).

    Args:
        path: The output folder to produce.
        force: Replace an existing copydesk output.
        inputs: The run's inputs, which the output must not hold.

    Raises:
        OutputExistsError: if ``path`` exists and ``force`` is false, or would replace
            something that is not a copydesk output (checked at construction, before any work
            is done); :class:`OutputLockedError` when another run holds the path.
    """

    def __init__(self, path: str | os.PathLike[str], force: bool = False,
                 inputs: Sequence[str | os.PathLike[str]] = (), resume: bool = False) -> None:
        self.path = Path(os.path.normpath(path))
        self.force = force
        self.notes: list[str] = []
        self.adopted = False
        """Whether this run took over the work folder of a killed run (``resume``)."""
        _check_replaceable(self.path, inputs)
        if self.path.exists() and not self.path.is_dir():
            raise OutputExistsError(f"output path {self.path} exists and is not a folder")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = _OutputLock(self.path)
        try:
            self.partial = self.path.parent / f".{self.path.name}.partial-{os.getpid()}"
            if resume:
                self.adopted = self._adopt_killed_run()
            remove_stale_partials(self.path, self.notes)
            self._check_target()
            self.work = self.partial / ".work"
            if not self.adopted:
                shutil.rmtree(self.partial, ignore_errors=True)
                self.partial.mkdir()
                self.work.mkdir()
        except BaseException:
            self._lock.release()
            raise

    def _adopt_killed_run(self) -> bool:
        """Take over the work folder of the latest killed run on this path (its checkpoints)."""
        pattern = re.compile(rf"\.{re.escape(self.path.name)}\.partial-(\d+)")
        killed = []
        for sibling in self.path.parent.glob(f".{glob.escape(self.path.name)}.partial-*"):
            found = pattern.fullmatch(sibling.name)
            if (found and sibling != self.partial and not _pid_alive(int(found.group(1)))
                    and (sibling / ".work" / "checkpoints").is_dir()):
                killed.append((sibling.stat().st_mtime, sibling))
        if not killed:
            return False
        os.replace(max(killed)[1], self.partial)
        return True

    def _check_target(self) -> None:
        if not self.path.exists():
            return
        restored = "; ".join(self.notes) + "; " if self.notes else ""
        if not self.force:
            raise OutputExistsError(f"{restored}output folder {self.path} already exists; pass --force to "
                                    "overwrite it")
        if not self.path.is_dir():
            raise OutputExistsError(f"output path {self.path} exists and is not a folder")
        if not is_copydesk_output(self.path) and any(self.path.iterdir()):
            raise UnsafeOutputError(f"{self.path} is not a copydesk output folder (no run.json); --force "
                                    "replaces only those: choose another -o, or empty it yourself")

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
        """Move the finished folder into place (replacing an old one); returns its path.

        The previous output is renamed aside (``.NAME.old-PID``), the new one renamed in, and
        only then the previous one deleted. A kill between the renames leaves both finished
        folders, and the next run on the path moves the newer back into place
        (:func:`remove_stale_partials`).
        """
        import signal

        # Ctrl-C and SIGTERM wait until both renames are done (they cannot fall between them);
        # only SIGKILL or a power cut can, and remove_stale_partials repairs that.
        blockable = hasattr(signal, "pthread_sigmask")
        if blockable:
            masked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        try:
            fault_point("commit_start")
            shutil.rmtree(self.work, ignore_errors=True)
            self._check_target()
            old = None
            if self.path.exists():
                old = self.path.parent / f".{self.path.name}.old-{os.getpid()}"
                os.replace(self.path, old)
                fault_point("commit_aside")
            try:
                os.replace(self.partial, self.path)
            except BaseException:
                if old is not None:
                    os.replace(old, self.path)
                raise
            fault_point("commit_renamed")
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
        finally:
            self._lock.release()
            if blockable:
                signal.pthread_sigmask(signal.SIG_SETMASK, masked)
        return self.path

    def abort(self) -> None:
        """Remove the partial folder (the existing output, if any, is untouched)."""
        shutil.rmtree(self.partial, ignore_errors=True)
        self._lock.release()
