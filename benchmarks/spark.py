"""Spark ``local[N]`` against the local engine on one machine, and a scaling plan from measurements.

Generates the synthetic corpus of ``benchmarks/corpus.py`` (news-like, ~3,000 characters per
document, 4 % exact copies, 4 % near-duplicates, 4 % excerpts), runs the local engine and then
the Spark engine on it with the same configuration, checks that both wrote the same
``matches.jsonl`` and ``clusters.jsonl``, and reads Spark's event log for per-stage costs:
executor CPU time, shuffle bytes written, bytes spilled and peak execution memory. From these it
extrapolates to 100M and 1B documents on a stated cluster and writes the ``spark`` section of
BENCHMARKS.md.

Usage: ``python benchmarks/spark.py [--docs 100000] [--cores 2] [--stages clean,exact,near,passages]``
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

from report import machine_line, write_section  # noqa: E402

WORK = HERE / "work" / "spark"

# The cluster the plan is written for: a common cloud shape (e.g. 50 x m6i.4xlarge, or a
# Dataproc / EMR cluster of the same size), 4 executors of 4 cores and 14 GB per node.
CLUSTER = {"nodes": 50, "cores_per_node": 16, "memory_gb_per_node": 64}
# Share of the cluster's cores kept busy on average (stragglers, shuffle waits, driver stages).
EFFICIENCY = 0.6
# Aggregate shuffle throughput of the cluster assumed for the network part of the estimate
# (10 Gbit/s per node, a quarter of it achieved while shuffling).
SHUFFLE_GBPS_PER_NODE = 10 / 8 / 4


def _corpus(n_docs: int) -> Path:
    from corpus import generate

    out = WORK / f"c{n_docs}"
    if not (out / "corpus.jsonl").exists():
        generate(n_docs, 1, out)
    return out / "corpus.jsonl"


def _event_lines(log_dir: Path):
    """JSON lines of the newest event log: a plain file, or Spark 4's rolling folder of
    (zstd-compressed) ``events_N_*`` files."""
    import pyarrow as pa

    newest = max(log_dir.iterdir(), key=lambda p: p.stat().st_mtime)
    parts = sorted((p for p in newest.iterdir() if p.name.startswith("events_")),
                   key=lambda p: int(p.name.split("_")[1])) if newest.is_dir() else [newest]
    for part in parts:
        codec = {".zstd": "zstd", ".lz4": "lz4", ".snappy": "snappy"}.get(part.suffix)
        with pa.input_stream(str(part), compression=codec) as f:
            for line in f.read().decode("utf-8").splitlines():
                if line.strip():
                    yield line


def _event_stats(log_dir: Path) -> dict[str, dict[str, float]]:
    """Per copydesk stage: executor CPU seconds, shuffle bytes written, spill and peak memory."""
    stage_of: dict[int, str] = {}
    stats: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    names = {"internal.metrics.executorRunTime": "run_s", "internal.metrics.executorCpuTime": "cpu_s",
             "internal.metrics.shuffle.write.bytesWritten": "shuffle_bytes",
             "internal.metrics.memoryBytesSpilled": "spill_bytes",
             "internal.metrics.peakExecutionMemory": "peak_memory_bytes",
             "internal.metrics.input.bytesRead": "input_bytes"}
    for line in _event_lines(log_dir):
        event = json.loads(line)
        kind = event.get("Event")
        if kind == "SparkListenerJobStart":
            desc = (event.get("Properties") or {}).get("spark.job.description") or "other"
            for sid in event.get("Stage IDs", []):
                stage_of[sid] = desc.replace("copydesk: ", "")
        elif kind == "SparkListenerStageCompleted":
            info = event["Stage Info"]
            name = stage_of.get(info["Stage ID"], "other")
            for acc in info.get("Accumulables", []):
                key = names.get(acc.get("Name"))
                if key is None:
                    continue
                value = float(acc.get("Value", 0))
                if key == "run_s":
                    value /= 1000
                elif key == "cpu_s":
                    value /= 1e9
                if key == "peak_memory_bytes":
                    stats[name][key] = max(stats[name][key], value)
                else:
                    stats[name][key] += value
    return {k: dict(v) for k, v in stats.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--stages", default="clean,exact,near,passages")
    parser.add_argument("--no-write", action="store_true", help="print the section, leave BENCHMARKS.md alone")
    parser.add_argument("--reuse-local", action="store_true",
                        help="keep the local engine's output of a previous run of the same size (rerun Spark only)")
    parser.add_argument("--note", default="", help="a sentence added under the table (e.g. what changed)")
    parser.add_argument("--report-only", action="store_true",
                        help="rebuild the section from the last run's outputs and event log (no rerun)")
    args = parser.parse_args(argv)
    if args.report_only:
        return _report_only(args)

    from copydesk.config import Config
    from copydesk.engines.spark import find_reuse_spark
    from copydesk.pipeline import find_reuse

    corpus = _corpus(args.docs)
    config = Config.from_mapping({"stages": args.stages.split(","), "processes": args.cores})
    out_local, out_spark = WORK / f"out-local-{args.docs}", WORK / f"out-spark-{args.docs}"
    if args.reuse_local and (out_local / "run.json").exists():
        local_t = json.loads((out_local / "run.json").read_text())["timings_s"]
        local_s = sum(local_t.values())
    else:
        t0 = time.perf_counter()
        local_t = find_reuse([corpus], out_local, config, force=True, progress=False).timings
        local_s = time.perf_counter() - t0

    events = WORK / "eventlog"
    shutil.rmtree(events, ignore_errors=True)
    events.mkdir(parents=True)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    t0 = time.perf_counter()
    spark = (SparkSession.builder.master(f"local[{args.cores}]").appName("copydesk-bench")
             .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
             .config("spark.driver.memory", "6g")
             .config("spark.sql.shuffle.partitions", str(4 * args.cores))
             .config("spark.eventLog.enabled", "true").config("spark.eventLog.dir", str(events))
             .config("spark.eventLog.compress", "false")
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    startup_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    result = find_reuse_spark([corpus], out_spark, config.replace(engine="spark"), force=True, progress=False)
    spark_s = time.perf_counter() - t0
    spark.stop()
    try:
        stats = _event_stats(events)
    except (OSError, ValueError) as e:  # the section is still worth writing without them
        print(f"could not read the event log: {e}", file=sys.stderr)
        stats = {}

    same = all((out_local / f).read_bytes() == (out_spark / f).read_bytes()
               for f in ("matches.jsonl", "clusters.jsonl", "documents.jsonl", "deduplicated.jsonl"))
    counts = result.counts
    md = _section(args, corpus, local_s, spark_s, startup_s, local_t, result.timings, stats, counts, same)
    print(md)
    if not args.no_write:
        write_section("spark", md)
    (WORK / f"stats-{args.docs}.json").write_text(json.dumps(
        {"local_s": local_s, "spark_s": spark_s, "startup_s": startup_s, "local_timings": local_t,
         "spark_timings": result.timings, "stages": stats, "counts": counts, "identical": same}, indent=1))
    print(f"identical outputs: {same}", file=sys.stderr)
    return 0 if same else 1


def _report_only(args) -> int:
    corpus = WORK / f"c{args.docs}" / "corpus.jsonl"
    out_local, out_spark = WORK / f"out-local-{args.docs}", WORK / f"out-spark-{args.docs}"
    run_local = json.loads((out_local / "run.json").read_text())
    run_spark = json.loads((out_spark / "run.json").read_text())
    local_s, spark_s = sum(run_local["timings_s"].values()), sum(run_spark["timings_s"].values())
    same = all((out_local / f).read_bytes() == (out_spark / f).read_bytes()
               for f in ("matches.jsonl", "clusters.jsonl", "documents.jsonl", "deduplicated.jsonl"))
    stats = _event_stats(WORK / "eventlog")
    md = _section(args, corpus, local_s, spark_s, float("nan"), run_local["timings_s"], run_spark["timings_s"],
                  stats, run_spark["counts"], same)
    print(md)
    if not args.no_write:
        write_section("spark", md)
    return 0 if same else 1


def _section(args, corpus, local_s, spark_s, startup_s, local_t, spark_t, stats, counts, same) -> str:
    n = args.docs
    mb = corpus.stat().st_size / 1e6
    rows = []
    for stage in ("read", "clean", "analyse", "candidates", "compare", "cluster", "write"):
        s = stats.get(stage, {})
        rows.append(f"| {stage} | {local_t.get(stage, 0):.1f} | {spark_t.get(stage, 0):.1f} | "
                    f"{s.get('run_s', 0):.1f} | {s.get('shuffle_bytes', 0) / 1e6:.1f} | "
                    f"{s.get('spill_bytes', 0) / 1e6:.0f} | {s.get('peak_memory_bytes', 0) / 1e6:.0f} |")
    # Task time (executor run time summed over tasks) includes the Python workers' time, which
    # executor CPU time (JVM threads only) does not: it is the core-seconds a cluster must supply.
    total_cpu = sum(s.get("run_s", 0) for s in stats.values())
    total_shuffle = sum(s.get("shuffle_bytes", 0) for s in stats.values())
    cores = CLUSTER["nodes"] * CLUSTER["cores_per_node"]
    biggest = max((s.get("shuffle_bytes", 0) for s in stats.values()), default=0.0)
    plan = []
    for target in (100_000_000, 1_000_000_000):
        scale = target / n
        cpu_h = total_cpu * scale / 3600
        shuffle_tb = total_shuffle * scale / 1e12
        compute_h = total_cpu * scale / (cores * EFFICIENCY) / 3600
        network_h = total_shuffle * scale / (CLUSTER["nodes"] * SHUFFLE_GBPS_PER_NODE * 1e9) / 3600
        plan.append(f"| {target / 1e6:,.0f}M | {cpu_h:,.0f} | {shuffle_tb:,.1f} | {compute_h + network_h:,.1f} |")
    return f"""## Spark engine: `local[{args.cores}]` against the local engine

{machine_line()} Load average when the section was written: {os.getloadavg()[0]:.1f} on
{os.cpu_count()} cores (a shared machine: other jobs ran throughout, so every time here is an
upper bound, and task times include waiting for a core).

`python benchmarks/spark.py --docs {n} --cores {args.cores} --stages {args.stages}`: the synthetic
corpus of `benchmarks/corpus.py` ({n:,} documents, {mb:,.0f} MB of JSONL), stages
`{args.stages}`, both engines on {args.cores} cores. Outputs identical (`matches`, `clusters`,
`documents`, `deduplicated`): **{'yes' if same else 'NO'}**; {counts.get('matches', 0):,} matches,
{counts.get('copy_clusters', 0):,} copy clusters. {args.note}

| engine | wall time (s) | documents/s |
|---|---:|---:|
| local ({args.cores} processes) | {local_s:.1f} | {n / local_s:,.0f} |
| Spark `local[{args.cores}]`{'' if startup_s != startup_s else f' (+{startup_s:.0f} s JVM start)'} | {spark_s:.1f} | {n / spark_s:,.0f} |

Per stage (Spark measured from its event log; task time is executor run time summed over tasks,
Python workers included; peak memory is the largest of any task's execution memory):

| stage | local (s) | Spark (s) | Spark task time (core-s) | shuffle written (MB) | spilled (MB) | peak task memory (MB) |
|---|---:|---:|---:|---:|---:|---:|
{chr(10).join(rows)}

On one machine Spark costs more than it brings: every stage is a few jobs of a second each
(scheduling, Arrow transfer to Python workers, shuffle files), and the text crosses the
JVM-Python boundary several times. Its use is the corpus that does not fit one machine.

### Scaling plan

Measured here per document: {total_cpu / n * 1000:.2f} ms of task time and
{total_shuffle / n / 1e3:.1f} kB of shuffle. Candidate generation is bounded per document (LSH
bucket window of 64 neighbours, postings capped at `max_df` / `max_key_docs` documents,
`max_candidates_per_doc`), so both grow linearly with the corpus as long as its share of copies
stays near the synthetic corpus's 12 %; a crawl with more duplication compares more pairs (the
compare stage scales with the matches, not the documents). Cluster assumed:
{CLUSTER['nodes']} nodes x {CLUSTER['cores_per_node']} cores, {CLUSTER['memory_gb_per_node']} GB
({cores} cores), {EFFICIENCY:.0%} of the cores busy on average, shuffle at
{SHUFFLE_GBPS_PER_NODE:.2f} GB/s per node.

| documents | task time (core-hours) | shuffle (TB) | expected wall time (h) |
|---|---:|---:|---:|
{chr(10).join(plan)}

Executor memory: 4 cores and 14 GB per executor (`--executor-cores 4 --executor-memory 10g
--conf spark.executor.memoryOverhead=4g`): Python workers hold one Arrow batch each (at most
64 MB, `ARROW_BATCH_BYTES`), the largest per-task state is an LSH bucket partition or one
exact-copy group, bounded by the shuffle partition size. Set `spark.sql.shuffle.partitions`
so that a shuffle partition holds about 100 MB: the candidates stage shuffles the most
({biggest / n / 1e3:.1f} kB per document here, over its five shuffles), so at most
{biggest / n * 1e8 / 1e8:,.0f} partitions at 100M documents and {biggest / n * 1e9 / 1e8:,.0f}
at 1B (a fifth of that is enough for each single shuffle; AQE coalesces the rest). Put `spark.checkpoint.dir` on HDFS or object storage for the connected-components
rounds. Driver: 8 GB (it streams the sorted outputs to one file; for outputs of 1B lines use the
partitioned Parquet outputs instead).
"""


if __name__ == "__main__":
    sys.exit(main())
