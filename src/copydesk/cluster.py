"""Clusters: connected components by union-find, and the choice of each cluster's representative.

Example:
    >>> uf = UnionFind(4)
    >>> uf.union(0, 1); uf.union(2, 3); uf.union(1, 3)
    >>> uf.find(0) == uf.find(2)
    True
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import numpy as np

__all__ = ["UnionFind", "components", "representative_key"]


class UnionFind:
    """Disjoint sets over ``0..n-1``: iterative find with path halving, union by size.

    No recursion anywhere, so a chain of a million unions cannot overflow the stack.
    """

    def __init__(self, n: int) -> None:
        if n < 0:
            raise ValueError(f"UnionFind size must be non-negative, not {n}")
        self.parent = list(range(n))
        self.size = [1] * n

    def find(self, x: int) -> int:
        """Root of ``x``'s set."""
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        """Merge the sets of ``a`` and ``b``."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        if self.size[ra] < self.size[rb]:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]

    def groups(self) -> list[list[int]]:
        """Every set of two or more members, members ascending, sets by smallest member."""
        by_root: dict[int, list[int]] = {}
        for x in range(len(self.parent)):
            by_root.setdefault(self.find(x), []).append(x)
        return sorted((g for g in by_root.values() if len(g) > 1), key=lambda g: g[0])


def components(n: int, edges: Iterable[tuple[int, int]]) -> list[list[int]]:
    """Connected components with two or more members of the graph on ``0..n-1``."""
    uf = UnionFind(n)
    for a, b in edges:
        uf.union(a, b)
    return uf.groups()


def representative_key(rule: str, ids: Sequence[str], chars: np.ndarray,
                       published: Sequence[str | None]) -> Callable[[int], tuple]:
    """Sort key under which a cluster's representative is its smallest member.

    Rules (see :class:`copydesk.config.ClusterConfig`): ``longest`` (most article characters),
    ``earliest`` (earliest ``published``; unknown dates last), ``smallest_id``. Every rule ends
    on the id, so the choice never depends on input order.
    """
    if rule == "longest":
        return lambda i: (-int(chars[i]), ids[i])
    if rule == "earliest":
        return lambda i: (published[i] is None, published[i] or "", -int(chars[i]), ids[i])
    if rule == "smallest_id":
        return lambda i: (ids[i],)
    raise ValueError(f"unknown representative rule {rule!r}")
