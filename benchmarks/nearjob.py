"""The whole near-duplicate job, copydesk against a datasketch MinHashLSH pipeline and datatrove.

Each tool runs in a child process on the same ``corpus.jsonl`` (from :mod:`corpus`) and writes
its copy clusters; the harness measures wall time and peak memory from outside and scores the
clusters against the planted gold:

- wall time: from process start to exit, including reading the input and writing the output.
- peak memory: the whole process tree, sampled every 20 ms (sum of PSS over the processes, from
  ``/proc/PID/smaps_rollup``: a job that forks two workers is charged for both, shared pages
  once), also its anonymous part (PSS minus file-backed pages such as an mmapped store), and the largest single process's ``ru_maxrss``
  from ``wait4`` (exact, but blind to how many processes were alive at once).
- recall / precision: pair counting on clusters. Gold clusters are an original with its exact
  copies and near-duplicates (excerpts are not duplicates: a tool that merges one with its source
  loses precision). Recall = gold pairs inside one predicted cluster / gold pairs; precision =
  predicted same-cluster pairs that are gold pairs / predicted pairs.

Tools (``python nearjob.py TOOL CORPUS_DIR OUT_DIR`` runs one, as the harness does):

- ``copydesk``: ``copydesk run corpus.jsonl -o OUT --stages exact,near --force -q`` (the CLI, both
  cores, its defaults otherwise); clusters from ``clusters.jsonl`` (kind ``copy``), or from the
  ``exact``/``near_duplicate`` pairs of ``matches.jsonl`` when that is all there is.
- ``datasketch``: the usual pipeline, one process: ``\\w+`` tokens of the lower-cased text, word
  5-shingles, ``MinHash(num_perm=128).update_batch``, ``MinHashLSH(threshold=0.8, num_perm=128)``
  insert then query every document, iterative union-find, keep the first document of each
  cluster; writes the deduplicated JSONL.
- ``datatrove``: its four local MinHash stages with ``MinhashConfig()`` defaults (word 5-grams, 14
  buckets x 8 hashes, threshold about 0.72 by its own docstring), two tasks on two workers for the
  parallel stages; input split into two JSONL shards beforehand (not timed) so both cores get work;
  clusters read back from its ``.clusters`` files.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

_WORD = re.compile(r"\w+")
THRESHOLD, NUM_PERM, NGRAM = 0.8, 128, 5


# The datasketch pipeline clusters with copydesk's union-find (installed in the benchmark venv):
# clustering is not what the comparison measures, and one implementation is enough.
from copydesk.cluster import UnionFind  # noqa: E402


# ------------------------------------------------------------ tools (run in the child) ----------

def run_datasketch(corpus: Path, out: Path) -> None:
    from datasketch import MinHash, MinHashLSH
    ids, texts = [], []
    with open(corpus / "corpus.jsonl") as f:
        for line in f:
            r = json.loads(line)
            ids.append(r["id"])
            texts.append(r["text"])
    sigs = []
    for t in texts:
        toks = _WORD.findall(t.lower())
        sh = {" ".join(toks[i:i + NGRAM]).encode("utf-8") for i in range(max(1, len(toks) - NGRAM + 1))}
        m = MinHash(num_perm=NUM_PERM)
        m.update_batch(list(sh))
        sigs.append(m)
    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
    with lsh.insertion_session() as session:
        for i, m in enumerate(sigs):
            session.insert(i, m)
    uf = UnionFind(len(ids))
    for i, m in enumerate(sigs):
        for j in lsh.query(m):
            if j != i:
                uf.union(i, j)
    groups = uf.groups()
    drop = {i for g in groups for i in sorted(g)[1:]}
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "deduplicated.jsonl", "w") as f:
        for i, (doc_id, t) in enumerate(zip(ids, texts)):
            if i not in drop:
                f.write(json.dumps({"id": doc_id, "text": t}) + "\n")
    with open(out / "clusters.json", "w") as f:
        json.dump([[ids[i] for i in g] for g in groups], f)


def datatrove_shards(corpus: Path, work: Path, n: int = 2) -> Path:
    """Split corpus.jsonl into ``n`` shard files (once) so datatrove's tasks share the work."""
    shard_dir = work / "datatrove_input"
    if (shard_dir / "done").exists():
        return shard_dir
    shard_dir.mkdir(parents=True, exist_ok=True)
    outs = [open(shard_dir / f"{k:05d}.jsonl", "w") for k in range(n)]
    with open(corpus / "corpus.jsonl") as f:
        for i, line in enumerate(f):
            outs[i % n].write(line)
    for g in outs:
        g.close()
    (shard_dir / "done").write_text("")
    return shard_dir


def run_datatrove(corpus: Path, out: Path, shard_dir: Path, tasks: int = 2) -> None:
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.dedup import MinhashDedupSignature
    from datatrove.pipeline.dedup.minhash import (MinhashConfig, MinhashDedupBuckets, MinhashDedupCluster,
                                                  MinhashDedupFilter)
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers.jsonl import JsonlWriter
    cfg = MinhashConfig()
    base = out / "minhash"
    logs = out / "logs"
    reader = JsonlReader(str(shard_dir), glob_pattern="*.jsonl", id_key="id", text_key="text")
    stages = [
        LocalPipelineExecutor(pipeline=[reader, MinhashDedupSignature(output_folder=str(base / "signatures"),
                                                                      config=cfg)],
                              tasks=tasks, workers=tasks, logging_dir=str(logs / "signatures")),
        LocalPipelineExecutor(pipeline=[MinhashDedupBuckets(input_folder=str(base / "signatures"),
                                                            output_folder=str(base / "buckets"), config=cfg)],
                              tasks=cfg.num_buckets, workers=tasks, logging_dir=str(logs / "buckets")),
        LocalPipelineExecutor(pipeline=[MinhashDedupCluster(input_folder=str(base / "buckets"),
                                                            output_folder=str(base / "remove_ids"), config=cfg,
                                                            save_cluster_id=True)],
                              tasks=1, logging_dir=str(logs / "clusters")),
        LocalPipelineExecutor(pipeline=[JsonlReader(str(shard_dir), glob_pattern="*.jsonl", id_key="id",
                                                    text_key="text"),
                                        MinhashDedupFilter(input_folder=str(base / "remove_ids")),
                                        JsonlWriter(str(out / "deduplicated"))],
                              tasks=tasks, workers=tasks, logging_dir=str(logs / "filter")),
    ]
    for st in stages:
        st.run()


def datatrove_clusters(out: Path, shard_dir: Path) -> list[list[str]]:
    shards = sorted(shard_dir.glob("*.jsonl"))
    by_cluster: dict[int, list[str]] = {}
    for rank, shard in enumerate(shards):
        cl = out / "minhash" / "remove_ids" / f"{rank:06d}.clusters"
        if not cl.exists():
            continue
        with open(shard) as f:
            shard_ids = [json.loads(line)["id"] for line in f]
        pairs = np.fromfile(cl, dtype="<u4").reshape(-1, 2)
        for doc, c in pairs.tolist():
            by_cluster.setdefault(c, []).append(shard_ids[doc])
    return [g for g in by_cluster.values() if len(g) > 1]


def copydesk_clusters(out: Path) -> list[list[str]]:
    cl = out / "clusters.jsonl"
    if cl.exists():
        groups = []
        with open(cl) as f:
            for line in f:
                r = json.loads(line)
                if r.get("kind", "copy") == "copy" and len(r.get("members", [])) > 1:
                    groups.append(list(r["members"]))
        return groups
    index: dict[str, int] = {}
    edges = []
    with open(out / "matches.jsonl") as f:
        for line in f:
            r = json.loads(line)
            if r.get("kind") in ("exact", "near_duplicate"):
                edges.append((index.setdefault(r["a"], len(index)), index.setdefault(r["b"], len(index))))
    uf = UnionFind(len(index))
    for a, b in edges:
        uf.union(a, b)
    names = list(index)
    return [[names[i] for i in g] for g in uf.groups()]


# ------------------------------------------------------------ scoring ---------------------------

def gold_clusters(corpus: Path) -> list[list[str]]:
    from corpus import read_gold
    by: dict[str, list[str]] = {}
    for r in read_gold(corpus):
        if r["kind"] in ("exact", "near_duplicate"):
            by.setdefault(r["b"], [r["b"]]).append(r["a"])
    return list(by.values())


def pair_scores(pred: list[list[str]], gold: list[list[str]]) -> dict:
    """Pair-counting precision and recall of predicted clusters against gold clusters."""
    g_of = {d: i for i, g in enumerate(gold) for d in g}
    gold_pairs = sum(len(g) * (len(g) - 1) // 2 for g in gold)
    pred_pairs = tp = 0
    for c in pred:
        pred_pairs += len(c) * (len(c) - 1) // 2
        counts: dict[int, int] = {}
        for d in c:
            if d in g_of:
                counts[g_of[d]] = counts.get(g_of[d], 0) + 1
        tp += sum(n * (n - 1) // 2 for n in counts.values())
    return {"gold_pairs": gold_pairs, "pred_pairs": pred_pairs, "true_pairs": tp,
            "recall": tp / gold_pairs if gold_pairs else 1.0,
            "precision": tp / pred_pairs if pred_pairs else 1.0}


# ------------------------------------------------------------ harness ---------------------------

def measure(cmd: list[str], log_path: Path, timeout: float | None = None) -> dict:
    """Run ``cmd``; wall seconds, peak RSS of the process tree (sampled) and max single-process RSS."""
    import psutil
    t0 = time.perf_counter()
    with open(log_path, "w") as logf:
        proc = subprocess.Popen(cmd, stdout=logf, stderr=subprocess.STDOUT, start_new_session=True)
        ps = psutil.Process(proc.pid)
        peak = peak_anon = 0
        cpu_seen: dict[int, float] = {}
        status = None
        timed_out = False
        while True:
            try:
                pid, status, ru = os.wait4(proc.pid, os.WNOHANG)
            except ChildProcessError:
                break
            if pid:
                break
            total = anon = 0
            for q in [ps, *_children(ps)]:
                pss, pss_anon = _pss(q.pid)
                total += pss
                anon += pss_anon
                try:
                    t = q.cpu_times()
                    cpu_seen[q.pid] = max(cpu_seen.get(q.pid, 0.0), t.user + t.system)
                except psutil.Error:
                    pass
            peak_anon = max(peak_anon, anon)
            peak = max(peak, total)
            if timeout and time.perf_counter() - t0 > timeout and not timed_out:
                timed_out = True
                os.killpg(proc.pid, signal.SIGKILL)  # the tool's workers too
            time.sleep(0.02)
        proc.returncode = os.waitstatus_to_exitcode(status) if status is not None else -1
    wall = time.perf_counter() - t0
    return {"timed_out": timed_out, "wall_s": wall, "peak_tree_rss_mb": peak / 2**20,
            "peak_tree_anon_mb": peak_anon / 2**20,
            # CPU seconds of the whole tree: each process's own user + system time, last seen by
            # the 20 ms sampler (wait4's figure misses workers that a forkserver reaps); the root's
            # own time from wait4, which is exact.
            "cpu_s": sum(v for pid, v in cpu_seen.items() if pid != proc.pid)
            + ((ru.ru_utime + ru.ru_stime) if status is not None else cpu_seen.get(proc.pid, 0.0)), "max_proc_rss_mb": ru.ru_maxrss / 1024,
            "returncode": proc.returncode}


def _pss(pid: int) -> tuple[int, int]:
    """(PSS, anonymous + shared-memory PSS) of one process in bytes, from smaps_rollup.

    PSS splits a page shared by forked workers between them, so summing it over the tree counts
    each page once. It includes file-backed pages (an input or a store read through mmap), which
    the kernel can drop under pressure; the anonymous part is what the job cannot give back.
    """
    pss = anon = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                key, _, rest = line.partition(":")
                if key == "Pss":
                    pss = int(rest.split()[0]) * 1024
                elif key in ("Pss_Anon", "Pss_Shmem"):
                    anon += int(rest.split()[0]) * 1024
    except (OSError, ValueError):
        pass
    return pss, anon


def _children(ps):
    import psutil
    try:
        return ps.children(recursive=True)
    except psutil.Error:
        return []


def tool_command(tool: str, corpus: Path, out: Path, python: str) -> list[str]:
    if tool == "copydesk":
        exe = Path(python).parent / "copydesk"
        return [str(exe), "run", str(corpus / "corpus.jsonl"), "-o", str(out), "--stages", "exact,near",
                "--force", "-q"]
    return [python, str(Path(__file__).resolve()), tool, str(corpus), str(out)]


def run_job(tool: str, corpus: Path, work: Path, timeout: float | None = None, log=sys.stderr) -> dict:
    out = work / f"out_{tool}_{corpus.name}"
    if out.exists():
        shutil.rmtree(out)
    if tool == "datatrove":
        datatrove_shards(corpus, corpus)
    cmd = tool_command(tool, corpus, out, sys.executable)
    load0 = os.getloadavg()[0]
    res = measure(cmd, work / f"log_{tool}_{corpus.name}.txt", timeout)
    res["load"] = [load0, os.getloadavg()[0]]
    res["command"] = " ".join(cmd)
    res["tool"] = tool
    res["docs"] = json.loads((corpus / "summary.json").read_text())["docs"]
    if res["returncode"] != 0:
        res["error"] = (work / f"log_{tool}_{corpus.name}.txt").read_text()[-2000:]
        print(f"  {tool} failed ({res['returncode']}): {res['error'][-400:]}", file=log)
        return res
    if tool == "copydesk":
        pred = copydesk_clusters(out)
        try:
            info = json.loads((out / "run.json").read_text())
            res["stage_seconds"] = info.get("timings_s", {})
            res["lsh_bands_rows"] = info.get("counts", {}).get("lsh_bands_rows")
        except (OSError, ValueError):
            pass
    elif tool == "datatrove":
        pred = datatrove_clusters(out, corpus / "datatrove_input")
    else:
        pred = json.loads((out / "clusters.json").read_text())
    res.update(pair_scores(pred, gold_clusters(corpus)))
    res["clusters"] = len(pred)
    print(f"  {tool:10s} {res['docs']:>9,} docs {res['wall_s']:8.1f} s  tree RSS {res['peak_tree_rss_mb']:7.0f} MB"
          f"  R {res['recall']:.4f}  P {res['precision']:.4f}", file=log)
    shutil.rmtree(out, ignore_errors=True)
    return res


if __name__ == "__main__":
    tool, corpus_dir, out_dir = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    if tool == "datasketch":
        run_datasketch(corpus_dir, out_dir)
    elif tool == "datatrove":
        run_datatrove(corpus_dir, out_dir, corpus_dir / "datatrove_input")
    else:
        raise SystemExit(f"unknown tool {tool}")


# ------------------------------------------------------------ report ----------------------------

def _growth_rows(rows: list[dict]) -> list[str]:
    """Memory growth exponent between the two largest corpora (1 = linear; fixed start-up memory
    would flatter a span that starts at the smallest)."""
    if len({r["docs"] for r in rows}) < 2:
        return []
    rows = sorted(rows, key=lambda r: r["docs"])
    lo, hi = rows[-2], rows[-1]
    span = np.log(hi["docs"] / lo["docs"])
    out = []
    for key, label in (("peak_tree_rss_mb", "PSS"), ("peak_tree_anon_mb", "anonymous")):
        if lo.get(key) and hi.get(key):
            e = float(np.log(hi[key] / lo[key]) / span)
            out.append(f"| memory grows no faster than linearly ({label}, {lo['docs']:,} → {hi['docs']:,}) | "
                       f"exponent {e:.2f} | {'yes' if e <= 1.05 else 'no'} |")
    return out


def markdown(results: list[dict], command: str, machine: str, summaries: dict,
             title: str = "Whole near-duplicate job") -> str:
    from signatures import versions
    v = versions()
    lines = [
        f"## {title}",
        "",
        machine,
        "",
        f"Command: `{command}`" + (" (`--reuse`: rows measured by earlier runs on the same corpus and seed, "
                                    "with the same harness)" if "--reuse" in command else "") + ". Each tool runs in a child process on the same `corpus.jsonl` "
        "(synthetic, `benchmarks/corpus.py`; planted exact copies, near-duplicates with 4-8 word edits "
        "and excerpts, see below); wall time includes reading the input and writing the output. Peak memory: "
        "the whole process tree sampled every 20 ms (sum of PSS, so pages shared by forked workers count "
        "once), its anonymous part (without file-backed pages, e.g. an mmapped document store, which the "
        "kernel can drop) and the largest single process (`ru_maxrss`). Recall / "
        "precision: pair counting on the copy clusters against the planted ones (an original with its "
        "exact copies and near-duplicates; an excerpt merged with its source is a false positive). "
        f"Versions: copydesk {v['copydesk']}, datasketch {v['datasketch']}, datatrove {v['datatrove']}, "
        f"numpy {v['numpy']}.",
        "",
        "- copydesk: `copydesk run corpus.jsonl -o OUT --stages exact,near --force -q` (defaults: "
        "`min_jaccard` 0.8, 128 permutations, word 5-grams, both cores).",
        "- datasketch: one process; `\\w+` tokens of the lower-cased text, word 5-shingles, "
        "`MinHash(num_perm=128).update_batch`, `MinHashLSH(threshold=0.8, num_perm=128)`, insert then "
        "query every document, union-find, one kept per cluster, deduplicated JSONL written "
        "(`benchmarks/nearjob.py datasketch`).",
        "- datatrove: its four local MinHash stages with `MinhashConfig()` defaults (word 5-grams, 14 "
        "bands x 8 hashes: threshold about 0.72), 2 tasks on 2 workers, input pre-split into 2 shards "
        "(not timed); spaCy word tokenizer (its default for English) (`benchmarks/nearjob.py datatrove`).",
        "",
        "The last column is the machine's one-minute load average at the start and end of each run "
        "(2 cores: above 2, other work competed with the tool).",
        "",
        "| docs | tool | wall s | CPU s | docs/s | peak PSS tree MiB | of which anonymous MiB | max process MiB | "
        "recall | precision | wall ÷ copydesk | CPU ÷ copydesk | memory ÷ copydesk | load |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    base = {r["docs"]: r for r in results if r["tool"] == "copydesk" and r.get("returncode") == 0}
    for r in sorted(results, key=lambda r: (r["docs"], r["tool"])):
        if r.get("returncode") != 0:
            lines.append(f"| {r['docs']:,} | {r['tool']} | failed (exit {r.get('returncode')}"
                         f"{', timed out' if r.get('timed_out') else ''}) | | | | | | | | | | | |")
            continue
        b = base.get(r["docs"])
        ratio_w = f"{r['wall_s'] / b['wall_s']:.1f}" if b else ""
        ratio_m = f"{r['peak_tree_rss_mb'] / b['peak_tree_rss_mb']:.1f}" if b else ""
        cpu = f"{r['cpu_s']:.0f}" if r.get("cpu_s") else "–"
        ratio_c = f"{r['cpu_s'] / b['cpu_s']:.1f}" if b and b.get("cpu_s") and r.get("cpu_s") else ""
        lines.append(f"| {r['docs']:,} | {r['tool']} | {r['wall_s']:.1f} | {cpu} | {r['docs'] / r['wall_s']:,.0f} | "
                     f"{r['peak_tree_rss_mb']:,.0f} | "
                     + (f"{r['peak_tree_anon_mb']:,.0f}" if r.get("peak_tree_anon_mb") else "–")
                     + f" | {r['max_proc_rss_mb']:,.0f} | {r['recall']:.4f} | "
                     f"{r['precision']:.4f} | {ratio_w} | {ratio_c} | {ratio_m} | "
                     + ("–".join(f"{x:.1f}" for x in r["load"]) if r.get("load") else "") + " |")
    staged = [r for r in results if r.get("stage_seconds")]
    if staged:
        lines += ["", "copydesk's own stage timings (`run.json`, seconds):", ""]
        for r in sorted(staged, key=lambda r: r["docs"]):
            lines.append(f"- {r['docs']:,} documents: " + ", ".join(f"{k} {v:.1f}" for k, v in r["stage_seconds"].items())
                         + (f"; LSH bands x rows {r['lsh_bands_rows'][0]} x {r['lsh_bands_rows'][1]}"
                            if r.get("lsh_bands_rows") else ""))
    if summaries:
        lines += ["", "Corpora (seed, planted counts, 5-shingle Jaccard of planted pairs on a sample):", "",
                  "| docs | originals | exact | near-duplicates | excerpts | near Jaccard min / mean | "
                  "excerpt Jaccard max | MB |", "|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for n, s in sorted(summaries.items()):
            lines.append(f"| {n:,} | {s['originals']:,} | {s['exact']:,} | {s['near_duplicate']:,} | "
                         f"{s['excerpt']:,} | {s['near_jaccard_min']:.3f} / {s['near_jaccard_mean']:.3f} | "
                         f"{s['excerpt_jaccard_max']:.3f} | {s['bytes'] / 1e6:,.0f} |")
    big = [r for r in results if r["tool"] == "copydesk" and r.get("returncode") == 0]
    if big:
        top = max(big, key=lambda r: r["docs"])
        lines += ["", "Goals (issue 5) at the largest size run for copydesk "
                  f"({top['docs']:,} documents; the goal is stated for 1,000,000):", "",
                  "| goal | measured | met |", "|---|---:|---|",
                  *([f"| wall < 180 s at 1M, lower bound for an idle machine (CPU seconds of the tree ÷ 2 cores; "
                     "the serial parts make the real figure higher) | "
                     f"{top['cpu_s'] / 2:.0f} s at {top['docs']:,} | "
                     f"{'possible (a lower bound)' if top['docs'] >= 1_000_000 and top['cpu_s'] / 2 < 180 else 'no' if top['docs'] >= 1_000_000 else 'not measured at 1M'} |"]
                    if top.get("cpu_s") else []),
                  f"| wall < 180 s at 1M | {top['wall_s']:.1f} s at {top['docs']:,} | "
                  f"{'yes' if top['docs'] >= 1_000_000 and top['wall_s'] < 180 else 'not measured at 1M' if top['docs'] < 1_000_000 else 'no'} |",
                  f"| peak memory < 4 GB at 1M | {top['peak_tree_rss_mb']:,.0f} MiB tree PSS"
                  + (f" ({top['peak_tree_anon_mb']:,.0f} anonymous)" if top.get("peak_tree_anon_mb") else "")
                  + f", {top['max_proc_rss_mb']:,.0f} MiB max process | "
                  f"{'yes' if top['docs'] >= 1_000_000 and top['peak_tree_rss_mb'] < 4000 else 'not measured at 1M' if top['docs'] < 1_000_000 else 'no'}"
                  + (f"; anonymous memory alone: {'yes' if top['peak_tree_anon_mb'] < 4000 else 'no'}"
                     if top.get("peak_tree_anon_mb") and top["docs"] >= 1_000_000 else "") + " |",
                  f"| recall ≥ 0.99 | {top['recall']:.4f} | {'yes' if top['recall'] >= 0.99 else 'no'} |",
                  *_growth_rows(big),
                  f"| precision ≥ 0.99 | {top['precision']:.4f} | {'yes' if top['precision'] >= 0.99 else 'no'} |"]
    return "\n".join(lines)
