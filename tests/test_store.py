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
    folder = OutputFolder(out, force=True)
    folder.write_jsonl("a.jsonl", [{"x": 1}])
    folder.abort()
    assert (out / "old.txt").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
