"""A local S3 server for the tests: moto's ``moto_server`` on 127.0.0.1, in its own venv.

moto needs botocore, and botocore caps ``python-dateutil`` below 3, which the project's venv
may hold at 4 (nothing in it asks for less); so the server lives in ``.venv-s3`` beside
``.venv`` (``make test`` builds it: ``make .venv-s3/.installed``) and is started as a separate
process. The tests talk to it over HTTP the way a user's copydesk talks to S3, through the
standard ``AWS_*`` variables (see ``copydesk.remote``).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def moto_server_command() -> Path | None:
    """``moto_server`` from ``$COPYDESK_MOTO_SERVER``, the repository's ``.venv-s3``, or PATH."""
    given = os.environ.get("COPYDESK_MOTO_SERVER")
    if given:
        return Path(given)
    local = REPO / ".venv-s3" / "bin" / "moto_server"
    if local.exists():
        return local
    found = shutil.which("moto_server")
    return Path(found) if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def moto_server(command: Path, log: Path) -> Iterator[dict[str, str]]:
    """Run ``moto_server`` on a free localhost port; yields the AWS variables that point at it."""
    port = _free_port()
    endpoint = f"http://127.0.0.1:{port}"
    with open(log, "wb") as out:
        process = subprocess.Popen([str(command), "-H", "127.0.0.1", "-p", str(port)], stdout=out,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"moto_server exited with {process.returncode}: {log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(endpoint + "/", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"moto_server did not answer on {endpoint}: {log.read_text()[-2000:]}")
                time.sleep(0.2)
        yield {
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_REGION": "us-east-1",
            # no instance-metadata lookups (they wait for a timeout off EC2)
            "AWS_EC2_METADATA_DISABLED": "true",
        }
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
