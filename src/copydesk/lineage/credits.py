"""Credit lines: whom a text says it came from.

Two kinds of credit, read from the head and the tail of a text (where pages print them):

- **agency credits**: a dateline naming a news agency (``PARIS (AFP) -``, ``(Reuters) -``),
  any upper-case acronym in a dateline's parentheses (``ORWELL (NWS) -``), or a credit or
  copyright line naming a known agency (``Source: AFP``, ``© 2024 Agence France-Presse``,
  ``The Associated Press contributed``). A page crediting an agency printed the agency's
  copy.
- **outlet credits**: a line naming another outlet as the origin (``Source: The Northshore
  Tribune``, ``This article first appeared in ...``, ``Read the full story at
  northshoretribune.com``, ``Originally published by ...``).

Names are compared by :func:`name_key` (lower case, letters and digits only, no leading
"the"); an outlet's key is that of its host's name without ``www.`` and the public suffix.

The patterns are a table per language (:data:`CREDIT_PATTERNS`); English only for now.

Example:
    >>> found = find_credits("PARIS (AFP) - Talks resumed.\\n\\nRead the full story at www.coastal-post.com")
    >>> found.agencies, found.outlets
    (('AFP',), ('coastalpost',))
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

__all__ = ["AGENCIES", "CREDIT_PATTERNS", "Credits", "find_credits", "name_key", "outlet_key"]

AGENCIES: dict[str, tuple[str, ...]] = {
    "AFP": ("afp", "agence france-presse", "agence france presse", "afp.com"),
    "Reuters": ("reuters", "thomson reuters", "reuters.com"),
    "AP": ("ap", "associated press", "the associated press", "apnews.com"),
    "dpa": ("dpa", "deutsche presse-agentur"),
    "ANSA": ("ansa",),
    "EFE": ("efe",),
    "Xinhua": ("xinhua",),
    "PA": ("pa", "pa media", "press association"),
    "UPI": ("upi", "united press international"),
    "Kyodo": ("kyodo", "kyodo news"),
    "Yonhap": ("yonhap",),
    "TASS": ("tass",),
    "Bloomberg": ("bloomberg", "bloomberg news"),
    "CNA": ("cna",),
    "ANI": ("ani",),
    "PTI": ("pti", "press trust of india"),
    "AAP": ("aap", "australian associated press"),
    "CP": ("the canadian press", "canadian press"),
}
"""Agencies by the name reported in ``credited_source``, with the names a credit gives them."""


def name_key(name: str) -> str:
    """A name's comparison key: a URL's or host's outlet key, else lower-case letters and
    digits with a leading "the" dropped (``The Daily Herald`` -> ``dailyherald``)."""
    name = name.strip().strip(".,;:()[]\"'").strip()
    if re.match(r"^(?:https?://|www\.)|^[\w-]+(?:\.[\w-]+)*\.(?:com|org|net|co|uk|de|fr|info|news|io|us|ca|au|example)\b",
                name, re.IGNORECASE):
        return outlet_key(name)
    name = re.sub(r"^the\s+", "", name.lower())
    return re.sub(r"[\W_]+", "", name)


_SUFFIX_2 = {"co", "com", "org", "net", "ac", "gov", "edu", "ne", "or"}
_PREFIX_LABELS = {"www", "m", "amp", "mobile", "edition", "news", "en", "eu", "uk", "us", "feeds", "rss"}


def outlet_key(outlet: str) -> str:
    """An outlet's comparison key from its host or URL (``www.coastal-post.co.uk`` -> ``coastalpost``)."""
    text = outlet.strip().lower()
    if "://" in text or text.startswith("www."):
        try:
            text = urlsplit(text if "://" in text else "http://" + text).hostname or text
        except ValueError:
            pass
    labels = [x for x in text.split("/")[0].split(".") if x]
    if len(labels) >= 2:
        labels = labels[:-1]
        if len(labels) >= 2 and labels[-1] in _SUFFIX_2:
            labels = labels[:-1]
    while len(labels) > 1 and labels[0] in _PREFIX_LABELS:
        labels = labels[1:]
    return re.sub(r"[\W_]+", "", "".join(labels[-1:]) if labels else text)


_AGENCY_OF = {name_key(n): agency for agency, names in AGENCIES.items() for n in names}

_NAME = r"(?P<name>(?:https?://)?(?:[\w-]+\.)+[a-z]{2,6}(?:/[^\s]*)?|[^\n.;|]{2,80}?)"
CREDIT_PATTERNS: dict[str, tuple[str, ...]] = {
    "en": (
        rf"^\s*(?:source|sources|via|credit|courtesy(?: of)?)\s*[:\-–—]\s*{_NAME}\s*\.?\s*$",
        rf"\b(?:this|the) (?:article|story|post|report|piece) (?:first |originally )?(?:appeared|was (?:first |originally )?published|ran) (?:first |originally )?(?:in|on|at|by)\s+{_NAME}(?=[.;,\n]|$)",
        rf"\b(?:first|originally) (?:appeared|published|ran) (?:in|on|at|by)\s+{_NAME}(?=[.;,\n]|$)",
        rf"\bread (?:the )?(?:full|whole|complete|entire|original|rest of the) (?:story|article|report|piece)(?: here)?\s*(?:at|on|in|from)?\s*:?\s+{_NAME}(?=\.?\s*$|[;,\n]|\.\s)",
        rf"\bcontinue reading (?:at|on)\s*:?\s+{_NAME}(?=\.?\s*$|[;,\n]|\.\s)",
        rf"\b(?:republished|reprinted|reproduced|syndicated) (?:with permission )?(?:from|courtesy of)\s+{_NAME}(?=[.;,\n]|$)",
        rf"^\s*(?:©|\(c\)|copyright)\s*(?:\d{{4}}\s*)?{_NAME}\s*\.?\s*$",
        rf"\b{_NAME} contributed (?:to )?(?:this )?(?:report|story|article)",
    ),
}
"""Credit lines per language; each captures the credited name as ``name``."""

_COMPILED = [re.compile(p, re.IGNORECASE | re.MULTILINE) for table in CREDIT_PATTERNS.values() for p in table]
# "PARIS (AFP) -", "(Reuters) -", "ORWELL (NWS) —": a dateline credit, in the first lines only.
_DATELINE = re.compile(r"(?:^|\n)[^\n()]{0,60}\((?P<name>[A-Z][A-Za-z.]{1,12}(?:/[A-Z][A-Za-z.]{1,12})*)\)\s*[-–—:]")
_BY_AGENCY = re.compile(r"^\s*(?:by\s+)?(?:the\s+)?(?P<name>associated press|agence france-presse|reuters|afp)\s*$",
                        re.IGNORECASE | re.MULTILINE)

HEAD_CHARS = 600
TAIL_CHARS = 800
"""Credits are read in the first and last characters of a text: datelines and bylines open an
article, credit and copyright lines close it (an aggregator's "read the full story" line comes
right after its excerpt, within the last few lines)."""


@dataclass(frozen=True, slots=True)
class Credits:
    """What a text credits.

    Attributes:
        agencies: Agencies credited (names of :data:`AGENCIES`, or a dateline's acronym), sorted.
        outlets: Keys (:func:`name_key`) of other outlets named as the origin, sorted.
    """

    agencies: tuple[str, ...] = ()
    outlets: tuple[str, ...] = ()


def find_credits(text: str, head_chars: int = HEAD_CHARS, tail_chars: int = TAIL_CHARS) -> Credits:
    """The agencies and outlets a text credits in its head and tail.

    Args:
        text: The document's text.
        head_chars: Characters of the head to read.
        tail_chars: Characters of the tail to read.

    Returns:
        The credits found (empty when none).
    """
    head = text[:head_chars]
    tail = text[max(head_chars, len(text) - tail_chars):]
    agencies: set[str] = set()
    outlets: set[str] = set()
    for g in _DATELINE.finditer(head):
        for part in g["name"].split("/"):
            key = name_key(part)
            agencies.add(_AGENCY_OF.get(key, part.strip(".")))
    for piece in (head, tail):
        for g in _BY_AGENCY.finditer(piece):
            agencies.add(_AGENCY_OF[name_key(g["name"])])
        for pattern in _COMPILED:
            for g in pattern.finditer(piece):
                name = g["name"]
                names = [name] if re.match(r"(?:https?://)?(?:[\w-]+\.)+[a-z]{2,6}\b", name, re.I) else \
                    re.split(r"\s*(?:/|,| and | & )\s*", name)
                for name in names:
                    key = name_key(name)
                    if not key or len(key) < 2:
                        continue
                    if key in _AGENCY_OF:
                        agencies.add(_AGENCY_OF[key])
                    elif len(key) >= 4:
                        outlets.add(key)
    return Credits(tuple(sorted(agencies)), tuple(sorted(outlets)))
