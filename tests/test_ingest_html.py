"""HTML and WARC readers: article text through trafilatura, metadata kept, bad pages reported."""

from __future__ import annotations

import gzip
import io
import subprocess
import sys
import time
from pathlib import Path

import pytest

from copydesk.types import Document

pytest.importorskip("trafilatura", reason="the html extra is not installed: pip install 'copydesk[html]'")

from copydesk.ingest import html as html_reader
from copydesk.errors import MissingExtra
from copydesk.ingest.html import extract_html, read_html

PARAGRAPHS = [
    "The harbour authority in Port Alder said on Thursday that the passenger ferry to Greystone Island "
    "will return to service on Monday after six weeks of repairs in dry dock.",
    "Engineers replaced a cracked propeller shaft that was found during a routine inspection in early "
    "spring, and the repair cost slightly less than the authority had first estimated.",
    "Islanders had relied on a smaller chartered boat that carried fewer than half the usual passengers, "
    "and several shops on the island reported a sharp fall in trade during the closure.",
    "\u201cWe know it has been a hard few weeks for people on the island,\u201d said the operations manager, "
    "adding that the timetable would be back to normal from the first sailing on Monday.",
]


def page(paragraphs: list[str] = PARAGRAPHS, charset: str | None = "utf-8", extra: str = "") -> str:
    meta = f'<meta charset="{charset}">' if charset else ""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html><html><head>{meta}
<title>Ferry service to resume - Harbour Gazette</title>
<link rel="canonical" href="https://www.harbourgazette.example/news/ferry-to-resume">
<meta property="article:published_time" content="2024-03-07T09:30:00Z">
</head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li><li><a href="/sport">Sport</a></li></ul></nav>
<article><h1>Ferry service to resume after six-week repair</h1>{body}{extra}</article>
<aside><h3>Most read</h3><ul><li><a href="/a">Council tax to rise</a></li><li><a href="/b">Dog found</a></li></ul></aside>
<footer><p>Copyright 2024 Harbour Gazette. All rights reserved.</p></footer>
</body></html>"""


def test_read_html_keeps_article_text_url_date_and_source(tmp_path):
    path = tmp_path / "ferry.html"
    path.write_text(page(), encoding="utf-8")
    doc = read_html(path, "ferry.html")
    assert isinstance(doc, Document)
    assert doc.id == "ferry.html"
    for p in PARAGRAPHS:
        assert p in doc.text
    assert "Most read" not in doc.text and "Sport" not in doc.text
    assert doc.url == "https://www.harbourgazette.example/news/ferry-to-resume"
    assert (doc.published, doc.published_origin) == ("2024-03-07T09:30:00Z", "html_meta")  # to the second
    assert doc.source == "harbourgazette.example"
    assert doc.origin == str(path)


@pytest.mark.parametrize("name", ["ferry.html.gz", "ferry.htm.gz"])
def test_gzipped_pages_read_like_plain_ones(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(gzip.compress(page().encode("utf-8")))
    assert PARAGRAPHS[0] in read_html(path, name).text


def test_undeclared_or_wrong_charset_never_stops_the_run(tmp_path):
    paragraphs = [p.replace("Port Alder", "Port Ålder") for p in PARAGRAPHS]
    path = tmp_path / "page.html"
    path.write_bytes(page(paragraphs, charset=None).encode("utf-8"))  # valid UTF-8, undeclared
    assert "Port Ålder" in read_html(path, "page.html").text
    # cp1252 bytes, undeclared or declared as utf-8: the charset is guessed, the page is read
    for charset in (None, "utf-8"):
        path.write_bytes(page(paragraphs, charset=charset).encode("cp1252"))
        assert "repairs in dry dock" in read_html(path, "page.html").text


def test_broken_markup_is_read_leniently(tmp_path):
    broken = page().replace("</p>", "").replace("</article>", "<div><span><p>") [: -30]
    path = tmp_path / "broken.html"
    path.write_text(broken, encoding="utf-8")
    assert PARAGRAPHS[1] in read_html(path, "broken.html").text


def test_a_page_without_article_text_is_a_problem_naming_the_file(tmp_path):
    path = tmp_path / "empty.html"
    path.write_text("<html><head><script>var a = 1;</script></head><body></body></html>", encoding="utf-8")
    with pytest.raises(ValueError, match="empty.html"):
        read_html(path, "empty.html")


def test_a_huge_page_is_refused_with_a_message(tmp_path, monkeypatch):
    monkeypatch.setattr(html_reader, "MAX_HTML_BYTES", 5_000)
    path = tmp_path / "huge.html"
    path.write_text(page(PARAGRAPHS * 10), encoding="utf-8")
    with pytest.raises(ValueError, match=r"huge.html: page is .* MB, over the"):
        read_html(path, "huge.html")


def test_a_corrupt_gzip_file_is_a_problem(tmp_path):
    path = tmp_path / "bad.html.gz"
    path.write_bytes(b"\x1f\x8b\x08\x00garbage")
    with pytest.raises(ValueError, match="bad.html.gz is not a valid gzip file"):
        read_html(path, "bad.html.gz")


def test_a_page_that_hangs_is_stopped_by_the_time_limit(tmp_path, monkeypatch):
    import trafilatura

    def hang(*args, **kwargs):
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # a pure-Python loop, as trafilatura's pathological cases are
            pass

    monkeypatch.setattr(trafilatura, "bare_extraction", hang)
    html_reader.stop_extractor()  # the extraction child is forked again, with the patch
    path = tmp_path / "slow.html"
    path.write_text(page(), encoding="utf-8")
    started = time.monotonic()
    with pytest.raises(ValueError, match=r"slow.html: extraction took longer than 0.2 s"):
        read_html(path, "slow.html", timeout_s=0.2)
    assert time.monotonic() - started < 10
    monkeypatch.undo()
    html_reader.stop_extractor()


def test_a_long_c_call_is_stopped_by_the_time_limit(tmp_path, monkeypatch):
    # A signal handler runs only between bytecodes: a regular expression backtracking in C (as
    # lxml on a 19 MB page, issue 12) ignored the old SIGALRM limit. The child process is killed.
    import re

    import trafilatura

    def backtrack(*args, **kwargs):
        re.match(r"(a+)+$", "a" * 40 + "b")

    monkeypatch.setattr(trafilatura, "bare_extraction", backtrack)
    html_reader.stop_extractor()
    path = tmp_path / "slow.html"
    path.write_text(page(), encoding="utf-8")
    started = time.monotonic()
    with pytest.raises(ValueError, match=r"slow.html: extraction took longer than 0.5 s"):
        read_html(path, "slow.html", timeout_s=0.5)
    assert time.monotonic() - started < 20
    monkeypatch.undo()
    html_reader.stop_extractor()
    assert PARAGRAPHS[0] in read_html(path, "slow.html", timeout_s=30).text  # the next page is read


def test_missing_trafilatura_fails_with_the_pip_line(monkeypatch):
    monkeypatch.setitem(sys.modules, "trafilatura", None)
    with pytest.raises(MissingExtra, match=r"pip install 'copydesk\[html\]'"):
        extract_html(b"<html></html>")


def test_importing_copydesk_loads_no_extra():
    code = ("import sys, copydesk, copydesk.clean, copydesk.ingest.html, copydesk.ingest.warc; "
            "print(sorted(m for m in ('trafilatura', 'warcio', 'lxml') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# --------------------------------------------------------------------------- WARC


def write_warc(path: Path, pages: list[tuple[str, bytes, str]], gzipped: bool = True) -> None:
    """A small WARC: a warcinfo record, then per page a request and a response."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as f:
        writer = WARCWriter(f, gzip=gzipped)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "copydesk tests"}))
        for url, body, content_type in pages:
            request = writer.create_warc_record(url, "request", payload=io.BytesIO(b"GET / HTTP/1.1\r\n\r\n"))
            writer.write_record(request)
            headers = StatusAndHeaders("200 OK", [("Content-Type", content_type)], protocol="HTTP/1.1")
            record = writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=headers,
                                               warc_headers_dict={"WARC-Date": "2024-03-08T10:00:00Z"})
            writer.write_record(record)


@pytest.fixture()
def warc_file(tmp_path):
    pytest.importorskip("warcio", reason="the warc extra is not installed: pip install 'copydesk[warc]'")
    path = tmp_path / "crawl.warc.gz"
    no_date = page().replace('<meta property="article:published_time" content="2024-03-07T09:30:00Z">', "")
    no_date = no_date.replace("<link rel=\"canonical\" href=\"https://www.harbourgazette.example/news/ferry-to-resume\">", "")
    write_warc(path, [
        ("https://www.harbourgazette.example/news/ferry-to-resume", page().encode("utf-8"), "text/html; charset=utf-8"),
        ("https://cdn.example/logo.png", b"\x89PNG\r\n\x1a\n", "image/png"),
        ("https://valleyherald.example/nav", b"<html><body><script>1</script></body></html>", "text/html"),
        ("https://valleyherald.example/ferry-copy", no_date.encode("utf-8"), "text/html"),
    ])
    return path


def test_read_warc_yields_html_responses_with_url_and_date(warc_file):
    from copydesk.ingest.warc import RecordProblem, read_warc

    items = list(read_warc(warc_file))
    docs = [i for i in items if isinstance(i, Document)]
    problems = [i for i in items if isinstance(i, RecordProblem)]
    assert [d.url for d in docs] == ["https://www.harbourgazette.example/news/ferry-to-resume",
                                     "https://valleyherald.example/ferry-copy"]
    assert [d.id for d in docs] == [f"{warc_file.as_posix()}#1", f"{warc_file.as_posix()}#3"]
    assert docs[0].published == "2024-03-07T09:30:00Z"  # the page's own date
    assert docs[1].published == "2024-03-08T10:00:00Z"  # else the capture date
    assert [d.published_origin for d in docs] == ["html_meta", "warc_crawl"]
    assert docs[1].source == "valleyherald.example"
    assert all(PARAGRAPHS[2] in d.text for d in docs)
    # the page without text is reported, naming the file and the record
    assert len(problems) == 1
    assert "crawl.warc.gz" in str(problems[0]) and "record 2 (https://valleyherald.example/nav)" in str(problems[0])


def test_uncompressed_warc_reads_too(tmp_path):
    pytest.importorskip("warcio")
    from copydesk.ingest.warc import read_warc

    path = tmp_path / "crawl.warc"
    write_warc(path, [("https://a.example/x", page().encode("utf-8"), "text/html")], gzipped=False)
    docs = list(read_warc(path))
    assert len(docs) == 1 and isinstance(docs[0], Document)


def test_truncated_warc_reports_and_keeps_what_came_before(warc_file, tmp_path):
    from copydesk.ingest.warc import RecordProblem, read_warc

    data = warc_file.read_bytes()
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(data[: int(len(data) * 0.8)])
    items = list(read_warc(cut))
    assert isinstance(items[0], Document)
    assert isinstance(items[-1], RecordProblem)
    assert "truncated or corrupt" in str(items[-1])


def test_missing_warcio_fails_with_the_pip_line(monkeypatch, tmp_path):
    from copydesk.ingest.warc import read_warc

    monkeypatch.setitem(sys.modules, "warcio", None)
    monkeypatch.setitem(sys.modules, "warcio.archiveiterator", None)
    with pytest.raises(MissingExtra, match=r"pip install 'copydesk\[warc\]'"):
        next(read_warc(tmp_path / "x.warc"))


def test_outside_the_main_thread_pages_are_read_without_a_time_limit(tmp_path):
    # signals only reach the main thread: a reader thread must still work (with no limit)
    import threading

    path = tmp_path / "ferry.html"
    path.write_text(page(), encoding="utf-8")
    result = {}
    worker = threading.Thread(target=lambda: result.setdefault("doc", read_html(path, "ferry.html", timeout_s=5)))
    worker.start()
    worker.join(60)
    assert PARAGRAPHS[0] in result["doc"].text


def test_warc_ids_can_be_relative_to_the_folder_read(warc_file):
    from copydesk.ingest.warc import read_warc

    ids = [d.id for d in read_warc(warc_file, id_prefix="crawl.warc.gz") if isinstance(d, Document)]
    assert ids == ["crawl.warc.gz#1", "crawl.warc.gz#3"]
