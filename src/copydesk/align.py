"""Passage alignment between two texts (issue 3 fills this in)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["AlignConfig"]


@dataclass(frozen=True)
class AlignConfig:
    """Passage-level reuse: rare-shingle candidates and seed-and-extend alignment.

    Attributes:
        min_passage_chars: Aligned passages shorter than this (in both texts) are dropped.
    """

    min_passage_chars: int = 200
