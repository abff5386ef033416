"""Synthetic news-like corpus with planted copies, near-duplicates and excerpts.

Documents are English-like: a vocabulary of pronounceable made-up words whose frequencies follow
a Zipf law (exponent 1.07, like English running text), short words most frequent, sentences of
6-28 words with a capital and a full stop, paragraphs of 2-6 sentences, about 3,000 characters.

Plants (rates are shares of the whole corpus, defaults below):

- ``exact``: a byte-identical copy of an original.
- ``near_duplicate``: a copy with a few word-level edits (substitute, delete, insert) and a
  changed last sentence. With 4-8 edits in ~500 words the 5-shingle Jaccard with the original
  is 0.85-0.95 (the gold file records the exact value of each pair): clearly above 0.8.
- ``excerpt``: 25-55 % of an original's words (a contiguous run) inside a new text of fresh
  words. Jaccard with the source is far below 0.8: a near-duplicate job must NOT report it.

Sources of plants are always originals (never a plant), so the gold copy clusters are an
original plus its exact and near-duplicate copies. Output: ``corpus.jsonl`` (``{"id","text"}``,
shuffled) and ``gold.jsonl`` (``{"a": copy, "b": source, "kind", "jaccard"}``); generation
is vectorised per batch (one ``"".join`` per document), about 1M documents in a few minutes.

Usage: ``python benchmarks/corpus.py --docs 10000 --seed 1 --out benchmarks/work/c10k``
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

import numpy as np

CORPUS_VERSION = "v2"  # bump whenever generation changes, so old corpora are not reused
VOCAB = 40_000
ZIPF_S = 1.07
MEAN_CHARS = 3_000
RATES = {"exact": 0.04, "near_duplicate": 0.04, "excerpt": 0.04}
_WORD = re.compile(r"\w+")
_FUNCTION_WORDS = ("the of and to a in that is for it on was with he as by at said from his be have an "
                   "has are but not they this were had its who which their been will would more after "
                   "one new also two up she her there all out about over when than year people into "
                   "government could last first police our can percent we no other some years").split()


def _vocabulary(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Made-up words (unique), shortest first, and their Zipf probabilities."""
    onsets = ["b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w",
              "y", "z", "br", "ch", "cl", "cr", "dr", "fl", "fr", "gr", "pl", "pr", "sh", "sl", "sp",
              "st", "str", "th", "tr", "wh", ""]
    vowels = ["a", "e", "i", "o", "u", "ai", "ea", "ee", "io", "ou", "oa"]
    codas = ["", "", "", "n", "r", "s", "t", "l", "nd", "ng", "st", "rt", "ck", "m", "x"]
    words: set[str] = set()
    # Syllable counts: 1 syllable for the most frequent words, up to 4 for the rarest.
    while len(words) < VOCAB:
        k = len(words)
        syl = 1 if k < 300 else 2 if k < 6000 else 3 if k < 25000 else 4
        n = 4000
        parts = [rng.choice(onsets, n).astype(object) + rng.choice(vowels, n).astype(object)
                 + rng.choice(codas, n).astype(object) for _ in range(syl)]
        cand = parts[0]
        for p in parts[1:]:
            cand = cand + p
        for w in cand:
            if len(words) >= VOCAB:
                break
            # English running text has about 0.1 % of words over 16 letters: only the rarest
            # thousand made-up words may be that long (copydesk hashes those apart, slower).
            if w not in words and 1 < len(w) <= (24 if len(words) >= VOCAB - 1000 else 16):
                words.add(w)
    # Shortest first, so short words get the high Zipf ranks; the long tail stays last.
    ordered = sorted(words, key=len)
    # The most frequent ranks are real English function words, as in news text.
    ordered = _FUNCTION_WORDS + [w for w in ordered if w not in set(_FUNCTION_WORDS)][: VOCAB - len(_FUNCTION_WORDS)]
    vocab = np.array(ordered, dtype=object)
    p = 1.0 / np.arange(1, VOCAB + 1) ** ZIPF_S
    return vocab, p / p.sum()


class Generator:
    """Vectorised document writer: token ids in, text out."""

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        vocab, p = _vocabulary(np.random.default_rng(seed + 7919))
        self.cdf = np.cumsum(p)
        self.cdf[-1] = 1.0
        mean_len = float((np.array([len(w) for w in vocab]) * p).sum()) + 1
        self.words_per_doc = int(MEAN_CHARS / (mean_len + 0.1))
        # Four renderings of every word; the variant index picks one: 0 plain, 1 capitalised
        # (sentence start), 2 sentence end, 3 paragraph end.
        cap = np.array([w.capitalize() for w in vocab], dtype=object)
        self.table = np.concatenate([vocab + " ", cap + " ", vocab + ". ", vocab + ".\n\n"])
        self.n = len(vocab)

    def words(self, count: int) -> np.ndarray:
        return np.searchsorted(self.cdf, self.rng.random(count)).astype(np.int32)

    def layout(self, count: int) -> np.ndarray:
        """Variant (0-3) of each of ``count`` consecutive words: sentences and paragraphs."""
        var = np.zeros(count, np.int8)
        lengths = self.rng.integers(6, 29, size=count // 6 + 2)
        ends = np.cumsum(lengths) - 1
        ends = ends[ends < count - 1]
        var[ends] = 2
        para = ends[self.rng.random(len(ends)) < 0.25]
        var[para] = 3
        var[0] = 1
        var[ends + 1] = 1
        var[count - 1] = 2
        return var

    def render(self, ids: np.ndarray, var: np.ndarray) -> str:
        return "".join(self.table[ids + self.n * var.astype(np.int32)]).rstrip()


def shingle_set(text: str, k: int = 5) -> set[str]:
    toks = _WORD.findall(text.lower())
    return {" ".join(toks[i:i + k]) for i in range(max(1, len(toks) - k + 1))}


def jaccard(a: str, b: str) -> float:
    sa, sb = shingle_set(a), shingle_set(b)
    return len(sa & sb) / len(sa | sb) if sa or sb else 1.0


def generate(n_docs: int, seed: int, out: Path, rates: dict[str, float] | None = None,
             batch: int = 20_000, measure_jaccard: int = 2_000, log=sys.stderr) -> dict:
    """Write ``corpus.jsonl`` and ``gold.jsonl`` under ``out``; return a summary dict."""
    rates = rates or RATES
    t0 = time.perf_counter()
    g = Generator(seed)
    rng = g.rng
    n_plants = {k: int(round(n_docs * r)) for k, r in rates.items()}
    n_orig = n_docs - sum(n_plants.values())
    kinds = np.concatenate([np.full(n_plants[k], i + 1, np.int8) for i, k in enumerate(rates)])
    # Sources of the plants: originals only, drawn with replacement (some get several copies).
    sources = rng.integers(0, n_orig, size=len(kinds))
    order = np.argsort(sources, kind="stable")
    kinds, sources = kinds[order], sources[order]
    kind_names = ["original", *rates]
    # Random ids so that input order says nothing about the plants.
    perm = rng.permutation(n_docs)
    ids = np.char.add("d", np.char.zfill(perm.astype(str), len(str(n_docs))))
    out.mkdir(parents=True, exist_ok=True)
    # Plants are written in a second file and interleaved: shuffle by writing in id order.
    records: list[tuple[str, str]] = []
    gold = []
    p_ptr = 0
    wpd = g.words_per_doc
    n_sample = 0
    with open(out / "corpus.jsonl.tmp", "w") as f_out:
        for lo in range(0, n_orig, batch):
            hi = min(n_orig, lo + batch)
            lens = rng.integers(int(wpd * 0.8), int(wpd * 1.2), size=hi - lo)
            all_ids = g.words(int(lens.sum()))
            all_var = np.concatenate([g.layout(int(n)) for n in lens])
            offs = np.concatenate(([0], np.cumsum(lens)))
            for j in range(hi - lo):
                i = lo + j
                a, b = offs[j], offs[j + 1]
                wid, var = all_ids[a:b], all_var[a:b]
                text = g.render(wid, var)
                records.append((ids[i], text))
                while p_ptr < len(sources) and sources[p_ptr] == i:
                    kind = kind_names[kinds[p_ptr]]
                    pid = ids[n_orig + p_ptr]
                    if kind == "exact":
                        ptext = text
                    elif kind == "near_duplicate":
                        ptext = _near_duplicate(g, wid, var)
                    else:
                        ptext = _excerpt(g, wid, var)
                    records.append((pid, ptext))
                    rec = {"a": pid, "b": ids[i], "kind": kind}
                    if kind != "exact" and n_sample < measure_jaccard:
                        rec["jaccard"] = round(jaccard(ptext, text), 4)
                        n_sample += 1
                    gold.append(rec)
                    p_ptr += 1
            for rid, text in records:
                f_out.write(json.dumps({"id": str(rid), "text": text}) + "\n")
            records.clear()
            print(f"  corpus: {hi:,}/{n_orig:,} originals ({time.perf_counter() - t0:.0f} s)", file=log)
    # Shuffle lines so that copies are not next to their sources (streamed via line offsets).
    _shuffle_lines(out / "corpus.jsonl.tmp", out / "corpus.jsonl", rng)
    with open(out / "gold.jsonl", "w") as f:
        for rec in gold:
            f.write(json.dumps(rec) + "\n")
    js = [r["jaccard"] for r in gold if r["kind"] == "near_duplicate" and "jaccard" in r]
    je = [r["jaccard"] for r in gold if r["kind"] == "excerpt" and "jaccard" in r]
    summary = {"docs": n_docs, "seed": seed, "originals": n_orig, **{k: v for k, v in n_plants.items()},
               "near_jaccard_min": min(js) if js else None, "near_jaccard_mean": float(np.mean(js)) if js else None,
               "excerpt_jaccard_max": max(je) if je else None,
               "bytes": (out / "corpus.jsonl").stat().st_size, "seconds": round(time.perf_counter() - t0, 1)}
    (out / "summary.json").write_text(json.dumps(summary, indent=1))
    return summary


def _near_duplicate(g: Generator, wid: np.ndarray, var: np.ndarray) -> str:
    rng = g.rng
    wid, var = wid.copy(), var.copy()
    n_edit = int(rng.integers(4, 9))
    pos = rng.choice(len(wid) - 2, size=n_edit, replace=False) + 1
    op = rng.integers(0, 3, size=n_edit)
    wid[pos[op == 0]] = g.words(int((op == 0).sum()))                     # substitutions
    keep = np.ones(len(wid), bool)
    keep[pos[op == 1]] = var[pos[op == 1]] == 0                           # deletions (mid-sentence)
    ins = pos[op == 2]
    new_wid = np.insert(wid[keep], np.searchsorted(np.flatnonzero(keep), ins), g.words(len(ins)))
    new_var = np.insert(var[keep], np.searchsorted(np.flatnonzero(keep), ins), np.zeros(len(ins), np.int8))
    return g.render(new_wid, new_var)


def _excerpt(g: Generator, wid: np.ndarray, var: np.ndarray) -> str:
    rng = g.rng
    share = rng.uniform(0.25, 0.55)
    n = int(len(wid) * share)
    start = int(rng.integers(0, len(wid) - n))
    ex_w, ex_v = wid[start:start + n].copy(), var[start:start + n].copy()
    ex_v[0] = 1
    ex_v[-1] = 3
    before = int(rng.integers(40, 200))
    after = int(rng.integers(40, 200))
    parts_w = [g.words(before), ex_w, g.words(after)]
    parts_v = [g.layout(before), ex_v, g.layout(after)]
    parts_v[0][-1] = 3
    return g.render(np.concatenate(parts_w), np.concatenate(parts_v))


def _shuffle_lines(src: Path, dst: Path, rng: np.random.Generator) -> None:
    """Shuffle a line file without holding more than its offsets and one block in memory."""
    data = np.memmap(src, dtype=np.uint8, mode="r")
    nl = np.flatnonzero(data == 10)
    starts = np.concatenate(([0], nl[:-1] + 1))
    ends = nl + 1
    order = rng.permutation(len(starts))
    with open(dst, "wb") as f:
        buf = []
        for k, i in enumerate(order):
            buf.append(data[starts[i]:ends[i]].tobytes())
            if len(buf) >= 20_000:
                f.write(b"".join(buf))
                buf.clear()
        f.write(b"".join(buf))
    del data
    src.unlink()


def ensure(n_docs: int, seed: int, root: Path, log=sys.stderr) -> Path:
    """The corpus folder for (n_docs, seed) under ``root``, generated once."""
    out = root / f"synthetic_{n_docs}_s{seed}_{CORPUS_VERSION}"
    if not (out / "summary.json").exists():
        print(f"generating {n_docs:,} documents (seed {seed}) in {out}", file=log)
        print(json.dumps(generate(n_docs, seed, out, log=log)), file=log)
    return out


def read_gold(folder: Path) -> list[dict]:
    with open(folder / "gold.jsonl") as f:
        return [json.loads(line) for line in f]


def read_texts(folder: Path, limit: int | None = None) -> tuple[list[str], list[str]]:
    ids, texts = [], []
    with open(folder / "corpus.jsonl") as f:
        for k, line in enumerate(f):
            if limit is not None and k >= limit:
                break
            r = json.loads(line)
            ids.append(r["id"])
            texts.append(r["text"])
    return ids, texts


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, required=True)
    a = ap.parse_args()
    print(json.dumps(generate(a.docs, a.seed, a.out)))
