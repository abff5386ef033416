#!/usr/bin/env python3
"""Check the planted relations of the sample corpus against word 5-gram shingle Jaccard.

Usage: python samples/check_gold.py [--corpus samples/news] [--gold samples/gold.jsonl]

Tokens are ``\\w+`` runs of the NFKC-normalised, case-folded text; shingles are 5 consecutive
tokens; Jaccard is |A & B| / |A u B| of the two shingle sets.  For every gold pair the table
shows the Jaccard and the containment of the smaller set in the larger; below it, the highest
Jaccard between any two documents that are *not* a gold pair.  The script exits with status 1 if

* a gold id does not exist, or a pair is not ordered ``a < b``, or is listed twice;
* an ``exact`` pair is not identical after normalisation (NFKC, case, quotes, dashes, spaces);
* a ``near_duplicate`` pair has Jaccard below 0.8;
* any non-gold pair reaches Jaccard 0.3.

Standard library only.
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import sys
import unicodedata
from pathlib import Path

HERE = Path(__file__).resolve().parent
K = 5
WORD = re.compile(r"\w+")
PUNCT = str.maketrans(
    {
        **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u2035`\u00b4", "'"),
        **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u2036\u00ab\u00bb\u2039\u203a", '"'),
        **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2043\ufe58\ufe63\uff0d", "-"),
    }
)


def normalize(text: str) -> str:
    text = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    return re.sub(r"\s+", " ", text.translate(PUNCT)).strip()


def shingles(text: str) -> set[tuple[str, ...]]:
    toks = WORD.findall(normalize(text))
    return {tuple(toks[i : i + K]) for i in range(len(toks) - K + 1)}


def jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def containment(a: set, b: set) -> float:
    small = min(len(a), len(b))
    return len(a & b) / small if small else 0.0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=HERE / "news")
    ap.add_argument("--gold", type=Path, default=HERE / "gold.jsonl")
    args = ap.parse_args()

    texts = {
        p.relative_to(args.corpus).as_posix(): p.read_bytes().decode("utf-8", errors="replace")
        for p in sorted(args.corpus.rglob("*.txt"))
    }
    sh = {d: shingles(t) for d, t in texts.items()}
    gold = [json.loads(line) for line in args.gold.read_text(encoding="utf-8").splitlines() if line.strip()]

    errors: list[str] = []
    seen: set[tuple[str, str]] = set()
    print(f"{len(texts)} documents, {len(gold)} gold pairs\n")
    print(f"{'kind':<15} {'jaccard':>7} {'contain':>7}  pair")
    for g in gold:
        a, b, kind = g["a"], g["b"], g["kind"]
        if a not in texts or b not in texts:
            errors.append(f"unknown id in gold: {a} / {b}")
            continue
        if not a < b:
            errors.append(f"pair not ordered a < b: {a} / {b}")
        if (a, b) in seen:
            errors.append(f"duplicate gold pair: {a} / {b}")
        seen.add((a, b))
        j, c = jaccard(sh[a], sh[b]), containment(sh[a], sh[b])
        flag = ""
        if kind == "exact" and normalize(texts[a]) != normalize(texts[b]):
            flag = "  <-- not identical after normalisation"
        if kind == "near_duplicate" and j < 0.8:
            flag = "  <-- near_duplicate below 0.8"
        if flag:
            errors.append(f"{kind} {a} / {b}:{flag.split('--')[1]}")
        print(f"{kind:<15} {j:7.3f} {c:7.3f}  {a}  ~  {b}{flag}")

    worst = []
    for a, b in itertools.combinations(sorted(texts), 2):
        if (a, b) not in seen:
            worst.append((jaccard(sh[a], sh[b]), a, b))
    worst.sort(reverse=True)
    print("\nhighest Jaccard among non-gold pairs:")
    for j, a, b in worst[:5]:
        print(f"{'':<15} {j:7.3f} {containment(sh[a], sh[b]):7.3f}  {a}  ~  {b}")
        if j >= 0.3:
            errors.append(f"non-gold pair at Jaccard {j:.3f}: {a} / {b}")

    if errors:
        print("\nFAILED:\n  " + "\n  ".join(errors))
        return 1
    print("\nOK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
