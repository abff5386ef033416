"""Rewrites and same-story detection (issue 6).

Contract with the pipeline (``copydesk.pipeline`` calls exactly these):

- ``story_keys(view: DocView, config: RewriteConfig) -> np.ndarray[uint64]``: per document,
  in a worker (rare content words, names, numbers...).
- ``rewrite_candidates(keys, doc, n_docs, config) -> np.ndarray`` of shape ``(m, 2)``: global.
- ``compare(a: DocView, b: DocView, verbatim: Sequence[Passage], config, story) -> Match | None``:
  ``rewrite`` or ``same_story`` for one candidate pair, ids ordered a < b.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["RewriteConfig", "StoryConfig"]


@dataclass(frozen=True)
class RewriteConfig:
    """Reworded copies: sentence alignment with lexical and semantic similarity.

    Attributes:
        model: Sentence-embedding model for the semantic layer, or ``none`` for lexical only.
    """

    model: str = "none"


@dataclass(frozen=True)
class StoryConfig:
    """Independent reports of one event.

    Attributes:
        window_days: Reports further apart than this (when ``published`` is known) are not
            the same story.
    """

    window_days: int = 7
