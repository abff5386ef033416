"""Issue 13's "done when": ``copydesk run`` on a folder of plain-text scraped pages of four shapes.

``tests/data/pages`` (written for this test, not taken from ``../shared``): a wire story
(``wire_dockworkers``), an excerpt of it followed by a reader-comment thread without a heading
(``excerpt_with_comments``), a spun rewrite of it (``rewrite_dockworkers``); a page carrying a
second wire story and then, after blank lines and a title line, an unrelated article
(``two_articles`` = ``wire_trains`` + ``wire_bakery``); a page with a caption printed three times
and breadcrumbs around a third story (``captions_breadcrumbs``, a copy of ``wire_wildfire``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from copydesk.cli import main

PAGES = Path(__file__).resolve().parent / "data" / "pages"


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("pages") / "out"
    assert main(["run", str(PAGES), "-o", str(out), "--processes", "1", "-q"]) == 0
    docs = {d["id"]: d for d in map(json.loads, (out / "documents.jsonl").read_text().splitlines())}
    matches = {(m["a"], m["b"]): m for m in map(json.loads, (out / "matches.jsonl").read_text().splitlines())}
    clusters = [json.loads(line) for line in (out / "clusters.jsonl").read_text().splitlines()]
    return docs, matches, clusters


def _marked(doc_id: str, docs) -> list[tuple[str, str]]:
    text = (PAGES / doc_id).read_text()
    return [(b["reason"], text[b["start"]:b["end"]]) for b in docs[doc_id]["boilerplate"]]


def test_comment_thread_without_heading_is_marked_and_the_excerpt_is_an_excerpt(run):
    docs, matches, _ = run
    marked = _marked("excerpt_with_comments.txt", docs)
    assert [r for r, _ in marked] == ["comments"]
    assert marked[0][1].startswith("harbourwatcher avatar") and marked[0][1].endswith("Reply")
    m = matches[("excerpt_with_comments.txt", "wire_dockworkers.txt")]
    assert m["kind"] == "excerpt" and m["containment_a"] >= 0.95


def test_two_article_page_is_cut_and_copies_each_story_by_segment(run):
    docs, matches, clusters = run
    text = (PAGES / "two_articles.txt").read_text()
    segments = docs["two_articles.txt"]["segments"]
    assert len(segments) == 2
    assert text[segments[1]["start"]:].startswith("Village bakery wins national sourdough prize")
    for other in ("wire_trains.txt", "wire_bakery.txt"):
        m = matches[("two_articles.txt", other)]
        assert m["kind"] == "near_duplicate" and m["method"].endswith(":a_part")
    copy = [set(c["members"]) for c in clusters if c["kind"] == "copy"]
    assert {"two_articles.txt", "wire_trains.txt"} in copy  # the page joins the story it prints first
    assert not any({"wire_trains.txt", "wire_bakery.txt"} <= c for c in copy)  # A and B stay apart


def test_repeated_captions_and_breadcrumbs_are_marked(run):
    docs, matches, _ = run
    marked = _marked("captions_breadcrumbs.txt", docs)
    caption = "Firefighters work to contain a wildfire above San Lorenzo on Saturday night."
    assert any(r == "caption" and t.count(caption) == 3 for r, t in marked)
    assert ("widget", "Home » News » Environment » Wildfires") in marked
    assert ("widget", "Home » News » Environment") in marked
    assert matches[("captions_breadcrumbs.txt", "wire_wildfire.txt")]["kind"] == "near_duplicate"


def test_rewrite_and_excerpt_of_one_wire_story_relate_as_rewrite_and_form_one_copy_cluster(run):
    _, matches, clusters = run
    for pair in (("excerpt_with_comments.txt", "rewrite_dockworkers.txt"),
                 ("rewrite_dockworkers.txt", "wire_dockworkers.txt")):
        m = matches[pair]
        assert m["kind"] == "rewrite"
        assert any(p["kind"] == "rewrite" for p in m["passages"])
    wire = {"wire_dockworkers.txt", "excerpt_with_comments.txt", "rewrite_dockworkers.txt"}
    copy = [set(c["members"]) for c in clusters if c["kind"] == "copy"]
    assert wire in copy  # the three wire copies, and only them
