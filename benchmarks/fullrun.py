"""The whole default pipeline on realistic news text, per stage, from 10,000 to 1,000,000 articles.

Corpus (:func:`generate`): every word is real news text from ``../shared/data``; nothing is
drawn from a synthetic vocabulary.

- Sentence pool: the article bodies of the Scrapinghub article-extraction ground truth and of
  the CleanPortalEval gold standard (tags stripped), split into sentences, plus every MSRP
  sentence (news sentences from 2004).
- Original articles: 8 to 30 sentences in paragraphs of 1 to 4, each sentence a walk through
  the pool that follows a real sentence and jumps, after a word, to another sentence holding
  the same word (a bigram walk over real text; runs of about 3 words), so that a million
  articles are distinct texts whose words, word pairs, names, numbers and punctuation (curly
  quotes, dashes, accents) are the real ones. (Recombining whole sentences instead makes every
  sentence recur in hundreds of articles at 1M, a shared-passage structure real news lacks.)
  Each has a source (one of 2,000 sites, whose two furniture lines it carries) and a date.
- About 10 % derived articles, each with its gold pair (kind, original): ``exact`` copies on
  another site; ``near_duplicate`` light edits (a few words dropped or changed, different
  furniture); ``excerpt`` (the first 30-60 % of the paragraphs, under another site's furniture;
  corpus version f2 appended 3 to 7 new paragraphs, which makes most of them shared passages);
  ``shared_passages`` (two paragraphs of the original inside a new article); ``rewrite``
  (originals made of MSRP sentences that have a paraphrase, each replaced by its MSRP
  paraphrase: a human rewording of every sentence).

Run (:func:`run`): ``copydesk run corpus.jsonl -o OUT --force -q`` with every default (all
stages, ``rewrite.model = auto``, both cores), in a child process. The harness samples the
process tree every 50 ms (CPU time of every process plus what reaped children left in their
parent, and PSS), and attributes the CPU to stages by the stage boundaries the run records in
``run.json`` (``stage_marks``). Quality: recall of the gold pairs (found with the planted kind,
and found at all), and the number of matches outside the gold.

Usage:
    python benchmarks/fullrun.py --sizes 10000            # one size (written to benchmarks/work/)
    python benchmarks/fullrun.py --sizes 2000,10000 --no-write
    python benchmarks/run.py --quick --only fullrun        # as make bench does (10k)
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DATA = REPO.parent / "shared" / "data"
WORK = HERE / "work"
CORPUS_VERSION = "f3"

# Shares of derived documents per kind (about 10 % of the corpus in all).
RATES = {"exact": 0.02, "near_duplicate": 0.02, "excerpt": 0.02, "shared_passages": 0.015, "rewrite": 0.025}
N_SOURCES = 2000
# Chance of jumping to another occurrence of the current word after each word of a walked
# sentence (see _Writer.sentence): 0.35 gives runs of about 3 words, so 5-word shingles recur
# across unrelated articles about as rarely as in real news.
JUMP = 0.35

_SENT = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"”’']))\s+(?=[\"“‘']?[A-Z0-9])")


# ------------------------------------------------------------------ the real text ---------------

def _scrapinghub(data: Path) -> list[str]:
    d = json.loads((data / "scrapinghub_article_extraction_benchmark" / "ground-truth.json").read_text())
    return [v["articleBody"] for v in d.values() if v.get("articleBody")]


def _cleanportal(data: Path) -> list[str]:
    out = []
    for p in sorted((data / "cleanportaleval" / "GoldStandard").glob("*.txt")):
        raw = p.read_text(errors="replace")
        paras = []
        for block in re.split(r"<(?:p|h|l)>", raw):
            block = re.sub(r"^URL:.*$", "", block, flags=re.M)
            text = html.unescape(" ".join(block.split())).replace("\ufeff", "")
            if text:
                paras.append(text)
        out.append("\n\n".join(paras))
    return out


def _msrp(data: Path) -> tuple[list[str], list[tuple[str, str]]]:
    sentences, pairs = [], []
    for name in ("msr_paraphrase_train.txt", "msr_paraphrase_test.txt"):
        lines = (data / "msrp" / name).read_text(encoding="utf-8-sig").splitlines()[1:]
        for line in lines:
            q, _, _, s1, s2 = line.split("\t")
            sentences += [s1, s2]
            if q == "1":
                pairs.append((s1, s2))
    return sentences, pairs


def sentence_pool(data: Path = DATA) -> tuple[list[str], list[tuple[str, str]]]:
    """Real sentences (article bodies and MSRP, deduplicated) and MSRP paraphrase pairs."""
    pool = []
    for body in _scrapinghub(data) + _cleanportal(data):
        for para in re.split(r"\n+", body):
            for s in _SENT.split(para.strip()):
                if 30 <= len(s) <= 400:
                    pool.append(s.strip())
    msrp_sentences, pairs = _msrp(data)
    pool += msrp_sentences
    return list(dict.fromkeys(pool)), pairs


# ------------------------------------------------------------------ the corpus ------------------

class _Writer:
    def __init__(self, pool: list[str], pairs: list[tuple[str, str]], seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.pool = pool
        self.words = [s.split() for s in pool]
        # The pool as one token stream, with where each sentence starts and each word occurs.
        self.tokens = [w for s in self.words for w in s]
        lengths = np.array([len(s) for s in self.words])
        self.starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        self.ends = set(np.cumsum(lengths).tolist())
        where: dict[str, list[int]] = {}
        for k, w in enumerate(self.tokens):
            where.setdefault(w.lower(), []).append(k)
        self.where = {w: np.array(v) for w, v in where.items() if len(v) > 1}
        self.pairs = pairs
        sites = [f"{w.lower()}{k}" for k, w in enumerate(self.rng.choice(
            [w.strip(".,;:\"'“”’") for s in self.words[:3000] for w in s if w.isalpha() and len(w) > 4],
            size=N_SOURCES))]
        self.sites = [f"{s}.example" for s in sites]
        # Two furniture lines per site (a masthead and a footer), real sentences too.
        self.furniture = [(f"{site} | {pool[int(self.rng.integers(len(pool)))][:60]}",
                           f"© 2024 {site}. {pool[int(self.rng.integers(len(pool)))][:80]}") for site in self.sites]

    def sentence(self) -> str:
        """A sentence walked through the pool: it follows one real sentence and, after each word,
        jumps with probability ``JUMP`` to another place in the pool where that word occurs (a
        bigram walk over real text), so that a million articles share no more long word runs
        than real reporting does (at a run length of 1 / JUMP words on average)."""
        rng, toks = self.rng, self.tokens
        p = int(self.starts[int(rng.integers(len(self.starts)))])
        out = []
        while True:
            word = toks[p]
            out.append(word)
            if (word[-1] in ".!?" and len(out) >= 8) or len(out) >= 45 or p + 1 >= len(toks):
                break
            if rng.random() < JUMP:
                occ = self.where.get(word.lower())
                if occ is not None and len(occ) > 1:
                    p = int(occ[int(rng.integers(len(occ)))])
            p += 1
            if p in self.ends:  # ran off the end of a sentence without a full stop
                break
        text = " ".join(out)
        return text if text[-1] in ".!?\"”" else text + "."

    def paragraphs(self, n_sentences: int) -> list[str]:
        rng, out, left = self.rng, [], n_sentences
        while left > 0:
            k = min(left, int(rng.integers(1, 5)))
            out.append(" ".join(self.sentence() for _ in range(k)))
            left -= k
        return out

    def rewrite_pair(self) -> tuple[list[str], list[str]]:
        rng = self.rng
        idx = rng.choice(len(self.pairs), size=int(rng.integers(8, 18)), replace=False)
        orig, new = [], []
        for k in range(0, len(idx), 3):
            group = idx[k : k + 3]
            orig.append(" ".join(self.pairs[i][0] for i in group))
            new.append(" ".join(self.pairs[i][1] for i in group))
        return orig, new

    def render(self, site: int, paras: list[str]) -> str:
        head, foot = self.furniture[site]
        return "\n\n".join([head, *paras, foot])


def _light_edit(rng: np.random.Generator, paras: list[str]) -> list[str]:
    out = []
    for p in paras:
        words = p.split()
        for _ in range(max(1, len(words) // 60)):
            k = int(rng.integers(len(words)))
            if rng.random() < 0.5:
                del words[k]
            else:
                words[k] = words[k].upper() if rng.random() < 0.5 else words[k] + ","
        out.append(" ".join(words))
    return out


def generate(n_docs: int, seed: int, out: Path, data: Path = DATA, log=sys.stderr) -> Path:
    """Write ``corpus.jsonl``, ``gold.jsonl`` and ``summary.json`` for ``n_docs`` articles into ``out``."""
    t0 = time.perf_counter()
    pool, pairs = sentence_pool(data)
    w = _Writer(pool, pairs, seed)
    rng = w.rng
    out.mkdir(parents=True, exist_ok=True)
    n_derived = {k: int(round(r * n_docs)) for k, r in RATES.items()}
    n_orig = n_docs - sum(n_derived.values())
    # Which originals a derived document comes from; rewrites come from their own originals
    # (made of MSRP sentences with a paraphrase), planted among the others.
    rewrite_sources = set(rng.choice(n_orig, size=n_derived["rewrite"], replace=False).tolist())
    derive = [(kind, int(rng.integers(n_orig))) for kind in ("exact", "near_duplicate", "excerpt", "shared_passages")
              for _ in range(n_derived[kind])]
    derive += [("rewrite", s) for s in sorted(rewrite_sources)]
    by_source: dict[int, list[str]] = {}
    for kind, src in derive:
        by_source.setdefault(src, []).append(kind)
    day0 = np.datetime64("2024-01-01")
    docs, gold = 0, []
    order = rng.permutation(n_docs)  # ids in random order, so reading order says nothing

    def doc_id(k: int) -> str:
        return f"d{int(order[k]):07d}"

    with open(out / "corpus.jsonl", "w", encoding="utf-8") as f, open(out / "gold.jsonl", "w") as g:
        def emit(paras: list[str], site: int, day: np.datetime64) -> str:
            nonlocal docs
            did = doc_id(docs)
            docs += 1
            f.write(json.dumps({"id": did, "text": w.render(site, paras), "source": w.sites[site],
                                "published": str(day)}, ensure_ascii=False) + "\n")
            return did

        for o in range(n_orig):
            site = int(rng.integers(N_SOURCES))
            day = day0 + np.timedelta64(int(rng.integers(365)), "D")
            if o in rewrite_sources:
                paras, reworded = w.rewrite_pair()
            else:
                paras = w.paragraphs(int(rng.integers(8, 31)))
            oid = emit(paras, site, day)
            for kind in by_source.get(o, []):
                other = int(rng.integers(N_SOURCES))
                when = day + np.timedelta64(int(rng.integers(3)), "D")
                if kind == "exact":
                    head, foot = w.furniture[site]
                    did = doc_id(docs)
                    docs += 1
                    f.write(json.dumps({"id": did, "text": w.render(site, paras), "source": w.sites[other],
                                        "published": str(when)}, ensure_ascii=False) + "\n")
                elif kind == "near_duplicate":
                    did = emit(_light_edit(rng, paras), other, when)
                elif kind == "excerpt":
                    k = max(1, int(len(paras) * rng.uniform(0.3, 0.6)))
                    did = emit(paras[:k], other, when)
                elif kind == "shared_passages":
                    k = int(rng.integers(max(1, len(paras) - 2)))
                    fresh = w.paragraphs(int(rng.integers(8, 20)))
                    at = int(rng.integers(len(fresh) + 1))
                    did = emit(fresh[:at] + paras[k : k + 2] + fresh[at:], other, when)
                else:  # rewrite
                    did = emit(reworded, other, when)
                a, b = sorted((oid, did))
                g.write(json.dumps({"a": a, "b": b, "kind": kind}) + "\n")
                gold.append(kind)
    summary = {"docs": docs, "seed": seed, "version": CORPUS_VERSION, "pool_sentences": len(pool),
               "msrp_paraphrase_pairs": len(pairs), "gold_pairs": {k: gold.count(k) for k in RATES},
               "bytes": (out / "corpus.jsonl").stat().st_size,
               "non_ascii_chars_per_doc": _non_ascii(out / "corpus.jsonl")}
    (out / "summary.json").write_text(json.dumps(summary, indent=1))
    print(f"[fullrun] corpus of {docs:,} articles in {time.perf_counter() - t0:.0f} s", file=log)
    return out


def _non_ascii(path: Path, lines: int = 2000) -> float:
    total = n = 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            text = json.loads(line)["text"]
            total += sum(1 for c in text if ord(c) > 127)
            n += 1
            if n == lines:
                break
    return round(total / max(n, 1), 1)


_ASCII = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "…": "...", "\u00a0": " ",
                        "©": "c"})


def asciified(src: Path, dst: Path) -> Path:
    """The same corpus folder with every text made ASCII (quotes, dashes, accents folded):
    the reference the Unicode gate compares with (text lengths change by under 1 %)."""
    dst.mkdir(parents=True, exist_ok=True)
    with open(src / "corpus.jsonl", encoding="utf-8") as f, open(dst / "corpus.jsonl", "w") as g:
        for line in f:
            r = json.loads(line)
            t = unicodedata.normalize("NFKD", r["text"].translate(_ASCII))
            r["text"] = t.encode("ascii", "ignore").decode()
            g.write(json.dumps(r) + "\n")
    for name in ("gold.jsonl", "summary.json"):
        shutil.copy(src / name, dst / name)
    return dst


def ensure(n_docs: int, seed: int, root: Path = WORK, log=sys.stderr) -> Path:
    folder = root / f"news_{n_docs}_s{seed}_{CORPUS_VERSION}"
    if not (folder / "summary.json").exists():
        generate(n_docs, seed, folder, log=log)
    return folder


# ------------------------------------------------------------------ measuring -------------------

_TICK = os.sysconf("SC_CLK_TCK")


def _tree_sample(root: int) -> tuple[float, int]:
    """(CPU seconds, PSS bytes) of ``root`` and all its descendants, from /proc."""
    parent: dict[int, int] = {}
    stats: dict[int, list[str]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                raw = f.read()
        except OSError:
            continue
        fields = raw[raw.rfind(")") + 2 :].split()
        parent[int(entry)] = int(fields[1])
        stats[int(entry)] = fields
    tree, frontier = {root}, [root]
    while frontier:
        p = frontier.pop()
        for c, pp in parent.items():
            if pp == p and c not in tree:
                tree.add(c)
                frontier.append(c)
    cpu = 0.0
    pss = 0
    for pid in tree:
        fields = stats.get(pid)
        if not fields:
            continue
        # utime, stime, cutime, cstime: a reaped worker's time moves into its parent's c-fields.
        cpu += sum(int(x) for x in fields[11:15]) / _TICK
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        pss += int(line.split()[1]) * 1024
                        break
        except OSError:
            pass
    return cpu, pss


def measure(cmd: list[str], log_path: Path, env: dict | None = None, period: float = 0.05) -> dict:
    """Run ``cmd``; wall, CPU (whole tree, exact at exit via wait4), peak PSS, and a CPU series."""
    t0 = time.time()
    series = []
    peak = 0
    with open(log_path, "w") as logf:
        proc = subprocess.Popen(cmd, stdout=logf, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        while True:
            pid, status, ru = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            cpu, pss = _tree_sample(proc.pid)
            series.append((time.time(), cpu))
            peak = max(peak, pss)
            time.sleep(period)
    wall = time.time() - t0
    cpu_total = ru.ru_utime + ru.ru_stime
    # Workers reaped by the pool before exit are in ru (children of the root are waited for);
    # the last sample can only be lower.
    cpu_total = max(cpu_total, series[-1][1] if series else 0.0)
    return {"returncode": os.waitstatus_to_exitcode(status), "wall_s": wall, "cpu_s": cpu_total,
            "peak_mb": peak / 2**20, "max_proc_rss_mb": ru.ru_maxrss / 1024, "t0": t0, "series": series}


def _cpu_at(series: list[tuple[float, float]], t: float) -> float:
    if not series:
        return 0.0
    times = [s[0] for s in series]
    k = int(np.searchsorted(times, t))
    if k == 0:
        return series[0][1]
    if k >= len(series):
        return series[-1][1]
    (ta, ca), (tb, cb) = series[k - 1], series[k]
    return ca + (cb - ca) * (t - ta) / max(tb - ta, 1e-9)


def score(out: Path, corpus: Path) -> dict:
    """Recall of the planted pairs (with their kind, and at all) and matches outside the gold."""
    gold = {}
    with open(corpus / "gold.jsonl") as f:
        for line in f:
            r = json.loads(line)
            gold[(r["a"], r["b"])] = r["kind"]
    found: dict[tuple[str, str], str] = {}
    kinds: dict[str, int] = {}
    with open(out / "matches.jsonl") as f:
        for line in f:
            r = json.loads(line)
            found[(r["a"], r["b"])] = r["kind"]
            kinds[r["kind"]] = kinds.get(r["kind"], 0) + 1
    per_kind = {}
    for kind in RATES:
        pairs = [p for p, k in gold.items() if k == kind]
        if not pairs:
            continue
        hit = sum(1 for p in pairs if p in found)
        same = sum(1 for p in pairs if found.get(p) == kind)
        per_kind[kind] = {"gold": len(pairs), "found": hit / len(pairs), "as_kind": same / len(pairs),
                          "kinds": _count(found.get(p, "missed") for p in pairs)}
    return {"recall": per_kind, "matches": len(found), "matches_by_kind": kinds,
            "outside_gold": sum(1 for p in found if p not in gold)}


def _count(values) -> dict[str, int]:
    out: dict[str, int] = {}
    for v in values:
        out[v] = out.get(v, 0) + 1
    return out


STAGES = ("read", "clean", "analyse", "candidates", "compare", "cluster", "write")


def run_copydesk(corpus: Path, work: Path, label: str, extra: list[str] = (), python: str = sys.executable,
                 log=sys.stderr) -> dict:
    """One default run of copydesk's CLI on ``corpus``; per-stage wall and CPU, counts, quality."""
    out = work / f"out_fullrun_{label}_{corpus.name}"
    if out.exists():
        shutil.rmtree(out)
    cmd = [python, "-m", "copydesk.cli", "run", str(corpus / "corpus.jsonl"), "-o", str(out), "--force", "-q",
           *extra]
    env = dict(os.environ)
    if label.startswith("main"):
        # The same run with /work/main's code (the editable install), for a before/after ratio.
        env.pop("PYTHONPATH", None)
    load0 = os.getloadavg()[0]
    res = measure(cmd, work / f"log_fullrun_{label}_{corpus.name}.txt", env)
    res.update({"label": label, "docs": json.loads((corpus / "summary.json").read_text())["docs"],
                "command": " ".join(cmd[2:]), "load": [load0, os.getloadavg()[0]]})
    if res["returncode"] != 0:
        res["error"] = (work / f"log_fullrun_{label}_{corpus.name}.txt").read_text()[-2000:]
        print(f"  {label} failed: {res['error'][-600:]}", file=log)
        res.pop("series")
        return res
    info = json.loads((out / "run.json").read_text())
    marks = info.get("stage_marks", {})
    res["stage_wall_s"] = info.get("timings_s", {})
    res["stage_cpu_s"] = {s: round(_cpu_at(res["series"], e) - _cpu_at(res["series"], b), 2)
                          for s, (b, e) in marks.items()}
    if marks:
        first = min(b for b, _ in marks.values())
        res["stage_cpu_s"]["start-up"] = round(_cpu_at(res["series"], first), 2)
    counts = info.get("counts", {})
    res["counts"] = {k: counts.get(k) for k in ("near_candidates", "passage_candidates", "story_candidates",
                                                "pairs_compared", "matches_by_kind", "encoded_sentences",
                                                "encoder_pairs")}
    res["model"] = info.get("config", {}).get("rewrite", {}).get("model")
    res.update(score(out, corpus))
    res.pop("series")
    shutil.rmtree(out, ignore_errors=True)
    print(f"  {label:>14s} {res['docs']:>9,} docs {res['wall_s']:8.1f} s wall {res['cpu_s']:8.1f} CPU-s "
          f"peak {res['peak_mb']:6.0f} MB  stages CPU {res['stage_cpu_s']}", file=log)
    return res


class CountingEncoder:
    """Stands in for the sentence encoder to count the work the cascade leaves to it: distinct
    sentences that would be encoded (the real encoder caches each), and document pairs. Returns
    hashed bags of words (the scorer fitted for mpnet reads their cosine), so no model runs."""

    name = "mpnet"
    dim = 256

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self.calls = 0

    def encode(self, sentences):
        import zlib
        self.calls += 1
        self.seen.update(sentences)
        out = np.zeros((len(sentences), self.dim), dtype=np.float32)
        for k, s in enumerate(sentences):
            for w in re.findall(r"\w+", s.lower()):
                out[k, zlib.crc32(w.encode()) % self.dim] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms > 0, norms, 1.0)


def cascade_counts(corpus: Path, work: Path) -> dict:
    """Sentences the encoder must encode on ``corpus``'s candidate pairs, with the cascade and
    without it (every compared pair's sentences, as before issue 14): one process, in this
    process, with :class:`CountingEncoder` in place of the model."""
    from dataclasses import replace

    import copydesk.pipeline as pipeline
    import copydesk.semantic.cascade as cascade
    from copydesk.config import Config

    out = {}
    real = cascade.needs_encoder
    for label, gate in (("cascade", real), ("every pair", lambda *a: True)):
        enc = CountingEncoder()
        cascade.needs_encoder = gate
        original = pipeline.Models.encoder
        pipeline.Models.encoder = lambda self, config: enc
        try:
            cfg = Config()
            cfg = replace(cfg, processes=1, rewrite=replace(cfg.rewrite, model="mpnet"))
            t0 = time.process_time()
            r = pipeline.find_reuse([corpus / "corpus.jsonl"], work / "out_cascade_counts", cfg, force=True)
            out[label] = {"sentences": len(enc.seen), "pairs_encoded": enc.calls // 2,
                          "pairs_compared": r.counts.get("pairs_compared"), "cpu_s": time.process_time() - t0}
        finally:
            cascade.needs_encoder = real
            pipeline.Models.encoder = original
    shutil.rmtree(work / "out_cascade_counts", ignore_errors=True)
    return out


# ------------------------------------------------------------------ report ----------------------

def _exponent(rows: list[dict], key) -> str:
    rs = sorted(rows, key=lambda r: r["docs"])
    if len(rs) < 2:
        return "–"
    lo, hi = rs[-2], rs[-1]
    a, b = key(lo), key(hi)
    if not a or not b or a <= 0 or b <= 0:
        return "–"
    return f"{np.log(b / a) / np.log(hi['docs'] / lo['docs']):.2f}"


def markdown(results: list[dict], command: str, machine: str) -> str:
    ok = [r for r in results if r.get("returncode") == 0]
    lines = ["## Whole default pipeline on realistic news (issue 14)", "",
             f"`{command}`; {machine}.", "",
             "Corpus: real sentences of the Scrapinghub and CleanPortalEval article bodies and MSRP, "
             "recombined into distinct articles (bigram walks over the real sentences), "
             "about 10 % derived articles with gold pairs (exact, near-duplicate, excerpt, shared "
             "passages, and rewrites made of MSRP paraphrases). `copydesk run corpus.jsonl -o OUT` with every "
             "default (all stages, `rewrite.model = auto`), both cores. CPU is the whole process tree's, "
             "attributed to stages by the boundaries in `run.json`; peak is the tree's PSS.", ""]
    labels = sorted({r["label"] for r in ok})
    lines += ["| run | docs | wall s | CPU s | CPU s / 1k docs | peak MB | " +
              " | ".join(f"{s} CPU" for s in STAGES) + " |",
              "|---|---:|---:|---:|---:|---:|" + "---:|" * len(STAGES)]
    for r in sorted(ok, key=lambda r: (r["label"], r["docs"])):
        lines.append(f"| {r['label']} | {r['docs']:,} | {r['wall_s']:.0f} | {r['cpu_s']:.0f} | "
                     f"{1000 * r['cpu_s'] / r['docs']:.1f} | {r['peak_mb']:.0f} | " +
                     " | ".join(f"{r['stage_cpu_s'].get(s, 0):.1f}" for s in STAGES) + " |")
    lines += ["", "Candidates and quality (recall of the planted pairs: found with their kind / found at all):", "",
              "| run | docs | near cand. | passage cand. | story cand. | pairs compared | " +
              " | ".join(RATES) + " | matches outside gold |",
              "|---|---:|---:|---:|---:|---:|" + "---|" * len(RATES) + "---:|"]
    for r in sorted(ok, key=lambda r: (r["label"], r["docs"])):
        c = r["counts"]
        rec = r["recall"]
        lines.append(f"| {r['label']} | {r['docs']:,} | {c.get('near_candidates') or 0:,} | "
                     f"{c.get('passage_candidates') or 0:,} | {c.get('story_candidates') or 0:,} | "
                     f"{c.get('pairs_compared') or 0:,} | " +
                     " | ".join(f"{rec[k]['as_kind']:.3f} / {rec[k]['found']:.3f}" if k in rec else "–" for k in RATES)
                     + f" | {r['outside_gold']:,} |")
    growth = []
    for label in labels:
        rs = [r for r in ok if r["label"] == label]
        if len({r["docs"] for r in rs}) < 2:
            continue
        hi = sorted(rs, key=lambda r: r["docs"])
        growth.append(f"| {label} ({hi[-2]['docs']:,} → {hi[-1]['docs']:,}) | {_exponent(rs, lambda r: r['cpu_s'])} | " +
                      " | ".join(_exponent(rs, lambda r, s=s: r["stage_cpu_s"].get(s)) for s in STAGES) +
                      f" | {_exponent(rs, lambda r: r['peak_mb'])} |")
    if growth:
        lines += ["", "Growth exponent between the two largest sizes (CPU-s ∝ docs^e; 1 = linear):", "",
                  "| run | total | " + " | ".join(STAGES) + " | peak |", "|---|---:|" + "---:|" * len(STAGES) + "---:|"]
        lines += growth
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10000")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--runs", default="default", help="comma-separated: default, lexical (--rewrite-model none), "
                                                    "ascii (the default on the ASCII-folded corpus)")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(HERE))
    from report import machine_line, write_section

    WORK.mkdir(parents=True, exist_ok=True)
    results = []
    for n in [int(s) for s in args.sizes.split(",")]:
        cdir = ensure(n, args.seed)
        for label in args.runs.split(","):
            corpus, extra = cdir, []
            if label in ("lexical", "main-lexical"):
                extra = ["--rewrite-model", "none"]
            elif label == "ascii":
                corpus = cdir.with_name(cdir.name + "_ascii")
                if not (corpus / "summary.json").exists():
                    asciified(cdir, corpus)
            print(f"[fullrun] {label} on {n:,} articles", file=sys.stderr)
            results.append(run_copydesk(corpus, WORK, label, extra))
    (WORK / "fullrun.json").write_text(json.dumps(results, indent=1))
    command = "python3 benchmarks/fullrun.py " + " ".join(argv if argv is not None else sys.argv[1:])
    md = markdown(results, command.strip(), machine_line())
    if args.no_write:
        print(md)
    else:
        write_section("fullrun", md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
