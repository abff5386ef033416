"""The Spark engine: the local engine's stages as Spark transformations, with the same answers.

Every stage calls the pure functions of :mod:`copydesk.pipeline` and of the stage packages in
Arrow-batched ``mapInPandas`` tasks; Spark only moves records between them:

1. read: executors read *read units* (:mod:`copydesk.engines.spark_read`) with the ingest
   module's own readers; documents are numbered in the local engine's reading order.
2. clean: line keys per document, ``groupBy(source, key).count()``, the counts that pass the
   thresholds to the driver, :meth:`LineStats.from_counts`, broadcast.
3. analyse: :func:`copydesk.pipeline.analyse` per Arrow batch.
4. candidates: exact groups (:func:`copydesk.pipeline.exact_groups` per group of equal
   fingerprints), LSH bands (shuffled by band key, then :func:`copydesk.index.bucket_pairs`
   per partition, so buckets are paired in id order within the same window), postings of
   passage keys and of story keys with the same document-frequency caps and scores.
5. compare: candidate pairs joined with both documents' texts, :func:`copydesk.pipeline.compare`
   per batch.
6. cluster: connected components by large-star / small-star
   (:mod:`copydesk.engines.spark_components`); story clusters by
   :func:`copydesk.cluster.story_groups` once per connected component of the matches;
   representatives by :func:`copydesk.cluster.representative_key`, cluster ids numbered as the
   local engine does.
7. write: outputs sorted in Spark and streamed to the output folder (one partition at a time
   on the driver), or written as partitioned Parquet.

What one row carries is bounded: a document is matched on its first ``ingest.max_doc_chars``
characters (the ``work`` column; the full text only travels from the reader to the final
write), and Arrow batches are cut at :data:`ARROW_BATCH_BYTES` (``maxBytesPerBatch``) and at
a record count derived from the longest document, so a 50 MB page shares its batch with few
others.

Run it with ``copydesk run --engine spark INPUT... -o OUT [--spark-master URL]``, or submit
:mod:`copydesk.engines.submit` with ``spark-submit`` (see ``docs/spark.md``).
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
from copydesk.engines.spark_sizing import ARROW_BATCH_BYTES, default_driver_memory, driver_memory_given
from copydesk.errors import MissingExtra

__all__ = ["MASTER_ENV", "SparkExecutorError", "SparkOutOfMemory", "SparkUnavailable", "check_executors", "find_reuse_spark", "spark_session"]

MASTER_ENV = "COPYDESK_SPARK_MASTER"
INSTALL_LINE = "pip install 'copydesk[spark]'"
class SparkUnavailable(MissingExtra):
    """The Spark engine was chosen but pyspark, pyarrow, pandas or Java 17 is missing."""


class SparkOutOfMemory(ConfigError):
    """A Spark JVM ran out of heap: the message says which setting to raise."""


class SparkExecutorError(ConfigError):
    """The executors' Python cannot import what the engine needs (wrong ``PYSPARK_PYTHON``)."""


def _executor_probe(_: Any) -> Any:
    import importlib

    missing = []
    for module in ("copydesk", "numpy", "pandas", "pyarrow"):
        try:
            importlib.import_module(module)
        except ImportError as e:
            missing.append(f"{module} ({e})")
    yield (sys.executable, ", ".join(missing))


def check_executors(session: Any) -> None:
    """Fail with a clear message when the executors' Python lacks copydesk, numpy, pandas or pyarrow.

    Runs one tiny task per default-parallelism slot (a few ms each with reused workers).

    Raises:
        SparkExecutorError: a module is missing on an executor (says which Python ran).
    """
    sc = session.sparkContext
    slots = max(1, min(64, sc.defaultParallelism))
    try:
        found = sc.parallelize(range(slots), slots).mapPartitions(_executor_probe).collect()
    except Exception as e:  # the Python worker itself could not start: bad PYSPARK_PYTHON path
        raise SparkExecutorError(
            f"Spark executors could not run Python {os.environ.get('PYSPARK_PYTHON')!r}: "
            f"{_first_line(e)}; set PYSPARK_PYTHON to a Python with copydesk installed on every node") from None
    for python, missing in found:
        if missing:
            raise SparkExecutorError(
                f"Spark executors run {python}, which cannot import {missing}: set PYSPARK_PYTHON to a Python "
                f"with copydesk, numpy, pandas and pyarrow installed on every node (now "
                f"{os.environ.get('PYSPARK_PYTHON')!r})")


def _first_line(e: BaseException) -> str:
    text = str(e).strip()
    for line in text.splitlines():
        line = line.strip()
        if line.startswith(("ModuleNotFoundError", "ImportError", "java.", "org.apache", "Cannot run program")):
            return line[:300]
    return (text.splitlines() or [type(e).__name__])[0][:300]


def out_of_memory(e: BaseException) -> SparkOutOfMemory | None:
    """A one-line error for a Spark failure caused by a JVM heap shortage, else None."""
    text = str(e)
    if "java.lang.OutOfMemoryError" not in text and not isinstance(e, MemoryError):
        return None
    return SparkOutOfMemory(
        "Spark ran out of Java heap (java.lang.OutOfMemoryError): give it more memory, e.g. "
        "PYSPARK_SUBMIT_ARGS='--driver-memory 8g pyspark-shell' in local mode (default: a quarter of RAM) "
        "or --executor-memory on a cluster, or more partitions with --conf spark.sql.shuffle.partitions=N")


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
    # Executors run this interpreter unless PYSPARK_PYTHON names another (on a cluster it must
    # exist on every node: check_executors says so at once if it does not).
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    if (master or "local").startswith("local"):
        os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
        if not driver_memory_given():
            # In local mode the executors live in the driver's JVM: Spark's 1 GB default heap
            # ran out at 20k documents. Set before the JVM starts (it cannot change later).
            builder = builder.config("spark.driver.memory", default_driver_memory())
    builder = (builder.config("spark.ui.showConsoleProgress", str(progress).lower())
               .config("spark.sql.execution.arrow.pyspark.enabled", "true")
               # A Python worker starts in ~0.6 s: reuse it across tasks (Spark's default, made explicit).
               .config("spark.python.worker.reuse", "true"))
    return builder.getOrCreate(), True


# --- entry points ----------------------------------------------------------------------------


def find_reuse_spark(inputs: Sequence[str | Path], output: str | Path, config: Config, *, force: bool = False,
                     progress: bool = True, parquet: bool | None = None, resume: bool = False) -> Any:
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
        resume: Continue the killed run on ``output`` from the stages it checkpointed
            (:mod:`copydesk.engines.spark_checkpoints`); the outputs are an uninterrupted run's.

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
    if isinstance(inputs, (str, os.PathLike)):  # one path, not a sequence of its characters
        inputs = [inputs]
    units = plan_units(inputs, config.ingest.skip_files)  # fails fast, before the output folder is touched
    out = OutputFolder(output, force=force, inputs=inputs, resume=resume)
    if parquet is None:
        parquet = bool(getattr(config.output, "parquet", False))
    session, owned = spark_session(progress=progress)
    try:
        from copydesk.engines.spark_run import SparkRun
        from copydesk.pipeline import resolved

        # "auto" resolved on the driver: the executors then load the same model.
        check_executors(session)
        from copydesk import __version__
        from copydesk.checkpoint import Checkpoints, fingerprint
        from copydesk.engines.spark_checkpoints import SparkCheckpoints

        points = Checkpoints(out.work, fingerprint(inputs, config.to_dict(), __version__), resume and out.adopted)
        if points.note:
            out.notes.append(points.note)
        try:
            result = SparkRun(session, resolved(config), out, parquet=parquet,
                              checkpoints=SparkCheckpoints(session, points)).run([str(p) for p in inputs], units)
        except Exception as e:
            short = out_of_memory(e)
            if short is None:
                raise
            raise short from None
        out.commit()
        return result
    except BaseException:
        out.abort()
        raise
    finally:
        if owned:
            session.stop()

