"""Fault injection (issue 12): runs killed at several points, in a subprocess.

``COPYDESK_TEST_KILL_AT=<point>`` makes the run SIGKILL itself at that point (see
``copydesk.store._fault_point``); a rerun must then give the same outputs as an uninterrupted
run, and no finished output may ever be deleted without a note.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from test_reliability import good_corpus

REPO = Path(__file__).resolve().parents[1]
OUTPUTS = ("documents.jsonl", "matches.jsonl", "clusters.jsonl", "deduplicated.jsonl")
ARGS = ["--stages", "clean,exact,near,passages", "--processes", "1", "-q"]


def copydesk(*args: str, kill_at: str | None = None, **kwargs) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"))
    env.pop("COPYDESK_TEST_KILL_AT", None)
    if kill_at:
        env["COPYDESK_TEST_KILL_AT"] = kill_at
    return subprocess.run([sys.executable, "-m", "copydesk.cli", *args], env=env, capture_output=True,
                          text=True, timeout=300, **kwargs)


def contents(out: Path) -> dict[str, str]:
    return {name: (out / name).read_text(encoding="utf-8") for name in OUTPUTS}


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    root = tmp_path_factory.mktemp("ref")
    good_corpus(root / "in")
    done = copydesk("run", str(root / "in"), "-o", str(root / "out"), *ARGS)
    assert done.returncode == 0, done.stderr
    return root / "in", contents(root / "out")


def siblings(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.mark.parametrize("point", ["commit_aside", "commit_renamed"])
def test_a_kill_inside_the_commit_never_loses_a_finished_output(tmp_path, reference, point):
    inputs, expected = reference
    out = tmp_path / "out"
    assert copydesk("run", str(inputs), "-o", str(out), *ARGS).returncode == 0
    killed = copydesk("run", str(inputs), "-o", str(out), "--force", *ARGS, kill_at=point)
    assert killed.returncode == -signal.SIGKILL
    if point == "commit_aside":  # between the two renames: no output in place, both kept aside
        assert not out.exists()
        assert any(".out.old-" in n for n in siblings(tmp_path)) and any(".out.partial-" in n
                                                                          for n in siblings(tmp_path))
    # the next run, without --force, restores the finished output and refuses to replace it
    again = copydesk("run", str(inputs), "-o", str(out), *ARGS)
    assert again.returncode == 2 and len(again.stderr.strip().splitlines()) == 1
    assert contents(out) == expected
    assert siblings(tmp_path) == ["out"]
    if point == "commit_aside":
        assert "restored" in again.stderr
    # with --force it runs again, to the same outputs, and says what it recovered, if anything
    assert copydesk("run", str(inputs), "-o", str(out), "--force", *ARGS).returncode == 0
    assert contents(out) == expected
    assert siblings(tmp_path) == ["out"]


def test_a_killed_run_leaves_the_previous_output_and_a_rerun_finishes_it(tmp_path, reference):
    inputs, expected = reference
    out = tmp_path / "out"
    assert copydesk("run", str(inputs), "-o", str(out), *ARGS).returncode == 0
    before = contents(out)
    killed = copydesk("run", str(inputs), "-o", str(out), "--force", *ARGS, kill_at="commit_start")
    assert killed.returncode == -signal.SIGKILL
    assert contents(out) == before  # untouched
    assert copydesk("run", str(inputs), "-o", str(out), "--force", *ARGS).returncode == 0
    assert contents(out) == expected
    assert siblings(tmp_path) == ["out"]
