"""Table formats with the local engine: Parquet in and out, a saved ``datasets`` folder in,
and fsspec URLs for inputs and output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from copydesk.config import Config
from copydesk.pipeline import find_reuse

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

SAMPLES = Path(__file__).resolve().parents[1] / "samples" / "news"
QUICK = Config.from_mapping({"stages": ["clean", "exact", "near", "passages"], "processes": 1,
                             "ingest": {"id_field": "doc", "text_field": "body"}})


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    from copydesk.ingest import decode

    return [{"doc": p.relative_to(SAMPLES).as_posix(), "body": decode(p.read_bytes(), str(p))[0],
             "rank": k, "tags": ["news", p.parent.name]}
            for k, p in enumerate(sorted(SAMPLES.rglob("*.txt")))]


@pytest.fixture(scope="module")
def jsonl_run(rows, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("jsonl")
    (root / "docs.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return find_reuse(root / "docs.jsonl", root / "out", QUICK).output


def _same_outputs(a: Path, b: Path) -> None:
    for name in ("matches.jsonl", "clusters.jsonl", "documents.jsonl", "deduplicated.jsonl"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_parquet_input_gives_the_jsonl_answer(rows, jsonl_run, tmp_path):
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "docs.parquet", row_group_size=7)
    out = find_reuse(tmp_path / "docs.parquet", tmp_path / "out", QUICK).output
    _same_outputs(jsonl_run, out)
    kept = [json.loads(line) for line in (out / "deduplicated.jsonl").read_text().splitlines()]
    assert all(r["fields"]["tags"][0] == "news" and isinstance(r["fields"]["rank"], int) for r in kept)


def test_parquet_output_holds_the_jsonl_rows(jsonl_run, rows, tmp_path):
    (tmp_path / "docs.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    config = QUICK.replace(output=QUICK.output.__class__(parquet=True))
    out = find_reuse(tmp_path / "docs.jsonl", tmp_path / "out", config).output
    for name in ("matches", "clusters", "documents", "deduplicated"):
        expected = [json.loads(line) for line in (out / f"{name}.jsonl").read_text().splitlines()]
        table = pq.read_table(out / f"{name}.parquet")
        assert table.num_rows == len(expected) > 0
        got = table.to_pylist()
        strip = lambda v: {k: strip(x) for k, x in v.items() if x is not None} if isinstance(v, dict) else (  # noqa: E731
            [strip(x) for x in v] if isinstance(v, list) else v)
        assert [strip(r) for r in got] == [strip(r) for r in expected], name
    assert pq.read_table(out / "documents.parquet").schema.field("boilerplate").type.value_type.num_fields == 3


def test_saved_datasets_folder_is_an_input(rows, jsonl_run, tmp_path):
    datasets = pytest.importorskip("datasets")
    ds = datasets.Dataset.from_list(rows)
    ds.save_to_disk(str(tmp_path / "saved"), max_shard_size="20KB")
    assert len(list((tmp_path / "saved").glob("*.arrow"))) > 1  # several shards, read in order
    out = find_reuse(tmp_path / "saved", tmp_path / "out", QUICK).output
    _same_outputs(jsonl_run, out)
    half = len(rows) // 2
    datasets.DatasetDict({"train": datasets.Dataset.from_list(rows[:half]),
                          "test": datasets.Dataset.from_list(rows[half:])}).save_to_disk(str(tmp_path / "dict"))
    out = find_reuse(str(tmp_path / "dict"), tmp_path / "out2", QUICK).output
    _same_outputs(jsonl_run, out)


def test_fsspec_urls_for_inputs_and_output(rows, jsonl_run, tmp_path):
    fsspec = pytest.importorskip("fsspec")
    fs = fsspec.filesystem("memory")
    with fs.open("/bucket/corpus/part-1.jsonl", "w") as f:
        f.write("".join(json.dumps(r) + "\n" for r in rows[:20]))
    with fs.open("/bucket/corpus/sub/part-2.jsonl", "w") as f:
        f.write("".join(json.dumps(r) + "\n" for r in rows[20:]))
    try:
        result = find_reuse("memory://bucket/corpus", "memory://bucket/out", QUICK)
        assert result.output is None and result.matches
        for name in ("matches.jsonl", "clusters.jsonl", "documents.jsonl", "deduplicated.jsonl"):
            assert fs.cat(f"/bucket/out/{name}") == (jsonl_run / name).read_bytes(), name
        assert json.loads(fs.cat("/bucket/out/run.json"))["counts"]["documents"] == len(rows)
        from copydesk.store import OutputExistsError

        with pytest.raises(OutputExistsError, match="--force"):
            find_reuse("memory://bucket/corpus", "memory://bucket/out", QUICK)
        from copydesk.ingest import IngestError

        with pytest.raises(IngestError, match="does not exist"):
            find_reuse("memory://bucket/nothing", tmp_path / "out", QUICK)
    finally:
        fs.rm("/bucket", recursive=True)
