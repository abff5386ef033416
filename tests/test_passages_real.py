"""Passage gate on real news text: the reuse transformations applied to real article bodies.

Originals and unrelated articles are the gold article bodies of the Scrapinghub article
extraction benchmark in ``../shared/data`` (read at run time, never copied into the
repository); the transformations, boilerplate and gold are those of the reuse corpus
(``tests/data/reuse/make_corpus.py``). Skipped where that folder is absent. Floors as in
``tests/test_passages_gate.py``; they only move up.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from test_passages_gate import MIN_PRECISION, MIN_RECALL, evaluate, make_corpus, report

from copydesk.types import DocView

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "scrapinghub_article_extraction_benchmark"
N_ORIGINALS = 30
MIN_CHUNK_CHARS = 250  # a reused unit above min_passage_chars (200), as in the reuse corpus

pytestmark = pytest.mark.skipif(not (DATA / "ground-truth.json").exists(),
                                reason=f"real article bodies not found at {DATA}")


def chunks(body: str) -> list[str]:
    """Paragraphs of a real article body, consecutive short ones merged to MIN_CHUNK_CHARS."""
    out, current = [], ""
    for para in (p.strip() for p in re.split(r"\n+", body)):
        if not para:
            continue
        current = f"{current} {para}" if current else para
        if len(current) >= MIN_CHUNK_CHARS:
            out.append(current)
            current = ""
    if current and out:
        out[-1] += " " + current
    return out


def build_real_corpus() -> tuple[list[dict], list[dict]]:
    """Documents and gold of the real-article reuse corpus (also used by benchmarks/passages.py)."""
    truth = json.loads((DATA / "ground-truth.json").read_text(encoding="utf-8"))
    articles = {key: chunks(value["articleBody"]) for key, value in sorted(truth.items())}
    # Articles of one site can share real text (a sign-up paragraph inside the article body):
    # gold knows only the planted reuse, so articles that already share a passage are left out.
    views = [DocView(key, "\n\n".join(c), "\n\n".join(c)) for key, c in articles.items()]
    for m in evaluate.find_matches(views):
        articles.pop(m.a, None)
        articles.pop(m.b, None)
    usable = [key for key, c in articles.items() if 5 <= len(c) <= 14]
    originals = {f"real{i:02d}": "\n\n".join(articles[key]) for i, key in enumerate(usable[:N_ORIGINALS])}
    rest = sorted(set(articles) - set(usable[:N_ORIGINALS]))
    fillers = [articles[key][:6] for key in rest if len(articles[key]) >= 3]
    docs, gold = make_corpus.records(originals, seed=11, n_unrelated=40, fillers=fillers)
    return json.loads(json.dumps(docs)), json.loads(json.dumps(gold))


@pytest.fixture(scope="module")
def real_corpus():
    return build_real_corpus()


@pytest.mark.parametrize("cleaned", [True, False], ids=["boilerplate-masked", "raw"])
def test_gate_on_real_articles(real_corpus, cleaned, capsys):
    docs, gold = real_corpus
    assert len(gold) > 300
    matches = evaluate.find_matches(evaluate.views(docs, cleaned))
    scores = evaluate.score(matches, gold, docs)
    report(capsys, f"real articles, {'boilerplate masked' if cleaned else 'raw text'}", scores)
    assert scores.precision >= MIN_PRECISION
    assert scores.recall >= MIN_RECALL
