"""The Python API around a run: inputs as paths or records, results as objects and tables.

:func:`copydesk.find_reuse` takes what a notebook holds (a path, a list of paths, a list of
dicts, a pandas DataFrame, an Arrow table) and returns a :class:`~copydesk.pipeline.RunResult`
whose ``matches`` and ``clusters`` are lists of :class:`~copydesk.types.Match` and
:class:`~copydesk.types.Cluster` with ``to_arrow()`` and ``to_pandas()``.

Example:
    >>> import copydesk
    >>> docs = [{"id": 1, "text": story}, {"id": 2, "text": "Breaking: " + story}]  # doctest: +SKIP
    >>> result = copydesk.find_reuse(docs)  # doctest: +SKIP
    >>> result.matches[0].kind, result.matches.to_pandas()  # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from copydesk.errors import MissingExtra
from copydesk.types import Cluster, Match, Passage

__all__ = ["ClusterList", "MatchList", "as_input_paths", "load_clusters", "load_matches"]

# Records are written to the temporary JSONL file in chunks of this many rows: an Arrow table
# or a DataFrame of a million rows is never turned into Python objects all at once.
_CHUNK_ROWS = 10_000


class MatchList(list):
    """The matches of a run: a list of :class:`~copydesk.types.Match`, plus tables."""

    def to_arrow(self) -> Any:
        """The matches as a ``pyarrow.Table`` (one row per pair; ``passages`` a list of structs)."""
        pa = _pyarrow()
        rows = [_match_row(m) for m in self]
        return pa.Table.from_pylist(rows, schema=_match_schema(pa))

    def to_pandas(self) -> Any:
        """The matches as a pandas DataFrame."""
        return self.to_arrow().to_pandas()


class ClusterList(list):
    """The clusters of a run: a list of :class:`~copydesk.types.Cluster`, plus tables."""

    def to_arrow(self) -> Any:
        """The clusters as a ``pyarrow.Table`` (``members`` a list of ids)."""
        pa = _pyarrow()
        schema = pa.schema([("id", pa.string()), ("kind", pa.string()), ("members", pa.list_(pa.string())),
                            ("representative", pa.string())])
        return pa.Table.from_pylist([{"id": c.id, "kind": c.kind, "members": list(c.members),
                                      "representative": c.representative} for c in self], schema=schema)

    def to_pandas(self) -> Any:
        """The clusters as a pandas DataFrame."""
        return self.to_arrow().to_pandas()


def _pyarrow() -> Any:
    try:
        import pyarrow
    except ImportError as e:
        raise MissingExtra("tables of results need pyarrow: pip install 'copydesk[parquet]'") from e
    return pyarrow


def _match_schema(pa: Any) -> Any:
    span = pa.struct([("start", pa.int64()), ("end", pa.int64())])
    passage = pa.struct([("a", span), ("b", span), ("kind", pa.string()), ("score", pa.float64())])
    return pa.schema([("a", pa.string()), ("b", pa.string()), ("kind", pa.string()), ("score", pa.float64()),
                      ("jaccard", pa.float64()), ("containment_a", pa.float64()), ("containment_b", pa.float64()),
                      ("passages", pa.list_(passage)), ("method", pa.string())])


def _match_row(m: Match) -> dict[str, Any]:
    from copydesk.store import match_record

    row = match_record(m)
    row.pop("copydesk_output", None)
    return row


def load_matches(output: str | os.PathLike[str]) -> MatchList:
    """The matches of an output folder (``matches.jsonl``, format 1 or 2) as records."""
    from copydesk.store import span_bounds

    found = MatchList()
    for r in _jsonl(Path(output) / "matches.jsonl"):
        passages = tuple(Passage(span_bounds(p["a"]), span_bounds(p["b"]), p["kind"], p["score"])
                         for p in r["passages"])
        found.append(Match(r["a"], r["b"], r["kind"], r["score"], r["jaccard"], r["containment_a"],
                           r["containment_b"], passages, r["method"]))
    return found


def load_clusters(output: str | os.PathLike[str]) -> ClusterList:
    """The clusters of an output folder (``clusters.jsonl``) as records."""
    return ClusterList(Cluster(r["id"], r["kind"], tuple(r["members"]), r["representative"])
                       for r in _jsonl(Path(output) / "clusters.jsonl"))


def _jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def as_input_paths(inputs: Any, id_field: str, text_field: str, folder: Path) -> list[str | Path]:
    """What :func:`copydesk.find_reuse` was given, as the input paths the readers take.

    Paths (a ``str`` or ``Path``, or a list of them) pass through. Records (an iterable of
    mappings, a pandas DataFrame, an Arrow table or record batch) are written to
    ``folder/records.jsonl`` and that file is the input: every field of a record is kept (in
    ``deduplicated.jsonl`` under ``fields``), values JSON cannot hold (dates, decimals) as text.

    Args:
        inputs: Paths or records.
        id_field: The records' id field (``IngestConfig.id_field``).
        text_field: The records' text field (``IngestConfig.text_field``).
        folder: Where to write records (a temporary folder the caller removes).

    Raises:
        TypeError: for an input that is neither.
    """
    if isinstance(inputs, (str, os.PathLike)):
        return [inputs]
    rows = _rows(inputs)
    if rows is None:
        items = list(inputs)
        if all(isinstance(i, (str, os.PathLike)) for i in items):
            return items
        if not all(isinstance(i, Mapping) for i in items):
            raise TypeError("find_reuse takes paths (a str, a Path, or a list of them) or records (dicts, a pandas "
                            "DataFrame, an Arrow table); got a list mixing "
                            + ", ".join(sorted({type(i).__name__ for i in items})))
        rows = iter([items])
    path = folder / "records.jsonl"
    with open(path, "w", encoding="utf-8") as f:
        for chunk in rows:
            for row in chunk:
                if text_field not in row or id_field not in row:
                    missing = id_field if id_field not in row else text_field
                    raise TypeError(f"a record has no {missing!r} field; name the fields with "
                                    "IngestConfig(id_field=..., text_field=...)")
                f.write(json.dumps(dict(row), ensure_ascii=False, default=_json_default))
                f.write("\n")
    return [path]


def _rows(inputs: Any) -> Iterator[list[dict[str, Any]]] | None:
    """Chunks of rows of a DataFrame or Arrow table, or None for anything else."""
    module = type(inputs).__module__
    if module.startswith("pandas") and hasattr(inputs, "to_dict"):
        def frames() -> Iterator[list[dict[str, Any]]]:
            for lo in range(0, len(inputs), _CHUNK_ROWS):
                part = inputs.iloc[lo : lo + _CHUNK_ROWS]
                yield [{k: _pandas_value(v) for k, v in row.items()} for row in part.to_dict("records")]
        return frames()
    if module.startswith("pyarrow") and hasattr(inputs, "to_batches"):
        return (batch.to_pylist() for batch in inputs.to_batches(max_chunksize=_CHUNK_ROWS))
    if module.startswith("pyarrow") and hasattr(inputs, "to_pylist"):
        return iter([inputs.to_pylist()])
    return None


def _pandas_value(value: Any) -> Any:
    if hasattr(value, "tolist"):  # numpy scalars and arrays
        value = value.tolist()
    try:
        if value != value:  # NaN, NaT: a missing value
            return None
    except (TypeError, ValueError):
        pass
    return value


def _json_default(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, (bytes, bytearray)):
        return value.decode("utf-8", errors="replace")
    return str(value)


def temporary_folder() -> tempfile.TemporaryDirectory:
    """A temporary folder for records and for the output of a run given no output folder."""
    return tempfile.TemporaryDirectory(prefix="copydesk-")


class ShortTextWarning(UserWarning):
    """:func:`align` was given a text too short to hold a passage."""


def align(text_a: str, text_b: str, config: Any = None, *, min_passage_chars: int | None = None) -> list[Passage]:
    """Passages of ``text_a`` reused in ``text_b``, with character offsets into both texts.

    The public face of :func:`copydesk.passages.align`: a passage must be at least
    ``min_passage_chars`` characters long in both texts (200 by default: shorter shared runs
    are mostly set phrases), so a text shorter than that can hold none; this says so with a
    :class:`ShortTextWarning` instead of returning ``[]`` in silence.

    Args:
        text_a: First text (offsets in ``Passage.a`` refer to it).
        text_b: Second text (offsets in ``Passage.b``).
        config: A :class:`copydesk.PassageConfig` (defaults to ``PassageConfig()``).
        min_passage_chars: Overrides ``config.min_passage_chars`` (the shortest passage
            reported, in characters, in either text).

    Returns:
        Passages ordered by their start in ``text_a``.

    Example:
        >>> import copydesk
        >>> a = "The council approved the new budget on Tuesday."
        >>> [p.a for p in copydesk.align(a, "Breaking: " + a, min_passage_chars=40)]
        [(0, 47)]
    """
    import warnings
    from dataclasses import replace

    from copydesk.passages import PassageConfig
    from copydesk.passages import align as align_passages

    for name, text in (("text_a", text_a), ("text_b", text_b)):
        if not isinstance(text, str):
            raise TypeError(f"align() needs {name} as a str, not {type(text).__name__}")
    if config is not None and not isinstance(config, PassageConfig):
        raise TypeError(f"align() needs config as a copydesk.PassageConfig, not {type(config).__name__}")
    config = config or PassageConfig()
    if min_passage_chars is not None:
        config = replace(config, min_passage_chars=min_passage_chars)
    shortest = min(len(text_a.strip()), len(text_b.strip()))
    if shortest < config.min_passage_chars:
        warnings.warn(f"a text of {shortest} characters cannot hold a passage of min_passage_chars="
                      f"{config.min_passage_chars}; pass a smaller min_passage_chars to align short texts",
                      ShortTextWarning, stacklevel=2)
    return align_passages(text_a, text_b, config)


def is_remote(path: Any) -> bool:
    """Whether ``path`` is an fsspec URL (``s3://``, ``hf://``, ``memory://``...), not a local path."""
    text = str(path)
    return "://" in text and not text.startswith("file://") and isinstance(path, str)


def _filesystem(url: str) -> tuple[Any, str]:
    from copydesk.remote import filesystem

    return filesystem(url)


def stage_inputs(paths: list[Any], folder: Path) -> list[Any]:
    """Remote inputs copied into ``folder`` (a file as a file, a prefix as a folder, keeping the
    names under it, so ids are what they would be locally); local paths pass through.

    Raises:
        IngestError: a remote input does not exist or cannot be read (the store's message,
            with the URL).
    """
    from copydesk.ingest import IngestError
    from copydesk.remote import failure

    staged: list[Any] = []
    for k, given in enumerate(paths):
        if not is_remote(given):
            staged.append(given)
            continue
        try:
            staged.append(_stage(given, k, folder))
        except OSError as e:
            raise IngestError(f"cannot read input {given}: {failure(e)}") from e
    return staged


def _stage(given: str, k: int, folder: Path) -> Path:
    from copydesk.ingest import IngestError

    fs, path = _filesystem(given)
    if not fs.exists(path):
        raise IngestError(f"input {given} does not exist")
    name = path.rstrip("/").rsplit("/", 1)[-1] or "input"
    target = folder / "remote" / str(k) / name
    target.parent.mkdir(parents=True, exist_ok=True)
    if fs.isdir(path):
        target.mkdir()
        for remote in fs.find(path):
            relative = remote[len(path.rstrip("/")) + 1 :]
            local = target / relative
            local.parent.mkdir(parents=True, exist_ok=True)
            fs.get_file(remote, str(local))
    else:
        fs.get_file(path, str(target))
    return target


def publish_output(local: Path, url: str, force: bool) -> None:
    """Copy a finished output folder to a remote URL (an object store has no atomic rename: the
    files are uploaded, ``run.json`` last, so a folder with ``run.json`` is complete).

    Raises:
        OutputExistsError: the remote folder holds files and ``force`` is false.
    """
    from copydesk.remote import failure, remote_error
    from copydesk.store import OutputExistsError

    fs, path = _filesystem(url)
    path = path.rstrip("/")
    try:
        if fs.exists(path) and fs.find(path):
            if not force:
                raise OutputExistsError(f"output folder {url} already exists; pass --force to overwrite it")
            fs.rm(path, recursive=True)
        files = sorted(p for p in local.rglob("*") if p.is_file())
        files.sort(key=lambda p: p.name == "run.json")
        for file in files:
            fs.put_file(str(file), f"{path}/{file.relative_to(local).as_posix()}")
    except OSError as e:
        raise remote_error(url, f"cannot write the output: {failure(e)}") from e


def check_remote_output(url: str, force: bool) -> None:
    """Refuse an existing remote output folder before any work (as for a local one)."""
    from copydesk.remote import failure, remote_error
    from copydesk.store import OutputExistsError

    fs, path = _filesystem(url)
    try:
        exists = fs.exists(path.rstrip("/")) and bool(fs.find(path.rstrip("/")))
    except OSError as e:
        raise remote_error(url, f"cannot reach the output folder: {failure(e)}") from e
    if not force and exists:
        raise OutputExistsError(f"output folder {url} already exists; pass --force to overwrite it")
