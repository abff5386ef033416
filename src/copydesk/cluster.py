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

from copydesk.types import Match

__all__ = ["COPY_KINDS", "UnionFind", "components", "copy_edges", "representative_key"]

COPY_KINDS = ("exact", "near_duplicate", "rewrite")
"""Relations that make two documents one text (copy-cluster edges in both directions)."""


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


def copy_edges(matches: Iterable[Match]) -> list[tuple[str, str]]:
    """The edges whose connected components are the copy clusters.

    - ``exact``, ``near_duplicate`` and ``rewrite`` matches: both documents are one text.
    - ``excerpt`` matches: the excerpt (the side with the higher containment) *attaches* to
      one container, its best (highest score, then smallest id). A document is derived from one
      text; attaching it to one container, never uniting two, means an excerpt can never bridge
      two unrelated articles that both quote it.
    - ``shared_passages`` and ``same_story``: never. Two documents that each share a paragraph
      with a third are not copies of each other; same-story reports are grouped in story
      clusters only.

    Returns:
        ``(id, id)`` pairs, sorted.
    """
    edges = set()
    best: dict[str, tuple[float, str]] = {}
    for m in matches:
        if m.kind in COPY_KINDS:
            edges.add((m.a, m.b))
        elif m.kind == "excerpt":
            part, whole = (m.a, m.b) if m.containment_a >= m.containment_b else (m.b, m.a)
            current = best.get(part)
            if current is None or (-m.score, whole) < (-current[0], current[1]):
                best[part] = (m.score, whole)
    edges.update((min(p, w), max(p, w)) for p, (_, w) in best.items())
    return sorted(edges)
