"""The lineage fields of the output records, written the same way by every engine."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from copydesk.lineage.derive import ClusterLineage, DocFacts, Direction, Lineage
from copydesk.store import OUTPUT_FORMAT
from copydesk.types import Cluster, Match

__all__ = ["cluster_fields", "direction_sentence", "document_fields", "match_from_record", "match_fields", "outlet_records",
           "with_source_representatives"]


def document_fields(record: dict[str, Any], facts: DocFacts | None) -> dict[str, Any]:
    """``record`` (a ``documents.jsonl`` line) with ``published`` and ``published_origin`` from
    ``facts``, placed where ``published`` goes (before ``boilerplate``). Both keys are on every
    line (output format 2): ``null`` where no date is known."""
    dated = facts is not None and facts.published is not None
    published = facts.published if dated else record.get("published")
    origin = facts.published_origin if dated else record.get("published_origin")
    out: dict[str, Any] = {}
    for key, value in record.items():
        if key in ("published", "published_origin"):
            continue
        if key == "boilerplate":
            out["published"] = published
            out["published_origin"] = origin
        out[key] = value
    if "published" not in out:
        out["published"] = published
        out["published_origin"] = origin
    return out


def match_fields(d: Direction) -> dict[str, Any]:
    """The lineage fields of a ``matches.jsonl`` line."""
    return {"derived": d.derived, "direction_basis": d.basis, "credited_source": d.credited_source,
            "lag_hours": d.lag_hours}


def cluster_fields(c: ClusterLineage | None) -> dict[str, Any]:
    """The lineage fields of a copy cluster's ``clusters.jsonl`` line."""
    c = c or ClusterLineage()
    return {"source": c.source, "credited_source": c.credited_source,
            "edges": [{"from": s, "to": t, "basis": b} for s, t, b in c.edges]}


def outlet_records(lineage: Lineage) -> Iterator[dict[str, Any]]:
    """The lines of ``outlets.jsonl``."""
    for o in lineage.outlets:
        yield {"copydesk_output": OUTPUT_FORMAT, "outlet": o.outlet, "documents": o.documents,
               "derived_documents": o.derived_documents, "derived_share": o.derived_share,
               "takes_from": [{"outlet": x, "pairs": n, "median_lag_hours": lag} for x, n, lag in o.takes_from],
               "taken_by": [{"outlet": x, "pairs": n, "median_lag_hours": lag} for x, n, lag in o.taken_by]}


def match_from_record(record: dict[str, Any]) -> Match:
    """The fields of a match that lineage reads, from a ``matches.jsonl`` record (passages left out)."""
    return Match(record["a"], record["b"], record["kind"], record["score"], record["jaccard"],
                 record["containment_a"], record["containment_b"], (), record["method"])


def with_source_representatives(clusters: Iterable[Cluster], lineage: Lineage) -> list[Cluster]:
    """``cluster.representative = "source"``: each copy cluster's source, where it has one,
    represents it (the representative of the ``longest`` rule elsewhere)."""
    out = []
    for c in clusters:
        info = lineage.clusters.get(c.id)
        if c.kind == "copy" and info is not None and info.source is not None:
            c = Cluster(c.id, c.kind, c.members, info.source)
        out.append(c)
    return out




_BASIS_WHY = {
    "credit": "its text credits the other's outlet",
    "wrapper": "it is a page holding another article too",
    "published": "it was published later",
    "containment": "it is an excerpt of the other",
    "outlet": "its outlet's record: its dated copies of the other outlet's documents all came later",
}


def direction_sentence(match: dict[str, Any]) -> str:
    """Who took from whom in a ``matches.jsonl`` record, and why, in one sentence (``explain``)."""
    derived, basis = match.get("derived"), match.get("direction_basis")
    if derived is None:
        if basis == "siblings":
            return f"neither: both print {match.get('credited_source')}'s copy (siblings)"
        return "not known: no dates that differ, no credit line, no excerpt, no outlet record"
    source = match["b"] if derived == match["a"] else match["a"]
    lag = match.get("lag_hours")
    when = f", {lag:g} hours later" if lag is not None else ""
    return f"{derived} took from {source}: {_BASIS_WHY.get(basis, basis)} ({basis}{when})"
