"""Rewrites and same-story detection (issue 6).

Contract with the pipeline (``copydesk.pipeline`` calls exactly these):

- ``story_keys(view: DocView, config: RewriteConfig) -> np.ndarray[uint64]``: per document,
  in a worker: keys of its names, significant numbers and content stems.
- ``rewrite_candidates(keys, doc, n_docs, config, order) -> np.ndarray`` of shape ``(m, 2)``:
  global, sort-based postings with a document-frequency cap, so no common key makes quadratic
  work; ties under the per-document cap are broken by id rank (``order``), not reading order.
- ``load_encoder(config) -> Encoder | None``: once per worker (None for the lexical layer).
- ``compare(a, b, verbatim, config, story, encoder=None, *, cache=None) -> Match | None``:
  ``rewrite`` or ``same_story`` for one candidate pair, ids ordered a < b. ``cache`` is an
  optional :class:`DocCache` a worker holds so that a document recurring in many pairs is
  analysed once. Returns None for a pair copied mostly word for word (the passages stage
  reports it as an excerpt or near-duplicate).

How a pair is judged: both texts are split into sentences (:mod:`.sentences`); every sentence
pair that shares enough content words (or, with a model, has a high cosine) is scored by a
logistic regression fitted on MSRP train (:mod:`.scorer`); the best monotone chain of
sentence pairs above ``min_sentence_similarity`` is taken, gaps allowed (:mod:`.align`), plus
reordered mutual-best pairs. Enough aligned sentences covering enough of the shorter text make
a ``rewrite``; otherwise shared names, numbers and topic words (:mod:`.story`) may make a
``same_story``.

Example:
    >>> from copydesk.types import DocView
    >>> t1 = "Police said 38 people died in Amatrice on Wednesday. The quake struck at 3:36 a.m."
    >>> t2 = ("At least 38 people were killed in Amatrice on Wednesday, police said. "
    ...       "The quake hit at 3:36 a.m.")
    >>> config = RewriteConfig(min_aligned_sentences=2)
    >>> m = compare(DocView("a", t1, t1), DocView("b", t2, t2), [], config, StoryConfig())
    >>> m.kind, len(m.passages)
    ('rewrite', 2)
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from copydesk.errors import ConfigError
from copydesk.measures import containment, days_apart, word_jaccard
from copydesk.types import DocView, Match, Passage

if TYPE_CHECKING:
    from copydesk.semantic.embed import Encoder
    from copydesk.semantic.story import StorySimilarity
    from copydesk.semantic.storyscore import CorpusRarity

__all__ = [
    "DocCache",
    "admits_story",
    "RewriteConfig",
    "StoryConfig",
    "compare",
    "load_encoder",
    "load_story_encoder",
    "resolve_story_model",
    "story_rarity",
    "resolve_model",
    "rewrite_candidates",
    "story_keys",
]

REWRITE_METHOD = "rewrite_{layer}_v2"
STORY_METHOD = "story_facts_v1"
STORY_MODEL_METHOD = "story_v1_{layer}"
STORY_MODELS = ("auto", "none", "minilm")


def _check(ok: bool, message: str) -> None:
    if not ok:
        raise ConfigError(message)


@dataclass(frozen=True)
class RewriteConfig:
    """Reworded copies: sentence alignment with lexical and semantic similarity.

    Attributes:
        model: Sentence-embedding model for the semantic layer: ``auto`` (the default: ``mpnet``
            when its packages are installed, as ``make`` does, otherwise ``none``), ``mpnet``,
            ``minilm`` (both need the semantic extra), or ``none`` for the lexical layer alone
            (hundreds of times faster; see BENCHMARKS.md, section MSRP). The run resolves
            ``auto`` once, and ``run.json`` records the model used.
        min_sentence_similarity: Paraphrase probability (the fitted scorer's output, 0 to 1)
            from which two sentences may be aligned. Calibrated on the project's rewrite
            corpus (tests/data/rewrite, lexical layer, swept from 0.25 to 0.45): below 0.35 a
            topic neighbour (the same affair a year later) gets two aligned sentences, from 0.4
            reworded sentences of rewrites drop out. It sits under the MSRP-train F1-optimal
            threshold (0.44) because the alignment's order constraint adds evidence.
        min_reordered_similarity: Probability from which a sentence pair out of the monotone
            order (a moved sentence) is aligned too, if both are each other's best match.
            Calibrated on the rewrite corpus.
        min_gap_similarity: Probability from which a sentence pair lying between two aligned
            pairs, at the same distance from both in both texts (one or two sentences), is
            aligned too: a heavily reworded sentence between anchors. Calibrated on the rewrite
            corpus: it adds such sentences of rewrites and nothing to same-story pairs.
        min_sentence_chars: Sentences shorter than this (characters) are not aligned: bylines,
            datelines and one-word lines match anything. Chosen on the rewrite corpus.
        min_aligned_sentences: Fewest aligned (non-verbatim) sentence pairs of a rewrite.
            Two independent reports of one event may share a quoted sentence or two; three
            reworded sentences in order are a copy. Calibrated on the rewrite corpus.
        min_containment: Share of the shorter document's article characters that the aligned
            sentences (and verbatim passages) must cover for a rewrite, 0 to 1. Calibrated on
            the rewrite corpus: rewrites there cover 0.6 or more, same-story pairs under 0.2.
        max_keys_per_doc: Candidate keys kept per document (names and numbers first, then a
            bottom-k sample of content stems). 256 holds every key of a 1,000-word article.
        max_key_docs: Keys held by more documents than this are ignored for candidates (topic
            words); bounds the pairs one key can make to ``max_key_docs**2 / 2``. Measured with
            benchmarks/rewrite.py (5,000 synthetic distractors): 200 makes 13 million raw pairs
            and takes 28 s, 50 makes 3 million in 6 s, with the same candidates kept.
        min_shared_keys: Fewest keys two documents must share to become a candidate pair.
            Calibrated on the rewrite corpus: gold pairs there share 18 or more keys,
            unrelated pairs up to 12 (all verified anyway). Lowered from 5 to 3 for same-story
            recall on short reports (issue 15, SemEval dev pairs: see ``min_candidate_score``).
        min_candidate_score: Smallest sum of ``kind weight x (1 - ln(df) / ln(max_key_docs + 1))``
            over the shared keys of a candidate pair (a rare name or number adds up to 2, a rare
            content stem up to 1; the same scale at any corpus size). Calibrated on the rewrite
            corpus: gold pairs score 19 or more, unrelated ones up to 14 (all verified anyway).
            Measured on the 594 texts of the SemEval-2022 dev pairs (~1,000 characters each)
            with the 65 same-event pairs as gold: 8 (and 5 shared keys) makes 103 candidates
            and keeps 77 % of the events; 3 (and 3 keys) makes 489 (under one per document)
            and keeps 89 %; 2 makes 1,505 for 94 %. 3 it is: the per-document cap keeps the
            verification linear whatever this floor.
        max_candidates_per_doc: A pair is a candidate only if it ranks among the best this many
            pairs of one of its documents, so a document full of common words cannot pair
            with the whole corpus and the verification work stays linear in the corpus size
            (compare costs about 20 ms per pair of real articles). Rewrites share the most keys
            and rank first; a story with more reports than this is still joined through its
            members' other pairs when story clusters are formed.
    """

    model: str = "auto"
    min_sentence_similarity: float = 0.35
    min_reordered_similarity: float = 0.7
    min_gap_similarity: float = 0.15
    min_sentence_chars: int = 25
    min_aligned_sentences: int = 3
    min_containment: float = 0.4
    max_keys_per_doc: int = 256
    max_key_docs: int = 50
    min_shared_keys: int = 3
    min_candidate_score: float = 3.0
    max_candidates_per_doc: int = 20

    def __post_init__(self) -> None:
        from copydesk.semantic.embed import MODELS

        _check(self.model in ("auto", *MODELS),
               f"rewrite.model must be one of auto, {', '.join(MODELS)}, not {self.model!r}")
        for name in (
            "min_sentence_similarity",
            "min_reordered_similarity",
            "min_gap_similarity",
            "min_containment",
        ):
            value = getattr(self, name)
            _check(0.0 <= value <= 1.0, f"rewrite.{name} must be in [0, 1], not {value}")
        _check(
            self.min_sentence_chars >= 1,
            f"rewrite.min_sentence_chars must be at least 1, not {self.min_sentence_chars}",
        )
        _check(
            self.min_aligned_sentences >= 1,
            f"rewrite.min_aligned_sentences must be at least 1, not {self.min_aligned_sentences}",
        )
        _check(
            self.max_keys_per_doc >= 8,
            f"rewrite.max_keys_per_doc must be at least 8, not {self.max_keys_per_doc}",
        )
        _check(self.max_key_docs >= 2, f"rewrite.max_key_docs must be at least 2, not {self.max_key_docs}")
        _check(
            self.min_shared_keys >= 1,
            f"rewrite.min_shared_keys must be at least 1, not {self.min_shared_keys}",
        )
        _check(
            self.min_candidate_score >= 0.0,
            f"rewrite.min_candidate_score must be 0 or more, not {self.min_candidate_score}",
        )
        _check(
            self.max_candidates_per_doc >= 1,
            f"rewrite.max_candidates_per_doc must be at least 1, not {self.max_candidates_per_doc}",
        )


@dataclass(frozen=True)
class StoryConfig:
    """Independent reports of one event.

    Attributes:
        window_days: Reports further apart than this (when ``published`` is known for both)
            are not the same story. A news event is reported within days; a week keeps
            follow-ups and weekly papers.
        min_cosine: Cosine of the two documents' weighted content-word vectors (0 to 1) from
            which they may be about one event. Calibrated on the rewrite corpus: same-story
            pairs there reach 0.44 or more, topic-only neighbours stay under 0.30 (except one
            on the same affair a year later, which the date window rejects).
        min_shared_names: Fewest proper names (people, places, organisations) both must
            mention. Two: a shared place alone is a topic neighbour. Calibrated on the corpus.
        min_shared_facts: Fewest shared names plus significant numbers (two or more digits,
            not a year). Same-story pairs of the rewrite corpus share 6 or more, but short
            reports share fewer; topic neighbours share up to 6 names, so the cosine, not this
            count, is what keeps them apart.
        model: How a pair is scored: ``auto`` (the default: the fitted same-story model
            :mod:`.storyscore` with all-MiniLM-L6-v2 document vectors when the semantic extra
            is installed, else the lexical one), ``minilm`` or ``none`` (lexical). With a model,
            ``min_shared_names`` and ``min_shared_facts`` are not used (they are the hand-set
            rule ``story_facts_v1``, which :func:`compare` applies when it is given no corpus
            rarity table); the model's probability decides, with the floors and the strong-facts
            path below.
        min_probability: The model's probability that the two texts report the same event
            from which a pair is ``same_story``. The 5-fold cross-validated F1-optimal
            threshold on the SemEval-2022 dev pairs is 0.29 with MiniLM vectors and 0.23
            lexical (``benchmarks/story.py``); 0.35 for both trades a little lexical recall
            for precision. Lower it to rank more pairs (the score is reported either way).
        min_shared_names_scored: Fewest proper names both must mention for a scored
            ``same_story`` (one event has actors or a place). With the facts floor below it
            costs no dev pair; without it, texts that share a vocabulary and no name (the
            generated articles of ``tests/test_passages.py``, facts cosine 0.85) were joined.
        min_cosine_scored: Facts cosine a scored pair needs unless it shares a significant
            number. It keeps topic-only neighbours of the rewrite corpus apart (a marathon's
            preview and its report, cosine 0.20, probability 0.55) and costs 5 of the dev pairs'
            65 same-event pairs (short texts, written in other words); set by hand on those two
            sets (BENCHMARKS.md, "Same story on people's ratings"). It was 0.35 (``min_cosine``),
            which cost 7 more.
        strong_cosine: Facts cosine from which a pair that also shares ``strong_numbers``
            significant numbers is ``same_story`` whatever the model says. The model was
            fitted on 1,000-character texts, where shared figures are rare and it learned to
            ignore them; two whole reports that share a rate, a toll and a time are one event
            (the rewrite corpus's central-bank reports: cosine 0.63, four numbers, model
            0.11). No dev pair rated different events reaches it.
        strong_numbers: Significant numbers (not years) both must give on the strong path.
        Whatever the path, two texts that both name days of the week and none in common are
        two happenings (:func:`copydesk.semantic.storyscore.days_conflict`) and never ``same_story``.
        language_model: How a pair with a document not in English is scored
            (:mod:`copydesk.languages.story`; the English model above never reads them):
            ``auto`` (``e5`` where the multilingual extra is installed, else ``lexical``),
            ``e5`` (the language signals and multilingual-e5-small vectors), ``lexical`` (the
            signals alone) or ``none`` (no same-story verdict for those pairs).
    """

    window_days: int = 7
    min_cosine: float = 0.35
    min_shared_names: int = 2
    min_shared_facts: int = 3
    model: str = "auto"
    min_probability: float = 0.35
    min_shared_names_scored: int = 1
    language_model: str = "auto"
    min_cosine_scored: float = 0.25
    strong_cosine: float = 0.55
    strong_numbers: int = 2

    def __post_init__(self) -> None:
        _check(self.language_model in ("auto", "e5", "lexical", "none"),
               f"story.language_model must be one of auto, e5, lexical, none, not {self.language_model!r}")
        _check(self.model in STORY_MODELS,
               f"story.model must be one of {', '.join(STORY_MODELS)}, not {self.model!r}")
        _check(0.0 <= self.min_probability <= 1.0,
               f"story.min_probability must be in [0, 1], not {self.min_probability}")
        _check(self.min_shared_names_scored >= 0,
               f"story.min_shared_names_scored must be 0 or more, not {self.min_shared_names_scored}")
        for name in ("min_cosine_scored", "strong_cosine"):
            _check(0.0 <= getattr(self, name) <= 1.0, f"story.{name} must be in [0, 1], not {getattr(self, name)}")
        _check(self.strong_numbers >= 1, f"story.strong_numbers must be 1 or more, not {self.strong_numbers}")
        _check(self.window_days >= 0, f"story.window_days must be 0 or more, not {self.window_days}")
        _check(0.0 <= self.min_cosine <= 1.0, f"story.min_cosine must be in [0, 1], not {self.min_cosine}")
        _check(
            self.min_shared_names >= 0,
            f"story.min_shared_names must be 0 or more, not {self.min_shared_names}",
        )
        _check(
            self.min_shared_facts >= 0,
            f"story.min_shared_facts must be 0 or more, not {self.min_shared_facts}",
        )


def story_keys(view: DocView, config: RewriteConfig) -> np.ndarray:
    """Candidate keys of one document: its names, significant numbers and content stems.

    Args:
        view: The document after cleaning (``view.masked`` is read).
        config: Rewrite settings (``max_keys_per_doc``).

    Returns:
        Sorted unique uint64 keys.
    """
    from copydesk.semantic.keys import fact_keys

    return fact_keys(view.masked, config.max_keys_per_doc)


def rewrite_candidates(keys: np.ndarray, doc: np.ndarray, n_docs: int, config: RewriteConfig,
                       order: np.ndarray | None = None) -> np.ndarray:
    """Candidate pairs for rewrite and same-story verification, from all documents' keys.

    Args:
        keys: Keys of all documents, concatenated (from :func:`story_keys`).
        doc: ``doc[k]`` is the index of the document holding ``keys[k]``.
        n_docs: Number of documents.
        config: Rewrite settings (the candidate thresholds).
        order: Rank of every document in id order: equally scored partners beyond
            ``config.max_candidates_per_doc`` are chosen by it, so the candidates do not depend
            on reading order. None when the indices are in id order already.

    Returns:
        ``(m, 2)`` int64 pairs ``i < j``. Approximate: :func:`compare` verifies each.
    """
    from copydesk.semantic.keys import candidate_pairs

    return candidate_pairs(
        keys,
        doc,
        n_docs,
        min_shared_keys=config.min_shared_keys,
        min_score=config.min_candidate_score,
        max_key_docs=config.max_key_docs,
        max_candidates_per_doc=config.max_candidates_per_doc,
        order=order,
    )


DEFAULT_MODEL = "mpnet"
"""What ``rewrite.model = "auto"`` means when the model's packages are installed."""


def resolve_model(model: str) -> str:
    """The concrete model ``model`` names: ``auto`` becomes :data:`DEFAULT_MODEL` when its
    packages are installed, else ``none``; any other name is returned as it is."""
    if model != "auto":
        return model
    from copydesk.semantic.embed import model_installed

    return DEFAULT_MODEL if model_installed(DEFAULT_MODEL) else "none"


def load_encoder(config: RewriteConfig, threads: int | None = 1) -> Encoder | None:
    """The sentence encoder of ``config.model`` (None for ``none``), for one worker to hold.

    Raises:
        copydesk.errors.MissingExtra: if the model's extra is not installed.
    """
    from copydesk.semantic.embed import load_encoder as _load

    return _load(resolve_model(config.model), threads=threads)


def _inside(span: tuple[int, int], verbatim: list[tuple[int, int]]) -> bool:
    """Whether most of ``span`` lies inside one of the verbatim spans."""
    length = span[1] - span[0]
    return any(min(span[1], e) - max(span[0], s) >= 0.8 * length for s, e in verbatim)


class _Doc:
    """What the comparison reads of one document, computed once (see :class:`DocCache`)."""

    def __init__(self, masked: str, min_sentence_chars: int, published: str | None = None) -> None:
        from copydesk.semantic.lexical import content_weights
        from copydesk.semantic.sentences import split_sentences

        self.masked = masked
        self.published = published
        self._facts = None
        self._weighted: tuple[object, object] | None = None  # (rarity table, weighted facts)
        self._vectors: tuple[str, np.ndarray] | None = None  # (encoder name, doc vectors)
        self.sentences = [s for s in split_sentences(masked) if len(s.text) >= min_sentence_chars]
        self.memo: dict[str, str] = {}
        self.weights = [content_weights(s.text, self.memo) for s in self.sentences]
        self._terms: dict[int, object] = {}
        self._words: dict[int, list[str]] = {}
        self._profile = None

    def words(self, k: int) -> list[str]:
        """Normalised words of sentence ``k`` (what decides that a sentence is copied verbatim)."""
        if k not in self._words:
            from copydesk.text import token_stream

            self._words[k] = token_stream(self.sentences[k].text).split()
        return self._words[k]

    def terms(self, k: int):
        if k not in self._terms:
            from copydesk.semantic.lexical import terms

            self._terms[k] = terms(self.sentences[k].text, self.memo)
        return self._terms[k]

    @property
    def profile(self):
        if self._profile is None:
            from copydesk.semantic.story import story_profile

            self._profile = story_profile(self.masked)
        return self._profile

    @property
    def facts(self):
        if self._facts is None:
            from copydesk.semantic.storyscore import StoryFacts, parse_day, story_profile, title_of, weekdays

            self._facts = StoryFacts(self.profile, story_profile(title_of(self.masked)).weights,
                                     parse_day(self.published), weekdays(self.masked))
        return self._facts

    def weighted(self, rarity):
        if self._weighted is None or self._weighted[0] is not rarity:
            from copydesk.semantic.storyscore import weigh

            self._weighted = (rarity, weigh(self.facts, rarity))
        return self._weighted[1]

    def vectors(self, encoder: Encoder) -> np.ndarray:
        if self._vectors is None or self._vectors[0] != encoder.name:
            from copydesk.semantic.storyscore import doc_vectors

            self._vectors = (encoder.name, doc_vectors(encoder, [self.masked])[0])
        return self._vectors[1]


class DocCache:
    """Per-document analysis (sentences, terms, story facts) kept across comparisons.

    A document takes part in many candidate pairs; a worker that holds one cache analyses it
    once instead of once per pair. Bounded (least recently used documents are dropped); pass
    it to :func:`compare` as ``cache=``. Results are the same with or without it.

    Args:
        max_docs: Documents kept.
    """

    def __init__(self, max_docs: int = 2000) -> None:
        self.max_docs = max_docs
        self._docs: OrderedDict[tuple[str, int, int], _Doc] = OrderedDict()

    def get(self, view: DocView, config: RewriteConfig) -> _Doc:
        key = (view.id, hash(view.masked), config.min_sentence_chars, view.published)
        doc = self._docs.get(key)
        if doc is None:
            doc = self._docs[key] = _Doc(view.masked, config.min_sentence_chars, view.published)
            while len(self._docs) > self.max_docs:
                self._docs.popitem(last=False)
        else:
            self._docs.move_to_end(key)
        return doc


def sentence_alignment(
    text_a: str,
    text_b: str,
    config: RewriteConfig,
    encoder: Encoder | None = None,
) -> list[Passage]:
    """Aligned sentence pairs of two texts, as ``rewrite`` passages with their similarity.

    Public API for one pair (the pipeline calls :func:`compare`).

    Args:
        text_a: First text (offsets of ``Passage.a`` refer to it).
        text_b: Second text.
        config: Rewrite settings.
        encoder: Sentence encoder (:func:`load_encoder`), or None for the lexical layer.

    Returns:
        Passages ordered by their start in a: kind ``rewrite`` with the pair's paraphrase
        probability as ``score``, or ``verbatim`` (score 1.0) for a sentence copied word for word.
    """
    return _align(
        _Doc(text_a, config.min_sentence_chars), _Doc(text_b, config.min_sentence_chars), config, encoder
    )


def _align(da: _Doc, db: _Doc, config: RewriteConfig, encoder: Encoder | None) -> list[Passage]:
    from copydesk.semantic.align import align_sentences
    from copydesk.semantic.scorer import SentenceScorer

    sa, sb = da.sentences, db.sentences
    if not sa or not sb:
        return []
    candidates = _overlapping_pairs(da.weights, db.weights)
    cos = None
    lexical = None
    if encoder is not None:
        # The cascade (:mod:`.cascade`): the lexical layer decides pairs that cannot be rewrites;
        # only the others are encoded.
        from copydesk.semantic.cascade import needs_encoder

        ii, jj = np.nonzero(candidates)
        lexical = SentenceScorer.lexical().score_pairs(
            [(da.terms(p), db.terms(q)) for p, q in zip(ii.tolist(), jj.tolist())]
        )
        floor = min(config.min_sentence_similarity, config.min_gap_similarity)
        # A sentence copied word for word is a verbatim passage, never one of a rewrite's
        # reworded sentences: it does not count towards sending the pair to the encoder.
        reworded = np.array([da.words(p) != db.words(q) for p, q in zip(ii.tolist(), jj.tolist())], dtype=bool)
        if not needs_encoder(ii[reworded], jj[reworded], lexical[reworded], floor, config.min_aligned_sentences):
            encoder = None
        else:
            lexical = None
    if encoder is not None:
        scorer = SentenceScorer.for_encoder(encoder.name)
        ea = encoder.encode([s.text for s in sa])
        eb = encoder.encode([s.text for s in sb])
        cos_matrix = ea @ eb.T
        # A reworded sentence may share few words: let a high cosine propose it too.
        candidates = candidates | (cos_matrix >= 0.75)
    else:
        scorer = SentenceScorer.lexical()
    ii, jj = np.nonzero(candidates)
    sim = np.zeros((len(sa), len(sb)))
    if lexical is not None:
        sim[ii, jj] = lexical  # the cascade scored these lexically already
    elif len(ii):
        # Full terms only for sentences in some candidate pair: most sentences of unrelated texts are not.
        if encoder is not None:
            cos = cos_matrix[ii, jj]
        sim[ii, jj] = scorer.score_pairs(
            [(da.terms(p), db.terms(q)) for p, q in zip(ii.tolist(), jj.tolist())], cos
        )
    pairs = align_sentences(
        sim, config.min_sentence_similarity, config.min_reordered_similarity, config.min_gap_similarity
    )
    passages = []
    for p, q in pairs:
        # A sentence copied word for word is verbatim reuse, whatever its score.
        same = da.words(p) == db.words(q)
        kind = "verbatim" if same else "rewrite"
        score = 1.0 if same else round(float(sim[p, q]), 4)
        passages.append(Passage((sa[p].start, sa[p].end), (sb[q].start, sb[q].end), kind, score))
    return passages


# Pairs whose weighted content overlap covers less than this share of the shorter sentence are
# never scored: on MSRP train, 99.8 % of paraphrase pairs reach 0.25 (99.3 % reach 0.3);
# re-check if the lexical features change.
_MIN_PREFILTER_CONTAINMENT = 0.25
# Partners per sentence scored in full (by shared content weight, both directions).
_PREFILTER_PARTNERS = 5


def _overlapping_pairs(ta: list[dict[str, float]], tb: list[dict[str, float]]) -> np.ndarray:
    """Boolean ``(n_a, n_b)``: sentence pairs whose shared content weight is worth scoring.

    Only terms found in both texts can be shared, so the matrices span those alone; a term's
    weight is the smaller of its weights in the two texts (a name in one, a word in the other).
    """
    weight_a: dict[str, float] = {}
    for t in ta:
        for k, w in t.items():
            weight_a[k] = max(w, weight_a.get(k, 0.0))
    weight_b: dict[str, float] = {}
    for t in tb:
        for k, w in t.items():
            weight_b[k] = max(w, weight_b.get(k, 0.0))
    common = sorted(weight_a.keys() & weight_b.keys())
    if not common:
        return np.zeros((len(ta), len(tb)), dtype=bool)
    column = {k: c for c, k in enumerate(common)}
    ba = np.zeros((len(ta), len(common)), dtype=np.float32)
    bb = np.zeros((len(tb), len(common)), dtype=np.float32)
    for row, t in enumerate(ta):
        for k in t.keys() & column.keys():
            ba[row, column[k]] = 1.0
    for row, t in enumerate(tb):
        for k in t.keys() & column.keys():
            bb[row, column[k]] = 1.0
    w = np.array([min(weight_a[k], weight_b[k]) for k in common], dtype=np.float32)
    shared = (ba * w) @ bb.T
    total_a = np.array([sum(t.values()) for t in ta])[:, None]
    total_b = np.array([sum(t.values()) for t in tb])[None, :]
    smaller = np.minimum(total_a, total_b)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(smaller > 0, shared / smaller, 0.0)
        # Partners are ranked by a cosine-like score: containment alone ties every short sentence.
        rank_score = np.where(smaller > 0, shared / np.sqrt(total_a * total_b), 0.0)
    # Each sentence keeps its few best partners only: a sentence has one counterpart in a
    # rewrite, and long texts on one topic would otherwise score every pair of sentences.
    k = _PREFILTER_PARTNERS
    keep = np.zeros_like(share, dtype=bool)
    if share.shape[1] > k:
        top = np.argpartition(-rank_score, k - 1, axis=1)[:, :k]
        keep[np.arange(share.shape[0])[:, None], top] = True
    else:
        keep[:] = True
    if share.shape[0] > k:
        top = np.argpartition(-rank_score, k - 1, axis=0)[:k, :]
        keep[top, np.arange(share.shape[1])[None, :]] = True
    else:
        keep[:] = True
    return keep & (share >= _MIN_PREFILTER_CONTAINMENT)


def compare(
    a: DocView,
    b: DocView,
    verbatim: Sequence[Passage],
    config: RewriteConfig,
    story: StoryConfig,
    encoder: Encoder | None = None,
    *,
    cache: DocCache | None = None,
    rarity: CorpusRarity | None = None,
    story_encoder: Encoder | None = None,
    judge_story: bool = True,
) -> Match | None:
    """Verify one candidate pair: ``rewrite``, ``same_story`` or nothing.

    Args:
        a: The document with the smaller id (swapped if not).
        b: The other document.
        verbatim: Verbatim passages already found for the pair (``a`` offsets in ``a``); they are
            reported beside the rewritten ones and count towards the coverage.
        config: Rewrite settings.
        story: Same-story settings.
        encoder: Sentence encoder held by the worker (:func:`load_encoder`), or None.
        cache: Per-document analysis held by the worker (:class:`DocCache`), or None. Optional:
            the result is the same, only faster when documents recur across pairs.
        rarity: Document frequencies of the corpus's story keys (:func:`story_rarity`), for
            the same-story model. None: the hand-set rule ``story_facts_v1`` decides instead
            (no corpus to weigh names by).
        story_encoder: Encoder of the same-story model's document vectors
            (:func:`load_story_encoder`), or None for the lexical model.
        judge_story: False when the caller already holds a relation of the pair that outranks
            ``same_story`` (``shared_passages``), so that a ``same_story`` verdict would be
            discarded: a pair that is no ``rewrite`` then returns None without being scored as a
            story, and its documents are not encoded for it. The pipeline's result is the same.

    Returns:
        A :class:`~copydesk.types.Match` of kind ``rewrite`` (passages of kind ``rewrite`` and
        any verbatim ones, ordered by start in a) or ``same_story`` (the verbatim passages
        only), or None: unrelated, or a pair copied mostly verbatim (whose relation, such as
        ``excerpt``, the passages stage reports).
    """
    verbatim = list(verbatim)
    if a.id > b.id:
        a, b = b, a
        verbatim = [p.swapped() for p in verbatim]
    layer = "lexical" if encoder is None else encoder.name
    if cache is None:
        da = _Doc(a.masked, config.min_sentence_chars, a.published)
        db = _Doc(b.masked, config.min_sentence_chars, b.published)
    else:
        da, db = cache.get(a, config), cache.get(b, config)
    aligned = _align(da, db, config, encoder)
    va = [p.a for p in verbatim]
    vb = [p.b for p in verbatim]
    fresh = [p for p in aligned if not (_inside(p.a, va) and _inside(p.b, vb))]
    rewritten = [p for p in fresh if p.kind == "rewrite"]
    chars_a, chars_b = max(a.article_chars, 1), max(b.article_chars, 1)
    passages = sorted(fresh + verbatim, key=lambda p: (p.a, p.b))
    cov_a = containment(a, [p.a for p in passages])
    cov_b = containment(b, [p.b for p in passages])
    shorter_cov = cov_a if chars_a <= chars_b else cov_b
    if len(rewritten) >= config.min_aligned_sentences and shorter_cov >= config.min_containment:
        score = float(np.mean([p.score for p in rewritten]))
        return Match(
            a.id,
            b.id,
            "rewrite",
            round(score * shorter_cov, 4),
            word_jaccard(a.masked, b.masked),
            round(cov_a, 4),
            round(cov_b, 4),
            tuple(passages),
            REWRITE_METHOD.format(layer=layer),
        )
    copied = [p for p in passages if p.kind == "verbatim"]
    copied_a = containment(a, [p.a for p in copied])
    copied_b = containment(b, [p.b for p in copied])
    if (copied_a if chars_a <= chars_b else copied_b) >= config.min_containment:
        # Copied mostly word for word: the passages stage reports it (excerpt, near-duplicate).
        # Only word-for-word passages count here: a short text whose one or two *reworded*
        # sentences cover 40 % of it is no copy, and its pair is judged as a story below.
        return None
    if not judge_story:
        return None
    if rarity is None:
        return _same_story(a, b, da, db, verbatim, story)
    return _scored_story(a, b, da, db, verbatim, story, rarity, story_encoder)


def _scored_story(
    a: DocView,
    b: DocView,
    da: _Doc,
    db: _Doc,
    verbatim: list[Passage],
    story: StoryConfig,
    rarity: CorpusRarity,
    encoder: Encoder | None,
) -> Match | None:
    """``same_story`` by the fitted model (:mod:`.storyscore`): score = probability of one event."""
    from copydesk.semantic.story import story_similarity
    from copydesk.semantic.storyscore import StoryModel, days_conflict, story_features

    days = days_apart(a.published, b.published)
    if days is not None and days > story.window_days:
        return None
    if days_conflict(da.facts.weekdays, db.facts.weekdays):
        return None  # both say when, never the same day: two happenings of one kind
    facts = story_similarity(da.profile, db.profile)
    if not admits_story(1.0, facts, story):
        return None  # no model can admit it: the documents need not be encoded
    vectors = None if encoder is None else (da.vectors(encoder), db.vectors(encoder))
    x = story_features(da.facts, db.facts, rarity, vectors, weighted=(da.weighted(rarity), db.weighted(rarity)))
    model = StoryModel.default(None if encoder is None else encoder.name)
    probability = float(model.probability(model.columns(x))[0])
    if not admits_story(probability, facts, story):
        return None
    cov_a = containment(a, [p.a for p in verbatim])
    cov_b = containment(b, [p.b for p in verbatim])
    return Match(
        a.id,
        b.id,
        "same_story",
        round(probability, 4),
        word_jaccard(a.masked, b.masked),
        round(cov_a, 4),
        round(cov_b, 4),
        tuple(sorted(verbatim, key=lambda p: (p.a, p.b))),
        STORY_MODEL_METHOD.format(layer="lexical" if encoder is None else encoder.name),
    )


def admits_story(probability: float, facts: StorySimilarity, story: StoryConfig) -> bool:
    """The same-story decision on a scored pair whose days do not conflict: one definition for
    :func:`compare` and the benchmark that scores it (``benchmarks/story.py``).

    Args:
        probability: The fitted model's probability of one event (:mod:`.storyscore`).
        facts: The pair's shared names, numbers and facts cosine (:func:`.story.story_similarity`).
        story: The thresholds (:class:`StoryConfig`).

    Example:
        >>> from copydesk.semantic.story import StorySimilarity
        >>> admits_story(0.9, StorySimilarity(0.3, 2, 0), StoryConfig())  # the model, above the floor
        True
        >>> admits_story(0.5, StorySimilarity(0.1, 3, 0), StoryConfig())  # a place and a topic
        False
        >>> admits_story(0.1, StorySimilarity(0.6, 3, 4), StoryConfig())  # figures and wording
        True
    """
    # Two whole reports sharing figures and much wording: one event whatever the model, fitted
    # on short texts, makes of it (StoryConfig.strong_cosine).
    if facts.cosine >= story.strong_cosine and facts.shared_numbers >= story.strong_numbers:
        return True
    # Otherwise the model decides, above a floor of shared facts: a preview and its event, the
    # same bank's other announcement, share a place and a topic and little else. (Letting a
    # probability of 0.7 decide without the floor gained 2 dev pairs but joined pages whose first
    # lines are the same wrapper furniture, whose title vectors then match: tests/golden, reuse.)
    floor = facts.shared_names >= story.min_shared_names_scored and (
        facts.cosine >= story.min_cosine_scored or facts.shared_numbers > 0
    )
    return probability >= story.min_probability and floor


def resolve_story_model(model: str) -> str:
    """The concrete same-story model: ``auto`` is ``minilm`` where its packages are installed."""
    if model != "auto":
        return model
    from copydesk.semantic.embed import model_installed

    return "minilm" if model_installed("minilm") else "none"


def load_story_encoder(story: StoryConfig, threads: int | None = 1, rewrite_encoder: Encoder | None = None
                       ) -> Encoder | None:
    """The encoder of the same-story model's document vectors (None for the lexical model).

    Reuses ``rewrite_encoder`` when it is the same model.

    Raises:
        copydesk.errors.MissingExtra: if ``story.model = "minilm"`` and the
            semantic extra is not installed.
    """
    name = resolve_story_model(story.model)
    if name == "none":
        return None
    if rewrite_encoder is not None and rewrite_encoder.name == name:
        return rewrite_encoder
    from copydesk.semantic.embed import load_encoder as _load

    return _load(name, threads=threads)


def story_rarity(keys: np.ndarray, doc: np.ndarray, config: RewriteConfig) -> CorpusRarity:
    """Document frequencies of the corpus's story keys (from :func:`story_keys`), for :func:`compare`."""
    from copydesk.semantic.storyscore import CorpusRarity

    return CorpusRarity.from_keys(keys, doc, max_docs=config.max_key_docs)


def _same_story(
    a: DocView, b: DocView, da: _Doc, db: _Doc, verbatim: list[Passage], story: StoryConfig
) -> Match | None:
    from copydesk.semantic.story import story_similarity

    days = days_apart(a.published, b.published)
    if days is not None and days > story.window_days:
        return None
    sim = story_similarity(da.profile, db.profile)
    if (
        sim.cosine < story.min_cosine
        or sim.shared_names < story.min_shared_names
        or sim.shared_facts < story.min_shared_facts
    ):
        return None
    cov_a = containment(a, [p.a for p in verbatim])
    cov_b = containment(b, [p.b for p in verbatim])
    return Match(
        a.id,
        b.id,
        "same_story",
        round(sim.cosine, 4),
        word_jaccard(a.masked, b.masked),
        round(cov_a, 4),
        round(cov_b, 4),
        tuple(sorted(verbatim, key=lambda p: (p.a, p.b))),
        STORY_METHOD,
    )
