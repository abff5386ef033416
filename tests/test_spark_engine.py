"""The Spark engine gives the local engine's answers, byte for byte.

One ``local[2]`` session for the module. Parity runs compare whole output files; the candidate
generators are also checked one by one against the local functions on random keys, so a change
of a scoring rule in one engine and not the other fails here with a small example.
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from copydesk.config import Config
from copydesk.pipeline import find_reuse
from tests.golden import texts as _texts

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples" / "news"
REWRITE = REPO / "tests" / "data" / "rewrite" / "docs"
REUSE = REPO / "tests" / "data" / "reuse" / "docs.jsonl"
COMPARED = ("matches.jsonl", "clusters.jsonl", "documents.jsonl", "deduplicated.jsonl", "outlets.jsonl")


def _both(inputs, tmp_path: Path, config: Config, **spark_options) -> tuple[Path, Path]:
    from copydesk.engines.spark import find_reuse_spark

    local, distributed = tmp_path / "local", tmp_path / "spark"
    find_reuse(inputs, local, config.replace(processes=1), progress=False)
    find_reuse_spark(inputs, distributed, config.replace(engine="spark"), progress=False, **spark_options)
    return local, distributed


def _assert_same_outputs(local: Path, distributed: Path) -> None:
    for name in COMPARED:
        assert (distributed / name).read_bytes() == (local / name).read_bytes(), f"{name} differs"
    run_local = json.loads((local / "run.json").read_text())
    run_spark = json.loads((distributed / "run.json").read_text())
    assert run_spark["engine"] == "spark"
    assert run_spark["counts"] == run_local["counts"]
    assert run_spark["problems"] == run_local["problems"]
    assert run_spark["warnings"] == run_local["warnings"]
    assert _texts(distributed) == _texts(local)


def test_sample_and_reuse_corpora_give_identical_outputs(spark, tmp_path):
    inputs = [SAMPLES] + [p for p in (REWRITE, REUSE) if p.exists()]
    local, distributed = _both(inputs, tmp_path, Config())
    _assert_same_outputs(local, distributed)
    matches = [json.loads(line) for line in (distributed / "matches.jsonl").read_text().splitlines()]
    kinds = {m["kind"] for m in matches}
    assert {"exact", "near_duplicate", "excerpt"} <= kinds  # the test covers more than one stage
    assert all(m["copydesk_output"] == 2 for m in matches)


def test_tied_rewrite_candidates_are_chosen_by_id_in_both_engines(spark, tmp_path):
    from copydesk.semantic import RewriteConfig
    from tests.test_pipeline import _tied_rewrites

    # Read in reverse id order: the Spark engine's reading index and the id rank disagree.
    rows = _tied_rewrites()[::-1]
    path = tmp_path / "tied.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    local, distributed = _both([path], tmp_path, Config(rewrite=RewriteConfig(max_candidates_per_doc=1)))
    _assert_same_outputs(local, distributed)
    pairs = [(m["a"], m["b"]) for m in map(json.loads, (local / "matches.jsonl").read_text().splitlines())]
    assert pairs == [("report1", f"report{k}") for k in range(2, 6)]  # the smallest id wins every tie


def test_jsonl_inputs_with_bad_records_chunks_and_gzip(spark, tmp_path, monkeypatch):
    from copydesk.engines import spark_read

    texts = [line for line in (REUSE.read_text().splitlines() if REUSE.exists() else [])][:40]
    if not texts:
        texts = [json.dumps({"id": p.name, "text": p.read_text()}) for p in sorted(SAMPLES.rglob("*.txt"))]
    plain = tmp_path / "in" / "a.jsonl"
    plain.parent.mkdir()
    lines = texts[:20] + ["{not json", "", texts[3]] + texts[20:30]  # malformed, blank, duplicate id
    plain.write_text("\n".join(lines) + "\n")
    with gzip.open(tmp_path / "in" / "b.jsonl.gz", "wt") as f:
        f.write("\n".join(texts[30:]) + "\n")
    # Cut a.jsonl into many byte ranges: line numbers in problems must still be the file's.
    monkeypatch.setattr(spark_read, "JSONL_CHUNK_BYTES", 3000)
    assert sum(u.kind == "jsonl_range" for u in spark_read.plan_units([tmp_path / "in"])) > 3
    config = Config(stages=("clean", "exact", "near", "passages"))
    local, distributed = _both([tmp_path / "in"], tmp_path, config)
    _assert_same_outputs(local, distributed)
    problems = json.loads((distributed / "run.json").read_text())["problems"]
    assert any(":21: is not valid JSON" in p for p in problems)
    assert any("duplicate id" in p and ":23" in p for p in problems)


def test_unlistable_folders_dangling_links_fifos_and_cut_warcs_are_problems(spark, tmp_path, monkeypatch):
    """What the folder walk cannot read is reported by the Spark engine as by the local one
    (issue 12: it was skipped without a problem entry), in the same place of the list."""
    import os

    pytest.importorskip("trafilatura")
    from test_reliability import deny_listing, good_corpus, warc_bytes

    folder = tmp_path / "in"
    good_corpus(folder)
    (folder / "gone.txt").symlink_to(tmp_path / "nowhere.txt")
    os.mkfifo(folder / "pipe.jsonl")
    (folder / "locked").mkdir()
    (folder / "locked" / "x.txt").write_text("in a folder that cannot be listed")
    whole = warc_bytes(3, gz=False)
    (folder / "crawl.warc").write_bytes(whole[: len(whole) - 300])
    deny_listing(monkeypatch, "locked")
    local, distributed = _both([folder], tmp_path, Config(stages=("clean", "exact", "near", "passages")))
    _assert_same_outputs(local, distributed)  # problems included, in order
    problems = "\n".join(json.loads((distributed / "run.json").read_text())["problems"])
    assert "gone.txt: cannot be read" in problems
    assert "pipe.jsonl: is not a regular file" in problems
    assert "locked: folder cannot be read (Permission denied)" in problems
    assert "crawl.warc" in problems and "truncated" in problems


def test_parquet_input_and_parquet_output(spark, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from copydesk.engines.spark import find_reuse_spark

    from copydesk.ingest import decode

    docs = [{"doc": p.relative_to(SAMPLES).as_posix(), "body": decode(p.read_bytes(), str(p))[0]}
            for p in sorted(SAMPLES.rglob("*.txt"))]
    (tmp_path / "pq").mkdir()
    pq.write_table(pa.Table.from_pylist(docs), tmp_path / "pq" / "docs.parquet", row_group_size=10)
    config = Config.from_mapping({"stages": ["clean", "exact", "near"], "engine": "spark",
                                  "ingest": {"id_field": "doc", "text_field": "body"}})
    find_reuse_spark([tmp_path / "pq"], tmp_path / "from_parquet", config, progress=False)
    find_reuse([SAMPLES], tmp_path / "local", config.replace(engine="local", processes=1), progress=False)
    for name in ("matches.jsonl", "clusters.jsonl"):
        assert (tmp_path / "from_parquet" / name).read_bytes() == (tmp_path / "local" / name).read_bytes()

    find_reuse_spark([SAMPLES], tmp_path / "as_parquet", config.replace(ingest=Config().ingest), progress=False,
                     parquet=True)
    table = pq.read_table(tmp_path / "as_parquet" / "matches.parquet")
    local_matches = (tmp_path / "local" / "matches.jsonl").read_text().splitlines()
    assert sorted(zip(table.column("a").to_pylist(), table.column("b").to_pylist())) == sorted(
        (m["a"], m["b"]) for m in map(json.loads, local_matches))
    assert not (tmp_path / "as_parquet" / "matches.jsonl").exists()
    # The manifest lists the parts in sort order: read in that order, the pairs are the local order.
    manifest = json.loads((tmp_path / "as_parquet" / "matches.parquet" / "_manifest.json").read_text())
    in_order = [pair for part in manifest["parts"]
                for pair in zip(*pq.read_table(tmp_path / "as_parquet" / "matches.parquet" / part["file"],
                                               columns=["a", "b"]).to_pydict().values())]
    assert manifest["rows"] == len(in_order) == len(local_matches)
    assert in_order == [(m["a"], m["b"]) for m in map(json.loads, local_matches)]


def _frame(spark, keys_by_doc: list[np.ndarray], column: str, id_rank: np.ndarray | None = None):
    rows = [(i, [int(k) for k in np.asarray(k, np.uint64).view(np.int64)]) for i, k in enumerate(keys_by_doc)]
    if id_rank is None:
        return spark.createDataFrame(rows, f"idx long, {column} array<long>")
    rows = [(i, int(r), k) for (i, k), r in zip(rows, id_rank)]
    return spark.createDataFrame(rows, f"idx long, id_rank long, {column} array<long>")


def _run(spark, tmp_path, config: Config):
    from copydesk.engines.spark_run import SparkRun
    from copydesk.store import OutputFolder

    return SparkRun(spark, config, OutputFolder(tmp_path / "unused"))


def test_story_candidates_equal_the_local_scoring(spark, tmp_path):
    from copydesk.semantic import RewriteConfig, rewrite_candidates

    rng = np.random.default_rng(5)
    n = 60
    vocab = rng.integers(0, 2**64, size=300, dtype=np.uint64)  # kinds in the two top bits, all of them
    keys = [np.unique(rng.choice(vocab[: rng.integers(40, 300)], size=rng.integers(5, 60))) for _ in range(n)]
    # Documents 50-59 hold the same 12 keys and no other: 45 equally scored pairs, and a cap of
    # 4 chooses among them by id rank (a shuffled order, not the index).
    keys[50:] = [np.unique(rng.integers(0, 2**64, size=12, dtype=np.uint64))] * 10
    id_rank = rng.permutation(n)
    config = Config(rewrite=RewriteConfig(min_shared_keys=3, min_candidate_score=1.5, max_key_docs=25,
                                          max_candidates_per_doc=4))
    expected = rewrite_candidates(np.concatenate(keys), np.repeat(np.arange(n), [len(k) for k in keys]), n,
                                  config.rewrite, id_rank)
    by_index = rewrite_candidates(np.concatenate(keys), np.repeat(np.arange(n), [len(k) for k in keys]), n,
                                  config.rewrite)
    got = _run(spark, tmp_path, config)._story(_frame(spark, keys, "skeys", id_rank), n)
    assert len(expected) > 20
    assert sorted(map(tuple, expected.tolist())) != sorted(map(tuple, by_index.tolist()))  # the ties matter
    assert sorted(map(tuple, got.collect())) == sorted(map(tuple, expected.tolist()))


def test_passage_candidates_equal_the_local_postings(spark, tmp_path):
    from copydesk.passages import PassageConfig, frequent_keys, passage_candidates

    rng = np.random.default_rng(8)
    n = 80
    vocab = rng.integers(0, 2**64, size=400, dtype=np.uint64)
    # vocab[0] is on 50 of the 80 documents: above the document-frequency cap, a frequent key.
    keys = [np.unique(np.r_[rng.choice(vocab, size=rng.integers(0, 40)), vocab[:1] if i < 50 else vocab[:0]])
            for i in range(n)]
    config = Config(passages=PassageConfig(min_shared_keys=2))
    expected = passage_candidates(np.concatenate(keys), np.repeat(np.arange(n), [len(k) for k in keys]), n,
                                  config.passages)
    ranks = spark.createDataFrame([(i, i) for i in range(n)], "idx long, id_rank long")
    got, frequent = _run(spark, tmp_path, config)._passages(_frame(spark, keys, "pkeys"), n, ranks)
    assert len(expected) > 20
    # The per-document cap binds here (the uncapped rule pairs some document with more).
    uncapped = passage_candidates(np.concatenate(keys), np.repeat(np.arange(n), [len(k) for k in keys]), n,
                                  PassageConfig(min_shared_keys=2, max_candidates_per_doc=0))
    assert np.bincount(uncapped.ravel()).max() > config.passages.max_candidates_per_doc
    assert len(expected) < len(uncapped)
    assert sorted(map(tuple, got.collect())) == sorted(map(tuple, expected.tolist()))
    local_frequent = frequent_keys(np.concatenate(keys), np.repeat(np.arange(n), [len(k) for k in keys]), n,
                                   config.passages)
    assert len(local_frequent) > 0
    assert frequent.tolist() == local_frequent.tolist()


def test_lsh_buckets_are_paired_in_id_order_within_the_window(spark, tmp_path):
    from copydesk.index import lsh_candidates

    # 150 identical signatures in one bucket with a window of 64 neighbours: which pairs are
    # formed depends on the id order, and must be the local engine's.
    rng = np.random.default_rng(2)
    n, num_perm, bands, rows = 200, 16, 4, 4
    sig = rng.integers(0, 1000, size=(n, num_perm), dtype=np.uint32)
    sig[:150] = sig[0]
    sig[150:170, :4] = sig[0, :4]  # share one band only
    order = rng.permutation(n)  # id rank of each document
    expected = lsh_candidates(sig, np.arange(n), order, bands, rows)
    info = spark.createDataFrame([(i, int(order[i]), sig[i].tobytes()) for i in range(n)],
                                 "idx long, id_rank long, sig binary")
    config = Config.from_mapping({"near": {"num_perm": 16}})
    run = _run(spark, tmp_path, config)
    kept, n_pairs = run._near(info, info.select("idx"), bands, rows)
    assert n_pairs == len(expected)
    all_pairs = {tuple(map(int, p)) for p in expected.tolist()}
    assert {tuple(r) for r in kept.collect()} <= all_pairs


def test_missing_pyspark_names_the_install_line(monkeypatch):
    from copydesk.engines import spark as engine

    monkeypatch.setitem(sys.modules, "pyspark", None)
    with pytest.raises(engine.SparkUnavailable, match=r"pip install 'copydesk\[spark\]'"):
        engine.check_requirements()


def test_missing_java_says_to_install_java_17(monkeypatch, tmp_path):
    from copydesk.engines import spark as engine

    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "nowhere"))
    with pytest.raises(engine.SparkUnavailable, match="Java 17"):
        engine.check_requirements()


def test_cli_without_spark_exits_with_the_install_line(monkeypatch, tmp_path, capsys):
    from copydesk.cli import main

    monkeypatch.setitem(sys.modules, "pyspark", None)
    code = main(["run", str(SAMPLES), "-o", str(tmp_path / "out"), "--engine", "spark", "-q"])
    assert code == 2
    assert "pip install 'copydesk[spark]'" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_importing_the_engine_loads_no_spark():
    code = "import sys, copydesk.engines.spark, copydesk.engines.spark_read; print('pyspark' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_an_empty_corpus_gives_empty_outputs(spark, tmp_path):
    (tmp_path / "in").mkdir()
    local, distributed = _both([tmp_path / "in"], tmp_path, Config())
    _assert_same_outputs(local, distributed)
    assert (distributed / "matches.jsonl").read_bytes() == b""


def test_languages_and_the_language_filter_are_the_same_in_both_engines(spark, tmp_path):
    mixed = REPO / "tests" / "data" / "languages" / "mixed.jsonl"
    config = Config.from_mapping({"ingest": {"drop_languages": ["fr"]}})
    local, distributed = _both([SAMPLES, mixed], tmp_path, config)
    _assert_same_outputs(local, distributed)
    run = json.loads((distributed / "run.json").read_text())
    assert run["counts"]["filtered_by_language"] == {"fr": 1}
    assert run["counts"]["languages"]["de"] == 2 and "fr" not in run["counts"]["languages"]
