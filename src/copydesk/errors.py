"""The errors every module may raise, in a module that imports nothing of copydesk.

Stage configs validate themselves with ``ConfigError`` without importing ``copydesk.config`` (which
imports them), and every optional dependency is reported the same way, by ``MissingExtra``.
"""

from __future__ import annotations

__all__ = ["ConfigError", "MissingExtra", "SchemeMismatch"]


class ConfigError(ValueError):
    """A configuration value is invalid; the message names the setting and what is allowed."""


class MissingExtra(ImportError):
    """An optional dependency is not installed; the message names what needs it and the pip line.

    The command line prints the message as one line (exit status 2). Any other ``ImportError`` is
    a bug, and is not turned into that line.
    """


class SchemeMismatch(ValueError):
    """Two signatures (or sketches) made under different schemes were compared.

    Their values mean different things (another seed, length or shingle), so any similarity of
    them would be noise; the message names both schemes and the settings to align.
    """
