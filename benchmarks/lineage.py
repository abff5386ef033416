"""Lineage's share of a run's CPU (issue 19), on the realistic news corpus and the lineage corpus.

Runs copydesk in one process (``processes = 1``, so every stage's CPU is this process's) on:

- ``realtext``: the corpus of ``benchmarks/realtext.py`` (real article bodies and derived
  documents, seed 1), all stages, ``rewrite.model = none``;
- ``lineage``: the held-out ``test`` split of ``tests/lineage_corpus.py``, all stages as above.

and measures the CPU time (``time.process_time``) of the lineage step (reading every document's
head and tail for dates and credits, then :func:`copydesk.lineage.derive`) against the CPU time
of the whole run.

Usage: ``PYTHONPATH=src:. python benchmarks/lineage.py`` (prints a Markdown table).
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))


def measure(corpus: Path, out: Path) -> dict:
    import copydesk.pipeline as pipeline
    from copydesk.config import Config
    from copydesk.semantic import RewriteConfig

    spent = {"lineage": 0.0}
    inner = pipeline._lineage

    def timed(*args, **kwargs):
        t = time.process_time()
        try:
            return inner(*args, **kwargs)
        finally:
            spent["lineage"] += time.process_time() - t

    pipeline._lineage = timed
    try:
        t = time.process_time()
        result = pipeline.find_reuse([corpus], out, Config(processes=1, rewrite=RewriteConfig(model="none")),
                                     force=True, progress=False)
        total = time.process_time() - t
    finally:
        pipeline._lineage = inner
    return {"documents": result.counts["documents"], "matches": result.counts["matches"], "cpu_s": total,
            "lineage_cpu_s": spent["lineage"], "share": spent["lineage"] / total}


def main() -> None:
    import realtext
    from tests.lineage_corpus import build, load_articles

    data = REPO.parent / "shared" / "data"
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        realtext.build(work / "realtext")
        rows.append(("realtext (benchmarks/realtext.py, seed 1)", measure(work / "realtext" / "corpus.jsonl",
                                                                          work / "out-realtext")))
        articles, _ = load_articles(data)
        records, _ = build(articles, "test")
        path = work / "lineage.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
        rows.append(("lineage corpus, test split", measure(path, work / "out-lineage")))
    print("| corpus | documents | matches | run CPU s | lineage CPU s | lineage share |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, r in rows:
        print(f"| {name} | {r['documents']} | {r['matches']} | {r['cpu_s']:.2f} | {r['lineage_cpu_s']:.3f} | "
              f"{100 * r['share']:.1f}% |")


if __name__ == "__main__":
    main()
