"""Rewrite and same-story detection on the project's rewrite corpus, and candidate generation at scale.

1. Quality: the corpus in tests/data/rewrite (rewrites, independent reports of one event, topic-only
   neighbours), run as the pipeline runs it: story keys per document, global candidates, then
   ``compare`` on each candidate pair. Precision and recall per kind, against the gold pairs.
2. Scale: the same corpus hidden among N synthetic distractor documents (Zipf-distributed
   vocabulary of 60,000 pseudo-words, invented names and numbers, 150 to 600 words each):
   time to compute the keys and the candidates, number of candidate pairs, and whether every
   gold pair is still a candidate. Shows that no all-pairs comparison is made.

Usage:
    python benchmarks/rewrite.py              # N = 100,000 distractors
    python benchmarks/rewrite.py --docs 10000 # quicker
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tests"))

from test_semantic_corpus import load_corpus, scores  # noqa: E402

from copydesk.semantic import (  # noqa: E402
    RewriteConfig,
    StoryConfig,
    compare,
    load_encoder,
    resolve_model,
    rewrite_candidates,
    story_keys,
)
from copydesk.types import DocView  # noqa: E402


def distractors(n: int, seed: int = 1) -> list[DocView]:
    """``n`` synthetic articles: Zipfian pseudo-words, some capitalised names, some numbers."""
    rng = np.random.default_rng(seed)
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    vocab = ["".join(rng.choice(letters, size=rng.integers(3, 10))) for _ in range(60_000)]
    names = ["".join(rng.choice(letters, size=rng.integers(4, 9))).capitalize() for _ in range(20_000)]
    ranks = np.arange(1, len(vocab) + 1)
    p = 1.0 / ranks
    cdf = np.cumsum(p / p.sum())
    cdf[-1] = 1.0
    docs = []
    for d in range(n):
        length = int(rng.integers(150, 600))
        words = [vocab[k] for k in np.searchsorted(cdf, rng.random(length))]
        for pos in rng.choice(length, size=length // 15, replace=False):
            words[pos] = names[int(rng.zipf(1.3)) % len(names)]
        for pos in rng.choice(length, size=length // 40, replace=False):
            words[pos] = str(int(rng.zipf(1.5)) % 5000)
        sentences = [" ".join(words[k : k + 18]).capitalize() + "." for k in range(0, length, 18)]
        text = " ".join(sentences)
        docs.append(DocView(f"zz_synthetic_{d:06d}", text, text))
    return docs


def run_layer(views, pairs, config, story, encoder) -> tuple[dict, float]:
    """Compare every candidate pair with one layer: found kinds and CPU seconds."""
    found = {}
    start = time.process_time()
    for i, j in pairs.tolist():
        m = compare(views[i], views[j], [], config, story, encoder)
        if m is not None:
            found[(m.a, m.b)] = m.kind
    return found, time.process_time() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=100_000, help="synthetic distractor documents")
    parser.add_argument("--no-write", action="store_true", help="do not write BENCHMARKS.md")
    args = parser.parse_args(argv)
    config, story = RewriteConfig(), StoryConfig()

    views, gold = load_corpus()
    start = time.process_time()
    keys = [story_keys(v, config) for v in views]
    doc = np.concatenate([np.full(len(k), d) for d, k in enumerate(keys)])
    pairs = rewrite_candidates(np.concatenate(keys), doc, len(views), config)
    found, compare_seconds = run_layer(views, pairs, config, story, None)
    total_seconds = time.process_time() - start
    n_pairs = len(views) * (len(views) - 1) // 2
    layers = [("lexical (none)", found)]
    mpnet_line = ""
    if resolve_model("auto") == "mpnet":
        encoder = load_encoder(RewriteConfig(model="mpnet"), threads=None)
        wall = time.perf_counter()
        found_mpnet, mpnet_seconds = run_layer(views, pairs, config, story, encoder)
        wall = time.perf_counter() - wall
        layers.append(("lexical + mpnet (the default where installed)", found_mpnet))
        mpnet_line = (f"With mpnet the same {len(pairs)} pairs took {mpnet_seconds:.1f} CPU-s "
                      f"({wall:.1f} s wall on {os.cpu_count()} cores, the model loaded beforehand): "
                      f"{len(pairs) / wall:.1f} document pairs per second.")
    quality = [
        "| layer | kind | gold pairs | found | precision | recall |",
        "|---|---|---|---|---|---|",
    ]
    for name, got in layers:
        for kind in ("rewrite", "same_story"):
            precision, recall = scores(got, gold, kind)
            quality.append(
                f"| {name} | {kind} | {sum(k == kind for k in gold.values())} | "
                f"{sum(k == kind for k in got.values())} | {precision:.2f} | {recall:.2f} |"
            )
    topic_wrong = sorted({p for _, got in layers for p, k in gold.items() if k == "topic_only" and p in got})
    unlisted = sorted({p for _, got in layers for p in got if p not in gold})

    print(f"corpus done; generating {args.docs:,} distractors", file=sys.stderr)
    big = views + distractors(args.docs)
    start = time.process_time()
    big_keys = [story_keys(v, config) for v in big]
    keys_seconds = time.process_time() - start
    big_doc = np.concatenate([np.full(len(k), d) for d, k in enumerate(big_keys)])
    flat = np.concatenate(big_keys)
    start = time.process_time()
    big_pairs = rewrite_candidates(flat, big_doc, len(big), config)
    cand_seconds = time.process_time() - start
    index = {v.id: k for k, v in enumerate(big)}
    cand_set = {tuple(p) for p in big_pairs.tolist()}
    wanted = [(index[a], index[b]) for (a, b), k in gold.items() if k in ("rewrite", "same_story")]
    kept = sum(tuple(sorted(p)) in cand_set for p in wanted)

    from report import machine_line, write_section

    md = "\n".join(
        [
            "## Rewrites and same-story reports: rewrite corpus and candidate scale (issue 6)",
            "",
            machine_line(),
            f"Command: `python benchmarks/rewrite.py --docs {args.docs}`. Versions: Python "
            f"{platform.python_version()}, numpy {np.__version__}. "
            "Layers: lexical (rewrite.model = none) and, where installed, lexical + mpnet; "
            "default thresholds. Candidates at scale do not depend on the layer.",
            "",
            f"Corpus tests/data/rewrite: {len(views)} documents ({n_pairs} pairs), "
            f"{len(pairs)} candidate pairs "
            f"compared by the lexical layer in {compare_seconds:.2f} CPU-s ({len(pairs) / compare_seconds:.0f} document pairs "
            f"per CPU-second; {total_seconds:.2f} CPU-s with keys and candidates). Times are CPU seconds "
            f"of this process (`time.process_time`; load average at the end {os.getloadavg()[0]:.1f}).",
            "",
            *quality,
            "",
            *([mpnet_line, ""] if mpnet_line else []),
            f"Topic-only neighbours called related: {len(topic_wrong)} of "
            f"{sum(k == 'topic_only' for k in gold.values())}. "
            f"Unlisted pairs called related: {len(unlisted)}.",
            "",
            f"Scale: the corpus among {args.docs:,} synthetic distractors ({len(big):,} documents, "
            f"{len(flat):,} keys): keys in {keys_seconds:.1f} CPU-s (one process), "
            f"candidates in {cand_seconds:.1f} CPU-s, {len(big_pairs):,} candidate pairs "
            f"({len(big_pairs) / (len(big) * (len(big) - 1) / 2):.2e} of all pairs); "
            f"gold rewrite and same-story pairs still candidates: {kept} of {len(wanted)}.",
        ]
    )
    print(md)
    if not args.no_write:
        write_section("rewrite", md)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
