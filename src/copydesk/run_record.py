"""The run's own records, ``run.json`` and the summary counts, built in one place for every engine.

The per-line records (``documents.jsonl``, ``matches.jsonl``, ``clusters.jsonl``,
``deduplicated.jsonl``) are built by :mod:`copydesk.store`; this module builds what describes
the run as a whole, so the local engine (:mod:`copydesk.pipeline`) and the Spark engine
(:mod:`copydesk.engines.spark_run`) write the same keys in the same order and differ only in
what each engine adds about itself (``docs/output-format.md``, ``run.json``).
"""

from __future__ import annotations

import platform
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from copydesk import __version__
from copydesk.store import OUTPUT_FORMAT

__all__ = ["run_record", "summary_counts"]

# How many problems and warnings run.json lists (problems_total counts them all): enough to
# see what went wrong, small enough that run.json stays readable on a corpus of bad records.
MAX_LISTED = 1000


def summary_counts(*, documents: int, matches: int, by_kind: Mapping[str, int], kind_rank: Mapping[str, int],
                   clusters: int, copy_clusters: int, story_clusters: int, kept: int, dropped: int, problems: int,
                   documents_with_warnings: int) -> dict[str, Any]:
    """What the write stage reports, merged into ``run.json``'s ``counts``.

    Args:
        documents: Lines of ``documents.jsonl``.
        matches: Lines of ``matches.jsonl``.
        by_kind: Matches per kind; listed strongest kind first (``kind_rank``).
        kind_rank: Rank of each kind, strongest 0 (``copydesk.pipeline.KIND_RANK``).
        clusters: Lines of ``clusters.jsonl``.
        copy_clusters: Of which copy clusters.
        story_clusters: Of which story clusters.
        kept: Lines of ``deduplicated.jsonl``.
        dropped: Documents left out of it (members of a cluster other than its representative).
        problems: Input problems met (records skipped or repaired).
        documents_with_warnings: Documents read with a warning.

    Example:
        >>> summary_counts(documents=3, matches=2, by_kind={"near_duplicate": 1, "exact": 1},
        ...                kind_rank={"exact": 0, "near_duplicate": 1}, clusters=1, copy_clusters=1,
        ...                story_clusters=0, kept=1, dropped=2, problems=0,
        ...                documents_with_warnings=0)["matches_by_kind"]
        {'exact': 1, 'near_duplicate': 1}
    """
    return {
        "documents_written": documents,
        "matches": matches,
        "matches_by_kind": dict(sorted(by_kind.items(), key=lambda kv: kind_rank[kv[0]])),
        "clusters": clusters,
        "copy_clusters": copy_clusters,
        "story_clusters": story_clusters,
        "kept": kept,
        "dropped": dropped,
        "problems": problems,
        "documents_with_warnings": documents_with_warnings,
    }


def run_record(*, engine: str, inputs: Sequence[str], workers: int, signature_scheme: str, signature_kernel: str,
               config: Mapping[str, Any], counts: Mapping[str, Any], timings: Mapping[str, float],
               problems: Sequence[str], problems_total: int, warnings: Sequence[str], recovered: Sequence[str],
               resumed_stages: Sequence[str], engine_fields: Mapping[str, Any] | None = None,
               stage_marks: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The content of ``run.json``.

    Args:
        engine: ``local`` or ``spark``.
        inputs: The input paths as given.
        workers: Worker processes (local) or the default parallelism (Spark).
        signature_scheme: ``MinHasher.scheme`` of the run.
        signature_kernel: ``MinHasher.kernel`` (the driver's, for Spark).
        config: ``Config.to_dict()``.
        counts: The run's counts, the write stage's summary (:func:`summary_counts`) included.
        timings: Seconds per stage.
        problems: Input problems, in order (the first :data:`MAX_LISTED` are listed).
        problems_total: How many there were.
        warnings: Document warnings, in document order (the first :data:`MAX_LISTED`).
        recovered: What the run recovered from (a stale partial folder...), if anything: the
            key is written only when there is something.
        resumed_stages: Stages read from checkpoints instead of computed.
        engine_fields: What the engine adds about itself, after ``engine`` (Spark: its version
            and master).
        stage_marks: When each stage started and ended (local engine), after ``timings_s``.
    """
    record: dict[str, Any] = {
        "copydesk_output": OUTPUT_FORMAT,
        "copydesk_version": __version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "engine": engine,
        **(engine_fields or {}),
        "inputs": list(inputs),
        "workers": workers,
        "signature_scheme": signature_scheme,
        "signature_kernel": signature_kernel,
        "config": config,
        "counts": counts,
        "timings_s": timings,
    }
    if stage_marks is not None:
        record["stage_marks"] = stage_marks
    record.update({
        "problems": list(problems[:MAX_LISTED]),
        "problems_total": problems_total,
        "warnings": list(warnings[:MAX_LISTED]),
    })
    if recovered:
        record["recovered"] = list(recovered)
    record["resumed_stages"] = list(resumed_stages)
    return record
