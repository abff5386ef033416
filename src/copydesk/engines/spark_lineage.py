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

__all__ = ["FACTS_SCHEMA", "annotate_folder", "annotate_outputs"]

FACTS_SCHEMA = ("id string, outlet string, published string, published_origin string, "
                "agencies array<string>, outlets array<string>, photo_agencies array<string>")


def _none(value: Any) -> Any:
    return None if value is None or (isinstance(value, float) and value != value) else value


def _facts_fn(batches: Iterator[Any]) -> Iterator[Any]:
    import pandas as pd

    from copydesk.lineage import doc_facts

    for pdf in batches:
        rows = []
        for r in pdf.itertuples(index=False):
            f = doc_facts(r.id, r.text or "", _none(r.source), _none(r.url), _none(r.published),
                          _none(r.published_origin))
            rows.append({"id": f.id, "outlet": f.outlet, "published": f.published,
                         "published_origin": f.published_origin, "agencies": list(f.credits.agencies),
                         "outlets": list(f.credits.outlets), "photo_agencies": list(f.credits.photo_agencies)})
        frame = pd.DataFrame(rows, columns=["id", "outlet", "published", "published_origin", "agencies", "outlets",
                                            "photo_agencies"])
        strings = ["id", "outlet", "published", "published_origin"]
        frame[strings] = frame[strings].astype(object).where(frame[strings].notna(), None)
        yield frame


def annotate_outputs(docs: Any, folder: Path, config: Config) -> None:
    """Add the lineage fields to ``documents.jsonl``, ``matches.jsonl`` and ``clusters.jsonl`` in
    ``folder`` and write ``outlets.jsonl``, as :func:`copydesk.pipeline` writes them.

    Args:
        docs: The run's documents (``id, text, source, url, published, published_origin``).
        folder: The output folder being written (JSONL files).
        config: The run's configuration.
    """
    from copydesk.lineage import DocFacts
    from copydesk.lineage.credits import Credits

    rows = (docs.select("id", "text", "source", "url", "published", "published_origin")
            .mapInPandas(_facts_fn, FACTS_SCHEMA).toLocalIterator())
    facts = {r.id: DocFacts(r.id, r.outlet, r.published, r.published_origin,
                            Credits(tuple(r.agencies or ()), tuple(r.outlets or ()),
                                    tuple(r.photo_agencies or ()))) for r in rows}
    annotate_folder(folder, facts, config)


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
