"""Cost of the Spark engine's stage checkpoints (``--resume --engine spark``): the same run with
and without them, alternating, in one Spark session, on a synthetic corpus (benchmarks/corpus.py).

    PYTHONPATH=src .venv/bin/python benchmarks/spark_checkpoints.py --docs 2000 --repeats 2
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def main(argv: list[str] | None = None) -> int:
    import corpus

    import copydesk.checkpoint as checkpoint
    from copydesk.config import Config
    from copydesk.engines.spark import find_reuse_spark, spark_session
    from copydesk.engines.spark_checkpoints import SparkCheckpoints

    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--work", type=Path, default=Path(__file__).resolve().parent / "work")
    args = parser.parse_args(argv)
    folder = corpus.ensure(args.docs, 1, args.work)
    config = Config(stages=("clean", "exact", "near", "passages"), engine="spark")
    session, owned = spark_session()  # one session: the runs reuse it
    with_fingerprint = checkpoint.fingerprint
    original_save = SparkCheckpoints.save
    saving = 0.0  # seconds inside the checkpoint writes (and read-back set-up)

    def save(self, stage, frames, value):
        nonlocal saving
        t0 = time.perf_counter()
        try:
            return original_save(self, stage, frames, value)
        finally:
            saving += time.perf_counter() - t0

    SparkCheckpoints.save = save
    times: dict[bool, list[float]] = {True: [], False: []}
    try:
        for k in range(args.repeats * 2):
            on = k % 2 == 0
            checkpoint.fingerprint = with_fingerprint if on else (lambda *a, **kw: None)
            out = args.work / "spark-checkpoint-bench-out"
            started = time.perf_counter()
            find_reuse_spark([folder / "corpus.jsonl"], out, config, force=True, progress=False)
            times[on].append(time.perf_counter() - started)
            shutil.rmtree(out, ignore_errors=True)
    finally:
        checkpoint.fingerprint = with_fingerprint
        SparkCheckpoints.save = original_save
        if owned:
            session.stop()
    best_on, best_off = min(times[True]), min(times[False])
    print(f"{args.docs} documents, stages clean,exact,near,passages, Spark {session.sparkContext.master}: "
          f"without checkpoints {best_off:.2f} s, with {best_on:.2f} s (best of {args.repeats}), ratio "
          f"{best_on / best_off:.3f}; checkpoint writes {saving / args.repeats:.2f} s per run")
    return 0


if __name__ == "__main__":
    sys.exit(main())
