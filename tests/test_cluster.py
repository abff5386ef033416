import random

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from copydesk.cluster import UnionFind, components, representative_key


def naive_components(n, edges):
    adj = {i: set() for i in range(n)}
    for a, b in edges:
        adj[a].add(b)
        adj[b].add(a)
    seen, out = set(), []
    for s in range(n):
        if s in seen:
            continue
        stack, comp = [s], []
        seen.add(s)
        while stack:
            x = stack.pop()
            comp.append(x)
            for y in adj[x] - seen:
                seen.add(y)
                stack.append(y)
        if len(comp) > 1:
            out.append(sorted(comp))
    return sorted(out)


@given(st.integers(1, 40).flatmap(lambda n: st.tuples(st.just(n), st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=60))))
def test_components_equal_a_graph_search(case):
    n, edges = case
    assert components(n, edges) == naive_components(n, edges)


@given(st.lists(st.tuples(st.integers(0, 30), st.integers(0, 30)), max_size=50), st.randoms())
def test_components_do_not_depend_on_edge_order(edges, rnd):
    shuffled = list(edges)
    rnd.shuffle(shuffled)
    assert components(31, edges) == components(31, [(b, a) for a, b in shuffled])


def test_a_million_long_chain_needs_no_recursion():
    n = 1_000_000
    uf = UnionFind(n)
    for i in range(n - 1):
        uf.union(i, i + 1)
    assert uf.find(0) == uf.find(n - 1)
    assert len(uf.groups()) == 1


def test_stars_and_many_small_components():
    edges = [(0, i) for i in range(1, 1000)] + [(2000 + 2 * i, 2001 + 2 * i) for i in range(500)]
    random.Random(1).shuffle(edges)
    groups = components(3000, edges)
    assert len(groups) == 501
    assert groups[0] == list(range(1000))


def test_representative_rules_end_on_the_id():
    ids = ["b", "a", "c"]
    chars = np.array([10, 10, 5])
    published = [None, "2024-01-02", "2024-01-01"]
    assert min(range(3), key=representative_key("longest", ids, chars, published)) == 1
    assert min(range(3), key=representative_key("earliest", ids, chars, published)) == 2
    assert min(range(3), key=representative_key("smallest_id", ids, chars, published)) == 1
    with pytest.raises(ValueError):
        representative_key("random", ids, chars, published)
