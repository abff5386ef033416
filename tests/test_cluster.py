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


def match(a, b, kind, score=0.9, ca=1.0, cb=1.0, jaccard=0.1, method=""):
    from copydesk.types import Match

    return Match(a, b, kind, score, jaccard, ca, cb, method=method)


def copy_groups(matches, ids):
    from copydesk.cluster import copy_edges

    index = {d: i for i, d in enumerate(ids)}
    return [[ids[i] for i in g] for g in components(len(ids), [(index[a], index[b]) for a, b in copy_edges(matches)])]


def test_documents_sharing_different_paragraphs_with_a_third_are_not_copies():
    ids = ["x", "y", "z"]
    assert copy_groups([match("x", "z", "shared_passages", ca=0.3, cb=0.2),
                        match("y", "z", "shared_passages", ca=0.3, cb=0.2)], ids) == []


def test_an_excerpt_quoted_by_two_articles_does_not_unite_them():
    # e is mostly inside both a and b (a short brief that two long reports both quote).
    ids = ["a", "b", "e"]
    groups = copy_groups([match("a", "e", "excerpt", score=0.8, ca=0.2, cb=0.95),
                          match("b", "e", "excerpt", score=0.9, ca=0.25, cb=0.97)], ids)
    assert groups == [["b", "e"]]


def test_excerpts_of_one_original_join_its_cluster():
    ids = ["orig", "lead", "tail", "copy"]
    groups = copy_groups([match("lead", "orig", "excerpt", ca=1.0, cb=0.4),
                          match("orig", "tail", "excerpt", ca=0.3, cb=0.98),
                          match("copy", "orig", "near_duplicate"),
                          match("copy", "lead", "excerpt", ca=0.42, cb=1.0)], ids)
    assert groups == [["orig", "lead", "tail", "copy"]]


def test_rewrites_join_and_same_story_does_not():
    ids = ["o", "r", "s"]
    assert copy_groups([match("o", "r", "rewrite"), match("o", "s", "same_story")], ids) == [["o", "r"]]


def test_a_page_gluing_two_stories_joins_one_copy_cluster():
    # page prints story a (the longer) and story b: a near-duplicate of each, of part of itself.
    ids = ["a", "a2", "b", "b2", "page"]
    groups = copy_groups([match("a", "page", "near_duplicate", method="passages_v2:b_part", jaccard=0.6),
                          match("b", "page", "near_duplicate", method="passages_v2:b_part", jaccard=0.3),
                          match("a", "a2", "near_duplicate"), match("b", "b2", "rewrite")], ids)
    assert sorted(groups) == [["a", "a2", "page"], ["b", "b2"]]


def test_two_pages_sharing_one_of_their_stories_are_not_united_by_it():
    ids = ["p", "q"]
    assert copy_groups([match("p", "q", "near_duplicate", method="passages_v2:a_part:b_part")], ids) == []
