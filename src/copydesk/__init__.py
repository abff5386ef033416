"""copydesk: find every copy, excerpt and rewrite of a text across a corpus.

Example:
    >>> import copydesk
    >>> result = copydesk.find_reuse(["samples/news"], "out/news", force=True)  # doctest: +SKIP
"""

from __future__ import annotations

__version__ = "0.1.0"
