"""Clusters: connected components by union-find, and the choice of each cluster's representative.

Example:
    >>> uf = UnionFind(4)
    >>> uf.union(0, 1); uf.union(2, 3); uf.union(1, 3)
    >>> uf.find(0) == uf.find(2)
    True
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TypeVar

import numpy as np

from copydesk.types import Match

__all__ = ["COPY_KINDS", "UnionFind", "attaching_side", "components", "copy_edges", "representative_key", "story_groups"]

Node = TypeVar("Node", int, str)

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
    if rule in ("longest", "source"):  # "source" is decided by lineage; longest where there is none
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


def story_groups(edges: Iterable[tuple[Node, Node]], copy_of: Mapping[Node, Node], linkage: float) -> list[list[Node]]:
    """Story clusters: the copy clusters merged by average linkage over the matches between them.

    Each copy cluster is one text, so it enters as one node (a document in no copy cluster is
    its own); two nodes are related when any match joins their documents. Then the two closest
    groups merge, again and again, while the share of related pairs among every pair of their
    nodes stays at least ``linkage``. Unlike connected components, a chain of relations (A-B,
    B-C, C-D) does not put A and D together unless the group as a whole holds: a report of one
    event that a reader links to a second event's coverage no longer joins the two events.

    A relation counts 1 whatever its kind or score: the same-story scores of the English model,
    the per-language model and the strong path are not on one scale (a pair admitted on shared
    figures and wording may carry a probability of 0.1), and every match is already a decision.

    Merges never cross a connected component, so the result for one component does not depend
    on the others: the Spark engine calls this once per component, the local engine once for
    the whole graph, and the groups are the same. Ties break on the smallest node, so the
    groups never depend on edge order; the engines pass document ids as nodes, so they do not
    depend on input order either. ``linkage = 0`` gives the connected components.

    Args:
        edges: Related pairs of nodes (any hashable, sortable labels: ints, ids); repeats and
            self-loops are ignored.
        copy_of: Each copy-clustered node's copy-cluster root (any member, the same for all).
        linkage: The smallest share of related node pairs at which two groups still merge.

    Returns:
        Groups of two or more nodes, members ascending, groups by smallest member.

    Example:
        >>> story_groups([(0, 1), (1, 2), (2, 3)], {}, 0.35)  # {0, 1} and {2, 3}: 1 pair of 4
        [[0, 1], [2, 3]]
        >>> story_groups([(0, 1), (1, 2), (2, 3)], {}, 0.0)
        [[0, 1, 2, 3]]
        >>> story_groups([(0, 1), (1, 2), (2, 3)], {1: 1, 2: 1}, 0.35)  # 1 and 2: one text
        [[0, 1, 2, 3]]
    """
    members: dict[Node, set[Node]] = {}
    close: dict[Node, dict[Node, float]] = {}
    for a, b in edges:
        ra, rb = copy_of.get(a, a), copy_of.get(b, b)
        members.setdefault(ra, set()).add(a)
        members.setdefault(rb, set()).add(b)
        if ra != rb:
            close.setdefault(ra, {})[rb] = close.setdefault(rb, {})[ra] = 1.0
    # Average linkage, sparse: a group's row holds its count of related pairs with each neighbour.
    # A group is named by its smallest root; a heap entry is stale once either group has merged.
    roots = {r: [r] for r in members}
    version = dict.fromkeys(members, 0)
    heap = [(-w, r, q, 0, 0) for r, row in close.items() for q, w in row.items() if r < q]
    heapq.heapify(heap)
    while heap:
        neg, g, h, vg, vh = heapq.heappop(heap)
        if -neg < linkage:
            break
        if version.get(g) != vg or version.get(h) != vh:
            continue
        roots[g].extend(roots.pop(h))
        version[g] += 1
        del version[h]
        row, old = close[g], close.pop(h)
        del row[h]
        for k, w in old.items():
            if k != g:
                row[k] = row.get(k, 0.0) + w
                del close[k][h]
        for k, w in row.items():
            close[k][g] = w
            lo, hi = min(g, k), max(g, k)
            heapq.heappush(heap, (-w / (len(roots[g]) * len(roots[k])), lo, hi, version[lo], version[hi]))
    groups = (sorted(x for r in rs for x in members[r]) for rs in roots.values())
    return sorted((g for g in groups if len(g) > 1), key=lambda g: g[0])
