"""Rewrites and same-story detection (issue 6 fills this in)."""

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
