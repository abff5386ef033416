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


# Non-ASCII characters of the typographic kind (and other stand-alone ones) that folding leaves
# as they are: a folded text made of ASCII and these alone is a fixed point of _fold (no
# combining mark, nothing NFKC or case folding changes), so normalize() need not fold it again.
_FOLD_STABLE = {c: None for c in "‘’‚‛‵“”„‟‶«»‹›‐‒–—―−⁃﹘﹣•·°©®§¶†‡€£¥¢×÷¡¿\u00a0"
                if len(c) == 1 and _fold(c) == c}
# Non-word characters (as \w+ splits) of ASCII, which the byte-level hasher treats as separators.
_NOT_FOLD_STABLE = re.compile("[^\\x00-\\x7f" + re.escape("".join(_FOLD_STABLE)) + "]")
# _PUNCT's characters, found by a regex: str.translate with a dict costs a lookup per character
# of the text, most of them ASCII; the regex scans in C and replaces only the few there are.
_PUNCT_CHARS = re.compile("[" + re.escape("".join(chr(c) for c in _PUNCT)) + "]")
# A letter or digit outside ASCII: text without one needs no per-word Unicode normalisation.
NON_ASCII_WORD = re.compile(r"[^\W\x00-\x7f]")
_TO_SPACE = str.maketrans({chr(c): " " for c in range(128) if not re.match(r"\w", chr(c))})


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
        # A folded text of lower-case ASCII and fold-stable punctuation is one already.
        if _NOT_FOLD_STABLE.search(folded) or folded != folded.lower():
            while (again := _fold(folded)) != folded:
                folded = again
        folded = _PUNCT_CHARS.sub(lambda m: _PUNCT[ord(m.group())], folded)
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
    if not NON_ASCII_WORD.search(text):
        # Only typographic quotes, dashes and the like outside ASCII (most English news): every
        # one is a separator, and the words are the ASCII ones, lower-cased.
        return " ".join(text.encode("ascii", "replace").decode("ascii").lower().translate(_TO_SPACE).split())
    # As tokenize(), without an object per word, normalising only the words that are not ASCII.
    words = []
    for word in _WORD.findall(text):
        if word.isascii():
            words.append(word.lower())
        else:
            word = "".join(_WORD.findall(normalize(word)))
            if word:
                words.append(word)
    return " ".join(words)
