"""The per-document cap on passage candidates (issue 14): pairs per document stay bounded."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from copydesk.passages import PassageConfig, passage_candidates
from copydesk.passages.candidates import best_per_doc


def reference(pairs, score, k, order):
    keep = set()
    docs = {d for p in pairs for d in p}
    for d in docs:
        mine = [(-s, order[b if a == d else a], n) for n, ((a, b), s) in enumerate(zip(pairs, score)) if d in (a, b)]
        keep.update(n for _, _, n in sorted(mine)[:k])
    return [n in keep for n in range(len(pairs))]


@settings(max_examples=200)
@given(st.sets(st.tuples(st.integers(0, 9), st.integers(0, 9)).filter(lambda p: p[0] < p[1]), max_size=40),
       st.integers(1, 5), st.randoms(use_true_random=False), st.data())
def test_best_per_doc_matches_the_definition(pair_set, k, rnd, data):
    pairs = sorted(pair_set)
    score = [data.draw(st.integers(3, 6)) for _ in pairs]
    order = list(range(10))
    rnd.shuffle(order)
    arr = np.array(pairs, dtype=np.int64).reshape(-1, 2)
    got = best_per_doc(arr, np.array(score), k, np.array(order)).tolist() if pairs else []
    assert got == reference(pairs, score, k, order)


def test_a_common_phrase_pairs_each_document_with_at_most_the_cap():
    # 60 documents share three stock-phrase keys (every pair is a candidate without the cap);
    # documents 0 and 1 also share a passage (ten keys of their own).
    n = 60
    keys = [np.array([1, 2, 3], dtype=np.uint64) for _ in range(n)]
    keys[0] = np.concatenate((keys[0], np.arange(100, 110, dtype=np.uint64)))
    keys[1] = np.concatenate((keys[1], np.arange(100, 110, dtype=np.uint64)))
    doc = np.repeat(np.arange(n), [len(k) for k in keys])
    flat = np.concatenate(keys)
    uncapped = passage_candidates(flat, doc, n, PassageConfig(max_candidates_per_doc=0, max_df_share=1.0))
    assert len(uncapped) == n * (n - 1) // 2
    capped = passage_candidates(flat, doc, n, PassageConfig(max_candidates_per_doc=5, max_df_share=1.0))
    assert [0, 1] in capped.tolist()  # the real shared passage ranks first
    assert len(capped) <= 5 * n
    assert set(map(tuple, capped.tolist())) <= set(map(tuple, uncapped.tolist()))


def test_ties_are_broken_by_id_rank_not_reading_order():
    n = 30
    keys = np.tile(np.array([1, 2, 3], dtype=np.uint64), n)
    doc = np.repeat(np.arange(n), 3)
    order = np.random.default_rng(0).permutation(n)
    config = PassageConfig(max_candidates_per_doc=3, max_df_share=1.0)
    got = passage_candidates(keys, doc, n, config, order)
    # Relabel the documents by their rank: the same pairs come out as with indices in id order.
    by_rank = passage_candidates(keys, order[doc], n, config)
    relabelled = np.sort(order[got], axis=1)
    assert sorted(map(tuple, relabelled.tolist())) == sorted(map(tuple, by_rank.tolist()))
