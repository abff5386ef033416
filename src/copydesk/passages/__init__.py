"""Passage-level reuse: rare-shingle candidates and seed-and-extend alignment (issue 3).

Contract with the pipeline (``copydesk.pipeline`` calls exactly these):

- ``passage_keys(view: DocView, config) -> np.ndarray[uint64]``: per document, in a worker.
- ``passage_candidates(keys, doc, n_docs, config) -> np.ndarray`` of shape ``(m, 2)``, pairs of
  document indices ``i < j``: global, from all documents' keys (``doc[k]`` = index of ``keys[k]``).
- ``align(text_a, text_b, config) -> list[Passage]``: public API, also ``copydesk.align``.
- ``relate(a: DocView, b: DocView, config) -> Match | None``: verify one candidate pair and
  classify it (``near_duplicate`` / ``excerpt`` / ``shared_passages``), ids ordered a < b.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["PassageConfig"]


@dataclass(frozen=True)
class PassageConfig:
    """Passage-level reuse.

    Attributes:
        min_passage_chars: Aligned passages shorter than this (in both texts) are dropped.
    """

    min_passage_chars: int = 200
