"""Reading tables: Parquet files and Hugging Face ``datasets`` saved folders (``save_to_disk``).

Both are read with pyarrow (the ``parquet`` extra), a row group or a record batch at a time, so
a table larger than memory streams. Every row becomes a document: its id and text columns
(``IngestConfig.id_field``, ``text_field``), ``source``, ``url`` and ``published`` when present,
and the whole row as its record, which ``deduplicated.jsonl`` gives back under ``fields``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from copydesk.config import IngestConfig
from copydesk.errors import MissingExtra
from copydesk.types import Document

__all__ = ["is_saved_dataset", "read_parquet", "read_saved_dataset"]

PARQUET_SUFFIXES = (".parquet", ".pq")


def _pyarrow() -> Any:
    try:
        import pyarrow
        import pyarrow.parquet  # noqa: F401
    except ImportError as e:
        raise MissingExtra("reading Parquet files and datasets folders needs pyarrow: "
                          "pip install 'copydesk[parquet]'") from e
    return pyarrow


def is_saved_dataset(path: Path) -> bool:
    """Whether ``path`` is a folder written by ``Dataset.save_to_disk`` (or ``DatasetDict``'s)."""
    return path.is_dir() and ((path / "state.json").is_file() or (path / "dataset_dict.json").is_file())


def read_parquet(path: Path, config: IngestConfig) -> Iterator[Any]:
    """Documents (and problems) of a Parquet file, a row group at a time."""
    pa = _pyarrow()
    file = pa.parquet.ParquetFile(path)
    row = 0
    for group in range(file.metadata.num_row_groups):
        batch = file.read_row_group(group)
        yield from _rows(batch.to_pylist(), str(path), row, config)
        row += batch.num_rows


def read_saved_dataset(path: Path, config: IngestConfig) -> Iterator[Any]:
    """Documents of a saved dataset folder: its Arrow files in the order ``state.json`` lists
    them; a ``DatasetDict`` folder's splits in the order of ``dataset_dict.json``."""
    pa = _pyarrow()
    if (path / "dataset_dict.json").is_file():
        splits = json.loads((path / "dataset_dict.json").read_text(encoding="utf-8")).get("splits", [])
        for split in splits:
            yield from read_saved_dataset(path / split, config)
        return
    state = json.loads((path / "state.json").read_text(encoding="utf-8"))
    row = 0
    for entry in state.get("_data_files", []):
        name = entry["filename"]
        with pa.memory_map(str(path / name)) as source:
            reader = pa.ipc.open_stream(source)
            for batch in reader:
                yield from _rows(batch.to_pylist(), f"{path / name}", row, config)
                row += batch.num_rows


def _rows(rows: list[dict[str, Any]], name: str, first: int, config: IngestConfig) -> Iterator[Any]:
    from copydesk.ingest import Problem

    for k, record in enumerate(rows):
        origin = f"{name}:row {first + k + 1}"
        doc_id, text = record.get(config.id_field), record.get(config.text_field)
        if config.id_field not in record:
            yield Problem(origin, f"has no column {config.id_field!r}; name the id column with --ingest-id-field")
            return
        if config.text_field not in record:
            yield Problem(origin, f"has no column {config.text_field!r}; name the text column with "
                          "--ingest-text-field")
            return
        if doc_id is None or doc_id == "" or isinstance(doc_id, (dict, list)):
            yield Problem(origin, f"has no usable {config.id_field!r} value")
            continue
        if not isinstance(text, str):
            yield Problem(origin, f"column {config.text_field!r} is not a string")
            continue

        def meta(key: str) -> str | None:
            value = record.get(key)
            return None if value is None else str(value)

        yield Document(id=str(doc_id), text=text, source=meta("source"), url=meta("url"),
                       published=meta("published"), origin=origin,
                       raw=json.dumps(record, ensure_ascii=False, default=_json_default))


def _json_default(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray)):
        return value.decode("utf-8", errors="replace")
    return str(value)
