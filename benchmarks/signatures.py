"""Signature speed from raw text: copydesk against datasketch, rensa and the hash-once limit.

Every tool turns the same raw texts (the synthetic corpus of :mod:`corpus`) into 128-value MinHash
signatures over word 5-shingles. Texts are in memory before the clock starts; each tool runs on as
many documents as fit in its time budget (slow peers on a prefix of the same list), best of
``repeats`` for the fast ones. The references show how close to the machine's limit we are:

- ``read + xxh3 per document``: encode each text and hash it once as a whole (memory bandwidth).
- ``re + xxh3 per shingle``: lower-case, ``\\w+`` tokens, join every 5-gram, ``xxh3_64`` of each:
  the fastest plain-Python way to hash every shingle once.
- ``copydesk shingle hashing only``: copydesk's vectorised tokeniser and shingle hasher without the
  MinHash step: the numpy floor of the fallback path.
- ``C: tokenise + hash every 5-shingle once``: copydesk's token and shingle hash in C (compiled here
  with gcc -O3, ctypes) without the MinHash step: the compiled floor.

copydesk runs with the kernel it picks by itself (``copydesk.sketch.KERNEL``: the compiled extension
``copydesk._sketch`` where it was built at install, else numpy); the numpy fallback is timed beside
it on the same texts.

Run: ``benchmarks/.venv/bin/python benchmarks/signatures.py --docs 10000``.
"""

from __future__ import annotations

import argparse
import cProfile
import ctypes
import io
import json
import multiprocessing as mp
import os
import pstats
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

NUM_PERM, NGRAM = 128, 5
_WORD = re.compile(r"\w+")


# ---------------------------------------------------------------- tools ---------------------------

def copydesk_1(texts):
    from copydesk.sketch import MinHasher
    return MinHasher(num_perm=NUM_PERM, ngram=NGRAM).signatures(texts)


def copydesk_numpy(texts):
    from copydesk.sketch import MinHasher
    return MinHasher(num_perm=NUM_PERM, ngram=NGRAM, kernel="numpy").signatures(texts)


_SHARED: list[str] = []


def _cd_chunk(bounds):
    from copydesk.sketch import MinHasher
    lo, hi = bounds
    return MinHasher(num_perm=NUM_PERM, ngram=NGRAM).signatures(_SHARED[lo:hi])


_POOL = None


def _start_pool(texts, processes=2):
    global _SHARED, _POOL
    if _POOL is not None and _SHARED is texts:
        return
    if _POOL is not None:
        _POOL.terminate()
    _SHARED = texts
    _POOL = mp.get_context("fork").Pool(processes)
    _POOL.map(_cd_chunk, [(0, 10)] * processes)  # warm the workers' power tables


def _stop_pool():
    global _POOL
    if _POOL is not None:
        _POOL.terminate()
        _POOL = None


def copydesk_2(texts, processes=2, chunk=1000):
    """Two processes over chunks of texts; the pool is started once, before the clock (a job
    starts its workers once), and the workers inherit the texts by fork, as workers reading
    their own shard would; signatures come back pickled."""
    if _POOL is None or _SHARED is not texts:
        _start_pool(texts, processes)
    bounds = [(lo, min(len(texts), lo + chunk)) for lo in range(0, len(texts), chunk)]
    return np.concatenate(_POOL.map(_cd_chunk, bounds))


def copydesk_shingles_only(texts):
    from copydesk.sketch import MinHasher
    from copydesk.text import token_stream
    h = MinHasher(num_perm=NUM_PERM, ngram=NGRAM)
    streams = [token_stream(t) for t in texts]
    total = 0
    lo = 0
    while lo < len(streams):
        hi = min(len(streams), lo + 300)
        hashes, _ = h.shingle_hashes(streams[lo:hi])
        total += len(hashes)
        lo = hi
    return total


def _shingles(text: str) -> list[str]:
    toks = _WORD.findall(text.lower())
    if len(toks) < NGRAM:
        return [" ".join(toks)] if toks else []
    return [" ".join(toks[i:i + NGRAM]) for i in range(len(toks) - NGRAM + 1)]


def datasketch_update_batch(texts):
    from datasketch import MinHash
    out = []
    for t in texts:
        m = MinHash(num_perm=NUM_PERM)
        m.update_batch([s.encode("utf-8") for s in _shingles(t)])
        out.append(m.hashvalues)
    return out


def datasketch_bulk(texts):
    from datasketch import MinHash
    return MinHash.bulk([[s.encode("utf-8") for s in _shingles(t)] for t in texts], num_perm=NUM_PERM)


def rensa_update(texts):
    from rensa import RMinHash
    out = []
    for t in texts:
        m = RMinHash(num_perm=NUM_PERM, seed=42)
        m.update(_shingles(t))
        out.append(m.digest())
    return out


def rensa_bulk(texts):
    from rensa import RMinHash
    return RMinHash.digest_matrix_from_token_sets([_shingles(t) for t in texts], NUM_PERM, 42)


def ref_read_hash_doc(texts):
    import xxhash
    f = xxhash.xxh3_64_intdigest
    return [f(t.encode("utf-8")) for t in texts]


def ref_hash_shingles(texts):
    import xxhash
    f = xxhash.xxh3_64_intdigest
    n = 0
    for t in texts:
        toks = _WORD.findall(t.lower())
        n += len([f(" ".join(toks[i:i + NGRAM]).encode()) for i in range(len(toks) - NGRAM + 1)])
    return n


# ------------------------------------------------------------ hash-once reference ----------------

# copydesk's token and shingle hash without the MinHash step, compiled here: the machine's floor
# for hashing every shingle once. (copydesk's own kernel is the shipped extension copydesk._sketch;
# this reference only bounds it.)
C_SOURCE = r"""
#include <stdint.h>
#include <string.h>
static inline uint64_t mix(uint64_t x) {
    x ^= x >> 30; x *= 0xBF58476D1CE4E5B9ULL; x ^= x >> 27; x *= 0x94D049BB133111EBULL;
    x ^= x >> 31; return x;
}
static inline uint64_t rd64(const unsigned char *p) { uint64_t v; memcpy(&v, p, 8); return v; }
/* Tokens up to 16 bytes as copydesk hashes them (longer ones, rare, are cut to 16 here: a
   reference, not a signature). Needs 8 readable bytes after every token (the caller pads). */
static inline uint64_t token_hash(const unsigned char *s, const unsigned char *e) {
    size_t len = (size_t)(e - s);
    if (len > 16) len = 16;
    uint64_t first = rd64(s);
    if (len < 8) first &= (((uint64_t)1) << (8 * len)) - 1;
    uint64_t last = len > 8 ? rd64(s + len - 8) : 0;
    return mix(first ^ mix(last ^ ((uint64_t)len << 56)));
}
static unsigned char IS_WORD[256];
void init_tables(void) {
    for (int c = 0; c < 256; c++)
        IS_WORD[c] = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c >= 128;
}
uint64_t hash_once(const unsigned char *data, int64_t len, int ngram, const uint64_t *keys) {
    uint64_t ring[16], sink = 0; int64_t ntok = 0;
    const unsigned char *p = data, *end = data + len;
    while (p < end) {
        while (p < end && !IS_WORD[*p]) p++;
        if (p >= end) break;
        const unsigned char *s = p;
        while (p < end && IS_WORD[*p]) p++;
        ring[ntok % ngram] = mix(token_hash(s, p)); ntok++;
        if (ntok >= ngram) {
            uint64_t acc = 0;
            for (int j = 0; j < ngram; j++) acc += ring[(ntok - ngram + j) % ngram] * keys[j];
            sink ^= mix(acc);
        }
    }
    return sink;
}
"""


class HashOnce:
    """The hash-once reference compiled at run time with the system C compiler."""

    def __init__(self, workdir: Path) -> None:
        from copydesk.sketch import MinHasher
        workdir.mkdir(parents=True, exist_ok=True)
        src, lib = workdir / "hash_once.c", workdir / "hash_once.so"
        src.write_text(C_SOURCE)
        cc = os.environ.get("CC", "cc")
        subprocess.run([cc, "-O3", "-shared", "-fPIC", "-o", str(lib), str(src)],
                       check=True, capture_output=True)
        self.lib = ctypes.CDLL(str(lib))
        self.lib.init_tables()
        self.keys = np.ascontiguousarray(MinHasher(num_perm=NUM_PERM, ngram=NGRAM)._position_keys)
        self.cc_version = subprocess.run([cc, "--version"], capture_output=True, text=True).stdout.splitlines()[0]

    def hash_once(self, texts):
        self.lib.hash_once.argtypes = [ctypes.c_char_p, ctypes.c_int64, ctypes.c_int, ctypes.c_void_p]
        self.lib.hash_once.restype = ctypes.c_uint64
        s = 0
        for t in texts:
            b = t.lower().encode("utf-8")
            s ^= self.lib.hash_once(b + bytes(16), len(b), NGRAM, self.keys.ctypes.data)
        return s


# ------------------------------------------------------------ harness ----------------------------

def _cpu_seconds() -> float:
    """CPU time of this process and its live children (the pool's workers)."""
    import psutil
    me = psutil.Process()
    total = time.process_time()  # this process, at clock resolution; children at tick resolution
    for c in me.children(recursive=True):
        try:
            total += sum(c.cpu_times()[:2])
        except psutil.Error:
            pass
    return total


def _time(fn, texts, repeats, with_cpu=False):
    """Best wall seconds of ``repeats`` runs (and, with ``with_cpu``, the CPU seconds of that run)."""
    if fn is copydesk_2:
        _start_pool(texts)  # workers start once per job, outside the clock
    best, best_cpu = float("inf"), float("inf")
    for _ in range(repeats):
        c0 = _cpu_seconds() if with_cpu else 0.0
        t0 = time.perf_counter()
        fn(texts)
        wall = time.perf_counter() - t0
        if with_cpu:
            best_cpu = min(best_cpu, _cpu_seconds() - c0)
        best = min(best, wall)
    return (best, best_cpu) if with_cpu else best


def profile_copydesk(texts) -> tuple[str, dict]:
    """cProfile top functions plus a stage breakdown of MinHasher.signatures (steady state)."""
    from copydesk.sketch import MinHasher
    from copydesk.text import token_stream
    h = MinHasher(num_perm=NUM_PERM, ngram=NGRAM)
    if h.kernel == "c":
        return _profile_c(h, texts)
    top = _cprofile_top(h, texts, 12)
    # Stage breakdown through MinHasher's own methods (robust to changes inside them): each
    # step is timed on the same chunks as signatures() uses, and the nested ones subtracted.
    from copydesk import sketch as sk
    acc: dict[str, float] = {}
    t = time.perf_counter()
    streams = [token_stream(x) for x in texts]
    acc["token_stream (normalise: lower-case for ASCII)"] = time.perf_counter() - t
    chunks, lo, size = [], 0, 0
    for i, st in enumerate(streams):
        size += len(st)
        if size >= getattr(sk, "_CHUNK_BYTES", 1 << 20) or i == len(streams) - 1:
            chunks.append(streams[lo:i + 1])
            lo, size = i + 1, 0
    t_tok = t_sh = t_sig = 0.0
    for c in chunks:
        t = time.perf_counter()
        h.token_hashes(c)
        t_tok += time.perf_counter() - t
        t = time.perf_counter()
        h.shingle_hashes(c)
        t_sh += time.perf_counter() - t
        t = time.perf_counter()
        h._signature_chunk(c)
        t_sig += time.perf_counter() - t
    acc["token_hashes (find words, hash each token)"] = t_tok
    acc["shingle combine (shingle_hashes minus token_hashes)"] = max(0.0, t_sh - t_tok)
    acc["bins, np.minimum.at, densify (_signature_chunk minus shingle_hashes)"] = max(0.0, t_sig - t_sh)
    return top, acc


def _cprofile_top(h, texts, n: int) -> str:
    """The ``n`` functions with the most own time in ``h.signatures(texts)``, after a warm-up."""
    h.signatures(texts[:2000])  # warm the power tables
    pr = cProfile.Profile()
    pr.enable()
    h.signatures(texts)
    pr.disable()
    s = io.StringIO()
    pstats.Stats(pr, stream=s).sort_stats("tottime").print_stats(n)
    return "\n".join(line for line in s.getvalue().splitlines() if line.strip())


def _profile_c(h, texts) -> tuple[str, dict]:
    """The compiled kernel is one call: time it apart from the Python work before it."""
    from copydesk.text import token_stream
    top = _cprofile_top(h, texts, 8)
    t = time.perf_counter()
    streams = [token_stream(x) for x in texts]
    acc = {"token_stream (normalise: lower-case for ASCII)": time.perf_counter() - t}
    t = time.perf_counter()
    h.signatures_of_streams(streams)
    acc["compiled kernel (find words, hash tokens and shingles, MinHash, densify)"] = time.perf_counter() - t
    return top, acc


def versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version
    out = {}
    for name in ("copydesk", "numpy", "xxhash", "datasketch", "rensa", "datatrove"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "absent"
    from copydesk.sketch import KERNEL
    out["copydesk kernel"] = KERNEL
    return out


def run(corpus_dir: Path, n_docs: int, budget: float, workdir: Path, rounds: int = 3, log=sys.stderr) -> dict:
    """Time every tool; ``rounds`` passes over the whole list, best time per tool kept.

    Round-robin rather than one tool after the other: on a shared machine a burst of load then
    hits every tool in some round, instead of one tool in all of its repeats.
    """
    from corpus import read_texts
    _, texts = read_texts(corpus_dir, limit=n_docs)
    mb = [len(t.encode("utf-8")) / 1e6 for t in texts]
    cum_mb = np.cumsum(mb)
    from copydesk.sketch import KERNEL, KERNEL_NOTE
    print(f"  copydesk kernel: {KERNEL} ({KERNEL_NOTE})", file=log)
    same = np.array_equal(copydesk_1(texts[:3000]), copydesk_numpy(texts[:3000]))
    plan = [
        ("copydesk MinHasher.signatures, 1 process", copydesk_1, "copydesk", f"kernel: {KERNEL}"),
        ("copydesk, 2 processes (multiprocessing, chunks of 1,000)", copydesk_2, "copydesk", f"kernel: {KERNEL}"),
        ("copydesk numpy fallback (kernel=\"numpy\"), 1 process", copydesk_numpy, "copydesk",
         f"identical signatures to the default kernel: {same}"),
        ("datasketch MinHash.update_batch per document", datasketch_update_batch, "peer", ""),
        ("datasketch MinHash.bulk", datasketch_bulk, "peer", ""),
        ("rensa RMinHash.update per document (Python shingles)", rensa_update, "peer", ""),
        ("rensa RMinHash.digest_matrix_from_token_sets (bulk)", rensa_bulk, "peer", ""),
        ("read + xxh3_64 of each whole document", ref_read_hash_doc, "reference", ""),
        ("re tokens + xxh3_64 of every 5-shingle (Python)", ref_hash_shingles, "reference", ""),
        ("copydesk shingle hashing only (numpy, no MinHash)", copydesk_shingles_only, "reference", ""),
    ]
    kernel = None
    try:
        kernel = HashOnce(workdir)
        plan.append(("C: tokenise + hash every 5-shingle once (gcc -O3)", kernel.hash_once, "reference", ""))
    except (OSError, subprocess.CalledProcessError) as exc:
        print(f"  compiled hash-once reference skipped: {exc}", file=log)
    sizes: dict[str, int] = {}
    best: dict[str, float] = {}
    best_cpu: dict[str, float] = {}
    load = [os.getloadavg()[0]]
    for rnd in range(rounds):
        for name, fn, kind, note in plan:
            if name not in sizes:
                # Calibrate on a small prefix, then size the run to the time budget.
                probe = texts[: min(200, len(texts))]
                rate = len(probe) / max(_time(fn, probe, 1), 1e-9)
                sizes[name] = int(min(len(texts), max(500, rate * budget)))
            secs, cpu = _time(fn, texts[: sizes[name]], 1, with_cpu=True)
            best[name] = min(best.get(name, float("inf")), secs)
            best_cpu[name] = min(best_cpu.get(name, float("inf")), cpu)
        load.append(os.getloadavg()[0])
        print(f"  round {rnd + 1}/{rounds} done (load average {load[-1]:.1f})", file=log)
    rows = []
    for name, fn, kind, note in plan:
        n, secs = sizes[name], best[name]
        row = {"tool": name, "kind": kind, "docs": n, "seconds": secs, "docs_per_s": n / secs,
               "mb_per_s": float(cum_mb[n - 1]) / secs, "cpu_seconds": best_cpu[name],
               "note": note}
        row["docs_per_cpu_s"] = _per_cpu(row)
        rows.append(row)
        print(f"  {name:45s} {n:7d} docs {secs:7.2f} s {row['docs_per_s']:10.0f} docs/s "
              f"{row['mb_per_s']:7.1f} MB/s", file=log)
    _stop_pool()
    top, stages = profile_copydesk(texts[: min(len(texts), 10_000)])
    return {"rows": rows, "profile_top": top, "stages": stages, "profile_docs": min(len(texts), 10_000),
            "versions": versions(), "cc": kernel.cc_version if kernel else "none", "rounds": rounds,
            "load": load, "mean_chars": float(np.mean([len(t) for t in texts])), "docs_available": len(texts)}


def _per_cpu(row: dict) -> float | None:
    """Docs per CPU-second, where the CPU time is precise enough to mean something: worker
    processes' CPU time is read at 10 ms resolution (too coarse below 0.2 s); this process's at
    clock resolution."""
    cpu = row.get("cpu_seconds")
    if cpu is None:
        return None
    floor = 0.2 if "processes" in row["tool"] else 0.01
    return row["docs"] / cpu if cpu >= floor else None


def _fmt(x, spec):
    return format(x, spec) if x else "–"


def _ratio(a, b):
    return f"{a / b:.1f}" if a and b else "–"


def markdown(res: dict, command: str, machine: str) -> str:
    rows = res["rows"]
    for r in rows:
        r["docs_per_cpu_s"] = _per_cpu(r)
    by = {r["tool"]: r for r in rows}
    cd1 = by["copydesk MinHasher.signatures, 1 process"]["docs_per_s"]
    cd2 = by["copydesk, 2 processes (multiprocessing, chunks of 1,000)"]["docs_per_s"]
    v = res["versions"]
    lines = [
        "## MinHash signatures from raw text",
        "",
        f"{machine}",
        "",
        f"Command: `{command}`. Corpus: synthetic English-like documents (`benchmarks/corpus.py`, "
        f"mean {res['mean_chars']:.0f} characters), 128 permutations, word 5-shingles; texts in memory "
        f"before the clock starts; {res.get('rounds', 1)} rounds over all tools in turn, best time per tool; slow "
        "tools run on a prefix of the same list sized to the time budget. One-minute load average of this "
        f"shared machine during the run: {min(res.get('load', [0])):.1f} to {max(res.get('load', [0])):.1f} "
        "(2 cores: above 2, other work competes; compare ratios, not absolute figures). Versions: " + ", ".join(f"{k} {val}" for k, val in v.items()) + f"; C compiler: {res['cc']}.",
        "",
        "Wall-clock docs/s suffer whatever else runs on the machine; docs per CPU-second (this process and "
        "its workers) much less so, which makes the last column the steadiest comparison.",
        "",
        "| tool | kind | docs | docs/s (wall) | MB/s (wall) | docs per CPU-second | copydesk (1 proc) ÷ tool, wall "
        "| copydesk (2 procs) ÷ tool, wall | copydesk ÷ tool, per CPU-second |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    cd_cpu = by["copydesk MinHasher.signatures, 1 process"].get("docs_per_cpu_s")
    cd2_cpu = by["copydesk, 2 processes (multiprocessing, chunks of 1,000)"].get("docs_per_cpu_s")
    idle2 = 2 * cd2_cpu if cd2_cpu else None
    for r in rows:
        note = f" ({r['note']})" if r["note"] else ""
        per_cpu = r.get("docs_per_cpu_s")
        lines.append(f"| {r['tool']}{note} | {r['kind']} | {r['docs']:,} | {r['docs_per_s']:,.0f} | "
                     f"{r['mb_per_s']:.1f} | " + (f"{per_cpu:,.0f}" if per_cpu else "–") + " | "
                     f"{cd1 / r['docs_per_s']:.2f} | {cd2 / r['docs_per_s']:.2f} | "
                     + (f"{cd_cpu / per_cpu:.2f}" if per_cpu and cd_cpu else "–") + " |")
    ds = by["datasketch MinHash.update_batch per document"]["docs_per_s"]
    rs = max(by["rensa RMinHash.update per document (Python shingles)"]["docs_per_s"],
             by["rensa RMinHash.digest_matrix_from_token_sets (bulk)"]["docs_per_s"])
    ds_cpu = by["datasketch MinHash.update_batch per document"].get("docs_per_cpu_s")
    rs_cpu = max((by[k].get("docs_per_cpu_s") or 0) for k in (
        "rensa RMinHash.update per document (Python shingles)",
        "rensa RMinHash.digest_matrix_from_token_sets (bulk)")) or None
    limit_rows = [r for r in rows if r["tool"].startswith(("re tokens", "C: tokenise"))]
    lim = max(r["docs_per_s"] for r in limit_rows)
    lim_cpu = max((r.get("docs_per_cpu_s") or 0) for r in limit_rows) or None
    npy = by.get('copydesk numpy fallback (kernel="numpy"), 1 process')
    kernel = v.get("copydesk kernel", "numpy")
    if npy and kernel == "c":
        lines += ["", f"copydesk ran with its compiled kernel (`copydesk.sketch.KERNEL == \"c\"`, the extension "
                  "`copydesk._sketch` built by `pip install`); the numpy fallback, used where no C compiler was "
                  "available at install or with `COPYDESK_NO_EXT=1`, computes the same signatures (checked bit for "
                  f"bit on 3,000 documents) at {npy['docs_per_s']:,.0f} docs/s, "
                  f"{cd1 / npy['docs_per_s']:.1f}× slower on one core."]
    elif npy:
        lines += ["", "copydesk ran with its numpy kernel (`copydesk.sketch.KERNEL == \"numpy\"`): the compiled "
                  "extension was not built or was disabled; the copydesk rows and the numpy fallback row are "
                  "the same code."]
    lines += [
        "",
        "Goals (issue 5): ≥ 20,000 docs/s on this machine; > 25× datasketch; > 5× rensa fed from Python; "
        "within 3× of the read-and-hash-once limit.",
        "",
        "| goal | measured (1 process) | measured (2 processes) | met (2 processes) | per CPU-second (1 process) |",
        "|---|---:|---:|---|---:|",
        f"| docs/s ≥ 20,000 | {cd1:,.0f} | {cd2:,.0f} | {'yes' if cd2 >= 20000 else 'no'} | {_fmt(cd_cpu, ',.0f')} |",
        f"| ÷ datasketch ≥ 25 | {cd1 / ds:.1f} | {cd2 / ds:.1f} | {'yes' if cd2 / ds >= 25 else 'no'} | "
        f"{_ratio(cd_cpu, ds_cpu)} |",
        f"| ÷ best rensa ≥ 5 | {cd1 / rs:.1f} | {cd2 / rs:.1f} | {'yes' if cd2 / rs >= 5 else 'no'} | "
        f"{_ratio(cd_cpu, rs_cpu)} |",
        f"| docs/s ≥ 20,000, estimated for an idle machine: 2 × the 2-process run's docs per CPU-second "
        f"| | {_fmt(idle2, ',.0f')} | {'yes' if (idle2 or 0) >= 20000 else 'no'} | |",
        f"| hash-once limit ({lim:,.0f} docs/s, fastest of the hash-every-shingle-once references) ÷ copydesk ≤ 3 "
        f"| {lim / cd1:.1f} | {lim / cd2:.1f} | {'yes' if lim / cd2 <= 3 else 'no'} | "
        f"{_ratio(lim_cpu, cd_cpu)} |",
        "",
        f"### Where copydesk's signature time goes ({res['profile_docs']:,} documents, 1 process, steady state)",
        "",
        "| step | seconds | share |",
        "|---|---:|---:|",
    ]
    tot = sum(res["stages"].values())
    for k, s in sorted(res["stages"].items(), key=lambda kv: -kv[1]):
        lines.append(f"| {k} | {s:.3f} | {s / tot:.0%} |")
    lines += ["", "<details><summary>cProfile, top functions by own time</summary>", "", "```",
              res["profile_top"], "```", "", "</details>"]
    return "\n".join(lines)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", type=Path, required=True)
    ap.add_argument("--docs", type=int, default=10_000)
    ap.add_argument("--budget", type=float, default=4.0, help="seconds per tool, roughly")
    ap.add_argument("--json", type=Path)
    a = ap.parse_args()
    res = run(a.corpus, a.docs, a.budget, HERE / "work")
    if a.json:
        a.json.write_text(json.dumps(res, indent=1))
    print(markdown(res, " ".join(sys.argv), "machine"))
