"""The Spark engine: the local engine's stages as Spark transformations, with the same answers.

Every stage calls the pure functions of :mod:`copydesk.pipeline` and of the stage packages in
Arrow-batched ``mapInPandas`` tasks; Spark only moves records between them:

1. read: executors read *read units* (:mod:`copydesk.engines.spark_read`) with the ingest
   module's own readers; documents are numbered in the local engine's reading order.
2. clean: line keys per document, ``groupBy(source, key).count()``, the counts that pass the
   thresholds to the driver, :meth:`LineStats.from_counts`, broadcast.
3. analyse: :func:`copydesk.pipeline.analyse` per Arrow batch.
4. candidates: exact groups (:func:`copydesk.pipeline._exact_groups` per group of equal
   fingerprints), LSH bands (shuffled by band key, then :func:`copydesk.index.bucket_pairs`
   per partition, so buckets are paired in id order within the same window), postings of
   passage keys and of story keys with the same document-frequency caps and scores.
5. compare: candidate pairs joined with both documents' texts, :func:`copydesk.pipeline.compare`
   per batch.
6. cluster: connected components by large-star / small-star
   (:mod:`copydesk.engines.spark_components`), representatives by
   :func:`copydesk.cluster.representative_key`, cluster ids numbered as the local engine does.
7. write: outputs sorted in Spark and streamed to the output folder (one partition at a time
   on the driver), or written as partitioned Parquet.

What one row carries is bounded: a document is matched on its first ``ingest.max_doc_chars``
characters (the ``work`` column; the full text only travels from the reader to the final
write), and Arrow batches are cut at :data:`ARROW_BATCH_BYTES` (``maxBytesPerBatch``) and at
a record count derived from the longest document, so a 50 MB page shares its batch with few
others.

Run it with ``copydesk run --engine spark INPUT... -o OUT [--spark-master URL]``, or submit
this module's file, whose :func:`main` takes the arguments of ``copydesk run`` (see
``docs/spark.md``)::

    spark-submit --master yarn "$(python -c 'import copydesk.engines.spark as s; print(s.__file__)')" \
        INPUT... -o OUT
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from copydesk.config import Config, ConfigError

__all__ = ["MASTER_ENV", "SparkUnavailable", "find_reuse_spark", "main", "spark_session"]

MASTER_ENV = "COPYDESK_SPARK_MASTER"
INSTALL_LINE = "pip install 'copydesk[spark]'"
# Arrow batches between the JVM and Python workers stay below this many bytes: two batches in
# flight per core of a 4 GB / 4-core executor. Records per batch are derived from it as well
# (Spark < 4 has no byte limit), from the longest document actually seen.
ARROW_BATCH_BYTES = 64 << 20
# Bytes per character assumed for that estimate (UTF-8 news text averages 1.1; 4 is the worst case).
_BYTES_PER_CHAR = 2


class SparkUnavailable(ConfigError):
    """The Spark engine was chosen but pyspark, pyarrow, pandas or Java 17 is missing."""


# --- session ---------------------------------------------------------------------------------


def check_requirements() -> None:
    """Fail with the exact install line when the Spark engine cannot start.

    Raises:
        SparkUnavailable: pyspark, pyarrow or pandas is not installed, or no Java 17+ is found.
    """
    missing = []
    for module in ("pyspark", "pyarrow", "pandas"):
        try:
            __import__(module)
        except ImportError:
            missing.append(module)
    if missing:
        raise SparkUnavailable(f"--engine spark needs {', '.join(missing)}: {INSTALL_LINE} "
                               f"(and Java 17 or later)")
    java = _java_version()
    if java is None:
        raise SparkUnavailable("--engine spark needs Java 17 or later and none was found: install it "
                               "(e.g. apt-get install openjdk-17-jre-headless) or set JAVA_HOME")
    if java < 17:
        raise SparkUnavailable(f"--engine spark needs Java 17 or later, found Java {java}: install Java 17 "
                               f"and set JAVA_HOME")


def _java_version() -> int | None:
    home = os.environ.get("JAVA_HOME")
    java = str(Path(home) / "bin" / "java") if home else shutil.which("java")
    if not java or not Path(java).exists():
        return None
    try:
        out = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60).stderr
    except (OSError, subprocess.SubprocessError):
        return None
    import re

    m = re.search(r'version "(\d+)(?:\.(\d+))?', out)
    if not m:
        return None
    major = int(m.group(1))
    return int(m.group(2) or 0) if major == 1 else major


def spark_session(master: str | None = None, *, progress: bool = False) -> tuple[Any, bool]:
    """The active SparkSession, or a new one; and whether the caller owns (must stop) it.

    The master is ``master``, else ``$COPYDESK_SPARK_MASTER``, else the one ``spark-submit``
    gave, else ``local[*]``.
    """
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active, False
    master = master or os.environ.get(MASTER_ENV)
    builder = SparkSession.builder.appName("copydesk")
    if master:
        builder = builder.master(master)
    elif "PYSPARK_GATEWAY_PORT" not in os.environ:  # not launched by spark-submit
        builder = builder.master("local[*]")
    if (master or "local").startswith("local"):
        # Executors are this interpreter: same copydesk, same numpy.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
        # Spark's 200 shuffle partitions are for clusters; on one machine 4 per core keep
        # each partition large enough (the 100k benchmark ran with 8 on 2 cores) and the
        # sample corpus's run twice as fast (candidates stage 78 s -> 22 s).
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        builder = builder.config("spark.sql.shuffle.partitions", str(4 * cores))
    builder = (builder.config("spark.ui.showConsoleProgress", str(progress).lower())
               .config("spark.sql.execution.arrow.pyspark.enabled", "true"))
    return builder.getOrCreate(), True


# --- entry points ----------------------------------------------------------------------------


def find_reuse_spark(inputs: Sequence[str | Path], output: str | Path, config: Config, *, force: bool = False,
                     progress: bool = True, parquet: bool | None = None) -> Any:
    """:func:`copydesk.pipeline.find_reuse` on Spark: the same outputs as the local engine.

    Args:
        inputs: Files and folders (JSONL, JSONL.gz, text files, HTML, WARC, Parquet).
        output: Output folder.
        config: The run's configuration.
        force: Replace an existing output folder.
        progress: Show Spark's console progress bar (for a session this call creates).
        parquet: Write ``documents``, ``matches``, ``clusters`` and ``deduplicated`` as
            partitioned Parquet folders instead of JSONL (None: ``config.output.parquet`` when
            that setting exists, else False).

    Returns:
        A :class:`copydesk.pipeline.RunResult`.

    Raises:
        SparkUnavailable: pyspark or Java is missing (the message says what to install).
        IngestError: an input is missing or unreadable, or a bad record under ``on_error=fail``.
        OutputExistsError: the output folder exists and ``force`` is false.
    """
    from copydesk.engines.spark_read import plan_units
    from copydesk.store import OutputFolder

    check_requirements()
    units = plan_units(inputs, config.ingest.skip_files)  # fails fast, before the output folder is touched
    out = OutputFolder(output, force=force, inputs=inputs)
    if parquet is None:
        parquet = bool(getattr(config.output, "parquet", False))
    session, owned = spark_session(progress=progress)
    try:
        from copydesk.engines.spark_run import SparkRun
        from copydesk.pipeline import resolved

        # "auto" resolved on the driver: the executors then load the same model.
        result = SparkRun(session, resolved(config), out, parquet=parquet).run([str(p) for p in inputs], units)
        out.commit()
        return result
    except BaseException:
        out.abort()
        raise
    finally:
        if owned:
            session.stop()


def main(argv: Sequence[str] | None = None) -> int:
    """``spark-submit`` entry point: the arguments of ``copydesk run``, engine forced to spark."""
    from copydesk.cli import main as cli_main

    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "run":
        args = args[1:]
    return cli_main(["run", *args, "--engine", "spark"])


if __name__ == "__main__":
    sys.exit(main())
