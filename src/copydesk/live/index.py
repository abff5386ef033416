"""The persistent index: one SQLite file, added to in transactions, queried one document at a time.

What is stored (tables of :data:`SCHEMA`):

- ``docs``: per document its metadata, its text (zlib), its line keys (the cleaner's corpus
  statistics are learnt from them) and its features: boilerplate spans, segments, article
  characters, exact fingerprint, MinHash signature, passage keys and story keys (the postings,
  kept per document; the candidate generators sort them into postings lists in memory, a few
  milliseconds per thousand documents), and ``view_hash``, a digest of what matching reads.
- ``pairs``: every candidate pair compared, with a fingerprint of everything its comparison read
  and its result (a match, or none).
- ``matches``, ``clusters``, ``members``: the answer, as a batch run writes it.
- ``meta``: the configuration (fixed when the index is built), the format and a generation
  counter bumped by every add.

How an add (or a query, an add that is never written) stays equal to a batch run over the union:

1. The corpus-level line statistics of the cleaner are rebuilt from every document's stored line
   keys. A line that becomes (or stops being) furniture changes the cleaning of the documents
   that print it: exactly those are analysed again (:func:`copydesk.pipeline.analyse`).
2. Candidates come from the batch run's own generators over all documents' stored features
   (exact groups, LSH, passage postings, story postings), with the same id ranks.
3. A candidate pair is compared again only when its fingerprint changed: the documents' views
   (cleaning), the frequent passage keys they hold (the passages stage's corpus-wide cap, which
   moves with the corpus size) or the generators that proposed it. Otherwise its stored result
   is reused: comparison is a pure function of exactly those inputs.
4. Matches and clusters are then formed as the batch run forms them.

A kill at any point of an add leaves the file as it was before the add or after it: the add is
one SQLite transaction (write-ahead log), and readers see one state or the other.
"""

from __future__ import annotations

import functools
import json
import os
import sqlite3
import threading
import time
import zlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import xxhash

from copydesk import __version__
from copydesk.candidates import CandidatePairs
from copydesk.cluster import representative_key
from copydesk.config import Config
from copydesk.index import lsh_candidates, lsh_params
from copydesk.ingest import IngestError, Problem, read_inputs
from copydesk.pipeline import (
    ESTIMATE_SLACK,
    Context,
    Models,
    analyse,
    compare,
    exact_groups,
    exact_match,
    make_clusters,
    make_view,
    resolved,
)
from copydesk.sketch import MinHasher
from copydesk.store import cluster_record, document_record, match_record, span_list
from copydesk.types import Cluster, Document, Match, Passage, Span

__all__ = ["AddResult", "LiveIndex", "LiveIndexError", "QueryConflict"]

FORMAT = 1
"""Version of the file layout; an index of another version is refused with the command to rebuild."""

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS docs(
    pos INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, source TEXT, url TEXT, published TEXT,
    chars INTEGER NOT NULL, text BLOB NOT NULL, raw BLOB, warnings TEXT NOT NULL,
    line_keys BLOB NOT NULL, boilerplate TEXT NOT NULL, segments TEXT NOT NULL,
    article_chars INTEGER NOT NULL, exact_key BLOB NOT NULL, signature BLOB,
    passage_keys BLOB, story_keys BLOB, view_hash BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS pairs(a TEXT NOT NULL, b TEXT NOT NULL, fingerprint BLOB NOT NULL, match TEXT,
    PRIMARY KEY(a, b)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS matches(a TEXT NOT NULL, b TEXT NOT NULL, kind TEXT NOT NULL, record TEXT NOT NULL,
    PRIMARY KEY(a, b)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS matches_by_b ON matches(b);
CREATE TABLE IF NOT EXISTS clusters(id TEXT PRIMARY KEY, kind TEXT NOT NULL, representative TEXT NOT NULL,
    members TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS members(doc TEXT NOT NULL, cluster TEXT NOT NULL, PRIMARY KEY(doc, cluster)) WITHOUT ROWID;
"""

# A worker pool costs about a second to start (forkserver, then each worker imports numpy and
# builds its context); below these amounts of work an add runs in the calling process.
_POOL_MIN_DOCS = 300
_POOL_MIN_PAIRS = 2000
_NO_KEYS = np.zeros(0, np.uint64)
# Queries of one document take their candidates from the indexed postings (_candidates_of_one);
# the tests turn it off to compare with the whole-corpus generators.
_ONE_DOCUMENT_PATH = True


class LiveIndexError(Exception):
    """An index that cannot be used as asked (missing, of another format, or already there)."""


class QueryConflict(LiveIndexError):
    """A queried document carries the id of an indexed document with another text."""


@dataclass
class _Doc:
    """One indexed document as planning needs it (its text stays in the file)."""

    id: str
    source: str | None
    url: str | None
    published: str | None
    chars: int
    warnings: tuple[str, ...]
    line_keys: np.ndarray
    boilerplate: tuple[Span, ...]
    segments: tuple[Span, ...]
    article_chars: int
    exact_key: np.ndarray
    signature: np.ndarray | None
    passage_keys: np.ndarray | None
    story_keys: np.ndarray | None
    view_hash: bytes


@dataclass
class _State:
    """The index in memory at one generation: documents in insertion order and compared pairs."""

    generation: int
    docs: list[_Doc]
    line_stats: Any
    pairs: dict[tuple[str, str], tuple[bytes, Match | None]]
    matches: dict[tuple[str, str], str] = field(default_factory=dict)

    @property
    def positions(self) -> dict[str, int]:
        if not hasattr(self, "_positions"):
            self._positions = {d.id: p for p, d in enumerate(self.docs)}
        return self._positions

    def cached(self, name: str, make: Any) -> Any:
        """An array derived from the documents, made once per state (a state never changes)."""
        cache = self.__dict__.setdefault("_cache", {})
        if name not in cache:
            cache[name] = make()
        return cache[name]

    def postings(self, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``passage_keys`` or ``story_keys`` of every document as postings: keys sorted with
        their documents, and the distinct keys with their document frequencies."""
        def make() -> tuple[np.ndarray, ...]:
            keys, owner = _gather([getattr(d, name) for d in self.docs])
            by_key = np.argsort(keys, kind="stable")
            keys, owner = keys[by_key], owner[by_key]
            distinct, df = np.unique(keys, return_counts=True)
            return keys, owner, distinct, df

        return self.cached("postings:" + name, make)


@dataclass
class _Plan:
    """What an add changes, computed without writing anything."""

    new: list[Document]
    docs: list[_Doc]
    changed: list[int]
    line_stats: Any
    pairs: dict[tuple[str, str], tuple[bytes, Match | None]]
    matches: list[Match]
    clusters: list[Cluster]
    counts: dict[str, Any]


@dataclass
class AddResult:
    """What an add did: its counts (``documents_added``, ``reanalysed``, ``pairs_compared``...),
    the problems met reading the input, and the time per step in seconds."""

    counts: dict[str, Any]
    problems: list[str]
    timings: dict[str, float]


class LiveIndex:
    """A corpus index on disk that grows by adds and answers queries for new documents.

    Open an existing index with ``LiveIndex(path)``; make one with :meth:`create`. Safe for
    several readers at once (each call opens its own read connection) and one writer (adds are
    serialised by a lock in this process and by SQLite's write lock across processes).

    Args:
        path: The index file.
        processes: Worker processes for large adds (default: the stored configuration's).

    Raises:
        LiveIndexError: if ``path`` is not an index of this version.

    Example:
        >>> index = LiveIndex.create("news.cdx", Config(processes=1))  # doctest: +SKIP
        >>> index.add(["samples/news"]).counts["documents_added"]  # doctest: +SKIP
        44
    """

    def __init__(self, path: str | os.PathLike[str], *, processes: int | None = None) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise LiveIndexError(f"{self.path} is not a copydesk index; make one with `copydesk index build INPUT... -o {self.path}`")
        with self._read() as conn:
            try:
                meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
            except sqlite3.DatabaseError as e:
                raise LiveIndexError(f"{self.path} is not a copydesk index ({e})") from None
        if meta.get("format") != str(FORMAT):
            raise LiveIndexError(f"{self.path} is an index of format {meta.get('format')}, this copydesk reads "
                                 f"format {FORMAT}; rebuild it with `copydesk index build`")
        config = Config.from_mapping(json.loads(meta["config"]))
        if processes is not None:
            config = config.replace(processes=processes)
        self.config = config
        self.hasher = MinHasher(config.near.num_perm, config.near.ngram, config.near.seed)
        self._state: _State | None = None
        self._write_lock = threading.Lock()
        self._encoder_lock = threading.Lock()
        self._shared_models = Models()

    # --- making and opening ------------------------------------------------------------------

    @classmethod
    def create(cls, path: str | os.PathLike[str], config: Config | None = None, *, force: bool = False) -> LiveIndex:
        """Make an empty index with ``config`` (resolved: ``auto`` model fixed now, for good).

        Raises:
            LiveIndexError: if ``path`` exists and ``force`` is false.
        """
        path = Path(path)
        if path.exists() and not force:
            raise LiveIndexError(f"index {path} already exists; pass --force to replace it, or add to it "
                                 f"with `copydesk index add {path} INPUT...`")
        config = resolved(config or Config())
        if config.engine != "local":
            raise LiveIndexError("an index runs the local engine; drop --engine spark")
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        conn = _connect(path)
        with conn:
            conn.executescript(SCHEMA)
            stored = config.to_dict()
            stored["processes"] = 0  # a machine's setting, not the index's
            conn.executemany("INSERT INTO meta VALUES (?, ?)", [
                ("format", str(FORMAT)), ("config", json.dumps(stored)), ("generation", "0"),
                ("copydesk_version", __version__), ("signature_scheme", MinHasher(
                    config.near.num_perm, config.near.ngram, config.near.seed).scheme)])
        conn.close()
        return cls(path, processes=config.processes)

    def close(self) -> None:
        """Forget the cached state (connections are per call; nothing else to release)."""
        self._state = None

    def __enter__(self) -> LiveIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        conn = _connect(self.path, readonly=True)
        try:
            yield conn
        finally:
            conn.close()

    # --- reading -----------------------------------------------------------------------------

    def generation(self) -> int:
        """How many adds the index has seen (a reader can tell that it changed)."""
        with self._read() as conn:
            return _generation(conn)

    def health(self) -> dict[str, Any]:
        """Documents, matches and clusters in the index, and its generation."""
        with self._read() as conn:
            conn.execute("BEGIN")
            return {
                "documents": conn.execute("SELECT count(*) FROM docs").fetchone()[0],
                "matches": conn.execute("SELECT count(*) FROM matches").fetchone()[0],
                "clusters": conn.execute("SELECT count(*) FROM clusters").fetchone()[0],
                "generation": _generation(conn),
            }

    def match_records(self) -> list[dict[str, Any]]:
        """Every match, as lines of ``matches.jsonl``, in the batch run's order."""
        with self._read() as conn:
            return [json.loads(r) for (r,) in conn.execute("SELECT record FROM matches ORDER BY a, b")]

    def cluster_records(self) -> list[dict[str, Any]]:
        """Every cluster, as lines of ``clusters.jsonl``, in the batch run's order."""
        with self._read() as conn:
            rows = conn.execute("SELECT id, kind, representative, members FROM clusters").fetchall()
        clusters = [Cluster(i, k, tuple(json.loads(m)), r) for i, k, r, m in rows]
        # The batch run lists copy clusters, then story clusters, each numbered from 1.
        clusters.sort(key=lambda c: (c.kind != "copy", c.id))
        return [cluster_record(c) for c in clusters]

    def document(self, doc_id: str) -> dict[str, Any] | None:
        """One document's record (as in ``documents.jsonl``), its matches and its clusters;
        None when the id is not in the index."""
        with self._read() as conn:
            conn.execute("BEGIN")
            row = conn.execute("SELECT id, source, chars, url, published, boilerplate, segments, warnings "
                               "FROM docs WHERE id = ?", (doc_id,)).fetchone()
            if row is None:
                return None
            matches = [json.loads(r) for (r,) in conn.execute(
                "SELECT record FROM matches WHERE a = ? UNION ALL SELECT record FROM matches WHERE b = ?",
                (doc_id, doc_id))]
            clusters = conn.execute(
                "SELECT c.id, c.kind, c.representative, c.members FROM members m JOIN clusters c ON c.id = m.cluster "
                "WHERE m.doc = ?", (doc_id,)).fetchall()
        matches.sort(key=lambda r: (r["a"], r["b"]))
        record = document_record(row[0], row[1], row[2], row[3], row[4], _spans(row[5]), _spans(row[6]),
                                 json.loads(row[7]), truncated=row[2] > self.config.ingest.max_doc_chars)
        del record["copydesk_output"], record["published_origin"]  # the index keeps no date origins (yet)
        cluster_list = sorted((Cluster(i, k, tuple(json.loads(m)), r) for i, k, r, m in clusters),
                              key=lambda c: (c.kind != "copy", c.id))
        return {"document": record, "matches": matches, "clusters": [cluster_record(c) for c in cluster_list]}

    def text(self, doc_id: str) -> str | None:
        """The original text of an indexed document, or None."""
        with self._read() as conn:
            row = conn.execute("SELECT text FROM docs WHERE id = ?", (doc_id,)).fetchone()
        return None if row is None else _unzip(row[0])

    # --- state ---------------------------------------------------------------------------------

    def _current(self, conn: sqlite3.Connection) -> _State:
        """The state at the connection's generation (loaded again only when it moved)."""
        generation = _generation(conn)
        state = self._state
        if state is None or state.generation != generation:
            state = _load(conn, self.config, generation)
            self._state = state
        return state

    def _models(self) -> Models:
        """Models for one plan: the shared encoder (loaded once), a fresh per-call sentence cache
        (a cache is not safe across threads)."""
        with self._encoder_lock:
            encoder = self._shared_models.encoder(self.config) if (
                self.config.runs("rewrite") or self.config.runs("story")) else None
        models = Models()
        models._encoder, models._loaded = encoder, True
        return models

    # --- adding ----------------------------------------------------------------------------------

    def add(self, inputs: Sequence[str | os.PathLike[str]], *, progress: bool = False) -> AddResult:
        """Read inputs (as ``copydesk run`` does) and add their documents.

        A document whose id is already indexed is skipped and reported, as a batch run skips a
        repeated id (``--ingest-on-error fail`` stops instead).

        Raises:
            IngestError: a missing input, or a bad record under ``on_error = "fail"``.
        """
        for given in inputs:
            if str(given) != "-" and not Path(given).exists():
                raise IngestError(f"input {given} does not exist")
        from copydesk.engines.local import progress_bar

        with progress_bar(progress) as bar:
            docs, problems = read_documents(inputs, self.config, bar)
        result = self.add_documents(docs, progress=progress)
        result.problems[:0] = problems
        result.counts["problems"] = len(result.problems)
        return result

    def add_documents(self, documents: Iterable[Document], *, progress: bool = False) -> AddResult:
        """Add documents in one transaction: all of them, or (killed, or failing) none.

        Returns:
            Counts, problems (ids already indexed) and timings.
        """
        from copydesk.engines.local import progress_bar

        with self._write_lock, progress_bar(progress) as bar:
            conn = _connect(self.path)
            try:
                try:  # the write lock first: the state read is the one written over
                    conn.execute("BEGIN IMMEDIATE")
                except sqlite3.OperationalError as e:
                    raise LiveIndexError(f"{self.path} is being written by another add ({e}); "
                                         "run this add when it has finished") from None
                state = self._current(conn)
                new, problems = self._fresh(state, documents)
                plan, timings = self._plan(state, new, conn, bar=bar)
                start = time.perf_counter()
                next_state = _write(conn, state, plan)
                conn.execute("COMMIT")
                timings["write"] = round(time.perf_counter() - start, 3)
                self._state = next_state
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            finally:
                conn.close()
        counts = plan.counts | {"problems": len(problems), "documents": len(plan.docs)}
        return AddResult(counts, problems, timings)

    def _fresh(self, state: _State, documents: Iterable[Document]) -> tuple[list[Document], list[str]]:
        """The documents whose ids are new, cut to ``max_doc_chars`` with a warning as a run does."""
        seen = state.positions
        new: dict[str, Document] = {}
        problems = []
        limit = self.config.ingest.max_doc_chars
        for doc in documents:
            if doc.id in seen or doc.id in new:
                message = f"{doc.origin or doc.id}: duplicate id {doc.id!r} (already in the index); ids must be unique"
                if self.config.ingest.on_error == "fail":
                    raise IngestError(message)
                problems.append(message)
                continue
            if len(doc.text) > limit:
                doc = replace(doc, warnings=doc.warnings + (
                    f"{doc.origin}: {len(doc.text)} characters; matched on the first {limit}",))
            new[doc.id] = doc
        return list(new.values()), problems

    # --- querying --------------------------------------------------------------------------------

    def query(self, document: Document) -> dict[str, Any]:
        """Which indexed documents ``document`` copies, excerpts, rewrites or reports the same
        story as: the matches a batch run over the index and this document would give it.

        Nothing is written. A document whose id and text are those of an indexed document is
        answered from the index.

        Returns:
            ``{"id": ..., "indexed": bool, "matches": [records of matches.jsonl]}``.

        Raises:
            QueryConflict: the id is indexed with another text (give the query another id).
        """
        with self._read() as conn:
            conn.execute("BEGIN")  # one snapshot for the whole query
            state = self._current(conn)
            if document.id in state.positions:
                row = conn.execute("SELECT text FROM docs WHERE id = ?", (document.id,)).fetchone()
                if _unzip(row[0]) != document.text:
                    raise QueryConflict(f"id {document.id!r} is already in the index with another text; "
                                        "query it under another id")
                found = self.document(document.id)
                return {"id": document.id, "indexed": True, "matches": found["matches"] if found else []}
            new, _ = self._fresh(state, [document])
            plan, _ = self._plan(state, new, conn, query=True)
        return {"id": document.id, "indexed": False, "matches": [match_record(m) for m in plan.matches]}

    # --- the plan ----------------------------------------------------------------------------------

    def _plan(self, state: _State, new: list[Document], conn: sqlite3.Connection, *, query: bool = False,
              bar: Any = None) -> tuple[_Plan, dict[str, float]]:
        from copydesk.engines.local import LocalEngine, progress_bar

        cfg = self.config
        timings: dict[str, float] = {}
        clock = time.perf_counter()
        limit = cfg.ingest.max_doc_chars
        cleaning = cfg.runs("clean") and cfg.clean.enabled
        docs = list(state.docs)
        n_old = len(docs)
        big = len(new) >= _POOL_MIN_DOCS and cfg.workers > 1 and not query
        bar = bar if bar is not None else progress_bar(False)

        # 1. Corpus statistics of lines, and the documents whose cleaning they change.
        if cleaning:
            from copydesk import clean

            new_line_keys = [clean.line_keys(d.text[:limit], cfg.clean) for d in new]
            line_stats = clean.LineStats.build(
                [(d.source, d.line_keys) for d in docs] + [(d.source, k) for d, k in zip(new, new_line_keys)],
                cfg.clean)
            again = _affected(state.line_stats, line_stats, docs)
        else:
            new_line_keys = [_NO_KEYS] * len(new)
            line_stats, again = None, []
        timings["clean"] = _lap(clock)

        # 2. Analysis of the new documents and of those whose cleaning may have changed.
        clock = time.perf_counter()
        ctx = Context(cfg, self.hasher, line_stats, models=self._models())
        texts = {p: t for p, t in zip(again, _texts(conn, [docs[p].id for p in again]))}
        batch = [(texts[p], docs[p].source) for p in again] + [(d.text, d.source) for d in new]
        engine = LocalEngine(cfg.workers if big else 1, bar)
        with engine:
            engine.start(ctx)
            tasks = [(np.arange(lo, min(lo + cfg.batch_docs, len(batch))),
                      [t for t, _ in batch[lo : lo + cfg.batch_docs]], [s for _, s in batch[lo : lo + cfg.batch_docs]])
                     for lo in range(0, len(batch), cfg.batch_docs)]
            parts = list(engine.map(_analyse_task, tasks, label="Analysing", total=len(batch),
                                    weight=lambda t: len(t[0])))
        features = [f for part in parts for f in _split(part)]
        changed = []
        for k, p in enumerate(again):
            doc = _with_features(docs[p], features[k])
            if doc.view_hash != docs[p].view_hash:
                docs[p] = doc
                changed.append(p)
        for k, d in enumerate(new):
            docs.append(_Doc(d.id, d.source, d.url, d.published, len(d.text), d.warnings, new_line_keys[k],
                             (), (), 0, _NO_KEYS, None, None, None, b""))
            docs[-1] = _with_features(docs[-1], features[len(again) + k])
        timings["analyse"] = _lap(clock)

        # 3. Candidates, as the batch run forms them, over every document.
        clock = time.perf_counter()
        n = len(docs)
        ids = [d.id for d in docs]
        order = np.empty(n, dtype=np.int64)
        order[np.array(sorted(range(n), key=ids.__getitem__), dtype=np.int64)] = np.arange(n)
        article_chars = np.array([d.article_chars for d in docs], dtype=np.int64)
        published = [d.published for d in docs]
        rep_key = representative_key(cfg.cluster.representative, ids, article_chars, published)
        has_text = article_chars > 0
        frequent_of = [b""] * n
        if query and len(new) == 1 and not changed and n_old and _ONE_DOCUMENT_PATH:
            # One new document: only its pairs are wanted, found from the indexed postings
            # (:func:`_candidates_of_one`); the whole-corpus generators give the same pairs for it.
            candidates, exact_edges, frequent = _candidates_of_one(cfg, state, docs[-1], order, rep_key, has_text)
        else:
            candidates = CandidatePairs()
            exact_edges: list[tuple[int, int]] = []
            leaders = np.flatnonzero(has_text)
            frequent = None
            if cfg.runs("exact") and n:
                exact_keys = np.stack([d.exact_key for d in docs])
                exact_edges, leaders = exact_groups(exact_keys, has_text, rep_key)
            if cfg.runs("near") and n:
                signatures = np.stack([d.signature for d in docs])
                bands, rows = lsh_params(cfg.near.min_jaccard, cfg.near.num_perm)
                pairs = lsh_candidates(signatures, leaders, order, bands, rows)
                estimate = ((signatures[pairs[:, 0]] == signatures[pairs[:, 1]]).mean(axis=1) if len(pairs)
                            else np.zeros(0))
                candidates.add(pairs[estimate >= cfg.near.min_jaccard - ESTIMATE_SLACK], "near")
            if cfg.runs("passages") and n:
                from copydesk import passages

                keys, owner = _gather([d.passage_keys for d in docs])
                candidates.add(passages.passage_candidates(keys, owner, n, cfg.passages), "passages")
                frequent = passages.frequent_keys(keys, owner, n, cfg.passages)
                frequent_of = _frequent_digests(keys, owner, n, frequent)
            if (cfg.runs("rewrite") or cfg.runs("story")) and n:
                from copydesk import semantic

                keys, owner = _gather([d.story_keys for d in docs])
                candidates.add(semantic.rewrite_candidates(keys, owner, n, cfg.rewrite, order), "story")
        for a, b in exact_edges:
            candidates.discard(a, b)
        # The same-story model weighs shared names by their rarity in the whole corpus (as the
        # batch run does): every story pair is compared again when the corpus's keys change.
        rarity, rarity_digest = None, b""
        if cfg.runs("story") and n:
            from copydesk import semantic

            keys, owner = _gather([d.story_keys for d in docs])
            rarity = semantic.story_rarity(keys, owner, cfg.rewrite)
            unique, counts = np.unique(keys, return_counts=True)
            rarity_digest = xxhash.xxh64_digest(unique.tobytes() + counts.tobytes())
        timings["candidates"] = _lap(clock)

        # 4. Compare what is new or whose inputs changed; reuse the rest.
        clock = time.perf_counter()
        involved = set(range(n_old, n)) if query else None
        pair_results: dict[tuple[str, str], tuple[bytes, Match | None]] = {}
        todo: list[tuple[int, int, frozenset[str], bytes]] = []
        for candidate in candidates:
            i, j, methods = candidate.a, candidate.b, candidate.methods
            if involved is not None and i not in involved and j not in involved:
                continue
            a, b = (i, j) if ids[i] < ids[j] else (j, i)
            fingerprint = xxhash.xxh64_digest(b"|".join((docs[a].view_hash, docs[b].view_hash, frequent_of[a],
                                                         frequent_of[b], ",".join(sorted(methods)).encode(),
                                                         rarity_digest if "story" in methods else b"")))
            known = state.pairs.get((ids[a], ids[b]))
            if known is not None and known[0] == fingerprint:
                pair_results[(ids[a], ids[b])] = known
            else:
                todo.append((a, b, frozenset(methods), fingerprint))
        ctx = replace(ctx, frequent_keys=frequent, story_rarity=rarity)
        found = self._compare(ctx, conn, docs, new, n_old, todo, bar,
                              cfg.workers if (len(todo) >= _POOL_MIN_PAIRS and cfg.workers > 1 and not query) else 1)
        for a, b, _, fingerprint in todo:
            pair_results[(ids[a], ids[b])] = (fingerprint, found.get((ids[a], ids[b])))
        timings["compare"] = _lap(clock)

        # 5. Matches and clusters.
        clock = time.perf_counter()
        chars = [d.chars for d in docs]
        matches = [exact_match(ids[a], ids[b], chars[a], chars[b]) for a, b in exact_edges
                   if involved is None or a in involved or b in involved]
        matches.extend(m for _, m in pair_results.values() if m is not None)
        matches.sort(key=lambda m: (m.a, m.b))
        clusters = [] if query else make_clusters(matches, ids, rep_key, cfg)
        timings["cluster"] = _lap(clock)
        counts = {
            "documents_added": len(new),
            "reanalysed": len(again),
            "recleaned": len(changed),
            "candidates": len(candidates),
            "pairs_compared": len(todo),
            "pairs_reused": len(pair_results) - len(todo),
            "matches": len(matches),
            "clusters": len(clusters),
        }
        return _Plan(new, docs, changed, line_stats, pair_results, matches, clusters, counts), timings

    def _compare(self, ctx: Context, conn: sqlite3.Connection, docs: list[_Doc], new: list[Document], n_old: int,
                 todo: list[tuple[int, int, frozenset[str], bytes]], bar: Any, processes: int) -> dict[tuple[str, str], Match]:
        """Compare pairs (positions into ``docs``), in chunks as the batch run does."""
        from copydesk.engines.local import LocalEngine

        if not todo:
            return {}
        per_task = max(64, self.config.batch_docs // 4)
        old_needed = sorted({p for a, b, _, _ in todo for p in (a, b) if p < n_old})
        old_texts = dict(zip(old_needed, _texts(conn, [docs[p].id for p in old_needed])))

        def text_of(p: int) -> str:
            return old_texts[p] if p < n_old else new[p - n_old].text

        def tasks() -> Iterator[tuple[list[Any], np.ndarray, tuple[frozenset[str], ...]]]:
            for lo in range(0, len(todo), per_task):
                chunk = todo[lo : lo + per_task]
                members = sorted({p for a, b, _, _ in chunk for p in (a, b)})
                where = {p: k for k, p in enumerate(members)}
                views = [make_view(ctx, docs[p].id, text_of(p), docs[p].boilerplate, docs[p].segments,
                                   docs[p].published, docs[p].source) for p in members]
                pairs = np.array([(where[a], where[b]) for a, b, _, _ in chunk], dtype=np.int64).reshape(-1, 2)
                yield views, pairs, tuple(m for _, _, m, _ in chunk)

        found: dict[tuple[str, str], Match] = {}
        with LocalEngine(processes, bar) as engine:
            engine.start(ctx)
            for part in engine.map(_compare_task, tasks(), label="Comparing pairs", total=len(todo),
                                   weight=lambda t: len(t[1]), unit="pairs"):
                for m in part:
                    found[(m.a, m.b)] = m
        return found


# --- the candidates of one new document --------------------------------------------------------


def _candidates_of_one(cfg: Config, state: _State, doc: _Doc, order: np.ndarray, rep_key: Any,
                       has_text: np.ndarray) -> tuple[CandidatePairs, list[tuple[int, int]], np.ndarray | None]:
    """The candidate pairs of one new document (position ``n - 1``), its exact edges, and the
    frequent passage keys its comparisons read, as the whole-corpus generators give them.

    Each generator is called with the postings of the documents that can pair with the new one,
    and its pairs with it are kept. That gives the whole-corpus answer because a pair's fate
    depends only on the documents holding its keys: LSH pairs the members of a bucket, and every
    member of the new document's buckets is given; passage candidates count shared keys of
    moderate frequency, and every holder of the new document's keys is given (so their
    frequencies are exact); story candidates also rank each document's partners, so every holder
    of the keys of the new document's neighbours is given too (keys outside the frequency
    window make no pair and are left out, which keeps every given key's frequency exact). The
    query tests compare the answers with batch runs.
    """
    n = len(state.docs) + 1
    q = n - 1
    candidates = CandidatePairs()
    exact_edges: list[tuple[int, int]] = []
    leaders = np.flatnonzero(has_text)
    if cfg.runs("exact"):
        keys = np.vstack([state.cached("exact", lambda: np.stack([d.exact_key for d in state.docs])), doc.exact_key])
        exact_edges, leaders = exact_groups(keys, has_text, rep_key)
        exact_edges = [(a, b) for a, b in exact_edges if q in (a, b)]
    if cfg.runs("near"):
        from copydesk.index import band_keys

        bands, rows = _lsh_params(cfg.near.min_jaccard, cfg.near.num_perm)
        old = state.cached("signatures", lambda: np.stack([d.signature for d in state.docs]))
        old_bands = state.cached(f"bands:{bands}x{rows}", lambda: np.stack(
            [band_keys(old[:, b * rows : (b + 1) * rows]) for b in range(bands)], axis=1))
        mine = np.array([band_keys(doc.signature[None, b * rows : (b + 1) * rows])[0] for b in range(bands)])
        near = np.append(np.flatnonzero((old_bands == mine).any(axis=1)), q)
        signatures = np.vstack([old, doc.signature])
        pairs = lsh_candidates(signatures, np.intersect1d(leaders, near), order, bands, rows)
        pairs = pairs[(pairs == q).any(axis=1)]
        estimate = (signatures[pairs[:, 0]] == signatures[pairs[:, 1]]).mean(axis=1) if len(pairs) else np.zeros(0)
        candidates.add(pairs[estimate >= cfg.near.min_jaccard - ESTIMATE_SLACK], "near")
    frequent = None
    if cfg.runs("passages"):
        from copydesk import passages

        mine = doc.passage_keys
        keys, owner = _holders(state.postings("passage_keys"), mine, mine, q)
        pairs = passages.passage_candidates(keys, owner, n, cfg.passages)
        candidates.add(pairs[(pairs == q).any(axis=1)], "passages")
    if cfg.runs("rewrite") or cfg.runs("story"):
        from copydesk import semantic

        postings = state.postings("story_keys")
        mine = doc.story_keys
        window = lambda k: (k >= 2) & (k <= cfg.rewrite.max_key_docs)  # noqa: E731 - as candidate_pairs
        rare = mine[window(_frequency(postings, mine) + 1)]  # the new document holds each of its keys
        neighbours = np.unique(_holders(postings, rare, _NO_KEYS, q)[1])
        theirs = _unique_concat([state.docs[p].story_keys for p in neighbours.tolist()])
        theirs = theirs[window(_frequency(postings, theirs) + np.isin(theirs, mine))]
        wanted = np.union1d(rare, theirs)
        keys, owner = _holders(postings, wanted, mine[np.isin(mine, wanted)], q)
        pairs = semantic.rewrite_candidates(keys, owner, n, cfg.rewrite, order)
        candidates.add(pairs[(pairs == q).any(axis=1)], "story")
    if cfg.runs("passages"):
        from copydesk import passages

        # relate() reads the frequent keys where the two texts hold them: the keys of the new
        # document and of its partners, each given with all its holders (exact frequencies).
        partners = sorted(candidates.documents() - {q})
        wanted = _unique_concat([doc.passage_keys] + [state.docs[p].passage_keys for p in partners])
        keys, owner = _holders(state.postings("passage_keys"), wanted, doc.passage_keys, q)
        frequent = passages.frequent_keys(keys, owner, n, cfg.passages)
    return candidates, exact_edges, frequent


@functools.lru_cache(maxsize=16)
def _lsh_params(min_jaccard: float, num_perm: int) -> tuple[int, int]:
    return lsh_params(min_jaccard, num_perm)


def _unique_concat(arrays: list[np.ndarray | None]) -> np.ndarray:
    arrays = [a for a in arrays if a is not None and len(a)]
    return np.unique(np.concatenate(arrays)) if arrays else _NO_KEYS


def _frequency(postings: tuple[np.ndarray, ...], keys: np.ndarray) -> np.ndarray:
    """Number of indexed documents holding each key."""
    _, _, distinct, df = postings
    if len(distinct) == 0:
        return np.zeros(len(keys), np.int64)
    at = np.minimum(np.searchsorted(distinct, keys), len(distinct) - 1)
    return np.where(distinct[at] == keys, df[at], 0)


def _holders(postings: tuple[np.ndarray, ...], keys: np.ndarray, mine: np.ndarray, q: int) -> tuple[np.ndarray, np.ndarray]:
    """Every posting of ``keys`` in the index, plus the new document's postings ``mine`` (as
    ``(keys, documents)`` for the candidate generators)."""
    sorted_keys, owner, _, _ = postings
    keys = np.asarray(keys, dtype=np.uint64)
    lo = np.searchsorted(sorted_keys, keys, side="left")
    hi = np.searchsorted(sorted_keys, keys, side="right")
    length = hi - lo
    at = np.repeat(lo, length) + (np.arange(length.sum()) - np.repeat(np.cumsum(length) - length, length))
    mine = np.asarray(mine, dtype=np.uint64)
    return (np.concatenate([sorted_keys[at], mine]),
            np.concatenate([owner[at], np.full(len(mine), q, dtype=np.int64)]))


# --- worker tasks (module level: picklable) -----------------------------------------------------


def _analyse_task(ctx: Context, task: tuple[np.ndarray, list[str], list[str | None]]) -> Any:
    indices, texts, sources = task
    return analyse(ctx, indices, texts, sources)


def _compare_task(ctx: Context, task: tuple[list[Any], np.ndarray, tuple[frozenset[str], ...]]) -> list[Match]:
    views, pairs, methods = task
    return compare(ctx, views, pairs, methods)


# --- helpers ---------------------------------------------------------------------------------------


def read_documents(inputs: Sequence[str | os.PathLike[str]], config: Config,
                   bar: Any = None) -> tuple[list[Document], list[str]]:
    """Every document of the inputs (read as ``copydesk run`` reads them), and the problems met.

    Args:
        bar: A progress display to count the documents on.
    """
    docs, problems = [], []
    task = bar.add_task("Reading", total=None, unit="docs") if bar is not None else None
    for item in read_inputs([str(i) for i in inputs], config.ingest):
        if task is not None and len(docs) % 100 == 0:
            bar.update(task, completed=len(docs))
        if isinstance(item, Problem):
            if config.ingest.on_error == "fail" and item.fatal:
                raise IngestError(str(item))
            problems.append(str(item))
            continue
        docs.append(item)
    if task is not None:
        bar.update(task, total=len(docs), completed=len(docs))
    return docs, problems


def _connect(path: Path, readonly: bool = False) -> sqlite3.Connection:
    if readonly:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None, check_same_thread=False,
                               timeout=60)
    else:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=60)
        # Write-ahead log: readers keep reading the last committed state while an add writes,
        # and a killed add leaves only an uncommitted tail that SQLite discards on next open.
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
    return conn


def _generation(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0])


def _texts(conn: sqlite3.Connection, ids: Sequence[str]) -> list[str]:
    out: dict[str, str] = {}
    for lo in range(0, len(ids), 500):
        chunk = list(ids[lo : lo + 500])
        marks = ",".join("?" * len(chunk))
        out.update((i, _unzip(t)) for i, t in conn.execute(f"SELECT id, text FROM docs WHERE id IN ({marks})", chunk))
    return [out[i] for i in ids]


def _unzip(blob: bytes) -> str:
    return zlib.decompress(blob).decode("utf-8", "surrogatepass")


def _zip(text: str) -> bytes:
    return zlib.compress(text.encode("utf-8", "surrogatepass"), 6)


def _lap(start: float) -> float:
    return round(time.perf_counter() - start, 3)


def _spans_json(spans: Sequence[Span]) -> str:
    return json.dumps([[s.start, s.end, s.reason, s.score] for s in spans])


def _spans(text: str) -> tuple[Span, ...]:
    return tuple(Span(s, e, r, sc) for s, e, r, sc in json.loads(text))


def _view_hash(boilerplate: Sequence[Span], segments: Sequence[Span]) -> bytes:
    """Digest of what matching reads besides the (immutable) text and metadata: the cleaning."""
    return xxhash.xxh128_digest((_spans_json(boilerplate) + "|" + _spans_json(segments)).encode())


def _blob(array: np.ndarray | None) -> bytes | None:
    return None if array is None else np.ascontiguousarray(array).tobytes()


def _array(blob: bytes | None, dtype: Any) -> np.ndarray | None:
    return None if blob is None else np.frombuffer(blob, dtype=dtype).copy()


def _split(part: Any) -> list[dict[str, Any]]:
    """Per-document features out of one :class:`copydesk.pipeline.Analysis`."""
    out = []
    n = len(part.indices)

    def per_doc(keys: tuple[np.ndarray, np.ndarray] | None) -> list[np.ndarray | None]:
        if keys is None:
            return [None] * n
        values, owner = keys
        bounds = np.searchsorted(owner, part.indices, side="left"), np.searchsorted(owner, part.indices, side="right")
        return [values[lo:hi].copy() for lo, hi in zip(*bounds)]

    passage, story = per_doc(part.passage_keys), per_doc(part.story_keys)
    for k in range(n):
        out.append({
            "boilerplate": part.boilerplate[k], "segments": part.segments[k],
            "article_chars": int(part.article_chars[k]), "exact_key": part.exact_keys[k].copy(),
            "signature": None if part.signatures is None else part.signatures.values[k].copy(),
            "passage_keys": passage[k], "story_keys": story[k],
        })
    return out


def _with_features(doc: _Doc, f: dict[str, Any]) -> _Doc:
    return replace(doc, **f, view_hash=_view_hash(f["boilerplate"], f["segments"]))


def _affected(old: Any, new: Any, docs: list[_Doc]) -> list[int]:
    """Positions of documents holding a line whose learnt status differs between two line stats."""
    if old is None:
        return list(range(len(docs)))
    corpus = old.corpus_keys ^ new.corpus_keys
    by_source = {s: old.source_keys.get(s, frozenset()) ^ new.source_keys.get(s, frozenset())
                 for s in set(old.source_keys) | set(new.source_keys)}
    by_source = {s: v for s, v in by_source.items() if v}
    if not corpus and not by_source:
        return []
    out = []
    for p, d in enumerate(docs):
        of_source = by_source.get(d.source) if d.source is not None else None
        if not (corpus or of_source):
            continue
        if any(k in corpus or (of_source and k in of_source) for k in d.line_keys.tolist()):
            out.append(p)
    return out


def _gather(per_doc: list[np.ndarray | None]) -> tuple[np.ndarray, np.ndarray]:
    arrays = [k if k is not None else _NO_KEYS for k in per_doc]
    lengths = np.fromiter((len(k) for k in arrays), np.int64, len(arrays))
    keys = np.concatenate(arrays).astype(np.uint64) if arrays else _NO_KEYS
    return keys, np.repeat(np.arange(len(arrays), dtype=np.int64), lengths)


def _frequent_digests(keys: np.ndarray, owner: np.ndarray, n: int, frequent: np.ndarray) -> list[bytes]:
    """Per document, a digest of its passage keys that are frequent: :func:`copydesk.passages.relate`
    reads the frequent keys only where a document's text holds them (they are passage keys, so a
    document holds one only among its own)."""
    out = [b""] * n
    if len(frequent) == 0:
        return out
    hit = np.isin(keys, frequent)
    for p in np.unique(owner[hit]).tolist():
        out[p] = xxhash.xxh64_digest(np.sort(keys[hit & (owner == p)]).tobytes())
    return out


def _match_json(m: Match) -> str:
    return json.dumps([m.a, m.b, m.kind, m.score, m.jaccard, m.containment_a, m.containment_b,
                       [[*p.a, *p.b, p.kind, p.score] for p in m.passages], m.method])


def _match_of(text: str) -> Match:
    a, b, kind, score, jac, ca, cb, passages, method = json.loads(text)
    return Match(a, b, kind, score, jac, ca, cb,
                 tuple(Passage((p[0], p[1]), (p[2], p[3]), p[4], p[5]) for p in passages), method)


def _load(conn: sqlite3.Connection, config: Config, generation: int) -> _State:
    docs = []
    for row in conn.execute("SELECT id, source, url, published, chars, warnings, line_keys, boilerplate, segments, "
                            "article_chars, exact_key, signature, passage_keys, story_keys, view_hash "
                            "FROM docs ORDER BY pos"):
        docs.append(_Doc(row[0], row[1], row[2], row[3], row[4], tuple(json.loads(row[5])),
                         _array(row[6], np.uint64), _spans(row[7]), _spans(row[8]), row[9],
                         _array(row[10], np.uint64), _array(row[11], np.uint32), _array(row[12], np.uint64),
                         _array(row[13], np.uint64), row[14]))
    line_stats = None
    if config.runs("clean") and config.clean.enabled:
        from copydesk import clean

        line_stats = clean.LineStats.build([(d.source, d.line_keys) for d in docs], config.clean)
    pairs = {(a, b): (fp, None if m is None else _match_of(m))
             for a, b, fp, m in conn.execute("SELECT a, b, fingerprint, match FROM pairs")}
    matches = {(a, b): r for a, b, r in conn.execute("SELECT a, b, record FROM matches")}
    return _State(generation, docs, line_stats, pairs, matches)


def _doc_row(d: _Doc) -> tuple[Any, ...]:
    return (_spans_json(d.boilerplate), _spans_json(d.segments), d.article_chars, _blob(d.exact_key),
            _blob(d.signature), _blob(d.passage_keys), _blob(d.story_keys), d.view_hash)


def _write(conn: sqlite3.Connection, state: _State, plan: _Plan) -> _State:
    """Write a plan inside the caller's transaction; return the state it makes."""
    n_old = len(state.docs)
    conn.executemany(
        "INSERT INTO docs(pos, id, source, url, published, chars, text, raw, warnings, line_keys, boilerplate, "
        "segments, article_chars, exact_key, signature, passage_keys, story_keys, view_hash) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        ((n_old + k, d.id, d.source, d.url, d.published, len(d.text), _zip(d.text),
          None if d.raw is None else _zip(d.raw), json.dumps(list(plan.docs[n_old + k].warnings)),
          _blob(plan.docs[n_old + k].line_keys), *_doc_row(plan.docs[n_old + k])) for k, d in enumerate(plan.new)))
    conn.executemany(
        "UPDATE docs SET boilerplate = ?, segments = ?, article_chars = ?, exact_key = ?, signature = ?, "
        "passage_keys = ?, story_keys = ?, view_hash = ? WHERE pos = ?",
        ((*_doc_row(plan.docs[p]), p) for p in plan.changed))
    gone = [k for k in state.pairs if k not in plan.pairs]
    conn.executemany("DELETE FROM pairs WHERE a = ? AND b = ?", gone)
    conn.executemany("INSERT OR REPLACE INTO pairs VALUES (?, ?, ?, ?)",
                     ((a, b, fp, None if m is None else _match_json(m)) for (a, b), (fp, m) in plan.pairs.items()
                      if state.pairs.get((a, b), (None,))[0] != fp))
    records = {(m.a, m.b): json.dumps(match_record(m), ensure_ascii=False, separators=(",", ":"))
               for m in plan.matches}
    conn.executemany("DELETE FROM matches WHERE a = ? AND b = ?", [k for k in state.matches if k not in records])
    conn.executemany("INSERT OR REPLACE INTO matches VALUES (?, ?, ?, ?)",
                     ((a, b, json.loads(r)["kind"], r) for (a, b), r in records.items() if state.matches.get((a, b)) != r))
    # Cluster ids are numbered by size, so an add renumbers them: written again whole.
    conn.execute("DELETE FROM clusters")
    conn.execute("DELETE FROM members")
    conn.executemany("INSERT INTO clusters VALUES (?, ?, ?, ?)",
                     ((c.id, c.kind, c.representative, json.dumps(list(c.members))) for c in plan.clusters))
    conn.executemany("INSERT INTO members VALUES (?, ?)", ((d, c.id) for c in plan.clusters for d in c.members))
    generation = state.generation + 1
    conn.execute("UPDATE meta SET value = ? WHERE key = 'generation'", (str(generation),))
    return _State(generation, plan.docs, plan.line_stats, plan.pairs, records)
