"""The bad-input matrix (issue 12): every hostile input mixed with good documents.

Each case adds bad files to a corpus of good documents and runs ``copydesk run`` in-process.
It asserts the exit status, that the message or problem names the file (and line), that every
good document is in ``documents.jsonl`` with the same matches as in a run on the good
documents alone, and that every output line parses as JSON.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
from pathlib import Path

import pytest

from copydesk.cli import main

STAGES = ["--stages", "clean,exact,near,passages", "--processes", "1", "-q"]

STORY = (
    "The city council approved the new transit budget on Tuesday after a long debate about bus routes. "
    "Council members said the plan would add three new lines to the northern districts by next spring. "
    "Residents who attended the meeting asked for more frequent service on weekends and at night. "
    "The mayor said the money would come from a regional fund and not from local property taxes. "
)
OTHER = (
    "A local bakery won the regional bread competition for the third year running this weekend. "
    "The owners credited a sourdough starter kept alive since the shop opened in the nineteen fifties. "
    "Judges praised the crust and the open crumb, and the bakery plans to expand its morning hours. "
)


def good_corpus(folder: Path) -> None:
    """Five good documents: a story, a near copy, an excerpt, an unrelated one and its JSONL copy."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "wire").mkdir(exist_ok=True)
    (folder / "wire" / "story.txt").write_text(STORY * 2)
    (folder / "wire" / "copy.txt").write_text(STORY * 2 + "Copyright the Daily Herald.")
    (folder / "wire" / "excerpt.txt").write_text(STORY)
    (folder / "wire" / "bakery.txt").write_text(OTHER * 2)
    (folder / "good.jsonl").write_text(json.dumps({"id": "j-good", "text": OTHER * 2 + " Photos online."}) + "\n")


def run(inputs: list[Path], out: Path, *extra: str) -> int:
    return main(["run", *map(str, inputs), "-o", str(out), *STAGES, *extra])


def lines_of(path: Path) -> list[dict]:
    """Every line of an output file, each of which must parse as JSON."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def outputs(out: Path) -> dict[str, list[dict]]:
    return {name: lines_of(out / name) for name in ("documents.jsonl", "matches.jsonl", "clusters.jsonl",
                                                    "deduplicated.jsonl")}


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    root = tmp_path_factory.mktemp("base")
    good_corpus(root / "in")
    assert run([root / "in"], root / "out") == 0
    result = outputs(root / "out")
    assert len(result["documents.jsonl"]) == 5 and len(result["matches.jsonl"]) >= 3
    return result


def check_good_kept(out: Path, baseline: dict) -> dict:
    """Every good document is there, and the matches between good documents are unchanged."""
    got = outputs(out)
    good_ids = {d["id"] for d in baseline["documents.jsonl"]}
    assert good_ids <= {d["id"] for d in got["documents.jsonl"]}
    mine = [m for m in got["matches.jsonl"] if m["a"] in good_ids and m["b"] in good_ids]
    assert mine == baseline["matches.jsonl"]
    return got


def problems_of(out: Path) -> list[str]:
    return json.loads((out / "run.json").read_text())["problems"]


def warnings_of(out: Path) -> list[str]:
    return json.loads((out / "run.json").read_text())["warnings"]


# --- runs lost to one bad record ------------------------------------------------------------------


def test_lone_surrogates_are_replaced_and_reported(tmp_path, baseline):
    good_corpus(tmp_path / "in")
    (tmp_path / "in" / "bad.jsonl").write_text(
        '{"id": "s1", "text": "x \\udfff y words words", "source": "\\ud800"}\n'
        '{"id": "s2\\udc80", "text": "fine"}\n')
    assert run([tmp_path / "in"], tmp_path / "out") == 0
    got = check_good_kept(tmp_path / "out", baseline)
    by_id = {d["id"]: d for d in got["documents.jsonl"]}
    assert by_id["s1"]["chars"] == len("x \udfff y words words")  # offsets unchanged: one code point each
    assert "s2\ufffd" in by_id
    assert any("bad.jsonl:1" in w and "surrogate" in w for w in warnings_of(tmp_path / "out"))
    assert any("bad.jsonl:2" in w for w in by_id["s2\ufffd"]["warnings"])


def test_non_utf8_file_name_gets_a_printable_id(tmp_path, baseline):
    good_corpus(tmp_path / "in")
    bad = os.fsdecode(b"bad\xff.txt")
    (tmp_path / "in" / bad).write_text("a document under a file name that is not UTF-8")
    assert run([tmp_path / "in"], tmp_path / "out") == 0
    got = check_good_kept(tmp_path / "out", baseline)
    doc = next(d for d in got["documents.jsonl"] if d["id"] == "bad\\xff.txt")
    assert "not valid UTF-8" in doc["warnings"][0]


@pytest.mark.parametrize("line, why", [
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ('{"id": "n", "text": "t", "n": ' + "1" * 5000 + "}", "4300 digits"),
    ('{"id": "m", "text": "t"', "not valid JSON"),
    ("[1, 2]", "not a JSON object"),
    ('{"text": "no id"}', "no usable 'id'"),
    ('{"id": "x", "text": 5}', "not a string"),
])
def test_invalid_json_is_a_problem_naming_file_and_line(tmp_path, baseline, line, why):
    good_corpus(tmp_path / "in")
    (tmp_path / "in" / "bad.jsonl").write_text('{"id": "first", "text": "fine"}\n' + line + "\n"
                                               '{"id": "last", "text": "fine too"}\n')
    assert run([tmp_path / "in"], tmp_path / "out") == 0
    got = check_good_kept(tmp_path / "out", baseline)
    assert {"first", "last"} <= {d["id"] for d in got["documents.jsonl"]}
    [problem] = problems_of(tmp_path / "out")
    assert "bad.jsonl:2" in problem and why in problem


def test_invalid_json_with_on_error_fail_is_one_line(tmp_path, capsys):
    good_corpus(tmp_path / "in")
    (tmp_path / "in" / "bad.jsonl").write_text("[" * 100_000 + "]" * 100_000 + "\n")
    assert run([tmp_path / "in"], tmp_path / "out", "--on-error", "fail") == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "bad.jsonl:1" in err
    assert not (tmp_path / "out").exists()


def test_over_long_jsonl_line_is_skipped_and_the_rest_read(tmp_path, baseline):
    good_corpus(tmp_path / "in")
    with gzip.open(tmp_path / "in" / "bomb.jsonl.gz", "wb") as f:
        f.write(b'{"id": "before", "text": "fine"}\n')
        f.write(b'{"id": "bomb", "text": "' + b"a" * (8 << 20))  # 8 MB, no newline for a while
        f.write(b'"}\n{"id": "after", "text": "fine too"}\n')
    assert run([tmp_path / "in"], tmp_path / "out", "--ingest-max-line-bytes", "1000000") == 0
    got = check_good_kept(tmp_path / "out", baseline)
    assert {"before", "after"} <= {d["id"] for d in got["documents.jsonl"]}
    [problem] = problems_of(tmp_path / "out")
    assert "bomb.jsonl.gz:2" in problem and "max_line_bytes" in problem


def test_jsonl_line_reader_holds_at_most_the_cap(tmp_path):
    from copydesk.config import IngestConfig
    from copydesk.ingest import Problem, read_inputs

    path = tmp_path / "x.jsonl"
    path.write_bytes(b"x" * 5_000_000 + b'\n{"id": "a", "text": "b"}\n' + b"y" * 3000)
    items = list(read_inputs([path], IngestConfig(max_line_bytes=2000)))
    assert [type(i).__name__ for i in items] == ["Problem", "Document", "Problem"]
    assert items[0].origin.endswith("x.jsonl:1") and items[2].origin.endswith("x.jsonl:3")
    assert isinstance(items[2], Problem)


# --- data deleted ---------------------------------------------------------------------------------


def one_line_error(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    return err


@pytest.mark.parametrize("where", ["input", "parent", "user_folder"])
def test_force_never_replaces_what_is_not_a_copydesk_output(tmp_path, capsys, where):
    good_corpus(tmp_path / "in")
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("my own file")
    target = {"input": tmp_path / "in", "parent": tmp_path, "user_folder": tmp_path / "mine"}[where]
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    assert run([tmp_path / "in"], target, "--force") == 2
    err = one_line_error(capsys)
    assert str(target) in err and ("holds the input" in err or "not a copydesk output" in err)
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


def test_output_dot_and_parents_of_the_working_directory_are_refused(tmp_path, capsys, monkeypatch):
    good_corpus(tmp_path / "in")
    work = tmp_path / "work"
    work.mkdir()
    (work / "run.json").write_text('{"copydesk_output": 1}')  # even a folder that looks like an output
    monkeypatch.chdir(work)
    for target in (".", "..", "sub/.."):
        assert run([tmp_path / "in"], Path(target), "--force") == 2
        assert "working directory" in one_line_error(capsys)
    assert (work / "run.json").exists()


def test_force_replaces_a_copydesk_output(tmp_path, baseline):
    good_corpus(tmp_path / "in")
    assert run([tmp_path / "in"], tmp_path / "out") == 0
    assert run([tmp_path / "in"], tmp_path / "out", "--force") == 0
    check_good_kept(tmp_path / "out", baseline)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "out"]


def test_a_second_run_on_the_same_output_is_refused_while_the_first_runs(tmp_path, capsys):
    from copydesk.store import OutputFolder, OutputLockedError

    good_corpus(tmp_path / "in")
    first = OutputFolder(tmp_path / "out")
    with pytest.raises(OutputLockedError):
        OutputFolder(tmp_path / "out", force=True)
    assert run([tmp_path / "in"], tmp_path / "out", "--force") == 2
    assert f"pid {os.getpid()}" in one_line_error(capsys)
    first.write_json("run.json", {"copydesk_output": 1})
    first.commit()
    assert run([tmp_path / "in"], tmp_path / "out", "--force") == 0  # released at the commit


def test_output_inside_an_input_folder_is_not_read_back(tmp_path, baseline):
    good_corpus(tmp_path / "in")
    inner = tmp_path / "in" / "results"
    assert run([tmp_path / "in"], inner) == 0
    assert run([tmp_path / "in"], inner, "--force") == 0
    got = outputs(inner)
    assert len(got["documents.jsonl"]) == len(baseline["documents.jsonl"])
    assert any("copydesk output folder" in p for p in problems_of(inner))


# --- silent losses ----------------------------------------------------------------------------------


def deny_listing(monkeypatch, name: str) -> None:
    """Make every folder called ``name`` unlistable, as a user's chmod would (root reads every folder)."""
    real_scandir = os.scandir

    def scandir(path=".") -> object:
        if isinstance(path, (str, os.PathLike)) and Path(path).name == name:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)


def test_dangling_links_fifos_and_unreadable_folders_are_reported(tmp_path, baseline, monkeypatch):
    good_corpus(tmp_path / "in")
    (tmp_path / "in" / "gone.txt").symlink_to(tmp_path / "nowhere.txt")
    os.mkfifo(tmp_path / "in" / "pipe.jsonl")
    (tmp_path / "in" / "locked").mkdir()
    (tmp_path / "in" / "locked" / "x.txt").write_text("in a folder that cannot be listed")
    deny_listing(monkeypatch, "locked")
    assert run([tmp_path / "in"], tmp_path / "out") == 0
    check_good_kept(tmp_path / "out", baseline)
    problems = "\n".join(problems_of(tmp_path / "out"))
    assert "gone.txt: cannot be read" in problems
    assert "pipe.jsonl: is not a regular file" in problems
    assert "locked: folder cannot be read (Permission denied)" in problems


def test_truncated_documents_are_at_most_near_duplicates(tmp_path):
    words = " ".join(f"w{i}" for i in range(3000))
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text(words + " one ending")
    (tmp_path / "in" / "b.txt").write_text(words + " another ending")
    (tmp_path / "in" / "c.txt").write_text(words + " one ending")  # the same whole text as a.txt
    assert run([tmp_path / "in"], tmp_path / "out", "--ingest-max-doc-chars", "5000") == 0
    got = outputs(tmp_path / "out")
    assert {m["kind"] for m in got["matches.jsonl"]} == {"near_duplicate"}
    assert all(d["truncated"] for d in got["documents.jsonl"])


# --- tracebacks instead of one line ---------------------------------------------------------------


def test_permission_denied_on_the_output_is_one_line(tmp_path, capsys, monkeypatch):
    good_corpus(tmp_path / "in")
    real_mkdir = os.mkdir

    def mkdir(path, *args, **kwargs):  # root may create anything: deny this one as a user's chmod would
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return real_mkdir(path, *args, **kwargs)

    monkeypatch.setattr(os, "mkdir", mkdir)
    assert run([tmp_path / "in"], tmp_path / "locked" / "out") == 2
    message = one_line_error(capsys)
    assert "locked" in message and "permission denied: check the permissions" in message
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]


def test_config_that_is_a_folder_or_not_utf8_is_one_line(tmp_path, capsys):
    good_corpus(tmp_path / "in")
    bad = tmp_path / "latin1.toml"
    bad.write_bytes("[ingest]\nid_field = \"caf\xe9\"\n".encode("latin-1"))
    for config, why in ((tmp_path, "is a folder"), (bad, "not UTF-8")):
        assert run([tmp_path / "in"], tmp_path / "out", "--config", str(config)) == 2
        assert why in one_line_error(capsys)


@pytest.mark.parametrize("damage", ["cut", "not_json", "missing_field"])
def test_show_and_explain_on_a_damaged_output_are_one_line(tmp_path, capsys, damage):
    good_corpus(tmp_path / "in")
    out = tmp_path / "out"
    assert run([tmp_path / "in"], out) == 0
    clusters = (out / "clusters.jsonl").read_text()
    matches = (out / "matches.jsonl").read_text()
    broken = {"cut": (clusters[: len(clusters) // 2], matches[: len(matches) // 2]),
              "not_json": ("\x00\x01garbage\n", "garbage\n"),
              "missing_field": ('{"copydesk_output": 1}\n', '{"copydesk_output": 1}\n')}[damage]
    (out / "clusters.jsonl").write_text(broken[0])
    (out / "matches.jsonl").write_text(broken[1])
    capsys.readouterr()
    assert main(["show", str(out)]) == 2
    assert "is damaged" in one_line_error(capsys)
    status = main(["explain", str(out), "wire/copy.txt", "wire/story.txt"])
    err = capsys.readouterr().err.strip()
    assert status in (1, 2) and len(err.splitlines()) <= 1


def test_markup_and_terminal_escapes_in_ids_print_as_written(tmp_path, capsys):
    (tmp_path / "in").mkdir()
    story = STORY * 2
    ids = ["[/]", "[bold red]x[/]", "\x1b[2J\x1b[31mclear", "a\u202eb"]
    with open(tmp_path / "in" / "hostile.jsonl", "w") as f:
        for doc_id in ids:
            f.write(json.dumps({"id": doc_id, "text": story}) + "\n")
        f.write('{"id": "[/]\\u001b[2J", "text": ')  # a broken line: its problem is printed too
    out = tmp_path / "out"
    assert main(["run", str(tmp_path / "in"), "-o", str(out), "--stages", "exact", "--processes", "1"]) == 0
    assert main(["show", str(out)]) == 0
    assert main(["explain", str(out), ids[0], ids[2]]) == 0
    printed = capsys.readouterr()
    text = printed.out + printed.err
    assert "\x1b[2J" not in text and "\u202e" not in text
    assert "\\x1b[2J" in text and "[/]" in text


def test_find_reuse_takes_one_path_as_a_string_and_align_rejects_misuse(tmp_path):
    import copydesk
    from copydesk.config import Config

    good_corpus(tmp_path / "in")
    result = copydesk.find_reuse(str(tmp_path / "in"), tmp_path / "out", Config(stages=("exact",), processes=1))
    assert result.counts["documents"] == 5
    for args in ((b"bytes", "text"), ("text", None), ("a", "b", 0.5)):
        with pytest.raises(TypeError):
            copydesk.align(*args)


# --- unsafe or wrong settings -----------------------------------------------------------------------


@pytest.mark.parametrize("toml, why", [
    ("[near]\nmin_jaccard = true\n", "must be a number"),
    ("[ingest]\npage_timeout_s = inf\n", "finite"),
    ("[ingest]\npage_timeout_s = nan\n", "finite"),
    ("processes = true\n", "must be a number"),
])
def test_unsafe_settings_are_refused(tmp_path, capsys, toml, why):
    good_corpus(tmp_path / "in")
    (tmp_path / "c.toml").write_text(toml)
    assert run([tmp_path / "in"], tmp_path / "out", "--config", str(tmp_path / "c.toml")) == 2
    assert why in one_line_error(capsys)


def test_processes_are_capped_at_the_cores(tmp_path, capsys):
    from copydesk.config import Config, _default_processes

    good_corpus(tmp_path / "in")
    assert Config(processes=1000).workers == _default_processes()
    assert main(["run", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "--stages", "exact",
                 "--processes", "1000", "-q"]) == 0
    assert json.loads((tmp_path / "out" / "run.json").read_text())["workers"] == _default_processes()
    assert "capped" in capsys.readouterr().err


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32", "utf-16-be", "utf-8-sig"])
def test_byte_order_marks_are_honoured(tmp_path, encoding):
    from copydesk.config import IngestConfig
    from copydesk.ingest import read_inputs

    (tmp_path / "in").mkdir()
    text = "Grüße aus Köln — a text with a BOM"
    data = ("\ufeff" + text).encode(encoding) if encoding == "utf-16-be" else text.encode(encoding)
    (tmp_path / "in" / "bom.txt").write_bytes(data)
    [doc] = read_inputs([tmp_path / "in"], IngestConfig())
    assert doc.text == text and not doc.warnings


def test_user_fields_named_like_ours_do_not_collide(tmp_path):
    (tmp_path / "in").mkdir()
    with open(tmp_path / "in" / "d.jsonl", "w") as f:
        f.write(json.dumps({"id": "a", "text": STORY * 2, "copydesk_output": "mine", "copydesk_cluster": "c-9"}) + "\n")
        f.write(json.dumps({"id": "b", "text": STORY * 2, "copydesk_cluster": "x"}) + "\n")
        f.write(json.dumps({"id": "c", "text": OTHER * 2, "copydesk_cluster": "stale", "keep": 1}) + "\n")
    assert run([tmp_path / "in"], tmp_path / "out") == 0
    lines = (tmp_path / "out" / "deduplicated.jsonl").read_text().splitlines()
    for line in lines:
        pairs = json.loads(line, object_pairs_hook=lambda kv: kv)
        keys = [k for k, _ in pairs]
        assert len(keys) == len(set(keys)), line
    records = {r["id"]: r for r in map(json.loads, lines)}
    assert set(records) == {"a", "c"}
    # Output format 2: our fields at the top level, the user's own (same names included) under "fields".
    assert records["a"]["copydesk_output"] == 2 and records["a"]["copydesk_cluster"].startswith("copy-")
    assert records["a"]["fields"]["copydesk_output"] == "mine"
    assert records["c"]["copydesk_cluster"] is None and records["c"]["fields"]["keep"] == 1


def warc_bytes(pages: int, gz: bool) -> bytes:
    import io

    pytest.importorskip("warcio")
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=gz)
    for i in range(pages):
        body = (f"<html><head><title>Story {i}</title></head><body><article><p>"
                + f"Page {i} of the crawl: " + STORY + "</p><p>" + OTHER + "</p></article></body></html>").encode()
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(f"https://example.org/{i}", "response",
                                                      payload=io.BytesIO(body), http_headers=headers))
    return buf.getvalue()


@pytest.mark.parametrize("suffix", [".warc", ".warc.gz"])
def test_a_truncated_warc_reports_the_cut_record(tmp_path, baseline, suffix):
    pytest.importorskip("trafilatura")
    good_corpus(tmp_path / "in")
    whole = warc_bytes(3, suffix.endswith(".gz"))
    (tmp_path / "in" / f"crawl{suffix}").write_bytes(whole[: len(whole) - 300])
    assert run([tmp_path / "in"], tmp_path / "out") == 0
    got = check_good_kept(tmp_path / "out", baseline)
    problems = problems_of(tmp_path / "out")
    assert problems and all(f"crawl{suffix}" in p and "truncated" in p for p in problems)
    pages = [d for d in got["documents.jsonl"] if d["id"].startswith("crawl")]
    assert [d["id"] for d in pages] == [f"crawl{suffix}#1", f"crawl{suffix}#2"]  # the cut third is not kept


def _html_bomb() -> bytes:
    return gzip.compress(b"<html><body><p>" + b"a" * 25_000_000 + b"</p></body></html>")


@pytest.mark.parametrize("name, data, expect", [
    ("empty.jsonl", b"", None),
    ("garbage.jsonl.gz", b"this is not gzip at all", "truncated or corrupt"),
    ("cut.jsonl.gz", gzip.compress(b'{"id": "c1", "text": "kept"}\n' * 50)[:-30], "truncated or corrupt"),
    ("nul.jsonl", b'{"id": "z", "text": "a\\u0000b"}\n\x00\x00\x00\n', "not valid JSON"),
    ("bomb.html.gz", None, "limit"),
    ("binary.txt", bytes(range(256)) * 4, None),
    ("crlf.jsonl", b'{"id": "crlf", "text": "windows line"}\r\n\r\n', None),
])
def test_bad_files_of_every_kind_cost_no_good_document(tmp_path, baseline, name, data, expect):
    if name.endswith(".html.gz"):
        pytest.importorskip("trafilatura")
        data = _html_bomb()
    good_corpus(tmp_path / "in")
    (tmp_path / "in" / name).write_bytes(data)
    assert run([tmp_path / "in"], tmp_path / "out") == 0
    check_good_kept(tmp_path / "out", baseline)
    problems = problems_of(tmp_path / "out")
    if expect is None:
        assert problems == []
    else:
        assert problems and all(name in p for p in problems) and any(expect in p for p in problems)
