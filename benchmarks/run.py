"""copydesk against its peers: signatures, the whole near-duplicate job, quality on real text.

One command (``make bench`` = ``--quick``; ``make bench-full`` = without it). Peers are installed
into their own environment, ``benchmarks/.venv`` (never the repo's), together with copydesk from
this checkout (editable); the script then re-runs itself with that environment's Python, runs
every benchmark and rewrites its sections of BENCHMARKS.md and the plots in
``benchmarks/plots/``. Generated corpora and outputs go to ``benchmarks/work/`` (gitignored).

Modes:
- ``--quick`` (a few minutes on 2 cores): signatures on 10,000 documents; whole job at 10,000
  documents for all three tools, plus 100,000 for copydesk alone; real-text quality on a sample of
  120 originals. Writes the sections ``signatures``, ``nearjob``, ``realtext``.
- fullrun (both modes): the whole default pipeline on realistic news text (benchmarks/fullrun.py),
  at 1,000 and 10,000 articles (quick) or 10,000 / 100,000 / 1,000,000 (full), with and without
  the sentence encoder; sections ``fullrun`` / ``fullrun-full``.
- full: signatures on 100,000 documents; whole job at 10,000 / 100,000 / 1,000,000 (datatrove,
  about 110 documents/s per core, and datasketch are capped by ``--peer-max-docs``, default 100,000,
  and so is any tool whose previous size took longer than ``--max-job-seconds``); real text on all
  originals. Writes ``nearjob-full`` instead of ``nearjob``; ``--reuse`` resumes a long run.

Usage: ``python3 benchmarks/run.py [--quick] [--only signatures,nearjob,realtext]``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import time
import venv
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
VENV = HERE / ".venv"
WORK = HERE / "work"
PLOTS = HERE / "plots"
# Peers, pinned to a major version. datatrove 0.10 hashes with xxhash's str API, removed in
# xxhash 4: hence xxhash<4 here (copydesk accepts 3.4+). datatrove's English word tokenizer is
# spaCy's, its JSONL reader needs orjson, and its dedup module imports regex and tokenizers.
REQUIREMENTS = ["datasketch>=2,<3", "rensa>=0.5,<1", "datatrove>=0.10,<0.11", "xxhash>=3.4,<4",
                "spacy>=3.7,<4", "orjson", "regex", "tokenizers", "matplotlib>=3.8", "psutil>=5.9"]
SECTIONS = ("signatures", "nearjob", "realtext", "fullrun")


def _venv_python() -> Path:
    return VENV / "bin" / "python"


def ensure_venv(log=sys.stderr) -> None:
    """Create benchmarks/.venv and install the peers plus copydesk (editable); idempotent."""
    stamp = hashlib.sha256(("\n".join(REQUIREMENTS) + (REPO / "pyproject.toml").read_text()).encode()).hexdigest()
    marker = VENV / ".installed"
    if marker.exists() and marker.read_text() == stamp:
        return
    if not _venv_python().exists():
        print(f"creating {VENV}", file=log)
        venv.EnvBuilder(with_pip=True).create(VENV)
    pip = [str(_venv_python()), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    print("installing peers: " + " ".join(REQUIREMENTS), file=log)
    subprocess.run(pip + ["--upgrade", "pip"], check=True)
    subprocess.run(pip + REQUIREMENTS + ["-e", str(REPO)], check=True)
    marker.write_text(stamp)


def in_bench_venv() -> bool:
    return Path(sys.prefix).resolve() == VENV.resolve()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="the few-minutes version (make bench)")
    ap.add_argument("--only", default=",".join(SECTIONS), help="comma-separated subset of " + ",".join(SECTIONS))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--sizes", default=None, help="whole-job corpus sizes, e.g. 10000,100000")
    ap.add_argument("--peer-max-docs", type=int, default=100_000,
                    help="largest corpus the peers run on in full mode (datatrove ~110 docs/s/core)")
    ap.add_argument("--max-job-seconds", type=float, default=1800,
                    help="a tool whose run took longer than this is not run on the next size")
    ap.add_argument("--reuse", action="store_true",
                    help="whole job: reuse a measurement already in benchmarks/work/ for the same tool, size "
                         "and seed (to resume a long full run)")
    ap.add_argument("--no-write", action="store_true", help="print the sections instead of writing them")
    ap.add_argument("--fullrun-sizes", default=None, help="corpus sizes of the fullrun section, e.g. 10000,100000")
    args = ap.parse_args(argv)
    if not in_bench_venv():
        ensure_venv()
        os.execv(str(_venv_python()), [str(_venv_python()), str(Path(__file__).resolve()), *sys.argv[1:]])
    sys.path.insert(0, str(HERE))
    from report import machine_line, write_section

    only = [s for s in args.only.split(",") if s]
    mode = "--quick" if args.quick else "full"
    command = "python3 benchmarks/run.py" + (" --quick" if args.quick else "") + \
        (f" --only {args.only}" if args.only != ",".join(SECTIONS) else "") + \
        (f" --sizes {args.sizes}" if args.sizes else "") + (" --reuse" if args.reuse else "")
    WORK.mkdir(parents=True, exist_ok=True)
    PLOTS.mkdir(parents=True, exist_ok=True)
    machine = machine_line()
    out = print if args.no_write else write_section
    t_start = time.perf_counter()

    import corpus
    if "signatures" in only:
        import signatures
        n = 10_000 if args.quick else 100_000
        cdir = corpus.ensure(n, args.seed, WORK)
        print(f"[signatures] {n:,} documents ({mode})", file=sys.stderr)
        res = signatures.run(cdir, n, budget=3.0 if args.quick else 15.0, workdir=WORK)
        (WORK / "signatures.json").write_text(json.dumps(res, indent=1))
        md = signatures.markdown(res, command, machine)
        _plot_signatures(res)
        md += "\n\n![signature throughput](benchmarks/plots/signatures.png)"
        _emit(out, "signatures", md)

    if "nearjob" in only:
        import nearjob
        sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else \
            ([10_000, 100_000] if args.quick else [10_000, 100_000, 1_000_000])
        # Quick and full runs write different sections (and plots), so `make bench` never
        # erases the 1M figures that only `make bench-full` produces.
        section = "nearjob" if args.quick else "nearjob-full"
        results = []
        skip: set[str] = set()
        for n in sizes:
            cdir = corpus.ensure(n, args.seed, WORK)
            for tool in ("copydesk", "datasketch", "datatrove"):
                # Quick: all three tools at 10k, copydesk alone at 100k (a second point for the
                # memory curve); full: peers up to --peer-max-docs.
                cap = (None if tool == "copydesk" else 10_000) if args.quick else \
                    (None if tool == "copydesk" else args.peer_max_docs)
                if tool in skip or (cap is not None and n > cap):
                    continue
                cached = WORK / f"result_{tool}_{cdir.name}.json"
                if args.reuse and cached.exists():
                    r = json.loads(cached.read_text())
                    print(f"[nearjob] {tool} on {n:,} documents: reusing {cached.name}", file=sys.stderr)
                else:
                    print(f"[nearjob] {tool} on {n:,} documents", file=sys.stderr)
                    r = nearjob.run_job(tool, cdir, WORK, timeout=args.max_job_seconds * 2)
                    cached.write_text(json.dumps(r))
                results.append(r)
                if r["wall_s"] > args.max_job_seconds:
                    skip.add(tool)
        (WORK / f"{section}.json").write_text(json.dumps(results, indent=1))
        md = nearjob.markdown(results, command, machine, corpus_summaries(sizes, args.seed),
                              title="Whole near-duplicate job" + ("" if args.quick else " (full: 10k / 100k / 1M)"))
        if _plot_nearjob(results, PLOTS / f"{section}.png"):
            md += f"\n\n![whole-job wall time and peak memory](benchmarks/plots/{section}.png)"
        _emit(out, section, md)

    if "realtext" in only:
        import realtext
        # Quick mode: a sample of 120 originals (copydesk's later stages take minutes on all 242).
        res = realtext.run(WORK / "realtext", seed=args.seed, timeout=420 if args.quick else 2400,
                           max_originals=120 if args.quick else None)
        (WORK / "realtext.json").write_text(json.dumps(res, indent=1))
        _emit(out, "realtext", realtext.markdown(res, command, machine))
    if "fullrun" in only:
        # The whole default pipeline on realistic news (issue 14): quick at 1,000 and 10,000
        # articles (two sizes for the growth exponent), full to a million.
        import fullrun
        sizes = [int(s) for s in args.fullrun_sizes.split(",")] if args.fullrun_sizes else \
            ([1_000, 10_000] if args.quick else [10_000, 100_000, 1_000_000])
        results = []
        for n in sizes:
            cdir = fullrun.ensure(n, args.seed, WORK)
            for label in ("default", "lexical"):
                print(f"[fullrun] {label} on {n:,} articles", file=sys.stderr)
                results.append(fullrun.run_copydesk(cdir, WORK, label, ["--rewrite-model", "none"]
                                                    if label == "lexical" else []))
        (WORK / ("fullrun.json" if args.quick else "fullrun-full.json")).write_text(json.dumps(results, indent=1))
        _emit(out, "fullrun" if args.quick else "fullrun-full", fullrun.markdown(results, command, machine))
    print(f"done in {time.perf_counter() - t_start:.0f} s", file=sys.stderr)
    return 0


def corpus_summaries(sizes, seed):
    import corpus
    out = {}
    for n in sizes:
        p = WORK / f"synthetic_{n}_s{seed}_{corpus.CORPUS_VERSION}" / "summary.json"
        if p.exists():
            out[n] = json.loads(p.read_text())
    return out


def _emit(out, name, md):
    if out is print:
        print(md)
    else:
        out(name, md)


def _plot_signatures(res: dict) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    from signatures import _per_cpu
    rows = [r for r in res["rows"] if not r["tool"].startswith("read + xxh3")]  # off the scale
    for r in rows:
        r["docs_per_cpu_s"] = _per_cpu(r)
    rows.sort(key=lambda r: r.get("docs_per_cpu_s") or r["docs_per_s"])
    colours = {"copydesk": "tab:blue", "peer": "tab:orange", "reference": "tab:grey", "compiled": "tab:green"}
    y = np.arange(len(rows))
    fig, ax = plt.subplots(figsize=(11, 5))
    ax.barh(y + 0.2, [r.get("docs_per_cpu_s") or 0 for r in rows], height=0.4,
            color=[colours[r["kind"]] for r in rows], label="per CPU-second (steady under load)")
    ax.barh(y - 0.2, [r["docs_per_s"] for r in rows], height=0.4, color=[colours[r["kind"]] for r in rows],
            alpha=0.35, label="per wall-clock second")
    ax.set_yticks(y, [r["tool"] for r in rows], fontsize=8)
    ax.axvline(20_000, color="red", linestyle="--", linewidth=1, label="goal: 20,000 docs/s")
    ax.set_xscale("log")
    ax.set_xlabel("documents per second, log scale (3,000-character documents; higher is better)")
    load = res.get("load") or [0.0]
    ax.set_title(f"MinHash signatures from raw text (128 perm., word 5-shingles); "
                 f"load average {min(load):.0f}-{max(load):.0f} on 2 cores", fontsize=10)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(PLOTS / "signatures.png", dpi=110)
    plt.close(fig)


def _plot_nearjob(results: list[dict], path: Path) -> bool:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    ok = [r for r in results if r.get("returncode") == 0]
    if not ok:
        return False
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    for tool, colour in (("copydesk", "tab:blue"), ("datasketch", "tab:orange"), ("datatrove", "tab:purple")):
        rs = sorted((r for r in ok if r["tool"] == tool), key=lambda r: r["docs"])
        if not rs:
            continue
        x = [r["docs"] for r in rs]
        ax1.plot(x, [r["wall_s"] for r in rs], "o-", color=colour, label=tool)
        ax2.plot(x, [r["peak_tree_rss_mb"] for r in rs], "o-", color=colour, label=f"{tool} (PSS)")
        anon = [(r["docs"], r["peak_tree_anon_mb"]) for r in rs if r.get("peak_tree_anon_mb")]
        if anon:
            ax2.plot([a for a, _ in anon], [m for _, m in anon], "s--", color=colour, alpha=0.6,
                     label=f"{tool} (anonymous)")
    for ax, label in ((ax1, "wall time (s)"), (ax2, "peak memory of the process tree, PSS (MiB)")):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("documents")
        ax.set_ylabel(label)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    xs = sorted({r["docs"] for r in ok})
    if len(xs) > 1:
        base = min((r for r in ok if r["tool"] == "copydesk"), key=lambda r: r["docs"], default=None)
        if base:
            ax2.plot(xs, [base["peak_tree_rss_mb"] * x / base["docs"] for x in xs], ":", color="grey",
                     label="linear from copydesk's smallest")
            ax2.legend()
    fig.suptitle("Whole near-duplicate job (exact + near, clusters, output)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


if __name__ == "__main__":
    sys.exit(main())
