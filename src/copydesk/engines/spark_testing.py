"""A small ``local[N]`` SparkSession for tests and benchmarks (UI off, few shuffle partitions)."""

from __future__ import annotations

import os
import sys
from typing import Any

__all__ = ["local_session"]


def local_session(cores: int = 2, shuffle_partitions: int = 2) -> Any:
    """The active session, or a new ``local[cores]`` one tuned for small inputs.

    Adaptive query execution is off: on inputs of a few hundred documents its extra planning
    jobs cost more than they save (the suite runs in about half the time without it).

    Raises:
        copydesk.engines.spark.SparkUnavailable: pyspark or Java 17 is missing.
    """
    from copydesk.engines.spark import check_requirements

    check_requirements()
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    session = (SparkSession.builder.master(f"local[{cores}]").appName("copydesk-local")
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.shuffle.partitions", str(shuffle_partitions))
               .config("spark.default.parallelism", str(shuffle_partitions))
               .config("spark.sql.adaptive.enabled", "false")
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    return session
