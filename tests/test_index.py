import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from copydesk.index import bucket_pairs, lsh_candidates, lsh_params, unique_pairs
from copydesk.sketch import EMPTY, MinHasher


def test_lsh_params_match_the_threshold():
    bands, rows = lsh_params(0.8, 128)
    assert bands * rows <= 128
    # The S-curve's midpoint (1/b)^(1/r) sits near the threshold.
    assert 0.7 < (1 / bands) ** (1 / rows) < 0.85
    low_b, low_r = lsh_params(0.5, 128)
    assert (1 / low_b) ** (1 / low_r) < (1 / bands) ** (1 / rows)


def test_near_copies_are_candidates_and_unrelated_are_not():
    rng = np.random.default_rng(3)
    vocab = [f"w{i}" for i in range(5000)]
    base = [list(rng.choice(vocab, 400)) for _ in range(50)]
    texts = [" ".join(b) for b in base]
    for b in base[:10]:
        edited = list(b)
        edited[200] = "changed"
        texts.append(" ".join(edited))
    sig = MinHasher().signatures(texts)
    n = len(texts)
    pairs = lsh_candidates(sig, np.arange(n), np.arange(n), *lsh_params(0.8, 128))
    found = {tuple(p) for p in pairs.tolist()}
    assert {(i, 50 + i) for i in range(10)} <= found
    assert len(found) <= 12


def test_empty_signatures_are_never_paired():
    sig = np.full((3, 128), EMPTY, dtype=np.uint32)
    assert len(lsh_candidates(sig, np.arange(3), np.arange(3), 9, 13)) == 0


@given(st.lists(st.integers(0, 5), min_size=0, max_size=80))
def test_bucket_pairs_connect_every_bucket_and_respect_order(keys):
    keys = np.array(keys, dtype=np.uint64)
    members = np.arange(len(keys))
    rng = np.random.default_rng(len(keys))
    order = rng.permutation(len(keys))
    pairs = bucket_pairs(keys, members, order, max_neighbours=3)
    assert all(a < b and keys[a] == keys[b] for a, b in pairs.tolist())
    # Every bucket is connected through the window of neighbours.
    from copydesk.cluster import components

    comps = components(len(keys), pairs.tolist())
    expected = [sorted(np.flatnonzero(keys == k).tolist()) for k in np.unique(keys)]
    assert sorted(comps) == sorted(g for g in expected if len(g) > 1)


def test_unique_pairs_sorts_and_dedupes():
    pairs = np.array([[3, 4], [0, 1], [3, 4], [0, 2]])
    assert unique_pairs(pairs).tolist() == [[0, 1], [0, 2], [3, 4]]
