"""The pipeline: pure stage functions over batches of records, and the run that chains them.

Stages, in order (``--stages`` picks a subset; reading, clustering and writing always run):

1. read: stream the inputs into a :class:`~copydesk.store.DocStore` (texts spill to disk).
2. clean: corpus statistics of lines, then per document the boilerplate spans and segments.
3. analyse: per document, on the cleaned text: the exact fingerprint, the MinHash signature,
   the rare-shingle keys (passages) and the story keys (rewrites).
4. candidates: exact groups; LSH on signatures (near); postings of rare shingles (passages);
   postings of content words (rewrite, story).
5. compare: every candidate pair is verified on the texts and becomes a :class:`Match` or
   nothing.
6. cluster and write.

The functions taking a :class:`Context` are pure: no files but the read-only store, no global
state. Engines (:mod:`copydesk.engines`) decide where they run.
"""

from __future__ import annotations

import platform
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from copydesk import __version__
from copydesk.cluster import components, copy_edges, representative_key
from copydesk.config import Config
from copydesk.index import lsh_candidates, lsh_params, unique_pairs
from copydesk.ingest import IngestError, Problem, read_inputs
from copydesk.languages import (
    identify_document,
    language_counts,
    language_fields,
    language_filter,
    semantic_skip,
    skipped_pairs,
)
from copydesk.languages.analysis import mojibake_warning
from copydesk.sketch import MinHasher, exact_key
from copydesk.store import (
    DocStore,
    DocStoreReader,
    OutputFolder,
    StoreSlice,
    cluster_record,
    dumps,
    match_record,
    span_list,
)
from copydesk.text import token_stream
from copydesk.types import Cluster, DocInfo, DocView, Match, Passage, Span

__all__ = ["Context", "RunResult", "find_reuse"]

# A near-duplicate candidate is compared on its texts when the signature estimate is within
# this much below min_jaccard: the estimate's standard error is about 0.035 at Jaccard 0.8 with
# 128 bins, so 0.1 (three standard errors) loses almost no true pair and skips clear misses.
ESTIMATE_SLACK = 0.1

# Relation strength, strongest first: when several stages relate the same pair, the strongest
# relation is the one reported.
KIND_RANK = {"exact": 0, "near_duplicate": 1, "excerpt": 2, "rewrite": 3, "shared_passages": 4, "same_story": 5}

EXACT_METHOD = "exact_nfkc_xxh128_v1"

# An exact group of up to this many copies gets a match record for every pair; a larger group
# (a press release on 5,000 pages) gets one record per copy, against the group's representative,
# so matches.jsonl grows linearly. clusters.jsonl lists every member either way.
MAX_EXACT_PAIRWISE = 64


@dataclass(frozen=True)
class Context:
    """What every worker holds for a run: the configuration and the objects built from it."""

    config: Config
    hasher: MinHasher
    line_stats: Any = None
    frequent_keys: np.ndarray | None = None
    readers: Readers = field(default_factory=lambda: Readers())
    models: Models = field(default_factory=lambda: Models())

    @property
    def encoder(self) -> Any:
        """The sentence encoder of ``config.rewrite.model`` (None for ``none``), loaded once per process."""
        return self.models.encoder(self.config)


@dataclass(frozen=True)
class Analysis:
    """Features of a batch of documents (arrays aligned with ``indices``)."""

    indices: np.ndarray
    boilerplate: tuple[tuple[Span, ...], ...]
    segments: tuple[tuple[Span, ...], ...]
    article_chars: np.ndarray
    exact_keys: np.ndarray
    signatures: np.ndarray | None
    passage_keys: tuple[np.ndarray, np.ndarray] | None = None
    story_keys: tuple[np.ndarray, np.ndarray] | None = None


@dataclass(frozen=True)
class PairTask:
    """Candidate pairs to compare, with what the worker needs to rebuild the documents' views."""

    where: StoreSlice
    boilerplate: tuple[tuple[Span, ...], ...]
    segments: tuple[tuple[Span, ...], ...]
    ids: tuple[str, ...]
    published: tuple[str | None, ...]
    sources: tuple[str | None, ...]
    pairs: np.ndarray  # (m, 2) positions into the slice
    methods: tuple[frozenset[str], ...]


@dataclass
class RunResult:
    """What a run produced: the output folder and the counts and timings of ``run.json``."""

    output: Path
    counts: dict[str, Any]
    timings: dict[str, float]
    problems: list[str] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)


# --- pure stage functions --------------------------------------------------------------------


BatchTask = tuple[StoreSlice, tuple[str | None, ...]]
"""A batch of documents in the run's store, and their sources."""


def line_keys_task(ctx: Context, task: BatchTask) -> list[np.ndarray]:
    """Clean stage, first half: line hashes of each document, for corpus statistics."""
    from copydesk import clean

    texts = ctx.readers.texts(task[0])
    limit = ctx.config.ingest.max_doc_chars
    return [clean.line_keys(t[:limit], ctx.config.clean) for t in texts]


def analyse_task(ctx: Context, task: BatchTask) -> Analysis:
    """:func:`analyse` of a batch read from the run's document store."""
    where, sources = task
    return analyse(ctx, where.indices, ctx.readers.texts(where), sources)


def analyse(ctx: Context, indices: np.ndarray, texts: Sequence[str], sources: Sequence[str | None]) -> Analysis:
    """Clean (second half) and analyse a batch of documents.

    Args:
        ctx: The run's context.
        indices: Index of each document in the run.
        texts: Original texts.
        sources: Source of each document.

    Returns:
        Features of the batch, arrays aligned with ``indices``.
    """
    cfg = ctx.config
    limit = cfg.ingest.max_doc_chars
    texts = [t[:limit] for t in texts]
    boilerplate: list[tuple[Span, ...]] = []
    segments: list[tuple[Span, ...]] = []
    masked = list(texts)
    if cfg.runs("clean") and cfg.clean.enabled:
        from copydesk import clean

        masked = []
        for text, source in zip(texts, sources):
            cleaned = clean.clean_document(text, source, ctx.line_stats, cfg.clean)
            boilerplate.append(tuple(cleaned.boilerplate))
            segments.append(tuple(cleaned.segments))
            masked.append(clean.mask(text, cleaned.boilerplate))
    else:
        boilerplate = [()] * len(texts)
        segments = [()] * len(texts)
    # "Exact" means the same text as written (after normalisation), furniture included: the same
    # article under different site furniture is a near-duplicate, decided on the cleaned text.
    keys = np.frombuffer(b"".join(exact_key(t) for t in texts), dtype=np.uint64).reshape(-1, 2)
    signatures = ctx.hasher.signatures_of_streams([token_stream(t) for t in masked]) if cfg.runs("near") else None
    article_chars = np.fromiter((_article_chars(t) for t in masked), np.int64, len(masked))
    passage_keys = story_keys = None
    views = [DocView(id="", text=t, masked=m, segments=s) for t, m, s in zip(texts, masked, segments)]
    if cfg.runs("passages"):
        from copydesk import passages

        passage_keys = _concat_keys(passages.passage_keys_many(views, cfg.passages), indices)
    if cfg.runs("rewrite") or cfg.runs("story"):
        from copydesk import semantic

        story_keys = _concat_keys([semantic.story_keys(v, cfg.rewrite) for v in views], indices)
    return Analysis(np.asarray(indices), tuple(boilerplate), tuple(segments), article_chars, keys, signatures,
                    passage_keys, story_keys)


def compare_task(ctx: Context, task: PairTask) -> list[Match]:
    """:func:`compare` of candidate pairs whose documents are read from the run's store."""
    texts = ctx.readers.texts(task.where)
    views = [make_view(ctx, task.ids[i], text, task.boilerplate[i], task.segments[i], task.published[i],
                       task.sources[i]) for i, text in enumerate(texts)]
    return compare(ctx, views, task.pairs, task.methods)


def make_view(ctx: Context, doc_id: str, text: str, boilerplate: Sequence[Span], segments: Sequence[Span],
              published: str | None, source: str | None) -> DocView:
    """The view matching reads: the text (cut at ``max_doc_chars``) with its boilerplate blanked."""
    text = text[: ctx.config.ingest.max_doc_chars]
    masked = _mask(text, boilerplate) if boilerplate else text
    return DocView(doc_id, text, masked, tuple(segments), published, source)


def compare(ctx: Context, views: Sequence[DocView], pairs: np.ndarray,
            methods: Sequence[frozenset[str]]) -> list[Match]:
    """Verify candidate pairs; return the matches, the strongest relation per pair.

    Args:
        ctx: The run's context.
        views: The documents involved.
        pairs: ``(m, 2)`` positions into ``views``.
        methods: For each pair, the candidate generators that proposed it (``near``,
            ``passages``, ``story``).
    """
    pairs = np.asarray(pairs).reshape(-1, 2)
    near_docs = sorted({d for (i, j), m in zip(pairs.tolist(), methods) if "near" in m for d in (i, j)})
    # One vectorised pass for the shingle sets of every document a near candidate needs.
    shingle_sets = dict(zip(near_docs, shingle_sets_of(ctx.hasher, [views[d].masked for d in near_docs])))
    matches = []
    for (i, j), found_by in zip(pairs.tolist(), methods):
        if views[j].id < views[i].id:
            i, j = j, i
        jac = _jaccard(shingle_sets[i], shingle_sets[j]) if "near" in found_by else None
        match = compare_pair(ctx, views[i], views[j], found_by, jac)
        if match is not None:
            matches.append(match)
    return matches


def compare_pair(ctx: Context, a: DocView, b: DocView, methods: frozenset[str],
                 jaccard: float | None = None) -> Match | None:
    """The strongest verified relation between two documents (``a.id < b.id``), or None.

    Args:
        jaccard: Their exact shingle Jaccard, when the caller computed it already.
    """
    cfg = ctx.config
    found: list[Match] = []
    if "near" in methods:
        jac = exact_jaccard(ctx.hasher, a.masked, b.masked) if jaccard is None else jaccard
        if jac >= cfg.near.min_jaccard:
            found.append(_near_match(ctx, a, b, jac))
    if not found and cfg.runs("passages") and methods & {"passages", "near"}:
        from copydesk import passages

        related = passages.relate(a, b, cfg.passages, ctx.frequent_keys)
        if related is not None:
            found.append(related)
    strong = found and KIND_RANK[found[0].kind] <= KIND_RANK["excerpt"]
    if (not strong and (cfg.runs("rewrite") or cfg.runs("story")) and methods & {"story", "passages", "near"}
            and semantic_skip(a.text, b.text, cfg.rewrite.model) is None):
        from copydesk import semantic

        verbatim = found[0].passages if found else ()
        related = semantic.compare(a, b, verbatim, cfg.rewrite, cfg.story, ctx.encoder, cache=ctx.models.doc_cache())
        if related is not None and (related.kind != "same_story" or cfg.runs("story")):
            found.append(related)
    if not found:
        return None
    return min(found, key=lambda m: KIND_RANK[m.kind])


def shingle_sets_of(hasher: MinHasher, texts: Sequence[str]) -> list[np.ndarray]:
    """Sorted unique shingle hashes of each text, computed in one vectorised pass."""
    if not texts:
        return []
    hashes, doc = hasher.shingle_hashes([token_stream(t) for t in texts])
    order = np.lexsort((hashes, doc))
    hashes, doc = hashes[order], doc[order]
    keep = np.ones(len(hashes), bool)
    keep[1:] = (hashes[1:] != hashes[:-1]) | (doc[1:] != doc[:-1])
    hashes, doc = hashes[keep], doc[keep]
    bounds = np.searchsorted(doc, np.arange(len(texts) + 1))
    return [hashes[bounds[k] : bounds[k + 1]] for k in range(len(texts))]


def _jaccard(sa: np.ndarray, sb: np.ndarray) -> float:
    if len(sa) == 0 or len(sb) == 0:
        return 0.0
    inter = len(np.intersect1d(sa, sb, assume_unique=True))
    return inter / (len(sa) + len(sb) - inter)


def exact_jaccard(hasher: MinHasher, text_a: str, text_b: str) -> float:
    """Exact Jaccard similarity of the word-shingle sets of two texts (the hasher's shingles)."""
    return _jaccard(*shingle_sets_of(hasher, [text_a, text_b]))


def _near_match(ctx: Context, a: DocView, b: DocView, jac: float) -> Match:
    if ctx.config.runs("passages"):
        from copydesk import passages

        found = passages.align(a.masked, b.masked, ctx.config.passages)
    else:
        found = [Passage(_article_extent(a.masked), _article_extent(b.masked), "verbatim", round(jac, 4))]
    cov_a = _coverage([p.a for p in found], a)
    cov_b = _coverage([p.b for p in found], b)
    return Match(a.id, b.id, "near_duplicate", round(jac, 4), round(jac, 4), cov_a, cov_b, tuple(found),
                 f"minhash_lsh_{ctx.hasher.scheme}")


def _coverage(spans: Sequence[tuple[int, int]], view: DocView) -> float:
    total = view.article_chars
    if total == 0:
        return 0.0
    covered = sum(_article_chars(view.masked[s:e]) for s, e in _merge_spans(spans))
    return round(min(1.0, covered / total), 4)


def _merge_spans(spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


def _article_chars(masked: str) -> int:
    return len(masked) - masked.count(" ") - masked.count("\n")


def _article_extent(masked: str) -> tuple[int, int]:
    stripped = masked.strip()
    if not stripped:
        return (0, 0)
    start = len(masked) - len(masked.lstrip())
    return (start, start + len(stripped))


def _mask(text: str, spans: Sequence[Span]) -> str:
    from copydesk import clean

    return clean.mask(text, spans)


def _concat_keys(per_doc: list[np.ndarray], indices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lengths = np.fromiter((len(k) for k in per_doc), np.int64, len(per_doc))
    keys = np.concatenate(per_doc).astype(np.uint64) if per_doc else np.empty(0, np.uint64)
    return keys, np.repeat(indices, lengths)


class Readers:
    """Open store readers of one process, by path (a reader reads the live file, so it also
    serves a store still being written). Pickled empty, so each worker process opens its own."""

    def __init__(self) -> None:
        self._open: dict[str, DocStoreReader] = {}

    def texts(self, where: StoreSlice) -> list[str]:
        reader = self._open.get(where.path)
        if reader is None:
            reader = self._open[where.path] = DocStoreReader(where.path)
        return reader.texts(where)

    def __getstate__(self) -> dict[str, Any]:
        return {"_open": {}}

    def close(self) -> None:
        for reader in self._open.values():
            reader.close()
        self._open.clear()


class Models:
    """Models and caches a process builds on first use (never pickled to a worker: each worker
    process builds its own, once)."""

    def __init__(self) -> None:
        self._encoder: Any = None
        self._loaded = False
        self._doc_cache: Any = None

    def encoder(self, config: Config) -> Any:
        if not self._loaded:
            from copydesk import semantic

            self._encoder = semantic.load_encoder(config.rewrite)
            self._loaded = True
        return self._encoder

    def doc_cache(self) -> Any:
        """Sentence analyses of the documents this process compares (a document takes part in
        many pairs; it is analysed once)."""
        if self._doc_cache is None:
            from copydesk import semantic

            self._doc_cache = semantic.DocCache()
        return self._doc_cache

    def __getstate__(self) -> dict[str, Any]:
        return {"_encoder": None, "_loaded": False, "_doc_cache": None}


# --- the run ---------------------------------------------------------------------------------


class _Timer:
    def __init__(self) -> None:
        self.timings: dict[str, float] = {}

    def __call__(self, name: str) -> _Timer:
        self._name, self._start = name, time.perf_counter()
        return self

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        self.timings[self._name] = round(self.timings.get(self._name, 0.0) + time.perf_counter() - self._start, 3)


def resolved(config: Config) -> Config:
    """``config`` with ``rewrite.model = "auto"`` replaced by the model this machine has, so that
    every worker (and ``run.json``) uses the same one."""
    from copydesk.semantic import resolve_model

    model = resolve_model(config.rewrite.model)
    if model == config.rewrite.model:
        return config
    return replace(config, rewrite=replace(config.rewrite, model=model))


def find_reuse(inputs: Sequence[str | Path], output: str | Path, config: Config | None = None, *,
               force: bool = False, progress: bool = False) -> RunResult:
    """Find every exact copy, near-duplicate, excerpt, rewrite and same-story pair in a corpus.

    Writes ``documents.jsonl``, ``matches.jsonl``, ``clusters.jsonl``, ``deduplicated.jsonl``
    and ``run.json`` into ``output`` (format: ``docs/output-format.md``), atomically.

    Args:
        inputs: Folders of ``.txt``/``.md`` files, JSONL(.gz) files, HTML or WARC files, or ``-``.
        output: Output folder.
        config: Run configuration (defaults: every stage, all cores).
        force: Replace an existing output folder.
        progress: Show progress bars on stderr.

    Returns:
        Counts, timings and problems of the run.

    Raises:
        IngestError: missing input, or a bad record with ``on_error = "fail"``.
        OutputExistsError: ``output`` exists and ``force`` is false.

    Example:
        >>> result = find_reuse(["samples/news"], "out/news", force=True)  # doctest: +SKIP
        >>> result.counts["matches"]  # doctest: +SKIP
    """
    config = resolved(config or Config())
    if config.engine == "spark":
        from copydesk.engines.spark import find_reuse_spark

        return find_reuse_spark(inputs, output, config, force=force, progress=progress)
    from copydesk.engines.local import LocalEngine, progress_bar

    for given in inputs:  # fail fast, before the output folder is touched
        if str(given) != "-" and not Path(given).exists():
            raise IngestError(f"input {given} does not exist")
    out = OutputFolder(output, force=force)
    try:
        with progress_bar(progress) as bar, LocalEngine(config.workers, bar) as engine:
            result = _run(inputs, out, config, engine)
        out.commit()
        return result
    except BaseException:
        out.abort()
        raise


def _run(inputs: Sequence[str | Path], out: OutputFolder, config: Config, engine: Any) -> RunResult:
    timer = _Timer()
    store = DocStore(out.work / "documents.bin")
    problems: list[str] = []
    languages: list[Any] = []  # Identification of each stored document, in store order
    filtered: dict[str, int] = {}  # documents left out by --languages / --drop-languages, per language
    hasher = MinHasher(config.near.num_perm, config.near.ngram, config.near.seed)
    cleaning = config.runs("clean") and config.clean.enabled
    # The first pass over the documents (line statistics when cleaning, else the analysis)
    # runs while the inputs are still being read: the workers take each batch as soon as it is
    # in the store, and the reading (one core) overlaps their work.
    ctx = Context(config, hasher)
    if config.runs("rewrite") and not cleaning:
        ctx.encoder  # noqa: B018 - fail now, in the parent, if the model's extra is missing
    engine.start(ctx)
    first_pass = line_keys_task if cleaning else analyse_task
    with timer("read"):
        reading = _ingest(inputs, config, store, problems, engine.progress, languages, filtered)
        first = list(engine.map(first_pass, reading, label="Learning boilerplate" if cleaning else "Analysing",
                                weight=_batch_size))
    n = len(store)
    ids = store.ids
    order = np.empty(n, dtype=np.int64)
    order[np.array(sorted(range(n), key=ids.__getitem__), dtype=np.int64)] = np.arange(n)
    batches = [(store.locator(np.arange(lo, min(lo + config.batch_docs, n))),
                tuple(store.sources[lo : lo + config.batch_docs])) for lo in range(0, n, config.batch_docs)]

    line_stats = None
    if cleaning:
        from copydesk import clean

        with timer("clean"):
            per_doc = [(source, keys) for (where, sources), batch_keys in zip(batches, first)
                       for source, keys in zip(sources, batch_keys)]
            line_stats = clean.LineStats.build(per_doc, config.clean)
            del per_doc, first
        ctx = Context(config, hasher, line_stats)
        if config.runs("rewrite"):
            ctx.encoder  # noqa: B018 - as above
        engine.start(ctx)
        with timer("analyse"):
            parts = list(engine.map(analyse_task, batches, label="Analysing", weight=_batch_size))
    else:
        parts = first
    boilerplate = [s for p in parts for s in p.boilerplate]
    segments = [s for p in parts for s in p.segments]
    article_chars = np.concatenate([p.article_chars for p in parts]) if parts else np.zeros(0, np.int64)
    exact_keys = np.concatenate([p.exact_keys for p in parts]) if parts else np.zeros((0, 2), np.uint64)
    rep_key = representative_key(config.cluster.representative, ids, article_chars, store.published)
    has_text = article_chars > 0

    counts: dict[str, Any] = {"documents": n, "empty_documents": int((~has_text).sum())}
    counts["languages"] = language_counts(languages)
    if filtered:
        counts["filtered_by_language"] = dict(sorted(filtered.items()))
    candidates: dict[tuple[int, int], set[str]] = {}
    frequent = None
    exact_edges: list[tuple[int, int]] = []
    leaders = np.flatnonzero(has_text)
    with timer("candidates"):
        if config.runs("exact"):
            with engine.step("Exact copies"):
                exact_edges, leaders = _exact_groups(exact_keys, has_text, rep_key)
            counts["exact_documents"] = len({d for edge in exact_edges for d in edge})
        if config.runs("near") and parts:
            signatures = np.concatenate([p.signatures for p in parts])
            bands, rows = lsh_params(config.near.min_jaccard, config.near.num_perm)
            with engine.step("LSH candidates"):
                pairs = lsh_candidates(signatures, leaders, order, bands, rows)
            estimate = (signatures[pairs[:, 0]] == signatures[pairs[:, 1]]).mean(axis=1) if len(pairs) else np.zeros(0)
            kept = pairs[estimate >= config.near.min_jaccard - ESTIMATE_SLACK]
            counts["near_candidates"] = int(len(pairs))
            counts["lsh_bands_rows"] = [bands, rows]
            _add(candidates, kept, "near")
            del signatures
        if config.runs("passages") and parts:
            from copydesk import passages

            keys, doc = _gather(parts, "passage_keys")
            with engine.step("Passage candidates"):
                pairs = passages.passage_candidates(keys, doc, n, config.passages)
                frequent = passages.frequent_keys(keys, doc, n, config.passages)
            counts["passage_candidates"] = int(len(pairs))
            _add(candidates, pairs, "passages")
        if (config.runs("rewrite") or config.runs("story")) and parts:
            from copydesk import semantic

            keys, doc = _gather(parts, "story_keys")
            with engine.step("Story candidates"):
                pairs = semantic.rewrite_candidates(keys, doc, n, config.rewrite, order)
            counts["story_candidates"] = int(len(pairs))
            _add(candidates, pairs, "story")
    del parts
    exact_set = {(min(a, b), max(a, b)) for a, b in exact_edges}
    for pair in exact_set:
        candidates.pop(pair, None)
    if config.runs("rewrite") or config.runs("story"):
        skipped = skipped_pairs(((languages[a], languages[b]) for (a, b), m in candidates.items() if "story" in m),
                                config.rewrite.model)
        if skipped:  # what the English models were not run on, and why: run.json says which languages
            counts["semantic_skipped_by_language"] = skipped

    if frequent is not None:
        ctx = replace(ctx, frequent_keys=frequent)
        engine.start(ctx)  # the workers need the corpus's frequent keys to compare
    with timer("compare"):
        tasks, weights = _pair_tasks(candidates, store, boilerplate, segments, max(64, config.batch_docs // 4))
        matches = [m for part in engine.map(compare_task, tasks, total=sum(weights), label="Comparing pairs",
                                            weight=lambda t: len(t.pairs), unit="pairs") for m in part]
    engine.close()
    ctx.readers.close()
    matches.extend(_exact_match(ids[a], ids[b], store.chars[a], store.chars[b]) for a, b in exact_edges)
    matches.sort(key=lambda m: (m.a, m.b))

    with timer("cluster"), engine.step("Clustering"):
        clusters = _clusters(matches, ids, rep_key, config)
    with timer("write"), engine.step("Writing outputs"):
        summary = _write(out, store, matches, clusters, boilerplate, segments, config, counts, problems, languages)
    counts.update(summary)
    run_info = {
        "copydesk_output": 1,
        "copydesk_version": __version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "engine": "local",
        "inputs": [str(p) for p in inputs],
        "workers": config.workers,
        "signature_scheme": hasher.scheme,
        "signature_kernel": hasher.kernel,
        "config": config.to_dict(),
        "counts": counts,
        "timings_s": timer.timings,
        "problems": problems[:1000],
        "problems_total": len(problems),
        "warnings": [w for i in sorted(store.warnings) for w in store.warnings[i]][:1000],
    }
    out.write_json("run.json", run_info)
    return RunResult(out.path, counts, timer.timings, problems)


def _batch_size(task: BatchTask) -> int:
    return len(task[0].indices)


def _ingest(inputs: Sequence[str | Path], config: Config, store: DocStore, problems: list[str],
            bar: Any, languages: list[Any], filtered: dict[str, int]) -> Iterator[BatchTask]:
    """Read every input into ``store``, yielding each batch of ``batch_docs`` documents once it
    is readable from the store; the store is closed when the generator ends. The language of
    each stored document is appended to ``languages``; documents the language filter leaves
    out are counted in ``filtered``."""
    allowed = language_filter(config.ingest.languages, config.ingest.drop_languages)
    seen: dict[str, str] = {}
    task = bar.add_task("Reading", total=None, unit="docs")
    limit = config.ingest.max_doc_chars
    lo = 0
    for item in read_inputs(inputs, config.ingest):
        if isinstance(item, Problem):
            if config.ingest.on_error == "fail" and item.fatal:
                raise IngestError(str(item))
            problems.append(str(item))
            continue
        if item.id in seen:
            message = f"{item.origin}: duplicate id {item.id!r} (first seen at {seen[item.id]}); ids must be unique"
            if config.ingest.on_error == "fail":
                raise IngestError(message)
            problems.append(message)
            continue
        seen[item.id] = item.origin
        language = identify_document(item.text[:limit])
        if not allowed(language.language):
            filtered[language.language] = filtered.get(language.language, 0) + 1
            continue
        languages.append(language)
        if (mojibake := mojibake_warning(item.text, item.origin)) is not None:
            item = _with_warning(item, mojibake)
        if len(item.text) > limit:
            item = _with_warning(item, f"{item.origin}: {len(item.text)} characters; matched on the first {limit}")
        store.append(item)
        if len(store) - lo == config.batch_docs:
            yield _flushed_batch(store, lo)
            lo = len(store)
            bar.update(task, completed=lo)
    if len(store) > lo:
        yield _flushed_batch(store, lo)
    bar.update(task, total=len(store), completed=len(store))
    store.close()


def _flushed_batch(store: DocStore, lo: int) -> BatchTask:
    store.flush()
    return store.locator_range(lo, len(store)), tuple(store.sources[lo:])


def _with_warning(doc: Any, warning: str) -> Any:
    return replace(doc, warnings=doc.warnings + (warning,))


def _exact_groups(keys: np.ndarray, has_text: np.ndarray, rep_key: Any) -> tuple[list[tuple[int, int]], np.ndarray]:
    """Exact-copy edges (see :data:`MAX_EXACT_PAIRWISE`), and the documents left to index for
    near-duplicates (one per group, plus every document outside a group)."""
    docs = np.flatnonzero(has_text)
    if len(docs) == 0:
        return [], docs
    _, inverse, group_counts = np.unique(keys[docs], axis=0, return_inverse=True, return_counts=True)
    inverse = inverse.ravel()
    edges = []
    leaders = [int(d) for d, g in zip(docs, inverse) if group_counts[g] == 1]
    groups: dict[int, list[int]] = {}
    for d, g in zip(docs.tolist(), inverse.tolist()):
        if group_counts[g] > 1:
            groups.setdefault(g, []).append(d)
    for members in groups.values():
        leader = min(members, key=rep_key)
        leaders.append(leader)
        if len(members) <= MAX_EXACT_PAIRWISE:
            edges.extend((a, b) for k, a in enumerate(members) for b in members[k + 1 :])
        else:
            edges.extend((m, leader) for m in members if m != leader)
    return edges, np.array(sorted(leaders), dtype=np.int64)


def _exact_match(id_a: str, id_b: str, chars_a: int, chars_b: int) -> Match:
    if id_b < id_a:
        id_a, id_b, chars_a, chars_b = id_b, id_a, chars_b, chars_a
    passage = Passage((0, int(chars_a)), (0, int(chars_b)), "verbatim", 1.0)
    return Match(id_a, id_b, "exact", 1.0, 1.0, 1.0, 1.0, (passage,), EXACT_METHOD)


def _add(candidates: dict[tuple[int, int], set[str]], pairs: np.ndarray, method: str) -> None:
    for a, b in unique_pairs(pairs).tolist():
        candidates.setdefault((a, b), set()).add(method)


def _gather(parts: list[Analysis], name: str) -> tuple[np.ndarray, np.ndarray]:
    pieces = [getattr(p, name) for p in parts]
    return np.concatenate([k for k, _ in pieces]), np.concatenate([d for _, d in pieces])


def _pair_tasks(candidates: dict[tuple[int, int], set[str]], store: DocStore, boilerplate: list, segments: list,
                per_task: int) -> tuple[list[PairTask], list[int]]:
    pairs = sorted(candidates)
    tasks, weights = [], []
    for lo in range(0, len(pairs), per_task):
        chunk = pairs[lo : lo + per_task]
        docs = sorted({d for pair in chunk for d in pair})
        pos = {d: k for k, d in enumerate(docs)}
        tasks.append(PairTask(
            where=store.locator(docs),
            boilerplate=tuple(boilerplate[d] for d in docs),
            segments=tuple(segments[d] for d in docs),
            ids=tuple(store.ids[d] for d in docs),
            published=tuple(store.published[d] for d in docs),
            sources=tuple(store.sources[d] for d in docs),
            pairs=np.array([(pos[a], pos[b]) for a, b in chunk], dtype=np.int64).reshape(-1, 2),
            methods=tuple(frozenset(candidates[p]) for p in chunk),
        ))
        weights.append(len(chunk))
    return tasks, weights


def _clusters(matches: list[Match], ids: list[str], rep_key: Any, config: Config) -> list[Cluster]:
    """Copy clusters (:func:`copydesk.cluster.copy_edges`), then story clusters, the connected
    components of every match, which therefore contain the copy clusters."""
    index = {d: i for i, d in enumerate(ids)}
    levels = [("copy", copy_edges(matches))]
    if config.runs("story") or config.runs("rewrite"):
        levels.append(("story", [(m.a, m.b) for m in matches]))
    clusters = []
    for kind, edges in levels:
        groups = [sorted(g, key=ids.__getitem__) for g in components(len(ids), ((index[a], index[b]) for a, b in edges))]
        groups.sort(key=lambda g: (-len(g), ids[min(g, key=rep_key)]))
        for k, g in enumerate(groups, 1):
            clusters.append(Cluster(f"{kind}-{k:06d}", kind, tuple(ids[i] for i in g), ids[min(g, key=rep_key)]))
    return clusters


def _write(out: OutputFolder, store: DocStore, matches: list[Match], clusters: list[Cluster],
           boilerplate: list, segments: list, config: Config, counts: dict[str, Any],
           problems: list[str], languages: Sequence[Any] = ()) -> dict[str, Any]:
    ids = store.ids
    by_id = sorted(range(len(ids)), key=ids.__getitem__)
    reader = DocStoreReader(store.path)
    keep_text = config.output.keep_text

    def documents():
        for lo in range(0, len(by_id), 1000):
            chunk = by_id[lo : lo + 1000]
            texts = reader.texts(store.locator(chunk)) if keep_text else [None] * len(chunk)
            for i, text in zip(chunk, texts):
                record: dict[str, Any] = {"copydesk_output": 1, "id": ids[i], "source": store.sources[i],
                                          "chars": int(store.chars[i])}
                if store.urls[i] is not None:
                    record["url"] = store.urls[i]
                if store.published[i] is not None:
                    record["published"] = store.published[i]
                record["boilerplate"] = span_list(boilerplate[i]) if i < len(boilerplate) else []
                record["segments"] = span_list(segments[i]) if i < len(segments) else []
                if i < len(languages):
                    record.update(language_fields(languages[i]))
                if i in store.warnings:
                    record["warnings"] = list(store.warnings[i])
                if keep_text:
                    record["text"] = text
                yield record


    level = config.cluster.drop_level
    if level == "story" and not any(c.kind == "story" for c in clusters):
        level = "copy"
    dropped = {d for c in clusters if c.kind == level for d in c.members if d != c.representative}
    cluster_of = {d: c.id for c in clusters if c.kind == level for d in c.members}

    def deduplicated():
        keep = [i for i in by_id if ids[i] not in dropped]
        for lo in range(0, len(keep), 1000):
            chunk = keep[lo : lo + 1000]
            where = store.locator(chunk)
            for i, text, raw in zip(chunk, reader.texts(where), reader.raws(where)):
                ours = {"copydesk_output": 1}
                if ids[i] in cluster_of:
                    ours["copydesk_cluster"] = cluster_of[ids[i]]
                if raw is not None:
                    # The user's record exactly as given (it parsed as a JSON object, so it ends in
                    # "}"), our fields spliced in before the brace: no decode and re-encode.
                    yield raw.rstrip()[:-1] + "," + dumps(ours)[1:]
                    continue
                record: dict[str, Any] = {"id": ids[i], "text": text}
                for key, value in (("source", store.sources[i]), ("url", store.urls[i]),
                                   ("published", store.published[i])):
                    if value is not None:
                        record[key] = value
                yield dumps(record | ours)

    n_docs = out.write_jsonl("documents.jsonl", documents())
    n_matches = out.write_jsonl("matches.jsonl", map(match_record, matches))
    n_clusters = out.write_jsonl("clusters.jsonl", map(cluster_record, clusters))
    n_kept = out.write_lines("deduplicated.jsonl", deduplicated())
    reader.close()
    by_kind: dict[str, int] = {}
    for m in matches:
        by_kind[m.kind] = by_kind.get(m.kind, 0) + 1
    return {
        "documents_written": n_docs,
        "matches": n_matches,
        "matches_by_kind": dict(sorted(by_kind.items(), key=lambda kv: KIND_RANK[kv[0]])),
        "clusters": n_clusters,
        "copy_clusters": sum(1 for c in clusters if c.kind == "copy"),
        "story_clusters": sum(1 for c in clusters if c.kind == "story"),
        "kept": n_kept,
        "dropped": len(dropped),
        "problems": len(problems),
        "documents_with_warnings": len(store.warnings),
    }
