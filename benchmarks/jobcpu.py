"""The document-level job, copydesk builds side by side with datasketch, interleaved in one sitting.

Each run goes through :func:`nearjob.measure` (CPU of the whole process tree, wall, peak PSS);
the parent's own CPU comes from ``wait4``, the one process every document passes through, so a
change that moves work off it shows even on a loaded machine. A build is a ``src`` folder put
first on ``PYTHONPATH`` (e.g. ``git archive COMMIT src | tar -x -C /tmp/before``, plus the
compiled kernel copied in).

Usage: ``python benchmarks/jobcpu.py CORPUS_DIR ROUNDS before=/tmp/before/src after=src datasketch``
(one JSON line per run on stdout; BENCHMARKS.md, "The document-level job's serial path").
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import nearjob  # noqa: E402


def main(argv: list[str]) -> None:
    corpus, rounds, variants = Path(argv[0]), int(argv[1]), argv[2:]
    work = Path(tempfile.mkdtemp(prefix="jobcpu-"))
    last: dict = {}
    wait4 = os.wait4

    def recording_wait4(pid: int, options: int):  # the root's own rusage, for its CPU
        found = wait4(pid, options)
        if found[0]:
            last["ru"] = found[2]
        return found

    nearjob.os.wait4 = recording_wait4
    for r in range(rounds):
        for variant in variants:
            name, _, src = variant.partition("=")
            out = work / f"out_{name}"
            shutil.rmtree(out, ignore_errors=True)
            if name == "datasketch":
                cmd = [sys.executable, str(HERE / "nearjob.py"), "datasketch", str(corpus), str(out)]
            else:
                cmd = [sys.executable, "-m", "copydesk", "run", str(corpus / "corpus.jsonl"), "-o", str(out),
                       "--stages", "exact,near", "--force", "-q"]
                os.environ["PYTHONPATH"] = str(Path(src).resolve())
            load0 = os.getloadavg()[0]
            res = nearjob.measure(["nice", *cmd], work / f"log_{name}.txt")
            stages = {}
            if (out / "run.json").exists():
                stages = {k: round(v, 2) for k, v in json.loads((out / "run.json").read_text())["timings_s"].items()}
            print(json.dumps({"round": r, "variant": name, "wall": round(res["wall_s"], 2), "cpu": round(res["cpu_s"], 2),
                              "parent_cpu": round(last["ru"].ru_utime + last["ru"].ru_stime, 2), "rc": res["returncode"],
                              "load": [round(load0, 1), round(os.getloadavg()[0], 1)],
                              "peak_mb": round(res["peak_tree_rss_mb"]), "stages": stages}), flush=True)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1:])
