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

import difflib
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
                  "timings_s", "stage_marks", "spark_version", "spark_master")


def config():
    """The configuration of every golden run: the defaults with the lexical rewrite layer."""
    from copydesk.config import Config, with_overrides

    return with_overrides(Config(), {"rewrite.model": "none"})


def run_json(folder: Path) -> dict:
    """``run.json`` without the fields that depend on the machine or the engine."""
    run = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    run["config"].pop("engine", None)
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


def _encoder_bits(want: bytes, got: bytes) -> bool:
    """Whether two match lines differ only in a same-story score's last digit: the story model's
    MiniLM vectors differ in the last bits between CPUs (0.5554 on one, 0.5555 on another)."""
    a, b = json.loads(want), json.loads(got)
    return ({k for k in a if a[k] != b.get(k)} == {"score"} and a.keys() == b.keys()
            and a["method"].startswith("story_") and abs(a["score"] - b["score"]) <= 2e-4)


def assert_same(name: str, got: dict[str, bytes]) -> None:
    """Fail (pytest) unless ``got`` (:func:`actual`) is corpus ``name``'s golden output, with a diff."""
    import pytest

    want = expected(name)
    assert sorted(got) == sorted(want), f"{name}: output files differ"
    for file in sorted(want):
        if file == "matches.jsonl" and got[file] != want[file]:
            w, g = want[file].splitlines(), got[file].splitlines()
            if len(w) == len(g) and all(x == y or _encoder_bits(x, y) for x, y in zip(w, g)):
                continue
        if got[file] != want[file]:
            diff = difflib.unified_diff(want[file].decode().splitlines(), got[file].decode().splitlines(),
                                        f"golden/{name}/{file}", "this run", lineterm="", n=0)
            pytest.fail(f"{name}/{file} differs from the golden output:\n" + "\n".join(list(diff)[:40]))


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
