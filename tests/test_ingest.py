import gzip
import io
import json
import sys

import pytest

from copydesk.config import IngestConfig
from copydesk.ingest import IngestError, Problem, read_inputs
from copydesk.types import Document


def read(paths, **kw):
    return list(read_inputs(paths, IngestConfig(**kw)))


def test_folder_ids_are_relative_paths_in_sorted_order(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "two.md").write_text("second")
    (tmp_path / "a.txt").write_text("first")
    (tmp_path / "ignored.csv").write_text("x")
    docs = read([tmp_path])
    assert [d.id for d in docs] == ["a.txt", "b/two.md"]
    assert docs[0].text == "first"


def test_jsonl_fields_are_configurable_and_metadata_kept(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps({"key": 7, "body": "hello", "url": "http://x", "source": "s", "published": "2024-01-01", "extra": 1}) + "\n")
    (doc,) = read([path], id_field="key", text_field="body")
    assert (doc.id, doc.text, doc.url, doc.source, doc.published) == ("7", "hello", "http://x", "s", "2024-01-01")
    assert json.loads(doc.raw)["extra"] == 1
    assert doc.origin == f"{path}:1"


def test_gzip_jsonl(tmp_path):
    path = tmp_path / "c.jsonl.gz"
    with gzip.open(path, "wt") as f:
        f.write(json.dumps({"id": "x", "text": "t"}) + "\n")
    assert [d.id for d in read([path])] == ["x"]


def test_truncated_gzip_keeps_what_was_read(tmp_path):
    path = tmp_path / "c.jsonl.gz"
    body = "".join(json.dumps({"id": str(i), "text": "word " * 50}) + "\n" for i in range(2000))
    data = gzip.compress(body.encode())
    path.write_bytes(data[: len(data) // 2])
    items = read([path])
    docs = [d for d in items if isinstance(d, Document)]
    problems = [p for p in items if isinstance(p, Problem)]
    assert 0 < len(docs) < 2000
    assert len(problems) == 1 and "truncated" in problems[0].message
    assert problems[0].origin.startswith(str(path))


def test_malformed_lines_name_file_and_line(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text('{"id": "a", "text": "ok"}\n{"id": "b", "text": \n\n[1,2]\n{"text": "no id"}\n{"id": "c", "text": 5}\n{"id": "d", "text": "fine"}\n')
    items = read([path])
    assert [d.id for d in items if isinstance(d, Document)] == ["a", "d"]
    problems = [p for p in items if isinstance(p, Problem)]
    assert [p.origin for p in problems] == [f"{path}:2", f"{path}:4", f"{path}:5", f"{path}:6"]
    assert "not valid JSON" in problems[0].message and "--on-error" in problems[0].message
    assert "--ingest-id-field" in problems[2].message


def test_undecodable_bytes_are_replaced_and_reported(tmp_path):
    (tmp_path / "bad.txt").write_bytes(b"caf\xe9 and \xff\xfe more")
    (doc,) = read([tmp_path])
    assert doc.text == "caf\ufffd and \ufffd\ufffd more"
    assert "3 undecodable" in doc.warnings[0]


def test_empty_file_is_a_document(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    (doc,) = read([tmp_path])
    assert doc.text == ""


def test_missing_path_is_an_error_before_reading(tmp_path):
    (tmp_path / "a.txt").write_text("x")
    with pytest.raises(IngestError, match="does not exist"):
        read([tmp_path, tmp_path / "nope"])


def test_unknown_file_kind_is_an_error(tmp_path):
    (tmp_path / "data.csv").write_text("x")
    with pytest.raises(IngestError, match="not a folder"):
        read([tmp_path / "data.csv"])


def test_stdin_jsonl(monkeypatch):
    data = io.BytesIO(b'{"id": "s1", "text": "from stdin"}\n')
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(data))
    (doc,) = read(["-"])
    assert (doc.id, doc.text, doc.origin) == ("s1", "from stdin", "<stdin>:1")


def test_orjson_path_gives_what_json_gives():
    """Differential: records parsed by orjson (when installed) equal those json parses, on the
    cases where the two parsers differ (64-bit overflow, NaN, lone surrogates, nested values)."""
    import copydesk.ingest as ingest
    from copydesk.config import IngestConfig

    if ingest._FAST_LOADS is None:
        pytest.skip("orjson is not installed (pip install 'copydesk[fast]')")
    config = IngestConfig()
    lines = [b'{"id": "a", "text": "caf\\u00e9 \\ud83d\\ude00", "source": "s", "url": "u", "published": "2024"}',
             b'{"id": 123456789012345678901234567890, "text": "x"}', b'{"id": "a\\ud800", "text": "t\\udc00"}',
             b'{"id": "n", "text": "t", "source": NaN}', b'{"id": "n", "text": "t", "source": 1e400}',
             b'{"id": "n", "text": "t", "source": {"a": [1.5]}}', b'{"id": 5, "text": "t", "published": 20240101}',
             b'[1]', b'{"id": "x", "text": 3}', b'{"id":"d","id":"e","text":"x"}', b'{"id": true, "text": "t"}',
             b'{"id": "x", "text": "a\x01"}', b'{"id": "x", "text": "t"', "{\"id\": \"\u00e9\", \"text\": \"t\"}".encode()]
    fast = [ingest._parse_record(line, "f:1", config) for line in lines]
    saved, ingest._FAST_LOADS = ingest._FAST_LOADS, None
    try:
        reference = [ingest._parse_record(line, "f:1", config) for line in lines]
    finally:
        ingest._FAST_LOADS = saved
    assert [str(x) for x in fast] == [str(x) for x in reference]
    assert fast == reference
