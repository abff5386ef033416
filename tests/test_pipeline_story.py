"""Issue 6's scenario through ``copydesk run``: an original, a verbatim excerpt of it, a
sentence-by-sentence rewrite of it, two independent reports of the same event and an unrelated
article give ``excerpt``, ``rewrite``, ``same_story`` and nothing, with aligned spans."""

from __future__ import annotations

import json

from copydesk.cli import main
from tests.test_semantic import ORIGINAL, REWRITE, SECOND_REPORT, THIRD_REPORT, UNRELATED


def test_excerpt_rewrite_same_story_and_nothing(tmp_path):
    excerpt = ORIGINAL[: ORIGINAL.index("Rail services")].rstrip()
    docs = {"1_original": ORIGINAL, "2_excerpt": excerpt, "3_rewrite": REWRITE, "4_report": SECOND_REPORT,
            "5_report": THIRD_REPORT, "6_unrelated": UNRELATED}
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("".join(json.dumps({"id": k, "text": t, "published": "2024-09-16"}) + "\n"
                              for k, t in docs.items()))
    out = tmp_path / "out"
    assert main(["run", str(corpus), "-o", str(out), "--processes", "1", "-q"]) == 0
    matches = {(m["a"], m["b"]): m for m in map(json.loads, (out / "matches.jsonl").read_text().splitlines())}
    assert matches[("1_original", "2_excerpt")]["kind"] == "excerpt"
    assert matches[("1_original", "3_rewrite")]["kind"] == "rewrite"
    assert matches[("4_report", "5_report")]["kind"] == "same_story"
    assert not [pair for pair in matches if "6_unrelated" in pair]
    rewrite = matches[("1_original", "3_rewrite")]
    assert any(p["kind"] == "rewrite" for p in rewrite["passages"])
    for m in matches.values():
        for p in m["passages"]:
            assert 0 <= p["a"]["start"] < p["a"]["end"] <= len(docs[m["a"]])
            assert 0 <= p["b"]["start"] < p["b"]["end"] <= len(docs[m["b"]])
    clusters = [json.loads(line) for line in (out / "clusters.jsonl").read_text().splitlines()]
    copy = next(c for c in clusters if c["kind"] == "copy" and "1_original" in c["members"])
    assert {"1_original", "2_excerpt", "3_rewrite"} <= set(copy["members"])
    assert not {"4_report", "5_report"} & set(copy["members"])
    assert any(c["kind"] == "story" and {"4_report", "5_report"} <= set(c["members"]) for c in clusters)
