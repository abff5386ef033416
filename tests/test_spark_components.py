"""Connected components on Spark (large-star / small-star) against the local union-find.

Adversarial graphs: long chains in shuffled node order (the worst case for label
propagation), stars (one node of huge degree), many small components, and random graphs; each
must give exactly the components of :class:`copydesk.cluster.UnionFind`, with every node
labelled by the smallest node of its component.
"""

from __future__ import annotations

import random

import pytest

from copydesk.cluster import UnionFind


def _components_spark(spark, edges: list[tuple[int, int]]) -> dict[int, int]:
    from copydesk.engines.spark_components import connected_components

    df = spark.createDataFrame(edges, "src long, dst long").repartition(3)
    return {r.node: r.root for r in connected_components(df).collect()}


def _components_local(n: int, edges: list[tuple[int, int]]) -> dict[int, int]:
    uf = UnionFind(n)
    for a, b in edges:
        uf.union(a, b)
    return {node: group[0] for group in uf.groups() for node in group}


def _check(spark, n: int, edges: list[tuple[int, int]]) -> None:
    assert _components_spark(spark, edges) == _components_local(n, edges)


def test_long_chain_in_shuffled_order(spark):
    rng = random.Random(7)
    n = 3000
    labels = list(range(n))
    rng.shuffle(labels)  # a path whose node numbers jump around: labels propagate slowly
    edges = [(labels[i], labels[i + 1]) for i in range(n - 1)]
    rng.shuffle(edges)
    _check(spark, n, edges)


def test_stars_and_a_chain_of_stars(spark):
    n = 5000
    edges = [(0, k) for k in range(1, 2000)]  # one hub of degree 1,999
    edges += [(k, 4999) for k in range(2000, 3000)]  # a hub that is the largest node
    # Stars linked in a chain through their leaves.
    edges += [(3000 + 100 * s + k, 3000 + 100 * s) for s in range(15) for k in range(1, 100)]
    edges += [(3000 + 100 * s + 99, 3000 + 100 * (s + 1) + 50) for s in range(14)]
    _check(spark, n, edges)


def test_many_small_components_repeats_and_self_loops(spark):
    rng = random.Random(3)
    n = 6000
    edges = []
    for base in range(0, n, 3):
        edges.append((base, base + 1))
        if rng.random() < 0.5:
            edges.append((base + 2, base + 1))
    edges += edges[:100] + [(b, a) for a, b in edges[100:200]] + [(5, 5), (6500, 6500)]
    rng.shuffle(edges)
    got = _components_spark(spark, edges)
    assert got == _components_local(6501, [e for e in edges if e[0] != e[1]])
    assert 6500 not in got  # a self-loop alone is no component


def test_random_graphs(spark):
    rng = random.Random(11)
    for n, m in ((200, 150), (500, 600), (1000, 400)):
        edges = [(rng.randrange(n), rng.randrange(n)) for _ in range(m)]
        edges = [e for e in edges if e[0] != e[1]]
        _check(spark, n, edges)


def test_the_empty_graph(spark):
    assert _components_spark(spark, []) == {}


@pytest.mark.parametrize("parts", [1, 7])
def test_row_numbers_count_the_sorted_rows_across_parts(spark, parts):
    """``row_numbers`` (the read's document numbering, done in the JVM) numbers every row once,
    0 to n-1, in the sort order, whatever the parts and their sizes (some empty)."""
    from pyspark.sql import functions as F

    from copydesk.engines.spark_run import row_numbers

    rng = random.Random(parts)
    keys = [(u, s, f"id-{rng.random():.12f}") for u in range(5) for s in range(rng.randrange(0, 300))]
    rng.shuffle(keys)
    df = spark.createDataFrame(keys, "unit long, seq long, id string").repartition(parts)
    conf = {"spark.sql.shuffle.partitions": str(parts), "spark.sql.adaptive.coalescePartitions.enabled": "false"}
    before = {k: spark.conf.get(k, None) for k in conf}
    for k, v in conf.items():
        spark.conf.set(k, v)
    try:
        sorted_parts = df.orderBy("unit", "seq").select(F.spark_partition_id().alias("p")).distinct().count()
        assert sorted_parts == parts  # the numbering is tested across as many sorted parts
        got = {(r.unit, r.seq): r.idx for r in row_numbers(df, ["unit", "seq"], "idx").collect()}
        assert got == {k: i for i, k in enumerate(sorted((u, s) for u, s, _ in keys))}
        by_id = {r.id: r.rank for r in row_numbers(df, ["id"], "rank").collect()}
        assert by_id == {k: i for i, k in enumerate(sorted(i for _, _, i in keys))}
    finally:
        for k, v in before.items():
            spark.conf.unset(k) if v is None else spark.conf.set(k, v)


def test_row_numbers_of_no_rows(spark):
    from copydesk.engines.spark_run import row_numbers

    df = spark.createDataFrame([], "k string")
    assert row_numbers(df, ["k"], "n").collect() == []
