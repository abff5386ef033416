import os

import pytest

from copydesk.store import DocStore, DocStoreReader, OutputExistsError, OutputFolder
from copydesk.types import Document


def test_store_round_trips_texts_and_records(tmp_path):
    store = DocStore(tmp_path / "s.bin")
    texts = ["plain", "", "ünïcödé ✓", "x" * 10000]
    for i, t in enumerate(texts):
        store.append(Document(str(i), t, raw='{"id": 1}' if i == 2 else None))
    store.close()
    reader = DocStoreReader(store.path)
    where = store.locator([3, 0, 2, 1])
    assert reader.texts(where) == [texts[3], texts[0], texts[2], texts[1]]
    assert reader.raws(where) == [None, None, '{"id": 1}', None]
    reader.close()


def test_existing_output_is_refused_without_force(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("old")
    with pytest.raises(OutputExistsError, match="--force"):
        OutputFolder(out)


def test_output_appears_only_when_committed(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.txt").write_text("old")
    (out / "run.json").write_text('{"copydesk_output": 1}')  # --force replaces only a copydesk output
    folder = OutputFolder(out, force=True)
    folder.write_jsonl("a.jsonl", [{"x": 1}])
    assert (out / "old.txt").exists() and not (out / "a.jsonl").exists()
    folder.commit()
    assert (out / "a.jsonl").read_text() == '{"x":1}\n'
    assert not (out / "old.txt").exists()
    assert not (out / ".work").exists()


def test_aborted_output_leaves_the_old_one(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.txt").write_text("old")
    (out / "run.json").write_text('{"copydesk_output": 1}')
    folder = OutputFolder(out, force=True)
    folder.write_jsonl("a.jsonl", [{"x": 1}])
    folder.abort()
    assert (out / "old.txt").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_partials_of_killed_runs_are_removed_and_live_ones_kept(tmp_path):
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    dead_pid = int(done.stdout)  # exited: its folders are stale
    dead = tmp_path / f".out.partial-{dead_pid}"
    (dead / ".work").mkdir(parents=True)
    old = tmp_path / f".out.old-{dead_pid}"
    old.mkdir()
    live = tmp_path / f".out.partial-{os.getppid()}"  # a running process: maybe another run
    live.mkdir()
    other = tmp_path / f".other.partial-{dead_pid}"  # another output's: not ours to judge
    other.mkdir()
    folder = OutputFolder(tmp_path / "out")
    folder.write_jsonl("a.jsonl", [{"x": 1}])
    folder.commit()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["out", live.name, other.name])
