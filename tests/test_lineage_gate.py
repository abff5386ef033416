"""Lineage quality gate: directions on the lineage corpus (tests/lineage_corpus.py), built at run
time from the scrapinghub benchmark's real article bodies.

The thresholds of :class:`copydesk.lineage.LineageConfig` were chosen on the ``train`` split
(its own articles and outlets); the gates below are measured on the held-out ``test`` split.
Measured at this commit (pipeline stages clean, exact, near, passages):

| split | derived pairs | found | direction given | right | wire siblings ordered |
|---|---|---|---|---|---|
| train | 38 | 38 | 35 (0.921) | 35 (1.000) | 0 of 8 |
| test  | 31 | 31 | 31 (1.000) | 31 (1.000) | 0 of 6 |

Floors: the issue's (0.95 right, 0.9 given), below the measured figures by more than one pair
in 31 (the noise of a re-drawn corpus).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from copydesk.config import Config
from copydesk.pipeline import find_reuse
from tests.conftest import SHARED_DATA
from tests.lineage_corpus import GROUND_TRUTH_SHA256, build, evaluate, load_articles

STAGES = ("clean", "exact", "near", "passages")


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict:
    if not (SHARED_DATA / "scrapinghub_article_extraction_benchmark").is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"the lineage gate needs {SHARED_DATA}/scrapinghub_article_extraction_benchmark under CI")
        pytest.skip(f"evaluation data not found at {SHARED_DATA}")
    articles, digest = load_articles(SHARED_DATA)
    assert digest == GROUND_TRUTH_SHA256, "ground-truth.json changed: re-measure the figures in this module"
    out = {}
    for split in ("train", "test"):
        records, gold = build(articles, split)
        work = tmp_path_factory.mktemp(f"lineage-{split}")
        path = work / "corpus.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
        find_reuse([path], work / "out", Config(processes=1, stages=STAGES), progress=False)
        matches = [json.loads(line) for line in (work / "out" / "matches.jsonl").read_text().splitlines()]
        outlets = [json.loads(line) for line in (work / "out" / "outlets.jsonl").read_text().splitlines()]
        clusters = [json.loads(line) for line in (work / "out" / "clusters.jsonl").read_text().splitlines()]
        out[split] = {"gold": gold, "matches": matches, "outlets": outlets, "clusters": clusters,
                      "figures": evaluate(matches, outlets, gold)}
    return out


def test_directions_on_held_out_outlets(runs):
    f = runs["test"]["figures"]
    assert f["found"] == f["derived_pairs"]  # every derived pair is a match (the other stages' work)
    assert f["precision"] >= 0.95, f["wrong"]
    assert f["given_share"] >= 0.9, f


def test_train_split_meets_the_same_floors(runs):
    f = runs["train"]["figures"]
    assert f["precision"] >= 0.95, f["wrong"]
    assert f["given_share"] >= 0.9, f


@pytest.mark.parametrize("split", ["train", "test"])
def test_wire_siblings_are_never_ordered_and_name_the_agency(runs, split):
    f = runs[split]["figures"]
    assert f["siblings_found"] == f["siblings"]
    assert f["siblings_ordered"] == 0
    by_pair = {(m["a"], m["b"]): m for m in runs[split]["matches"]}
    for a, b, agency in runs[split]["gold"]["siblings"]:
        m = by_pair[(a, b)]
        assert (m["derived"], m["direction_basis"], m["credited_source"]) == (None, "siblings", agency)


@pytest.mark.parametrize("split", ["train", "test"])
def test_republishers_stand_apart_from_ordinary_outlets(runs, split):
    share = runs[split]["figures"]["derived_share"]
    gold = runs[split]["gold"]
    for host in gold["republishers"]:
        assert share[host] >= 0.8, (host, share)
    for host in gold["ordinary"]:
        assert share[host] <= 0.25, (host, share)


def test_copy_clusters_have_their_original_as_source(runs):
    gold = runs["test"]["gold"]
    original_of = {copy: orig for copy, orig, _ in gold["derived"]}
    sources = {}
    for c in runs["test"]["clusters"]:
        if c["kind"] == "copy":
            sources.update({m: c["source"] for m in c["members"]})
    right = sum(sources.get(copy) == orig for copy, orig in original_of.items())
    assert right >= 0.9 * len(original_of)
