"""``copydesk serve``: the real server (uvicorn) in a subprocess on a free localhost port."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from copydesk.live import LiveIndex
from copydesk.types import Document

from test_live import CONFIG, REPO, SAMPLES, split_folder

# Under CI=true the conftest turns these skips into failures: the serve extra must be installed there.
pytest.importorskip("fastapi", reason="the serve extra: pip install 'copydesk[serve]'")
pytest.importorskip("uvicorn", reason="the serve extra: pip install 'copydesk[serve]'")

QUERIED = "dailyherald/free-school-lunches-trial.txt"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``copydesk serve INDEX`` in a subprocess, and a small JSON client."""

    def __init__(self, index: Path) -> None:
        self.index = index
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self) -> Server:
        env = dict(os.environ, PYTHONPATH=str(REPO / "src"))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "copydesk.cli", "serve", str(self.index), "--port", str(self.port)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.process.stderr.read().decode()}")
            try:
                if self.call("GET", "/health")[0] == 200:
                    return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("server did not answer /health within 60 s")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)

    def call(self, method: str, path: str, body: object = None, raw: bytes | None = None) -> tuple[int, dict]:
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())


@pytest.fixture
def halves(tmp_path):
    ids = sorted(p.relative_to(SAMPLES).as_posix() for p in SAMPLES.rglob("*.txt"))
    first = [i for k, i in enumerate(ids) if k % 2 == 0 and i != QUERIED]
    one, two = split_folder(SAMPLES, tmp_path / "split", first)
    (two / QUERIED).unlink()
    path = tmp_path / "news.cdx"
    LiveIndex.create(path, CONFIG).add([one])
    return path, two


@pytest.fixture
def server(halves):
    running = Server(halves[0]).start()
    yield running
    running.kill()


def documents_of(folder: Path) -> list[dict]:
    return [{"id": p.relative_to(folder).as_posix(), "text": p.read_bytes().decode("utf-8", "replace")}
            for p in sorted(folder.rglob("*.txt"))]


def test_query_add_and_read_over_http(server, halves):
    path, two = halves
    text = (SAMPLES / QUERIED).read_text()
    status, health = server.call("GET", "/health")
    assert status == 200 and health["status"] == "ok" and health["generation"] == 1
    status, answer = server.call("POST", "/query", {"id": QUERIED, "text": text})
    assert status == 200
    assert answer == LiveIndex(path).query(Document(QUERIED, text))
    status, added = server.call("POST", "/documents", {"documents": documents_of(two)})
    assert status == 200 and added["added"] == len(documents_of(two)) and added["generation"] == 2
    index = LiveIndex(path)  # what the server wrote, read from the file
    assert index.generation() == 2
    for doc in documents_of(two)[:5]:
        status, found = server.call("GET", "/documents/" + doc["id"])
        assert status == 200 and found == index.document(doc["id"])
    status, answer = server.call("POST", "/query", {"id": QUERIED, "text": text})
    assert answer == index.query(Document(QUERIED, text)) and answer["matches"]
    assert server.call("GET", "/openapi.json")[1]["paths"].keys() >= {"/query", "/documents", "/health"}


def test_queries_during_an_add_see_the_index_before_or_after_it(server, halves):
    path, two = halves
    text = (SAMPLES / QUERIED).read_text()
    before = server.call("POST", "/query", {"id": QUERIED, "text": text})[1]
    answers: list[tuple[int, dict]] = []
    adding = threading.Event()

    def reader() -> None:
        while not adding.is_set():
            time.sleep(0.01)
        while adding.is_set():
            answers.append(server.call("POST", "/query", {"id": QUERIED, "text": text}))
            answers.append(server.call("GET", "/health"))

    readers = [threading.Thread(target=reader) for _ in range(3)]
    for t in readers:
        t.start()
    adding.set()
    status, added = server.call("POST", "/documents", {"documents": documents_of(two)})
    adding.clear()
    for t in readers:
        t.join()
    after = server.call("POST", "/query", {"id": QUERIED, "text": text})[1]
    assert status == 200 and before != after
    queries = [a for s, a in answers if "indexed" in a]
    healths = [a for s, a in answers if "generation" in a]
    assert all(s == 200 for s, _ in answers) and queries and healths
    odd = [a for a in queries if a not in (before, after)]
    assert not odd, (before, after, odd[:1])
    assert {h["generation"] for h in healths} <= {1, 2}


def test_a_killed_server_loses_nothing_it_acknowledged(halves):
    path, two = halves
    server = Server(path).start()
    try:
        status, added = server.call("POST", "/documents", {"documents": documents_of(two)[:6]})
        assert status == 200 and added["added"] == 6
        server.kill()  # SIGKILL right after the acknowledgement
        server = Server(path).start()
        status, health = server.call("GET", "/health")
        assert health["generation"] == 2
        for doc in documents_of(two)[:6]:
            assert server.call("GET", "/documents/" + doc["id"])[0] == 200
        status, added = server.call("POST", "/documents", {"documents": documents_of(two)[6:]})
        assert status == 200 and added["generation"] == 3
    finally:
        server.kill()


def test_bad_requests_get_4xx_and_a_message(server):
    text = (SAMPLES / QUERIED).read_text()
    checks = [
        (server.call("POST", "/query", raw=b"{not json"), 422),
        (server.call("POST", "/query", {"id": "x"}), 422),  # no text
        (server.call("POST", "/query", {"text": "   "}), 422),
        (server.call("POST", "/query", {"text": text, "colour": "red"}), 422),  # unknown field
        (server.call("POST", "/documents", {"documents": [{"text": text}]}), 422),  # no id
        (server.call("POST", "/documents", {"documents": []}), 422),
        (server.call("POST", "/documents", {"documents": [{"id": "a", "text": "x"}, {"id": "a", "text": "y"}]}), 422),
        (server.call("GET", "/documents/no/such/doc.txt"), 404),
        (server.call("GET", "/nowhere"), 404),
    ]
    for (status, body), expected in checks:
        assert status == expected, body
        assert body["detail"], body
    indexed = sorted(p.relative_to(SAMPLES).as_posix() for p in SAMPLES.rglob("*.txt"))[0]
    status, body = server.call("POST", "/query", {"id": indexed, "text": "another text entirely"})
    assert status == 409 and "another id" in body["detail"]
    assert server.call("GET", "/health")[0] == 200  # and the server still serves


def test_the_documented_openapi_schema_is_the_servers(tmp_path):
    """docs/openapi.json is what the server publishes at /openapi.json (regenerate it with the
    snippet in docs/service.md when an endpoint changes)."""
    from copydesk.live.service import create_app

    LiveIndex.create(tmp_path / "x.cdx", CONFIG)
    schema = json.loads(json.dumps(create_app(tmp_path / "x.cdx").openapi()))
    documented = json.loads((REPO / "docs" / "openapi.json").read_text())
    # The endpoints and their models (the schema's header follows the FastAPI version installed).
    assert (schema["paths"], schema["components"]) == (documented["paths"], documented["components"])
    assert {"/health", "/query", "/documents", "/documents/{doc_id}"} <= schema["paths"].keys()


def test_the_server_sees_an_add_made_by_another_process(server, halves):
    """A `copydesk index add` run beside the server (a nightly batch, say): the server's next
    requests answer from the new state."""
    path, two = halves
    text = (SAMPLES / QUERIED).read_text()
    before = server.call("POST", "/query", {"id": QUERIED, "text": text})[1]
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"))
    subprocess.run([sys.executable, "-m", "copydesk.cli", "index", "add", str(path), str(two), "-q"],
                   env=env, check=True)
    assert server.call("GET", "/health")[1]["generation"] == 2
    added = documents_of(two)[0]["id"]
    assert server.call("GET", "/documents/" + added)[0] == 200
    after = server.call("POST", "/query", {"id": QUERIED, "text": text})[1]
    assert after != before and after == LiveIndex(path).query(Document(QUERIED, text))
