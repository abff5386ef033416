import random

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from copydesk.cluster import UnionFind, components, representative_key, story_groups
from copydesk.config import Config


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


# Story clusters: average linkage over copy clusters (story_groups)

graphs = st.lists(st.tuples(st.integers(0, 14), st.integers(0, 14)), max_size=40)
copy_pairs = st.lists(st.tuples(st.integers(0, 14), st.integers(0, 14)), max_size=6)
linkages = st.sampled_from([0.2, 0.35, 0.5, 0.8])


def copy_map(edges, pairs):
    """Each node's copy-cluster root: the components of ``pairs`` among the edges' nodes."""
    nodes = {x for e in edges for x in e}
    return {x: g[0] for g in components(15, [(a, b) for a, b in pairs if a in nodes and b in nodes]) for x in g}


def with_copies(edges, copy_of):
    return list(edges) + list(copy_of.items())


def naive_average_linkage(edges, copy_of, linkage):
    """Average linkage recomputed from scratch at every step: the two groups with the largest
    share of related node pairs (ties on the smaller group names) merge while it is at least
    ``linkage``."""
    related = {frozenset((copy_of.get(a, a), copy_of.get(b, b))) for a, b in edges}
    nodes = {x for e in edges for x in e}
    groups = {copy_of.get(x, x): {copy_of.get(x, x)} for x in nodes}
    while True:
        best = None
        for g in sorted(groups):
            for h in sorted(groups):
                if g < h:
                    hits = sum(frozenset((r, q)) in related for r in groups[g] for q in groups[h])
                    share = hits / (len(groups[g]) * len(groups[h]))
                    if hits and (best is None or (-share, g, h) < best):
                        best = (-share, g, h)
        if best is None or -best[0] < linkage:
            break
        groups[best[1]] |= groups.pop(best[2])
    members = {}
    for x in nodes:
        members.setdefault(copy_of.get(x, x), []).append(x)
    out = [sorted(x for r in rs for x in members[r]) for rs in groups.values()]
    return sorted((g for g in out if len(g) > 1), key=lambda g: g[0])


@given(graphs, copy_pairs, linkages)
def test_story_groups_equal_average_linkage_recomputed_from_scratch(edges, pairs, linkage):
    copy_of = copy_map(edges, pairs)
    assert story_groups(edges, copy_of, linkage) == naive_average_linkage(edges, copy_of, linkage)


@given(graphs, copy_pairs)
def test_story_groups_at_linkage_zero_are_the_connected_components(edges, pairs):
    copy_of = copy_map(edges, pairs)
    assert story_groups(edges, copy_of, 0.0) == components(15, with_copies(edges, copy_of))


@given(graphs, linkages, st.randoms())
def test_story_groups_do_not_depend_on_edge_order_or_direction(edges, linkage, rnd):
    shuffled = [(b, a) if rnd.random() < 0.5 else (a, b) for a, b in edges]
    rnd.shuffle(shuffled)
    assert story_groups(shuffled, {}, linkage) == story_groups(edges, {}, linkage)


@given(graphs, copy_pairs, linkages)
def test_story_groups_per_component_are_the_groups_of_the_whole_graph(edges, pairs, linkage):
    """What lets the Spark engine call story_groups once per connected component."""
    copy_of = copy_map(edges, pairs)
    per_component = []
    for comp in components(15, with_copies(edges, copy_of)):
        per_component += story_groups([e for e in edges if e[0] in comp], copy_of, linkage)
    assert sorted(per_component) == story_groups(edges, copy_of, linkage)


@given(graphs, copy_pairs, linkages)
def test_a_story_group_holds_together_and_never_splits_a_copy_cluster(edges, pairs, linkage):
    copy_of = copy_map(edges, pairs)
    related = {frozenset((copy_of.get(a, a), copy_of.get(b, b))) for a, b in edges}
    for g in story_groups(edges, copy_of, linkage):
        roots = sorted({copy_of.get(x, x) for x in g})
        assert {x for x in copy_of if copy_of[x] in roots} <= set(g)
        if len(roots) > 1:
            pairs_ = [frozenset((r, q)) for i, r in enumerate(roots) for q in roots[i + 1 :]]
            assert sum(p in related for p in pairs_) / len(pairs_) >= linkage


def test_a_chain_through_one_relation_does_not_join_two_events():
    """The Pope's new-year incident (0-2, all related) and a review of his year (3), which the
    story model relates to one report: components join them, the default linkage does not."""
    edges = [(0, 1), (0, 2), (1, 2), (2, 3)]
    assert story_groups(edges, {}, 0.0) == [[0, 1, 2, 3]]
    assert story_groups(edges, {}, Config().cluster.story_linkage) == [[0, 1, 2]]


def test_a_copy_cluster_enters_as_one_node():
    """Three copies of one text (0, 1, 2), a report of the same event in its own words related
    to one of them (3), and a second report related to the first (4): one story."""
    edges = [(0, 1), (1, 2), (2, 3), (3, 4)]
    linkage = Config().cluster.story_linkage
    assert story_groups(edges, {0: 0, 1: 0, 2: 0}, linkage) == [[0, 1, 2, 3, 4]]
    assert story_groups(edges, {}, linkage) != [[0, 1, 2, 3, 4]]


@given(graphs, copy_pairs, linkages)
def test_story_groups_of_ids_are_the_groups_of_their_ranks(edges, pairs, linkage):
    """The engines pass document ids: labels in the same order give the same groups."""
    copy_of = copy_map(edges, pairs)
    name = {x: f"doc-{x:03d}" for x in range(15)}
    named = story_groups([(name[a], name[b]) for a, b in edges], {name[a]: name[b] for a, b in copy_of.items()}, linkage)
    assert named == [[name[x] for x in g] for g in story_groups(edges, copy_of, linkage)]
