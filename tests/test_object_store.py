"""``s3://`` inputs and outputs against a real S3 server on localhost (moto's, see object_store.py).

The bundled sample is put into a bucket; ``copydesk run s3://...`` must give the outputs of a
run on the local folder, with either engine, and ``-o s3://...`` must upload the same files.
The Spark engine's output is then explained with the inputs gone (its ``texts.sqlite``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from copydesk.cli import main
from object_store import moto_server, moto_server_command
from tests.golden import texts as _texts

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples" / "news"
COMPARED = ("matches.jsonl", "clusters.jsonl", "documents.jsonl", "deduplicated.jsonl")
# No semantic stage: the test is about where the files are, not about the model.
FLAGS = ["--stages", "clean,exact,near,passages,story", "--processes", "1", "-q"]
A, B = "dailyherald/fraud-trial-verdict.txt", "wire/fraud-trial-verdict.txt"


def test_staged_paths_are_renamed_to_their_urls():
    from copydesk.remote import renamed

    staged = {"/tmp/x/remote/0/news": "s3://corpus/news/", "/tmp/x/remote/1/a.jsonl": "s3://b/a.jsonl"}
    value = {"inputs": ["/tmp/x/remote/0/news", "/tmp/x/remote/1/a.jsonl", "local/folder"],
             "warnings": ["/tmp/x/remote/0/news/misc/p.txt: 4 undecodable byte sequence(s)",
                          "/tmp/x/remote/1/a.jsonl:12: not JSON", "/tmp/x/remote/0/news2/q.txt: other folder"],
             "n": 3}
    assert renamed(value, staged) == {
        "inputs": ["s3://corpus/news/", "s3://b/a.jsonl", "local/folder"],
        "warnings": ["s3://corpus/news/misc/p.txt: 4 undecodable byte sequence(s)", "s3://b/a.jsonl:12: not JSON",
                     "/tmp/x/remote/0/news2/q.txt: other folder"],
        "n": 3}


def test_s3_urls_use_pyarrows_client_where_s3fs_is_missing(monkeypatch):
    pytest.importorskip("fsspec")
    pytest.importorskip("pyarrow.fs")
    from copydesk import remote

    monkeypatch.setattr(remote, "_has_s3fs", lambda: False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:10")  # the S3-specific one wins
    fs, path = remote.filesystem("s3://bucket/corpus/")
    assert path == "bucket/corpus" and type(fs).__name__ == "ArrowFSWrapper"
    monkeypatch.setenv("AWS_REGION", "eu-west-3")
    fs, _ = remote.filesystem("s3://bucket/corpus/")
    options = fs.fs.__reduce__()[1][0]
    assert options["endpoint_override"] == "http://127.0.0.1:10" and options["region"] == "eu-west-3"
    assert options["allow_bucket_creation"]
    assert remote.s3_endpoint({"AWS_ENDPOINT_URL": "http://h:1"}) == "http://h:1"
    assert remote.s3_endpoint({}) is None


def test_an_unreachable_store_is_one_line_naming_the_url(tmp_path):
    """No server at the endpoint: the error names the URL and what to check, and nothing is written."""
    pytest.importorskip("fsspec")
    pytest.importorskip("pyarrow.fs")
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {"AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}", "AWS_ACCESS_KEY_ID": "testing",
           "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true"}
    done = _cli("run", "s3://corpus/news", "-o", str(tmp_path / "out"), "-q", env=env)
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith("copydesk: error: cannot read input s3://corpus/news: ")
    assert "AWS_ENDPOINT_URL" in done.stderr and not (tmp_path / "out").exists()
    done = _cli("run", str(SAMPLES), "-o", "s3://results/out", "-q", "--stages", "exact", env=env)
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith("copydesk: error: s3://results/out: cannot reach the output folder")


@pytest.fixture(scope="module")
def s3(tmp_path_factory):
    """The AWS variables of a running moto server holding ``s3://corpus/news/`` (the sample)."""
    pytest.importorskip("fsspec")
    pafs = pytest.importorskip("pyarrow.fs")
    command = moto_server_command()
    if command is None:
        pytest.skip("no moto_server: run `make .venv-s3/.installed` (or set COPYDESK_MOTO_SERVER)")
    log = tmp_path_factory.mktemp("moto") / "server.log"
    with moto_server(command, log) as env:
        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        try:
            store = pafs.S3FileSystem(endpoint_override=env["AWS_ENDPOINT_URL"], region="us-east-1",
                                      allow_bucket_creation=True)
            store.create_dir("corpus")
            pafs.copy_files(str(SAMPLES), "corpus/news", source_filesystem=pafs.LocalFileSystem(),
                            destination_filesystem=store)
            yield env, store
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    """The same run on the local folder."""
    out = tmp_path_factory.mktemp("reference") / "out"
    assert main(["run", str(SAMPLES), "-o", str(out), *FLAGS]) == 0
    return out


def _expected(reference: Path, name: str, url: str = "s3://corpus/news") -> bytes:
    """The reference file with the local folder's name replaced by the bucket's: a warning about
    a file names the file where the user has it (``s3://corpus/news/misc/...``)."""
    return (reference / name).read_bytes().replace(str(SAMPLES).encode(), url.encode())


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, **(env or {}), "PYTHONPATH": str(REPO / "src")}
    return subprocess.run([sys.executable, "-m", "copydesk", *args], env=env, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=900)


def test_the_bucket_holds_the_sample(s3):
    _, store = s3
    from pyarrow.fs import FileSelector

    keys = sorted(i.path for i in store.get_file_info(FileSelector("corpus/news", recursive=True)) if i.is_file)
    assert len(keys) == sum(1 for p in SAMPLES.rglob("*") if p.is_file()) > 40


def test_cli_reads_a_bucket_and_writes_to_a_new_one(s3, reference, tmp_path):
    env, store = s3
    done = _cli("run", "s3://corpus/news", "-o", str(tmp_path / "out"), *FLAGS)
    assert done.returncode == 0, done.stderr
    for name in COMPARED:
        assert (tmp_path / "out" / name).read_bytes() == _expected(reference, name), name
    assert _texts(tmp_path / "out") == _texts(reference)

    # -o s3://: a bucket that does not exist yet is created, every file uploaded, run.json too
    done = _cli("run", "s3://corpus/news/", "-o", "s3://results/sample", *FLAGS)
    assert done.returncode == 0, done.stderr
    for name in COMPARED:
        with store.open_input_stream(f"results/sample/{name}") as f:
            assert f.read() == _expected(reference, name), name
    with store.open_input_stream("results/sample/run.json") as f:
        run = json.loads(f.read())
    assert run["counts"] == json.loads((reference / "run.json").read_text())["counts"]
    assert run["inputs"] == ["s3://corpus/news/"] and run["warnings"] == json.loads(
        _expected(reference, "run.json", "s3://corpus/news"))["warnings"] != []
    with store.open_input_stream("results/sample/texts.sqlite") as f:
        (tmp_path / "texts.sqlite").write_bytes(f.read())
    assert _texts(tmp_path) == _texts(reference)

    # an existing remote folder is refused, as a local one is, before any work
    done = _cli("run", "s3://corpus/news", "-o", "s3://results/sample", *FLAGS)
    assert done.returncode != 0 and "--force" in done.stderr
    # a missing key is a missing input, with its name
    done = _cli("run", "s3://corpus/no-such-folder", "-o", str(tmp_path / "out2"), *FLAGS)
    assert done.returncode != 0 and "s3://corpus/no-such-folder does not exist" in done.stderr


def test_api_writes_to_the_bucket_with_force(s3, reference):
    _, store = s3
    from copydesk.config import Config
    from copydesk.pipeline import find_reuse

    config = Config.from_mapping({"stages": ["clean", "exact", "near", "passages", "story"], "processes": 1})
    for _ in range(2):  # the second run replaces the first (--force)
        result = find_reuse("s3://corpus/news", "s3://results/api", config, force=True, progress=False)
        assert result.output is None and len(result.matches) == json.loads(
            (reference / "run.json").read_text())["counts"]["matches"]
    with store.open_input_stream("results/api/matches.jsonl") as f:
        assert f.read() == _expected(reference, "matches.jsonl")


@pytest.mark.slow
def test_spark_engine_reads_the_bucket_and_explains_without_inputs(s3, spark, reference, tmp_path, capsys,
                                                                  monkeypatch):
    """The Spark engine stages s3:// inputs on the driver; its output explains a pair by itself."""
    _, store = s3
    from copydesk.config import Config
    from copydesk.pipeline import find_reuse

    config = Config.from_mapping({"stages": ["clean", "exact", "near", "passages", "story"], "processes": 1,
                                  "engine": "spark"})
    out = tmp_path / "spark"
    find_reuse("s3://corpus/news", out, config, progress=False)
    for name in COMPARED:
        assert (out / name).read_bytes() == _expected(reference, name), name
    assert json.loads((out / "run.json").read_text())["engine"] == "spark"
    assert _texts(out) == _texts(reference)

    # the inputs are gone: the staged copy went with the run, the bucket is emptied now
    store.delete_dir_contents("corpus/news")

    class NoStdin:
        def __getattr__(self, name):
            raise AssertionError(f"stdin was used ({name})")

    monkeypatch.setattr(sys, "stdin", NoStdin())
    assert main(["explain", str(out), B, A]) == 0
    spark_answer = capsys.readouterr().out
    assert "passage 1" in spark_answer and "could not be found" not in spark_answer
    assert spark_answer.index(B) < spark_answer.index(A)
    assert main(["explain", str(reference), B, A]) == 0
    assert capsys.readouterr().out == spark_answer  # the local engine's output explains it the same way
    assert main(["explain", str(out), A, "wire/no-such-story.txt"]) == 1
    assert "'wire/no-such-story.txt' is not a document" in capsys.readouterr().out
    pafs = pytest.importorskip("pyarrow.fs")
    pafs.copy_files(str(SAMPLES), "corpus/news", source_filesystem=pafs.LocalFileSystem(),
                    destination_filesystem=store)
