"""Checkpoints of a Spark run's stages, so that a killed run resumes (issue 12).

The Spark engine keeps its stages' results on its own storage: each stage's DataFrames as
Parquet in the run's work folder (``.OUT.partial-PID/.work/checkpoints/spark/STAGE/FRAME``,
written by the executors, as the engine's output parts are), and what the driver holds (counts,
problems, the corpus's frequent keys) in :class:`copydesk.checkpoint.Checkpoints`' pickle of
the stage. The pickle is written last, once every Parquet folder is complete, so it is the
stage's completion marker: a kill while the Parquet is being written leaves no marker, and the
stage is redone. Fingerprints (version, configuration, inputs and their sizes and times) are
:class:`~copydesk.checkpoint.Checkpoints`' own.

A stage's frames are read back from their Parquet at once, in the uninterrupted run too, so a
resumed run and an uninterrupted one compute the later stages from the same rows (and Spark's
lineage is cut at each stage). The stages are deterministic and order-independent (every output
is sorted; per-partition steps group by key), so the outputs are byte-identical;
``tests/test_faults.py`` checks it after a kill.

Example:
    >>> points = SparkCheckpoints(spark, Checkpoints(work, fingerprint, resume=True))  # doctest: +SKIP
    >>> loaded = points.load("read")  # doctest: +SKIP
"""

from __future__ import annotations

import shutil
from typing import Any

from copydesk.checkpoint import Checkpoints

__all__ = ["SparkCheckpoints"]


class SparkCheckpoints:
    """The Spark stages' checkpoints of one run.

    Args:
        spark: The session.
        points: The run's checkpoints (their folder, fingerprint and resume decision).
    """

    def __init__(self, spark: Any, points: Checkpoints) -> None:
        self.spark = spark
        self.points = points
        self.folder = points.folder / "spark"

    @property
    def resumed(self) -> list[str]:
        """The stages loaded rather than run, in run order."""
        return self.points.resumed

    def load(self, stage: str) -> tuple[dict[str, Any], Any] | None:
        """The frames and driver values ``stage`` saved, or None (not saved, or not resuming)."""
        saved = self.points.load(f"spark-{stage}")
        if saved is None:
            return None
        self.points.resumed[-1] = stage  # named as the local engine names its stages
        return self._frames(stage, saved["frames"]), saved["value"]

    def save(self, stage: str, frames: dict[str, Any], value: Any) -> dict[str, Any]:
        """Write ``stage``'s frames as Parquet, then its driver values (the marker).

        Returns:
            The frames read back from the Parquet (what the later stages use).
        """
        if self.points.fingerprint is None:  # stdin input: nothing is resumed, nothing kept
            return frames
        target = self.folder / stage
        shutil.rmtree(target, ignore_errors=True)
        for name, df in frames.items():
            df.write.mode("overwrite").parquet(str(target / name))
        # each frame's schema kept beside it: an empty frame's Parquet may hold none to infer
        schemas = {name: df.schema.json() for name, df in frames.items()}
        self.points.save(f"spark-{stage}", {"frames": schemas, "value": value})
        return self._frames(stage, schemas)

    def _frames(self, stage: str, schemas: dict[str, str]) -> dict[str, Any]:
        import json

        from pyspark.sql.types import StructType

        # As many partitions as the shuffle that made each frame: a Parquet read splits by file
        # size, and 128 MB of candidate pairs in one partition would be one compare task.
        partitions = int(self.spark.conf.get("spark.sql.shuffle.partitions"))
        return {name: self.spark.read.schema(StructType.fromJson(json.loads(schema)))
                .parquet(str(self.folder / stage / name)).repartition(partitions)
                for name, schema in schemas.items()}
