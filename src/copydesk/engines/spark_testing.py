"""A small ``local[N]`` SparkSession for tests and benchmarks (UI off, few shuffle partitions)."""

from __future__ import annotations

import os
import sys
from typing import Any

__all__ = ["StandaloneCluster", "local_session"]


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


# --- a standalone cluster on this machine ------------------------------------------------------


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class StandaloneCluster:
    """A Spark standalone master and workers on 127.0.0.1, each its own JVM (pyspark's ``spark-class``).

    Use as a context manager; the processes are stopped by their ids on exit. Workers get one
    core and ``worker_memory`` each; executors run ``python`` (default: this interpreter) with
    ``pythonpath`` first on their path.

    Args:
        folder: Logs and the workers' work folders.
        workers: Number of workers.
        worker_memory: Memory each worker offers its executors (``--memory``).
        pythonpath: Folders put first on the executors' ``PYTHONPATH``.
    """

    def __init__(self, folder: str | os.PathLike[str], workers: int = 2, worker_memory: str = "1g",
                 pythonpath: tuple[str, ...] = ()) -> None:
        from pathlib import Path

        self.folder = Path(folder)
        self.workers = workers
        self.worker_memory = worker_memory
        self.pythonpath = pythonpath
        self.processes: list[Any] = []
        self.url = ""

    def env(self) -> dict[str, str]:
        """The environment for the daemons and for a driver that connects to them."""
        env = dict(os.environ)
        env["SPARK_LOCAL_IP"] = "127.0.0.1"
        env["SPARK_DAEMON_MEMORY"] = "256m"  # the master's and workers' own heap, not the executors'
        env["PYSPARK_PYTHON"] = env.get("PYSPARK_PYTHON") or sys.executable
        path = [*self.pythonpath, *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
        if path:
            env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(path))
        return env

    def __enter__(self) -> "StandaloneCluster":
        import subprocess
        from pathlib import Path

        from pyspark.find_spark_home import _find_spark_home

        spark_class = str(Path(_find_spark_home()) / "bin" / "spark-class")
        self.folder.mkdir(parents=True, exist_ok=True)
        port = _free_port()
        self.url = f"spark://127.0.0.1:{port}"
        env = self.env()
        commands = [("master", [spark_class, "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                                "--port", str(port), "--webui-port", str(_free_port())])]
        for k in range(self.workers):
            work = self.folder / f"worker{k}"
            work.mkdir(exist_ok=True)
            commands.append((f"worker{k}", [spark_class, "org.apache.spark.deploy.worker.Worker", "--host",
                                            "127.0.0.1", "--webui-port", str(_free_port()), "--cores", "1",
                                            "--memory", self.worker_memory, "--work-dir", str(work), self.url]))
        try:
            for name, command in commands:
                log = open(self.folder / f"{name}.log", "wb")
                self.processes.append((name, subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT,
                                                              stdin=subprocess.DEVNULL)))
                log.close()
                self._wait_for(name, "I have been elected leader" if name == "master"
                               else "Successfully registered with master")
        except BaseException:
            self.__exit__()
            raise
        return self

    def _wait_for(self, name: str, line: str, timeout: float = 120.0) -> None:
        import time

        log = self.folder / f"{name}.log"
        process = dict(self.processes)[name]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if line in log.read_text(errors="replace"):
                return
            if process.poll() is not None:
                break
            time.sleep(0.2)
        raise RuntimeError(f"Spark {name} did not start (waited for {line!r}); see {log}")

    def __exit__(self, *exc: object) -> None:
        import subprocess

        for _, process in reversed(self.processes):  # workers first, then the master
            if process.poll() is None:
                process.terminate()
        for _, process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes.clear()
