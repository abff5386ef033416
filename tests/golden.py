"""Golden outputs: what the pipeline writes today on four corpora, kept to catch any drift.

Recorded before the architecture work moves code (issue 11), so that a redesign proves it changed
nothing: ``tests/test_golden.py`` reruns each corpus and compares the output files byte for byte
(and ``run.json`` less what depends on the machine: timings, versions, workers, kernel).

The runs use the lexical rewrite layer (``rewrite.model = "none"``): the encoder's floating-point
results may differ in the last bits between CPUs, and a golden file must not depend on the
machine. The encoder path keeps its own tests.

Regenerate only when a change of an output is intended, and list each change in the commit that
makes it::

    python -m tests.golden          # rewrites tests/golden/<corpus>/*.gz
"""

from __future__ import annotations

import gzip
import json
import sqlite3
import sys
import tempfile
import zlib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GOLDEN = REPO / "tests" / "golden"

# name -> input, relative to the repository (run from there so that run.json's paths are stable).
CORPORA = {
    "sample": "samples/news",
    "reuse": "tests/data/reuse/docs.jsonl",
    "rewrite": "tests/data/rewrite/docs",
    "cleaning": "tests/data/cleaning/corpus.jsonl",
}
OUTPUTS = ("documents.jsonl", "matches.jsonl", "clusters.jsonl", "deduplicated.jsonl", "outlets.jsonl")
MACHINE_FIELDS = ("copydesk_version", "python", "numpy", "engine", "workers", "signature_kernel",
                  "timings_s", "stage_marks")


def config():
    """The configuration of every golden run: the defaults with the lexical rewrite layer."""
    from copydesk.config import Config, with_overrides

    return with_overrides(Config(), {"rewrite.model": "none"})


def run_json(folder: Path) -> dict:
    """``run.json`` without the fields that depend on the machine or the engine."""
    run = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    return {k: v for k, v in run.items() if k not in MACHINE_FIELDS}


def texts(folder: Path) -> list[list]:
    """The rows of ``texts.sqlite`` (its bytes depend on SQLite's page layout, not its content)."""
    con = sqlite3.connect(folder / "texts.sqlite")
    try:
        return [[doc_id, None if text is None else zlib.decompress(text).decode("utf-8", "surrogatepass")]
                for doc_id, text in con.execute("SELECT id, text FROM documents ORDER BY id")]
    finally:
        con.close()


def expected(name: str) -> dict[str, bytes]:
    """The golden files of one corpus, by output name (``run.json`` and ``texts`` as JSON bytes)."""
    return {path.name[:-3]: gzip.decompress(path.read_bytes()) for path in sorted((GOLDEN / name).glob("*.gz"))}


def actual(folder: Path) -> dict[str, bytes]:
    """A run's output folder in the golden files' shape."""
    files = {out: (folder / out).read_bytes() for out in OUTPUTS}
    files["run.json"] = _dump(run_json(folder))
    files["texts.json"] = _dump(texts(folder))
    return files


def _dump(value) -> bytes:
    return (json.dumps(value, ensure_ascii=False, sort_keys=True, indent=1) + "\n").encode("utf-8")


def record(names: list[str]) -> None:
    """Run each corpus with the local engine and write its golden files."""
    import os

    from copydesk.pipeline import find_reuse

    os.chdir(REPO)
    for name in names:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "out"
            find_reuse(CORPORA[name], out, config())
            (GOLDEN / name).mkdir(parents=True, exist_ok=True)
            for old in (GOLDEN / name).glob("*.gz"):
                old.unlink()
            for file, data in actual(out).items():
                # mtime=0: the .gz bytes depend on the content only.
                (GOLDEN / name / f"{file}.gz").write_bytes(gzip.compress(data, mtime=0))
        print(f"recorded {name}")


if __name__ == "__main__":
    record(sys.argv[1:] or list(CORPORA))
