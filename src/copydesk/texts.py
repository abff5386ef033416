"""The texts of an output folder's matched documents, kept so that ``explain`` and the HTML
report answer at once, without reading the inputs again.

``OUT/texts.sqlite`` holds one row per document of the run: its id, and, for a document that
takes part in a match, its text compressed with zlib (level 6: a news page shrinks to about a
third, and decompressing one is microseconds). A document in no match has a NULL text: the row
still says the id belongs to the corpus. SQLite, not a JSONL file: a lookup by id is an index
probe, not a scan of the corpus.
"""

from __future__ import annotations

import os
import sqlite3
import zlib
from collections.abc import Iterable
from pathlib import Path

__all__ = ["TEXTS_FILE", "TextStore", "write_texts"]

TEXTS_FILE = "texts.sqlite"


def write_texts(path: str | os.PathLike[str], rows: Iterable[tuple[str, str | None]]) -> int:
    """Write ``(id, text or None)`` rows to a new texts store; returns the number of texts kept."""
    path = Path(path)
    path.unlink(missing_ok=True)
    con = sqlite3.connect(path)
    kept = 0
    try:
        con.execute("PRAGMA journal_mode=OFF")
        con.execute("CREATE TABLE documents (id TEXT PRIMARY KEY, text BLOB) WITHOUT ROWID")

        def encoded():
            nonlocal kept
            for doc_id, text in rows:
                if text is not None:
                    kept += 1
                    yield doc_id, zlib.compress(text.encode("utf-8", errors="surrogatepass"), 6)
                else:
                    yield doc_id, None

        con.executemany("INSERT INTO documents VALUES (?, ?)", encoded())
        con.commit()
    finally:
        con.close()
    return kept


class TextStore:
    """Reads a texts store (read-only).

    Args:
        path: ``OUT/texts.sqlite``.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self._con = sqlite3.connect(f"file:{Path(path).as_posix()}?mode=ro", uri=True)

    def __contains__(self, doc_id: str) -> bool:
        return self._con.execute("SELECT 1 FROM documents WHERE id = ?", (doc_id,)).fetchone() is not None

    def text(self, doc_id: str) -> str | None:
        """The document's text, or None when the store does not keep it (or has no such id)."""
        row = self._con.execute("SELECT text FROM documents WHERE id = ?", (doc_id,)).fetchone()
        if row is None or row[0] is None:
            return None
        return zlib.decompress(row[0]).decode("utf-8", errors="surrogatepass")

    def count(self) -> int:
        """Number of documents of the run."""
        return self._con.execute("SELECT count(*) FROM documents").fetchone()[0]

    def close(self) -> None:
        self._con.close()

    def __enter__(self) -> TextStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
