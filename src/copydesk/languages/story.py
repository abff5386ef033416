"""Same story for pairs the English story model does not read: any document not in English.

The story stage's English model (:mod:`copydesk.semantic.storyscore`) decides English-English
pairs. A pair where either document is reliably in another language
(:func:`copydesk.languages.semantic_skip`) comes here instead: the signals of
:mod:`copydesk.languages.signals` (the event's stems in one language, names transliterated to
one script, numbers, links) and, with the ``multilingual`` extra, the cosine of the two
documents' multilingual-e5-small vectors (:mod:`copydesk.languages.encoder`), each vector first
centred on the mean vector of its language (:func:`language_centres`), weighed by a logistic
model fitted on the people-rated pairs of ``semeval2022_task8_multi_dev``
(``benchmarks/languages.py pairs --fit``) and shipped as package data
(``languages/data/story_lang_v1_lexical.npz``, ``story_lang_v2_e5.npz``). The pair is
``same_story`` when the model's probability reaches the threshold of its kind (one language,
two languages); the match's ``score`` is that probability.

Why centre: an e5 vector carries, beside what the text says, which language it is written
in, so two texts of one language start closer than two of different languages, whatever
their events; one threshold cannot serve both. Subtracting each language's mean vector (taken
over the 2,110 dev texts, no labels used) takes that common part out: in 5-fold CV the raw
cosine alone gave F1 0.788 within a language (zh apart) and 0.678 across, the centred one
0.816 and 0.840; the shipped model, in nested CV with its precision-first threshold across
languages, 0.812 and 0.808 (BENCHMARKS.md, section Languages, round 4), and 0.807 and 0.816 with
folds of whole articles (round 5, which also lists what else was tried).

Example:
    >>> from copydesk.types import DocView
    >>> story = LanguageStory("lexical")
    >>> de = "Erdbeben in der Türkei: mehr als 2.300 Tote in Gaziantep und Kahramanmaraş."
    >>> en = "Earthquake in Turkey kills more than 2,300 in Gaziantep and Kahramanmaras."
    >>> m = story.relate(DocView("a", de, de), DocView("b", en, en))
    >>> m.kind if m else None  # doctest: +SKIP
    'same_story'
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import numpy as np

from copydesk.errors import ConfigError
from copydesk.measures import containment, days_apart, word_jaccard
from copydesk.languages.signals import FEATURES, StorySignals, signal_features, story_signals
from copydesk.types import DocView, Match

__all__ = ["LANGUAGE_MODELS", "LanguageStory", "LanguageStoryModel", "MODEL_FILES", "centre_vector",
           "language_centres", "pair_features", "resolve_language_model", "story_keys_any_language"]

LANGUAGE_MODELS = ("auto", "e5", "lexical", "none")
"""Values of ``story.language_model``: ``auto`` is ``e5`` where the multilingual extra is
installed, else ``lexical``; ``none`` leaves non-English pairs without a same-story verdict."""

MODEL_FILES = {"lexical": "story_lang_v1_lexical", "e5": "story_lang_v2_e5"}
"""Each layer's shipped model (``languages/data/<name>.npz``), also the ``method`` of the
matches it makes. ``v2`` of the e5 layer: vectors centred per language (v1 compared raw ones)."""

# A language's centre is the mean of at least this many of its texts' vectors; a language with
# fewer in the dev texts (or none: ja, pt...) is centred on the mean of all texts (key "*"),
# which removes the part common to every text though not the language's own. 20 texts: the
# dev set's rarest language has 88 texts, so every dev language has its own centre.
MIN_CENTRE_TEXTS = 20
ALL_LANGUAGES = "*"


def language_centres(vectors: np.ndarray, languages: Sequence[str],
                     min_texts: int = MIN_CENTRE_TEXTS) -> dict[str, np.ndarray]:
    """The mean vector of each language's texts (languages of ``min_texts`` texts or more), and
    of all texts under ``"*"``.

    Args:
        vectors: ``(n, d)`` unit vectors.
        languages: The language of each row.
        min_texts: Fewest texts of a language for it to get its own centre.

    Returns:
        Language code (and ``"*"``) -> ``(d,)`` float32 mean vector.
    """
    langs = np.asarray(languages)
    out = {ALL_LANGUAGES: vectors.mean(0).astype(np.float32)}
    for lang in np.unique(langs):
        if int((langs == lang).sum()) >= min_texts:
            out[str(lang)] = vectors[langs == lang].mean(0).astype(np.float32)
    return out


def centre_vector(vector: np.ndarray, language: str, centres: Mapping[str, np.ndarray]) -> np.ndarray:
    """``vector`` less its language's centre (``"*"``'s for a language without one), as a unit
    vector; ``vector`` itself when ``centres`` is empty."""
    if not centres:
        return vector
    v = vector - centres.get(language, centres[ALL_LANGUAGES])
    norm = float(np.linalg.norm(v))
    return v / norm if norm > 0 else v


def resolve_language_model(name: str) -> str:
    """The concrete model of ``story.language_model`` (``auto`` -> ``e5`` or ``lexical``)."""
    if name not in LANGUAGE_MODELS:
        raise ConfigError(f"story.language_model must be one of {', '.join(LANGUAGE_MODELS)}, not {name!r}")
    if name != "auto":
        return name
    from copydesk.languages.encoder import encoder_installed

    return "e5" if encoder_installed() else "lexical"


@dataclass(frozen=True)
class LanguageStoryModel:
    """A fitted logistic model over the pair features, with a threshold per kind of pair.

    Attributes:
        layer: ``lexical`` (the :data:`~copydesk.languages.signals.FEATURES`) or ``e5`` (the
            same and ``e5_cosine``).
        features: Names of the columns, in order.
        weights: One weight per feature.
        bias: The intercept.
        min_probability_same_language: Probability from which two texts of one language are
            the same story (F1-optimal on all dev pairs of one language).
        min_probability_cross_language: The same for two languages.
        centres: Language -> mean e5 vector (:func:`language_centres`), for a layer whose
            cosine is of centred vectors; empty otherwise.
    """

    layer: str
    features: tuple[str, ...]
    weights: tuple[float, ...]
    bias: float
    min_probability_same_language: float
    min_probability_cross_language: float
    centres: Mapping[str, np.ndarray] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        if len(self.features) != len(self.weights):
            raise ValueError(f"{len(self.features)} features but {len(self.weights)} weights")

    @classmethod
    def load(cls, layer: str) -> LanguageStoryModel:
        """The shipped model of ``layer`` (``lexical`` or ``e5``)."""
        name = f"{MODEL_FILES[layer]}.npz"
        with resources.files("copydesk.languages").joinpath("data", name).open("rb") as f:
            z = np.load(f, allow_pickle=False)
            centres = ({str(k): np.asarray(v, np.float32) for k, v in zip(z["centre_languages"], z["centres"])}
                       if "centres" in z.files else {})
            return cls(layer, tuple(str(s) for s in z["features"]), tuple(float(w) for w in z["weights"]),
                       float(z["bias"]), float(z["min_probability_same_language"]),
                       float(z["min_probability_cross_language"]), centres)

    @property
    def method(self) -> str:
        """The ``method`` of the matches this model makes."""
        return MODEL_FILES[self.layer]

    def probability(self, x: tuple[float, ...] | np.ndarray) -> float:
        """The probability that a pair with these feature values reports one event."""
        z = self.bias + float(np.dot(self.weights, np.asarray(x, float)))
        return float(1.0 / (1.0 + np.exp(-z)))

    def threshold(self, same_language: bool) -> float:
        """The probability from which a pair of this kind is ``same_story``."""
        return self.min_probability_same_language if same_language else self.min_probability_cross_language


# The e5 cosine's column: of vectors centred per language (v2), or raw (v1, no longer shipped).
E5_COLUMNS = ("e5_cosine_centred", "e5_cosine")


def pair_features(a: StorySignals, b: StorySignals, cosine: float | None,
                  features: Sequence[str] | None = None) -> tuple[float, ...]:
    """A pair's columns: :data:`~copydesk.languages.signals.FEATURES` (names and stems
    unweighted by a corpus: the pipeline compares pairs in workers that see no corpus
    statistics), then the e5 cosine when given; with ``features`` (a model's columns), those
    columns in that order."""
    x = signal_features(a, b, {}, 1)
    if features is None:
        return x if cosine is None else (*x, cosine)
    values = dict(zip(FEATURES, x))
    if cosine is not None:
        values.update(dict.fromkeys(E5_COLUMNS, cosine))
    return tuple(values[f] for f in features)


class LanguageStory:
    """The language-aware same-story verdict, held by one process: the analyzer, the model,
    the encoder (when its layer has one) and each document's signals and vector, computed once
    per document however many pairs it is in.

    Args:
        model: ``story.language_model`` (``auto``, ``e5`` or ``lexical``).
        window_days: Reports further apart than this (when both dates are known) are not one story.
        threads: Threads of the encoder.
        max_docs: Documents whose signals and vector are kept (least recently used dropped, as
            :class:`copydesk.semantic.DocCache` does): a worker's memory stays bounded on a corpus
            of millions, and a document's candidate pairs, which come together, still reuse them.

    Raises:
        copydesk.errors.MissingExtra: ``model = "e5"`` without the multilingual extra, or the
            languages extra missing.
    """

    def __init__(self, model: str = "auto", window_days: int = 7, threads: int | None = 1,
                 max_docs: int = 20_000) -> None:
        from copydesk.languages.analysis import TextAnalyzer

        layer = resolve_language_model(model)
        if layer == "none":
            raise ConfigError("story.language_model = 'none' has no scorer; do not build one")
        self._encoder: Any = None
        if layer == "e5":  # first: a missing extra is the error to report
            from copydesk.languages.encoder import MultilingualEncoder

            self._encoder = MultilingualEncoder(threads)
        self.model = LanguageStoryModel.load(layer)
        self.window_days = window_days
        self.analyzer = TextAnalyzer()
        self.max_docs = max_docs
        self._signals: OrderedDict[str, StorySignals] = OrderedDict()
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self.encoded = 0  # documents encoded by this process (each once)

    @property
    def method(self) -> str:
        return self.model.method

    def signals(self, doc: DocView) -> StorySignals:
        """The signals of ``doc``'s cleaned text, read in its language (cached by id)."""
        found = self._signals.get(doc.id)
        if found is None:
            from copydesk.languages import identify_document

            language = identify_document(doc.masked).language
            found = _keep(self._signals, doc.id, story_signals(doc.masked, language, self.analyzer), self.max_docs)
        else:
            self._signals.move_to_end(doc.id)
        return found

    def vector(self, doc: DocView) -> np.ndarray:
        """``doc``'s e5 vector, centred on its language's (:meth:`LanguageStoryModel.centres`; cached by id)."""
        found = self._vectors.get(doc.id)
        if found is None:
            raw = self._encoder.encode([doc.masked])[0]
            centred = centre_vector(raw, self.signals(doc).language, self.model.centres)
            found = _keep(self._vectors, doc.id, centred, self.max_docs)
            self.encoded += 1
        else:
            self._vectors.move_to_end(doc.id)
        return found

    def probability(self, a: DocView, b: DocView) -> tuple[float, bool]:
        """The model's probability that ``a`` and ``b`` report one event, and whether they are
        read in one language."""
        sa, sb = self.signals(a), self.signals(b)
        cosine = None if self._encoder is None else float(self.vector(a) @ self.vector(b))
        return self.model.probability(pair_features(sa, sb, cosine, self.model.features)), sa.language == sb.language

    def relate(self, a: DocView, b: DocView, passages: tuple = ()) -> Match | None:
        """``same_story`` (score = probability) or None.

        Args:
            a: The document with the smaller id.
            b: The other.
            passages: Verbatim passages already found for the pair, reported with it.
        """
        days = days_apart(a.published, b.published)
        if days is not None and days > self.window_days:
            return None
        p, same = self.probability(a, b)
        if p < self.model.threshold(same):
            return None
        return Match(a.id, b.id, "same_story", round(p, 4), word_jaccard(a.masked, b.masked),
                     round(containment(a, [x.a for x in passages]), 4),
                     round(containment(b, [x.b for x in passages]), 4),
                     tuple(sorted(passages, key=lambda x: (x.a, x.b))), self.method)


def _keep(cache: OrderedDict, key: str, value: Any, max_items: int) -> Any:
    """Store ``value`` as the most recent entry of ``cache``, dropping the oldest past ``max_items``."""
    cache[key] = value
    while len(cache) > max_items:
        cache.popitem(last=False)
    return value


# --- candidate keys ---------------------------------------------------------------------------

# A letter outside ASCII: a text without one is read as English without asking CLD2 (every
# language we route away from the English models writes letters outside ASCII; an English text
# with "café" in it is identified, which costs a few microseconds).
_NON_ASCII_LETTER = re.compile(r"[^\W\d_\x00-\x7f]")
_NUMBER = re.compile(r"\d+(?:[.,’' \u00a0\u202f]\d{3})+(?![.,]?\d)")


def story_keys_any_language(view: DocView, max_keys: int) -> np.ndarray:
    """The story candidate keys of a document in any language.

    An English document gets :func:`copydesk.semantic.keys.fact_keys` unchanged (the English
    story stage's candidates do not move). A document reliably in another language gets, beside
    those, the keys of its text transliterated to ASCII (anyascii) with its numbers' grouping
    separators removed ("2.300 Tote in Kahramanmaraş" -> "2300 Tote in Kahramanmaras"), so it
    shares its names' and numbers' keys with a report of the event in English or in another
    script, and the pair reaches :class:`LanguageStory`.

    Args:
        view: The document after cleaning.
        max_keys: ``rewrite.max_keys_per_doc``, for each of the two sets of keys.

    Returns:
        Sorted unique uint64 keys.
    """
    from copydesk.semantic.keys import fact_keys

    keys = fact_keys(view.masked, max_keys)
    if not _NON_ASCII_LETTER.search(view.masked):
        return keys
    from copydesk.languages import MIN_ROUTING_CONFIDENCE, identify_document

    found = identify_document(view.masked)
    if found.language in ("en", "und") or found.confidence < MIN_ROUTING_CONFIDENCE:
        return keys
    from copydesk.languages.analysis import need_module

    # anyascii keeps each letter's case: names are still told from other words by their capital.
    ascii_text = need_module("anyascii").anyascii(view.masked)
    ascii_text = _NUMBER.sub(lambda m: re.sub(r"\D", "", m.group()), ascii_text)
    return np.union1d(keys, fact_keys(ascii_text, max_keys))
