"""Issue 16's "done when", walked on a folder of real HTML pages (the shared cleanportaleval set).

The bundled sample has its own tests (test_live, test_live_service, test_html_report,
test_output_interop, test_api); here the same steps run on news-portal pages, read as
``copydesk run`` reads HTML: serve an index and query it over HTTP (the answer equal to a batch
run's), open the report in a browser with the passages side by side, read every output into
pandas, polars, duckdb, pyarrow and ``datasets``, and run the README's Python example on the
folder in a plain script. (Build, add and query on pages: test_live's
``test_real_html_pages_in_two_batches_and_a_query_equal_batch_runs``.)

Twelve pages (eight BBC, four WSJ blog; HTML extraction is the slow part), plus two a newsroom
would meet: a page republished whole, and a new page quoting the start of another's article.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from html import escape
from pathlib import Path

import pytest

from copydesk.cli import main
from copydesk.texts import TEXTS_FILE, TextStore

REPO = Path(__file__).resolve().parents[1]
FLAGS = ["--rewrite-model", "none", "--processes", "1", "-q"]


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> tuple[Path, Path, str, str]:
    """Two folders of pages (``one``, ``two``), the id of the quoting page and of the page it quotes."""
    from conftest import SHARED_DATA

    if not SHARED_DATA.is_dir():
        pytest.skip(f"evaluation data not found at {SHARED_DATA} (clone the repo beside ../shared)")
    source = SHARED_DATA / "cleanportaleval" / "input"
    chosen = sorted(source.glob("bbc.co.uk_news_*.html"))[:8] + sorted(source.glob("blogs.wsj.com_*.html"))[:4]
    assert len(chosen) == 12
    root = tmp_path_factory.mktemp("pages")
    one, two = root / "one", root / "two"
    one.mkdir()
    two.mkdir()
    for k, page in enumerate(chosen):
        shutil.copyfile(page, (one if k % 2 == 0 else two) / page.name)
    shutil.copyfile(chosen[0], two / ("republished-" + chosen[0].name))
    # A new page quoting the first 1,500 characters of a BBC article (as copydesk reads it) in a
    # page of its own: an excerpt, with the furniture of the quoted page on one side only.
    from copydesk.config import Config
    from copydesk.live.index import read_documents

    (quoted,), _ = read_documents([one / chosen[2].name], Config(processes=1))
    body = "".join(f"<p>{escape(p)}</p>\n" for p in quoted.text[:1500].rsplit(" ", 1)[0].split("\n") if p.strip())
    (two / "quoting-page.html").write_text(
        "<!DOCTYPE html><html><head><title>Our take on the story</title></head><body><article>"
        f"<h1>Our take on the story</h1>\n<p>A reader sent us this report, which we quote here.</p>\n{body}"
        "<p>We will follow the story as it develops.</p></article></body></html>\n", encoding="utf-8")
    return one, two, "quoting-page.html", chosen[2].name


@pytest.fixture(scope="module")
def batch_run(pages, tmp_path_factory) -> tuple[Path, Path]:
    """``copydesk run one two -o OUT --report report.html``: the output folder and the report."""
    one, two, _, _ = pages
    root = tmp_path_factory.mktemp("run")
    out, html = root / "out", root / "report.html"
    assert main(["run", str(one), str(two), "-o", str(out), "--report", str(html), *FLAGS]) == 0
    return out, html


def _records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_the_pages_give_a_copy_and_an_excerpt(pages, batch_run):
    _, _, quoting, quoted = pages
    out, _ = batch_run
    kinds = {(m["a"], m["b"]): m["kind"] for m in _records(out / "matches.jsonl")}
    assert kinds.get(("bbc.co.uk_news_01.html", "republished-bbc.co.uk_news_01.html")) == "exact"
    assert kinds.get((quoted, quoting)) == "excerpt"


# --- serve and query over HTTP ------------------------------------------------------------------


def test_serve_an_index_of_pages_and_query_it_over_http(pages, batch_run, tmp_path, capsys):
    pytest.importorskip("fastapi", reason="the serve extra: pip install 'copydesk[serve]'")
    pytest.importorskip("uvicorn", reason="the serve extra: pip install 'copydesk[serve]'")
    from test_live_service import Server

    from copydesk.config import Config
    from copydesk.live import LiveIndex
    from copydesk.live.index import read_documents
    from copydesk.semantic import RewriteConfig

    one, two, quoting, quoted = pages
    out, _ = batch_run
    index = tmp_path / "pages.cdx"
    assert main(["index", "build", str(one), "-o", str(index), *FLAGS]) == 0
    # what a batch run over the index's pages and the queried page gives that page
    (tmp_path / "incoming").mkdir()  # a folder, so the page's id is its name (a file's id is its path)
    shutil.copyfile(two / quoting, tmp_path / "incoming" / quoting)
    assert main(["run", str(one), str(tmp_path / "incoming"), "-o", str(tmp_path / "q"), *FLAGS]) == 0
    expected = [m for m in _records(tmp_path / "q" / "matches.jsonl") if quoting in (m["a"], m["b"])]
    assert [m["kind"] for m in expected] == ["excerpt"]
    from test_live import MATCH_KEYS

    # the relation records (a batch run adds lineage fields after clustering; the index does not)
    keys = lambda ms: [{k: m.get(k) for k in sorted(MATCH_KEYS)} for m in ms]  # noqa: E731
    # the command line first: `copydesk query INDEX incoming/` reads the page as `run` does
    capsys.readouterr()
    assert main(["query", str(index), str(tmp_path / "incoming")]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    assert json.loads(line)["id"] == quoting and keys(json.loads(line)["matches"]) == keys(expected)

    config = Config(processes=1, rewrite=RewriteConfig(model="none"))
    others, _ = read_documents([two], config)
    (page,) = [d for d in others if d.id == quoting]
    as_json = lambda d: {k: v for k, v in {"id": d.id, "text": d.text, "source": d.source, "url": d.url,  # noqa: E731
                                           "published": d.published}.items() if v is not None}
    server = Server(index).start()
    try:
        status, answer = server.call("POST", "/query", as_json(page))
        assert status == 200 and answer["indexed"] is False
        assert keys(answer["matches"]) == keys(expected)
        # the rest of the pages added over HTTP: the index now holds the batch run's matches
        status, added = server.call("POST", "/documents", {"documents": [as_json(d) for d in others]})
        assert status == 200 and added["added"] == len(others) and added["generation"] == 2
        status, found = server.call("GET", "/documents/" + quoted)
        assert status == 200 and [(m["a"], m["b"], m["kind"]) for m in found["matches"]] == [(quoted, quoting,
                                                                                                "excerpt")]
    finally:
        server.kill()
    assert keys(LiveIndex(index).match_records()) == keys(_records(out / "matches.jsonl"))


# --- the HTML report in a browser ---------------------------------------------------------------


def test_report_shows_the_excerpt_side_by_side_at_the_right_characters(pages, batch_run):
    from test_html_report import Pieces, _browse, _covered

    from copydesk.pipeline import KIND_RANK

    _, _, quoting, quoted = pages
    out, html = batch_run
    done = _browse(html, "", "--dump-dom")
    index_view = Pieces()
    index_view.feed(done.stdout)
    assert index_view.body.get("data-ready") == "1" and index_view.errors.strip() == "", done.stderr[-2000:]
    assert "Uncaught" not in done.stderr

    matches = _records(out / "matches.jsonl")
    docs = {d["id"]: d for d in _records(out / "documents.jsonl")}
    order = sorted(matches, key=lambda m: (KIND_RANK[m["kind"]], -m["score"], m["a"], m["b"]))
    k = next(k for k, m in enumerate(order) if (m["a"], m["b"]) == (quoted, quoting))
    m = order[k]
    done = _browse(html, f"#pair-{k}", "--dump-dom")
    dom = Pieces()
    dom.feed(done.stdout)
    assert dom.body.get("data-view") == f"pair-{k}" and dom.errors.strip() == "", done.stderr[-2000:]
    assert list(dom.docs) == [quoted, quoting]  # side by side, a on the left
    assert docs[quoted]["boilerplate"]  # the quoted page's furniture is greyed: checked below
    for side in ("a", "b"):
        doc_id = m[side]
        with TextStore(out / TEXTS_FILE) as store:
            text = store.text(doc_id)
        pieces = dom.docs[doc_id]
        assert "".join(p["text"] for p in pieces) == text
        assert all(p["text"] == text[p["s"]:p["e"]] for p in pieces)
        verbatim = [(q[side]["start"], q[side]["end"]) for q in m["passages"] if q["kind"] == "verbatim"]
        assert verbatim and _covered([(p["s"], p["e"]) for p in pieces if "pv" in p["cls"]]) == _covered(verbatim)
        furniture = [(s["start"], s["end"]) for s in docs[doc_id]["boilerplate"]]
        assert _covered([(p["s"], p["e"]) for p in pieces if "bp" in p["cls"]]) == _covered(furniture)


# --- every output in pandas, polars, duckdb, pyarrow and datasets --------------------------------


@pytest.mark.parametrize("reader", ["pandas", "polars", "duckdb", "pyarrow", "datasets"])
def test_every_output_of_the_pages_loads_without_loss(batch_run, tmp_path, monkeypatch, reader):
    from test_output_interop import OUTPUTS, _load, _plain

    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    out, _ = batch_run
    for name in OUTPUTS:
        expected = _records(out / name)
        assert expected, f"{name} is empty: the test would prove nothing"
        got = _load(reader, out / name, tmp_path / name)
        assert len(got) == len(expected)
        for row, record in zip(got, expected):
            assert _plain(row) == _plain(record), (reader, name)


# --- the README's Python example on the pages, in a plain script ---------------------------------


@pytest.mark.slow
def test_readme_example_on_the_pages_in_a_plain_script(pages, tmp_path):
    """The README's block with the sample folder replaced by the pages' folder, run as
    ``python example.py`` with no ``__main__`` guard."""
    one, two, quoting, quoted = pages
    folder = tmp_path / "pages"
    shutil.copytree(one, folder)
    shutil.copytree(two, folder, dirs_exist_ok=True)
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    code = re.search(r"```python\n(.*?)```", readme[readme.index("## Python API"):], re.S).group(1)
    assert code.count('find_reuse("samples/news", "out/news"') == 1 and "__main__" not in code
    code = code.replace('find_reuse("samples/news", "out/news"', 'find_reuse("pages", "out/pages"')
    script = tmp_path / "example.py"
    script.write_text("print('BODY RAN')\n" + code, encoding="utf-8")
    (tmp_path / "samples").symlink_to(REPO / "samples")  # the example's record part reads one sample file
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"))
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=1800)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.count("BODY RAN") == 1 and "bootstrapping phase" not in done.stderr
    assert re.search(r"'excerpt': [1-9]", done.stdout)  # counts["matches_by_kind"], printed first
    matches = _records(tmp_path / "out" / "pages" / "matches.jsonl")
    assert {(m["a"], m["b"], m["kind"]) for m in matches} >= {
        ("bbc.co.uk_news_01.html", "republished-bbc.co.uk_news_01.html", "exact"), (quoted, quoting, "excerpt")}
