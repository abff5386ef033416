"""Run the passage stage on a reuse corpus and score it against gold passages.

Used by ``tests/test_passages_gate.py`` and ``benchmarks/passages.py``. The flow is the
pipeline's: :func:`passage_keys` per document, :func:`passage_candidates` over the corpus,
:func:`relate` per candidate pair.

Scores are character overlaps: for every pair that is gold or predicted, and for each of its two
documents, the non-space characters inside gold passages and inside predicted passages.
Precision = shared / predicted, recall = shared / gold, summed over all pairs; a predicted pair
that is not gold counts wholly against precision.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from copydesk.passages import PassageConfig, frequent_keys, passage_candidates, passage_keys, relate
from copydesk.types import DocView, Match, Span

HERE = Path(__file__).resolve().parent


def load(folder: Path = HERE) -> tuple[list[dict], list[dict]]:
    """Documents and gold pairs of a corpus folder (``docs.jsonl``, ``gold.jsonl``)."""
    docs = [json.loads(line) for line in open(folder / "docs.jsonl", encoding="utf-8")]
    gold = [json.loads(line) for line in open(folder / "gold.jsonl", encoding="utf-8")]
    return docs, gold


def views(docs: list[dict], cleaned: bool) -> list[DocView]:
    """DocViews: ``cleaned`` blanks the planted boilerplate and gives the segments, as the
    cleaning stage would; otherwise ``masked`` is the raw text and there are no segments."""
    out = []
    for d in docs:
        text = d["text"]
        masked, segments = text, ()
        if cleaned:
            chars = list(text)
            for s, e in d["boilerplate"]:
                chars[s:e] = " " * (e - s)
            masked = "".join(chars)
            segments = tuple(Span(s, e, "article") for s, e in d["segments"])
        out.append(DocView(d["id"], text, masked, segments, source=d.get("source")))
    return out


def find_matches(corpus: list[DocView], config: PassageConfig = PassageConfig()) -> list[Match]:
    """The passage stage over a corpus: keys, candidates, relate."""
    keys = [passage_keys(v, config) for v in corpus]
    doc = np.repeat(np.arange(len(corpus)), [len(k) for k in keys])
    all_keys = np.concatenate(keys)
    pairs = passage_candidates(all_keys, doc, len(corpus), config)
    frequent = frequent_keys(all_keys, doc, len(corpus), config)
    matches = [relate(corpus[i], corpus[j], config, frequent) for i, j in pairs.tolist()]
    return [m for m in matches if m is not None]


@dataclass(frozen=True)
class Scores:
    """Passage precision and recall, and pair-level counts."""

    precision: float
    recall: float
    gold_pairs: int
    found_pairs: int
    false_pairs: tuple[tuple[str, str], ...]
    kind_agreement: float
    kind_errors: tuple[tuple[str, str, str, str], ...]

    def line(self) -> str:
        return (f"passage precision {self.precision:.4f}, recall {self.recall:.4f}; "
                f"{self.found_pairs}/{self.gold_pairs} gold pairs found, "
                f"{len(self.false_pairs)} false pairs; "
                f"kind agreement {self.kind_agreement:.3f}")


def score(matches: list[Match], gold: list[dict], docs: list[dict]) -> Scores:
    """Character-overlap precision and recall of ``matches`` against ``gold``."""
    texts = {d["id"]: d["text"] for d in docs}
    gold_by_pair = {(g["a"], g["b"]): g for g in gold}
    pred_by_pair = {(m.a, m.b): m for m in matches}
    shared = predicted = expected = 0
    for pair in gold_by_pair.keys() | pred_by_pair.keys():
        g, m = gold_by_pair.get(pair), pred_by_pair.get(pair)
        for side, doc_id in zip("ab", pair):
            text = texts[doc_id]
            gold_mask = _mask(len(text), [p[side] for p in g["passages"]] if g else [])
            pred_mask = _mask(len(text), [getattr(p, side) for p in m.passages] if m else [])
            content = ~np.isin(np.frombuffer(text.encode("utf-32-le"), np.uint32), [32, 10, 9, 13])
            shared += int(np.count_nonzero(gold_mask & pred_mask & content))
            predicted += int(np.count_nonzero(pred_mask & content))
            expected += int(np.count_nonzero(gold_mask & content))
    found = [p for p in gold_by_pair if p in pred_by_pair]
    kind_errors = tuple((a, b, gold_by_pair[(a, b)]["kind"], pred_by_pair[(a, b)].kind) for a, b in found
                        if gold_by_pair[(a, b)]["kind"] != pred_by_pair[(a, b)].kind)
    return Scores(
        precision=shared / predicted if predicted else 1.0,
        recall=shared / expected if expected else 1.0,
        gold_pairs=len(gold_by_pair),
        found_pairs=len(found),
        false_pairs=tuple(sorted(p for p in pred_by_pair if p not in gold_by_pair)),
        kind_agreement=1 - len(kind_errors) / len(found) if found else 1.0,
        kind_errors=kind_errors,
    )


def _mask(n: int, spans: list) -> np.ndarray:
    mask = np.zeros(n, dtype=bool)
    for s, e in spans:
        mask[s:e] = True
    return mask
