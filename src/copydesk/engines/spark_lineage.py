"""Lineage on the Spark engine: the documents' facts on the executors, then
:func:`copydesk.lineage.derive` on the driver over the written matches and clusters, whose lines
gain the lineage fields exactly as the local engine writes them.

The facts (outlet, date, credits: a few hundred bytes a document) and the matches' scalar fields
are collected to the driver; a distributed lineage is part of the deferred engine refactor.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from copydesk.config import Config

__all__ = ["FACTS_SCHEMA", "FACT_COLUMNS", "annotate_folder", "annotate_outputs", "facts_frame"]

FACTS_SCHEMA = ("id string, outlet string, published string, published_origin string, "
                "agencies array<string>, outlets array<string>, photo_agencies array<string>")


def _none(value: Any) -> Any:
    return None if value is None or (isinstance(value, float) and value != value) else value


FACT_COLUMNS = ("outlet", "published", "published_origin", "agencies", "outlets", "photo_agencies")


def facts_frame(ids: Any, texts: Any, sources: Any, urls: Any, published: Any, origins: Any) -> Any:
    """:func:`copydesk.lineage.doc_facts` of a batch of documents as a pandas frame of
    :data:`FACTS_SCHEMA`'s columns (pure: the Spark engine calls it inside its analyse pass, so
    the texts are read once for the analysis and the facts)."""
    import pandas as pd

    from copydesk.lineage import doc_facts

    rows = []
    for doc_id, text, source, url, pub, origin in zip(ids, texts, sources, urls, published, origins):
        f = doc_facts(doc_id, text or "", _none(source), _none(url), _none(pub), _none(origin))
        rows.append({"id": f.id, "outlet": f.outlet, "published": f.published,
                     "published_origin": f.published_origin, "agencies": list(f.credits.agencies),
                     "outlets": list(f.credits.outlets), "photo_agencies": list(f.credits.photo_agencies)})
    frame = pd.DataFrame(rows, columns=["id", *FACT_COLUMNS])
    strings = ["id", "outlet", "published", "published_origin"]
    frame[strings] = frame[strings].astype(object).where(frame[strings].notna(), None)
    return frame


def _facts_fn(batches: Iterator[Any]) -> Iterator[Any]:
    for pdf in batches:
        yield facts_frame(pdf["id"], pdf["text"], pdf["source"], pdf["url"], pdf["published"],
                          pdf["published_origin"])


def annotate_outputs(docs: Any, folder: Path, config: Config, facts: Any = None) -> None:
    """Add the lineage fields to ``documents.jsonl``, ``matches.jsonl`` and ``clusters.jsonl`` in
    ``folder`` and write ``outlets.jsonl``, as :func:`copydesk.pipeline` writes them.

    Args:
        docs: The run's documents (``id, text, source, url, published, published_origin``).
        folder: The output folder being written (JSONL files).
        config: The run's configuration.
        facts: The documents' facts already computed (a frame of :data:`FACTS_SCHEMA`), or
            None: computed here from ``docs``.
    """
    from copydesk.lineage import DocFacts
    from copydesk.lineage.credits import Credits

    if facts is None:
        facts = (docs.select("id", "text", "source", "url", "published", "published_origin")
                 .mapInPandas(_facts_fn, FACTS_SCHEMA))
    rows = facts.toLocalIterator()
    by_id = {r.id: DocFacts(r.id, r.outlet, r.published, r.published_origin,
                            Credits(tuple(r.agencies or ()), tuple(r.outlets or ()),
                                    tuple(r.photo_agencies or ()))) for r in rows}
    annotate_folder(folder, by_id, config)


def annotate_folder(folder: Path, facts: dict, config: Config) -> None:
    """The driver's half of :func:`annotate_outputs`: given every document's facts, rewrite the
    JSONL outputs in ``folder`` with the lineage fields and write ``outlets.jsonl``."""
    from copydesk.lineage import derive
    from copydesk.lineage.records import (
        cluster_fields,
        document_fields,
        match_fields,
        match_from_record,
        outlet_records,
    )
    from copydesk.store import dumps
    from copydesk.types import Cluster

    def lines(name: str) -> Iterator[dict[str, Any]]:
        with open(folder / name, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    yield json.loads(line)

    matches = [match_from_record(r) for r in lines("matches.jsonl")]
    clusters = [Cluster(r["id"], r["kind"], tuple(r["members"]), r["representative"])
                for r in lines("clusters.jsonl")]
    lineage = derive(facts, matches, clusters, config.lineage)

    def rewrite(name: str, records: Iterator[dict[str, Any]]) -> None:
        tmp = folder / f".{name}.lineage"
        with open(tmp, "w", encoding="utf-8", newline="\n") as f:
            for record in records:
                f.write(dumps(record))
                f.write("\n")
        os.replace(tmp, folder / name)

    rewrite("matches.jsonl", (r | match_fields(d) for r, d in zip(lines("matches.jsonl"), lineage.directions)))
    rewrite("clusters.jsonl", (r | cluster_fields(lineage.clusters.get(r["id"]) if r["kind"] == "copy" else None)
                               for r in lines("clusters.jsonl")))
    rewrite("documents.jsonl", (document_fields(r, facts.get(r["id"])) for r in lines("documents.jsonl")))
    with open(folder / "outlets.jsonl", "w", encoding="utf-8", newline="\n") as f:
        for record in outlet_records(lineage):
            f.write(dumps(record))
            f.write("\n")
