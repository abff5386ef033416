"""The persistent index (copydesk.live): adds and queries give what a batch run over the union gives."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from copydesk.config import Config
from copydesk.ingest import IngestError
from copydesk.live import LiveIndex, LiveIndexError, QueryConflict
from copydesk.pipeline import find_reuse
from copydesk.semantic import RewriteConfig
from copydesk.types import Document

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples" / "news"
REUSE = REPO / "tests" / "data" / "reuse" / "docs.jsonl"
# The lexical rewrite layer: the same stage functions as with a model, hundreds of times faster.
CONFIG = Config(processes=1, rewrite=RewriteConfig(model="none"))


def batch(inputs, out: Path, config: Config = CONFIG) -> tuple[list[dict], list[dict], dict[str, dict]]:
    """Matches, clusters and documents of a batch run."""
    find_reuse([str(i) for i in inputs], out, config, force=True)
    read = lambda name: [json.loads(line) for line in (out / name).read_text().splitlines()]  # noqa: E731
    # The index keeps the relation records; the fields the batch run adds after clustering
    # (lineage: derived, sources, edges; languages) are not in it yet, so they are left out here.
    matches = [{k: v for k, v in m.items() if k in MATCH_KEYS} for m in read("matches.jsonl")]
    clusters = [{k: v for k, v in c.items() if k in CLUSTER_KEYS} for c in read("clusters.jsonl")]
    documents = {d["id"]: {k: v for k, v in d.items() if k not in BATCH_ONLY_DOCUMENT_KEYS}
                 for d in read("documents.jsonl")}
    return matches, clusters, documents


MATCH_KEYS = {"copydesk_output", "a", "b", "kind", "score", "jaccard", "containment_a", "containment_b", "passages",
              "method"}
CLUSTER_KEYS = {"copydesk_output", "id", "kind", "members", "representative"}
# (and ``published`` where the batch run read a date line in the text: the index keeps the input's)
BATCH_ONLY_DOCUMENT_KEYS = {"published_origin", "language", "language_confidence", "language_spans"}


def split_folder(src: Path, dst: Path, first: list[str]) -> tuple[Path, Path]:
    """Two folders holding the files of ``src`` (ids kept): ``first`` in one, the rest in the other."""
    one, two = dst / "one", dst / "two"
    for path in sorted(src.rglob("*")):
        if path.is_file():
            rel = path.relative_to(src).as_posix()
            target = (one if rel in first else two) / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    return one, two


def split_jsonl(src: Path, dst: Path, first, keep=lambda r: True) -> tuple[Path, Path]:
    lines = [line for line in src.read_text().splitlines() if keep(json.loads(line))]
    records = [json.loads(line) for line in lines]
    one, two = dst / "one.jsonl", dst / "two.jsonl"
    one.write_text("".join(line + "\n" for k, (line, r) in enumerate(zip(lines, records)) if first(k, r)))
    two.write_text("".join(line + "\n" for k, (line, r) in enumerate(zip(lines, records)) if not first(k, r)))
    return one, two


def involving(matches: list[dict], doc_id: str) -> list[dict]:
    return [m for m in matches if doc_id in (m["a"], m["b"])]


def test_build_equals_batch_run(tmp_path):
    matches, clusters, documents = batch([SAMPLES], tmp_path / "out")
    index = LiveIndex.create(tmp_path / "news.cdx", CONFIG)
    result = index.add([SAMPLES])
    assert result.counts["documents_added"] == len(documents)
    assert index.match_records() == matches
    assert index.cluster_records() == clusters
    for doc_id, record in documents.items():
        found = index.document(doc_id)
        expected = {k: v for k, v in record.items() if k not in ("copydesk_output", "published")}
        assert {k: v for k, v in found["document"].items() if k != "published"} == expected
        assert found["matches"] == involving(matches, doc_id)
        assert found["clusters"] == [c for c in clusters if doc_id in c["members"]]
    assert index.document("no/such/id.txt") is None


def test_add_in_two_batches_equals_union_run(tmp_path):
    ids = sorted(p.relative_to(SAMPLES).as_posix() for p in SAMPLES.rglob("*.txt"))
    one, two = split_folder(SAMPLES, tmp_path, ids[::2])
    # Without the story stage: a same-story score weighs names by their rarity in the whole
    # corpus, so every story pair is compared again after an add (the parity of the story stage
    # is the other tests'); the other stages' pairs inside the first half are reused.
    config = Config(processes=1, stages=("clean", "exact", "near", "passages", "rewrite"),
                    rewrite=RewriteConfig(model="none"))
    matches, clusters, _ = batch([one, two], tmp_path / "out", config)
    assert len(matches) >= 10  # the sample's reuse spans both halves
    index = LiveIndex.create(tmp_path / "news.cdx", config)
    index.add([one])
    generation = index.generation()
    result = index.add([two])
    assert index.generation() == generation + 1
    assert result.counts["pairs_reused"] > 0  # pairs inside the first half were not compared again
    assert index.match_records() == matches
    assert index.cluster_records() == clusters
    # A fresh process reads the same answer from the file.
    assert LiveIndex(tmp_path / "news.cdx").match_records() == matches


@pytest.mark.parametrize("config", [
    Config(processes=1, stages=("exact", "near")),
    Config(processes=1, stages=("clean", "near", "passages")),
    Config(processes=1, stages=("exact", "near", "passages", "rewrite", "story"), rewrite=RewriteConfig(model="none")),
], ids=["document-level", "passages-no-exact", "no-clean"])
def test_other_stage_sets_in_two_batches_equal_the_union_run(tmp_path, config):
    ids = sorted(p.relative_to(SAMPLES).as_posix() for p in SAMPLES.rglob("*.txt"))
    one, two = split_folder(SAMPLES, tmp_path, ids[1::2])
    matches, clusters, _ = batch([one, two], tmp_path / "out", config)
    index = LiveIndex.create(tmp_path / "news.cdx", config)
    index.add([one])
    index.add([two])
    assert index.match_records() == matches and matches
    assert index.cluster_records() == clusters
    lunches = "dailyherald/free-school-lunches-trial.txt"
    answer = LiveIndex(tmp_path / "news.cdx").query(Document("incoming", (SAMPLES / lunches).read_text()))
    assert {m["a"] for m in answer["matches"]} >= {lunches}


def test_query_equals_batch_run_with_the_document(tmp_path):
    ids = sorted(p.relative_to(SAMPLES).as_posix() for p in SAMPLES.rglob("*.txt"))
    queried = ["dailyherald/free-school-lunches-trial.txt", "metrotimes/tram-derails-at-junction.txt",
               "contentfarm/data-centre-drank-town-water.txt"]
    rest, _ = split_folder(SAMPLES, tmp_path / "split", [i for i in ids if i not in queried])
    index = LiveIndex.create(tmp_path / "news.cdx", CONFIG)
    index.add([rest])
    before = index.match_records()
    answered = 0
    for doc_id in queried:
        folder = tmp_path / doc_id.replace("/", "_")
        shutil.copytree(rest, folder / "corpus")
        (folder / "corpus" / doc_id).write_bytes((SAMPLES / doc_id).read_bytes())
        matches, _, _ = batch([folder / "corpus"], folder / "out")
        doc = Document(doc_id, (SAMPLES / doc_id).read_text(), origin=doc_id)
        answer = index.query(doc)
        assert answer["indexed"] is False
        assert answer["matches"] == involving(matches, doc_id)
        answered += bool(answer["matches"])
    assert answered == len(queried)  # each of them copies or rewrites something in the sample
    assert index.match_records() == before  # a query writes nothing


def test_query_of_an_indexed_document_answers_from_the_index(tmp_path):
    index = LiveIndex.create(tmp_path / "news.cdx", CONFIG)
    index.add([SAMPLES])
    doc_id = "dailyherald/free-school-lunches-trial.txt"
    text = (SAMPLES / doc_id).read_text()
    answer = index.query(Document(doc_id, text))
    assert answer["indexed"] is True
    assert answer["matches"] == index.document(doc_id)["matches"] != []
    with pytest.raises(QueryConflict, match="another id"):
        index.query(Document(doc_id, text + " An update."))


def test_repeated_ids_are_skipped_as_a_batch_run_skips_them(tmp_path):
    index = LiveIndex.create(tmp_path / "news.cdx", CONFIG)
    index.add([SAMPLES])
    matches = index.match_records()
    result = index.add([SAMPLES])
    assert result.counts["documents_added"] == 0
    assert len(result.problems) == result.counts["documents"] == len(list(SAMPLES.rglob("*.txt")))
    assert index.match_records() == matches
    assert "duplicate id" in result.problems[0]
    strict = LiveIndex(tmp_path / "news.cdx")
    strict.config = strict.config.replace(ingest=strict.config.ingest.__class__(on_error="fail"))
    with pytest.raises(IngestError, match="duplicate id"):
        strict.add([SAMPLES])


def test_source_furniture_learnt_after_an_add_recleans_the_indexed_documents(tmp_path):
    """A line becomes a source's furniture only when its third document arrives (min_source_docs
    = 3): the two indexed documents are cleaned again, as a batch run over all three cleans them."""
    footer = "Subscribe to the Harbour Echo for the week's best local stories and offers"
    body = [
        "The harbour authority approved a new breakwater after three years of storm damage to the fishing fleet.",
        "A local baker won the regional bread prize with a sourdough made from grain grown on the island farms.",
        "The ferry timetable changes next month, with two extra crossings on weekdays during the summer season.",
    ]
    records = [{"id": f"echo-{k}", "source": "echo", "text": f"{b}\n{b.upper()} was reported on Monday.\n{footer}"}
               for k, b in enumerate(body)]
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    one.write_text("".join(json.dumps(r) + "\n" for r in records[:2]))
    two.write_text(json.dumps(records[2]) + "\n")
    _, _, documents = batch([one, two], tmp_path / "out")
    assert all(d["boilerplate"] for d in documents.values())  # the footer is furniture in all three
    index = LiveIndex.create(tmp_path / "echo.cdx", CONFIG)
    index.add([one])
    assert index.document("echo-0")["document"]["boilerplate"] == []  # two documents: not yet furniture
    result = index.add([two])
    assert result.counts["recleaned"] == 2
    for doc_id, record in documents.items():
        assert index.document(doc_id)["document"]["boilerplate"] == record["boilerplate"]


@pytest.mark.slow
def test_reuse_corpus_in_two_batches_and_a_query_equal_batch_runs(tmp_path):
    """The project's reuse corpus (sources, furniture, excerpts, copies, glued and commented pages):
    its ten stories and six of its sixty web pages (the pages report the stories again: every page
    pairs with many, which makes the whole corpus take minutes)."""
    one, two = split_jsonl(REUSE, tmp_path, lambda k, r: k % 2 == 0,  # every story in both halves
                           keep=lambda r: not r["id"].startswith("page-") or r["id"] < "page-006")
    matches, clusters, _ = batch([one, two], tmp_path / "out")
    index = LiveIndex.create(tmp_path / "reuse.cdx", CONFIG)
    index.add([one])
    # A query before the add: the answer of a batch run over the first half and that document.
    record = json.loads(two.read_text().splitlines()[0])
    (tmp_path / "q.jsonl").write_text(json.dumps(record) + "\n")
    expected, _, _ = batch([one, tmp_path / "q.jsonl"], tmp_path / "out-q")
    answer = index.query(Document(record["id"], record["text"], source=record.get("source")))
    assert answer["matches"] == involving(expected, record["id"]) != []
    index.add([two])
    assert index.match_records() == matches
    assert index.cluster_records() == clusters


def test_missing_and_foreign_files_are_refused(tmp_path):
    with pytest.raises(LiveIndexError, match="copydesk index build"):
        LiveIndex(tmp_path / "nothing.cdx")
    (tmp_path / "text.cdx").write_text("not a database, just text " * 100)
    with pytest.raises(LiveIndexError, match="not a copydesk index"):
        LiveIndex(tmp_path / "text.cdx")
    LiveIndex.create(tmp_path / "x.cdx", CONFIG)
    with pytest.raises(LiveIndexError, match="already exists"):
        LiveIndex.create(tmp_path / "x.cdx", CONFIG)
    with pytest.raises(IngestError, match="does not exist"):
        LiveIndex(tmp_path / "x.cdx").add([tmp_path / "missing"])


# --- crash safety --------------------------------------------------------------------------------

_CHILD = """
import sys, time
import copydesk.live.index as live
if sys.argv[3] == "pause":
    original = live._write
    def paused(*args):
        state = original(*args)
        print("written", flush=True)   # every row of the add is written; the commit is next
        time.sleep(60)
        return state
    live._write = paused
live.LiveIndex(sys.argv[1]).add([sys.argv[2]])
print("committed", flush=True)
"""


def _snapshot(path: Path) -> tuple[int, list[dict], list[dict]]:
    index = LiveIndex(path)
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    return index.generation(), index.match_records(), index.cluster_records()


@pytest.mark.parametrize("when", ["pause", "early", "never"])
def test_a_killed_add_leaves_the_index_as_before_or_after(tmp_path, when):
    ids = sorted(p.relative_to(SAMPLES).as_posix() for p in SAMPLES.rglob("*.txt"))
    one, two = split_folder(SAMPLES, tmp_path, ids[::2])
    path = tmp_path / "news.cdx"
    LiveIndex.create(path, CONFIG).add([one])
    before = _snapshot(path)
    after_path = tmp_path / "after.cdx"
    shutil.copyfile(path, after_path)
    LiveIndex(after_path).add([two])
    after = _snapshot(after_path)
    assert after[0] == before[0] + 1 and after[1] != before[1]

    env = {"PYTHONPATH": str(REPO / "src")}
    child = subprocess.Popen([sys.executable, "-c", _CHILD, str(path), str(two), when],
                             stdout=subprocess.PIPE, text=True, env=env)
    if when == "pause":
        assert child.stdout.readline().strip() == "written"
        child.kill()
    elif when == "early":
        time.sleep(0.5)  # importing and reading: the add has not committed yet
        child.kill()
    child.wait(timeout=120)
    state = _snapshot(path)
    if when == "never":
        assert child.returncode == 0 and state == after
    elif when == "pause":
        assert state == before
    else:
        assert state in (before, after)
    # The index still takes the add after a kill, and ends where an unbroken add ends.
    if state == before:
        LiveIndex(path).add([two])
    assert _snapshot(path) == after


# --- command line --------------------------------------------------------------------------------


def test_cli_build_add_and_query(tmp_path, capsys, monkeypatch):
    import io

    from copydesk.cli import main

    ids = sorted(p.relative_to(SAMPLES).as_posix() for p in SAMPLES.rglob("*.txt"))
    one, two = split_folder(SAMPLES, tmp_path, ids[::2])
    path = tmp_path / "news.cdx"
    flags = ["--processes", "1", "--rewrite-model", "none", "-q"]
    assert main(["index", "build", str(one), "-o", str(path), *flags]) == 0
    assert main(["index", "build", str(one), "-o", str(path), *flags]) == 2  # exists: --force needed
    assert "already exists" in capsys.readouterr().err
    assert main(["index", "add", str(path), str(two), "-q"]) == 0
    assert LiveIndex(path).match_records() == batch([one, two], tmp_path / "out")[0]

    capsys.readouterr()
    lunches = SAMPLES / "dailyherald" / "free-school-lunches-trial.txt"
    assert main(["query", str(path), str(lunches)]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["id"] == lunches.as_posix() and {m["kind"] for m in answer["matches"]} >= {"exact", "excerpt"}

    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(lunches.read_bytes())))
    assert main(["query", str(path), "-", "--id", "incoming/lunches"]) == 0
    from_stdin = json.loads(capsys.readouterr().out)
    def others(found: dict) -> list[tuple[str, str]]:
        return sorted((m["b"] if m["a"] == found["id"] else m["a"], m["kind"]) for m in found["matches"])

    assert from_stdin["id"] == "incoming/lunches" and others(from_stdin) == others(answer)

    record = {"id": "wire-copy", "text": lunches.read_text()}
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(json.dumps(record).encode())))
    assert main(["query", str(path), "-"]) == 0
    assert json.loads(capsys.readouterr().out)["id"] == "wire-copy"

    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"Nothing in the index reads like this line.")))
    assert main(["query", str(path), "-"]) == 1  # like grep: nothing matched
    assert json.loads(capsys.readouterr().out)["matches"] == []
    assert main(["query", str(tmp_path / "none.cdx"), str(lunches)]) == 2
    assert "copydesk index build" in capsys.readouterr().err


def test_index_help_imports_no_heavy_dependency():
    from test_cli import loaded_after

    for argv in (["index", "--help"], ["index", "build", "--help"], ["query", "--help"], ["serve", "--help"]):
        code = f"from copydesk.cli import main\ntry:\n    main({argv!r})\nexcept SystemExit:\n    pass"
        assert loaded_after(code + "\nimport sys\nassert 'fastapi' not in sys.modules") == []


# --- real pages and any split ------------------------------------------------------------------


@pytest.mark.slow
def test_real_html_pages_in_two_batches_and_a_query_equal_batch_runs(tmp_path, shared_data):
    """Pages of news portals (cleanportaleval: BBC, MSNBC, WSJ blogs, Washington Post), read as
    `copydesk run` reads HTML; the pages of one portal share furniture the cleaner learns."""
    pages = sorted((shared_data / "cleanportaleval" / "input").glob("*.html"))[:24]
    assert len(pages) == 24
    one, two = tmp_path / "one", tmp_path / "two"
    for k, page in enumerate(pages):
        folder = one if k % 2 == 0 else two
        folder.mkdir(exist_ok=True)
        shutil.copyfile(page, folder / page.name)
    # A portal page republished elsewhere: a copy for the batches to find across them.
    shutil.copyfile(pages[0], two / ("republished-" + pages[0].name))
    queried = two / pages[1].name
    matches, clusters, documents = batch([one, two], tmp_path / "out")
    assert any(m["kind"] == "exact" for m in matches)
    index = LiveIndex.create(tmp_path / "pages.cdx", CONFIG)
    index.add([one])
    expected, _, _ = batch([one, queried], tmp_path / "out-q")
    from copydesk.live.index import read_documents

    (read,), _ = read_documents([queried], CONFIG)
    assert index.query(read)["matches"] == involving(expected, read.id)
    result = index.add([two])
    assert result.counts["recleaned"] > 0  # furniture learnt from the second batch's pages of a portal
    assert index.match_records() == matches
    assert index.cluster_records() == clusters
    for doc_id, record in documents.items():
        assert index.document(doc_id)["document"]["boilerplate"] == record["boilerplate"]


def test_any_split_into_batches_gives_the_union_run(tmp_path_factory):
    """Property: however the corpus is cut into batches and in whatever order they are added,
    the index ends with the batch run's matches and clusters."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    root = tmp_path_factory.mktemp("split")
    records = [json.loads(line) for line in REUSE.read_text().splitlines()
               if not json.loads(line)["id"].startswith("page-")][:28]
    corpus = root / "corpus.jsonl"
    corpus.write_text("".join(json.dumps(r) + "\n" for r in records))
    matches, clusters, _ = batch([corpus], root / "out")
    assert len(matches) >= 20
    runs = iter(range(1000))

    @settings(max_examples=4, deadline=None)
    @given(st.lists(st.integers(0, 2), min_size=len(records), max_size=len(records)), st.permutations([0, 1, 2]))
    def check(batch_of: list[int], order: list[int]) -> None:
        work = root / f"run-{next(runs)}"
        work.mkdir()
        index = LiveIndex.create(work / "x.cdx", CONFIG)
        for b in order:
            part = work / f"batch-{b}.jsonl"
            part.write_text("".join(json.dumps(r) + "\n" for r, k in zip(records, batch_of) if k == b))
            index.add([part])
        assert index.match_records() == matches
        assert index.cluster_records() == clusters

    check()


def test_one_document_candidates_equal_the_whole_corpus_generators(tmp_path, monkeypatch):
    """Differential: a query's fast path (candidates from the indexed postings) against the
    whole-corpus candidate generators, for every document of one half of the reuse corpus
    queried against an index of the other half."""
    import copydesk.live.index as live

    one, two = split_jsonl(REUSE, tmp_path, lambda k, r: k % 2 == 0,
                           keep=lambda r: not r["id"].startswith("page-") or r["id"] < "page-004")
    index = LiveIndex.create(tmp_path / "reuse.cdx", CONFIG)
    index.add([one])
    records = [json.loads(line) for line in two.read_text().splitlines()]
    docs = [Document(r["id"], r["text"], source=r.get("source")) for r in records]
    used = []
    original = live._candidates_of_one
    monkeypatch.setattr(live, "_candidates_of_one", lambda *a: used.append(1) or original(*a))
    fast = [index.query(d) for d in docs]
    assert len(used) >= len(docs) - 3  # the rest re-cleaned indexed documents: the whole-corpus path
    monkeypatch.setattr(live, "_ONE_DOCUMENT_PATH", False)
    slow = [index.query(d) for d in docs]
    assert fast == slow
    assert sum(bool(a["matches"]) for a in fast) >= len(docs) // 2
    assert {m["kind"] for a in fast for m in a["matches"]} >= {"excerpt", "near_duplicate", "same_story"}
