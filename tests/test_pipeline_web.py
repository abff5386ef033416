"""HTML and WARC corpora end to end: the article is found inside each page, copies across
sites are matched, metadata is kept, and offsets point into the extracted text."""

from __future__ import annotations

import json

import pytest

from copydesk.config import Config, OutputConfig
from copydesk.pipeline import find_reuse

pytest.importorskip("trafilatura", reason="the html extra is not installed: pip install 'copydesk[html]'")

from tests.test_ingest_html import PARAGRAPHS, page, write_warc  # noqa: E402

OTHER = [
    "The regional orchestra announced its new season on Friday with eleven concerts, including a first "
    "performance of a symphony written by a local schoolteacher over the past four years.",
    "Tickets go on sale next month, and the orchestra said it would keep student prices at the same level "
    "as last season despite higher costs for the hall and for travel between venues.",
    "The conductor said the programme mixed well-known works with pieces that had never been played in the "
    "region, and that two concerts would be held in village halls for the first time.",
]


def records(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.fixture()
def web_corpus(tmp_path):
    pytest.importorskip("warcio", reason="the warc extra is not installed: pip install 'copydesk[warc]'")
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "gazette.html").write_text(page())
    copy = page().replace("Harbour Gazette", "Valley Herald").replace("Most read", "Trending now")
    (folder / "herald.html").write_text(copy)
    (folder / "orchestra.html").write_text(page(OTHER).replace("Ferry service to resume", "Orchestra season"))
    (folder / "empty.html").write_text("<html><body><script>1</script></body></html>")
    write_warc(folder / "crawl.warc.gz", [
        ("https://islandnews.example/ferry", page(PARAGRAPHS[:3]).encode("utf-8"), "text/html; charset=utf-8"),
        ("https://islandnews.example/orchestra", page(OTHER).encode("utf-8"), "text/html"),
    ])
    return folder


def test_web_pages_and_warc_records_run_end_to_end(web_corpus, tmp_path):
    out = tmp_path / "out"
    result = find_reuse([web_corpus], out, Config(processes=1, output=OutputConfig(keep_text=True)))
    docs = {d["id"]: d for d in records(out / "documents.jsonl")}
    assert set(docs) == {"gazette.html", "herald.html", "orchestra.html", "crawl.warc.gz#1", "crawl.warc.gz#2"}
    assert any("empty.html" in p and "no article text" in p for p in result.problems)
    assert docs["gazette.html"]["published"].startswith("2024-03-07")
    assert docs["crawl.warc.gz#1"]["url"] == "https://islandnews.example/ferry"
    assert "Home" not in docs["gazette.html"]["text"] and PARAGRAPHS[0][:40] in docs["gazette.html"]["text"]
    matches = {(m["a"], m["b"]): m for m in records(out / "matches.jsonl")}
    assert matches[("gazette.html", "herald.html")]["kind"] in ("exact", "near_duplicate")
    assert matches[("crawl.warc.gz#2", "orchestra.html")]["kind"] in ("exact", "near_duplicate")
    lead = matches.get(("crawl.warc.gz#1", "gazette.html"))
    assert lead is not None and lead["kind"] == "excerpt"
    for m in matches.values():
        for p in m["passages"]:
            a, b = docs[m["a"]]["text"], docs[m["b"]]["text"]
            assert a[p["a"]["start"]:p["a"]["end"]].split()[:3] == b[p["b"]["start"]:p["b"]["end"]].split()[:3]
    assert not any({"orchestra.html", "gazette.html"} == {m["a"], m["b"]} for m in matches.values())
