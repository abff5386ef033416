"""Candidate pairs from MinHash signatures: LSH banding, vectorised over the whole corpus.

LSH is approximate in both directions: it proposes pairs, and every proposal must be verified
afterwards (:func:`copydesk.pipeline` checks the exact shingle Jaccard before a pair becomes a
match).

Example:
    >>> lsh_params(0.8, 128)
    (16, 8)
"""

from __future__ import annotations


import numpy as np

from copydesk.sketch import EMPTY

__all__ = ["band_keys", "bucket_pairs", "lsh_candidates", "lsh_params", "unique_pairs"]

# Within one bucket, a document is paired with at most this many neighbours (in id order).
# Buckets larger than this come from thousands of near-identical pages; pairing each with its
# next 64 still connects them all (consecutive members overlap), at a cost linear in the bucket
# size instead of quadratic.
MAX_BUCKET_NEIGHBOURS = 64


def _probability(s: np.ndarray, bands: int, rows: int) -> np.ndarray:
    return 1.0 - (1.0 - s**rows) ** bands


def lsh_params(min_jaccard: float, num_perm: int, false_negative_weight: float = 0.95) -> tuple[int, int]:
    """Bands and rows per band for a Jaccard threshold, minimising weighted error areas.

    The criterion of datasketch's ``MinHashLSH``: the integral of the candidate probability
    below the threshold (false positives) and of its complement above it (false negatives).
    Unlike datasketch (equal weights), false negatives weigh 0.95 by default: every candidate
    is verified on the exact shingle sets, so a false positive costs one cheap comparison while
    a missed pair is lost for good. At 0.8 and 128 permutations this gives 16 bands of 8 rows:
    a pair at Jaccard 0.85 becomes a candidate with probability 0.994 (equal weights, 9 x 13:
    0.686, which cost 1.2% recall on the planted near-duplicates of the 100k benchmark), a pair
    at 0.5 with probability 0.06. Re-run ``benchmarks/run.py --only nearjob`` after changing it.

    Args:
        min_jaccard: The similarity threshold.
        num_perm: Signature length; ``bands * rows <= num_perm``.
        false_negative_weight: Weight of the false-negative area, 0 to 1.

    Returns:
        ``(bands, rows)``.
    """
    grid = np.linspace(0.0, 1.0, 2001)
    below, above = grid[grid < min_jaccard], grid[grid >= min_jaccard]
    best, best_err = (1, num_perm), np.inf
    for bands in range(1, num_perm + 1):
        for rows in range(1, num_perm // bands + 1):
            fp = np.trapezoid(_probability(below, bands, rows), below) if len(below) > 1 else 0.0
            fn = np.trapezoid(1.0 - _probability(above, bands, rows), above) if len(above) > 1 else 0.0
            err = (1 - false_negative_weight) * fp + false_negative_weight * fn
            if err < best_err - 1e-12:
                best, best_err = (bands, rows), err
    return best


def unique_pairs(pairs: np.ndarray) -> np.ndarray:
    """Sorted unique rows of an ``(m, 2)`` array of ``i < j`` index pairs."""
    if len(pairs) == 0:
        return np.empty((0, 2), dtype=np.int64)
    pairs = np.asarray(pairs, dtype=np.int64)
    n = int(pairs.max()) + 1
    codes = np.unique(pairs[:, 0] * n + pairs[:, 1])
    return np.stack((codes // n, codes % n), axis=1)


def bucket_pairs(keys: np.ndarray, members: np.ndarray, order: np.ndarray,
                 max_neighbours: int = MAX_BUCKET_NEIGHBOURS) -> np.ndarray:
    """Pairs of members that share a key, each paired with up to ``max_neighbours`` others.

    Args:
        keys: One key per entry.
        members: Document index of each entry.
        order: A rank per document index (its position in id order): members of a bucket are
            paired in this order, so the pairs never depend on input order.
        max_neighbours: See :data:`MAX_BUCKET_NEIGHBOURS`.

    Returns:
        ``(m, 2)`` pairs ``i < j`` (not deduplicated).
    """
    if len(keys) < 2:
        return np.empty((0, 2), dtype=np.int64)
    sort = np.lexsort((order[members], keys))
    k, m = keys[sort], members[sort]
    out = []
    for d in range(1, max_neighbours + 1):
        same = k[d:] == k[:-d]
        if not same.any():
            break
        a, b = m[:-d][same], m[d:][same]
        out.append(np.stack((np.minimum(a, b), np.maximum(a, b)), axis=1))
    if not out:
        return np.empty((0, 2), dtype=np.int64)
    pairs = np.concatenate(out).astype(np.int64)
    return pairs[pairs[:, 0] != pairs[:, 1]]


def band_keys(block: np.ndarray) -> np.ndarray:
    """One 64-bit key per row of a ``(n, rows)`` uint32 block."""
    key = np.zeros(len(block), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for c in range(block.shape[1]):
            key = (key ^ block[:, c].astype(np.uint64)) * np.uint64(0x9E3779B97F4A7C15)
            key ^= key >> np.uint64(29)
    return key


def lsh_candidates(signatures: np.ndarray, docs: np.ndarray, order: np.ndarray,
                   bands: int, rows: int) -> np.ndarray:
    """Pairs of documents whose signatures agree on all rows of at least one band.

    Args:
        signatures: ``(n, num_perm)`` signatures of all documents.
        docs: Indices of the documents to index (e.g. one per exact-duplicate group).
        order: Rank of every document in id order (see :func:`bucket_pairs`).
        bands: Number of bands.
        rows: Rows per band.

    Returns:
        Sorted unique ``(m, 2)`` pairs of document indices, ``i < j``. Documents without
        shingles are never paired.
    """
    docs = np.asarray(docs, dtype=np.int64)
    docs = docs[signatures[docs, 0] != EMPTY]
    sig = signatures[docs]
    found = [bucket_pairs(band_keys(sig[:, b * rows : (b + 1) * rows]), docs, order) for b in range(bands)]
    return unique_pairs(np.concatenate(found)) if found else np.empty((0, 2), dtype=np.int64)
