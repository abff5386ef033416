"""Lexical similarity of two sentences: content-word overlap weighted by what the words are.

A sentence becomes :class:`Terms`: content words (stop words removed, light suffix stemming),
with numbers and names weighted up (a rewrite keeps its facts: "38 dead in Amatrice" survives
any synonym swap, "killed"/"died" does not), plus the plain token sequence for order and
bigram features. :func:`pair_features` turns two sentences into a fixed feature vector and
:mod:`copydesk.semantic.paraphrase` adds alignment and learned word features to them in one
logistic regression fitted on the MSRP training split (``benchmarks/msrp.py --fit``).

Example:
    >>> a = terms("Police said 38 people died in Amatrice on Wednesday.")
    >>> b = terms("At least 38 people were killed in Amatrice, police said.")
    >>> round(float(pair_features(a, b)[0]), 2) > 0.4
    True
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "FEATURE_NAMES",
    "lcs_length",
    "NAME_WEIGHT",
    "NUMBER_WEIGHT",
    "STOP_WORDS",
    "Terms",
    "content_weights",
    "pair_features",
    "stem",
    "terms",
]

# Function words of English news text. Kept short on purpose: a word missing here only costs
# a little weight; a content word wrongly listed here is invisible to every layer.
STOP_WORDS = frozenset(
    """
    a about above after again against all also am an and any are aren as at be because been
    before being below between both but by can cannot could couldn did didn do does doesn doing
    don down during each few for from further had hadn has hasn have haven having he her here hers
    herself him himself his how i if in into is isn it its itself just let me more most mustn my
    myself no nor not now of off on once only or other ought our ours ourselves out over own same
    shan she should shouldn so some such than that the their theirs them themselves then there
    these they this those through to too under until up very was wasn we were weren what when
    where which while who whom why will with won would wouldn you your yours yourself yourselves
    s t d ll m re ve said says say told according mr mrs ms one two three would may might also
    new year years last first since yet still however among
    """.split()
)

# Weights of term types in overlap sums. Numbers and names carry a news fact and survive any
# rewording; chosen by hand, then checked on MSRP train (higher number weights gain nothing).
NUMBER_WEIGHT = 3.0
NAME_WEIGHT = 2.0

_TOKEN = re.compile(r"\d+(?:[.,:/]\d+)*|[^\W\d_]+(?:['’][^\W\d_]+)?")
_SUFFIXES = ("ations", "ation", "ings", "ing", "ies", "ied", "edly", "ed", "es", "ly", "s")

FEATURE_NAMES: tuple[str, ...] = (
    "weighted_jaccard",
    "containment_min",
    "containment_max",
    "number_jaccard",
    "number_mismatch",
    "name_jaccard",
    "bigram_dice",
    "token_lcs",
    "length_ratio",
    "unigram_jaccard_all",
    "ngram1_precision_min",
    "ngram1_precision_max",
    "ngram2_precision_min",
    "ngram2_precision_max",
    "ngram3_precision_min",
    "ngram3_precision_max",
    "ngram4_precision_min",
    "ngram4_precision_max",
    "char3_dice",
    "char4_dice",
    "unmatched_terms_min",
    "unmatched_terms_max",
    "length_difference",
    "name_difference",
    "number_difference",
)
"""Features of :func:`pair_features`, in order; every one is in [0, 1]."""


def stem(word: str) -> str:
    """A crude, deterministic English stem: strip one common suffix, keep at most 7 letters.

    Good enough to meet "killed"/"killing" and "reports"/"report"; never used for display.
    """
    w = word.lower()
    if not w.endswith(_SUFFIXES):
        return w[:7]
    for suffix in _SUFFIXES:
        if len(w) - len(suffix) >= 3 and w.endswith(suffix):
            w = w[: -len(suffix)]
            if suffix in ("ies", "ied"):
                w += "y"
            break
    return w[:7]


@dataclass(frozen=True, slots=True)
class Terms:
    """What the lexical layer sees of one sentence.

    Attributes:
        weights: Content term -> weight (numbers ``#``-prefixed, names weighted up).
        numbers: Normalised numbers ("1,200" -> "1200").
        names: Stems of capitalised words that are not stop words.
        tokens: All lower-cased tokens in order (for bigrams and order).
        stems: Content stems in order (for the longest common subsequence).
        grams: Sets of word 1- to 4-grams of ``tokens`` (computed once per sentence: a
            sentence of a document is compared with many).
        chars: Sets of character 3- and 4-grams of the lower-cased, space-normalised sentence.
        total: Sum of the content weights.
        words: Every token in order, stop words included, words stemmed (numbers as written):
            what :mod:`copydesk.semantic.paraphrase` learns word weights on.
    """

    weights: dict[str, float]
    numbers: frozenset[str]
    names: frozenset[str]
    tokens: tuple[str, ...]
    stems: tuple[str, ...]
    grams: tuple[frozenset[tuple[str, ...]], ...]
    chars: tuple[frozenset[str], frozenset[str]]
    total: float
    words: tuple[str, ...]


def _number(token: str) -> str:
    n = token.replace(",", "")
    if "." in n:
        n = n.rstrip("0").rstrip(".") or "0"
    return n


def content_weights(sentence: str, stems: dict[str, str] | None = None) -> dict[str, float]:
    """Only the ``weights`` of :func:`terms` (cheap: used to pick sentence pairs worth scoring)."""
    return _scan(sentence, stems)[0]


def _scan(
    sentence: str, memo: dict[str, str] | None
) -> tuple[dict[str, float], set[str], set[str], list[str], list[str], list[str]]:
    weights: dict[str, float] = {}
    numbers: set[str] = set()
    names: set[str] = set()
    tokens: list[str] = []
    stems: list[str] = []
    words: list[str] = []
    if memo is None:
        memo = {}
    for m in _TOKEN.finditer(sentence):
        tok = m.group()
        low = tok.lower().replace("’", "'")
        tokens.append(low)
        if tok[0].isdigit():
            key = "#" + _number(tok)
            numbers.add(key[1:])
            weights[key] = NUMBER_WEIGHT
            stems.append(key)
            words.append(low)
            continue
        base = low.split("'")[0]
        s = memo.get(base)
        if s is None:
            s = memo[base] = stem(base)
        words.append(s)
        if base in STOP_WORDS or len(base) < 2:
            continue
        stems.append(s)
        if tok[0].isupper():
            names.add(s)
            weights[s] = max(weights.get(s, 0.0), NAME_WEIGHT)
        else:
            weights.setdefault(s, 1.0)
    return weights, numbers, names, tokens, stems, words


def terms(sentence: str, stems: dict[str, str] | None = None) -> Terms:
    """Turn a sentence into :class:`Terms`.

    Args:
        sentence: One sentence of original text.
        stems: A word -> stem memo to share between the sentences of one comparison (words
            repeat; :func:`stem` is the costly part), or None.

    Returns:
        Its weighted content terms, numbers, names and token sequence.
    """
    weights, numbers, names, tokens, stem_list, words = _scan(sentence, stems)
    text = " ".join(sentence.lower().split())
    tok = tuple(tokens)
    grams = tuple(frozenset(tok[k : k + n] for k in range(len(tok) - n + 1)) for n in (1, 2, 3, 4))
    chars = tuple(frozenset(text[k : k + n] for k in range(len(text) - n + 1)) for n in (3, 4))
    return Terms(
        weights,
        frozenset(numbers),
        frozenset(names),
        tok,
        tuple(stem_list),
        grams,
        chars,  # type: ignore[arg-type]
        float(sum(weights.values())),
        tuple(words),
    )


def _jaccard(a: frozenset[str] | set[str], b: frozenset[str] | set[str], empty: float) -> float:
    if not a and not b:
        return empty
    return len(a & b) / len(a | b)


def lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    """Length of the longest common subsequence of two token sequences.

    Bit-parallel (Allison and Dix 1986): one big-integer step per token of ``b``, so a pair of
    40-word sentences costs 40 steps instead of 1,600 cells of the classic dynamic programme.
    """
    if not a or not b:
        return 0
    masks: dict[str, int] = {}
    for k, x in enumerate(a):
        masks[x] = masks.get(x, 0) | (1 << k)
    full = (1 << len(a)) - 1
    v = full
    for y in b:
        u = v & masks.get(y, 0)
        v = ((v + u) | (v - u)) & full
    return len(a) - bin(v).count("1")


def _precisions(ga: frozenset, gb: frozenset) -> tuple[float, float]:
    """Share of a's and of b's n-grams found in the other (BLEU-like), as (min, max)."""
    if not ga or not gb:
        return 0.0, 0.0
    shared = len(ga & gb)
    pa, pb = shared / len(ga), shared / len(gb)
    return min(pa, pb), max(pa, pb)


def _dice(ga: frozenset, gb: frozenset) -> float:
    return 2 * len(ga & gb) / (len(ga) + len(gb)) if ga and gb else 0.0


def _saturate(count: float, half: float) -> float:
    """Map a count in [0, inf) to [0, 1): ``half`` maps to 0.5."""
    return count / (count + half)


def pair_features(a: Terms, b: Terms) -> np.ndarray:
    """Lexical features of a sentence pair, in the order of :data:`FEATURE_NAMES`.

    Symmetric: ``pair_features(a, b) == pair_features(b, a)``.

    Args:
        a: Terms of the first sentence.
        b: Terms of the second sentence.

    Returns:
        A float64 vector of ``len(FEATURE_NAMES)`` values in [0, 1].
    """
    wa, wb = a.weights, b.weights
    shared = sum(min(wa[k], wb[k]) for k in wa.keys() & wb.keys())
    ta, tb = a.total, b.total
    union = ta + tb - shared
    wj = shared / union if union > 0 else 0.0
    ca = shared / ta if ta > 0 else 0.0
    cb = shared / tb if tb > 0 else 0.0
    numbers_j = _jaccard(a.numbers, b.numbers, 1.0)
    mismatch = 1.0 if (a.numbers ^ b.numbers) else 0.0
    names_j = _jaccard(a.names, b.names, 1.0)
    dice = _dice(a.grams[1], b.grams[1])
    lcs = lcs_length(a.stems, b.stems)
    lcs_ratio = lcs / max(len(a.stems), len(b.stems)) if a.stems or b.stems else 0.0
    la, lb = len(a.tokens), len(b.tokens)
    length_ratio = min(la, lb) / max(la, lb) if la and lb else 0.0
    uni_j = _jaccard(a.grams[0], b.grams[0], 0.0)
    ngrams = [x for n in range(4) for x in _precisions(a.grams[n], b.grams[n])]
    # What one sentence says that the other does not: MSRP's non-paraphrases mostly add a clause.
    only_a, only_b = len(wa.keys() - wb.keys()), len(wb.keys() - wa.keys())
    return np.array(
        [
            wj,
            min(ca, cb),
            max(ca, cb),
            numbers_j,
            mismatch,
            names_j,
            dice,
            lcs_ratio,
            length_ratio,
            uni_j,
            *ngrams,
            _dice(a.chars[0], b.chars[0]),
            _dice(a.chars[1], b.chars[1]),
            _saturate(min(only_a, only_b), 5.0),
            _saturate(max(only_a, only_b), 5.0),
            _saturate(abs(la - lb), 5.0),
            _saturate(len(a.names ^ b.names), 2.0),
            _saturate(len(a.numbers ^ b.numbers), 1.0),
        ],
        dtype=np.float64,
    )
