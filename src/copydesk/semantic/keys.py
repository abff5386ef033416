"""Candidate pairs for rewrites and same-story reports from rare facts, not shared shingles.

A rewrite swaps words but keeps names, numbers and most content words; a second report of the
same event keeps names and numbers. Each document therefore gets a set of 64-bit keys, one per
distinct name, significant number and content stem (:func:`fact_keys`), the key's kind in its
two top bits. Globally, keys are sorted into postings; a key found in more than
``max_key_docs`` documents is dropped (it is a topic word, and its pairs would be quadratic),
every other key adds ``kind_weight x (1 - ln(df) / ln(max_key_docs + 1))`` to each pair of its
documents, and a pair becomes a candidate when it shares ``min_shared_keys`` keys with enough weight and ranks
among the best ``max_candidates_per_doc`` of one of its documents. Ties in that ranking (and the
order in which a pair's weights are summed) follow the documents' rank in id order, never the
order they were read in. The candidates are approximate: :func:`copydesk.semantic.compare`
verifies each one.

Example:
    >>> import numpy as np
    >>> k = np.array([5, 6, 7, 5, 6, 7, 9], dtype=np.uint64)
    >>> d = np.array([0, 0, 0, 1, 1, 1, 2])
    >>> candidate_pairs(k, d, 3, min_shared_keys=3, min_score=0.0, max_key_docs=10,
    ...                 max_candidates_per_doc=5).tolist()
    [[0, 1]]
"""

from __future__ import annotations

import re

import numpy as np
import xxhash

from copydesk.semantic.lexical import STOP_WORDS, stem

__all__ = ["KIND_CONTENT", "KIND_NAME", "KIND_NUMBER", "KIND_SHIFT", "KIND_WEIGHT", "MIN_WORD_CHARS", "candidate_pairs",
           "fact_keys", "term_keys"]

KIND_CONTENT, KIND_NAME, KIND_NUMBER = 0, 1, 2
# Weight of a shared key by kind, multiplied by its inverse document frequency. A shared
# number or name is worth two content words (same reasoning as the lexical layer's weights).
KIND_WEIGHT = np.array([1.0, 2.0, 2.0, 0.0])
"""Weight of a key by its kind (``key >> KIND_SHIFT``), in the candidate score."""
KIND_SHIFT = np.uint64(62)
"""A key's kind sits in its top two bits."""
_LOW_MASK = np.uint64((1 << 62) - 1)

_TOKEN = re.compile(r"\d+(?:[.,:/]\d+)*|[^\W\d_]+(?:['’][^\W\d_]+)?")
_YEAR = re.compile(r"^(1[89]|20)\d\d$")
_CALENDAR = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday january february march april may "
    "june july august september october november december".split()
)


# Content words shorter than this carry no key (too many short words are common ones).
MIN_WORD_CHARS = 4


def term_keys(terms: list[str] | tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """The keys :func:`fact_keys` gives each term (a stem, or ``#`` and a number).

    Returns:
        Two uint64 arrays aligned with ``terms``: the key as a content word (as a number for
        ``#`` terms) and as a name (a key of the unused fourth kind for numbers, found nowhere).
    """
    content, name = [], []
    for t in terms:
        h = xxhash.xxh3_64_intdigest((t[1:] if t.startswith("#") else t).encode()) & ((1 << 62) - 1)
        if t.startswith("#"):
            content.append(h | (KIND_NUMBER << 62))
            name.append(h | (3 << 62))
        else:
            content.append(h)
            name.append(h | (KIND_NAME << 62))
    return np.array(content, dtype=np.uint64), np.array(name, dtype=np.uint64)


def fact_keys(text: str, max_keys: int, min_word_chars: int = MIN_WORD_CHARS) -> np.ndarray:
    """Distinct keys of the names, significant numbers and content stems of ``text``.

    Args:
        text: Article text (``DocView.masked``).
        max_keys: At most this many keys: names and numbers first, then the content stems
            with the smallest hashes (a bottom-k sample, so two similar documents keep
            mostly the same ones).
        min_word_chars: Content words shorter than this are ignored.

    Returns:
        Sorted unique uint64 keys, the kind in the two top bits.
    """
    facts: set[str] = set()
    content: set[str] = set()
    memo: dict[str, str] = {}  # words repeat within a document; stemming is the costly part
    for m in _TOKEN.finditer(text):
        tok = m.group()
        if tok[0].isdigit():
            if text[max(0, m.start() - 2) : m.start()] == "&#":
                continue  # an HTML character reference left in the text ("&#8220;"), not a fact
            n = tok.replace(",", "")
            if "." in n:
                n = n.rstrip("0").rstrip(".") or "0"
            if (len(n.replace(".", "")) >= 2 or "." in n) and (not _YEAR.match(n) or "," in tok):
                facts.add("#" + n)
            continue
        base = tok.lower().replace("’", "'").split("'")[0]
        if base in STOP_WORDS or len(base) < min_word_chars:
            continue
        s = memo.get(base)
        if s is None:
            s = memo[base] = stem(base)
        if base in _CALENDAR:
            continue
        if (
            tok[0].isupper()
            and m.start() > 0
            and text[m.start() - 1] not in "\n"
            and not _sentence_start(text, m.start())
        ):
            facts.add("@" + s)
        else:
            content.add(s)
    content -= {f[1:] for f in facts if f[0] == "@"}
    keys = []
    for term in facts:
        kind = KIND_NUMBER if term[0] == "#" else KIND_NAME
        keys.append((xxhash.xxh3_64_intdigest(term[1:].encode()) & ((1 << 62) - 1)) | (kind << 62))
    fact_arr = np.unique(np.array(keys, dtype=np.uint64))
    content_arr = np.unique(
        np.array([xxhash.xxh3_64_intdigest(t.encode()) & ((1 << 62) - 1) for t in content], dtype=np.uint64)
    )
    if len(fact_arr) >= max_keys:
        return np.sort(fact_arr[np.argsort(fact_arr & _LOW_MASK, kind="stable")[:max_keys]])
    content_arr = content_arr[: max_keys - len(fact_arr)]  # already sorted: a bottom-k sample
    return np.unique(np.concatenate([fact_arr, content_arr]))


def _sentence_start(text: str, pos: int) -> bool:
    """Whether only spaces and an end of sentence (or nothing) precede ``pos``."""
    k = pos - 1
    while k >= 0 and text[k] in " \t\"'“‘(":
        k -= 1
    return k < 0 or text[k] in ".!?\n:—-"


def candidate_pairs(
    keys: np.ndarray,
    doc: np.ndarray,
    n_docs: int,
    *,
    min_shared_keys: int,
    min_score: float,
    max_key_docs: int,
    max_candidates_per_doc: int,
    order: np.ndarray | None = None,
) -> np.ndarray:
    """Pairs of documents sharing enough rare keys (vectorised, sort-based postings).

    Work is bounded by the postings and by ``max_key_docs``: a key shared by ``d`` documents
    makes ``d (d - 1) / 2`` pairs, so no key makes more than ``max_key_docs**2 / 2``.

    Args:
        keys: Keys of all documents, concatenated (:func:`fact_keys`).
        doc: ``doc[k]`` is the index of the document that holds ``keys[k]``.
        n_docs: Number of documents (indices run from 0 to ``n_docs - 1``).
        min_shared_keys: Smallest number of shared keys of a candidate.
        min_score: Smallest sum of ``kind weight x (1 - ln(df) / ln(max_key_docs + 1))`` over
            the shared keys (a rare name or number adds up to 2, a rare content stem up to 1).
        max_key_docs: Keys held by more documents are ignored.
        max_candidates_per_doc: A pair is kept if it is among the best this many of either
            of its documents (by score, then by the partner's rank in ``order``).
        order: Rank of every document in id order (as for :func:`copydesk.index.lsh_candidates`),
            so that which of several equally scored partners a document keeps, and the
            floating-point sum of a pair's score, do not depend on the order in which the
            documents were read. None when the indices are in id order already.

    Returns:
        ``(m, 2)`` int64 array of pairs ``i < j`` (document indices), sorted.

    Raises:
        ValueError: if ``order`` does not hold one rank per document.
    """
    keys = np.asarray(keys, dtype=np.uint64)
    doc = np.asarray(doc, dtype=np.int64)
    empty = np.zeros((0, 2), dtype=np.int64)
    if order is not None:
        order = np.asarray(order, dtype=np.int64)
        if order.shape != (n_docs,):
            raise ValueError(f"order must hold one rank per document ({n_docs}), not shape {order.shape}")
    if len(keys) == 0 or n_docs < 2:
        return empty
    if order is not None:
        # Work on id ranks throughout (postings, steps, sums, ranking), then map back.
        pairs = candidate_pairs(keys, order[doc], n_docs, min_shared_keys=min_shared_keys, min_score=min_score,
                                max_key_docs=max_key_docs, max_candidates_per_doc=max_candidates_per_doc)
        index = np.empty(n_docs, dtype=np.int64)
        index[order] = np.arange(n_docs)
        back = index[pairs]
        back = np.stack([back.min(axis=1), back.max(axis=1)], axis=1)
        return back[np.lexsort((back[:, 1], back[:, 0]))]
    # One posting per (key, doc): duplicates within a document do not count twice.
    order = np.lexsort((doc, keys))
    keys, doc = keys[order], doc[order]
    keep = np.ones(len(keys), dtype=bool)
    keep[1:] = (keys[1:] != keys[:-1]) | (doc[1:] != doc[:-1])
    keys, doc = keys[keep], doc[keep]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    df = np.diff(np.r_[starts, len(keys)])
    ok = (df >= 2) & (df <= max_key_docs)
    group_size = np.repeat(np.where(ok, df, 0), df)
    group_start = np.repeat(starts, df)
    kind = (keys >> KIND_SHIFT).astype(np.int64)
    # Rarity in [0, 1]: 1 - ln(df) / ln(max_key_docs + 1): about 0.8 for a key in two documents,
    # 0 at the cap. It depends on the cap, not on the corpus size, so a candidate threshold means
    # the same in a corpus of six documents and of a million.
    rarity = np.clip(1.0 - np.log(np.repeat(df, df)) / np.log(max_key_docs + 1), 0.0, 1.0)
    weight = KIND_WEIGHT[kind] * rarity
    pos = np.arange(len(keys))
    remaining = group_start + group_size - pos - 1  # later postings of the same key
    active = np.flatnonzero(remaining > 0)
    codes, scores = [], []
    step = 1
    while len(active):
        partner = active + step
        a, b = doc[active], doc[partner]
        codes.append(a * n_docs + b)  # postings of a key are sorted by doc, so a < b
        scores.append(weight[active])
        step += 1
        active = active[remaining[active] >= step]
    if not codes:
        return empty
    code = np.concatenate(codes)
    score = np.concatenate(scores)
    uniq, inverse, shared = np.unique(code, return_inverse=True, return_counts=True)
    total = np.bincount(inverse, weights=score)
    good = (shared >= min_shared_keys) & (total >= min_score)
    uniq, total = uniq[good], total[good]
    if len(uniq) == 0:
        return empty
    i, j = uniq // n_docs, uniq % n_docs
    # Best candidates of each document: rank every pair among all pairs of each of its documents.
    owner = np.concatenate([i, j])
    pair = np.concatenate([np.arange(len(uniq))] * 2)
    order = np.lexsort((uniq[pair], -total[pair], owner))
    owner_sorted = owner[order]
    first = np.r_[0, np.flatnonzero(owner_sorted[1:] != owner_sorted[:-1]) + 1]
    rank = np.arange(len(order)) - np.repeat(first, np.diff(np.r_[first, len(order)]))
    keep = np.zeros(len(uniq), dtype=bool)
    keep[pair[order[rank < max_candidates_per_doc]]] = True
    return np.stack([i[keep], j[keep]], axis=1).astype(np.int64)
