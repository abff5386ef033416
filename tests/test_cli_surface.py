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


def test_progress_shows_totals_and_a_steady_time_left():
    from rich.progress import Progress

    from copydesk.engines.local import CountColumn, SteadyTimeRemainingColumn
    from copydesk.pipeline import pair_task_size

    now = [0.0]
    progress = Progress(get_time=lambda: now[0], disable=True)
    reading = progress.add_task("Reading", total=None)
    comparing = progress.add_task("Comparing", total=10_000)
    progress.update(reading, completed=1234)
    assert CountColumn().render(progress.tasks[reading]).plain == "1,234"
    eta = SteadyTimeRemainingColumn()
    assert eta.render(progress.tasks[comparing]).plain == "-:--:-- left"
    now[0] = 60.0
    progress.update(comparing, completed=1000)  # 1,000 pairs a minute: 9 minutes left
    assert eta.render(progress.tasks[comparing]).plain == "0:09:00 left"
    now[0] = 61.0
    progress.update(comparing, completed=2000)  # a burst of results: the average moves, slowly
    assert eta.render(progress.tasks[comparing]).plain == "0:04:04 left"
    assert CountColumn().render(progress.tasks[comparing]).plain == "2,000/10,000"
    # compare tasks: small enough for a steady bar, large enough to be worth sending
    assert pair_task_size(100, 2) == 16 and pair_task_size(50_000, 2) == 250 and pair_task_size(8_000, 2) == 40


def test_every_commands_help_is_clean(capsys):
    for command in ([], ["run"], ["index"], ["index", "build"], ["index", "add"], ["query"], ["serve"], ["report"],
                    ["explain"], ["show"]):
        try:
            main([*command, "--help"])
        except SystemExit:
            pass
        text = capsys.readouterr().out
        assert text.startswith("usage: copydesk"), command
        assert "SET:" not in text and "``" not in text, command
        assert not re.search(r":(data|class|func|meth|attr|ref):", text), command


def test_a_runs_progress_goes_to_stderr_with_totals(tmp_path, capsys):
    """Each stage's bar ends at its total (``44/44 docs``, never ``0/?``), on stderr: stdout is
    left to what a command prints."""
    samples = Path(__file__).resolve().parents[1] / "samples" / "news"
    assert main(["run", str(samples), "-o", str(tmp_path / "out"), "--stages", "clean,exact,near,passages",
                 "--processes", "1"]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    documents = json.loads((tmp_path / "out" / "run.json").read_text())["counts"]["documents"]
    for stage in ("Reading", "Analysing"):
        assert re.search(rf"{stage} .* {documents}/{documents} docs", captured.err), stage
    pairs = re.search(r"Comparing pairs .* (\d+)/(\d+) pairs", captured.err)
    assert pairs and pairs.group(1) == pairs.group(2) != "0"
    assert "/?" not in captured.err
