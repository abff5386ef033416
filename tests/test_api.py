"""The Python API: paths or records in, matches and clusters out, in a plain script."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

import copydesk
from copydesk.config import Config

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples" / "news"
QUICK = Config(stages=("clean", "exact", "near", "passages"), processes=1)
STORY = (SAMPLES / "wire" / "school-lunch-pilot.txt").read_text(encoding="utf-8")


def _records():
    return [{"id": 1, "text": STORY, "lang": "en"},
            {"id": 2, "text": "From the wire. " + STORY[:900], "lang": "en"},
            {"id": 3, "text": "Something else entirely, about the weather and the harbour.", "lang": "fr"}]


@pytest.mark.slow
def test_readme_example_runs_as_a_plain_script_without_a_main_guard(tmp_path):
    """The README's Python block, pasted into a file and run with ``python file.py``: the local
    engine's worker processes must not re-run it (the 'bootstrapping phase' crash)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Python API"):]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    assert "__main__" not in code
    script = tmp_path / "example.py"
    # A line that says how often the script body runs: once, in the process the user started.
    script.write_text("print('BODY RAN')\n" + code, encoding="utf-8")
    (tmp_path / "samples").symlink_to(ROOT / "samples")
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=1800)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "bootstrapping phase" not in done.stderr
    assert done.stdout.count("BODY RAN") == 1
    assert "[('1', '2', 'excerpt')]" in done.stdout
    assert (tmp_path / "out" / "news" / "matches.jsonl").exists()


def test_records_dataframe_and_arrow_table_give_the_same_matches(tmp_path):
    pd = pytest.importorskip("pandas")
    pa = pytest.importorskip("pyarrow")
    rows = _records()
    found = {}
    for name, given in (("dicts", rows), ("pandas", pd.DataFrame(rows)), ("arrow", pa.Table.from_pylist(rows))):
        result = copydesk.find_reuse(given, tmp_path / name, QUICK)
        found[name] = [(m.a, m.b, m.kind, m.passages) for m in result.matches]
        kept = [json.loads(line) for line in (tmp_path / name / "deduplicated.jsonl").read_text().splitlines()]
        assert {r["id"]: r["fields"]["lang"] for r in kept} == {"1": "en", "3": "fr"}
    assert found["dicts"] == found["pandas"] == found["arrow"]
    ((a, b, kind, passages),) = found["dicts"]
    assert (a, b, kind) == ("1", "2", "excerpt")
    (p,) = passages
    assert STORY[p.a[0]:p.a[1]].strip()[:40] in ("From the wire. " + STORY[:900])


def test_results_without_an_output_folder_as_objects_and_tables():
    pytest.importorskip("pyarrow")
    result = copydesk.find_reuse(_records(), config=QUICK)
    assert result.output is None
    (match,) = result.matches
    assert isinstance(match, copydesk.Match) and match.kind == "excerpt"
    table = result.matches.to_arrow()
    assert table.num_rows == 1 and table.column("passages")[0][0]["a"]["end"].as_py() == match.passages[0].a[1]
    frame = result.clusters.to_pandas()
    assert list(frame["members"][0]) == ["1", "2"] and frame["kind"][0] == "copy"


def test_a_single_path_is_an_input(tmp_path):
    path = tmp_path / "docs.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in _records()))
    result = copydesk.find_reuse(str(path), tmp_path / "out", QUICK.replace(processes=2))  # a worker pool
    assert [(m.a, m.b) for m in result.matches] == [("1", "2")]
    assert copydesk.load_matches(tmp_path / "out") == result.matches


def test_inputs_that_are_neither_paths_nor_records_are_refused(tmp_path):
    with pytest.raises(TypeError, match="paths .* or records"):
        copydesk.find_reuse([tmp_path, {"id": 1, "text": "x"}], tmp_path / "out", QUICK)
    with pytest.raises(TypeError, match="no 'text' field"):
        copydesk.find_reuse([{"id": 1, "body": "x"}], tmp_path / "out2", QUICK)


def test_section_configs_are_exported():
    for name in ("Config", "IngestConfig", "NearConfig", "PassageConfig", "CleanConfig", "RewriteConfig",
                 "StoryConfig", "ClusterConfig", "OutputConfig"):
        assert name in copydesk.__all__ and isinstance(getattr(copydesk, name), type)
    assert copydesk.PassageConfig().min_passage_chars == 200


def test_align_says_why_short_texts_give_nothing():
    text = "The council approved the new budget on Tuesday."
    with pytest.warns(copydesk.ShortTextWarning, match="min_passage_chars=200"):
        assert copydesk.align(text, "Breaking: " + text) == []
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (p,) = copydesk.align(text, "Breaking: " + text, min_passage_chars=40)
    assert p.a == (0, len(text)) and p.b == (10, 10 + len(text))
