"""Connected components of a graph held as a Spark DataFrame: large-star / small-star.

The algorithm of Kiveris et al., "Connected Components in MapReduce and Beyond" (SoCC 2014):
alternate two local rewrites of the edge set until every component is a star around its
smallest node. Each round is two shuffles of the edge set; the number of rounds grows with
``log(n)**2`` in the worst case and is about 5-15 on real similarity graphs and on chains of
a million nodes. Nothing is collected on the driver: the edge set stays distributed and is
checkpointed every round, so the lineage (and a failed task's recomputation) stays one round
deep.

Both rewrites keep the connectivity of the graph and never raise a node's label, so the fixed
point is reached when no node is both the larger end of an edge and the smaller end of
another: then every edge points from a member to the smallest node of its component.

Example:
    >>> edges = spark.createDataFrame([(1, 2), (2, 3), (7, 8)], "src long, dst long")  # doctest: +SKIP
    >>> sorted(map(tuple, connected_components(edges).collect()))  # doctest: +SKIP
    [(1, 1), (2, 1), (3, 1), (7, 7), (8, 7)]
"""

from __future__ import annotations

from typing import Any

__all__ = ["connected_components"]

# A runaway loop (a bug, not a graph) stops here rather than running all night: 2**40 nodes
# converge in far fewer rounds.
MAX_ROUNDS = 200


def connected_components(edges: Any, *, checkpoint: bool = True) -> Any:
    """Label every node of an undirected graph with the smallest node of its component.

    Args:
        edges: DataFrame of ``src long, dst long`` (any orientation, repeats and self-loops
            allowed).
        checkpoint: Checkpoint the edge set every round (needs a checkpoint directory on the
            SparkContext); otherwise a local checkpoint cuts the lineage.

    Returns:
        DataFrame ``node long, root long`` with one row per node that has an edge to another
        node (isolated nodes and self-loops alone are left out); ``root`` is the smallest node
        of the component, so a root labels itself.

    Raises:
        RuntimeError: if the rounds do not converge within :data:`MAX_ROUNDS` (a bug).
    """
    from pyspark.sql import functions as F

    # Oriented hi -> lo, distinct, no self-loops.
    current = (edges.where(F.col("src") != F.col("dst"))
               .select(F.greatest("src", "dst").alias("hi"), F.least("src", "dst").alias("lo"))
               .distinct())
    current = _cut(current, checkpoint)
    for _ in range(MAX_ROUNDS):
        current = _cut(_small_star(_large_star(current)), checkpoint)
        if _is_star_forest(current):
            roots = current.select(F.col("lo").alias("node"), F.col("lo").alias("root")).distinct()
            return current.select(F.col("hi").alias("node"), F.col("lo").alias("root")).unionByName(roots)
    raise RuntimeError(f"connected components did not converge in {MAX_ROUNDS} rounds; please report this graph")


def _large_star(edges: Any) -> Any:
    """Every node links its larger neighbours to the smallest node of its closed neighbourhood."""
    from pyspark.sql import functions as F

    both = edges.select(F.col("hi").alias("u"), F.col("lo").alias("v")).unionByName(
        edges.select(F.col("lo").alias("u"), F.col("hi").alias("v")))
    smallest = both.groupBy("u").agg(F.min("v").alias("m")).select("u", F.least("u", "m").alias("m"))
    return (both.join(smallest, "u").where(F.col("v") > F.col("u"))
            .select(F.col("v").alias("hi"), F.col("m").alias("lo")).distinct())


def _small_star(edges: Any) -> Any:
    """Every node links itself and its smaller neighbours to the smallest of them."""
    from pyspark.sql import functions as F

    smallest = edges.groupBy("hi").agg(F.min("lo").alias("m"))
    joined = edges.join(smallest, "hi")
    own = joined.select(F.col("hi"), F.col("m").alias("lo"))
    others = joined.where(F.col("lo") != F.col("m")).select(F.col("lo").alias("hi"), F.col("m").alias("lo"))
    return own.unionByName(others).distinct()


def _is_star_forest(edges: Any) -> bool:
    """No node is both a member (``hi``) and a centre (``lo``): each component is one star."""
    from pyspark.sql import functions as F

    centres = edges.select(F.col("lo").alias("node")).distinct()
    members = edges.select(F.col("hi").alias("node")).distinct()
    return centres.join(members, "node").limit(1).count() == 0


def _cut(df: Any, checkpoint: bool) -> Any:
    return df.checkpoint(eager=True) if checkpoint else df.localCheckpoint(eager=True)
