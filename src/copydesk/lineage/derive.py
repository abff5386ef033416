"""Who took whose text: the direction of every match, the source of every copy cluster, outlets.

One pure function, :func:`derive`, over the documents' facts (:class:`DocFacts`: outlet, date,
credits) and the verified matches and clusters. Both engines call it, so they agree.

Evidence for a direction, in the order it is weighed (the first that decides wins):

1. ``credit``: one side credits the other's outlet ("Source: ...", "first appeared in ...",
   "read the full story at ..."), or the agency the other side is.
2. ``siblings``: both credit one agency and neither is that agency: two printings of a source
   outside the corpus. Neither is derived; ``credited_source`` names the agency.
3. ``wrapper``: one side is a page holding another article too (``:a_part`` / ``:b_part``): a
   page wrapping two articles took them. Not where the other side is an excerpt (it lies
   inside the wrapper's copy) or was published at least ``min_lag_hours`` after the wrapper.
4. ``published``: one side was published at least ``min_lag_hours`` before the other (dates as
   intervals, :class:`~copydesk.lineage.dates.DateSpan`: two dates of one day without a time
   never decide, a crawl date only bounds from above).
5. ``containment``: an excerpt (``kind == "excerpt"``) took from the text it lies in.
6. ``outlet``: nothing above decides (dates missing or too close, no credit), but the outlets'
   record on the pairs decided above does: outlet X's documents took from outlet Y's at least
   ``min_outlet_pairs`` times and never the other way; or X is a republisher (it took in at
   least ``republisher_share`` of its decided pairs, over ``min_republisher_pairs`` or more)
   and Y is not (at most ``1 - republisher_share``).

Anything else: ``derived`` is null. ``same_story`` matches (no shared text) get no direction.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from copydesk.lineage.credits import AGENCY_OF, Credits, find_credits, name_key, outlet_key
from copydesk.lineage.config import LineageConfig
from copydesk.lineage.dates import DateSpan, parse_date, text_date, url_date
from copydesk.types import Cluster, Match

__all__ = [
    "BASES",
    "ClusterLineage",
    "DocFacts",
    "Direction",
    "Lineage",
    "LineageConfig",
    "OutletRecord",
    "derive",
    "doc_facts",
    "outlet_of",
]

BASES: tuple[str, ...] = ("credit", "siblings", "wrapper", "published", "containment", "outlet")
"""Values of ``direction_basis``, in the order the evidence is weighed."""

_FILE_SUFFIXES = (".txt", ".md", ".html", ".htm", ".html.gz", ".htm.gz")


@dataclass(frozen=True, slots=True)
class DocFacts:
    """What lineage needs to know about one document.

    Attributes:
        id: The document's id.
        outlet: Its outlet: the ``source`` field, else the URL's host, else the first folder
            of a file path id (``wire/story.txt`` -> ``wire``); None when unknown.
        published: Its publication date as given or found (ISO 8601 preferred).
        published_origin: Where the date came from (:data:`~copydesk.lineage.dates.DATE_ORIGINS`).
        credits: The agencies and outlets its text credits.
    """

    id: str
    outlet: str | None = None
    published: str | None = None
    published_origin: str | None = None
    credits: Credits = field(default_factory=Credits)

    @property
    def outlet_key(self) -> str | None:
        return outlet_key(self.outlet) if self.outlet else None

    @property
    def date(self) -> DateSpan | None:
        return parse_date(self.published, self.published_origin)


def outlet_of(doc_id: str, source: str | None, url: str | None) -> str | None:
    """A document's outlet (see :attr:`DocFacts.outlet`)."""
    if source:
        return source
    if url:
        from copydesk.ingest.html import source_of

        host = source_of(url)
        if host:
            return host
    if "/" in doc_id and doc_id.lower().endswith(_FILE_SUFFIXES):
        return doc_id.split("/", 1)[0]
    return None


def doc_facts(doc_id: str, text: str, source: str | None = None, url: str | None = None,
              published: str | None = None, published_origin: str | None = None) -> DocFacts:
    """A document's facts: outlet, date with its origin, credits.

    A date given by the input wins (its origin as the reader recorded it, ``jsonl`` when
    none); else a date in the URL's path (``url``); else a date line in the text's head
    (``text``).

    Example:
        >>> doc_facts("a/x.txt", "Title\\nApril 3, 2024\\n\\nPARIS (AFP) - ...").published_origin
        'text'
    """
    origin = published_origin
    if published:
        origin = origin or "jsonl"
    elif (found := url_date(url)) is not None:
        published, origin = found, "url"
    elif (found := text_date(text)) is not None:
        published, origin = found, "text"
    else:
        origin = None
    return DocFacts(doc_id, outlet_of(doc_id, source, url), published, origin, find_credits(text))


@dataclass(frozen=True, slots=True)
class Direction:
    """Who took the text of one match.

    Attributes:
        derived: Id of the side that took the text, or None.
        basis: What decided it (one of :data:`BASES`), or None.
        credited_source: For ``siblings``: the agency both credit.
        lag_hours: Hours from the source's publication to the derived one's, when both dates are
            known (negative when the dates disagree with a stronger basis).
    """

    derived: str | None = None
    basis: str | None = None
    credited_source: str | None = None
    lag_hours: float | None = None


@dataclass(frozen=True, slots=True)
class ClusterLineage:
    """The lineage of one copy cluster.

    Attributes:
        source: The member every other member derives from (through the edges), or None.
        credited_source: The agency most members credit, or None.
        edges: ``(source id, derived id, basis)`` of every decided match inside the cluster, sorted.
    """

    source: str | None = None
    credited_source: str | None = None
    edges: tuple[tuple[str, str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class OutletRecord:
    """One line of ``outlets.jsonl``.

    Attributes:
        outlet: The outlet.
        documents: Its documents in the corpus.
        derived_documents: Those that took their text from another outlet's document.
        derived_share: ``derived_documents / documents``.
        takes_from: ``(outlet, pairs, median lag in hours or None)``, most pairs first.
        taken_by: The same, the other way.
    """

    outlet: str
    documents: int
    derived_documents: int
    derived_share: float
    takes_from: tuple[tuple[str, int, float | None], ...] = ()
    taken_by: tuple[tuple[str, int, float | None], ...] = ()


@dataclass(frozen=True)
class Lineage:
    """What :func:`derive` found.

    Attributes:
        directions: One per match, in the order of the matches given.
        clusters: Per copy cluster id.
        outlets: One per outlet, sorted by outlet.
    """

    directions: tuple[Direction, ...]
    clusters: Mapping[str, ClusterLineage]
    outlets: tuple[OutletRecord, ...]


def _credits_outlet(f: DocFacts, other: DocFacts) -> bool:
    key = other.outlet_key
    if not key:
        return False
    if key in f.credits.outlets:
        return True
    agency = AGENCY_OF.get(key) or AGENCY_OF.get(name_key(other.outlet or ""))
    return agency is not None and agency in f.credits.agencies


def _is_agency(f: DocFacts, agency: str) -> bool:
    key = f.outlet_key
    return bool(key) and (AGENCY_OF.get(key) == agency or key == name_key(agency))


def _lag(src: DateSpan | None, dst: DateSpan | None) -> float | None:
    if src is None or dst is None or src.mid is None or dst.mid is None:
        return None
    return round((dst.mid - src.mid) / 3600, 2)


def _direct(m: Match, fa: DocFacts, fb: DocFacts, da: DateSpan | None, db: DateSpan | None,
            lag_s: float) -> Direction:
    """Evidence 1-5 of the module docstring for one match."""
    if m.kind == "same_story":
        return Direction()

    def took(doc: str, basis: str) -> Direction:
        src, dst = (db, da) if doc == m.a else (da, db)
        return Direction(doc, basis, None, _lag(src, dst))

    a_credits, b_credits = _credits_outlet(fa, fb), _credits_outlet(fb, fa)
    if a_credits != b_credits:
        return took(m.a if a_credits else m.b, "credit")
    common = sorted(set(fa.credits.agencies) & set(fb.credits.agencies))
    common = [g for g in common if not _is_agency(fa, g) and not _is_agency(fb, g)]
    if common:
        return Direction(None, "siblings", common[0], None)
    tags = m.method.split(":")[1:]
    part_a, part_b = "a_part" in tags, "b_part" in tags
    if part_a != part_b:
        wrapper, w_date, o_date = (m.a, da, db) if part_a else (m.b, db, da)
        # A wrapper took the whole of the other side's article; not an excerpt of it (an excerpt
        # lies inside the wrapper's copy: a forum quoting a page that also prints a second
        # story), nor a text published at least min_lag_hours after it (the seeds' full print
        # carries a "read also" article and precedes the content farm's rewrite by days).
        contradicted = w_date is not None and o_date is not None and w_date.before(o_date, lag_s)
        if m.kind != "excerpt" and not contradicted:
            return took(wrapper, "wrapper")
    if da is not None and db is not None:
        if da.before(db, lag_s):
            return took(m.b, "published")
        if db.before(da, lag_s):
            return took(m.a, "published")
    if m.kind == "excerpt":
        return took(m.a if m.containment_a >= m.containment_b else m.b, "containment")
    return Direction()


def derive(facts: Mapping[str, DocFacts], matches: Sequence[Match], clusters: Sequence[Cluster] = (),
           config: LineageConfig | None = None) -> Lineage:
    """Directions of the matches, sources of the copy clusters, the outlet table.

    Pure: the same facts and matches give the same answer, whatever their order.

    Args:
        facts: Per document id (documents missing here are treated as knowing nothing).
        matches: The run's verified matches.
        clusters: The run's clusters (only ``copy`` clusters get a lineage).
        config: Thresholds; defaults when None.

    Returns:
        The lineage.

    Example:
        >>> fa = DocFacts("a", "x.com", "2024-01-01T08:00:00Z", "jsonl")
        >>> fb = DocFacts("b", "y.com", "2024-01-01T12:00:00Z", "jsonl")
        >>> m = Match("a", "b", "near_duplicate", 0.9, 0.9, 1.0, 1.0)
        >>> derive({"a": fa, "b": fb}, [m]).directions[0]
        Direction(derived='b', basis='published', credited_source=None, lag_hours=4.0)
    """
    config = config or LineageConfig()
    lag_s = config.min_lag_hours * 3600
    empty: dict[str, DocFacts] = {}
    dates: dict[str, DateSpan | None] = {}

    def get(doc: str) -> DocFacts:
        f = facts.get(doc)
        if f is None:
            f = empty.setdefault(doc, DocFacts(doc))
        if doc not in dates:
            dates[doc] = f.date
        return f

    directions = []
    for m in matches:
        fa, fb = get(m.a), get(m.b)
        directions.append(_direct(m, fa, fb, dates[m.a], dates[m.b], lag_s))

    def outlet(doc: str) -> str | None:
        return get(doc).outlet

    # Outlet evidence: every pair decided by its own evidence, between two outlets.
    pair_counts: Counter[tuple[str, str]] = Counter()
    for m, d in zip(matches, directions):
        if d.derived is None:
            continue
        taker, giver = outlet(d.derived), outlet(m.b if d.derived == m.a else m.a)
        if taker and giver and taker != giver:
            pair_counts[(taker, giver)] += 1
    took_n: Counter[str] = Counter()
    gave_n: Counter[str] = Counter()
    for (taker, giver), n in pair_counts.items():
        took_n[taker] += n
        gave_n[giver] += n

    def share(o: str) -> float | None:
        total = took_n[o] + gave_n[o]
        return took_n[o] / total if total >= config.min_republisher_pairs else None

    def outlet_decides(oa: str, ob: str) -> bool:
        """Whether the record says outlet ``oa`` takes from ``ob``."""
        if pair_counts[(oa, ob)] >= config.min_outlet_pairs and pair_counts[(ob, oa)] == 0:
            return True
        sa, sb = share(oa), share(ob)
        return (pair_counts[(ob, oa)] == 0 and sa is not None and sb is not None
                and sa >= config.republisher_share and sb <= 1 - config.republisher_share)

    for k, (m, d) in enumerate(zip(matches, directions)):
        if d.derived is not None or d.basis is not None or m.kind == "same_story":
            continue
        oa, ob = outlet(m.a), outlet(m.b)
        if not oa or not ob or oa == ob:
            continue
        if outlet_decides(oa, ob):
            directions[k] = Direction(m.a, "outlet", None, _lag(dates[m.b], dates[m.a]))
        elif outlet_decides(ob, oa):
            directions[k] = Direction(m.b, "outlet", None, _lag(dates[m.a], dates[m.b]))

    return Lineage(tuple(directions), _cluster_lineage(matches, directions, clusters, get),
                   _outlets(facts, matches, directions, get))


def _cluster_lineage(matches: Sequence[Match], directions: Sequence[Direction], clusters: Sequence[Cluster],
                     get) -> dict[str, ClusterLineage]:
    copy = [c for c in clusters if c.kind == "copy"]
    cluster_of = {d: c.id for c in copy for d in c.members}
    edges: dict[str, set[tuple[str, str, str]]] = defaultdict(set)
    for m, d in zip(matches, directions):
        c = cluster_of.get(m.a)
        if d.derived is None or c is None or cluster_of.get(m.b) != c:
            continue
        src = m.b if d.derived == m.a else m.a
        edges[c].add((src, d.derived, d.basis or ""))
    out = {}
    for c in copy:
        es = sorted(edges.get(c.id, ()))
        incoming = {dst for _, dst, _ in es}
        roots = [d for d in c.members if d not in incoming]
        source = None
        if len(roots) == 1:
            children: dict[str, list[str]] = defaultdict(list)
            for s, t, _ in es:
                children[s].append(t)
            seen, stack = {roots[0]}, [roots[0]]
            while stack:
                for t in children[stack.pop()]:
                    if t not in seen:
                        seen.add(t)
                        stack.append(t)
            if len(seen) == len(c.members):
                source = roots[0]
        agencies = Counter(g for d in c.members for g in get(d).credits.agencies)
        if not agencies:  # a photo credit names the agency only where no text credits one
            agencies = Counter(g for d in c.members for g in get(d).credits.photo_agencies)
        credited = min(agencies, key=lambda g: (-agencies[g], g)) if agencies else None
        out[c.id] = ClusterLineage(source, credited, tuple(es))
    return out


def _outlets(facts: Mapping[str, DocFacts], matches: Sequence[Match], directions: Sequence[Direction],
             get) -> tuple[OutletRecord, ...]:
    docs: Counter[str] = Counter(f.outlet for f in facts.values() if f.outlet)
    derived_docs: dict[str, set[str]] = defaultdict(set)
    lags: dict[tuple[str, str], list[float]] = defaultdict(list)
    pairs: Counter[tuple[str, str]] = Counter()
    for m, d in zip(matches, directions):
        if d.derived is None:
            continue
        src = m.b if d.derived == m.a else m.a
        taker, giver = get(d.derived).outlet, get(src).outlet
        if not taker or not giver or taker == giver:
            continue
        derived_docs[taker].add(d.derived)
        pairs[(taker, giver)] += 1
        if d.lag_hours is not None:
            lags[(taker, giver)].append(d.lag_hours)

    def median(key: tuple[str, str]) -> float | None:
        return round(statistics.median(lags[key]), 2) if lags.get(key) else None

    records = []
    for o in sorted(docs):
        takes = sorted(((g, n, median((t, g))) for (t, g), n in pairs.items() if t == o), key=lambda r: (-r[1], r[0]))
        taken = sorted(((t, n, median((t, g))) for (t, g), n in pairs.items() if g == o), key=lambda r: (-r[1], r[0]))
        n_derived = len(derived_docs.get(o, ()))
        records.append(OutletRecord(o, docs[o], n_derived, round(n_derived / docs[o], 4), tuple(takes), tuple(taken)))
    return tuple(records)
