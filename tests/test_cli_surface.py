"""The command line's surface: a clean ``run --help``, which files of a folder are documents."""

from __future__ import annotations

import json
import re
from pathlib import Path

from copydesk.cli import main, plain_help
from copydesk.config import Config, IngestConfig
from copydesk.ingest import Problem, read_inputs, skipped


def test_run_help_has_no_placeholders_or_docstring_markup(capsys):
    try:
        main(["run", "--help"])
    except SystemExit:
        pass
    text = capsys.readouterr().out
    assert "--processes N" in text and "--near-min-jaccard X" in text
    assert "SET:" not in text
    assert not re.search(r":(data|class|func|meth|attr):", text) and "``" not in text


def test_plain_help_keeps_the_names():
    assert plain_help("see :data:`STAGES` and :class:`~copydesk.types.Match`, ``a < b``") == \
        "see STAGES and Match, a < b"


def test_a_folder_skips_readme_licence_source_commit_and_hidden_files(tmp_path):
    story = "The harbour reopened on Monday after the storm. " * 10
    for name in ("a.txt", "sub/b.md", "README.md", "readme.txt", "LICENSE.txt", "SOURCE_COMMIT.txt",
                 ".hidden.txt", ".git/notes.txt", "sub/CHANGELOG.md"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(story)
    ids = sorted(d.id for d in read_inputs([tmp_path], IngestConfig()) if not isinstance(d, Problem))
    assert ids == ["a.txt", "sub/b.md"]
    everything = sorted(d.id for d in read_inputs([tmp_path], IngestConfig(skip_files=())))
    assert len(everything) == 9
    # a file named on the command line is always read
    assert [d.id for d in read_inputs([tmp_path / "README.md"], IngestConfig())] == [(tmp_path / "README.md").as_posix()]


def test_skip_files_is_a_flag_and_a_toml_key(tmp_path):
    (tmp_path / "in").mkdir()
    for name in ("README.txt", "story.txt", "notes-draft.txt"):
        (tmp_path / "in" / name).write_text("The harbour reopened on Monday after the storm. " * 10)
    out = tmp_path / "out"
    assert main(["run", str(tmp_path / "in"), "-o", str(out), "--stages", "exact", "--processes", "1", "-q",
                 "--ingest-skip-files", "*-draft*"]) == 0
    ids = [json.loads(line)["id"] for line in (out / "documents.jsonl").read_text().splitlines()]
    assert ids == ["README.txt", "story.txt"]
    assert Config.from_mapping({"ingest": {"skip_files": ["x*"]}}).ingest.skip_files == ("x*",)
    assert skipped(Path("a/.cache/b.txt"), (".*",)) and not skipped(Path("a/b.txt"), (".*",))
