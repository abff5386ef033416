"""File systems for remote paths (fsspec URLs such as ``s3://bucket/corpus/``).

fsspec's own ``s3://`` implementation is s3fs, which needs botocore, and botocore caps
``python-dateutil`` below 3: where a newer dateutil is installed (pandas and pip are content
with one), s3fs cannot go in without downgrading it. So when s3fs is missing, ``s3://`` URLs
are served by pyarrow's S3 client (the AWS C++ SDK, no botocore) wrapped as an fsspec file
system. Both read the same standard AWS settings from the environment: credentials
(``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_PROFILE``...), the region
(``AWS_REGION`` / ``AWS_DEFAULT_REGION``) and an S3-compatible server's address
(``AWS_ENDPOINT_URL_S3`` or ``AWS_ENDPOINT_URL``, such as MinIO or moto's server on
``http://127.0.0.1:5000``), so one set of variables works whichever client is installed.

Example:
    >>> fs, path = filesystem("s3://bucket/corpus/")  # doctest: +SKIP
    >>> fs.find(path)  # doctest: +SKIP
"""

from __future__ import annotations

import importlib.util
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = ["failure", "filesystem", "remote_error", "renamed", "restore_origins", "s3_endpoint"]

_S3_PROTOCOLS = ("s3", "s3a")


def s3_endpoint(environ: dict[str, str] | None = None) -> str | None:
    """The S3 endpoint the AWS tools would use: ``AWS_ENDPOINT_URL_S3``, else ``AWS_ENDPOINT_URL``.

    Args:
        environ: The environment to read (``os.environ`` by default).

    Returns:
        The endpoint URL, or None for AWS's own.
    """
    env = os.environ if environ is None else environ
    return env.get("AWS_ENDPOINT_URL_S3") or env.get("AWS_ENDPOINT_URL") or None


def filesystem(url: str) -> tuple[Any, str]:
    """The fsspec file system for ``url`` and the path inside it.

    Args:
        url: An fsspec URL (``s3://bucket/key``, ``hf://datasets/...``, ``memory://...``).

    Returns:
        ``(fs, path)`` as :func:`fsspec.core.url_to_fs` gives them.

    Raises:
        MissingExtra: fsspec, or the package the protocol needs, is missing (with the pip line).
    """
    from copydesk.errors import MissingExtra

    try:
        import fsspec
    except ImportError as e:
        raise MissingExtra("remote paths need fsspec (and the protocol's package: s3fs or pyarrow for "
                          "s3://, huggingface_hub for hf://): pip install 'copydesk[remote]'") from e
    protocol = url.split("://", 1)[0].lower()
    if protocol in _S3_PROTOCOLS and not _has_s3fs():
        return _arrow_s3(url)
    return fsspec.core.url_to_fs(url)


def failure(error: BaseException) -> str:
    """An object store's error as one line, with what to check (its messages run to several)."""
    text = " ".join(str(error).split()) or type(error).__name__
    return (f"{text} (check the URL, the credentials, and AWS_ENDPOINT_URL for a server other than "
            "AWS's: README, Remote paths)")


def remote_error(url: str, message: str) -> OSError:
    """An ``OSError`` naming ``url``, as the command line reports a path that failed."""
    import errno

    return OSError(errno.EIO, message, url)


def _has_s3fs() -> bool:
    return importlib.util.find_spec("s3fs") is not None


def _arrow_s3(url: str) -> tuple[Any, str]:
    from copydesk.errors import MissingExtra

    try:
        from fsspec.implementations.arrow import ArrowFSWrapper
        from pyarrow import fs as pafs
    except ImportError as e:
        raise MissingExtra(f"{url} needs an S3 client: pip install 'copydesk[remote]' (pyarrow's) "
                          "or pip install s3fs") from e
    options: dict[str, Any] = {}
    endpoint = s3_endpoint()
    if endpoint:
        options["endpoint_override"] = endpoint
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if region:
        options["region"] = region
    # pyarrow refuses to create a bucket unless told; `-o s3://new-bucket/out` should work as
    # it does with s3fs, which creates the bucket on the first write.
    fs = ArrowFSWrapper(pafs.S3FileSystem(allow_bucket_creation=True, **options))
    return fs, url.split("://", 1)[1].rstrip("/")


def renamed(value: Any, staged: Mapping[str, str]) -> Any:
    """``value`` (a string, or lists and dicts of them) with each staged path turned back into its URL.

    A string is renamed when it is a staged path or starts with one followed by ``/`` (a file
    under a staged folder) or ``:`` (a message about it).
    """
    if isinstance(value, str):
        for local, url in staged.items():
            if value == local or value.startswith((local + "/", local + ":")):
                return url.rstrip("/") + value[len(local):] if value != local else url
        return value
    if isinstance(value, list):
        return [renamed(v, staged) for v in value]
    if isinstance(value, dict):
        return {k: renamed(v, staged) for k, v in value.items()}
    return value


def restore_origins(folder: Path, staged: Mapping[str, str]) -> None:
    """Put the user's URLs back where an output names a staged copy of a remote input.

    Remote inputs are read from a temporary copy (:func:`copydesk.api.stage_inputs`), so the
    readers name that copy in ``run.json``'s ``inputs``, problems and warnings and in the
    ``warnings`` of ``documents.jsonl``; a user would be sent to a folder that is gone. Only
    lines that hold a staged path are parsed and rewritten; the others are copied byte for byte,
    so the files equal a run on local copies of the same inputs but for the names.

    Args:
        folder: A finished output folder.
        staged: Each staged copy's local path mapped to the URL it was copied from.
    """
    if not staged:
        return
    from copydesk.store import dumps

    needles = tuple(local.encode("utf-8") for local in staged)
    documents = folder / "documents.jsonl"
    if documents.exists():
        rewritten = documents.with_name(documents.name + ".origins")
        with open(documents, "rb") as src, open(rewritten, "wb") as out:
            for line in src:
                if any(n in line for n in needles):
                    line = (dumps(renamed(json.loads(line), staged)) + "\n").encode("utf-8")
                out.write(line)
        os.replace(rewritten, documents)
    run = folder / "run.json"
    if run.exists():
        record = json.loads(run.read_text(encoding="utf-8"))
        for key in ("inputs", "problems", "warnings"):
            if key in record:
                record[key] = renamed(record[key], staged)
        rewritten = run.with_name("run.json.origins")
        rewritten.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(rewritten, run)
