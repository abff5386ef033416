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

__all__ = ["COPY_KINDS", "UnionFind", "attaching_side", "components", "copy_edges", "representative_key"]

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
      one container, its best (highest score, then Jaccard, then smallest id). A document is
      derived from one text; attaching it to one container, never uniting two, means an
      excerpt can never bridge two unrelated articles that both quote it.
    - A match with one side marked a part (``method`` ends in ``:a_part`` / ``:b_part``: a
      page with another story glued on, a copy of only one of its articles) attaches that
      page the same way, so it never unites the clusters of the two stories it prints. When
      both sides are parts (two pages sharing one of their stories), no edge.
    - ``shared_passages`` and ``same_story``: never. Two documents that each share a paragraph
      with a third are not copies of each other; same-story reports are grouped in story
      clusters only.

    Returns:
        ``(id, id)`` pairs, sorted.
    """
    edges = set()
    best: dict[str, tuple[float, float, str]] = {}
    for m in matches:
        part = attaching_side(m)
        if part is None:
            if m.kind in COPY_KINDS and not _parts(m) == (True, True):
                edges.add((m.a, m.b))
            continue
        whole = m.b if part == m.a else m.a
        rank = (-m.score, -m.jaccard, whole)
        if part not in best or rank < best[part]:
            best[part] = rank
    edges.update((min(p, w), max(p, w)) for p, (_, _, w) in best.items())
    return sorted(edges)


def attaching_side(match: Match) -> str | None:
    """The document that ``match`` attaches to the other (an excerpt, a page copying one of its
    articles), or ``None`` when the match unites both or neither (see :func:`copy_edges`)."""
    if match.kind == "excerpt":
        return match.a if match.containment_a >= match.containment_b else match.b
    if match.kind in COPY_KINDS:
        part_a, part_b = _parts(match)
        if part_a != part_b:
            return match.a if part_a else match.b
    return None


def _parts(match: Match) -> tuple[bool, bool]:
    tags = match.method.split(":")[1:]
    return "a_part" in tags, "b_part" in tags
