"""Credit lines: whom a text says it came from.

Two kinds of credit, read from the head and the tail of a text (where pages print them):

- **agency credits**: a dateline naming a news agency (``PARIS (AFP) -``, ``(Reuters) -``,
  ``Berlin (dpa) -``, ``MADRID, 17 abr (EFE).-``), any upper-case acronym in the head's
  dateline parentheses (``ORWELL (NWS) -``), a line that is only a known agency's credit
  anywhere in the text (``— AFP``, ``© AFP 2024``, ``(avec AFP)``, ``AFP/Reuters``,
  ``Copyright 2024 The Associated Press. All rights reserved.``), a credit line naming one
  (``Source: AFP``), Reuters' ``Reporting by ...; Editing by ...``, or ``Associated Press writer
  ... contributed``. A page crediting an agency printed the agency's copy. Photo credits
  (``(AFP/File)``, ``JOEL SAGET / AFP``) are kept apart, as weaker evidence.
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

__all__ = ["AGENCIES", "AGENCY_OF", "CREDIT_PATTERNS", "Credits", "find_credits", "name_key", "outlet_key"]

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
    "Lusa": ("lusa", "agência lusa"),
    "Europa Press": ("europa press",),
    "Anadolu": ("anadolu agency", "anadolu ajansı"),
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


AGENCY_OF = {name_key(n): agency for agency, names in AGENCIES.items() for n in names}
"""The agency of each of its names (:func:`name_key` of it)."""

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
# A word each pattern needs (lower case): a piece without it skips the pattern. The patterns
# start at any word with a lazy name, which costs about 0.3 ms a document; most pieces hold none
# of these words.
_NEEDS = dict(zip((p.pattern for p in _COMPILED), (
    ("source", "via", "credit", "courtesy"), ("appeared", "published", " ran "), ("appeared", "published", " ran "),
    ("read",), ("continue reading",), ("republished", "reprinted", "reproduced", "syndicated"),
    ("©", "(c)", "copyright"), ("contributed",))))
# "PARIS (AFP) -", "(Reuters) -", "ORWELL (NWS) —", "Berlin (dpa) -", "MADRID, 17 abr (EFE).-": a
# dateline credit. Any acronym in the head (a made-up wire's too); further down only a known
# agency's (a page printing a second wire story), since "The Agency (ABC) - ..." may open a line of prose.
_DATELINE = re.compile(r"(?:^|\n)[^\n()]{0,60}\((?P<name>[A-Za-z][A-Za-z.]{1,12}(?:/[A-Za-z][A-Za-z.]{1,12})*)\)\.?\s*[-–—:]")
# Xinhua's Chinese dateline: "新华社北京4月17日电".
_XINHUA_ZH = re.compile(r"新华社[^\n，。]{0,20}?\d{1,2}月\d{1,2}日电")


def _agency_names() -> str:
    """One alternation of every agency name: acronyms in their printed case (``AFP``, ``dpa``:
    "ap" or "efe" in lower case are words), longer names in any case."""
    alts = []
    for agency, names in AGENCIES.items():
        for n in sorted({*names, agency}, key=len, reverse=True):
            if "." in n:
                continue
            if " " in n or "-" in n or len(n) > 5:
                alts.append("(?i:" + r"[\s-]+".join(map(re.escape, re.split(r"[\s-]+", n))) + ")")
            elif n == agency or n.upper() == agency.upper():
                alts.extend({n.upper(), agency})
    return "(?:" + "|".join(sorted(set(alts), key=len, reverse=True)) + ")"


_AG = _agency_names()
# Whether a text names an agency at all (most do not: they skip the whole-text patterns). Two
# cheap tests rather than one alternation of case-insensitive groups (4x slower): acronyms
# case-sensitively, the longer names as substrings of the lower-cased text.
# No leading \b: a pattern that opens with the acronyms' letters lets the regex engine skip to
# their first letters, and the boundary before a match is checked in Python (5x faster on
# 23,000 documents, the same answers: an acronym holds no non-word character, so no valid match
# can start inside another).
_ACRONYMS = re.compile("(?:" + "|".join(sorted({a for a in re.findall(r"(?<=\|)[A-Za-z]+(?=[|)])", _AG)},
                                               key=len, reverse=True)) + r")\b")
_LONG_NAMES = tuple(sorted({n for names in AGENCIES.values() for n in names if "." not in n and len(n) > 5}))


def _names_an_agency(text: str) -> bool:
    for g in _ACRONYMS.finditer(text):
        before = text[g.start() - 1] if g.start() else " "
        if not (before.isalnum() or before == "_"):  # what \b would check: a word starts here
            return True
    low = text.lower()
    return any(n in low for n in _LONG_NAMES)
# A line that is only an agency credit, anywhere in the text (a sign-off may close the first of
# two articles a page prints): "— AFP", "(AFP)", "AFP/Reuters", "© AFP 2024", "(avec AFP)",
# "mit Material von dpa", "Copyright 2024 The Associated Press. All rights reserved.". Prose
# naming an agency ("The minister told AFP.") is never such a line.
_CREDIT_LINE = re.compile(
    rf"^[ \t]*[(\[]?[ \t]*(?:[-–—]+[ \t]*)?(?:(?:©|\((?i:c)\)|(?i:copyright))[ \t]*(?:\d{{4}}[ \t]*)?)?"
    r"(?:(?i:with|avec|mit material von|mit|con información de|con|fonte|fuente|quelle|sources?|via|by|par|"
    r"según|selon|agencia|agenzia|agence)[ \t]*:?[ \t]*)?(?:(?i:the)[ \t]+)?"
    rf"(?P<names>{_AG}(?:[ \t]*(?:/|,|&|\+|and|et|und|y|e)[ \t]*(?:(?i:the)[ \t]+)?{_AG})*)"
    rf"(?:[ \t]*,?[ \t]*\d{{4}})?[ \t]*[)\]]?[ \t]*\.?[ \t]*(?:(?i:all rights reserved)\.?)?[ \t]*$",
    re.MULTILINE)
# Reuters' sign-off: "(Reporting by ...; Editing by ...)".
_REUTERS_SIGN_OFF = re.compile(r"^[ \t]*\(?(?:additional )?reporting by [^\n]{2,300}?\bediting by [^\n]{2,200}$",
                               re.IGNORECASE | re.MULTILINE)
# "Associated Press writer Jane Doe contributed to this report."
_AGENCY_STAFF = re.compile(rf"(?:^|[.!?]\s+)(?:(?i:the)\s+)?(?P<name>{_AG})\s+(?i:(?:staff\s+)?(?:writers?|reporters?|"
                           r"correspondents?|journalists?))\b[^\n]{0,160}?\b(?i:contributed)", re.MULTILINE)
# An agency's name ending the last paragraph: "... ha detto il ministro. (ANSA)."
_TAIL_TAG = re.compile(rf"\((?P<name>{_AG})\)\.?[ \t]*$", re.MULTILINE)
# Photo credits: "(AFP/File)", "AFP via Getty Images", "Photo: AFP", "JOEL SAGET / AFP". A page
# may print an agency's photo over its own text, so these are weaker than a text credit: they
# name a copy cluster's agency only where no member credits one in its text.
_PHOTO = re.compile(
    rf"(?<![\w-])(?P<a>{_AG})[ \t]*/[ \t]*(?i:file|files|archives?|archiv|pool|getty images)\b"
    rf"|(?<![\w-])(?P<b>{_AG})[ \t]+(?i:via getty images|photo)\b"
    rf"|\b(?i:photo|photos|photograph|picture|image|credit|foto)s?(?:[ \t]+(?i:by)[ \t]+[^\n:/()]{{2,60}}?)?"
    rf"[ \t]*[:/©][ \t]*(?:[^\n:/()]{{2,60}}?[ \t]*/[ \t]*)?(?P<c>{_AG})(?![\w-])"
    rf"|^[A-Z][A-Z .'-]{{2,60}}[ \t]*/[ \t]*(?P<d>{_AG})[ \t]*\)?[ \t]*$"
    rf"|\([^\n()]{{0,80}}/[ \t]*(?P<e>{_AG})[ \t]*\)",
    re.MULTILINE)
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
        photo_agencies: Agencies a photo credit names (``(AFP/File)``), sorted: weaker
            evidence, used only where no copy credits an agency in its text.
    """

    agencies: tuple[str, ...] = ()
    outlets: tuple[str, ...] = ()
    photo_agencies: tuple[str, ...] = ()


def _agency(name: str) -> str | None:
    return AGENCY_OF.get(name_key(name))


def find_credits(text: str, head_chars: int = HEAD_CHARS, tail_chars: int = TAIL_CHARS) -> Credits:
    """The agencies and outlets a text credits.

    Outlet credits and unknown acronyms in datelines are read in the head and the tail only;
    lines that are nothing but a known agency's credit (a dateline, a sign-off, a copyright
    line, a photo credit) anywhere in the text, since a page may print a second article after
    the first one's sign-off.

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
    photo: set[str] = set()
    for g in _DATELINE.finditer(head):
        names = [(part, _agency(part)) for part in g["name"].split("/")]
        # An unknown name must look like an agency's acronym ("NWS"), not a word ("(see) -").
        if all(known or (part[0].isupper() and part.strip(".").isupper()) for part, known in names):
            agencies.update(known or part.strip(".") for part, known in names)
    if _names_an_agency(text):
        # Only texts naming an agency somewhere pay for the whole-text patterns.
        for g in _DATELINE.finditer(text, len(head)):
            names = [_agency(part) for part in g["name"].split("/")]
            if all(names):
                agencies.update(names)  # type: ignore[arg-type]
        for g in _CREDIT_LINE.finditer(text):
            agencies.update(a for part in re.split(r"\s*(?:/|,|&|\+|\band\b|\bet\b|\bund\b|\by\b|\be\b)\s*",
                                                   g["names"]) if part and (a := _agency(part)))
        for g in _AGENCY_STAFF.finditer(text):
            agencies.update(a for a in (_agency(g["name"]),) if a)
        for g in _TAIL_TAG.finditer(tail or head):
            agencies.update(a for a in (_agency(g["name"]),) if a)
        for g in _PHOTO.finditer(text):
            photo.update(a for a in (_agency(n) for n in g.groups() if n) if a)
    if _XINHUA_ZH.search(head):
        agencies.add("Xinhua")
    if _REUTERS_SIGN_OFF.search(tail or head):
        agencies.add("Reuters")
    for piece in (head, tail):
        for g in _BY_AGENCY.finditer(piece):
            agencies.add(AGENCY_OF[name_key(g["name"])])
        low = piece.lower()
        for pattern in _COMPILED:
            if not any(w in low for w in _NEEDS[pattern.pattern]):
                continue
            for g in pattern.finditer(piece):
                name = g["name"]
                names = [name] if re.match(r"(?:https?://)?(?:[\w-]+\.)+[a-z]{2,6}\b", name, re.I) else \
                    re.split(r"\s*(?:/|,| and | & )\s*", name)
                for name in names:
                    key = name_key(name)
                    if not key or len(key) < 2:
                        continue
                    if key in AGENCY_OF:
                        agencies.add(AGENCY_OF[key])
                    elif _AGENCY_STAFF.match(name + " contributed") or _CREDIT_LINE.fullmatch(name.strip()):
                        continue  # "Associated Press writer Jane Doe", "AFP 2024": an agency, read above
                    elif len(key) >= 4:
                        outlets.add(key)
    return Credits(tuple(sorted(agencies)), tuple(sorted(outlets)), tuple(sorted(photo - agencies)))
