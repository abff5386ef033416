"""Monotone sentence alignment with gaps.

Given a similarity for some sentence pairs ``(i, j)`` (sentence ``i`` of document a, ``j`` of
document b), find the chain of pairs increasing in both ``i`` and ``j`` with the largest total
similarity: a heaviest increasing subsequence over the points, so a dropped or inserted sentence
is simply skipped and never breaks the chain. Pairs that a rewriter moved out of order are then
added back when they are each other's best match and clearly similar (:func:`align_sentences`).

Example:
    >>> import numpy as np
    >>> i, j, s = np.array([0, 1, 2, 2]), np.array([0, 2, 1, 3]), np.array([0.9, 0.8, 0.7, 0.9])
    >>> monotone_chain(i, j, s)
    [(0, 0), (1, 2), (2, 3)]
"""

from __future__ import annotations

import numpy as np

__all__ = ["MAX_GAP_SENTENCES", "align_sentences", "monotone_chain"]

MAX_GAP_SENTENCES = 2
"""Longest run of sentences between two anchors that gap filling pairs in order."""


def monotone_chain(i: np.ndarray, j: np.ndarray, weight: np.ndarray) -> list[tuple[int, int]]:
    """Heaviest chain of points strictly increasing in both coordinates.

    Runs in O(P log P) for P points (a Fenwick tree of prefix maxima over ``j``). Ties are broken
    towards smaller indices, so the answer is deterministic.

    Args:
        i: Row (sentence of a) of each point.
        j: Column (sentence of b) of each point.
        weight: Positive weight of each point.

    Returns:
        The chain as ``(i, j)`` pairs in increasing order.
    """
    n = len(i)
    if n == 0:
        return []
    cols = np.unique(j)
    rank = np.searchsorted(cols, j) + 1  # 1-based for the Fenwick tree
    size = len(cols)
    tree_val = np.zeros(size + 1)
    tree_arg = np.full(size + 1, -1, dtype=np.int64)
    best = np.zeros(n)
    back = np.full(n, -1, dtype=np.int64)
    order = np.lexsort((j, i))
    k = 0
    while k < n:
        # Points of one row must not chain to each other: query all of a row, then update.
        row_end = k
        while row_end < n and i[order[row_end]] == i[order[k]]:
            row_end += 1
        for p in order[k:row_end]:
            q, val, arg = int(rank[p]) - 1, 0.0, -1
            while q > 0:
                if tree_val[q] > val:
                    val, arg = tree_val[q], int(tree_arg[q])
                q -= q & -q
            best[p] = val + weight[p]
            back[p] = arg
        for p in order[k:row_end]:
            q = int(rank[p])
            while q <= size:
                if best[p] > tree_val[q]:
                    tree_val[q], tree_arg[q] = best[p], p
                q += q & -q
        k = row_end
    p = int(np.argmax(best))
    chain = []
    while p >= 0:
        chain.append((int(i[p]), int(j[p])))
        p = int(back[p])
    return chain[::-1]


def align_sentences(
    sim: np.ndarray,
    min_similarity: float,
    min_reordered_similarity: float,
    min_gap_similarity: float | None = None,
) -> list[tuple[int, int]]:
    """Align the sentences of two documents from their similarity matrix.

    The monotone chain is taken over pairs with ``sim >= min_similarity``, weighted by how far
    they clear it (plus a small constant, so that a longer chain of good pairs beats one great
    pair). Sentences left out of the chain are then paired when they are mutual best matches
    with ``sim >= min_reordered_similarity``: reordered sentences of a rewrite. Finally, where two
    consecutive chain pairs leave the same small number of sentences (at most
    :data:`MAX_GAP_SENTENCES`) between them in both texts, those sentences are paired in order
    when ``sim >= min_gap_similarity``: a heavily reworded sentence between two anchors.

    Args:
        sim: ``(n_a, n_b)`` similarities in [0, 1].
        min_similarity: Smallest similarity of an aligned pair in the chain.
        min_reordered_similarity: Smallest similarity of a pair added out of order.
        min_gap_similarity: Smallest similarity of a pair filled in between anchors (None: no
            filling).

    Returns:
        Aligned ``(i, j)`` pairs, sorted by ``i``, each sentence used at most once.
    """
    if sim.size == 0:
        return []
    ii, jj = np.nonzero(sim >= min_similarity)
    weight = sim[ii, jj] - min_similarity + 0.05
    chain = monotone_chain(ii, jj, weight)
    if min_gap_similarity is not None:
        filled = []
        for (i1, j1), (i2, j2) in zip(chain, chain[1:]):
            gap = i2 - i1
            if gap == j2 - j1 and 2 <= gap <= MAX_GAP_SENTENCES + 1:
                filled += [
                    (i1 + k, j1 + k) for k in range(1, gap) if sim[i1 + k, j1 + k] >= min_gap_similarity
                ]
        chain = sorted(chain + filled)
    used_a = {p for p, _ in chain}
    used_b = {q for _, q in chain}
    pairs = list(chain)
    rest = sim.copy()
    if used_a:
        rest[list(used_a), :] = -1.0
    if used_b:
        rest[:, list(used_b)] = -1.0
    best_b = rest.argmax(axis=1)
    best_a = rest.argmax(axis=0)
    for p in range(sim.shape[0]):
        q = int(best_b[p])
        if rest[p, q] >= min_reordered_similarity and int(best_a[q]) == p:
            pairs.append((p, q))
    return sorted(pairs)
