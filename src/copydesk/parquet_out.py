"""Parquet copies of an output folder's JSONL files, for the local engine (``output.parquet``).

Format 2 gives every JSONL output one Arrow type per column, so pyarrow's JSON reader reads
each file as it is and the Parquet file holds the same rows and values
(``tests/test_tables.py`` checks it).
"""

from __future__ import annotations

import json
from pathlib import Path

from copydesk.errors import MissingExtra

__all__ = ["TABLES", "write_parquet_copies"]

TABLES = ("documents", "matches", "clusters", "deduplicated")


def write_parquet_copies(folder: Path) -> list[Path]:
    """Write ``NAME.parquet`` beside each ``NAME.jsonl`` of ``folder``; returns the files written.

    Raises:
        ImportError: pyarrow is missing (the message is the pip line).
    """
    try:
        import pyarrow as pa
        import pyarrow.json as pj
        import pyarrow.parquet as pq
    except ImportError as e:
        raise MissingExtra("Parquet output needs pyarrow: pip install 'copydesk[parquet]'") from e
    written = []
    for name in TABLES:
        source = folder / f"{name}.jsonl"
        if not source.exists():
            continue
        if source.stat().st_size == 0:
            table = pa.table({})
        else:
            # A block larger than any line: pyarrow's reader fails on a line longer than its block.
            block = max(1 << 20, _longest_line(source) + 1)
            # Dates stay the strings we wrote: pyarrow would type a column of ISO 8601 strings
            # as naive timestamps (offsets dropped). Only fields a file has go in the schema.
            strings = [pa.field(k, pa.string()) for k in ("published",) if _has_field(source, k)]
            table = pj.read_json(source, read_options=pj.ReadOptions(block_size=block),
                                 parse_options=pj.ParseOptions(explicit_schema=pa.schema(strings)))
        target = folder / f"{name}.parquet"
        pq.write_table(table, target)
        written.append(target)
    return written


def _longest_line(path: Path) -> int:
    longest = 0
    with open(path, "rb") as f:
        for line in f:
            longest = max(longest, len(line))
    return longest


def _has_field(source: Path, key: str) -> bool:
    """Whether the first line of a JSONL output holds ``key`` (format 2: every line has the same keys)."""
    with open(source, encoding="utf-8") as f:
        first = f.readline()
    return bool(first.strip()) and key in json.loads(first)
