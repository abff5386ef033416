"""The Spark engine relates a non-English same-story pair as the local engine does (issue 18):
the language-aware scorer (``copydesk.languages.story``, lexical layer) runs in Spark's Python
workers and gives the same matches, clusters and ``run.json`` counts."""

from __future__ import annotations

import json

import pytest

from copydesk.config import Config
from tests.test_languages_story import _corpus
from tests.test_spark_engine import _assert_same_outputs, _both


@pytest.mark.slow
def test_a_german_english_same_story_pair_is_found_by_both_engines(spark, tmp_path):
    # The lexical layer: the e5 layer would load the encoder in every Spark worker (memory the
    # shared CI machine lacks); the dispatch to the language scorer is the same for both layers.
    config = Config.from_mapping({"rewrite": {"model": "none"}, "story": {"language_model": "lexical"}})
    local, distributed = _both([_corpus(tmp_path)], tmp_path, config)
    _assert_same_outputs(local, distributed)
    matches = [json.loads(line) for line in (distributed / "matches.jsonl").read_text().splitlines()]
    story = {(m["a"], m["b"]): m["method"] for m in matches if m["kind"] == "same_story"}
    assert story == {("de-quake", "en-quake"): "story_lang_v1_lexical"}
    counts = json.loads((distributed / "run.json").read_text())["counts"]
    assert counts["story_by_language_model"].get("de-en", 0) >= 1
