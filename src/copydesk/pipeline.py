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

import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from copydesk import __version__
from copydesk.candidates import CandidatePairs
from copydesk.cluster import components, copy_edges, representative_key, story_groups
from copydesk.checkpoint import Checkpoints, fingerprint
from copydesk.config import Config
from copydesk.index import lsh_candidates, lsh_params
from copydesk.ingest import IngestError, Problem, read_inputs
from copydesk.languages import (
    identify_document,
    language_counts,
    language_fields,
    language_filter,
    routed_pair_counts,
    semantic_skip,
    skipped_pairs,
)
from copydesk.languages.analysis import mojibake_warning
from copydesk import measures
from copydesk.run_record import run_record, summary_counts
from copydesk.sketch import MinHasher, exact_key
from copydesk.store import (
    DocStore,
    fault_point,
    DocStoreReader,
    OutputFolder,
    StoreSlice,
    cluster_record,
    dedup_record,
    document_record,
    dumps,
    match_record,
)
from copydesk.text import token_stream
from copydesk.types import Cluster, DocInfo, DocView, Match, Passage, Signatures, Span

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
    story_rarity: Any = None  # semantic.story_rarity of the corpus: the same-story model weighs names by it
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
    signatures: Signatures | None
    passage_keys: tuple[np.ndarray, np.ndarray] | None = None
    story_keys: tuple[np.ndarray, np.ndarray] | None = None
    # Each document's lineage facts (copydesk.lineage.doc_facts), read where its text already
    # is (analyse_task, in the workers) so the parent only derives the lineage; None when the
    # caller passed no metadata (the Spark engine and the live index have their own path).
    facts: tuple[Any, ...] | None = None
    # Each document's language (copydesk.languages.identify_document), identified in the workers
    # when no language filter needs it while reading (BatchTask.identify); else None.
    languages: tuple[Any, ...] | None = None


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
    """What a run produced: the output folder and the counts and timings of ``run.json``.

    ``matches`` and ``clusters`` are the records of ``matches.jsonl`` and ``clusters.jsonl``
    (read on first use), lists with ``to_arrow()`` and ``to_pandas()``. ``output`` is None for
    a run given no output folder: its results were read before its temporary folder went.
    """

    output: Path | None
    counts: dict[str, Any]
    timings: dict[str, float]
    problems: list[str] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    """Finished outputs of killed runs restored or removed before this run (run.json ``recovered``)."""
    _matches: Any = field(default=None, repr=False)
    _clusters: Any = field(default=None, repr=False)

    @property
    def matches(self) -> Any:
        """Every related pair, a :class:`copydesk.api.MatchList` of :class:`Match`."""
        if self._matches is None:
            from copydesk.api import load_matches

            self._matches = load_matches(self._folder())
        return self._matches

    @property
    def clusters(self) -> Any:
        """Copy and story clusters, a :class:`copydesk.api.ClusterList` of :class:`Cluster`."""
        if self._clusters is None:
            from copydesk.api import load_clusters

            self._clusters = load_clusters(self._folder())
        return self._clusters

    def _folder(self) -> Path:
        if self.output is None:
            raise ValueError("this run wrote no output folder; give find_reuse an output folder to keep one")
        return self.output


# --- pure stage functions --------------------------------------------------------------------


@dataclass(frozen=True)
class BatchTask:
    """A batch of documents in the run's store, with their metadata (tuples aligned with
    ``where.indices``): what the workers need besides the texts."""

    where: StoreSlice
    sources: tuple[str | None, ...]
    ids: tuple[str, ...] = ()
    urls: tuple[str | None, ...] = ()
    published: tuple[str | None, ...] = ()
    published_origins: tuple[str | None, ...] = ()
    identify: bool = False  # identify the documents' languages (not done while reading)

    @classmethod
    def of(cls, store: DocStore, where: StoreSlice, lo: int, hi: int, identify: bool = False) -> BatchTask:
        """The batch of documents ``lo..hi-1`` of ``store`` (``where`` locates them)."""
        return cls(where, tuple(store.sources[lo:hi]), tuple(store.ids[lo:hi]), tuple(store.urls[lo:hi]),
                   tuple(store.published[lo:hi]), tuple(store.published_origins[lo:hi]), identify)

    def facts(self, texts: Sequence[str]) -> tuple[Any, ...] | None:
        """Each document's lineage facts from its whole text (None without the ids)."""
        if not self.ids:
            return None
        from copydesk.lineage import doc_facts

        return tuple(doc_facts(*meta) for meta in zip(self.ids, texts, self.sources, self.urls, self.published,
                                                       self.published_origins))


def line_keys_task(ctx: Context, task: BatchTask) -> list[np.ndarray]:
    """Clean stage, first half: line hashes of each document, for corpus statistics."""
    from copydesk import clean

    texts = ctx.readers.texts(task.where)
    limit = ctx.config.ingest.max_doc_chars
    return [clean.line_keys(t[:limit], ctx.config.clean) for t in texts]


def analyse_task(ctx: Context, task: BatchTask) -> Analysis:
    """:func:`analyse` of a batch read from the run's document store, with the documents' lineage
    facts (from the whole texts, before :func:`analyse` cuts them at ``ingest.max_doc_chars``)."""
    texts = ctx.readers.texts(task.where)
    limit = ctx.config.ingest.max_doc_chars
    languages = tuple(identify_document(t[:limit]) for t in texts) if task.identify else None
    return replace(analyse(ctx, task.where.indices, texts, task.sources), facts=task.facts(texts),
                   languages=languages)


def analyse(ctx: Context, indices: np.ndarray, texts: Sequence[str], sources: Sequence[str | None],
            chars: Sequence[int] | None = None) -> Analysis:
    """Clean (second half) and analyse a batch of documents.

    Args:
        ctx: The run's context.
        indices: Index of each document in the run.
        texts: Original texts (or already cut at ``ingest.max_doc_chars``, with ``chars``).
        sources: Source of each document.
        chars: Length of each original text, when ``texts`` were cut before (Spark engine).

    Returns:
        Features of the batch, arrays aligned with ``indices``.
    """
    cfg = ctx.config
    limit = cfg.ingest.max_doc_chars
    truncated = [n > limit for n in (chars if chars is not None else map(len, texts))]
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
    # A document cut at max_doc_chars is not known to be the same text as another one: it gets
    # a key of its own (random: keys are only compared, never written), so it can be at most a
    # near-duplicate, decided on the part read.
    keys = np.frombuffer(b"".join(os.urandom(16) if cut else exact_key(t) for t, cut in zip(texts, truncated)),
                         dtype=np.uint64).reshape(-1, 2)
    signatures = ctx.hasher.sign_streams([token_stream(t) for t in masked]) if cfg.runs("near") else None
    article_chars = np.fromiter((measures.article_chars(t) for t in masked), np.int64, len(masked))
    passage_keys = story_keys = None
    views = [DocView(id="", text=t, masked=m, segments=s) for t, m, s in zip(texts, masked, segments)]
    if cfg.runs("passages"):
        from copydesk import passages

        passage_keys = _concat_keys(passages.passage_keys_many(views, cfg.passages), indices)
    if cfg.runs("rewrite") or cfg.runs("story"):
        from copydesk import semantic

        if cfg.runs("story") and cfg.story.language_model != "none":
            # Keys of a non-English document also in ASCII, so a report in another language or
            # script can be a candidate (English documents' keys unchanged).
            from copydesk.languages.story import story_keys_any_language

            story_keys = _concat_keys([story_keys_any_language(v, cfg.rewrite.max_keys_per_doc) for v in views],
                                      indices)
        else:
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
    semantic_pair = not strong and (cfg.runs("rewrite") or cfg.runs("story")) and methods & {"story", "passages", "near"}
    skip = semantic_skip(a.text, b.text, cfg.rewrite.model) if semantic_pair else None
    if skip is not None and cfg.runs("story") and cfg.story.language_model != "none":
        # A document not in English: the language-aware scorer (copydesk.languages.story) decides.
        related = ctx.models.language_story(cfg).relate(a, b, found[0].passages if found else ())
        if related is not None:
            found.append(related)
    if semantic_pair and skip is None:
        from copydesk import semantic

        verbatim = found[0].passages if found else ()
        story_encoder = ctx.models.story_encoder(cfg) if cfg.runs("story") and ctx.story_rarity is not None else None
        # A pair with a relation already found (shared_passages) keeps it over a same_story
        # verdict (KIND_RANK): only a rewrite can outrank it, so the story is not scored.
        related = semantic.compare(a, b, verbatim, cfg.rewrite, cfg.story, ctx.encoder, cache=ctx.models.doc_cache(),
                                   rarity=ctx.story_rarity, story_encoder=story_encoder, judge_story=not found)
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
    cov_a = round(measures.containment(a, [p.a for p in found]), 4)
    cov_b = round(measures.containment(b, [p.b for p in found]), 4)
    return Match(a.id, b.id, "near_duplicate", round(jac, 4), round(jac, 4), cov_a, cov_b, tuple(found),
                 f"minhash_lsh_{ctx.hasher.scheme}")


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

    def story_encoder(self, config: Config) -> Any:
        """The same-story model's document encoder (None for the lexical model), loaded once."""
        if not getattr(self, "_story_loaded", False):
            from copydesk import semantic

            self._story_encoder = semantic.load_story_encoder(config.story, rewrite_encoder=self.encoder(config))
            self._story_loaded = True
        return self._story_encoder

    def language_story(self, config: Config) -> Any:
        """The same-story scorer of pairs with a document not in English
        (:class:`copydesk.languages.story.LanguageStory`), built once."""
        if getattr(self, "_language_story", None) is None:
            from copydesk.languages.story import LanguageStory

            self._language_story = LanguageStory(config.story.language_model, config.story.window_days)
        return self._language_story

    def doc_cache(self) -> Any:
        """Sentence analyses of the documents this process compares (a document takes part in
        many pairs; it is analysed once)."""
        if self._doc_cache is None:
            from copydesk import semantic

            self._doc_cache = semantic.DocCache()
        return self._doc_cache

    def __getstate__(self) -> dict[str, Any]:
        return {"_encoder": None, "_loaded": False, "_doc_cache": None, "_story_encoder": None,
                "_story_loaded": False}


# --- the run ---------------------------------------------------------------------------------


class _Timer:
    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        # Wall-clock start and end (epoch seconds) of each stage, so a harness sampling the
        # process tree's CPU can charge it to stages (benchmarks/fullrun.py).
        self.marks: dict[str, list[float]] = {}

    def __call__(self, name: str) -> _Timer:
        self._name, self._start = name, time.perf_counter()
        self._epoch = time.time()
        return self

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        self.timings[self._name] = round(self.timings.get(self._name, 0.0) + time.perf_counter() - self._start, 3)
        self.marks[self._name] = [self.marks.get(self._name, [self._epoch])[0], time.time()]


def resolved(config: Config) -> Config:
    """``config`` with ``rewrite.model = "auto"`` replaced by the model this machine has, so that
    every worker (and ``run.json``) uses the same one."""
    from copydesk.semantic import resolve_model

    model = resolve_model(config.rewrite.model)
    if model == config.rewrite.model:
        return config
    return replace(config, rewrite=replace(config.rewrite, model=model))


def find_reuse(inputs: Any, output: str | Path | None = None, config: Config | None = None, *,
               force: bool = False, progress: bool = False, resume: bool = False) -> RunResult:
    """Find every exact copy, near-duplicate, excerpt, rewrite and same-story pair in a corpus.

    Writes ``documents.jsonl``, ``matches.jsonl``, ``clusters.jsonl``, ``deduplicated.jsonl``
    and ``run.json`` into ``output`` (format: ``docs/output-format.md``), atomically. Works in
    a plain script: worker processes never re-run the caller's ``__main__`` (no
    ``if __name__ == "__main__":`` guard needed).

    Args:
        inputs: A path or a list of paths (folders of ``.txt``/``.md`` files, JSONL(.gz),
            HTML or WARC files, or ``-``), or records: a list of dicts, a pandas DataFrame or an
            Arrow table, with the fields ``config.ingest.id_field`` and ``text_field``.
        output: Output folder; None runs in a temporary folder that is removed afterwards
            (the result's ``matches`` and ``clusters`` are read first).
        config: Run configuration (defaults: every stage, all cores).
        force: Replace an existing output folder.
        progress: Show progress bars on stderr.
        resume: Continue the run on ``output`` that was killed (its checkpointed stages are
            loaded, not redone; the outputs are the same as an uninterrupted run's). Both
            engines, each from its own checkpoints.

    Returns:
        Counts, timings and problems of the run, and its ``matches`` and ``clusters``.

    Raises:
        IngestError: missing input, or a bad record with ``on_error = "fail"``.
        OutputExistsError: ``output`` exists and ``force`` is false.
        TypeError: ``inputs`` are neither paths nor records.

    Example:
        >>> result = find_reuse("samples/news", "out/news", force=True)  # doctest: +SKIP
        >>> result.counts["matches"], result.matches.to_pandas()  # doctest: +SKIP
    """
    from copydesk import api

    if config is not None and not isinstance(config, Config):
        raise TypeError(f"find_reuse() needs config as a copydesk.Config, not {type(config).__name__}")
    config = resolved(config or Config())
    with api.temporary_folder() as scratch:
        paths = api.as_input_paths(inputs, config.ingest.id_field, config.ingest.text_field, Path(scratch))
        if output is not None and api.is_remote(output):
            api.check_remote_output(str(output), force)
        given, paths = list(paths), api.stage_inputs(list(paths), Path(scratch))
        staged = {str(p): str(g) for g, p in zip(given, paths) if api.is_remote(g)}
        if output is not None and api.is_remote(output):
            result = _restore_origins(_find_reuse(paths, Path(scratch) / "out", config, force=True,
                                                  progress=progress), staged)
            api.publish_output(result.output, str(output), force)
            result.matches, result.clusters  # noqa: B018 - read before the local copy goes
            result.output = None
            return result
        if output is not None:
            return _restore_origins(_find_reuse(paths, output, config, force=force, progress=progress,
                                                resume=resume), staged)
        result = _restore_origins(_find_reuse(paths, Path(scratch) / "out", config, force=True,
                                              progress=progress), staged)
        result.matches, result.clusters  # noqa: B018 - read before the folder goes
        result.output = None
        return result


def _restore_origins(result: RunResult, staged: dict[str, str]) -> RunResult:
    """The output names remote inputs by their URLs, not by their staged copies."""
    if staged and result.output is not None:
        from copydesk.remote import renamed, restore_origins

        restore_origins(Path(result.output), staged)
        result.problems = renamed(list(result.problems), staged)
    return result


def _find_reuse(inputs: Sequence[str | Path], output: str | Path, config: Config, *, force: bool,
                progress: bool, resume: bool = False) -> RunResult:
    if config.engine != "local":
        from copydesk.engines import engine_runner

        return engine_runner(config.engine)(inputs, output, config, force=force, progress=progress, resume=resume)
    from copydesk.engines.local import LocalEngine, progress_bar

    for given in inputs:  # fail fast, before the output folder is touched
        if str(given) != "-" and not Path(given).exists():
            raise IngestError(f"input {given} does not exist")
    if config.runs("story") and config.story.language_model == "e5":  # its extra: fail now, not in a worker
        from copydesk.languages.encoder import require_encoder

        require_encoder()
    out = OutputFolder(output, force=force, inputs=inputs, resume=resume)
    try:
        points = Checkpoints(out.work, fingerprint(inputs, config.to_dict(), __version__), resume and out.adopted)
        if points.note:
            out.notes.append(points.note)
        with progress_bar(progress) as bar, LocalEngine(config.workers, bar) as engine:
            result = _run(inputs, out, config, engine, points)
        out.commit()
        return result
    except BaseException:
        out.abort()
        raise


def _run(inputs: Sequence[str | Path], out: OutputFolder, config: Config, engine: Any,
         points: Checkpoints | None = None) -> RunResult:
    timer = _Timer()
    points = points or Checkpoints(out.work, None, False)
    hasher = MinHasher(config.near.num_perm, config.near.ngram, config.near.seed)
    cleaning = config.runs("clean") and config.clean.enabled
    # The first pass over the documents (line statistics when cleaning, else the analysis)
    # runs while the inputs are still being read: the workers take each batch as soon as it is
    # in the store, and the reading (one core) overlaps their work.
    ctx = Context(config, hasher)
    started: Context | None = None  # the context the workers hold
    first: Any = None
    saved = points.load("read")
    if saved is None:
        store = DocStore(out.work / "documents.bin")
        problems: list[str] = []
        languages: list[Any] = []  # Identification of each stored document, in store order (see _ingest)
        filtered: dict[str, int] = {}  # documents left out by --languages / --drop-languages, per language
        if config.runs("rewrite") and not cleaning:
            ctx.encoder  # noqa: B018 - fail now, in the parent, if the model's extra is missing
        engine.start(started := ctx)
        first_pass = line_keys_task if cleaning else analyse_task
        with timer("read"):
            reading = _ingest(inputs, config, store, problems, engine.progress, languages, filtered)
            first = list(engine.map(first_pass, reading, label="Learning boilerplate" if cleaning else "Analysing",
                                    weight=_batch_size))
        points.save("first", first if cleaning else _without_facts(first))
        points.save("read", {"store": store.state(), "problems": problems, "languages": languages,
                             "filtered": filtered})
    else:
        store = DocStore.restored(out.work / "documents.bin", saved["store"])
        problems = saved["problems"]
        languages, filtered = saved["languages"], saved["filtered"]
    fault_point("read")
    n = len(store)
    ids = store.ids
    order = np.empty(n, dtype=np.int64)
    order[np.array(sorted(range(n), key=ids.__getitem__), dtype=np.int64)] = np.arange(n)
    identify = _identified_in_workers(config)
    batches = [BatchTask.of(store, store.locator(np.arange(lo, min(lo + config.batch_docs, n))), lo,
                            min(lo + config.batch_docs, n), identify) for lo in range(0, n, config.batch_docs)]

    facts = None  # every document's lineage facts, from the analyse workers
    saved = points.load("candidates")
    if saved is None:
        parts = points.load("analyse") if cleaning else None
        if parts is None:
            first = first if first is not None else points.load("first", part_of="read")
            if cleaning:
                parts, ctx = _clean_and_analyse(ctx, config, hasher, engine, timer, batches, first)
                started = ctx
                points.save("analyse", _without_facts(parts))
            else:
                parts = first
        del first
        saved = _candidates(parts, n, order, ids, store, config, engine, timer)
        del parts
        facts = saved.pop("facts")  # not checkpointed either (_without_facts)
        points.save("candidates", saved)
    boilerplate, segments, article_chars = saved["boilerplate"], saved["segments"], saved["article_chars"]
    counts, candidates, exact_edges, frequent = saved["counts"], saved["candidates"], saved["exact_edges"], \
        saved["frequent"]
    rarity = saved["rarity"]
    if saved.get("languages") is not None:  # identified by the analyse workers
        languages = saved["languages"]
    del saved
    rep_key = representative_key(config.cluster.representative, ids, article_chars, store.published)
    fault_point("candidates")
    for a, b in exact_edges:
        candidates.discard(a, b)
    counts["pairs_compared"] = len(candidates)
    counts["languages"] = language_counts(languages)
    if filtered:
        counts["filtered_by_language"] = dict(sorted(filtered.items()))
    if config.runs("rewrite") or config.runs("story"):
        skipped = skipped_pairs(((languages[c.a], languages[c.b]) for c in candidates if "story" in c.methods),
                                config.rewrite.model)
        # what the English models were not run on, and why (run.json says which languages), and
        # whether the language-aware scorer compared them instead
        counts.update(routed_pair_counts(skipped, config.runs("story") and config.story.language_model != "none"))

    matches = points.load("compare")
    if matches is None:
        if frequent is not None or rarity is not None:
            # the workers need the corpus's frequent keys and the story keys' rarities to compare
            ctx = replace(ctx, frequent_keys=frequent, story_rarity=rarity)
        if started is not ctx:
            if config.runs("rewrite"):
                ctx.encoder  # noqa: B018 - as above
            engine.start(ctx)
        with timer("compare"):
            tasks, weights = _pair_tasks(candidates, store, boilerplate, segments,
                                         pair_task_size(len(candidates), config.workers))
            matches = [m for part in engine.map(compare_task, tasks, total=sum(weights), label="Comparing pairs",
                                                weight=lambda t: len(t.pairs), unit="pairs") for m in part]
        matches.extend(exact_match(ids[a], ids[b], store.chars[a], store.chars[b]) for a, b in exact_edges)
        matches.sort(key=lambda m: (m.a, m.b))
        points.save("compare", matches)
    ctx.readers.close()  # the workers stay: they encode deduplicated.jsonl (_write)
    fault_point("compared")

    with timer("cluster"), engine.step("Clustering"):
        clusters = make_clusters(matches, ids, rep_key, config)
    with timer("lineage"), engine.step("Lineage"):
        facts, lineage = _lineage(store, matches, clusters, config, facts)
        if config.cluster.representative == "source":
            from copydesk.lineage.records import with_source_representatives

            clusters = with_source_representatives(clusters, lineage)
    with timer("write"), engine.step("Writing outputs"):
        # The workers encode deduplicated.jsonl (every kept text as JSON: the largest output);
        # the same pool as the stages' (starting another costs each worker its imports again).
        summary = _write(out, store, matches, clusters, boilerplate, segments, config, counts, problems,
                         facts=facts, lineage=lineage, languages=languages, engine=engine)
        engine.close()
    counts.update(summary)
    out.write_json("run.json", run_record(
        engine="local", inputs=[str(p) for p in inputs], workers=config.workers, signature_scheme=hasher.scheme,
        signature_kernel=hasher.kernel, config=config.to_dict(), counts=counts, timings=timer.timings,
        stage_marks=timer.marks, problems=problems, problems_total=len(problems),
        warnings=[w for i in sorted(store.warnings) for w in store.warnings[i]][:1000], recovered=out.notes,
        resumed_stages=points.resumed))
    return RunResult(out.path, counts, timer.timings, problems, notes=list(out.notes))


def _clean_and_analyse(ctx: Context, config: Config, hasher: MinHasher, engine: Any, timer: _Timer,
                       batches: list[BatchTask], first: list) -> tuple[list[Analysis], Context]:
    """Corpus line statistics from the first pass, then the analysis of every batch; returns
    the analyses and the context the workers now hold."""
    from copydesk import clean

    with timer("clean"):
        per_doc = [(source, keys) for batch, batch_keys in zip(batches, first)
                   for source, keys in zip(batch.sources, batch_keys)]
        line_stats = clean.LineStats.build(per_doc, config.clean)
        del per_doc, first
    ctx = Context(config, hasher, line_stats)
    if config.runs("rewrite"):
        ctx.encoder  # noqa: B018 - fail now, in the parent, if the model's extra is missing
    engine.start(ctx)
    with timer("analyse"):
        return list(engine.map(analyse_task, batches, label="Analysing", total=sum(map(_batch_size, batches)),
                               weight=_batch_size)), ctx


def _candidates(parts: list[Analysis], n: int, order: np.ndarray, ids: list[str], store: DocStore, config: Config,
                engine: Any, timer: _Timer) -> dict[str, Any]:
    """Exact groups and the candidate pairs of every generator, with what the later stages need
    of the analysis (the stage's checkpoint)."""
    boilerplate = [s for p in parts for s in p.boilerplate]
    segments = [s for p in parts for s in p.segments]
    article_chars = np.concatenate([p.article_chars for p in parts]) if parts else np.zeros(0, np.int64)
    exact_keys = np.concatenate([p.exact_keys for p in parts]) if parts else np.zeros((0, 2), np.uint64)
    rep_key = representative_key(config.cluster.representative, ids, article_chars, store.published)
    has_text = article_chars > 0

    counts: dict[str, Any] = {"documents": n, "empty_documents": int((~has_text).sum())}
    candidates = CandidatePairs()
    frequent = None
    rarity = None
    exact_edges: list[tuple[int, int]] = []
    leaders = np.flatnonzero(has_text)
    with timer("candidates"):
        if config.runs("exact"):
            with engine.step("Exact copies"):
                exact_edges, leaders = exact_groups(exact_keys, has_text, rep_key)
            counts["exact_documents"] = len({d for edge in exact_edges for d in edge})
        if config.runs("near") and parts:
            signatures = Signatures.concat([p.signatures for p in parts])
            bands, rows = lsh_params(config.near.min_jaccard, config.near.num_perm)
            with engine.step("LSH candidates"):
                pairs = lsh_candidates(signatures.values, leaders, order, bands, rows)
            estimate = signatures.estimates(pairs)
            kept = pairs[estimate >= config.near.min_jaccard - ESTIMATE_SLACK]
            counts["near_candidates"] = int(len(pairs))
            counts["lsh_bands_rows"] = [bands, rows]
            candidates.add(kept, "near")
            del signatures
        if config.runs("passages") and parts:
            from copydesk import passages

            keys, doc = _gather(parts, "passage_keys")
            with engine.step("Passage candidates"):
                pairs = passages.passage_candidates(keys, doc, n, config.passages, order)
                frequent = passages.frequent_keys(keys, doc, n, config.passages)
            counts["passage_candidates"] = int(len(pairs))
            candidates.add(pairs, "passages")
        if (config.runs("rewrite") or config.runs("story")) and parts:
            from copydesk import semantic

            keys, doc = _gather(parts, "story_keys")
            with engine.step("Story candidates"):
                pairs = semantic.rewrite_candidates(keys, doc, n, config.rewrite, order)
                rarity = semantic.story_rarity(keys, doc, config.rewrite) if config.runs("story") else None
            counts["story_candidates"] = int(len(pairs))
            candidates.add(pairs, "story")
    facts = languages = None
    if parts and all(p.facts is not None for p in parts):
        facts = {f.id: f for p in parts for f in p.facts}
    if parts and all(p.languages is not None for p in parts):
        languages = [found for p in parts for found in p.languages]
    return {"boilerplate": boilerplate, "segments": segments, "article_chars": article_chars, "counts": counts,
            "candidates": candidates, "exact_edges": exact_edges, "frequent": frequent, "rarity": rarity,
            "facts": facts, "languages": languages}




def pair_task_size(n_pairs: int, workers: int) -> int:
    """Candidate pairs per compare task: about 100 tasks per worker, so the progress bar moves
    steadily (it moves when a task ends), between 16 pairs (below that, sending a task costs more
    than comparing its pairs) and 250 (more only made the bar jump)."""
    return int(min(250, max(16, n_pairs // (100 * max(1, workers)))))


def _without_facts(parts: list[Analysis]) -> list[Analysis]:
    """The analyses as checkpointed: without the lineage facts, whose pickling (a million small
    records) would cost the parent seconds; a run resumed from them reads them again (_lineage)."""
    return [replace(p, facts=None) for p in parts]


def _batch_size(task: BatchTask) -> int:
    return len(task.where.indices)


def _ingest(inputs: Sequence[str | Path], config: Config, store: DocStore, problems: list[str],
            bar: Any, languages: list[Any], filtered: dict[str, int]) -> Iterator[BatchTask]:
    """Read every input into ``store``, yielding each batch of ``batch_docs`` documents once it
    is readable from the store; the store is closed when the generator ends. With a language
    filter, the language of each stored document is appended to ``languages`` and documents the
    filter leaves out are counted in ``filtered``; without one, the batches ask the analyse
    workers to identify them (:func:`_identified_in_workers`)."""
    allowed = language_filter(config.ingest.languages, config.ingest.drop_languages)
    # Without a language filter nothing here needs a document's language: the analyse workers
    # identify it (the BatchTask says so) and `languages` stays empty, off this serial loop.
    identify = _identified_in_workers(config)
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
        if not identify:
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
            yield _flushed_batch(store, lo, identify)
            lo = len(store)
            bar.update(task, completed=lo)
    if len(store) > lo:
        yield _flushed_batch(store, lo, identify)
    bar.update(task, total=len(store), completed=len(store))
    store.close()


def _flushed_batch(store: DocStore, lo: int, identify: bool = False) -> BatchTask:
    store.flush()
    return BatchTask.of(store, store.locator_range(lo, len(store)), lo, len(store), identify)


def _identified_in_workers(config: Config) -> bool:
    """Whether documents' languages are identified by the analyse workers rather than while
    reading: when no language filter decides, while reading, which documents to keep."""
    return not (config.ingest.languages or config.ingest.drop_languages)


@dataclass(frozen=True)
class DedupTask:
    """Documents to write to ``deduplicated.jsonl``: where their texts and records are, and
    their fields (tuples aligned with ``where.indices``)."""

    where: StoreSlice
    ids: tuple[str, ...]
    sources: tuple[str | None, ...]
    urls: tuple[str | None, ...]
    published: tuple[str | None, ...]
    clusters: tuple[str | None, ...]
    text_field: str


def dedup_lines_task(ctx: Any, task: DedupTask) -> str:
    """The ``deduplicated.jsonl`` lines of a batch, joined by newlines (one block to write).
    ``ctx`` is unused: the texts are read with a reader of the task's own."""
    reader = DocStoreReader(task.where.path)
    try:
        texts, raws = reader.texts(task.where), reader.raws(task.where)
    finally:
        reader.close()
    return "\n".join(dumps(dedup_record(*fields, task.text_field))
                     for fields in zip(task.ids, texts, task.sources, task.urls, task.published, raws, task.clusters))


def _with_warning(doc: Any, warning: str) -> Any:
    return replace(doc, warnings=doc.warnings + (warning,))


def exact_groups(keys: np.ndarray, has_text: np.ndarray, rep_key: Any) -> tuple[list[tuple[int, int]], np.ndarray]:
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


def exact_match(id_a: str, id_b: str, chars_a: int, chars_b: int) -> Match:
    """The ``exact`` match of two documents of one exact group: one passage over both whole texts."""
    if id_b < id_a:
        id_a, id_b, chars_a, chars_b = id_b, id_a, chars_b, chars_a
    passage = Passage((0, int(chars_a)), (0, int(chars_b)), "verbatim", 1.0)
    return Match(id_a, id_b, "exact", 1.0, 1.0, 1.0, 1.0, (passage,), EXACT_METHOD)


def _gather(parts: list[Analysis], name: str) -> tuple[np.ndarray, np.ndarray]:
    pieces = [getattr(p, name) for p in parts]
    return np.concatenate([k for k, _ in pieces]), np.concatenate([d for _, d in pieces])


def _pair_tasks(candidates: CandidatePairs, store: DocStore, boilerplate: list, segments: list,
                per_task: int) -> tuple[list[PairTask], list[int]]:
    found = list(candidates)
    pairs = [(c.a, c.b) for c in found]
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
            methods=tuple(c.methods for c in found[lo : lo + per_task]),
        ))
        weights.append(len(chunk))
    return tasks, weights


def make_clusters(matches: list[Match], ids: list[str], rep_key: Any, config: Config) -> list[Cluster]:
    """Copy clusters (:func:`copydesk.cluster.copy_edges`), then story clusters: the copy
    clusters merged by average linkage over the matches (:func:`copydesk.cluster.story_groups`),
    which therefore contain the copy clusters."""
    index = {d: i for i, d in enumerate(ids)}
    copies = components(len(ids), ((index[a], index[b]) for a, b in copy_edges(matches)))
    levels = [("copy", copies)]
    if config.runs("story") or config.runs("rewrite"):
        # by id, not by position: ties break the same whatever order the documents came in
        copy_of = {ids[i]: ids[g[0]] for g in copies for i in g}
        found = story_groups(((m.a, m.b) for m in matches), copy_of, config.cluster.story_linkage)
        levels.append(("story", [[index[x] for x in g] for g in found]))
    clusters = []
    for kind, found in levels:
        groups = [sorted(g, key=ids.__getitem__) for g in found]
        groups.sort(key=lambda g: (-len(g), ids[min(g, key=rep_key)]))
        for k, g in enumerate(groups, 1):
            clusters.append(Cluster(f"{kind}-{k:06d}", kind, tuple(ids[i] for i in g), ids[min(g, key=rep_key)]))
    return clusters


def _lineage(store: DocStore, matches: list[Match], clusters: list[Cluster], config: Config,
             facts: dict | None = None) -> tuple[dict, Any]:
    """Every document's facts (outlet, date and its origin, credits: read from the head and
    tail of its text), and :func:`copydesk.lineage.derive` over them and the matches. The facts
    come from the analyse workers (``facts``); they are read here only when not given."""
    from copydesk.lineage import derive, doc_facts

    if facts is not None:
        return facts, derive(facts, matches, clusters, config.lineage)
    reader = DocStoreReader(store.path)
    facts = {}
    for lo in range(0, len(store), 1000):
        chunk = list(range(lo, min(lo + 1000, len(store))))
        for i, text in zip(chunk, reader.texts(store.locator(chunk))):
            facts[store.ids[i]] = doc_facts(store.ids[i], text, store.sources[i], store.urls[i], store.published[i],
                                            store.published_origins[i])
    reader.close()
    return facts, derive(facts, matches, clusters, config.lineage)


def _write(out: OutputFolder, store: DocStore, matches: list[Match], clusters: list[Cluster],
           boilerplate: list, segments: list, config: Config, counts: dict[str, Any],
           problems: list[str], facts: dict | None = None, lineage: Any = None,
           languages: Sequence[Any] = (), engine: Any = None) -> dict[str, Any]:
    from copydesk.lineage.records import cluster_fields, document_fields, match_fields, outlet_records

    ids = store.ids
    by_id = sorted(range(len(ids)), key=ids.__getitem__)
    reader = DocStoreReader(store.path)
    keep_text = config.output.keep_text

    def documents():
        for lo in range(0, len(by_id), 1000):
            chunk = by_id[lo : lo + 1000]
            texts = reader.texts(store.locator(chunk)) if keep_text else [None] * len(chunk)
            for i, text in zip(chunk, texts):
                record = document_record(ids[i], store.sources[i], store.chars[i], store.urls[i], store.published[i],
                                         boilerplate[i] if i < len(boilerplate) else (),
                                         segments[i] if i < len(segments) else (), store.warnings.get(i),
                                         text, keep_text, store.chars[i] > config.ingest.max_doc_chars)
                if i < len(languages):
                    record.update(language_fields(languages[i]))
                yield document_fields(record, facts.get(ids[i])) if facts is not None else record


    level = config.cluster.drop_level
    if level == "story" and not any(c.kind == "story" for c in clusters):
        level = "copy"
    dropped = {d for c in clusters if c.kind == level for d in c.members if d != c.representative}
    cluster_of = {d: c.id for c in clusters if c.kind == level for d in c.members}

    keep = [i for i in by_id if ids[i] not in dropped]

    def deduplicated():  # blocks of lines, in order, encoded by the engine's workers when it has some
        tasks = (DedupTask(store.locator(chunk), tuple(ids[i] for i in chunk), tuple(store.sources[i] for i in chunk),
                           tuple(store.urls[i] for i in chunk), tuple(store.published[i] for i in chunk),
                           tuple(cluster_of.get(ids[i]) for i in chunk), config.ingest.text_field)
                 for chunk in (keep[lo : lo + 1000] for lo in range(0, len(keep), 1000)))
        if engine is None:
            yield from (dedup_lines_task(None, task) for task in tasks)
        else:
            yield from engine.map(dedup_lines_task, tasks, label="Writing kept documents", total=len(keep),
                                  weight=lambda task: len(task.ids))

    n_docs = out.write_jsonl("documents.jsonl", documents())
    if lineage is None:
        n_matches = out.write_jsonl("matches.jsonl", map(match_record, matches))
        n_clusters = out.write_jsonl("clusters.jsonl", map(cluster_record, clusters))
    else:
        n_matches = out.write_jsonl("matches.jsonl", (match_record(m) | match_fields(d)
                                                      for m, d in zip(matches, lineage.directions)))
        n_clusters = out.write_jsonl("clusters.jsonl", (
            cluster_record(c) | cluster_fields(lineage.clusters.get(c.id) if c.kind == "copy" else None)
            for c in clusters))
        out.write_jsonl("outlets.jsonl", outlet_records(lineage))
    out.write_lines("deduplicated.jsonl", deduplicated())
    n_kept = len(keep)

    def texts():  # for `explain` and the HTML report: the texts of matched documents
        matched = {d for m in matches for d in (m.a, m.b)}
        for lo in range(0, len(by_id), 1000):
            chunk = by_id[lo : lo + 1000]
            wanted = [i for i in chunk if ids[i] in matched]
            found = dict(zip(wanted, reader.texts(store.locator(wanted)))) if wanted else {}
            for i in chunk:
                yield ids[i], found.get(i)

    from copydesk.texts import TEXTS_FILE, write_texts

    write_texts(out.partial / TEXTS_FILE, texts())
    reader.close()
    if config.output.parquet:
        from copydesk.parquet_out import write_parquet_copies

        write_parquet_copies(out.partial)
    by_kind: dict[str, int] = {}
    for m in matches:
        by_kind[m.kind] = by_kind.get(m.kind, 0) + 1
    return summary_counts(
        documents=n_docs, matches=n_matches, by_kind=by_kind, kind_rank=KIND_RANK, clusters=n_clusters,
        copy_clusters=sum(1 for c in clusters if c.kind == "copy"),
        story_clusters=sum(1 for c in clusters if c.kind == "story"), kept=n_kept, dropped=len(dropped),
        problems=len(problems), documents_with_warnings=len(store.warnings))
