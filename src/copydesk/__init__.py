"""copydesk: find every copy, excerpt and rewrite of a text across a corpus.

Example:
    >>> import copydesk
    >>> result = copydesk.find_reuse(["samples/news"], "out/news", force=True)  # doctest: +SKIP
"""

from __future__ import annotations

__version__ = "0.1.0"


def __getattr__(name: str):  # lazy: `import copydesk` stays light (no numpy until used)
    if name == "find_reuse":
        from copydesk.pipeline import find_reuse

        return find_reuse
    if name == "align":
        from copydesk.passages import align

        return align
    if name == "Config":
        from copydesk.config import Config

        return Config
    raise AttributeError(f"module 'copydesk' has no attribute {name!r}")


__all__ = ["Config", "__version__", "align", "find_reuse"]
