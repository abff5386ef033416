"""Passage-level reuse: rare-shingle candidates and seed-and-extend alignment (issue 3).

Contract with the pipeline (``copydesk.pipeline`` calls exactly these):

- ``passage_keys(view: DocView, config) -> np.ndarray[uint64]``: per document, in a worker
  (``passage_keys_many(views, config)`` gives the same arrays for a batch, faster).
- ``passage_candidates(keys, doc, n_docs, config) -> np.ndarray`` of shape ``(m, 2)``, pairs of
  document indices ``i < j``: global, from all documents' keys (``doc[k]`` = index of ``keys[k]``).
- ``align(text_a, text_b, config) -> list[Passage]``: public API, also ``copydesk.align``.
- ``relate(a: DocView, b: DocView, config, frequent=None) -> Match | None``: verify one
  candidate pair and classify it (``near_duplicate`` / ``excerpt`` / ``shared_passages``), ids
  ordered a < b. ``frequent`` (optional, recommended) is ``frequent_keys(keys, doc, n_docs,
  config)``, computed once next to the candidates: furniture the cleaner missed is then blanked
  before aligning.
- ``explain_passage(text_a, text_b, passage) -> list[DiffPiece]``: word-level differences
  inside a passage, for ``copydesk explain``.

All functions are pure: no files, no global state, deterministic.

Example:
    >>> from copydesk.passages import align, PassageConfig
    >>> wire = "Heavy rain flooded the lower town overnight, and the river rose two metres. " * 3
    >>> page = "Local news. " + wire.replace("two", "2") + " Reader comments follow."
    >>> [(p.a, p.b) for p in align(wire, page, PassageConfig(min_passage_chars=100))]
    [((0, 227), (12, 233))]
"""

from __future__ import annotations

from copydesk.passages.align import ALIGN_METHOD, align, word_tokens
from copydesk.passages.candidates import frequent_keys, passage_candidates, passage_keys, passage_keys_many
from copydesk.passages.config import PassageConfig
from copydesk.passages.explain import DiffPiece, explain_passage
from copydesk.passages.relate import containment, frequent_cover, relate

__all__ = [
    "ALIGN_METHOD",
    "DiffPiece",
    "PassageConfig",
    "align",
    "containment",
    "explain_passage",
    "frequent_cover",
    "frequent_keys",
    "passage_candidates",
    "passage_keys",
    "passage_keys_many",
    "relate",
    "word_tokens",
]
