"""``copydesk explain`` answers from the output folder; ``copydesk show`` lists matches and clusters."""

from __future__ import annotations

import io
import json
import shutil
import sys
from pathlib import Path

import pytest
from rich.console import Console

from copydesk.cli import main
from copydesk.report import show
from copydesk.texts import TEXTS_FILE, TextStore

SAMPLES = Path(__file__).resolve().parents[1] / "samples" / "news"
A, B = "dailyherald/fraud-trial-verdict.txt", "wire/fraud-trial-verdict.txt"


class NoStdin:
    """Fails the test if anything reads standard input."""

    def __getattr__(self, name):
        raise AssertionError(f"stdin was used ({name})")


@pytest.fixture(scope="module")
def moved_run(tmp_path_factory) -> Path:
    """A run whose input folder is gone afterwards: explain must not need it."""
    root = tmp_path_factory.mktemp("explain")
    corpus = root / "corpus"
    shutil.copytree(SAMPLES, corpus)
    out = root / "out"
    assert main(["run", str(corpus), "-o", str(out), "--stages", "clean,exact,near,passages", "--processes", "1",
                 "-q"]) == 0
    shutil.rmtree(corpus)
    return out


def test_texts_store_keeps_matched_texts_only(moved_run):
    matched = {d for line in (moved_run / "matches.jsonl").read_text().splitlines()
               for d in (json.loads(line)["a"], json.loads(line)["b"])}
    ids = [json.loads(line)["id"] for line in (moved_run / "documents.jsonl").read_text().splitlines()]
    with TextStore(moved_run / TEXTS_FILE) as store:
        assert store.count() == len(ids)
        for doc_id in ids:
            assert doc_id in store
            text = store.text(doc_id)
            assert (text is not None) == (doc_id in matched)
            if text is not None:
                assert text == (SAMPLES / doc_id).read_bytes().decode("utf-8")
        assert "no/such/id.txt" not in store


def test_explain_answers_from_the_folder_in_the_order_given(moved_run, capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", NoStdin())
    assert main(["explain", str(moved_run), B, A]) == 0
    out = capsys.readouterr().out
    assert "passage 1" in out and "could not be found" not in out
    assert out.index(B) < out.index(A)  # the first id given is on the left
    assert main(["explain", str(moved_run), A, B]) == 0
    out = capsys.readouterr().out
    assert out.index(A) < out.index(B)


def test_explain_says_when_an_id_is_not_in_the_corpus(moved_run, capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", NoStdin())
    assert main(["explain", str(moved_run), A, "wire/no-such-story.txt"]) == 1
    out = capsys.readouterr().out
    assert "'wire/no-such-story.txt' is not a document" in out and "No match" not in out
    assert main(["explain", str(moved_run), A, "wire/glacier-microbes-study.txt"]) == 1
    assert "not found to be related" in capsys.readouterr().out


def test_explain_after_a_stdin_run_never_reads_stdin(tmp_path, capsys, monkeypatch):
    story = (SAMPLES / A).read_text(encoding="utf-8")
    rows = [{"id": "x", "text": story}, {"id": "y", "text": "Update. " + story}]
    data = "".join(json.dumps(r) + "\n" for r in rows).encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    out = tmp_path / "out"
    assert main(["run", "-", "-o", str(out), "--stages", "exact,near,passages", "--processes", "1", "-q"]) == 0
    monkeypatch.setattr(sys, "stdin", NoStdin())
    assert main(["explain", str(out), "y", "x"]) == 0
    assert "passage 1" in capsys.readouterr().out
    (out / TEXTS_FILE).unlink()  # an older folder: the texts are nowhere but in stdin, long gone
    assert main(["explain", str(out), "y", "x"]) == 0
    assert "could not be found" in capsys.readouterr().out


def _write(folder: Path, matches: list[dict], clusters: list[dict]) -> Path:
    folder.mkdir()
    (folder / "matches.jsonl").write_text("".join(json.dumps(m) + "\n" for m in matches))
    (folder / "clusters.jsonl").write_text("".join(json.dumps(c) + "\n" for c in clusters))
    return folder


def test_show_lists_matches_by_kind_and_no_story_cluster_twice(tmp_path):
    long_id = "very/long/folder/name/for/a/regional/outlet/" + "x" * 60 + ".txt"
    m = lambda a, b, kind, score: {"a": a, "b": b, "kind": kind, "score": score, "passages": []}  # noqa: E731
    out = _write(tmp_path / "out", [m("a1", "a2", "exact", 1.0), m("a1", long_id, "same_story", 0.4),
                                    m("b1", "b2", "rewrite", 0.8), m("a2", "a3", "near_duplicate", 0.9)],
                 [{"id": "copy-000001", "kind": "copy", "members": ["a1", "a2", "a3"], "representative": "a1"},
                  {"id": "copy-000002", "kind": "copy", "members": ["b1", "b2"], "representative": "b1"},
                  {"id": "story-000001", "kind": "story", "members": ["a1", "a2", "a3", long_id],
                   "representative": "a1"},
                  {"id": "story-000002", "kind": "story", "members": ["b1", "b2"], "representative": "b1"}])
    console = Console(width=70, record=True, file=io.StringIO())
    show(console, out)
    text = console.export_text()
    kinds = [k for k in ("exact", "near_duplicate", "rewrite", "same_story") if k in text]
    assert kinds == ["exact", "near_duplicate", "rewrite", "same_story"]
    assert [text.index(k) for k in kinds] == sorted(text.index(k) for k in kinds)  # strongest first
    assert "story-000001" in text and "story-000002" not in text  # the same members as copy-000002
    assert "1 story cluster(s) hold exactly one copy cluster's members" in text
    # story-000001 lists the copy cluster inside it, then its other member
    story_row = text[text.index("story-000001"):]
    assert "copy-000001" in story_row
    # ids wrap, never cut: the long id is whole once the table's borders and line breaks go
    flat = "".join(ch for ch in text if ch not in "│┃║|─━ \n")
    assert flat.count(long_id) >= 2 and "…" not in text.replace("… (+", "")
    assert all(len(line) <= 70 for line in text.splitlines())
