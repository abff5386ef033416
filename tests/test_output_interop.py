"""Every output file loads in pandas, polars, duckdb, pyarrow and ``datasets`` without loss.

Format 1 failed here: spans were mixed arrays ``[start, end, "reason"]`` (no Arrow type), and an
integer input id stayed an integer in ``deduplicated.jsonl`` beside string ids. Each reader's
rows are compared, value by value, with the records ``json.loads`` reads.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from copydesk.config import Config
from copydesk.pipeline import find_reuse

SAMPLES = Path(__file__).resolve().parents[1] / "samples" / "news"
OUTPUTS = ("documents.jsonl", "matches.jsonl", "clusters.jsonl", "deduplicated.jsonl")
READERS = ("pandas", "polars", "duckdb", "pyarrow", "datasets")


def _need(module: str):
    if os.environ.get("CI") == "true":
        return __import__(module)
    return pytest.importorskip(module, reason=f"{module} is in the dev extra: pip install 'copydesk[dev]'")


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    """The sample corpus plus a JSONL file with integer ids and fields of its own."""
    root = tmp_path_factory.mktemp("interop")
    story = (SAMPLES / "wire" / "school-lunch-pilot.txt").read_text(encoding="utf-8")
    rows = [
        {"id": 7, "body": story, "lang": "en", "tags": ["schools", "budget"], "meta": {"rank": 1}},
        {"id": 8, "body": story, "lang": "en", "tags": [], "meta": {"rank": 2}},
        {"id": 9, "body": "A short note about nothing else at all.", "lang": "fr", "tags": ["x"], "meta": {"rank": 3}},
    ]
    path = root / "extra.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    config = Config.from_mapping({"stages": ["clean", "exact", "near", "passages"], "processes": 1,
                                  "ingest": {"text_field": "body"}})
    return find_reuse([SAMPLES, path], root / "out", config).output


def _instant(value):
    """``published`` as one instant: pyarrow (and ``datasets``) read a column of ISO 8601
    strings as timestamps, the same instant in another type, which is no loss."""
    import datetime as dt

    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, dt.datetime):
        # a column mixing naive and UTC-offset times comes back naive, in UTC (as lineage reads it)
        return (value.astimezone(dt.timezone.utc).replace(tzinfo=None) if value.tzinfo else value).isoformat()
    return value


def _plain(value):
    """A value with nulls dropped from objects, so that "key absent" equals "key null" (a
    columnar reader fills a struct's missing keys with nulls), and tuples/arrays as lists."""
    if isinstance(value, dict):
        return {k: (_instant(v) if k == "published" else _plain(v)) for k, v in value.items() if v is not None}
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _load(reader: str, path: Path, tmp_path: Path) -> list[dict]:
    if reader == "pandas":
        pd = _need("pandas")
        # dtype=False: pandas would otherwise turn strings that look like numbers into numbers;
        # precise_float: its default float parser rounds the last digit (0.4206 -> 0.42060000000000003).
        frame = pd.read_json(path, lines=True, dtype=False, precise_float=True)
        return [{k: (None if _isna(v) else v) for k, v in row.items()} for row in frame.to_dict("records")]
    if reader == "polars":
        pl = _need("polars")
        return pl.read_ndjson(path, infer_schema_length=None).to_dicts()
    if reader == "duckdb":
        duckdb = _need("duckdb")
        con = duckdb.connect()
        rel = con.read_json(str(path), format="newline_delimited")
        assert "JSON" not in [str(t) for t in rel.dtypes], (path.name, rel.dtypes)
        return rel.to_arrow_table().to_pylist()
    if reader == "pyarrow":
        _need("pyarrow")
        import pyarrow.json as pj

        return pj.read_json(path).to_pylist()
    datasets = _need("datasets")
    ds = datasets.load_dataset("json", data_files=str(path), split="train", cache_dir=str(tmp_path / "hf"))
    return ds.to_list()


def _isna(value) -> bool:
    try:
        return bool(value != value) or value is None
    except (TypeError, ValueError):
        return False


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("name", OUTPUTS)
def test_output_loads_without_loss(out, tmp_path, monkeypatch, name, reader):
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    path = out / name
    expected = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert expected, f"{name} is empty: the test would prove nothing"
    got = _load(reader, path, tmp_path)
    assert len(got) == len(expected)
    for row, record in zip(got, expected):
        assert _plain(row) == _plain(record), (reader, name, record.get("id") or (record.get("a"), record.get("b")))


def test_format_2_records(out):
    docs = [json.loads(line) for line in (out / "documents.jsonl").read_text().splitlines()]
    assert any(d["boilerplate"] for d in docs)
    for d in docs:
        assert set(d) == {"copydesk_output", "id", "source", "chars", "url", "published", "published_origin",
                          "boilerplate", "segments", "warnings", "truncated", "language", "language_confidence",
                          "language_spans"}
        for span in d["boilerplate"] + d["segments"]:
            assert set(span) == {"start", "end", "reason"} and 0 <= span["start"] <= span["end"] <= d["chars"]
    kept = {r["id"]: r for r in map(json.loads, (out / "deduplicated.jsonl").read_text().splitlines())}
    assert all(isinstance(i, str) for i in kept)
    # 7 and 8 are exact copies: one is kept, its input fields under "fields", the text field out.
    (kept_id,) = {"7", "8"} & set(kept)
    assert kept[kept_id]["fields"]["id"] == int(kept_id)
    assert kept[kept_id]["fields"]["tags"] in (["schools", "budget"], [])
    story = (SAMPLES / "wire" / "school-lunch-pilot.txt").read_text(encoding="utf-8")
    assert "body" not in kept[kept_id]["fields"] and kept[kept_id]["text"] == story
    assert kept["9"]["fields"] == {"id": 9, "lang": "fr", "tags": ["x"], "meta": {"rank": 3}}
    from_files = [r for i, r in kept.items() if i.endswith(".txt")]
    assert from_files and all(r["fields"] is None for r in from_files)
    for m in map(json.loads, (out / "matches.jsonl").read_text().splitlines()):
        for p in m["passages"]:
            assert set(p["a"]) == set(p["b"]) == {"start", "end"}
