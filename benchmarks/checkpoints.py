"""Cost of the stage checkpoints that make ``--resume`` possible: the same run with and without
them, alternating, on a synthetic corpus (benchmarks/corpus.py), both in one process.

    PYTHONPATH=src .venv/bin/python benchmarks/checkpoints.py --docs 5000 --repeats 2
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

    import copydesk.pipeline as pipeline
    from copydesk.config import Config

    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--work", type=Path, default=Path(__file__).resolve().parent / "work")
    args = parser.parse_args(argv)
    folder = corpus.ensure(args.docs, 1, args.work)
    config = Config(stages=("clean", "exact", "near", "passages"), processes=2)
    with_fingerprint = pipeline.fingerprint
    times: dict[bool, list[float]] = {True: [], False: []}
    sizes = 0
    saving = 0.0  # seconds spent writing checkpoints, a direct measure that the load of the
    # machine (shared by other jobs) disturbs less than the difference of two whole runs
    for k in range(args.repeats * 2):
        on = k % 2 == 0
        pipeline.fingerprint = with_fingerprint if on else (lambda *a, **kw: None)
        out = args.work / "checkpoint-bench-out"
        started = time.perf_counter()
        if on:  # measure what the checkpoints hold, then let the run remove them at the commit
            original_save = pipeline.Checkpoints.save

            def save(self, stage, value, _orig=original_save):
                nonlocal sizes, saving
                t0 = time.perf_counter()
                _orig(self, stage, value)
                saving += time.perf_counter() - t0
                sizes += (self.folder / f"{stage}.pkl").stat().st_size
            pipeline.Checkpoints.save = save
        pipeline.find_reuse([folder / "corpus.jsonl"], out, config, force=True)
        if on:
            pipeline.Checkpoints.save = original_save
        times[on].append(time.perf_counter() - started)
        shutil.rmtree(out, ignore_errors=True)
    pipeline.fingerprint = with_fingerprint
    best_on, best_off = min(times[True]), min(times[False])
    print(f"{args.docs} documents, stages clean,exact,near,passages, 2 processes: without checkpoints "
          f"{best_off:.2f} s, with {best_on:.2f} s (best of {args.repeats}), ratio {best_on / best_off:.3f}; "
          f"checkpoints {sizes / args.repeats / 1e6:.1f} MB per run, written in {saving / args.repeats:.2f} s "
          f"per run ({saving / sum(times[True]):.1%} of the runs with checkpoints)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
