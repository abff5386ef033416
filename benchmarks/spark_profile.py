"""Where a Spark run's time goes: wall, Spark jobs and stages, CPU of the whole process tree and
the run's own timings per stage (issue 20).

Runs ``copydesk --engine spark --stages exact,near`` on ``benchmarks/corpus.py``'s corpus of
``--docs`` documents (generated once, as ``spark_lsh.py`` does) on ``local[N]``, then reads the
jobs from the session's REST API (duration, stages run, what each job was for) and sums the CPU
seconds of this process and every descendant (the JVM, its Python workers, reaped or alive):
on a shared machine the CPU seconds compare two versions better than the wall time.

Usage:
    PYTHONPATH=src:. python benchmarks/spark_profile.py --docs 20000 [--cores 2] [--jobs]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import urllib.request
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def tree_cpu(root: int) -> float:
    """User + system CPU seconds of ``root`` and its descendants, with their reaped children."""
    children: dict[int, list[tuple[int, list[str]]]] = {}
    stats = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                raw = f.read()
        except OSError:
            continue
        fields = raw[raw.rindex(")") + 2:].split()
        stats[int(name)] = fields
        children.setdefault(int(fields[1]), []).append((int(name), fields))
    tick = os.sysconf("SC_CLK_TCK")
    total, stack = sum(int(x) for x in stats[root][11:15]) / tick, [root]
    while stack:
        for pid, fields in children.get(stack.pop(), []):
            total += sum(int(x) for x in fields[11:15]) / tick  # utime stime cutime cstime
            stack.append(pid)
    return total


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=20000)
    ap.add_argument("--cores", type=int, default=2)
    ap.add_argument("--jobs", action="store_true", help="list the Spark jobs grouped by stage and call site")
    args = ap.parse_args(argv)

    # copydesk first: spark_lsh puts this checkout's src first on sys.path, and PYTHONPATH
    # chooses the version measured.
    from copydesk.config import Config
    from copydesk.engines.spark import find_reuse_spark, spark_session
    from spark_lsh import corpus_of

    corpus = corpus_of(args.docs)
    os.environ["COPYDESK_SPARK_MASTER"] = f"local[{args.cores}]"
    session, _ = spark_session(progress=False)
    sc = session.sparkContext
    try:
        with tempfile.TemporaryDirectory() as tmp:
            t = time.perf_counter()
            result = find_reuse_spark([corpus], Path(tmp) / "out", Config(stages=("exact", "near"), engine="spark"),
                                      force=True, progress=False)
            wall = time.perf_counter() - t
        url = f"{sc.uiWebUrl}/api/v1/applications/{sc.applicationId}/jobs"
        with urllib.request.urlopen(url) as r:
            jobs = json.load(r)
        cpu = tree_cpu(os.getpid())
    finally:
        session.stop()

    def at(stamp: str) -> datetime:
        return datetime.strptime(stamp.replace("GMT", ""), "%Y-%m-%dT%H:%M:%S.%f")

    groups: dict[str, list[float]] = {}
    stages = 0
    for j in jobs:
        ran = len(j["stageIds"]) - j.get("numSkippedStages", 0)
        stages += ran
        took = (at(j["completionTime"]) - at(j["submissionTime"])).total_seconds() if "completionTime" in j else 0.0
        g = groups.setdefault(f"{j.get('description') or ''} | {j['name'][:50]}", [0, 0.0, 0])
        g[0], g[1], g[2] = g[0] + 1, g[1] + took, g[2] + ran
    if args.jobs:
        for key, (n, took, ran) in sorted(groups.items(), key=lambda kv: -kv[1][1]):
            print(f"{took:7.1f} s {n:4d} jobs {ran:4d} stages  {key}")
    import copydesk

    print(json.dumps({"code": str(Path(copydesk.__file__).parent), "docs": args.docs, "cores": args.cores, "wall_s": round(wall, 1),
                      "tree_cpu_s": round(cpu, 1), "spark_jobs": len(jobs), "spark_stages_run": stages,
                      "timings": result.timings}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
