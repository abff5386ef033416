"""run.json and the summary counts come from one builder for both engines (copydesk.run_record)."""

from __future__ import annotations

from copydesk.run_record import MAX_LISTED, run_record, summary_counts


def _record(**changes):
    args = dict(engine="local", inputs=["in"], workers=2, signature_scheme="oph128_words5_s1_v2",
                signature_kernel="c", config={"a": 1}, counts={"documents": 1}, timings={"read": 0.1},
                problems=[f"p{k}" for k in range(MAX_LISTED + 5)], problems_total=MAX_LISTED + 5,
                warnings=["w"], recovered=[], resumed_stages=[])
    args.update(changes)
    return run_record(**args)


def test_the_engines_differ_only_in_what_each_adds_about_itself():
    local = _record(stage_marks={"read": [0, 1]})
    spark = _record(engine="spark", engine_fields={"spark_version": "4.0", "spark_master": "local[2]"})
    assert list(spark) == [k for k in local if k != "stage_marks"][:5] + ["spark_version", "spark_master"] + \
        [k for k in local if k != "stage_marks"][5:]
    assert list(local).index("stage_marks") == list(local).index("timings_s") + 1
    assert {k: v for k, v in local.items() if k not in ("stage_marks", "engine")} == \
        {k: v for k, v in spark.items() if k not in ("spark_version", "spark_master", "engine")}


def test_lists_are_capped_and_recovered_appears_only_when_something_was():
    record = _record()
    assert len(record["problems"]) == MAX_LISTED and record["problems_total"] == MAX_LISTED + 5
    assert "recovered" not in record and _record(recovered=["stale folder"])["recovered"] == ["stale folder"]


def test_matches_by_kind_lists_the_strongest_kind_first():
    got = summary_counts(documents=4, matches=3, by_kind={"same_story": 1, "excerpt": 1, "exact": 1},
                         kind_rank={"exact": 0, "excerpt": 2, "same_story": 5}, clusters=1, copy_clusters=1,
                         story_clusters=0, kept=2, dropped=2, problems=0, documents_with_warnings=1)
    assert list(got["matches_by_kind"]) == ["exact", "excerpt", "same_story"]
    assert got["documents_written"] == 4 and got["dropped"] == 2
