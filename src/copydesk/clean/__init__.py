"""Cleaning: article text inside pages and scraped text (issue 4 fills this in)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CleanConfig"]


@dataclass(frozen=True)
class CleanConfig:
    """How site furniture is found and marked.

    Attributes:
        enabled: Mark boilerplate and match on the article text only (``--no-clean`` turns off).
    """

    enabled: bool = True
