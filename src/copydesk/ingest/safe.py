"""Making hostile strings safe to store, write and print, without losing the document.

Scraped data holds strings that Python reads but cannot write as UTF-8: JSON escapes of lone
surrogates (``"\\udfff"``, valid JSON), and file names that are not UTF-8 (Linux hands those to
Python as surrogate escapes). One such string used to abort the whole run at the write stage.
Here they become safe text, and the caller records a warning naming what was changed.

Example:
    >>> safe_text("x \\udfff y")
    ('x \\ufffd y', 1)
    >>> safe_name("bad\\udcff.txt")
    ('bad\\\\xff.txt', True)
"""

from __future__ import annotations

import os
import re

__all__ = ["has_surrogates", "printable", "safe_name", "safe_text"]

_SURROGATE = re.compile("[\ud800-\udfff]")
# C0 and C1 control characters but tab and newline, DEL, and the bidirectional overrides that
# can make a terminal show a name other than the one stored.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def has_surrogates(text: str) -> bool:
    """Whether ``text`` holds a code point in U+D800..U+DFFF (not encodable as UTF-8)."""
    return _SURROGATE.search(text) is not None


def safe_text(text: str) -> tuple[str, int]:
    """``text`` with every lone surrogate replaced by U+FFFD.

    Offsets are unchanged: one code point becomes one code point.

    Returns:
        The safe text and the number of code points replaced.
    """
    if not has_surrogates(text):
        return text, 0
    return _SURROGATE.subn("\ufffd", text)


def safe_name(name: str) -> tuple[str, bool]:
    """A file name (or path) as printable UTF-8: undecodable bytes become ``\\xNN``.

    Linux file names are bytes; Python represents the bytes that are not UTF-8 as surrogate
    escapes, which cannot be written. ``os.fsencode`` gives the bytes back, and
    ``backslashreplace`` spells each undecodable byte as ``\\xNN``, so two different names stay
    different and the id says which bytes the name held.

    Returns:
        The safe name and whether it differs from ``name``.
    """
    if not has_surrogates(name):
        return name, False
    try:
        raw = os.fsencode(name)
    except UnicodeEncodeError:  # a surrogate that is not an escaped byte
        return safe_text(name)[0], True
    return raw.decode("utf-8", errors="backslashreplace"), True


def printable(text: str) -> str:
    """``text`` with control characters and terminal escape sequences shown as ``\\xNN`` /
    ``\\uNNNN``, and lone surrogates as U+FFFD: safe to print to a terminal."""
    text = safe_text(text)[0]
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)
