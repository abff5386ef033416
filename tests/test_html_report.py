"""The HTML report, opened in a real headless browser (Debian's chromium).

The page must load without a script error, and every highlighted piece of text must sit at
the characters its offsets name: passages (by kind), furniture, segments, in both texts.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from copydesk.cli import main
from copydesk.html_report import write_report
from copydesk.texts import TEXTS_FILE, TextStore

SAMPLES = Path(__file__).resolve().parents[1] / "samples" / "news"
STORY = (SAMPLES / "wire" / "school-lunch-pilot.txt").read_text(encoding="utf-8")


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    if os.environ.get("CI") == "true":
        pytest.fail("chromium is missing: apt-get install -y chromium (.ci/run installs it)")
    pytest.skip("chromium is not installed (apt-get install -y chromium); the browser tests need it")


def _browse(page: Path, fragment: str = "", *extra: str) -> subprocess.CompletedProcess:
    cmd = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
           "--no-first-run", "--enable-logging=stderr", "--v=0", "--virtual-time-budget=10000", *extra,
           page.resolve().as_uri() + fragment]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300)


class Pieces(HTMLParser):
    """The body's attributes, the error box's text, and every rendered piece of each text."""

    def __init__(self) -> None:
        super().__init__()
        self.body: dict[str, str] = {}
        self.errors = ""
        self.docs: dict[str, list[dict]] = {}
        self._doc: str | None = None
        self._piece: dict | None = None
        self._in_errors = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "body":
            self.body = attrs
        if attrs.get("id") == "js-errors":
            self._in_errors = True
        if "data-doc" in attrs:
            self._doc = attrs["data-doc"]
            self.docs[self._doc] = []
        elif self._doc is not None and tag == "span" and "data-s" in attrs:
            self._piece = {"s": int(attrs["data-s"]), "e": int(attrs["data-e"]),
                           "cls": set((attrs.get("class") or "").split()), "text": ""}
            self.docs[self._doc].append(self._piece)

    def handle_endtag(self, tag):
        if tag == "pre":
            self._in_errors = False
        if tag == "span":
            self._piece = None
        if tag == "div" and self._piece is None and self._doc is not None:
            self._doc = None

    def handle_data(self, data):
        if self._in_errors:
            self.errors += data
        if self._piece is not None:
            self._piece["text"] += data


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp("report")
    # Astral characters (one code point, two UTF-16 units) before the copy: offsets count code
    # points, and the page's script must too.
    rows = [{"id": "emoji-original", "text": "🗞️📰 Morning edition 🌍\n\n" + STORY},
            {"id": "emoji-copy", "text": "𝔅𝔯𝔢𝔞𝔨𝔦𝔫𝔤 👀\n\n" + STORY[:1500] + "\n\nReader comments 💬 below."}]
    extra = root / "extra.jsonl"
    extra.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    out = root / "out"
    html = root / "report.html"
    assert main(["run", str(SAMPLES), str(extra), "-o", str(out), "--stages", "clean,exact,near,passages",
                 "--processes", "1", "-q", "--report", str(html)]) == 0
    return out, html


def _records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _covered(spans) -> set[int]:
    return {i for s, e in spans for i in range(s, e)}


def test_report_is_self_contained(run):
    _, html = run
    page = html.read_text(encoding="utf-8")
    for needle in ("http://", "https://", "src=", "@import", "url("):
        inside = [line for line in page.splitlines() if needle in line and "copydesk-data" not in line]
        # the embedded data may hold a document's URL as text; nothing is fetched from it
        assert not [line for line in inside if "<script" in line or "<link" in line or "url(" in line], needle
    assert "<link" not in page


def test_index_loads_without_errors_and_lists_clusters_and_matches(run):
    out, html = run
    done = _browse(html, "", "--dump-dom")
    assert done.returncode == 0, done.stderr[-2000:]
    dom = Pieces()
    dom.feed(done.stdout)
    assert dom.body.get("data-ready") == "1" and dom.body.get("data-view") == "index", done.stderr[-2000:]
    assert dom.errors.strip() == "" and "Uncaught" not in done.stderr
    for c in _records(out / "clusters.jsonl"):
        assert c["id"] in done.stdout
    assert done.stdout.count('href="#pair-') >= len(_records(out / "matches.jsonl"))


@pytest.mark.parametrize("wanted", ["emoji", "boilerplate", "segments"])
def test_pair_view_highlights_sit_at_the_right_characters(run, wanted):
    out, html = run
    matches = _records(out / "matches.jsonl")
    docs = {d["id"]: d for d in _records(out / "documents.jsonl")}
    from copydesk.pipeline import KIND_RANK

    order = sorted(range(len(matches)), key=lambda k: (KIND_RANK[matches[k]["kind"]], -matches[k]["score"],
                                                       matches[k]["a"], matches[k]["b"]))
    pick = {
        "emoji": lambda m: m["a"].startswith("emoji"),
        "boilerplate": lambda m: m["passages"] and (docs[m["a"]]["boilerplate"] or docs[m["b"]]["boilerplate"]),
        "segments": lambda m: m["passages"] and (docs[m["a"]]["segments"] or docs[m["b"]]["segments"]),
    }[wanted]
    shown = [k for k in range(len(order)) if pick(matches[order[k]])]
    if not shown:
        pytest.fail(f"no pair with {wanted} in the sample run: the test would prove nothing")
    k = shown[0]
    m = matches[order[k]]
    done = _browse(html, f"#pair-{k}", "--dump-dom")
    dom = Pieces()
    dom.feed(done.stdout)
    assert dom.body.get("data-view") == f"pair-{k}" and dom.errors.strip() == "", done.stderr[-2000:]
    assert "Uncaught" not in done.stderr
    assert set(dom.docs) == {m["a"], m["b"]}
    for side in ("a", "b"):
        doc_id = m[side]
        with TextStore(out / TEXTS_FILE) as store:
            text = store.text(doc_id)
        pieces = dom.docs[doc_id]
        assert "".join(p["text"] for p in pieces) == text  # the whole text, nothing lost or added
        position = 0
        for p in pieces:
            assert p["s"] == position and p["e"] > p["s"]
            position = p["e"]
            assert p["text"] == text[p["s"]:p["e"]]  # offsets in code points, as in the outputs
        for kind, cls in (("verbatim", "pv"), ("rewrite", "pr")):
            spans = [(q[side]["start"], q[side]["end"]) for q in m["passages"] if q["kind"] == kind]
            assert _covered([(p["s"], p["e"]) for p in pieces if cls in p["cls"]]) == _covered(spans)
        furniture = [(s["start"], s["end"]) for s in docs[doc_id]["boilerplate"]]
        assert _covered([(p["s"], p["e"]) for p in pieces if "bp" in p["cls"]]) == _covered(furniture)
        segments = [(s["start"], s["end"]) for s in docs[doc_id]["segments"]]
        assert _covered([(p["s"], p["e"]) for p in pieces if "seg" in p["cls"]]) == _covered(segments)
    if wanted == "emoji":
        first = m["passages"][0]
        assert first["a"]["start"] > 0  # after astral characters: code points and UTF-16 units differ here


def test_report_command_and_missing_folder(run, tmp_path, capsys):
    out, _ = run
    dest = tmp_path / "again.html"
    assert main(["report", str(out), "-o", str(dest)]) == 0
    assert dest.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert main(["report", str(tmp_path / "nothing"), "-o", str(dest)]) == 2
    assert "not a copydesk output folder" in capsys.readouterr().err


def test_write_report_escapes_script_endings(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    m = {"a": "x</script><b>", "b": "y", "kind": "same_story", "score": 0.5, "passages": []}
    (out / "matches.jsonl").write_text(json.dumps(m) + "\n")
    (out / "documents.jsonl").write_text("")
    page = write_report(out, tmp_path / "r.html").read_text(encoding="utf-8")
    assert "x</script>" not in page and "x<\\/script>" in page


def test_copy_clusters_sit_inside_their_story_cluster(tmp_path):
    from copydesk.texts import write_texts

    out = tmp_path / "out"
    out.mkdir()
    m = lambda a, b, kind: {"a": a, "b": b, "kind": kind, "score": 0.9, "passages": []}  # noqa: E731
    (out / "matches.jsonl").write_text("".join(json.dumps(x) + "\n" for x in
                                               [m("a", "b", "exact"), m("a", "c", "same_story")]))
    (out / "clusters.jsonl").write_text("".join(json.dumps(c) + "\n" for c in [
        {"id": "copy-000001", "kind": "copy", "members": ["a", "b"], "representative": "a"},
        {"id": "story-000001", "kind": "story", "members": ["a", "b", "c"], "representative": "a"}]))
    (out / "documents.jsonl").write_text("".join(json.dumps({"id": d, "boilerplate": [], "segments": []}) + "\n"
                                                 for d in "abc"))
    write_texts(out / TEXTS_FILE, [(d, f"text {d}") for d in "abc"])
    html = write_report(out, tmp_path / "r.html")
    done = _browse(html, "", "--dump-dom")

    class Nesting(HTMLParser):
        def __init__(self):
            super().__init__()
            self.stack, self.parent_of = [], {}

        def handle_starttag(self, tag, attrs):
            if tag == "div":
                ident = dict(attrs).get("id")
                if ident:
                    self.parent_of[ident] = next((s for s in reversed(self.stack) if s), None)
                self.stack.append(ident)

        def handle_endtag(self, tag):
            if tag == "div" and self.stack:
                self.stack.pop()

    nesting = Nesting()
    nesting.feed(done.stdout)
    assert nesting.parent_of.get("copy-000001") == "story-000001", done.stdout[-3000:]
    assert "Uncaught" not in done.stderr
