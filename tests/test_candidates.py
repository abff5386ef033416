"""Candidate pairs as records: what every generator proposed, in an order that depends on nothing else."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from copydesk.candidates import CandidatePairs
from copydesk.types import Candidate

PAIR = st.tuples(st.integers(0, 8), st.integers(0, 8)).filter(lambda p: p[0] < p[1])
PROPOSALS = st.lists(st.tuples(st.sampled_from(["near", "passages", "story"]), st.lists(PAIR, max_size=6)),
                     max_size=5)


def _collect(proposals) -> CandidatePairs:
    found = CandidatePairs()
    for method, pairs in proposals:
        found.add(np.array(pairs, dtype=np.int64).reshape(-1, 2), method)
    return found


@given(PROPOSALS, st.randoms())
def test_each_pair_once_with_every_generator_that_proposed_it_in_any_order(proposals, rnd):
    want: dict[tuple[int, int], set[str]] = {}
    for method, pairs in proposals:
        for pair in pairs:
            want.setdefault(pair, set()).add(method)
    shuffled = [(m, rnd.sample(p, len(p))) for m, p in proposals]
    rnd.shuffle(shuffled)
    got = list(_collect(shuffled))
    assert got == [Candidate(a, b, frozenset(m)) for (a, b), m in sorted(want.items())]
    assert got == list(_collect(proposals)) and len(_collect(proposals)) == len(want)


def test_discard_takes_either_order_and_methods_of_a_missing_pair_are_empty():
    found = _collect([("near", [(1, 4), (2, 3)]), ("story", [(1, 4)])])
    assert found.methods(4, 1) == {"near", "story"} and (1, 4) in found
    found.discard(4, 1)
    found.discard(5, 6)  # absent: nothing happens
    assert [(c.a, c.b) for c in found] == [(2, 3)] and found.methods(1, 4) == frozenset()
    assert found.documents() == {2, 3}


def test_a_candidate_is_an_ordered_pair():
    with pytest.raises(ValueError, match="a < b"):
        Candidate(3, 3)
    with pytest.raises(ValueError, match="a < b"):
        Candidate(4, 1, frozenset({"near"}))
