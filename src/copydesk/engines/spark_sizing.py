"""How big the Spark engine makes its pieces: Arrow batches, the driver's heap, shuffle partitions.

Read by :mod:`copydesk.engines.spark` (the session) and :mod:`copydesk.engines.spark_run` (the
batches and partitions of a run); a module of its own so that neither imports the other back.
"""

from __future__ import annotations

import os

__all__ = ["ARROW_BATCH_BYTES", "BYTES_PER_CHAR", "default_driver_memory", "driver_memory_given",
           "shuffle_partitions"]

# Arrow batches between the JVM and Python workers stay below this many bytes: two batches in
# flight per core of a 4 GB / 4-core executor. Records per batch are derived from it as well
# (Spark < 4 has no byte limit), from the longest document actually seen.
ARROW_BATCH_BYTES = 64 << 20
# Bytes per character assumed for that estimate (UTF-8 news text averages 1.1; 4 is the worst case).
BYTES_PER_CHAR = 2

# Share of memory given to the driver's heap in local mode, where executors share it: a quarter
# of physical RAM, but no more than half of what is available when the run starts. A JVM grows
# its heap up to the limit before collecting hard, so on a machine shared with other jobs a
# heap sized from total RAM alone was killed by the kernel's OOM killer (6.6 GB resident at 20k
# documents, on a 24 GB machine with 5 GB free). The rest is left to the Python workers (each
# holds an Arrow batch of up to ARROW_BATCH_BYTES and its results) and the shuffle files' cache.
DRIVER_MEMORY_SHARE = 0.25
AVAILABLE_MEMORY_SHARE = 0.5
_MIN_DRIVER_MB = 1024
# Bytes of input per shuffle partition: a partition holds the rows derived from about this much
# text (analysis records, signatures, candidate pairs, compared texts), so a task's memory stays
# bounded, and a small input is not cut into Spark's default 200 tasks of ~0.6 s start-up each.
INPUT_BYTES_PER_PARTITION = 8 << 20


def _meminfo(field: str) -> int | None:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) << 10
    except (OSError, ValueError, IndexError):
        return None
    return None


def default_driver_memory() -> str:
    """``spark.driver.memory`` for local mode: a quarter of RAM, at most half the available, at least 1 GB."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        total = 4 << 30
    share = total * DRIVER_MEMORY_SHARE
    available = _meminfo("MemAvailable")
    if available is not None:
        share = min(share, available * AVAILABLE_MEMORY_SHARE)
    return f"{max(_MIN_DRIVER_MB, int(share) >> 20)}m"


def driver_memory_given() -> bool:
    submit = os.environ.get("PYSPARK_SUBMIT_ARGS", "")
    return "--driver-memory" in submit or "spark.driver.memory" in submit or "SPARK_DRIVER_MEMORY" in os.environ


def shuffle_partitions(input_bytes: int, cores: int) -> int:
    """Shuffle partitions for an input of ``input_bytes``: one per 8 MB, at least one per core."""
    return max(1, cores, -(-input_bytes // INPUT_BYTES_PER_PARTITION))
