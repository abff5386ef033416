"""Sentence segmentation with offsets into the original text.

Rule-based and language-light, built for news text: a sentence ends at ``.``, ``!`` or ``?``
(optionally followed by closing quotes or brackets) when whitespace and then an upper-case
letter, a digit or an opening quote follow, and not after a known abbreviation ("Mr.", "U.S.",
"Jan.") or a single initial ("J. Smith"). A line break always ends a sentence: headlines,
datelines and list items stand on their own lines in news pages. Spans are half-open offsets
into the text given, so a sentence of ``view.masked`` is also a sentence of ``view.text``.

Example:
    >>> [s.text for s in split_sentences("Mr. Smith left. He was 42.\\nNext line")]
    ['Mr. Smith left.', 'He was 42.', 'Next line']
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Sentence", "split_sentences"]

# Abbreviations after which a full stop does not end a sentence (lower case, without the dot).
# Titles, months, common news abbreviations; single letters are handled as initials.
_ABBREVIATIONS = frozenset(
    """
    mr mrs ms dr prof sr jr st mt ft gen col lt sgt capt cmdr adm gov sen rep pres supt insp
    rev hon messrs mme mlle no nos vol vols fig figs approx est dept univ assn bros co corp inc
    ltd plc jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thur thurs fri
    sat sun vs etc al ca cf e g i ie eg pp op ed eds ave blvd rd hwy
    """.split()
)

# Candidate ends: terminal punctuation, optional closing quotes/brackets, then whitespace.
_END = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s)")
_NEXT_START = re.compile(r"\s+[\"'“‘(\[]?[A-Z0-9À-ÖØ-Þ]")
_LINE_BREAK = re.compile(r"\n")
_WORD_BEFORE = re.compile(r"([A-Za-z]+)\.$")


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence: ``text == original[start:end]`` (stripped of surrounding whitespace)."""

    start: int
    end: int
    text: str


def _is_abbreviation(chunk: str) -> bool:
    """Whether the full stop ending ``chunk`` belongs to an abbreviation or an initial."""
    m = _WORD_BEFORE.search(chunk)
    if m is None:
        return False
    word = m.group(1)
    if len(word) == 1:  # initials "J." and the pieces of "U.S." / "a.m."
        return True
    return word.lower() in _ABBREVIATIONS


def split_sentences(text: str, min_chars: int = 1) -> list[Sentence]:
    """Split ``text`` into sentences with half-open offsets into ``text``.

    Args:
        text: Any text (typically ``DocView.masked``: boilerplate already blanked out).
        min_chars: Sentences with fewer non-space characters are dropped.

    Returns:
        Sentences in text order, none overlapping, each stripped of surrounding whitespace.

    Example:
        >>> [(s.start, s.end) for s in split_sentences("One. Two.")]
        [(0, 4), (5, 9)]
    """
    cuts = [0]
    for m in _LINE_BREAK.finditer(text):
        cuts.append(m.end())
    for m in _END.finditer(text):
        end = m.end()
        if not _NEXT_START.match(text, end):
            continue
        if (
            text[m.start()] == "."
            and m.end() - m.start() == 1
            and _is_abbreviation(text[max(0, end - 12) : end])
        ):
            continue
        cuts.append(end)
    cuts.append(len(text))
    cuts = sorted(set(cuts))
    sentences = []
    for lo, hi in zip(cuts, cuts[1:]):
        chunk = text[lo:hi]
        stripped = chunk.strip()
        if len(stripped) - stripped.count(" ") < min_chars:
            continue
        start = lo + (len(chunk) - len(chunk.lstrip()))
        sentences.append(Sentence(start, start + len(stripped), stripped))
    return sentences
