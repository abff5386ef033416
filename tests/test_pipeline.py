"""End to end: the sample corpus's planted duplicates, determinism, bad input."""

import json
import random
import shutil
from pathlib import Path

import pytest

from copydesk.config import Config
from copydesk.ingest import IngestError
from copydesk.pipeline import find_reuse
from copydesk.semantic import RewriteConfig
from copydesk.store import OutputExistsError

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples" / "news"
OUTPUTS = ("documents.jsonl", "matches.jsonl", "clusters.jsonl", "deduplicated.jsonl")
DOC_LEVEL = Config(stages=("exact", "near"), processes=1)


def records(out: Path, name: str) -> list[dict]:
    return [json.loads(line) for line in (out / name).read_text().splitlines()]


def gold(kinds: set[str]) -> set[tuple[str, str, str]]:
    rows = [json.loads(line) for line in (REPO / "samples" / "gold.jsonl").read_text().splitlines()]
    return {(r["a"], r["b"], r["kind"]) for r in rows if r["kind"] in kinds}


def test_sample_duplicates_are_all_found_and_nothing_else(tmp_path):
    out = tmp_path / "out"
    result = find_reuse([SAMPLES], out, DOC_LEVEL)
    found = {(m["a"], m["b"], m["kind"]) for m in records(out, "matches.jsonl")}
    assert found == gold({"exact", "near_duplicate"})
    assert result.counts["documents"] == 44
    assert result.counts["empty_documents"] == 1


def test_every_output_is_written_in_the_documented_format(tmp_path):
    out = tmp_path / "out"
    find_reuse([SAMPLES], out, DOC_LEVEL)
    for name in OUTPUTS:
        assert all(r["copydesk_output"] == 2 for r in records(out, name)), name
    docs = records(out, "documents.jsonl")
    assert [d["id"] for d in docs] == sorted(d["id"] for d in docs)
    assert set(docs[0]) >= {"id", "source", "chars", "boilerplate", "segments"}
    texts = {p.relative_to(SAMPLES).as_posix(): p.read_bytes().decode("utf-8", "replace") for p in SAMPLES.rglob("*.txt")}
    for m in records(out, "matches.jsonl"):
        assert m["a"] < m["b"]
        assert set(m) == {"copydesk_output", "a", "b", "kind", "score", "jaccard", "containment_a", "containment_b", "passages", "method",
                          "derived", "direction_basis", "credited_source", "lag_hours"}
        for p in m["passages"]:
            assert 0 <= p["a"]["start"] <= p["a"]["end"] <= len(texts[m["a"]])
            assert 0 <= p["b"]["start"] <= p["b"]["end"] <= len(texts[m["b"]])
    clusters = records(out, "clusters.jsonl")
    kept = {r["id"] for r in records(out, "deduplicated.jsonl")}
    for c in clusters:
        assert c["representative"] in c["members"] and c["representative"] in kept
        assert not (set(c["members"]) - {c["representative"]}) & kept
    run = json.loads((out / "run.json").read_text())
    assert run["counts"]["documents"] == 44 and run["timings_s"]
    assert run["config"]["stages"] == ["exact", "near"]


def test_kept_copy_is_the_longest_then_smallest_id(tmp_path):
    (tmp_path / "in").mkdir()
    text = " ".join(f"The harbour bridge will close for {n} weeks of repairs starting on Monday." for n in range(12))
    (tmp_path / "in" / "b.txt").write_text(text + " Extra words here.")
    (tmp_path / "in" / "a.txt").write_text(text)
    (tmp_path / "in" / "c.txt").write_text(text.upper())
    find_reuse([tmp_path / "in"], tmp_path / "out", DOC_LEVEL)
    (cluster,) = records(tmp_path / "out", "clusters.jsonl")
    assert cluster["members"] == ["a.txt", "b.txt", "c.txt"]
    assert cluster["representative"] == "b.txt"


def test_outputs_do_not_depend_on_processes_or_input_order(tmp_path):
    a = tmp_path / "a"
    find_reuse([SAMPLES], a, DOC_LEVEL)
    # The same documents as JSONL, shuffled, in two files given in the other order.
    rows = []
    for p in sorted(SAMPLES.rglob("*.txt")):
        rows.append({"id": p.relative_to(SAMPLES).as_posix(), "text": p.read_bytes().decode("utf-8", "replace")})
    random.Random(5).shuffle(rows)
    (tmp_path / "one.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows[:20]))
    (tmp_path / "two.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows[20:]))
    b = tmp_path / "b"
    find_reuse([tmp_path / "two.jsonl", tmp_path / "one.jsonl"], b, DOC_LEVEL.replace(processes=2, batch_docs=7))
    for name in ("matches.jsonl", "clusters.jsonl"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    c = tmp_path / "c"
    find_reuse([tmp_path / "one.jsonl", tmp_path / "two.jsonl"], c, DOC_LEVEL.replace(processes=1))
    for name in OUTPUTS:
        assert (b / name).read_bytes() == (c / name).read_bytes(), name


def test_bad_records_are_skipped_and_reported(tmp_path):
    path = tmp_path / "c.jsonl"
    good = {"id": "x", "text": "alpha beta gamma delta epsilon zeta eta theta"}
    path.write_text(json.dumps(good) + "\n{broken\n" + json.dumps({**good, "id": "y"}) + "\n" + json.dumps(good) + "\n")
    result = find_reuse([path], tmp_path / "out", DOC_LEVEL)
    assert result.counts["documents"] == 2
    assert len(result.problems) == 2
    assert f"{path}:2" in result.problems[0] and "duplicate id 'x'" in result.problems[1]
    with pytest.raises(IngestError, match=f"{path}:2"):
        find_reuse([path], tmp_path / "out2", DOC_LEVEL.replace(ingest=DOC_LEVEL.ingest.__class__(on_error="fail")))
    assert not (tmp_path / "out2").exists()


def test_existing_output_needs_force(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(OutputExistsError):
        find_reuse([SAMPLES], out, DOC_LEVEL)
    find_reuse([SAMPLES], out, DOC_LEVEL, force=True)
    assert (out / "matches.jsonl").exists()


def test_huge_documents_are_matched_on_a_prefix(tmp_path):
    from copydesk.config import IngestConfig

    words = " ".join(f"w{i}" for i in range(3000))
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "big.txt").write_text(words + " tail " * 10)
    (tmp_path / "in" / "big2.txt").write_text(words + " other " * 10)
    cfg = DOC_LEVEL.replace(ingest=IngestConfig(max_doc_chars=5000))
    result = find_reuse([tmp_path / "in"], tmp_path / "out", cfg)
    assert result.counts["documents_with_warnings"] == 2
    kinds = [m["kind"] for m in records(tmp_path / "out", "matches.jsonl")]
    # Equal on the part read, but not known to be the same text: at most a near-duplicate (issue 12).
    assert kinds == ["near_duplicate"]
    assert all(d["truncated"] for d in records(tmp_path / "out", "documents.jsonl"))


def test_full_pipeline_finds_every_planted_relation_of_its_kind_and_nothing_else(tmp_path):
    out = tmp_path / "out"
    find_reuse([SAMPLES], out, Config(processes=1))
    found = {(m["a"], m["b"], m["kind"]) for m in records(out, "matches.jsonl")}
    assert found == gold({"exact", "near_duplicate", "excerpt", "rewrite", "same_story"})
    for m in records(out, "matches.jsonl"):
        if m["kind"] in ("excerpt", "rewrite"):
            assert m["passages"], m
            kinds = {p["kind"] for p in m["passages"]}
            assert kinds == ({"verbatim"} if m["kind"] == "excerpt" else kinds | {"rewrite"})
    clusters = records(out, "clusters.jsonl")
    copies = [set(c["members"]) for c in clusters if c["kind"] == "copy"]
    stories = [set(c["members"]) for c in clusters if c["kind"] == "story"]
    assert all(any(c <= s for s in stories) for c in copies)
    # Same-story reports are one story, never one copy.
    same = [(r[0], r[1]) for r in gold({"same_story"})]
    assert all(not any({a, b} <= c for c in copies) and any({a, b} <= s for s in stories) for a, b in same)


def _tied_rewrites() -> list[dict]:
    """Five rewrites of one report (word salad, but sentences that align) built from the same 17
    names, numbers and content words, each text in its own order with short function words
    between them: every pair shares exactly the same candidate keys, hence the same score, and
    no word shingle (so only the rewrite candidates propose them)."""
    core = ["Corbridge", "tram", "212", "Hollins", "derailed", "junction", "passengers", "Mercer", "injured",
            "hospital", "driver", "14", "carriage", "evening", "police", "Whitlow", "inquiry"]
    glue = ["the", "and", "of", "in", "at", "on", "by", "was", "as", "to"]
    rows = []
    for stride in range(1, 6):  # distinct strides mod 17: no two texts put the same words side by side
        words = [core[(3 * stride + i * stride) % len(core)] for i in range(len(core))] * 2
        sentences = []
        for s in range(0, len(words), 5):
            sentence = ["It"]
            for k, w in enumerate(words[s : s + 5]):
                sentence += [glue[(k + s + stride) % len(glue)], w]
            sentences.append(" ".join(sentence) + ".")
        rows.append({"id": f"report{stride}", "text": " ".join(sentences)})
    return rows


@pytest.mark.parametrize("corpus", ["samples", "tied"])
def test_full_pipeline_outputs_do_not_depend_on_record_order(tmp_path, corpus):
    if corpus == "samples":
        rows = [{"id": p.relative_to(SAMPLES).as_posix(), "text": p.read_bytes().decode("utf-8", "replace")}
                for p in sorted(SAMPLES.rglob("*.txt"))]
        config = Config()
    else:
        # One candidate per document: the cap chooses among tied partners, by id and never by
        # reading order (the reversed second run reads the tied partners the other way round).
        # The lexical layer: the word salad is built for it (mpnet reads some pairs as same-story
        # reports), and the candidate cap under test comes before any layer.
        rows = _tied_rewrites()
        config = Config(rewrite=RewriteConfig(max_candidates_per_doc=1, model="none"))
    random.Random(1).shuffle(rows)
    outputs = []
    for run, ordered in enumerate((rows, rows[::-1]), 1):
        path = tmp_path / f"shuffled{run}.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in ordered))
        outputs.append(tmp_path / f"out{run}")
        find_reuse([path], outputs[-1], config.replace(processes=run, batch_docs=5 * run))
    for name in OUTPUTS:
        assert (outputs[0] / name).read_bytes() == (outputs[1] / name).read_bytes(), name
    if corpus == "tied":
        matches = records(outputs[0], "matches.jsonl")
        assert {m["kind"] for m in matches} == {"rewrite"}
        assert len(matches) == 4  # of the 10 pairs: the cap bound, each report kept one partner
