"""Normalisation and tokenisation that never touch the stored original.

A token is a run of word characters (``\\w+``) in the original text, kept with its half-open
character offsets; matching uses the token's *normalised* form. Normalisation folds Unicode
compatibility forms (NFKC), case, typographic quotes and dashes, and whitespace, so that two
copies that differ only in typesetting compare equal.

Example:
    >>> normalize("“Hello”  WORLD — again")
    '"hello" world - again'
    >>> [t.norm for t in tokenize("Don’t stop")]
    ['don', 't', 'stop']
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = ["Token", "normalize", "tokenize", "token_stream"]

_WORD = re.compile(r"\w+")
_PUNCT = str.maketrans(
    {
        **dict.fromkeys("‘’‚‛′‵`´", "'"),
        **dict.fromkeys("“”„‟″‶«»‹›", '"'),
        **dict.fromkeys("‐‑‒–—―−⁃﹘﹣－", "-"),
    }
)


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())


def normalize(text: str) -> str:
    """Return the matching form of ``text``: NFKC, case-folded, plain quotes and dashes, single spaces.

    Idempotent: ``normalize(normalize(s)) == normalize(s)`` for every string.

    Args:
        text: Any string.

    Returns:
        The normalised string, stripped at both ends.
    """
    if text.isascii():
        folded = text.lower()
    else:
        folded = _fold(text)
        # Case folding and NFKC do not commute for a handful of code points; iterate to a
        # fixed point (at most a couple of rounds in practice) so the function is idempotent.
        while (again := _fold(folded)) != folded:
            folded = again
        folded = folded.translate(_PUNCT)
    # str.split() splits on exactly the characters str.isspace() accepts, as \s does, in C.
    return " ".join(folded.split())


@dataclass(frozen=True, slots=True)
class Token:
    """A word of the original text: ``text[start:end]`` and its normalised form."""

    start: int
    end: int
    norm: str


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into word tokens with offsets into ``text`` itself.

    Args:
        text: The original document text.

    Returns:
        Tokens in order; ``text[t.start:t.end]`` is the token as written.
    """
    if text.isascii():
        return [Token(m.start(), m.end(), m.group().lower()) for m in _WORD.finditer(text)]
    tokens = []
    for m in _WORD.finditer(text):
        word = m.group()
        if word.isascii():  # most words of most texts: the same as the ASCII path, 10x cheaper
            tokens.append(Token(m.start(), m.end(), word.lower()))
            continue
        # NFKC may turn one word into pieces ("½" -> "1⁄2", "㈠" -> "(一)"): keep one token made
        # of the word characters only, so the byte-level hasher sees exactly this token.
        norm = "".join(_WORD.findall(normalize(word)))
        tokens.append(Token(m.start(), m.end(), norm))
    return [t for t in tokens if t.norm]


def token_stream(text: str) -> str:
    """The normalised tokens of ``text`` joined by single spaces: what shingle hashing reads.

    For ASCII text this is simply the lower-cased text: the byte-level hasher in
    :mod:`copydesk.sketch` treats every non-word ASCII byte as a separator, which yields the
    same tokens as :func:`tokenize` without building Python objects per word.
    """
    if text.isascii():
        return text.lower()
    return " ".join(t.norm for t in tokenize(text))
