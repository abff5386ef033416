"""Quality gate of the passage stage on the reuse corpus (``tests/data/reuse``).

Floors (issue 3): passage precision and recall (character overlap with the gold passages) at
least 0.95, and no match at all created by the planted boilerplate. Floors only move up.
The figures are printed with the test output and written to BENCHMARKS.md by
``benchmarks/passages.py``.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from copydesk.cluster import copy_edges

REUSE = Path(__file__).resolve().parent / "data" / "reuse"
MIN_PRECISION = 0.95
MIN_RECALL = 0.95
MIN_KIND_AGREEMENT = 0.95


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"reuse_{name}", REUSE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    sys.path.insert(0, str(REUSE))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(REUSE))
    return module


evaluate = _load("evaluate")
make_corpus = _load("make_corpus")


@pytest.fixture(scope="module")
def corpus():
    return evaluate.load(REUSE)


@pytest.fixture(scope="module")
def cleaned(corpus):
    docs, _ = corpus
    return evaluate.find_matches(evaluate.views(docs, cleaned=True))


@pytest.fixture(scope="module")
def raw(corpus):
    docs, _ = corpus
    return evaluate.find_matches(evaluate.views(docs, cleaned=False))


def report(capsys, label: str, scores) -> None:
    with capsys.disabled():
        print(f"\n[passages gate] {label}: {scores.line()}")


def test_committed_corpus_is_what_the_script_makes(corpus):
    docs, gold = make_corpus.records()
    assert corpus == (json.loads(json.dumps(docs)), json.loads(json.dumps(gold)))
    kinds = {g["kind"] for g in gold}
    assert kinds == {"near_duplicate", "excerpt", "shared_passages"}
    assert sum(1 for d in docs if d["boilerplate"]) > 100


def test_gate_with_boilerplate_masked_as_the_cleaner_does(corpus, cleaned, capsys):
    docs, gold = corpus
    scores = evaluate.score(cleaned, gold, docs)
    report(capsys, "boilerplate masked", scores)
    assert scores.precision >= MIN_PRECISION
    assert scores.recall >= MIN_RECALL
    assert scores.false_pairs == ()
    assert scores.kind_agreement >= MIN_KIND_AGREEMENT, scores.kind_errors


def test_gate_without_cleaning_and_no_match_from_boilerplate(corpus, raw, capsys):
    docs, gold = corpus
    scores = evaluate.score(raw, gold, docs)
    report(capsys, "raw text (no cleaning)", scores)
    # Boilerplate relates no pair of documents...
    assert scores.false_pairs == ()
    # ...and takes no part in the passages of pairs that are related.
    by_id = {d["id"]: d for d in docs}
    for m in raw:
        for p in m.passages:
            for doc_id, span in ((m.a, p.a), (m.b, p.b)):
                mask = np.zeros(len(by_id[doc_id]["text"]), dtype=bool)
                for s, e in by_id[doc_id]["boilerplate"]:
                    mask[s:e] = True
                assert mask[span[0] : span[1]].sum() <= 40, (m.a, m.b, p)
    assert scores.precision >= MIN_PRECISION
    assert scores.recall >= MIN_RECALL


def test_excerpts_say_which_document_is_inside(corpus, cleaned):
    docs, gold = corpus
    gold_kind = {(g["a"], g["b"]): g for g in gold}
    checked = 0
    for m in cleaned:
        g = gold_kind[(m.a, m.b)]
        if m.kind == g["kind"] == "excerpt":
            inside = "a" if g["containment_a"] > g["containment_b"] else "b"
            assert f"{inside}_in_{'b' if inside == 'a' else 'a'}" in m.method.split(":")
            checked += 1
    assert checked >= 30


def test_copy_clusters_never_mix_originals(corpus, cleaned):
    docs, _ = corpus
    origin = {d["id"]: d["original"] or d["id"] for d in docs}
    parent = {d["id"]: d["id"] for d in docs}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    joined = copy_edges(cleaned)  # the rule the pipeline's clusters use
    for a, b in joined:
        parent[find(a)] = find(b)
    clusters: dict[str, set[str]] = {}
    for d in docs:
        clusters.setdefault(find(d["id"]), set()).add(d["id"])
    assert len(joined) > 20
    for members in clusters.values():
        assert len({origin[x] for x in members}) == 1, members
        # A copy cluster holds whole copies and large excerpts, never a quoting report.
        assert not any(x.endswith("-quoted") for x in members if len(members) > 1), members


def test_gate_through_copydesk_run(corpus, tmp_path, capsys):
    """The same gate on what ``copydesk run`` writes: the real cleaner, all matching stages."""
    from copydesk.cli import main
    from copydesk.types import Match, Passage

    docs, gold = corpus
    out = tmp_path / "out"
    assert main(["run", str(REUSE / "docs.jsonl"), "-o", str(out), "--stages", "clean,exact,near,passages",
                 "--processes", "2", "-q"]) == 0
    matches = []
    for line in (out / "matches.jsonl").read_text().splitlines():
        r = json.loads(line)
        passages = tuple(Passage((p["a"]["start"], p["a"]["end"]), (p["b"]["start"], p["b"]["end"]), p["kind"], p["score"])
                         for p in r["passages"])
        matches.append(Match(r["a"], r["b"], r["kind"], r["score"], r["jaccard"], r["containment_a"],
                             r["containment_b"], passages, r["method"]))
    scores = evaluate.score(matches, gold, docs)
    report(capsys, "copydesk run", scores)
    assert scores.precision >= MIN_PRECISION
    assert scores.recall >= MIN_RECALL
    assert scores.false_pairs == ()
