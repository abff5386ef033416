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
