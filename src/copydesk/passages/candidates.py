"""Candidate pairs from shared rare word shingles (postings, as passim does).

Every document contributes the hashes of its word shingles (:func:`passage_keys`, in a
worker); :func:`passage_candidates` sorts all of them once, keeps the keys whose document
frequency lies within ``[min_df, max_df_for(n_docs)]`` and emits every pair of documents that
shares at least ``min_shared_keys`` of them. Candidates are unverified: :func:`relate` aligns
each pair and decides.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from copydesk.passages.align import word_tokens
from copydesk.passages.config import PassageConfig
from copydesk.sketch import MinHasher
from copydesk.text import NON_ASCII_WORD
from copydesk.types import DocView

__all__ = ["frequent_keys", "spread_keys", "key_hashes", "key_hashes_of_words", "passage_candidates", "passage_keys",
           "passage_keys_many"]

# Key hashing reuses the near-duplicate stage's byte-level shingle hasher with its own seed.
KEY_SEED = 3
# Characters of text hashed per call of the shingle hasher in passage_keys_many.
_KEY_CHUNK_CHARS = 1 << 20
# Pair entries generated per batch of postings lists: bounds memory (16 bytes per entry during
# counting) whatever the corpus size.
_PAIRS_PER_BATCH = 1 << 23


def passage_keys(view: DocView, config: PassageConfig = PassageConfig()) -> np.ndarray:
    """Sorted, distinct hashes of a document's word shingles: its postings keys.

    Reads ``view.masked`` (boilerplate blanked), so furniture the cleaner found never becomes
    a key. A shingle is kept when its hash is 0 modulo ``config.key_sample_one_in``, a choice
    that depends on the shingle alone and is therefore the same in every copy.

    Args:
        view: The document after cleaning.
        config: Passage settings (``key_words``, ``key_sample_one_in``).

    Returns:
        ``uint64`` array, sorted and without repeats (empty for a text without words).

    Example:
        >>> view = DocView("d", "one two three four five six", "one two three four five six")
        >>> len(passage_keys(view, PassageConfig(key_sample_one_in=1)))
        2
    """
    return passage_keys_many([view], config)[0]


def passage_keys_many(views: Sequence[DocView], config: PassageConfig = PassageConfig()) -> list[np.ndarray]:
    """:func:`passage_keys` of many documents at once: the same arrays, several times faster
    for short documents (numpy's per-call overhead is paid once per megabyte, not per document).

    Example:
        >>> views = [DocView(str(i), t, t) for i, t in enumerate(["a b c d e f", "", "a b c d e f g"])]
        >>> [len(k) for k in passage_keys_many(views, PassageConfig(key_sample_one_in=1))]
        [2, 0, 3]
    """
    hasher = MinHasher(num_perm=16, ngram=config.key_words, seed=KEY_SEED)
    out: list[np.ndarray] = []
    lo = 0
    while lo < len(views):
        hi, size = lo, 0
        while hi < len(views) and (hi == lo or size < _KEY_CHUNK_CHARS):
            size += len(views[hi].masked)
            hi += 1
        hashes, doc = hasher.shingle_hashes([_key_stream(v.masked) for v in views[lo:hi]])
        if config.key_sample_one_in > 1:
            keep = hashes % np.uint64(config.key_sample_one_in) == 0
            hashes, doc = hashes[keep], doc[keep]
        order = np.lexsort((hashes, doc))
        hashes, doc = hashes[order], doc[order]
        distinct = np.ones(len(hashes), dtype=bool)
        distinct[1:] = (hashes[1:] != hashes[:-1]) | (doc[1:] != doc[:-1])
        hashes, doc = hashes[distinct], doc[distinct]
        bounds = np.searchsorted(doc, np.arange(hi - lo + 1))
        out.extend(hashes[bounds[i] : bounds[i + 1]].copy() for i in range(hi - lo))
        lo = hi
    return out


def _key_stream(text: str) -> str:
    """The normalised words of ``text`` as the shingle hasher reads them (what
    :func:`copydesk.text.token_stream` gives, found faster): for ASCII the lower-cased text
    itself, the hasher taking every other ASCII byte as a separator."""
    if not text.isascii() and not NON_ASCII_WORD.search(text):
        text = text.encode("ascii", "replace").decode("ascii")  # typographic punctuation only
    if text.isascii():
        return text.lower()
    return " ".join(word_tokens(text)[0])


def key_hashes(texts: list[str], config: PassageConfig = PassageConfig()) -> list[np.ndarray]:
    """The key hash of every word shingle of each text, in order: entry ``i`` is the shingle
    starting at word ``i`` (as :func:`copydesk.passages.word_tokens` counts words)."""
    return key_hashes_of_words([word_tokens(t)[0] for t in texts], config)


def key_hashes_of_words(words: list[list[str]], config: PassageConfig = PassageConfig()) -> list[np.ndarray]:
    """:func:`key_hashes` for texts already split into normalised words."""
    hasher = MinHasher(num_perm=16, ngram=config.key_words, seed=KEY_SEED)
    # The joined normalised words are what copydesk.text.token_stream gives, found faster.
    hashes, doc = hasher.shingle_hashes([" ".join(w) for w in words])
    bounds = np.searchsorted(doc, np.arange(len(words) + 1))
    return [hashes[bounds[i] : bounds[i + 1]] for i in range(len(words))]


def passage_candidates(keys: np.ndarray, doc: np.ndarray, n_docs: int,
                       config: PassageConfig = PassageConfig(), order: np.ndarray | None = None) -> np.ndarray:
    """Pairs of documents sharing at least ``min_shared_keys`` keys of moderate frequency.

    Keys on fewer than ``min_df`` or more than ``config.max_df_for(n_docs)`` documents are
    dropped before any pair is formed, so the work is at most ``max_df**2 / 2`` pair entries
    per key and a sentence printed on hundreds of pages relates nothing. Sort-based: one sort
    of the keys, then one of the pair entries, batch by batch.

    Args:
        keys: ``uint64`` keys of all documents, concatenated (outputs of :func:`passage_keys`).
        doc: Same length: ``doc[k]`` is the index (0 to ``n_docs - 1``) of the document of
            ``keys[k]``. A key repeated within a document counts once.
        n_docs: Number of documents in the corpus (for the relative frequency cap).
        config: Passage settings.
        order: Rank of every document in id order, which breaks ties under
            ``config.max_candidates_per_doc`` (so the candidates do not depend on reading
            order); None when the indices are in id order already.

    Returns:
        ``int64`` array of shape ``(m, 2)``: pairs ``i < j``, sorted, each once.

    Raises:
        ValueError: if ``keys`` and ``doc`` differ in length or a document index is out of range.

    Example:
        >>> k = np.array([1, 2, 3, 1, 2, 3, 9], dtype=np.uint64)
        >>> passage_candidates(k, np.array([0, 0, 0, 1, 1, 1, 2]), 3).tolist()
        [[0, 1]]
    """
    empty = np.empty((0, 2), dtype=np.int64)
    k, d, starts, df, _ = _postings(keys, doc, n_docs)
    kept = (df >= config.min_df) & (df <= config.max_df_for(n_docs))
    starts, df = starts[kept], df[kept]
    if len(starts) == 0:
        return empty

    n_pairs = df * (df - 1) // 2
    bounds = np.searchsorted(np.cumsum(n_pairs), np.arange(1, 1 + n_pairs.sum() // _PAIRS_PER_BATCH)
                             * _PAIRS_PER_BATCH)
    codes, counts = [], []
    lo = 0
    for hi in [*bounds.tolist(), len(starts)]:
        if hi <= lo:
            continue
        c, n = np.unique(_pair_codes(d, starts[lo:hi], df[lo:hi], n_docs), return_counts=True)
        codes.append(c)
        counts.append(n)
        lo = hi
    code = np.concatenate(codes)
    count = np.concatenate(counts)
    if len(codes) > 1:
        order = np.argsort(code, kind="stable")
        code, count = code[order], count[order]
        first = np.flatnonzero(np.concatenate(([True], code[1:] != code[:-1])))
        code, count = code[first], np.add.reduceat(count, first)
    enough = count >= config.min_shared_keys
    code, count = code[enough], count[enough]
    pairs = np.stack((code // n_docs, code % n_docs), axis=1).astype(np.int64)
    if config.max_candidates_per_doc and len(pairs):
        pairs = pairs[best_per_doc(pairs, count, config.max_candidates_per_doc, order)]
    return pairs


def best_per_doc(pairs: np.ndarray, score: np.ndarray, k: int, order: np.ndarray | None = None) -> np.ndarray:
    """Mask of the pairs that rank among the ``k`` best of at least one of their documents.

    Args:
        pairs: ``(m, 2)`` document indices.
        score: Higher is better, one per pair.
        k: Pairs kept per document.
        order: Rank of each document for ties (the partner with the lower rank first); None
            uses the indices themselves.

    Returns:
        Boolean mask over ``pairs``.

    Example:
        >>> p = np.array([[0, 1], [0, 2], [0, 3], [2, 3]])
        >>> best_per_doc(p, np.array([5, 9, 3, 1]), 1).tolist()
        [True, True, True, False]
    """
    m = len(pairs)
    docs = np.concatenate((pairs[:, 0], pairs[:, 1]))
    partners = np.concatenate((pairs[:, 1], pairs[:, 0]))
    rank = partners if order is None else np.asarray(order)[partners]
    both = np.concatenate((score, score))
    entry = np.lexsort((rank, -both.astype(np.float64), docs))
    sorted_docs = docs[entry]
    first = np.searchsorted(sorted_docs, sorted_docs, side="left")
    within = np.arange(2 * m) - first
    keep = np.zeros(m, dtype=bool)
    keep[entry[within < k] % m] = True
    return keep


def frequent_keys(keys: np.ndarray, doc: np.ndarray, n_docs: int,
                  config: PassageConfig = PassageConfig()) -> np.ndarray:
    """The keys too frequent for postings: on more than ``config.max_df_for(n_docs)`` documents.

    Optional second defence against boilerplate the cleaner missed: given to :func:`relate`
    (``frequent=``), the text these keys cover never seeds a passage, so a footer printed
    on hundreds of pages never becomes a passage even between two documents that are a
    candidate pair for other reasons.

    Args:
        keys, doc, n_docs, config: As for :func:`passage_candidates`.

    Returns:
        Sorted ``uint64`` array.

    Example:
        >>> k = np.array([7] * 30 + [1, 1], dtype=np.uint64)
        >>> frequent_keys(k, np.r_[np.arange(30), 0, 1], 30).tolist()
        [7]
    """
    k, _, starts, df, low = _postings(keys, doc, n_docs)
    truncated = k[starts[df > config.max_df_for(n_docs)]]
    keys = np.asarray(keys, dtype=np.uint64).ravel()
    return np.unique(keys[np.isin(spread_keys(keys) & ~low, truncated)])


def _postings(keys: np.ndarray, doc: np.ndarray, n_docs: int) -> tuple[np.ndarray, ...]:
    """Keys sorted with their documents (ascending within a key, each pair once), and the
    start and length (document frequency) of every key's postings list.

    The returned keys are mixed (a bijection: any input, even small integers, fills all 64
    bits) and have their low ``bits(n_docs)`` bits cleared: the document index is packed there
    so that one value sort (several times faster than an argsort) orders both. Two
    distinct keys then collide with probability about ``n_keys**2 / 2**(64 - bits)``: for 100
    million keys of a million documents, well below one chance pair of documents per corpus.
    """
    keys = np.asarray(keys, dtype=np.uint64).ravel()
    doc = np.asarray(doc, dtype=np.int64).ravel()
    if len(keys) != len(doc):
        raise ValueError(f"keys ({len(keys)}) and doc ({len(doc)}) must have the same length")
    if len(keys) and (doc.min() < 0 or doc.max() >= n_docs):
        raise ValueError(f"document indices must be from 0 to n_docs - 1 = {n_docs - 1}")
    bits = max(1, (n_docs - 1).bit_length())
    if bits > 32:
        raise ValueError(f"at most 2**32 documents, not {n_docs}")
    low = np.uint64((1 << bits) - 1)
    packed = np.sort((spread_keys(keys) & ~low) | doc.astype(np.uint64))
    if len(packed):  # each (key, doc) once
        packed = packed[np.concatenate(([True], packed[1:] != packed[:-1]))]
    k, d = packed & ~low, (packed & low).astype(np.int64)
    starts = np.flatnonzero(np.concatenate(([True], k[1:] != k[:-1]))) if len(k) else np.empty(0, np.int64)
    df = np.diff(np.append(starts, len(k)))
    return k, d, starts, df, low


def spread_keys(keys: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: a bijection of uint64 spreading every input bit over the word."""
    x = keys.copy()
    with np.errstate(over="ignore"):
        x ^= x >> np.uint64(30)
        x *= np.uint64(0xBF58476D1CE4E5B9)
        x ^= x >> np.uint64(27)
        x *= np.uint64(0x94D049BB133111EB)
        x ^= x >> np.uint64(31)
    return x


def _pair_codes(d: np.ndarray, starts: np.ndarray, df: np.ndarray, n_docs: int) -> np.ndarray:
    """``i * n_docs + j`` for every pair ``i < j`` of documents inside each postings list."""
    elem = np.repeat(starts, df) + _ranks(df)
    partners = np.repeat(starts + df, df) - elem - 1
    first = np.repeat(elem, partners)
    second = first + 1 + _ranks(partners)
    return d[first] * n_docs + d[second]


def _ranks(lengths: np.ndarray) -> np.ndarray:
    """``[0, 1, ..., lengths[0]-1, 0, 1, ..., lengths[1]-1, ...]``."""
    total = int(lengths.sum())
    return np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(lengths) - lengths, lengths)
