"""Issue 13: a page printing a whole document and an unrelated story with no headline between them
is a copy of that document by part; the rest of the same story around an excerpt is not a part."""

from __future__ import annotations

from pathlib import Path

from copydesk.cluster import copy_edges
from copydesk.passages.relate import relate
from copydesk.types import DocView

PAGES = Path(__file__).resolve().parent / "data" / "pages"


def body(name: str) -> str:
    """The story's paragraphs without its headline (as realtext's gold bodies are)."""
    return PAGES.joinpath(name).read_text().split("\n\n", 1)[1].strip()


def view(doc_id: str, text: str) -> DocView:
    return DocView(doc_id, text, text)


def test_two_bodies_glued_without_a_headline_copy_each_by_part_and_join_the_first():
    trains, bakery = body("wire_trains.txt"), body("wire_bakery.txt")
    page = trains + "\n\n" + bakery
    m_trains = relate(view("t", trains), view("page", page))
    m_bakery = relate(view("b", bakery), view("page", page))
    for m in (m_trains, m_bakery):
        part = ":a_part" if m.a == "page" else ":b_part"
        assert m.kind == "near_duplicate" and m.method.endswith(part), m
    # the page joins the story it prints first, and the two stories stay apart
    assert copy_edges([m_bakery, m_trains]) == [("page", "t")]


def test_an_excerpt_inside_its_own_story_is_not_a_part():
    story = body("wire_dockworkers.txt")
    paras = story.split("\n\n")
    excerpt = "\n\n".join(paras[:3])
    m = relate(view("story", story), view("x", excerpt))
    assert m.kind == "excerpt" and "part" not in m.method, m
