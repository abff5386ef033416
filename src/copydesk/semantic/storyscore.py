"""The probability that two news texts report the same event, from the facts they share.

A newsroom calls two reports "the same story" when they name the same actors and places, give
the same figures, happen in the same days and tell the same happening, not when they share a
topic. :func:`story_features` turns two documents' facts (:func:`copydesk.semantic.story.story_profile`,
through :func:`story_facts`) and the corpus's document frequencies (:class:`CorpusRarity`) into
a fixed feature vector: rarity-weighted shared names and numbers, a TF-IDF cosine of the content
words, the cosine of the two titles (first lines), the distance in days between the publication
dates when both are known, and optionally the cosine of a sentence encoder's document vectors.
:class:`StoryModel` is a small logistic regression over them, fitted on the SemEval-2022 Task 8
English dev pairs (people's ratings; positives Overall <= 1.5, negatives >= 3) by
``benchmarks/story.py --fit`` and shipped as ``semantic/data/story_v1*.npz``; its output is the
calibrated probability that the pair reports the same event.

Example:
    >>> a = story_facts("Quake kills 38 in Amatrice\\nA 6.2 earthquake hit Amatrice, Italy. "
    ...                 "Officials in Rieti said 38 people died.")
    >>> b = story_facts("Amatrice quake toll at 38\\nIn Amatrice 38 people were killed when a 6.2 "
    ...                 "quake struck near Rieti in central Italy.")
    >>> rarity = CorpusRarity.from_texts([])
    >>> x = story_features(a, b, rarity)
    >>> model = StoryModel.default()
    >>> bool(model.probability(model.columns(x))[0] > 0.5)
    True
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from copydesk.semantic.story import StoryProfile, story_profile

__all__ = [
    "FEATURE_NAMES",
    "CorpusRarity",
    "StoryFacts",
    "StoryModel",
    "SharedFacts",
    "fit_story_model",
    "shared_facts",
    "story_facts",
    "doc_vectors",
    "story_features",
    "days_conflict",
    "weekdays",
    "weigh",
]

MODEL_NAME = "story_v1"

FEATURE_NAMES: tuple[str, ...] = (
    "tfidf_cosine",
    "profile_cosine",
    "name_overlap",
    "name_shared_rarity",
    "number_overlap",
    "number_shared",
    "title_cosine",
    "rare_term_overlap",
    "dates_known",
    "log_days_apart",
)
"""Lexical features, in order."""

ENCODER_FEATURES: tuple[str, ...] = ("head_cosine", "tail_cosine", "title_vector_cosine")
"""Cosines of a sentence encoder's vectors of a text's head, its tail and its title
(:func:`doc_vectors`); appended after :data:`FEATURE_NAMES`."""

# Characters of the head and of the tail that get their own vector: a news article says what
# happened at its top and often how it ended at its bottom. 500 (about 120 word pieces) matches
# the dev data's texts (about 1,000 characters of head and tail). A fourth vector of the whole
# text (its first 256 word pieces) was dropped: it cost 60 % of the encoding (its padding set
# the batch's length) and the 5-fold CV F1 without it was 0.917 against 0.904 with it
# (BENCHMARKS.md, "Same story on people's ratings").
HALF_CHARS = 500


@dataclass(frozen=True)
class StoryFacts:
    """What the same-story decision reads of one document.

    Attributes:
        profile: Names, significant numbers and weighted content stems (:func:`story_profile`).
        title: Weighted content stems of the title (first non-empty line, or first sentence).
        published: Publication day, when known.
        weekdays: The days of the week the text names (:func:`weekdays`): when it happened.
    """

    profile: StoryProfile
    title: dict[str, float]
    published: _dt.date | None = None
    weekdays: frozenset[str] = frozenset()


def title_of(text: str) -> str:
    """The first non-blank line of ``text`` (a news page's headline, as scraped)."""
    for line in text.split("\n"):
        line = line.strip()
        if line:
            # A first line that runs on is an untitled text: its first sentence stands in.
            return line if len(line) <= 200 else re.split(r"(?<=[.!?])\s", line, maxsplit=1)[0][:200]
    return ""


def parse_day(value: str | None) -> _dt.date | None:
    """The day of an ISO date (``2020-01-03...``) or of a date in a URL path (``/2020/01/03/``)."""
    if not value:
        return None
    m = re.search(r"(?<!\d)((?:19|20)\d\d)[-/](\d\d)[-/](\d\d)(?!\d)", value)
    if not m:
        return None
    try:
        return _dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def story_facts(text: str, published: str | None = None) -> StoryFacts:
    """Collect the facts of one document: the one place where entity and number extraction
    happens for the same-story decision (a language-aware version replaces this function).

    Args:
        text: Article text (``DocView.masked``); its first line is taken as the title.
        published: Publication date as given (ISO, or a URL with a date in its path), or None.

    Returns:
        The document's :class:`StoryFacts`.
    """
    title = story_profile(title_of(text)).weights
    return StoryFacts(story_profile(text), title, parse_day(published), weekdays(text))


_WEEKDAY = re.compile(r"\b(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b")


def weekdays(text: str) -> frozenset[str]:
    """The days of the week ``text`` names, capitalised as written in English news ("on Sunday").

    Example:
        >>> sorted(weekdays("Crews were called on Sunday night; the road reopened on Monday."))
        ['Monday', 'Sunday']
    """
    return frozenset(_WEEKDAY.findall(text))


def days_conflict(a: frozenset[str], b: frozenset[str]) -> bool:
    """Whether two reports name days of the week and none in common: two happenings.

    A report of one event says when it happened ("on Wednesday"); two texts that both say when
    and never the same day are about two events of one kind (a fire in Leeds on Wednesday, one
    in Salford on Sunday). A follow-up that also names the first day shares it, and a text that
    names no day is no evidence. On the SemEval dev pairs this holds for 1 of 65 same-event
    pairs and 2 of the 11 different-event pairs the model scores above 0.2 (BENCHMARKS.md,
    "Same story on people's ratings").
    """
    return bool(a) and bool(b) and not (a & b)


class CorpusRarity:
    """Document frequencies of the corpus's story keys, as rarity weights in [floor, 1].

    Built from the keys the candidate stage already collects (:func:`copydesk.semantic.keys.fact_keys`,
    one set per document), so the pipeline counts them once for the whole corpus and hands every
    worker the same table. A term in one document weighs 1; the weight falls with
    ``ln(df) / ln(max_docs + 1)`` to ``floor`` at ``max_docs`` documents, so a rare name shared by
    two reports counts and a topic word ("police") barely does. The scale depends on ``max_docs``,
    not on the corpus size, so a feature means the same in a corpus of six documents and of a
    million. Only keys held by two or more documents are stored: any other key is in one.

    Args:
        keys: Sorted unique uint64 keys held by two or more documents.
        df: Their document frequencies.
        max_docs: Documents from which a term weighs ``floor`` (``rewrite.max_key_docs``).
        floor: Weight of the commonest terms (above 0, so the cosine still sees topic words).
    """

    # Words the keys do not track (shorter than fact_keys' min_word_chars, stop words) weigh this.
    UNTRACKED_WEIGHT = 0.5

    def __init__(self, keys: np.ndarray, df: np.ndarray, max_docs: int = 50, floor: float = 0.1) -> None:
        self.keys = np.asarray(keys, dtype=np.uint64)
        self.df = np.asarray(df, dtype=np.int64)
        self.max_docs = max_docs
        self.floor = floor
        self._log_cap = math.log(max_docs + 1)

    @classmethod
    def from_keys(cls, keys: np.ndarray, doc: np.ndarray, max_docs: int = 50, floor: float = 0.1) -> CorpusRarity:
        """Count document frequencies from all documents' keys (concatenated, ``doc[k]`` owns ``keys[k]``)."""
        keys = np.asarray(keys, dtype=np.uint64)
        doc = np.asarray(doc, dtype=np.int64)
        if len(keys) == 0:
            return cls(np.zeros(0, np.uint64), np.zeros(0, np.int64), max_docs, floor)
        pairs = np.unique(np.stack([keys, doc.astype(np.uint64)], axis=1), axis=0)
        uniq, df = np.unique(pairs[:, 0], return_counts=True)
        keep = df >= 2
        return cls(uniq[keep], df[keep], max_docs, floor)

    @classmethod
    def from_texts(cls, texts: Iterable[str], max_keys: int = 256, max_docs: int = 50,
                   floor: float = 0.1) -> CorpusRarity:
        """Count document frequencies of the keys of ``texts`` (for a corpus held in memory)."""
        from copydesk.semantic.keys import fact_keys

        parts = [fact_keys(t, max_keys) for t in texts]
        doc = np.repeat(np.arange(len(parts)), [len(p) for p in parts])
        keys = np.concatenate(parts) if parts else np.zeros(0, np.uint64)
        return cls.from_keys(keys, doc, max_docs, floor)

    def doc_frequency(self, terms: Sequence[str]) -> np.ndarray:
        """Documents holding each term (stems, ``#`` numbers); 0 for a word the keys do not track."""
        from copydesk.semantic.keys import term_keys

        content, name = term_keys(terms)
        df = np.zeros(len(terms), dtype=np.int64)
        for k in (content, name):
            pos = np.searchsorted(self.keys, k)
            pos = np.minimum(pos, max(len(self.keys) - 1, 0))
            hit = (self.keys[pos] == k) if len(self.keys) else np.zeros(len(k), bool)
            df += np.where(hit, self.df[pos] if len(self.keys) else 0, 0)
        tracked = np.array([_tracked(t) for t in terms], dtype=bool)
        return np.where(tracked, np.maximum(df, 1), 0)

    def weights(self, terms: Sequence[str]) -> np.ndarray:
        """Rarity weight of each term."""
        df = self.doc_frequency(terms)
        w = np.maximum(self.floor, 1.0 - np.log(np.maximum(df, 1)) / self._log_cap)
        return np.where(df == 0, self.UNTRACKED_WEIGHT, w)


def _tracked(term: str) -> bool:
    from copydesk.semantic.keys import MIN_WORD_CHARS

    return term.startswith("#") or len(term) >= MIN_WORD_CHARS


@dataclass(frozen=True)
class _Weighted:
    """One document's facts weighted by corpus rarity (computed once per document)."""

    tfidf: dict[str, float]
    title: dict[str, float]
    names: dict[str, float]
    rare: dict[str, float]


def weigh(facts: StoryFacts, rarity: CorpusRarity) -> _Weighted:
    """Weight ``facts`` by the corpus's rarities (what :func:`story_features` compares)."""
    terms = sorted(facts.profile.weights.keys() | facts.title.keys())
    w = dict(zip(terms, rarity.weights(terms).tolist())) if terms else {}
    df = dict(zip(terms, rarity.doc_frequency(terms).tolist())) if terms else {}
    tfidf = {t: v * w[t] for t, v in facts.profile.weights.items()}
    title = {t: v * w[t] for t, v in facts.title.items()}
    names = {t: w.get(t, 1.0) for t in facts.profile.names}
    # Rare terms (in at most a few documents of the corpus): an event's own words.
    rare = {t: w[t] for t in facts.profile.weights if 1 <= df[t] <= RARE_MAX_DOCS}
    return _Weighted(tfidf, title, names, rare)


# A term in at most this many documents is "rare" for the rare-term overlap.
RARE_MAX_DOCS = 5


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if not a or not b:
        return 0.0
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    dot = sum(w * large[t] for t, w in small.items() if t in large)
    na = math.sqrt(sum(w * w for w in a.values()))
    nb = math.sqrt(sum(w * w for w in b.values()))
    return min(1.0, dot / (na * nb)) if na > 0 and nb > 0 else 0.0


def _overlap(a: dict[str, float], b: dict[str, float]) -> tuple[float, float]:
    """Weighted overlap coefficient of two weighted sets, and the weight of what they share."""
    if not a or not b:
        return 0.0, 0.0
    shared = sum(w for t, w in a.items() if t in b)
    smaller = min(sum(a.values()), sum(b.values()))
    return (shared / smaller if smaller > 0 else 0.0), shared


def story_features(
    a: StoryFacts,
    b: StoryFacts,
    rarity: CorpusRarity,
    vectors: tuple[np.ndarray, np.ndarray] | None = None,
    *,
    weighted: tuple[_Weighted, _Weighted] | None = None,
) -> np.ndarray:
    """Feature vector of a document pair, in :data:`FEATURE_NAMES` order (symmetric).

    Args:
        a: Facts of one document.
        b: Facts of the other.
        rarity: Document frequencies of the corpus both belong to.
        vectors: The two documents' :func:`doc_vectors`; their cosines (:data:`ENCODER_FEATURES`)
            are appended when given.
        weighted: ``(weigh(a, rarity), weigh(b, rarity))`` when the caller keeps them per document.

    Returns:
        float64 vector of length 10 (13 with ``vectors``).
    """
    wa, wb = weighted if weighted is not None else (weigh(a, rarity), weigh(b, rarity))
    pa, pb = a.profile, b.profile
    name_overlap, name_shared = _overlap(wa.names, wb.names)
    num_a = {n: 1.0 for n in pa.numbers}
    num_b = {n: 1.0 for n in pb.numbers}
    number_overlap, number_shared = _overlap(num_a, num_b)
    rare_overlap, _ = _overlap(wa.rare, wb.rare)
    if a.published is not None and b.published is not None:
        known, days = 1.0, math.log1p(abs((a.published - b.published).days))
    else:
        known, days = 0.0, 0.0
    values = [
        _cosine(wa.tfidf, wb.tfidf),
        _cosine(pa.weights, pb.weights),
        name_overlap,
        math.log1p(name_shared),
        number_overlap,
        math.log1p(number_shared),
        _cosine(wa.title, wb.title),
        rare_overlap,
        known,
        days,
    ]
    if vectors is not None:
        values.extend(np.einsum("kd,kd->k", vectors[0], vectors[1]).astype(np.float64).tolist())
    return np.array(values, dtype=np.float64)


def doc_vectors(encoder, texts: Sequence[str]) -> np.ndarray:
    """Encoder vectors of each text's head, tail (:data:`HALF_CHARS` each) and title.

    Heads and tails (about 120 word pieces each) are encoded in one call, titles in another, so
    no title is padded to a head's length: the encoder's cost is its padded length.

    Args:
        encoder: A :class:`copydesk.semantic.embed.Encoder` (unit-length outputs).
        texts: Article texts (``DocView.masked``).

    Returns:
        float32 ``(len(texts), 3, dim)``, rows in :data:`ENCODER_FEATURES` order.
    """
    if not texts:
        return np.zeros((0, len(ENCODER_FEATURES), getattr(encoder, "dim", 384)), dtype=np.float32)
    halves = []
    for text in texts:
        t = " ".join(text.split())
        half = min(len(t) // 2, HALF_CHARS)
        halves += [t[:half], t[len(t) - half :]]
    head_tail = encoder.encode(halves).reshape(len(texts), 2, -1)
    titles = encoder.encode([title_of(text) for text in texts]).reshape(len(texts), 1, -1)
    return np.concatenate([head_tail, titles], axis=1)


def data_file(name: str) -> Path:
    """Path of the shipped model file ``name`` (``story_v1.npz``, ``story_v1_minilm.npz``)."""
    return Path(str(resources.files("copydesk.semantic") / "data" / name))


@dataclass(frozen=True)
class StoryModel:
    """Logistic regression over :func:`story_features`, standardised inputs.

    Attributes:
        coef: Weights of the standardised features.
        intercept: Bias.
        mean: Feature means of the fitting data.
        scale: Feature standard deviations of the fitting data.
        features: Feature names (from ``FEATURE_NAMES`` and, for an encoder model, ``ENCODER_FEATURES``).
        threshold: The F1-optimal probability threshold, chosen on cross-validated fits.
    """

    coef: np.ndarray
    intercept: float
    mean: np.ndarray
    scale: np.ndarray
    features: tuple[str, ...]
    threshold: float = 0.5

    @property
    def uses_encoder(self) -> bool:
        """Whether the model wants the encoder's cosines (:func:`doc_vectors`)."""
        return any(f in ENCODER_FEATURES for f in self.features)

    def columns(self, x: np.ndarray) -> np.ndarray:
        """The model's columns of full :func:`story_features` rows (10 or 13 columns)."""
        x = np.atleast_2d(np.asarray(x, dtype=np.float64))
        names = (*FEATURE_NAMES, *ENCODER_FEATURES)[: x.shape[1]]
        missing = [f for f in self.features if f not in names]
        if missing:
            raise ValueError(f"the story model wants {', '.join(missing)}: pass the encoder's doc_vectors")
        return x[:, [names.index(f) for f in self.features]]

    def probability(self, x: np.ndarray) -> np.ndarray:
        """Probability of the same event for each row of ``x`` ((n, len(features)), columns in
        ``features`` order; :meth:`columns` picks them from full feature rows)."""
        x = np.atleast_2d(np.asarray(x, dtype=np.float64))
        if x.shape[1] != len(self.features):
            raise ValueError(f"the story model wants {len(self.features)} features, not {x.shape[1]}")
        z = ((x - self.mean) / self.scale) @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))

    def save(self, path: str | Path) -> None:
        """Write the model as an ``.npz`` file."""
        np.savez(
            path,
            coef=self.coef,
            intercept=np.array([self.intercept]),
            mean=self.mean,
            scale=self.scale,
            features=np.array(self.features),
            threshold=np.array([self.threshold]),
        )

    @classmethod
    def load(cls, path: str | Path) -> StoryModel:
        """Read a model written by :meth:`save`."""
        with np.load(path, allow_pickle=False) as z:
            return cls(
                z["coef"].astype(np.float64),
                float(z["intercept"][0]),
                z["mean"].astype(np.float64),
                z["scale"].astype(np.float64),
                tuple(str(s) for s in z["features"]),
                float(z["threshold"][0]),
            )

    @classmethod
    def default(cls, encoder: str | None = None) -> StoryModel:
        """The shipped model: lexical (``encoder=None``) or with ``minilm`` document cosines."""
        name = f"{MODEL_NAME}.npz" if encoder is None else f"{MODEL_NAME}_{encoder}.npz"
        path = data_file(name)
        if not path.exists():
            raise FileNotFoundError(
                f"no story model {name} is shipped; refit with python benchmarks/story.py --fit"
            )
        return _cached(str(path))


_MODELS: dict[str, StoryModel] = {}


def _cached(path: str) -> StoryModel:
    # Read-only package data: loading it once per process is not state anyone can change.
    model = _MODELS.get(path)
    if model is None:
        model = _MODELS[path] = StoryModel.load(path)
    return model


def fit_story_model(
    x: np.ndarray, y: np.ndarray, features: Sequence[str], l2: float = 1.0, threshold: float = 0.5
) -> StoryModel:
    """Fit the logistic regression by Newton's method with an L2 penalty (numpy only).

    Args:
        x: ``(n, k)`` features.
        y: ``(n,)`` labels, 1 for the same event, 0 for different events.
        features: Names of the ``k`` columns.
        l2: Penalty on the standardised weights (not on the bias).
        threshold: Decision threshold stored with the model.

    Returns:
        The fitted :class:`StoryModel`.

    Raises:
        ValueError: if shapes disagree or one class is missing.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.ndim != 2 or len(x) != len(y) or x.shape[1] != len(features):
        raise ValueError(f"x {x.shape}, y {y.shape} and {len(features)} feature names disagree")
    if y.min() == y.max():
        raise ValueError("both classes are needed to fit the story model")
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    z = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    w = np.zeros(z.shape[1])
    penalty = np.full(z.shape[1], l2)
    penalty[-1] = 0.0
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-np.clip(z @ w, -40, 40)))
        grad = z.T @ (p - y) + penalty * w
        hess = (z * (p * (1 - p))[:, None]).T @ z + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return StoryModel(w[:-1], float(w[-1]), mean, scale, tuple(features), threshold)


@dataclass(frozen=True)
class SharedFacts:
    """What two reports have in common, as written (for ``copydesk explain``).

    Attributes:
        names: Proper names both mention (people, places, organisations: who and where), as
            written in the first text.
        numbers: Significant numbers both give.
        dates: Day and month mentions both make ("January 5", "Wednesday"): when.
    """

    names: tuple[str, ...]
    numbers: tuple[str, ...]
    dates: tuple[str, ...]


_MONTHS = ("January February March April May June July August September October November December "
           "Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec").split()
_DATE = re.compile(
    r"\b(?:(?:%s)\.?\s+\d{1,2}(?:st|nd|rd|th)?|\d{1,2}(?:st|nd|rd|th)?\s+(?:%s)|"
    r"Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b" % ("|".join(_MONTHS), "|".join(_MONTHS))
)
_CAPS = re.compile(r"\b[A-Z][\w’'.-]*(?:\s+(?:of|de|la|van|von|al|bin)?\s*[A-Z][\w’'-]*)*")


def shared_facts(text_a: str, text_b: str) -> SharedFacts:
    """The names, numbers and dates two texts share, as written (see :class:`SharedFacts`).

    Example:
        >>> f = shared_facts("Police said 38 died in Amatrice on Wednesday, Sergio Pirozzi said.",
        ...                  "At least 38 were killed in Amatrice, Sergio Pirozzi said on Wednesday.")
        >>> f.names, f.numbers, f.dates
        (('Amatrice', 'Sergio Pirozzi'), ('38',), ('Wednesday',))
    """
    from copydesk.semantic.lexical import stem

    pa, pb = story_profile(text_a), story_profile(text_b)
    shared = pa.names & pb.names
    names: list[str] = []
    seen: set[str] = set()
    for m in _CAPS.finditer(text_a):
        phrase = m.group().rstrip(".’'-")
        words = [stem(w.lower().replace("’", "'").split("'")[0]) for w in re.findall(r"[^\W\d_]+(?:['’][^\W\d_]+)?", phrase)]
        if words and any(w in shared for w in words) and not seen.intersection(words) and phrase not in _MONTHS:
            # Keep the words of the phrase that both texts name ("Amatrice", not "Amatrice Mayor").
            kept = [w for w, s in zip(phrase.split(), words) if s in shared]
            if kept:
                names.append(" ".join(kept))
                seen.update(words)
    dates_b = {d.lower() for d in _DATE.findall(text_b)}
    dates = tuple(dict.fromkeys(d for d in _DATE.findall(text_a) if d.lower() in dates_b))
    return SharedFacts(tuple(names), tuple(sorted(pa.numbers & pb.numbers, key=lambda n: (len(n), n))), dates)
