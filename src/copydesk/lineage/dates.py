"""Publication dates: parsing what inputs give, reading date lines in a text, and where a date came from.

A date is held as a :class:`DateSpan`, the interval in which the document was published, in
seconds since the epoch (UTC):

- a timestamp (``2024-04-22T03:16:42Z``) is a point;
- a day (``2024-04-22``, ``April 22, 2024``) is the whole day;
- a crawl date (a WARC record's ``WARC-Date``) says only that the page existed then: the
  interval is open to the past. So a crawl date can show that a page came *before* a later
  publication, never after one: it weighs less than a publication date, by construction.

Naive timestamps are read as UTC (a page that omits its zone can be off by up to 14 hours; the
direction rule's ``min_lag_hours`` does not cover that, a day-only date does).

Date lines in a text are found with a table of month names per language
(:data:`MONTHS`); a language plugs in by adding its row. Only the head of a text is read (the
title, dateline and byline lines), where a page prints its own date; a date deep in the body is
usually the date of an event.

Example:
    >>> parse_date("2024-04-17").day_only
    True
    >>> text_date("Storm hits coast\\nApril 17, 2024 10:32 GMT\\n\\nThe storm...")
    '2024-04-17T10:32:00+00:00'
"""

from __future__ import annotations

import email.utils
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

__all__ = [
    "DATE_ORIGINS",
    "MONTHS",
    "DateSpan",
    "html_date",
    "parse_date",
    "text_date",
    "url_date",
]

DATE_ORIGINS: tuple[str, ...] = ("jsonl", "html_meta", "jsonld", "time_tag", "url", "text", "warc_crawl")
"""Where a ``published`` value came from (``documents.jsonl`` field ``published_origin``)."""

MONTHS: dict[str, dict[str, int]] = {
    "en": {"january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
           "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
           "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
           "oct": 10, "nov": 11, "dec": 12},
    "fr": {"janvier": 1, "février": 2, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6,
           "juillet": 7, "août": 8, "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11,
           "décembre": 12, "decembre": 12},
    "de": {"januar": 1, "jänner": 1, "februar": 2, "märz": 3, "maerz": 3, "april": 4, "mai": 5,
           "juni": 6, "juli": 7, "august": 8, "september": 9, "oktober": 10, "november": 11,
           "dezember": 12},
    "es": {"enero": 1, "febrero": 2, "marzo": 3, "abril": 4, "mayo": 5, "junio": 6, "julio": 7,
           "agosto": 8, "septiembre": 9, "setiembre": 9, "octubre": 10, "noviembre": 11, "diciembre": 12},
    "it": {"gennaio": 1, "febbraio": 2, "marzo": 3, "aprile": 4, "maggio": 5, "giugno": 6, "luglio": 7,
           "agosto": 8, "settembre": 9, "ottobre": 10, "novembre": 11, "dicembre": 12},
    "pt": {"janeiro": 1, "fevereiro": 2, "março": 3, "marco": 3, "abril": 4, "maio": 5, "junho": 6,
           "julho": 7, "agosto": 8, "setembro": 9, "outubro": 10, "novembro": 11, "dezembro": 12},
    "nl": {"januari": 1, "februari": 2, "maart": 3, "april": 4, "mei": 5, "juni": 6, "juli": 7,
           "augustus": 8, "september": 9, "oktober": 10, "november": 11, "december": 12},
}
"""Month names (and English abbreviations) per language, lower case. A name shared by two
languages must mean the same month (it does: ``april``, ``mai``, ``agosto``...)."""

_MONTH = {name: month for table in MONTHS.values() for name, month in table.items()}
_MONTH_RE = "|".join(sorted(map(re.escape, _MONTH), key=len, reverse=True))
_TIME = r"(?:,?\s*(?:at\s+|um\s+|à\s+|a las\s+)?(?P<hh>\d{1,2})[:.h](?P<mm>\d{2})(?::(?P<ss>\d{2}))?\s*(?P<ampm>[ap]\.?m\.?)?" \
        r"\s*(?P<tz>UTC|GMT|Z|[+-]\d{2}:?\d{2})?)?"
# "April 17, 2024", "Apr. 17 2024" (month first, English usage)
_MDY = re.compile(rf"\b(?P<mon>{_MONTH_RE})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>(?:19|20)\d\d)\b{_TIME}",
                  re.IGNORECASE)
# "17 April 2024", "17. April 2024", "17 de abril de 2024", "17 avril 2024"
_DMY = re.compile(rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th|er)?\.?\s+(?:de\s+)?(?P<mon>{_MONTH_RE})\.?,?\s+(?:de\s+|del\s+)?"
                  rf"(?P<y>(?:19|20)\d\d)\b{_TIME}", re.IGNORECASE)
# "2024-04-22", "2024-04-22 03:16:42", "2024-04-22T03:16:42+02:00", "2024/04/22"
_ISO = re.compile(r"\b(?P<y>(?:19|20)\d\d)(?P<sep>[-/])(?P<m>\d\d)(?P=sep)(?P<d>\d\d)"
                  r"(?:[T ](?P<hh>\d\d):(?P<mm>\d\d)(?::(?P<ss>\d\d)(?:\.\d+)?)?\s*(?P<tz>Z|UTC|GMT|[+-]\d\d:?\d\d)?)?(?!\d)")
_URL_DATE = re.compile(r"/(?P<y>(?:19|20)\d\d)[/-](?P<m>[01]?\d)[/-](?P<d>[0-3]?\d)(?:/|-|$)")

TEXT_HEAD_CHARS = 400
"""How much of a text's head :func:`text_date` reads: the title, dateline and byline lines of
the pages in the lineage corpus and the scrapinghub benchmark fit in it; further down, dates
are mostly those of events."""


@dataclass(frozen=True, slots=True)
class DateSpan:
    """When a document was published: ``[lo, hi]`` in seconds since the epoch, UTC.

    Attributes:
        lo: Earliest possible publication (``-inf`` for a crawl date).
        hi: Latest possible publication.
        day_only: Whether the date had no time of day.
    """

    lo: float
    hi: float
    day_only: bool = False

    def before(self, other: DateSpan, min_lag_s: float) -> bool:
        """Whether this was surely published at least ``min_lag_s`` before ``other``."""
        return self.hi + min_lag_s <= other.lo

    @property
    def mid(self) -> float | None:
        """A point estimate (for lags); None for a crawl date."""
        return None if self.lo == float("-inf") else (self.lo + self.hi) / 2


def _span(dt: datetime, day_only: bool, origin: str | None) -> DateSpan:
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    t = dt.timestamp()
    hi = t + 86400 - 1 if day_only else t
    lo = float("-inf") if origin == "warc_crawl" else t
    return DateSpan(lo, hi, day_only)


def parse_date(value: str | None, origin: str | None = None) -> DateSpan | None:
    """Parse a ``published`` value (ISO 8601 day or timestamp, RFC 2822, a text date line).

    Args:
        value: The value as given.
        origin: Its origin (one of :data:`DATE_ORIGINS`); ``warc_crawl`` makes the interval
            open to the past.

    Returns:
        The interval, or None when the value is not a date.
    """
    if not value:
        return None
    value = value.strip()
    try:
        dt = datetime.fromisoformat(value.replace(" UTC", "+00:00").replace(" GMT", "+00:00"))
        return _span(dt, len(value) <= 10, origin)
    except ValueError:
        pass
    try:
        dt = email.utils.parsedate_to_datetime(value)
        return _span(dt, False, origin)
    except (TypeError, ValueError, IndexError):
        pass
    found = _find_date(value)
    return _span(found[0], found[1], origin) if found else None


def _tz(text: str | None) -> timezone | None:
    if not text or text.upper() in ("Z", "UTC", "GMT"):
        return timezone.utc if text else None
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:4])))


def _build(y: int, m: int, d: int, g: re.Match[str]) -> tuple[datetime, bool] | None:
    groups = g.groupdict()
    try:
        if groups.get("hh") is None:
            return datetime(y, m, d), True
        hh = int(groups["hh"])
        ampm = (groups.get("ampm") or "").lower().replace(".", "")
        if ampm == "pm" and hh < 12:
            hh += 12
        elif ampm == "am" and hh == 12:
            hh = 0
        return datetime(y, m, d, hh, int(groups["mm"]), int(groups.get("ss") or 0), tzinfo=_tz(groups.get("tz"))), False
    except ValueError:  # 31 February, 25 o'clock: not a date
        return None


def _find_date(text: str) -> tuple[datetime, bool] | None:
    """The first date in ``text`` (earliest position; at one position the longest form)."""
    best: tuple[int, tuple[datetime, bool]] | None = None
    for pattern in (_ISO, _MDY, _DMY):
        for g in pattern.finditer(text):
            if best is not None and g.start() >= best[0]:
                break
            month = int(g["m"]) if "m" in g.groupdict() and g.groupdict()["m"] else _MONTH.get(g["mon"].lower())
            if not month or not 1 <= month <= 12:
                continue
            built = _build(int(g["y"]), month, int(g["d"]), g)
            if built is not None:
                best = (g.start(), built)
                break
    return best[1] if best else None


def _iso(found: tuple[datetime, bool]) -> str:
    dt, day_only = found
    return dt.date().isoformat() if day_only else dt.isoformat()


def text_date(text: str, head_chars: int = TEXT_HEAD_CHARS) -> str | None:
    """The date a text prints in its head (title, dateline or byline), as ISO 8601.

    Args:
        text: The document's text.
        head_chars: How many characters of the head to read.

    Returns:
        ``YYYY-MM-DD`` or a timestamp (``YYYY-MM-DDTHH:MM:SS[+zone]``), or None.
    """
    for line in text[:head_chars].splitlines():
        found = _date_line(line)
        if found:
            return _iso(found)
    return None


# A date line: the date is most of the line ("Published: April 17, 2024 10:32 GMT",
# "By Jane Roe | 17 April 2024"), or it opens or closes the line next to a separator (a title
# "... | 2024-04-22 03:16:42", a dateline "April 17, 2024 - The council ..."). A date inside a
# sentence ("the plant closed on March 3, 2019, after...") is an event's, not the page's.
_MAX_OTHER_CHARS = 40
_SEPARATORS = "|-–—•·:/,()[]"


# Every date pattern holds a year of 19xx or 20xx: a line without one (most lines of an article)
# skips the three patterns. Measured: text_date 1.9 -> 0.3 CPU-s on 20,000 documents.
_YEAR = re.compile(r"(?:19|20)\d\d")


def _date_line(line: str) -> tuple[datetime, bool] | None:
    if not _YEAR.search(line):
        return None
    best = None
    for pattern in (_ISO, _MDY, _DMY):
        for g in pattern.finditer(line):
            if best is None or g.start() < best[0].start():
                month = int(g["m"]) if g.groupdict().get("m") else _MONTH.get(g["mon"].lower())
                if month and 1 <= month <= 12 and (built := _build(int(g["y"]), month, int(g["d"]), g)):
                    best = (g, built)
                    break
    if best is None:
        return None
    g, built = best
    before, after = line[: g.start()].strip(), line[g.end():].strip()
    if len(before) + len(after) <= _MAX_OTHER_CHARS:
        return built
    if (not before or before[-1] in _SEPARATORS) and (not after or after[0] in _SEPARATORS):
        return built
    return None


def url_date(url: str | None) -> str | None:
    """A ``/YYYY/MM/DD/`` date in a URL's path, as ``YYYY-MM-DD``."""
    if not url:
        return None
    g = _URL_DATE.search(url)
    if not g:
        return None
    try:
        return datetime(int(g["y"]), int(g["m"]), int(g["d"])).date().isoformat()
    except ValueError:
        return None


_META_NAMES = ("article:published_time", "og:published_time", "datepublished", "pubdate", "publishdate",
               "publish-date", "publish_date", "date", "dc.date", "dc.date.issued", "dcterms.created",
               "sailthru.date", "parsely-pub-date", "article.published", "published_time")
_META = re.compile(r"<meta\b[^>]*>", re.IGNORECASE)
_ATTR = re.compile(r"""(\w[\w:.-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_JSONLD = re.compile(r'"datePublished"\s*:\s*"([^"]+)"')
_TIME_TAG = re.compile(r"<time\b[^>]*\bdatetime\s*=\s*[\"']([^\"']+)[\"']", re.IGNORECASE)


def html_date(html: str, url: str | None = None, fallback: str | None = None) -> tuple[str, str] | None:
    """A page's publication date from its markup, and where it was found.

    Reads, in this order, ``<meta>`` tags (``article:published_time`` and its kin:
    ``html_meta``), JSON-LD ``datePublished`` (``jsonld``), a ``<time datetime>`` tag
    (``time_tag``) and a date in the URL's path (``url``). ``fallback`` (the date htmldate found
    for trafilatura, day precision) is used when none of these parses, as ``html_meta``.

    Args:
        html: The page's markup.
        url: The page's address, when known.
        fallback: A date found by another reader (htmldate), when known.

    Returns:
        ``(date, origin)`` or None.
    """
    head = html[:200_000]
    for tag in _META.finditer(head):
        attrs = {k.lower(): (v1 or v2) for k, v1, v2 in _ATTR.findall(tag.group(0))}
        name = (attrs.get("property") or attrs.get("name") or attrs.get("itemprop") or "").lower()
        if name in _META_NAMES and parse_date(attrs.get("content")):
            return attrs["content"].strip(), "html_meta"
    for value in _JSONLD.findall(head):
        if parse_date(value):
            return value.strip(), "jsonld"
    for value in _TIME_TAG.findall(head):
        if parse_date(value):
            return value.strip(), "time_tag"
    if fallback and parse_date(fallback):
        return fallback, "url" if url_date(url) == fallback[:10] else "html_meta"
    found = url_date(url)
    return (found, "url") if found else None
