"""One run of the Spark engine (see :mod:`copydesk.engines.spark` for the stages).

Functions shipped to executors are module-level and read their inputs from broadcasts, so a
task carries only its rows. Document indices are the local engine's: the position of each
accepted document in reading order; ``id_rank`` is its position in id order.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from copydesk.config import Config
from copydesk.engines.spark_sizing import ARROW_BATCH_BYTES, BYTES_PER_CHAR, shuffle_partitions
from copydesk.languages import Identification, language_counts_of, routed_pair_counts, skipped_pairs
from copydesk.pipeline import ESTIMATE_SLACK, KIND_RANK, Context, RunResult
from copydesk.run_record import MAX_LISTED, run_record, summary_counts
from copydesk.store import OutputFolder, fault_point
from copydesk.types import Span

__all__ = ["SparkRun", "row_numbers"]

ANALYSIS_SCHEMA = ("idx long, boilerplate string, segments string, article_chars long, k0 long, k1 long, "
                   "sig binary, pkeys array<long>, skeys array<long>, "
                   # lineage facts (spark_lineage.FACTS_SCHEMA, prefixed), null unless lineage runs
                   "f_id string, f_outlet string, f_published string, f_published_origin string, "
                   "f_agencies array<string>, f_outlets array<string>, f_photo_agencies array<string>")
MATCH_SCHEMA = ("a string, b string, ia long, ib long, kind string, score double, "
                "jaccard double, containment_a double, containment_b double, passages string, method string, "
                "line string")


def _none(value: Any) -> Any:
    """Null from pandas (None, NaN, pd.NA) as None."""
    if value is None:
        return None
    try:
        if value != value:  # NaN
            return None
    except (TypeError, ValueError):
        return value
    import pandas as pd

    return None if value is pd.NA else value


def _spans_json(spans: Any) -> str:
    return json.dumps([[s.start, s.end, s.reason, s.score] for s in spans])


def _spans(text: str | None) -> tuple[Span, ...]:
    if not text:
        return ()
    return tuple(Span(int(s), int(e), r, float(sc)) for s, e, r, sc in json.loads(text))


def _u64(values: Any) -> np.ndarray:
    return np.asarray(values, dtype=np.int64).view(np.uint64)


def _i64(values: np.ndarray) -> np.ndarray:
    return np.asarray(values, dtype=np.uint64).view(np.int64)


def _plain(pdf: Any) -> Any:
    """The frame with text columns as Python objects: pandas 3 infers Arrow-backed strings,
    which pyspark's Arrow conversion cannot take (it wants one array, gets a chunked one)."""
    import pandas as pd

    text = [c for c in pdf.columns if pdf[c].dtype != object and pd.api.types.is_string_dtype(pdf[c])]
    return pdf.astype({c: object for c in text}) if text else pdf


def _frames(batches: Iterator[Any]) -> Any:
    """All batches of a partition as one pandas frame (for stages that need whole groups)."""
    import pandas as pd

    parts = [b for b in batches if len(b)]
    return pd.concat(parts, ignore_index=True) if parts else None


# --- executor functions ----------------------------------------------------------------------


def _read_fn(config_bc: Any, folder: str):
    """Rows of the read units; relative input paths are the driver's, in ``folder``."""
    def run(batches: Iterator[Any]) -> Iterator[Any]:
        import pandas as pd

        from copydesk.engines.spark_read import driver_folder, read_rows, unit_of

        cfg = config_bc.value.ingest
        for pdf in batches:
            for _, row in pdf.iterrows():
                with driver_folder(folder):
                    rows = list(read_rows(unit_of(row), cfg))
                if rows:
                    frame = pd.DataFrame(rows, columns=["unit", "seq", "id", "text", "work", "chars", "source", "url",
                                                        "published", "origin", "raw", "warnings", "problem",
                                                        "published_origin", "language", "language_confidence",
                                                        "language_spans"])
                    # A unit of problems only has no texts: all-missing columns must be
                    # objects holding None, not float NaN, for Arrow's string columns.
                    strings = ["id", "text", "work", "source", "url", "published", "origin", "raw", "problem",
                               "published_origin", "language", "language_spans"]
                    frame[strings] = frame[strings].astype(object).where(frame[strings].notna(), None)
                    frame["chars"] = frame["chars"].fillna(0).astype(np.int64)
                    yield frame
    return run


def _newlines_fn(folder: str):
    def run(batches: Iterator[Any]) -> Iterator[Any]:
        from copydesk.engines.spark_read import count_newlines, driver_folder

        for pdf in batches:
            pdf = pdf.copy()
            with driver_folder(folder):
                pdf["newlines"] = [count_newlines(json.loads(p)[0], int(s), int(e))
                                   for p, s, e in zip(pdf["paths"], pdf["start"], pdf["end"])]
            yield pdf[["unit", "newlines"]]
    return run


def _line_keys_fn(ctx_bc: Any):
    def run(batches: Iterator[Any]) -> Iterator[Any]:
        import pandas as pd

        from copydesk import clean

        ctx = ctx_bc.value
        for pdf in batches:
            sources, keys = [], []
            for text, source in zip(pdf["text"], pdf["source"]):
                k = clean.line_keys(text, ctx.config.clean)
                keys.append(_i64(k))
                sources.extend([_none(source)] * len(k))
            yield _plain(pd.DataFrame({"source": pd.Series(sources, dtype=object),
                                "key": np.concatenate(keys) if keys else np.zeros(0, np.int64)}))
    return run


def _analyse_fn(ctx_bc: Any, facts: bool = False):
    """The analysis of each document and, with ``facts``, its lineage facts in the same pass
    (each text crosses from the JVM to Python once; ``full`` is the uncut text where ``text``
    was cut at ``ingest.max_doc_chars``, as the local engine reads facts from the whole text)."""
    def run(batches: Iterator[Any]) -> Iterator[Any]:
        import pandas as pd

        from copydesk.engines.spark_lineage import FACT_COLUMNS, facts_frame
        from copydesk.pipeline import analyse

        ctx = ctx_bc.value
        for pdf in batches:
            n = len(pdf)
            a = analyse(ctx, np.arange(n), pdf["text"].tolist(), [_none(s) for s in pdf["source"]],
                        chars=pdf["chars"].tolist())
            if facts:
                texts = [t if _none(full) is None else full for t, full in zip(pdf["text"], pdf["full"])]
                f = facts_frame(pdf["id"], texts, pdf["source"], pdf["url"], pdf["published"],
                                pdf["published_origin"])
                fact_cols = {f"f_{c}": f[c].to_numpy(object) for c in ("id", *FACT_COLUMNS)}
            else:
                fact_cols = {f"f_{c}": [None] * n for c in ("id", *FACT_COLUMNS)}
            out = {
                "idx": pdf["idx"].to_numpy(np.int64),
                "boilerplate": [_spans_json(s) for s in a.boilerplate],
                "segments": [_spans_json(s) for s in a.segments],
                "article_chars": a.article_chars.astype(np.int64),
                "k0": _i64(a.exact_keys[:, 0]),
                "k1": _i64(a.exact_keys[:, 1]),
                "sig": [row.tobytes() for row in a.signatures.values] if a.signatures is not None else [None] * n,
            }
            for name, keys in (("pkeys", a.passage_keys), ("skeys", a.story_keys)):
                if keys is None:
                    out[name] = [None] * n
                else:
                    lengths = np.bincount(keys[1], minlength=n)
                    out[name] = np.split(_i64(keys[0]), np.cumsum(lengths)[:-1])
            out.update(fact_cols)
            yield _plain(pd.DataFrame(out))
    return run


def _exact_fn(config_bc: Any):
    def run(batches: Iterator[Any]) -> Iterator[Any]:
        import pandas as pd

        from copydesk.cluster import representative_key
        from copydesk.pipeline import exact_groups

        pdf = _frames(batches)
        if pdf is None:
            return
        cfg = config_bc.value
        ids = pdf["id"].tolist()
        published = [_none(p) for p in pdf["published"]]
        chars = pdf["article_chars"].to_numpy(np.int64)
        keys = np.stack([_u64(pdf["k0"]), _u64(pdf["k1"])], axis=1)
        rep_key = representative_key(cfg.cluster.representative, ids, chars, published)
        edges, leaders = exact_groups(keys, np.ones(len(pdf), dtype=bool), rep_key)
        idx = pdf["idx"].to_numpy(np.int64)
        e = np.array(edges, dtype=np.int64).reshape(-1, 2)
        yield pd.DataFrame({"a": idx[e[:, 0]], "b": idx[e[:, 1]], "leader": np.full(len(e), -1, np.int64)})
        yield pd.DataFrame({"a": np.full(len(leaders), -1, np.int64), "b": np.full(len(leaders), -1, np.int64),
                            "leader": idx[leaders]})
    return run


def _bands_fn(params_bc: Any):
    def run(batches: Iterator[Any]) -> Iterator[Any]:
        import pandas as pd

        from copydesk.index import band_keys
        from copydesk.sketch import EMPTY

        bands, rows, num_perm = params_bc.value
        for pdf in batches:
            sig = np.frombuffer(b"".join(pdf["sig"]), dtype=np.uint32).reshape(-1, num_perm)
            keep = sig[:, 0] != EMPTY
            sig = sig[keep]
            idx = pdf["idx"].to_numpy(np.int64)[keep]
            rank = pdf["id_rank"].to_numpy(np.int64)[keep]
            for b in range(bands):
                yield pd.DataFrame({"band": np.full(len(idx), b, np.int32),
                                    "key": _i64(band_keys(sig[:, b * rows:(b + 1) * rows])),
                                    "idx": idx, "id_rank": rank})
    return run


def _bucket_pairs_fn(batches: Iterator[Any]) -> Iterator[Any]:
    import pandas as pd

    from copydesk.index import bucket_pairs

    pdf = _frames(batches)
    if pdf is None:
        return
    band = pdf["band"].to_numpy()
    for b in np.unique(band):
        sel = np.flatnonzero(band == b)
        keys = _u64(pdf["key"].to_numpy()[sel])
        idx = pdf["idx"].to_numpy(np.int64)[sel]
        rank = pdf["id_rank"].to_numpy(np.int64)[sel]
        pos = bucket_pairs(keys, np.arange(len(sel)), rank)
        a, b_ = idx[pos[:, 0]], idx[pos[:, 1]]
        yield pd.DataFrame({"a": np.minimum(a, b_), "b": np.maximum(a, b_)})


def _estimate_fn(params_bc: Any):
    def run(batches: Iterator[Any]) -> Iterator[Any]:
        _, _, num_perm = params_bc.value
        for pdf in batches:
            sa = np.frombuffer(b"".join(pdf["sig_a"]), dtype=np.uint32).reshape(-1, num_perm)
            sb = np.frombuffer(b"".join(pdf["sig_b"]), dtype=np.uint32).reshape(-1, num_perm)
            out = pdf[["a", "b"]].copy()
            out["estimate"] = (sa == sb).mean(axis=1) if len(pdf) else np.zeros(0)
            yield out
    return run


def _passage_groups_fn(low_bc: Any):
    """Exploded passage keys with the postings key :func:`passage_candidates` sorts on: the
    mixed key with its low ``bits(n_docs)`` bits cleared (two keys equal there share postings)."""
    def run(batches: Iterator[Any]) -> Iterator[Any]:
        import pandas as pd

        from copydesk.passages.candidates import spread_keys

        low = np.uint64(low_bc.value)
        for pdf in batches:
            keys = [np.asarray(k, dtype=np.int64) for k in pdf["pkeys"] if k is not None]
            lengths = [len(np.asarray(k)) if k is not None else 0 for k in pdf["pkeys"]]
            flat = np.concatenate(keys) if keys else np.zeros(0, np.int64)
            yield pd.DataFrame({"idx": np.repeat(pdf["idx"].to_numpy(np.int64), lengths), "key": flat,
                                "g": _i64(spread_keys(_u64(flat)) & ~low)})
    return run


def _postings_pairs_fn(batches: Iterator[Any]) -> Iterator[Any]:
    """Every pair ``i < j`` of each postings list (documents sorted ascending)."""
    import pandas as pd

    for pdf in batches:
        a_parts, b_parts = [], []
        for docs in pdf["docs"]:
            d = np.asarray(docs, dtype=np.int64)
            i, j = np.triu_indices(len(d), k=1)
            a_parts.append(d[i])
            b_parts.append(d[j])
        if a_parts:
            yield pd.DataFrame({"a": np.concatenate(a_parts), "b": np.concatenate(b_parts)})


def _story_contrib_fn(cap_bc: Any):
    """Per shared key of a pair: ``(a, b, step, key, weight)``, as :func:`candidate_pairs` scores it."""
    def run(batches: Iterator[Any]) -> Iterator[Any]:
        import pandas as pd

        from copydesk.semantic.keys import KIND_SHIFT, KIND_WEIGHT

        max_key_docs = cap_bc.value
        for pdf in batches:
            keys = _u64(pdf["key"].to_numpy())
            df = pdf["df"].to_numpy(np.int64)
            # The expression of semantic.keys.candidate_pairs, element for element, so the
            # weights are bit-identical (tests/test_spark_engine.py checks the candidates).
            rarity = np.clip(1.0 - np.log(df) / np.log(max_key_docs + 1), 0.0, 1.0)
            weight = KIND_WEIGHT[(keys >> KIND_SHIFT).astype(np.int64)] * rarity
            cols: dict[str, list[np.ndarray]] = {"a": [], "b": [], "step": [], "key": [], "w": []}
            for k, w, docs in zip(pdf["key"].to_numpy(), weight, pdf["docs"]):
                d = np.asarray(docs, dtype=np.int64)
                i, j = np.triu_indices(len(d), k=1)
                cols["a"].append(d[i])
                cols["b"].append(d[j])
                cols["step"].append(j - i)
                cols["key"].append(np.full(len(i), k, np.int64))
                cols["w"].append(np.full(len(i), w))
            if cols["a"]:
                yield pd.DataFrame({c: np.concatenate(v) for c, v in cols.items()})
    return run


def _story_sum_fn(batches: Iterator[Any]) -> Iterator[Any]:
    """Shared keys and score per pair, summed in :func:`candidate_pairs`' order (by step,
    then key), so the floating-point totals are bit-identical to the local engine's."""
    import pandas as pd

    pdf = _frames(batches)
    if pdf is None:
        return
    a, b = pdf["a"].to_numpy(np.int64), pdf["b"].to_numpy(np.int64)
    step, key, w = pdf["step"].to_numpy(np.int64), _u64(pdf["key"].to_numpy()), pdf["w"].to_numpy(np.float64)
    order = np.lexsort((key, step, b, a))
    a, b, w = a[order], b[order], w[order]
    first = np.r_[True, (a[1:] != a[:-1]) | (b[1:] != b[:-1])]
    group = np.cumsum(first) - 1
    total = np.bincount(group, weights=w)  # sequential, in array order
    shared = np.bincount(group)
    yield pd.DataFrame({"a": a[first], "b": b[first], "shared": shared.astype(np.int64), "total": total})


def _compare_fn(ctx_bc: Any):
    def run(batches: Iterator[Any]) -> Iterator[Any]:
        import pandas as pd

        from copydesk.pipeline import compare, make_view

        ctx = ctx_bc.value  # its encoder, if any, loads once per Python worker
        for pdf in batches:
            views, index, methods = [], {}, []
            for r in pdf.itertuples(index=False):
                for side in ("a", "b"):
                    doc_id = getattr(r, f"{side}_id")
                    index[doc_id] = getattr(r, f"i{side}")
                    views.append(make_view(ctx, doc_id, getattr(r, f"{side}_text"),
                                           _spans(_none(getattr(r, f"{side}_bp"))),
                                           _spans(_none(getattr(r, f"{side}_seg"))),
                                           _none(getattr(r, f"{side}_pub")), _none(getattr(r, f"{side}_src"))))
                methods.append(frozenset(r.methods))
            pairs = np.arange(2 * len(pdf), dtype=np.int64).reshape(-1, 2)
            matches = compare(ctx, views, pairs, methods)
            yield _match_frame(matches, index, ctx.config)
    return run


def _match_frame(matches: list, index: dict[str, int], config: Config) -> Any:
    import pandas as pd

    from copydesk.store import dumps, match_record

    rows = []
    for m in matches:
        rec = match_record(m)
        rows.append({"a": m.a, "b": m.b, "ia": index[m.a], "ib": index[m.b], "kind": m.kind,
                     "score": float(m.score),
                     "jaccard": float(m.jaccard), "containment_a": float(m.containment_a),
                     "containment_b": float(m.containment_b), "passages": json.dumps(rec["passages"]),
                     "method": m.method, "line": dumps(rec)})
    return _plain(pd.DataFrame(rows, columns=["a", "b", "ia", "ib", "kind", "score", "jaccard",
                                              "containment_a", "containment_b", "passages", "method", "line"]))


def _exact_match_fn(config_bc: Any):
    def run(batches: Iterator[Any]) -> Iterator[Any]:
        from copydesk.pipeline import exact_match

        cfg = config_bc.value
        for pdf in batches:
            index, matches = {}, []
            for r in pdf.itertuples(index=False):
                index[r.a_id], index[r.b_id] = r.ia, r.ib
                matches.append(exact_match(r.a_id, r.b_id, r.a_chars, r.b_chars))
            yield _match_frame(matches, index, cfg)
    return run


def _copy_edges_fn(batches: Iterator[Any]) -> Iterator[Any]:
    """:func:`copydesk.cluster.copy_edges` of a partition's matches. Excerpts arrive grouped by
    their excerpt side, so each one's choice of container sees all its candidates."""
    import pandas as pd

    from copydesk.cluster import copy_edges
    from copydesk.types import Match

    pdf = _frames(batches)
    if pdf is None:
        return
    index: dict[str, int] = {}
    matches = []
    for r in pdf.itertuples(index=False):
        index[r.a], index[r.b] = r.ia, r.ib
        matches.append(Match(r.a, r.b, r.kind, r.score, r.jaccard, r.containment_a, r.containment_b,
                             method=r.method))
    edges = copy_edges(matches)
    yield pd.DataFrame({"src": [index[a] for a, _ in edges], "dst": [index[b] for _, b in edges]},
                       dtype=np.int64)


def _cluster_fn(config_bc: Any):
    def run(batches: Iterator[Any]) -> Iterator[Any]:
        import pandas as pd

        from copydesk.cluster import representative_key

        pdf = _frames(batches)
        if pdf is None:
            return
        cfg = config_bc.value
        ids = pdf["id"].tolist()
        published = [_none(p) for p in pdf["published"]]
        rep_key = representative_key(cfg.cluster.representative, ids, pdf["article_chars"].to_numpy(np.int64),
                                     published)
        idx = pdf["node"].to_numpy(np.int64)
        rows = []
        for root, positions in pdf.groupby("root").indices.items():
            positions = positions.tolist()
            rep = min(positions, key=rep_key)
            rows.append({"root": int(root), "size": len(positions), "rep_id": ids[rep], "rep_idx": int(idx[rep]),
                         "members": sorted(ids[p] for p in positions)})
        yield _plain(pd.DataFrame(rows, columns=["root", "size", "rep_id", "rep_idx", "members"]))
    return run


def _story_groups_fn(linkage: float):
    def run(pdf: Any) -> Any:
        import pandas as pd

        from copydesk.cluster import story_groups

        # Nodes are the ids, as in the local engine, so that ties break the same; a copy
        # cluster's root is one of its members, so it is among this component's documents.
        doc_id = {int(i): d for side in "ab" for i, d in zip(pdf[f"i{side}"], pdf[side])}
        copy_of = {doc_id[int(n)]: doc_id[int(c)] for side in "ab" for n, c in zip(pdf[f"i{side}"], pdf[f"c{side}"])
                   if not pd.isna(c)}
        groups = story_groups(zip(pdf["a"].tolist(), pdf["b"].tolist()), copy_of, linkage)
        idx = {d: i for i, d in doc_id.items()}
        return pd.DataFrame({"node": [idx[d] for g in groups for d in g],
                             "root": [idx[g[0]] for g in groups for _ in g]}, dtype=np.int64)
    return run


def _numbered_cluster(kind: str, row: Any, number: int) -> tuple:
    """A cluster's row once numbered in the local engine's order: (-size, representative id)."""
    from copydesk.store import cluster_record, dumps
    from copydesk.types import Cluster

    cluster = Cluster(f"{kind}-{number:06d}", kind, tuple(row["members"]), row["rep_id"])
    return (row["root"], number, cluster.id, row["rep_idx"], dumps(cluster_record(cluster)))


def _document_fn(config_bc: Any):
    def run(batches: Iterator[Any]) -> Iterator[Any]:
        import pandas as pd

        from copydesk.store import document_record, dumps

        keep_text = config_bc.value.output.keep_text
        for pdf in batches:
            lines = []
            for r in pdf.itertuples(index=False):
                record = document_record(r.id, _none(r.source), int(r.chars), _none(r.url), _none(r.published),
                                         _spans(_none(r.boilerplate)), _spans(_none(r.segments)),
                                         _none(r.warnings), r.text, keep_text,
                                         int(r.chars) > config_bc.value.ingest.max_doc_chars)
                if _none(r.language) is not None:
                    record["language"] = r.language
                    record["language_confidence"] = float(r.language_confidence)
                    record["language_spans"] = json.loads(r.language_spans) if _none(r.language_spans) is not None else []
                lines.append(dumps(record))
            yield _plain(pd.DataFrame({"id": pdf["id"].astype(object), "line": lines}))
    return run


def _dedup_fn(text_field: str):
    def run(batches: Iterator[Any]) -> Iterator[Any]:
        """Lines of ``deduplicated.jsonl``, written as the local engine writes them
        (:func:`copydesk.store.dedup_record`)."""
        import pandas as pd

        from copydesk.store import dedup_record, dumps

        for pdf in batches:
            lines = [dumps(dedup_record(r.id, r.text, _none(r.source), _none(r.url), _none(r.published),
                                        _none(r.raw), _none(r.cluster), text_field))
                     for r in pdf.itertuples(index=False)]
            yield _plain(pd.DataFrame({"id": pdf["id"].astype(object), "line": lines}))
    return run


def row_numbers(df: Any, order: list[str], name: str, keep: Any = lambda df: df.persist()) -> Any:
    """``df`` with a column ``name``: 0, 1, 2, ... in the order of the columns ``order`` (unique
    together), numbered as ``RDD.zipWithIndex`` numbers a sorted RDD (each sorted part counted,
    offset by the parts before it) without sending every row through a Python worker.

    Args:
        df: The rows to number.
        order: Columns whose values order the rows, with no two rows alike.
        name: The new column.
        keep: Persists the sorted rows (the count and the numbering must read the same parts).

    Example:
        >>> df = spark.createDataFrame([("b",), ("c",), ("a",)], "k string")  # doctest: +SKIP
        >>> sorted((r.k, r.n) for r in row_numbers(df, ["k"], "n").collect())  # doctest: +SKIP
        [('a', 0), ('b', 1), ('c', 2)]
    """
    from pyspark.sql import functions as F

    ranked = keep(df.orderBy(*order).withColumn("_part", F.spark_partition_id())
                  .withColumn("_pos", F.monotonically_increasing_id()))
    offsets, total = [], 0
    for part, count in sorted((r["_part"], r["count"]) for r in ranked.groupBy("_part").count().collect()):
        offsets.append((part, total))
        total += count
    starts = df.sparkSession.createDataFrame(offsets or [(0, 0)], "_part int, _start long")
    # monotonically_increasing_id holds the part's index in its upper bits, the row's place in it below.
    place = F.col("_pos") - F.shiftleft(F.col("_part").cast("long"), 33)
    return (ranked.join(F.broadcast(starts), "_part")
            .withColumn(name, F.col("_start") + place).drop("_part", "_pos", "_start"))


# --- outputs written by the executors ----------------------------------------------------------

_PART = re.compile(r"part-(\d+)")
_COPY_BUFFER = 8 << 20


def input_bytes(units: list) -> int:
    """Bytes of input the read units cover (a byte range, else the sizes of their files)."""
    total, seen = 0, set()
    for unit in units:
        if unit.kind == "problem":
            continue
        if unit.kind == "jsonl_range" and unit.end >= 0:
            total += unit.end - unit.start
            continue
        for path in unit.paths:
            if path not in seen:  # a Parquet file is several units (row groups)
                seen.add(path)
                try:
                    total += os.path.getsize(path)
                except OSError:
                    pass
    return total


def part_files(folder: Path, suffix: str) -> list[Path]:
    """Spark's part files in a written folder, in partition order (``part-00000-...``).

    The number is parsed, not compared as text: past 99,999 partitions it has six digits.
    """
    found = []
    for path in folder.iterdir():
        m = _PART.match(path.name)
        if m and path.name.endswith(suffix):
            found.append((int(m.group(1)), path.name, path))
    return [p for _, _, p in sorted(found)]


def concatenate_parts(folder: Path, target: Path) -> int:
    """Concatenate the text parts of ``folder`` into ``target`` in order; returns the line count.

    Bytes are copied in 8 MB blocks, so memory is constant whatever the parts' size.
    """
    lines = 0
    with open(target, "wb") as out:
        for part in part_files(folder, ".txt"):
            with open(part, "rb") as f:
                while block := f.read(_COPY_BUFFER):
                    lines += block.count(b"\n")
                    out.write(block)
    return lines


MANIFEST = "_manifest.json"


def write_manifest(folder: Path) -> int:
    """Write ``_manifest.json`` beside Spark's Parquet parts; returns the total row count.

    The manifest lists the parts in sort order with their row counts (read from each part's
    footer, not its rows), so a reader can concatenate them, or seek to a row, without listing
    the folder and parsing Spark's file names.
    """
    import pyarrow.parquet as pq

    parts = [{"file": p.name, "rows": pq.ParquetFile(p).metadata.num_rows} for p in part_files(folder, ".parquet")]
    total = sum(p["rows"] for p in parts)
    (folder / MANIFEST).write_text(json.dumps({"rows": total, "parts": parts}, indent=1) + "\n")
    return total


def parquet_rows(folder: Path, batch_rows: int = 1024) -> Iterator[tuple[str, str | None]]:
    """``(id, text)`` rows of the Parquet parts of ``folder`` in order, one record batch at a time."""
    import pyarrow.parquet as pq

    for part in part_files(folder, ".parquet"):
        for batch in pq.ParquetFile(part).iter_batches(batch_size=batch_rows, columns=["id", "text"]):
            yield from zip(batch.column(0).to_pylist(), batch.column(1).to_pylist())


# --- the run ---------------------------------------------------------------------------------


class SparkRun:
    """The stages of one run on a SparkSession.

    Args:
        spark: The session.
        config: The run's configuration.
        out: The output folder being written.
        parquet: Write the four large outputs as partitioned Parquet instead of JSONL.
        checkpoints: Where the stages keep their results, and whether to resume from them
            (:class:`~copydesk.engines.spark_checkpoints.SparkCheckpoints`); None keeps none.
    """

    def __init__(self, spark: Any, config: Config, out: OutputFolder, *, parquet: bool = False,
                 checkpoints: Any = None) -> None:
        self.checkpoints = checkpoints
        self.spark = spark
        self.sc = spark.sparkContext
        self.config = config
        self.out = out
        self.parquet = parquet
        self.timings: dict[str, float] = {}
        self.n_problems = 0
        self.max_chars: int | None = 0  # the longest document's characters as the stages read it (coalesce(work, text))
        self.filtered_by_language: dict[str, int] = {}
        self._persisted: list[Any] = []

    # helpers

    def _stage(self, name: str) -> _StageTimer:
        self.sc.setJobDescription(f"copydesk: {name}")
        return _StageTimer(self.timings, name)

    def _keep(self, df: Any) -> Any:
        from pyspark import StorageLevel

        df = df.persist(StorageLevel.MEMORY_AND_DISK)
        self._persisted.append(df)
        return df

    def _release(self) -> None:
        for df in self._persisted:
            df.unpersist()
        self._persisted.clear()

    def _load(self, stage: str) -> tuple[dict[str, Any], Any] | None:
        """A stage's checkpointed frames (kept) and driver values, or None: run the stage."""
        loaded = self.checkpoints.load(stage) if self.checkpoints is not None else None
        if loaded is None:
            return None
        frames, value = loaded
        return {name: self._keep(df) for name, df in frames.items()}, value

    def _save(self, stage: str, frames: dict[str, Any], value: Any) -> dict[str, Any]:
        """Checkpoint a stage; returns its frames as the later stages read them (from the
        checkpoint, so that a resumed run and this one compute from the same rows)."""
        if self.checkpoints is None:
            return frames
        saved = self.checkpoints.save(stage, frames, value)
        if saved is frames:
            return frames
        for df in frames.values():
            if any(df is kept for kept in self._persisted):
                df.unpersist()
                self._persisted = [kept for kept in self._persisted if kept is not df]
        return {name: self._keep(df) for name, df in saved.items()}

    # the run

    def run(self, inputs: list[str], units: list) -> RunResult:
        from pyspark.sql import functions as F

        config = self.config
        spark = self.spark
        checkpoints = spark.conf.get("spark.checkpoint.dir", None) or str(self.out.work / "checkpoints")
        self.sc.setCheckpointDir(checkpoints)
        config_bc = self.sc.broadcast(config)
        if not self.sc.getConf().contains("spark.sql.shuffle.partitions"):
            # Not set by the user: from the input size, not Spark's 200 (see shuffle_partitions).
            spark.conf.set("spark.sql.shuffle.partitions",
                           str(shuffle_partitions(input_bytes(units), self.sc.defaultParallelism)))
        try:
            loaded = self._load("read")
            if loaded is None:
                with self._stage("read"):
                    docs, problems, n = self._read(units, config_bc)
                    docs = self._save("read", {"docs": docs}, {
                        "problems": problems, "n": n, "n_problems": self.n_problems, "max_chars": self.max_chars,
                        "filtered_by_language": self.filtered_by_language})["docs"]
            else:
                docs = loaded[0]["docs"]
                problems, n = loaded[1]["problems"], loaded[1]["n"]
                self.n_problems = loaded[1]["n_problems"]
                self.filtered_by_language = loaded[1]["filtered_by_language"]
                self.max_chars = loaded[1].get("max_chars")
            fault_point("read")
            if self.max_chars is None:  # a checkpoint of a version that did not keep it
                self.max_chars = docs.agg(F.max(F.length(F.coalesce("work", "text")))).first()[0] or 0
            max_chars = self.max_chars
            per_batch = int(max(16, min(config.batch_docs, ARROW_BATCH_BYTES // max(1, 2 * BYTES_PER_CHAR * max_chars))))
            spark.conf.set("spark.sql.execution.arrow.maxRecordsPerBatch", str(per_batch))
            try:
                spark.conf.set("spark.sql.execution.arrow.maxBytesPerBatch", str(ARROW_BATCH_BYTES))
            except Exception:  # Spark < 4: records per batch is the only limit
                pass
            result = self._stages(inputs, docs, problems, n, config_bc)
        finally:
            self._release()
            self.sc.setJobDescription(None)
        return result

    def _read(self, units: list, config_bc: Any) -> tuple[Any, list[str], int]:
        from pyspark.sql import Window
        from pyspark.sql import functions as F

        from copydesk.engines.spark_read import READ_SCHEMA, unit_row
        from copydesk.ingest import IngestError

        spark, config = self.spark, self.config
        folder = os.getcwd()  # relative input paths are read from here, on executors too
        unit_schema = "unit long, kind string, paths string, root string, start long, end long, first_line long"
        ranges = [u for u in units if u.kind == "jsonl_range"]
        if ranges:  # first pass: newlines before each range, for line numbers
            counted = (spark.createDataFrame([unit_row(u) for u in ranges], unit_schema)
                       .repartition(len(ranges)).mapInPandas(_newlines_fn(folder), "unit long, newlines long").collect())
            newlines = {r.unit: r.newlines for r in counted}
            before: dict[str, int] = {}
            fixed = []
            for u in units:
                if u.kind == "jsonl_range":
                    path = u.paths[0]
                    fixed.append(replace(u, first_line=before.get(path, 0)))
                    before[path] = before.get(path, 0) + newlines[u.unit]
                else:
                    fixed.append(u)
            units = fixed
        if not units:
            empty = spark.createDataFrame([], READ_SCHEMA + ", idx long, id_rank long")
            self.max_chars = 0
            return empty, [], 0
        units_df = spark.createDataFrame([unit_row(u) for u in units], unit_schema)
        rows = units_df.repartition(min(len(units), max(1, self.sc.defaultParallelism * 4)), "unit")
        rows = rows.mapInPandas(_read_fn(config_bc, folder), READ_SCHEMA)

        # The read rows are kept; ids, problems and the order are settled on their keys alone
        # (a window, the numbering), and the full rows (text, raw) cross one shuffle: the join
        # with the accepted keys. The first of each id among the documents counts (problem rows
        # ranked apart); the problems' count, their listing and the accepted documents come from
        # the same kept keys.
        rows = self._keep(rows)
        first = Window.partitionBy(F.col("problem").isNull(), "id").orderBy("unit", "seq")
        keys = self._keep(rows.select("unit", "seq", "id", "problem", "origin", "language")
                          .withColumn("dup", F.row_number().over(first))
                          .withColumn("first_origin", F.first("origin").over(first)))
        issues = keys.where(F.col("problem").isNotNull() | (F.col("dup") > 1))
        n_problems = issues.count()
        listed = []
        if n_problems:
            bad = issues.where(F.col("problem").isNotNull())
            dups = issues.where(F.col("problem").isNull())
            listed = [(r.unit, r.seq, r.problem) for r in bad.orderBy("unit", "seq").limit(1000).collect()]
            listed += [(r.unit, r.seq, f"{r.origin}: duplicate id {r.id!r} (first seen at {r.first_origin}); ids "
                        f"must be unique") for r in dups.orderBy("unit", "seq").limit(1000).collect()]
        listed.sort()
        problems = [p for _, _, p in listed]
        if problems and config.ingest.on_error == "fail":
            raise IngestError(problems[0])
        self.n_problems = n_problems

        accepted = keys.where(F.col("problem").isNull() & (F.col("dup") == 1))
        self.filtered_by_language = {}
        keep, drop = config.ingest.languages, config.ingest.drop_languages
        if keep or drop:  # as the local engine: after duplicate ids, before numbering
            allowed = F.lit(True)
            if keep:
                allowed = allowed & F.col("language").isin(list(keep))
            if drop:
                allowed = allowed & ~F.col("language").isin(list(drop))
            self.filtered_by_language = {r["language"]: int(r["count"]) for r in
                                         accepted.where(~allowed).groupBy("language").count().collect()}
            accepted = accepted.where(allowed)
        numbered = row_numbers(accepted.select("unit", "seq", "id"), ["unit", "seq"], "idx", self._keep)
        numbered = row_numbers(numbered, ["id"], "id_rank", self._keep)
        docs = self._keep(rows.drop("problem").join(numbered.select("unit", "seq", "idx", "id_rank"), ["unit", "seq"]))
        counted = docs.agg(F.count(F.lit(1)), F.max(F.length(F.coalesce("work", "text")))).first()
        n, self.max_chars = counted[0], counted[1] or 0
        rows.unpersist()
        keys.unpersist()
        return docs, problems, n

    def _stages(self, inputs: list[str], docs: Any, problems: list[str], n: int, config_bc: Any) -> RunResult:
        from pyspark.sql import functions as F

        from copydesk.index import lsh_params
        from copydesk.sketch import MinHasher

        spark, sc, config = self.spark, self.sc, self.config
        hasher = MinHasher(config.near.num_perm, config.near.ngram, config.near.seed)
        work = docs.select("idx", "id_rank", "id", F.coalesce("work", "text").alias("text"), "source", "published",
                           "chars")

        loaded = self._load("analyse")
        if loaded is None:
            line_stats = None
            if config.runs("clean") and config.clean.enabled and n:
                with self._stage("clean"):
                    line_stats = self._line_stats(work, Context(config, hasher), n)
            ctx = Context(config, hasher, line_stats)
            ctx_bc = sc.broadcast(ctx)
            with self._stage("analyse"):
                facts = not self.parquet  # lineage annotates the JSONL outputs only
                source = docs.select("idx", "id", F.coalesce("work", "text").alias("text"), "source", "chars", "url",
                                     "published", "published_origin",
                                     F.when(F.col("work").isNotNull(), F.col("text")).alias("full"))
                an = self._keep(source.mapInPandas(_analyse_fn(ctx_bc, facts), ANALYSIS_SCHEMA))
                an.count()
                an = self._save("analyse", {"an": an}, {"line_stats": line_stats})["an"]
        else:
            an, line_stats = loaded[0]["an"], loaded[1]["line_stats"]
            ctx = Context(config, hasher, line_stats)
            ctx_bc = sc.broadcast(ctx)
        info = self._keep(an.select("idx", "article_chars", "k0", "k1", "sig")
                          .join(work.select("idx", "id", "id_rank", "published", "chars"), "idx"))
        empty_docs = info.where(F.col("article_chars") <= 0).count()
        counts: dict[str, Any] = {"documents": n, "empty_documents": int(empty_docs)}
        counts["languages"] = language_counts_of((r["language"], int(r["count"])) for r in
                                                 docs.groupBy("language").count().collect())
        if self.filtered_by_language:
            counts["filtered_by_language"] = dict(sorted(self.filtered_by_language.items()))

        loaded = self._load("candidates")
        if loaded is None:
            textual = info.where(F.col("article_chars") > 0)
            with self._stage("candidates"):
                exact_edges = spark.createDataFrame([], "a long, b long")
                leaders = textual.select("idx")
                if config.runs("exact"):
                    counts["exact_documents"] = 0
                if config.runs("exact") and n:
                    exact_edges, leaders = self._exact(textual, config_bc)
                    ends = exact_edges.select(F.explode(F.array("a", "b")))
                    counts["exact_documents"] = int(ends.distinct().count())
                candidates = []
                if config.runs("near") and n:
                    bands, rows = lsh_params(config.near.min_jaccard, config.near.num_perm)
                    kept, n_pairs = self._near(info, leaders, bands, rows)
                    counts["near_candidates"] = n_pairs
                    counts["lsh_bands_rows"] = [bands, rows]
                    candidates.append(kept.select("a", "b", F.lit("near").alias("method")))
                frequent = rarity = None
                if config.runs("passages") and n:
                    pairs, frequent = self._passages(an, n, work.select("idx", "id_rank"))
                    counts["passage_candidates"] = int(pairs.count())
                    candidates.append(pairs.select("a", "b", F.lit("passages").alias("method")))
                if (config.runs("rewrite") or config.runs("story")) and n:
                    pairs = self._story(an.select("idx", "skeys").join(work.select("idx", "id_rank"), "idx"), n)
                    counts["story_candidates"] = int(pairs.count())
                    candidates.append(pairs.select("a", "b", F.lit("story").alias("method")))
                    if config.runs("story"):
                        rarity = self._story_rarity(an.select("idx", "skeys"))
                if candidates:
                    union = candidates[0]
                    for c in candidates[1:]:
                        union = union.unionByName(c)
                    cands = (union.groupBy("a", "b").agg(F.collect_set("method").alias("methods"))
                             .join(exact_edges.select(F.least("a", "b").alias("a"), F.greatest("a", "b").alias("b")),
                                   ["a", "b"], "left_anti"))
                else:
                    cands = spark.createDataFrame([], "a long, b long, methods array<string>")
                cands = self._keep(cands)
                counts["pairs_compared"] = int(cands.count())
                if config.runs("rewrite") or config.runs("story"):
                    langs = docs.select("idx", "language", "language_confidence")
                    story_pairs = (cands.where(F.array_contains("methods", "story"))
                                   .join(langs.select(F.col("idx").alias("a"), F.col("language").alias("la"),
                                                      F.col("language_confidence").alias("ca")), "a")
                                   .join(langs.select(F.col("idx").alias("b"), F.col("language").alias("lb"),
                                                      F.col("language_confidence").alias("cb")), "b")
                                   .groupBy("la", "ca", "lb", "cb").count().collect())
                    skipped: dict[str, int] = {}
                    for r in story_pairs:
                        pair = (Identification(r["la"], float(r["ca"])), Identification(r["lb"], float(r["cb"])))
                        for key, value in skipped_pairs([pair], config.rewrite.model).items():
                            skipped[key] = skipped.get(key, 0) + value * int(r["count"])
                    counts.update(routed_pair_counts(dict(sorted(skipped.items())), config.runs("story")
                                                     and config.story.language_model != "none"))

            saved = self._save("candidates", {"cands": cands, "exact_edges": exact_edges},
                               {"counts": counts, "frequent": frequent, "rarity": rarity})
            cands, exact_edges = saved["cands"], saved["exact_edges"]
        else:
            cands, exact_edges = loaded[0]["cands"], loaded[0]["exact_edges"]
            counts, frequent, rarity = loaded[1]["counts"], loaded[1]["frequent"], loaded[1]["rarity"]
        fault_point("candidates")

        if frequent is not None or rarity is not None:
            ctx_bc = sc.broadcast(replace(ctx, frequent_keys=frequent, story_rarity=rarity))
        loaded = self._load("compare")
        if loaded is None:
            with self._stage("compare"):
                views = (work.select("idx", "id", "text", "published", "source")
                         .join(an.select("idx", "boilerplate", "segments"), "idx"))

                def side(s: str) -> Any:
                    return views.select(F.col("idx").alias(f"i{s}"), F.col("id").alias(f"{s}_id"),
                                        F.col("text").alias(f"{s}_text"), F.col("boilerplate").alias(f"{s}_bp"),
                                        F.col("segments").alias(f"{s}_seg"), F.col("published").alias(f"{s}_pub"),
                                        F.col("source").alias(f"{s}_src"))

                joined = (cands.withColumnRenamed("a", "ia").withColumnRenamed("b", "ib")
                          .join(side("a"), "ia").join(side("b"), "ib"))
                found = joined.mapInPandas(_compare_fn(ctx_bc), MATCH_SCHEMA)
                chars = docs.select("idx", "id", "chars")
                exact = (exact_edges.select(F.col("a").alias("ia"), F.col("b").alias("ib"))
                         .join(chars.select(F.col("idx").alias("ia"), F.col("id").alias("a_id"),
                                            F.col("chars").alias("a_chars")), "ia")
                         .join(chars.select(F.col("idx").alias("ib"), F.col("id").alias("b_id"),
                                            F.col("chars").alias("b_chars")), "ib")
                         .mapInPandas(_exact_match_fn(config_bc), MATCH_SCHEMA))
                matches = self._keep(found.unionByName(exact))
                by_kind_rows = matches.groupBy("kind").count().collect()
            by_kind_rows = [{"kind": r["kind"], "count": int(r["count"])} for r in by_kind_rows]
            matches = self._save("compare", {"matches": matches}, {"by_kind": by_kind_rows})["matches"]
        else:
            matches, by_kind_rows = loaded[0]["matches"], loaded[1]["by_kind"]
        fault_point("compared")

        with self._stage("cluster"):
            clusters = []
            copy = self._clusters(self._copy_edges(matches), info, "copy", config_bc)
            clusters.append(("copy", copy))
            if config.runs("story") or config.runs("rewrite"):
                story = self._story_groups(matches, copy[1], config.cluster.story_linkage)
                clusters.append(("story", self._number_clusters(story, info, "story", config_bc)))

        with self._stage("write"):
            summary = self._write(docs, an, matches, clusters, config_bc, by_kind_rows)
        if not self.parquet:
            from copydesk.engines.spark_lineage import annotate_outputs

            with self._stage("lineage"):
                facts = an.where(F.col("f_id").isNotNull()).select(
                    *(F.col(f"f_{c}").alias(c) for c in ("id", "outlet", "published", "published_origin", "agencies",
                                                         "outlets", "photo_agencies")))
                annotate_outputs(docs, self.out.partial, config, facts)
        counts.update(summary)
        counts["problems"] = self.n_problems
        self.out.write_json("run.json", run_record(
            engine="spark", engine_fields={"spark_version": spark.version, "spark_master": sc.master},
            inputs=inputs, workers=sc.defaultParallelism, signature_scheme=hasher.scheme,
            signature_kernel=hasher.kernel,  # the driver's; executors pick theirs the same way
            config=config.to_dict(), counts=counts, timings=self.timings, problems=problems,
            problems_total=self.n_problems,
            warnings=[w for r in docs.where(F.size("warnings") > 0).select("idx", "warnings").orderBy("idx")
                      .limit(MAX_LISTED).collect() for w in r.warnings],
            recovered=self.out.notes,
            resumed_stages=self.checkpoints.resumed if self.checkpoints is not None else []))
        return RunResult(self.out.path, counts, self.timings, problems)

    # stages

    def _line_stats(self, work: Any, ctx: Context, n: int) -> Any:
        from pyspark.sql import functions as F

        from copydesk.clean import LineStats

        cfg = self.config.clean
        bc = self.sc.broadcast(ctx)
        keys = work.select("text", "source").mapInPandas(_line_keys_fn(bc), "source string, key long")
        per_source = self._keep(keys.groupBy("source", "key").count())
        # Only counts that can pass a threshold reach the driver: a (source, key) learnt for its
        # source, and the corpus-wide total of a short key learnt corpus-wide (given under the
        # source None, which from_counts adds to the corpus totals only). from_counts then
        # applies the thresholds itself, so the result is the local engine's.
        learnt = (per_source.where(F.col("source").isNotNull() & (F.col("count") >= cfg.min_source_docs))
                  .collect())
        corpus = (per_source.where((F.col("key").bitwiseAND(F.lit(1))) == 1).groupBy("key")
                  .agg(F.sum("count").alias("count")).where(F.col("count") >= cfg.min_corpus_docs).collect())
        by_source: dict[str | None, tuple[list[int], list[int]]] = {}
        for r in learnt:
            entry = by_source.setdefault(r.source, ([], []))
            entry[0].append(r.key)
            entry[1].append(r["count"])
        triples = [(s, _u64(k), np.asarray(c, np.int64)) for s, (k, c) in by_source.items()]
        if corpus:
            triples.append((None, _u64([r.key for r in corpus]), np.asarray([r["count"] for r in corpus], np.int64)))
        bc.destroy()
        return LineStats.from_counts(triples, cfg, n)

    def _exact(self, textual: Any, config_bc: Any) -> tuple[Any, Any]:
        from pyspark.sql import functions as F

        groups = textual.groupBy("k0", "k1").count().where(F.col("count") > 1).select("k0", "k1")
        members = textual.join(groups, ["k0", "k1"])
        parts = self._keep(members.select("idx", "id", "published", "article_chars", "k0", "k1")
                           .repartition("k0", "k1")
                           .mapInPandas(_exact_fn(config_bc), "a long, b long, leader long"))
        edges = self._keep(parts.where(F.col("leader") < 0).select("a", "b"))
        singles = textual.join(groups, ["k0", "k1"], "left_anti").select("idx")
        leaders = singles.unionByName(parts.where(F.col("leader") >= 0).select(F.col("leader").alias("idx")))
        return edges, leaders

    def _near(self, info: Any, leaders: Any, bands: int, rows: int) -> tuple[Any, int]:
        from pyspark.sql import functions as F

        params = self.sc.broadcast((bands, rows, self.config.near.num_perm))
        band_rows = (leaders.join(info.select("idx", "id_rank", "sig"), "idx")
                     .mapInPandas(_bands_fn(params), "band int, key long, idx long, id_rank long"))
        # One shuffle of the band rows: a bucket of one document makes no pair (counting the
        # buckets first to drop those cost two more shuffles of every row).
        pairs = self._keep(band_rows.repartition("band", "key")
                           .mapInPandas(_bucket_pairs_fn, "a long, b long").distinct())
        n_pairs = pairs.count()
        sig = info.select("idx", "sig")
        with_sig = (pairs.join(sig.select(F.col("idx").alias("a"), F.col("sig").alias("sig_a")), "a")
                    .join(sig.select(F.col("idx").alias("b"), F.col("sig").alias("sig_b")), "b"))
        estimates = with_sig.mapInPandas(_estimate_fn(params), "a long, b long, estimate double")
        kept = estimates.where(F.col("estimate") >= self.config.near.min_jaccard - ESTIMATE_SLACK).select("a", "b")
        return kept, int(n_pairs)

    def _postings(self, an: Any, column: str, low: int, high: int) -> Any:
        from pyspark.sql import functions as F

        keys = an.select("idx", F.explode(column).alias("key")).distinct()
        df = keys.groupBy("key").count().where((F.col("count") >= low) & (F.col("count") <= high))
        return (keys.join(df, "key").groupBy("key")
                .agg(F.sort_array(F.collect_list("idx")).alias("docs"), F.first("count").alias("df")))

    def _passages(self, an: Any, n: int, ranks: Any = None) -> tuple[Any, np.ndarray]:
        """Candidate pairs by :func:`passage_candidates`' rule, and :func:`frequent_keys`.
        ``ranks`` (``idx``, ``id_rank``) breaks ties under ``max_candidates_per_doc``."""
        from pyspark.sql import Window
        from pyspark.sql import functions as F

        cfg = self.config.passages
        cap = cfg.max_df_for(n)
        low_bc = self.sc.broadcast((1 << max(1, (n - 1).bit_length())) - 1)
        keys = self._keep(an.select("idx", "pkeys").mapInPandas(_passage_groups_fn(low_bc), "idx long, key long, g long"))
        postings = keys.select("idx", "g").distinct()
        df = self._keep(postings.groupBy("g").count())
        lists = (postings.join(df.where((F.col("count") >= cfg.min_df) & (F.col("count") <= cap)), "g")
                 .groupBy("g").agg(F.sort_array(F.collect_list("idx")).alias("docs")))
        shared = lists.mapInPandas(_postings_pairs_fn, "a long, b long").groupBy("a", "b").count()
        pairs = self._keep(shared.where(F.col("count") >= cfg.min_shared_keys))
        if cfg.max_candidates_per_doc and ranks is not None:
            # The best max_candidates_per_doc pairs of each document (most shared keys, then the
            # partner's id rank), as passage_candidates keeps them.
            ranked = (pairs.join(ranks.select(F.col("idx").alias("a"), F.col("id_rank").alias("ra")), "a")
                      .join(ranks.select(F.col("idx").alias("b"), F.col("id_rank").alias("rb")), "b"))
            owned = ranked.select(F.explode(F.array(
                F.struct(F.col("a").alias("owner"), F.col("rb").alias("partner")),
                F.struct(F.col("b").alias("owner"), F.col("ra").alias("partner")))).alias("o"), "a", "b", "count")
            owned = owned.select(F.col("o.owner").alias("owner"), F.col("o.partner").alias("partner"), "a", "b", "count")
            rank = Window.partitionBy("owner").orderBy(F.desc("count"), "partner")
            pairs = self._keep(owned.withColumn("r", F.row_number().over(rank))
                               .where(F.col("r") <= cfg.max_candidates_per_doc).select("a", "b").distinct())
        else:
            pairs = pairs.select("a", "b")
        # The keys above the cap: the driver holds them (they are few: furniture the cleaner
        # missed and the commonest phrases) and ships them to compare in the context.
        frequent = keys.join(df.where(F.col("count") > cap).select("g"), "g").select("key").distinct().collect()
        return pairs, np.unique(_u64([r.key for r in frequent]))

    def _story_rarity(self, an: Any) -> Any:
        """:func:`copydesk.semantic.story_rarity` of the story keys (``idx``, ``skeys``): the keys
        held by two or more documents and their document counts, collected on the driver."""
        from pyspark.sql import functions as F

        from copydesk.semantic.storyscore import CorpusRarity

        keys = an.select("idx", F.explode("skeys").alias("key")).distinct()
        rows = keys.groupBy("key").count().where(F.col("count") >= 2).collect()
        k = _u64([r["key"] for r in rows])
        c = np.asarray([r["count"] for r in rows], dtype=np.int64)
        order = np.argsort(k, kind="stable")
        return CorpusRarity(k[order], c[order], max_docs=self.config.rewrite.max_key_docs)

    def _story(self, an: Any, n: int) -> Any:
        """Candidate pairs by :func:`rewrite_candidates`' rule. ``an`` holds ``idx``, ``id_rank``
        and ``skeys``: like the local engine, postings, sums and the per-document ranking run on
        id ranks (so ties never follow reading order), and the pairs come back as ``idx``."""
        from pyspark.sql import Window
        from pyspark.sql import functions as F

        cfg = self.config.rewrite
        if n < 2:
            return self.spark.createDataFrame([], "a long, b long")
        postings = self._postings(an.select(F.col("id_rank").alias("idx"), "skeys"), "skeys", 2, cfg.max_key_docs)
        cap_bc = self.sc.broadcast(cfg.max_key_docs)
        contrib = postings.mapInPandas(_story_contrib_fn(cap_bc), "a long, b long, step long, key long, w double")
        sums = (contrib.repartition("a", "b").mapInPandas(_story_sum_fn, "a long, b long, shared long, total double")
                .where((F.col("shared") >= cfg.min_shared_keys) & (F.col("total") >= cfg.min_candidate_score)))
        sums = self._keep(sums)
        # The best max_candidates_per_doc pairs of each document, among all its pairs (as a or b);
        # a and b are id ranks here, so equal totals are ranked by id.
        owned = sums.select(F.explode(F.array("a", "b")).alias("owner"), "a", "b", "total")
        rank = Window.partitionBy("owner").orderBy(F.desc("total"), "a", "b")
        best = (owned.withColumn("r", F.row_number().over(rank))
                .where(F.col("r") <= cfg.max_candidates_per_doc).select("a", "b").distinct())
        ranks = an.select("idx", "id_rank")
        back = (best.join(ranks.select(F.col("id_rank").alias("a"), F.col("idx").alias("ia")), "a")
                .join(ranks.select(F.col("id_rank").alias("b"), F.col("idx").alias("ib")), "b")
                .select(F.least("ia", "ib").alias("a"), F.greatest("ia", "ib").alias("b")))
        return self._keep(back)

    def _copy_edges(self, matches: Any) -> Any:
        """Copy-cluster edges (``src, dst``) by :func:`copydesk.cluster.copy_edges`, per partition
        of matches grouped by the document a match would attach (:func:`copydesk.cluster.attaching_side`:
        an excerpt's more contained side, a page marked ``:a_part`` / ``:b_part``), so that each
        document's choice of one partner sees all its candidates."""
        from pyspark.sql import functions as F

        part_a = F.col("method").contains(":a_part")
        part_b = F.col("method").contains(":b_part")
        part = (F.when((F.col("kind") != "excerpt") & part_a & ~part_b, F.col("ia"))
                .when((F.col("kind") != "excerpt") & part_b & ~part_a, F.col("ib"))
                .when(F.col("containment_a") >= F.col("containment_b"), F.col("ia")).otherwise(F.col("ib")))
        return (matches.select("a", "b", "ia", "ib", "kind", "score", "jaccard", "containment_a", "containment_b",
                               "method")
                .withColumn("part", part).repartition("part").drop("part")
                .mapInPandas(_copy_edges_fn, "src long, dst long"))

    def _clusters(self, edges: Any, info: Any, kind: str, config_bc: Any) -> Any:
        return self._number_clusters(self._components(edges), info, kind, config_bc)

    def _components(self, edges: Any) -> Any:
        from copydesk.engines.spark_components import connected_components

        # A local master has no executor to lose: a local checkpoint (no HDFS write) is enough.
        return connected_components(edges, checkpoint=not self.sc.master.startswith("local"))

    def _story_groups(self, matches: Any, copies: Any, linkage: float) -> Any:
        """``node, root`` of the story clusters: :func:`copydesk.cluster.story_groups` once per
        connected component of the matches (a story cluster never crosses one), with the
        matched documents' copy clusters (``copies``: ``node, root``)."""
        from pyspark.sql import functions as F

        comps = self._components(matches.select(F.col("ia").alias("src"), F.col("ib").alias("dst")))
        if linkage <= 0:
            return comps  # the groups at linkage 0 are the components (tests/test_cluster.py)

        def copy_root(side: str) -> Any:
            return copies.select(F.col("node").alias(f"i{side}"), F.col("root").alias(f"c{side}"))

        return (matches.select("a", "b", "ia", "ib")
                .join(comps.select(F.col("node").alias("ia"), "root"), "ia")
                .join(copy_root("a"), "ia", "left").join(copy_root("b"), "ib", "left")
                .groupBy("root").applyInPandas(_story_groups_fn(linkage), "node long, root long"))

    def _number_clusters(self, comps: Any, info: Any, kind: str, config_bc: Any) -> Any:
        """Clusters of ``comps`` (``node, root``) with their representatives, numbered as the
        local engine numbers them; returns the numbered clusters and each member's row."""
        from pyspark.sql import functions as F

        groups = (comps.join(info.select(F.col("idx").alias("node"), "id", "article_chars", "published"), "node")
                  .repartition("root")
                  .mapInPandas(_cluster_fn(config_bc),
                               "root long, size long, rep_id string, rep_idx long, members array<string>"))
        ordered = groups.orderBy(F.desc("size"), "rep_id").rdd.zipWithIndex()
        numbered = self._keep(self.spark.createDataFrame(
            ordered.map(lambda r: _numbered_cluster(kind, r[0], r[1] + 1)),
            "root long, number long, cluster string, rep_idx long, line string"))
        membership = self._keep(comps.join(numbered.select("root", "cluster", "rep_idx"), "root"))
        return numbered, membership

    # write

    def _write(self, docs: Any, an: Any, matches: Any, clusters: list, config_bc: Any,
               by_kind_rows: list) -> dict[str, Any]:
        from pyspark.sql import functions as F


        config = self.config
        # Each output is sorted before its lines are made, not after: a sort samples its input
        # in a job of its own, and sampling the lines ran every document through Python twice.
        # The per-document step is narrow, so the lines keep the sort's range partitions.
        records = (docs.join(an.select("idx", "boilerplate", "segments"), "idx")
                   .select("id", "text", "source", "url", "published", "chars", "warnings", "boilerplate", "segments",
                           "language", "language_confidence", "language_spans").orderBy("id")
                   .mapInPandas(_document_fn(config_bc), "id string, line string"))
        level = config.cluster.drop_level
        story = dict(clusters).get("story")
        if level == "story" and (story is None or story[0].limit(1).count() == 0):
            level = "copy"
        numbered, membership = dict(clusters)[level]
        n_dropped = membership.where(F.col("node") != F.col("rep_idx")).count()
        kept = (docs.join(membership.select(F.col("node").alias("idx"), "cluster", "rep_idx"), "idx", "left")
                .where(F.col("rep_idx").isNull() | (F.col("rep_idx") == F.col("idx")))
                .select("id", "text", "source", "url", "published", "raw", "cluster").orderBy("id")
                .mapInPandas(_dedup_fn(config.ingest.text_field), "id string, line string"))

        cluster_frames = [num.select(F.lit(level_no).alias("level"), "number", "line")
                          for level_no, (_, (num, _)) in enumerate(clusters)]
        cluster_df = cluster_frames[0]
        for c in cluster_frames[1:]:
            cluster_df = cluster_df.unionByName(c)

        if self.parquet:
            n_docs = self._parquet("documents.parquet", records)
            n_matches = self._parquet("matches.parquet", matches.drop("line", "ia", "ib").orderBy("a", "b"))
            n_clusters = self._parquet("clusters.parquet", cluster_df.orderBy("level", "number"))
            n_kept = self._parquet("deduplicated.parquet", kept)
        else:
            n_docs = self._jsonl("documents.jsonl", records)
            n_matches = self._jsonl("matches.jsonl", matches.orderBy("a", "b").select("line"))
            n_clusters = self._jsonl("clusters.jsonl", cluster_df.orderBy("level", "number"))
            n_kept = self._jsonl("deduplicated.jsonl", kept)
        self._texts(docs, matches)
        by_kind = {r["kind"]: r["count"] for r in by_kind_rows}
        n_copy = clusters[0][1][0].count()
        n_story = clusters[1][1][0].count() if len(clusters) > 1 else 0
        with_warnings = docs.where(F.size("warnings") > 0).count()
        return summary_counts(
            documents=n_docs, matches=n_matches, by_kind=by_kind, kind_rank=KIND_RANK, clusters=n_clusters,
            copy_clusters=n_copy, story_clusters=n_story, kept=n_kept, dropped=n_dropped,
            problems=self.n_problems if hasattr(self, "n_problems") else 0, documents_with_warnings=with_warnings)

    def _texts(self, docs: Any, matches: Any) -> None:
        """``texts.sqlite`` as the local engine writes it: every id, the text of matched ones.

        The executors write the rows sorted by id as Parquet parts; the driver reads them back a
        record batch at a time (pyarrow, outside the JVM) into SQLite, so its memory is one batch
        whatever the corpus size.
        """
        from pyspark.sql import functions as F

        from copydesk.texts import TEXTS_FILE, write_texts

        matched = (matches.select(F.col("a").alias("id")).union(matches.select(F.col("b").alias("id")))
                   .distinct().withColumn("matched", F.lit(True)))
        rows = (docs.select("id", "text").join(matched, "id", "left")
                .select("id", F.when(F.col("matched"), F.col("text")).alias("text")).orderBy("id"))
        parts = self.out.work / "texts-parts"
        rows.write.mode("overwrite").parquet(str(parts))
        write_texts(self.out.partial / TEXTS_FILE, parquet_rows(parts))
        shutil.rmtree(parts, ignore_errors=True)

    def _jsonl(self, name: str, df: Any) -> int:
        """Write a sorted frame's ``line`` column as one file.

        The executors write one text part per range partition of the sort (Spark's ``orderBy``
        is a range-partitioned shuffle then a sort within each partition, so part ``i`` holds
        lines that all sort before part ``i + 1``'s); the driver then concatenates the parts in
        partition order, copying bytes, never rows: its memory does not grow with the corpus.
        """
        parts = self.out.work / f"parts-{name}"
        df.select("line").write.mode("overwrite").option("lineSep", "\n").text(str(parts))
        n = concatenate_parts(parts, self.out.partial / name)
        shutil.rmtree(parts, ignore_errors=True)
        return n

    def _parquet(self, name: str, df: Any) -> int:
        """Write a sorted frame as Parquet parts and a manifest listing them in order."""
        folder = self.out.partial / name
        df.write.parquet(str(folder))
        return write_manifest(folder)


class _StageTimer:
    def __init__(self, timings: dict[str, float], name: str) -> None:
        self.timings, self.name = timings, name

    def __enter__(self) -> None:
        self.start = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        self.timings[self.name] = round(self.timings.get(self.name, 0.0) + time.perf_counter() - self.start, 3)
