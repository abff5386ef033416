"""Differential: what the analyse workers compute for the parent (lineage facts, languages)
gives the outputs the parent's own reference path gives (issue 14)."""

from __future__ import annotations

import json
from pathlib import Path

from copydesk import pipeline
from copydesk.config import Config
from copydesk.pipeline import find_reuse

SAMPLES = Path(__file__).resolve().parents[1] / "samples" / "news"
OUTPUTS = ("documents.jsonl", "matches.jsonl", "clusters.jsonl", "outlets.jsonl", "deduplicated.jsonl")


def _run(out: Path) -> dict[str, bytes]:
    config = Config(processes=1, stages=("clean", "exact", "near", "passages"))
    find_reuse([SAMPLES], out, config, progress=False)
    files = {name: (out / name).read_bytes() for name in OUTPUTS}
    files["counts"] = json.dumps(json.loads((out / "run.json").read_text())["counts"], sort_keys=True).encode()
    return files


def test_facts_and_languages_from_workers_equal_the_parents(tmp_path, monkeypatch):
    from_workers = _run(tmp_path / "workers")
    # The reference: the parent identifies languages while reading and reads every document's
    # facts back from the store after the stages (pipeline._lineage without facts).
    monkeypatch.setattr(pipeline, "_identified_in_workers", lambda config: False)
    monkeypatch.setattr(pipeline.BatchTask, "facts", lambda self, texts: None)
    from_parent = _run(tmp_path / "parent")
    assert from_workers == from_parent
    documents = [json.loads(line) for line in from_workers["documents.jsonl"].splitlines()]
    assert all(d["language"] for d in documents)
    assert any(d["published_origin"] == "text" for d in documents)
