"""Fuzzing the readers and ``copydesk run`` (issue 12), bounded: about a minute in all.

Random bytes, random JSON records (lone surrogates, deep nesting, huge numbers, odd types),
damaged gzip and WARC files go to the readers and to a whole run. No input may raise: each bad
record is a problem or a warning, every good document is still read, and every output line
parses as JSON.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from copydesk.config import IngestConfig
from copydesk.ingest import Problem, read_inputs
from copydesk.ingest.safe import has_surrogates, safe_text
from copydesk.types import Document

from test_reliability import OTHER, STORY, good_corpus, outputs, run

FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                      HealthCheck.too_slow])
SUFFIXES = [".txt", ".md", ".jsonl", ".jsonl.gz", ".html", ".html.gz", ".warc", ".warc.gz"]

# Strings with what scraped data holds: any code point, lone surrogates included.
hostile_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=60)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | hostile_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(hostile_text, inner, max_size=4),
    max_leaves=12,
)


def read_all(path: Path, config: IngestConfig = IngestConfig()) -> list[Document | Problem]:
    return list(read_inputs([path], config))


def assert_safe(items: list) -> None:
    for item in items:
        assert isinstance(item, (Document, Problem))
        if isinstance(item, Document):
            for value in (item.id, item.text, item.origin, item.source or "", *item.warnings):
                assert not has_surrogates(value)
            json.dumps({"id": item.id, "text": item.text}, ensure_ascii=False).encode("utf-8")


@settings(FUZZ, max_examples=80)
@given(data=st.binary(max_size=3000), suffix=st.sampled_from(SUFFIXES))
def test_random_bytes_never_raise_from_the_readers(tmp_path_factory, data, suffix):
    if suffix in (".html", ".html.gz", ".warc", ".warc.gz"):
        pytest.importorskip("trafilatura")
        pytest.importorskip("warcio")
    folder = tmp_path_factory.mktemp("bytes")
    path = folder / f"x{suffix}"
    path.write_bytes(data)
    assert_safe(read_all(path, IngestConfig(max_line_bytes=1000)))


@settings(FUZZ, max_examples=120)
@given(records=st.lists(json_values | st.fixed_dictionaries({"id": hostile_text | st.integers(),
                                                             "text": hostile_text}), max_size=6),
       gz=st.booleans())
def test_random_json_records_are_documents_or_problems(tmp_path_factory, records, gz):
    folder = tmp_path_factory.mktemp("json")
    lines = b"".join(json.dumps(r).encode() + b"\n" for r in records)
    path = folder / ("x.jsonl.gz" if gz else "x.jsonl")
    path.write_bytes(gzip.compress(lines) if gz else lines)
    items = read_all(path)
    assert_safe(items)
    good = [r for r in records if isinstance(r, dict) and isinstance(r.get("text"), str)
            and r.get("id") not in (None, "") and not isinstance(r.get("id"), (dict, list))]
    docs = [i for i in items if isinstance(i, Document)]
    assert len(docs) == len(good)
    for record, doc in zip(good, docs):  # every good record is read, in order, its text kept
        assert doc.text == safe_text(record["text"])[0]


@settings(FUZZ, max_examples=60)
@given(cut=st.integers(min_value=0, max_value=10_000), flips=st.lists(st.integers(0, 10_000), max_size=3))
def test_damaged_gzip_keeps_only_whole_records(tmp_path_factory, cut, flips):
    folder = tmp_path_factory.mktemp("gz")
    records = [{"id": f"d{i}", "text": f"document {i} " + "word " * (i % 7 * 20)} for i in range(40)]
    data = bytearray(gzip.compress(b"".join(json.dumps(r).encode() + b"\n" for r in records)))
    data = data[: cut % (len(data) + 1)]
    for f in flips:
        if data:
            data[f % len(data)] ^= 0x55
    (folder / "x.jsonl.gz").write_bytes(bytes(data))
    items = read_all(folder / "x.jsonl.gz")
    assert_safe(items)
    original = {r["id"]: r["text"] for r in records}
    for doc in (i for i in items if isinstance(i, Document)):
        if not flips:  # a cut alone never changes a record it keeps
            assert original[doc.id] == doc.text


@pytest.fixture(scope="module")
def warc_file_bytes():
    pytest.importorskip("trafilatura")
    from test_reliability import warc_bytes

    return {gz: warc_bytes(3, gz) for gz in (False, True)}


@settings(FUZZ, max_examples=25)
@given(gz=st.booleans(), cut=st.integers(min_value=1, max_value=100_000))
def test_a_cut_warc_never_keeps_a_cut_record(tmp_path_factory, warc_file_bytes, gz, cut):
    folder = tmp_path_factory.mktemp("warc")
    whole = warc_file_bytes[gz]
    name = "c.warc.gz" if gz else "c.warc"
    (folder / "whole").mkdir()
    (folder / "whole" / name).write_bytes(whole)
    (folder / name).write_bytes(whole[: len(whole) - cut % len(whole)])
    full = {d.id.rsplit("#")[1]: d.text for d in read_all(folder / "whole" / name) if isinstance(d, Document)}
    items = read_all(folder / name)
    assert_safe(items)
    docs = [i for i in items if isinstance(i, Document)]
    for doc in docs:
        assert full[doc.id.rsplit("#")[1]] == doc.text
    if len(docs) < len(full):
        assert any(isinstance(i, Problem) for i in items) or len(whole) - cut % len(whole) == 0


hostile_files = st.sampled_from(SUFFIXES[:4]).flatmap(
    lambda suffix: st.tuples(st.just(suffix), st.binary(max_size=2000) | st.lists(
        json_values, max_size=5).map(lambda rs: b"".join(json.dumps(r).encode() + b"\n" for r in rs))))


@settings(FUZZ, max_examples=12)
@given(files=st.lists(hostile_files, min_size=1, max_size=3))
def test_copydesk_run_with_hostile_files_keeps_every_good_document(tmp_path_factory, files):
    root = tmp_path_factory.mktemp("run")
    good_corpus(root / "in")
    for k, (suffix, data) in enumerate(files):
        (root / "in" / f"hostile{k}{suffix}").write_bytes(gzip.compress(data) if suffix.endswith(".gz") else data)
    status = run([root / "in"], root / "out")
    assert status == 0
    got = outputs(root / "out")  # every line parses
    ids = {d["id"] for d in got["documents.jsonl"]}
    assert {"wire/story.txt", "wire/copy.txt", "wire/excerpt.txt", "wire/bakery.txt", "j-good"} <= ids
    kinds = {(m["a"], m["b"]): m["kind"] for m in got["matches.jsonl"]}
    assert kinds[("wire/copy.txt", "wire/story.txt")] == "near_duplicate"
    shutil.rmtree(root)


def test_atheris_coverage_guided_fuzzing_of_the_readers():
    """libFuzzer through atheris, bounded: 20,000 inputs or 40 seconds (tests/fuzz/atheris_readers.py)."""
    import subprocess
    import sys

    pytest.importorskip("atheris", reason="atheris is not installed: pip install 'copydesk[fuzz]'")
    harness = Path(__file__).resolve().parent / "fuzz" / "atheris_readers.py"
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1] / "src"))
    done = subprocess.run([sys.executable, str(harness), "-runs=20000", "-max_len=2048", "-max_total_time=40"],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Done" in done.stderr
