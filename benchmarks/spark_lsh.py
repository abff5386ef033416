"""Spark ML's MinHashLSH against copydesk's near-duplicate job on Spark: same corpus, same session,
same threshold, recall against exact Jaccard (issue 20).

The corpus is ``benchmarks/corpus.py``'s (news-like, ~3,000 characters per document, planted
exact copies, near-duplicates and excerpts). In one ``local[N]`` SparkSession, side by side:

- **copydesk's local engine** (``cores`` processes), the reference the Spark engine is held to;
- **copydesk**: ``find_reuse(..., engine="spark", stages=("exact", "near"))``: reads the JSONL,
  normalises, signs, bands, verifies every candidate on its exact shingle set, writes the outputs.
- **Spark ML**: what its documentation shows for the same job, from the same JSONL:
  ``RegexTokenizer`` (lower-cased ``\\w+`` words) -> ``NGram(n=5)`` -> ``HashingTF(binary=True,
  2^24 features)`` -> ``MinHashLSH(numHashTables=T)`` -> ``approxSimilarityJoin`` of the corpus
  with itself at Jaccard distance ``1 - min_jaccard``, pairs counted on the driver.

Both jobs' wall times include reading the JSONL and exclude the session's start. copydesk lists a
copy or near-duplicate against its exact group's representative; the pairs it states through the
group (identical texts, identical Jaccard) are counted as its own. Recall: the pairs either tool
reports, pooled, are scored by their exact Jaccard on copydesk's word 5-shingle sets
(``copydesk.pipeline.shingle_sets_of``); a pair is a true near-duplicate at Jaccard >=
``near.min_jaccard`` (0.8). A tool's recall is the share of the pooled true pairs it reports
(pairs neither finds are not counted: pooled recall), its precision the share of its pairs that
are true.

Usage:
    PYTHONPATH=src:. python benchmarks/spark_lsh.py --docs 20000 [--cores 2] [--tables 5 10 20]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

WORK = HERE / "work" / "spark"


def corpus_of(n_docs: int) -> Path:
    """The benchmark corpus of ``n_docs`` documents (generated once, seed 1)."""
    from corpus import generate

    out = WORK / f"c{n_docs}"
    if not (out / "corpus.jsonl").exists():
        generate(n_docs, 1, out)
    return out / "corpus.jsonl"


def copydesk_pairs(corpus: Path, out: Path) -> tuple[set[tuple[str, str]], float]:
    """copydesk's exact + near-duplicate pairs on Spark, and the job's wall seconds."""
    from copydesk.config import Config
    from copydesk.engines.spark import find_reuse_spark

    config = Config(stages=("exact", "near"), engine="spark")
    t = time.perf_counter()
    find_reuse_spark([corpus], out, config, force=True, progress=False)
    wall = time.perf_counter() - t
    return read_pairs(out), wall


def read_pairs(out: Path) -> set[tuple[str, str]]:
    """The document pairs an output folder's ``matches.jsonl`` states (:func:`implied_pairs`)."""
    exact, near = [], []
    with open(out / "matches.jsonl", encoding="utf-8") as f:
        for line in f:
            m = json.loads(line)
            if m["kind"] == "exact":
                exact.append((m["a"], m["b"]))
            elif m["kind"] == "near_duplicate":
                near.append((m["a"], m["b"]))
    return implied_pairs(exact, near)


def implied_pairs(exact: list[tuple[str, str]], near: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """Every document pair copydesk's matches state: an exact group's copies are identical texts,
    so a near-duplicate of the group's representative is one of each copy (same Jaccard), and
    the copies are pairwise exact. ``matches.jsonl`` lists each copy and near-duplicate against
    the representative only."""
    from copydesk.cluster import components

    ids = sorted({d for pair in exact + near for d in pair})
    index = {d: k for k, d in enumerate(ids)}
    group = {d: [d] for d in ids}
    for members in components(len(ids), [(index[a], index[b]) for a, b in exact]):
        copies = [ids[k] for k in members]
        group.update((d, copies) for d in copies)
    pairs = set()
    for copies in group.values():
        pairs.update((a, b) for a in copies for b in copies if a < b)
    for a, b in near:
        pairs.update((min(x, y), max(x, y)) for x in group[a] for y in group[b] if x != y)
    return pairs


def local_pairs(corpus: Path, out: Path, cores: int) -> tuple[set[tuple[str, str]], float]:
    """The same job on copydesk's local engine (``cores`` processes), for the Spark engine's ratio."""
    from copydesk.config import Config
    from copydesk.pipeline import find_reuse

    t = time.perf_counter()
    find_reuse([corpus], out, Config(stages=("exact", "near"), processes=cores), force=True, progress=False)
    wall = time.perf_counter() - t
    return read_pairs(out), wall


def spark_ml_pairs(session, corpus: Path, tables: int, min_jaccard: float) -> tuple[set[tuple[str, str]], float]:
    """Spark ML MinHashLSH's pairs at Jaccard distance ``1 - min_jaccard``, and the wall seconds."""
    from pyspark.ml import Pipeline
    from pyspark.ml.feature import HashingTF, MinHashLSH, NGram, RegexTokenizer
    from pyspark.sql import functions as F

    t = time.perf_counter()
    docs = session.read.json(str(corpus)).select("id", "text")
    features = Pipeline(stages=[
        RegexTokenizer(inputCol="text", outputCol="words", pattern="\\w+", gaps=False, toLowercase=True),
        NGram(n=5, inputCol="words", outputCol="shingles"),
        HashingTF(inputCol="shingles", outputCol="vec", numFeatures=1 << 24, binary=True),
    ]).fit(docs).transform(docs)
    # MinHashLSH refuses an all-zero vector: texts of fewer than five words have no shingle.
    features = features.filter(F.size("shingles") > 0).select("id", "vec").cache()
    model = MinHashLSH(inputCol="vec", outputCol="hashes", numHashTables=tables, seed=1).fit(features)
    joined = model.approxSimilarityJoin(features, features, 1.0 - min_jaccard, distCol="distance")
    rows = (joined.select(F.col("datasetA.id").alias("a"), F.col("datasetB.id").alias("b"))
            .filter(F.col("a") < F.col("b")).collect())
    wall = time.perf_counter() - t
    features.unpersist()
    return {(r["a"], r["b"]) for r in rows}, wall


def exact_jaccard(corpus: Path, pairs: set[tuple[str, str]]) -> dict[tuple[str, str], float]:
    """Exact Jaccard of copydesk's word 5-shingle sets for each pair."""
    from copydesk.pipeline import _jaccard, shingle_sets_of
    from copydesk.sketch import MinHasher

    wanted = {d for p in pairs for d in p}
    texts = {}
    with open(corpus, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            if r["id"] in wanted:
                texts[r["id"]] = r["text"]
    ids = sorted(texts)
    sets = dict(zip(ids, shingle_sets_of(MinHasher(ngram=5), [texts[i] for i in ids])))
    return {p: _jaccard(sets[p[0]], sets[p[1]]) for p in pairs}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=20000)
    ap.add_argument("--cores", type=int, default=2)
    ap.add_argument("--tables", type=int, nargs="+", default=[5, 10, 20], help="MinHashLSH numHashTables")
    ap.add_argument("--min-jaccard", type=float, default=0.8)
    args = ap.parse_args(argv)

    from copydesk.engines.spark import spark_session

    corpus = corpus_of(args.docs)
    with tempfile.TemporaryDirectory() as tmp:
        local, local_s = local_pairs(corpus, Path(tmp) / "out", args.cores)
    print(f"copydesk local engine: {len(local):,} pairs in {local_s:.1f} s", file=sys.stderr, flush=True)
    os.environ["COPYDESK_SPARK_MASTER"] = f"local[{args.cores}]"
    session, _ = spark_session(progress=False)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            ours, ours_s = copydesk_pairs(corpus, Path(tmp) / "out")
        print(f"copydesk: {len(ours):,} pairs in {ours_s:.1f} s", file=sys.stderr, flush=True)
        theirs = {}
        for tables in args.tables:
            theirs[tables] = spark_ml_pairs(session, corpus, tables, args.min_jaccard)
            print(f"MinHashLSH({tables}): {len(theirs[tables][0]):,} pairs in {theirs[tables][1]:.1f} s",
                  file=sys.stderr, flush=True)
    finally:
        session.stop()
    if local != ours:
        print(f"warning: the engines disagree on {len(local ^ ours)} pairs", file=sys.stderr)
    pool = set(ours).union(*(p for p, _ in theirs.values()))
    jac = exact_jaccard(corpus, pool)
    true = {p for p, j in jac.items() if j >= args.min_jaccard}

    def row(name: str, pairs: set, wall: float) -> str:
        recall = len(pairs & true) / len(true) if true else 1.0
        precision = len(pairs & true) / len(pairs) if pairs else 1.0
        return (f"| {name} | {wall:.1f} | {wall / ours_s:.2f} | {len(pairs):,} | {recall:.4f} | {precision:.4f} |")

    print(f"Corpus: `benchmarks/corpus.py`, {args.docs:,} documents; `local[{args.cores}]`; Jaccard >= "
          f"{args.min_jaccard} on word 5-shingles; {len(true):,} true pairs in the pool of {len(pool):,}.\n")
    print("| job | wall s | wall / copydesk | pairs | pooled recall | precision |")
    print("|---|---:|---:|---:|---:|---:|")
    print(row(f"copydesk local engine, {args.cores} processes (`--stages exact,near`)", local, local_s))
    print(row("copydesk `--engine spark --stages exact,near`", ours, ours_s))
    for tables, (pairs, wall) in theirs.items():
        print(row(f"Spark ML MinHashLSH, {tables} hash tables, approxSimilarityJoin", pairs, wall))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
