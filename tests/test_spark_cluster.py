"""The Spark engine on a real standalone cluster: a master and two workers, each its own JVM.

Executors run in other JVMs than the driver here (unlike ``local[N]``), so serialisation,
the executors' Python environment and the output parts written by the executors are all
exercised. The cluster is started once per session with pyspark's own ``spark-class`` and
stopped by process id at the end.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests import golden
from tests.test_spark_engine import SAMPLES

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def cluster(tmp_path_factory):
    """A standalone master and two one-core workers on 127.0.0.1 (skips where Spark cannot run)."""
    from copydesk.engines.spark import SparkUnavailable, check_requirements
    from copydesk.engines.spark_testing import StandaloneCluster

    try:
        check_requirements()
    except SparkUnavailable as e:
        pytest.skip(f"Spark cluster tests need pyspark and Java 17: {e}")
    with StandaloneCluster(tmp_path_factory.mktemp("cluster"), workers=2, worker_memory="1g",
                           pythonpath=(str(REPO / "src"), str(REPO))) as running:
        yield running


def _run_on(cluster, inputs, out: Path, *extra: str, env: dict | None = None) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "copydesk", "run", *map(str, inputs), "-o", str(out), "--engine", "spark",
               "--spark-master", cluster.url, *extra]
    return subprocess.run(command, env=env or cluster.env(), capture_output=True, text=True, timeout=1800)


@pytest.mark.slow
def test_every_stage_on_the_cluster_writes_the_golden_outputs(cluster, tmp_path, monkeypatch):
    """The sample corpus, whose golden matches come from every stage (exact, near-duplicate,
    excerpt, rewrite, same story), so each stage's executor code runs on the cluster. Compared
    with the golden outputs the local engine wrote (tests/golden.py), not with a second local run:
    the MPNet encoder's path in executors is the same code in local mode (test_spark_engine)."""
    monkeypatch.chdir(golden.REPO)  # run.json's input paths as the golden run recorded them
    out = tmp_path / "spark"
    start = time.perf_counter()
    done = _run_on(cluster, [golden.CORPORA["sample"]], out, "--rewrite-model", golden.config().rewrite.model)
    print(f"standalone cluster run: {time.perf_counter() - start:.1f} s")
    assert done.returncode == 0, done.stderr[-3000:]
    golden.assert_same("sample", golden.actual(out))
    kinds = {json.loads(line)["kind"] for line in (out / "matches.jsonl").read_text().splitlines()}
    assert {"exact", "near_duplicate", "excerpt", "rewrite", "same_story"} <= kinds


def test_executors_without_the_projects_python_fail_with_one_clear_line(cluster, tmp_path):
    env = cluster.env()
    env["PYSPARK_PYTHON"] = "/usr/bin/python3" if Path("/usr/bin/python3").exists() else "/nonexistent/python3"
    done = _run_on(cluster, [SAMPLES], tmp_path / "out", "--stages", "exact", env=env)
    assert done.returncode == 2
    error = [line for line in done.stderr.splitlines() if line.startswith("copydesk: error:")]
    assert len(error) == 1 and "PYSPARK_PYTHON" in error[0], done.stderr[-3000:]
    assert not (tmp_path / "out").exists()
