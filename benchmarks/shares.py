"""CPU shares of lineage (issue 19), the story stage (issue 15) and language identification
(issue 18) in a whole run on the realistic news corpus of ``benchmarks/fullrun.py``.

One process (``processes = 1``: every stage's CPU is this process's, threads included), so
``time.process_time`` measures:

- the whole run (``copydesk.pipeline.find_reuse``);
- **lineage**: ``copydesk.pipeline._lineage`` (every document's head and tail read for dates
  and credits, then :func:`copydesk.lineage.derive`);
- **language identification**: every call of ``copydesk.languages.identify`` (at ingest, and
  the language check of each pair before the rewrite / same-story comparison);
- **the story stage**: the difference between the run with every default stage and the same
  run without ``story`` (its candidates, the corpus rarity, the same-story scoring), both runs
  side by side on one corpus. A difference of two runs carries the machine's noise, which the
  table's second line (the story-less run's language and lineage figures) lets one judge.
  Beside it, timed directly in the run with every stage: the story model's encoder
  (``copydesk.semantic.storyscore.doc_vectors``, the documents it encodes, and loading the
  model, ``copydesk.semantic.load_story_encoder``) and the whole scored same-story decision
  (``copydesk.semantic._scored_story``, encoding included), which a difference of two runs
  cannot blur.

Usage:
    PYTHONPATH=src:. python benchmarks/shares.py --docs 3000              # every default
    PYTHONPATH=src:. python benchmarks/shares.py --docs 3000 --lexical    # rewrite.model = none
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))


def measure(corpus: Path, out: Path, stages: tuple[str, ...] | None, lexical: bool) -> dict:
    """One run with the timers in place: its CPU seconds and the timed parts'."""
    import copydesk.languages as languages
    import copydesk.pipeline as pipeline
    import copydesk.semantic as semantic
    import copydesk.semantic.storyscore as storyscore
    from copydesk.config import Config
    from copydesk.semantic import RewriteConfig

    spent = {"lineage": 0.0, "language": 0.0, "story_encoding": 0.0, "story_scoring": 0.0}
    encoded = [0]

    def timed(name, inner):
        def wrapper(*args, **kwargs):
            t = time.process_time()
            try:
                return inner(*args, **kwargs)
            finally:
                spent[name] += time.process_time() - t
        return wrapper

    def counted(inner):
        def wrapper(encoder, texts):
            encoded[0] += len(texts)
            return inner(encoder, texts)
        return wrapper

    saved = (pipeline._lineage, languages.identify, storyscore.doc_vectors, semantic.load_story_encoder,
             semantic._scored_story)
    pipeline._lineage = timed("lineage", pipeline._lineage)
    languages.identify = timed("language", languages.identify)
    # _Doc.vectors imports doc_vectors from the module at each call, and compare calls these
    # through the package's namespace: the wrappers replace what the run calls.
    storyscore.doc_vectors = timed("story_encoding", counted(storyscore.doc_vectors))
    semantic.load_story_encoder = timed("story_encoding", semantic.load_story_encoder)
    semantic._scored_story = timed("story_scoring", semantic._scored_story)
    kwargs = {"processes": 1}
    if lexical:
        kwargs["rewrite"] = RewriteConfig(model="none")
    if stages is not None:
        kwargs["stages"] = stages
    try:
        t = time.process_time()
        result = pipeline.find_reuse([corpus], out, Config(**kwargs), force=True, progress=False)
        total = time.process_time() - t
    finally:
        (pipeline._lineage, languages.identify, storyscore.doc_vectors, semantic.load_story_encoder,
         semantic._scored_story) = saved
    return {"documents": result.counts["documents"], "matches": result.counts["matches"], "cpu_s": total,
            "lineage_s": spent["lineage"], "language_s": spent["language"],
            "story_encoding_s": spent["story_encoding"], "story_scoring_s": spent["story_scoring"],
            "story_docs_encoded": encoded[0]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--lexical", action="store_true", help="rewrite.model = none")
    args = ap.parse_args(argv)

    import fullrun

    from copydesk.config import Config

    corpus = fullrun.ensure(args.docs, args.seed) / "corpus.jsonl"
    every = tuple(Config().stages)
    without = tuple(s for s in every if s != "story")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for label, stages in (("every default stage", None), ("without story", without)):
            r = measure(corpus, Path(tmp) / label.replace(" ", "-"), stages, args.lexical)
            print(label, r, file=sys.stderr, flush=True)
            rows.append((label, r))
    full, rest = rows[0][1], rows[1][1]
    story = full["cpu_s"] - rest["cpu_s"]
    model = "`rewrite.model = none`" if args.lexical else "every default (`rewrite.model = auto`)"
    print(f"Corpus: `benchmarks/fullrun.py`, {full['documents']:,} articles (seed {args.seed}, version "
          f"{fullrun.CORPUS_VERSION}); {model}, one process.\n")
    print("| run | stages | matches | run CPU s | lineage CPU s (share) | language id CPU s (share) |"
          " story stage CPU s (share) |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for label, r in rows:
        s = f"{story:.1f} ({story / full['cpu_s']:.1%})" if r is full else ""
        print(f"| {label} | {','.join(every if r is full else without)} | {r['matches']:,} | {r['cpu_s']:.1f} | "
              f"{r['lineage_s']:.2f} ({r['lineage_s'] / r['cpu_s']:.1%}) | "
              f"{r['language_s']:.2f} ({r['language_s'] / r['cpu_s']:.1%}) | {s} |")
    print(f"\nTimed directly in the run with every stage: the story model encoded "
          f"{full['story_docs_encoded']:,} documents in {full['story_encoding_s']:.1f} CPU-s (model load included, "
          f"{full['story_encoding_s'] / full['cpu_s']:.1%} of the run); the scored same-story decision "
          f"(`semantic._scored_story`, encoding included) took {full['story_scoring_s']:.1f} CPU-s "
          f"({full['story_scoring_s'] / full['cpu_s']:.1%}).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
