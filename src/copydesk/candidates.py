"""Candidate pairs: the unverified pairs every generator proposes, and which generators did.

Each generator (exact groups aside: LSH on signatures ``near``, passage postings ``passages``,
story keys ``story``) yields an ``(m, 2)`` array of document indices ``i < j``;
:class:`CandidatePairs` collects them, one :class:`~copydesk.types.Candidate` per pair with the
set of generators that proposed it (the compare stage runs the checks those generators ask for).
The batch run and the live index both collect through it.

Example:
    >>> import numpy as np
    >>> found = CandidatePairs()
    >>> found.add(np.array([[0, 2], [1, 3]]), "near")
    >>> found.add(np.array([[0, 2]]), "passages")
    >>> found.discard(1, 3)
    >>> [(c.a, c.b, sorted(c.methods)) for c in found]
    [(0, 2, ['near', 'passages'])]
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from copydesk.index import unique_pairs
from copydesk.types import Candidate

__all__ = ["CandidatePairs"]


class CandidatePairs:
    """Candidate pairs of document indices (``a < b``) with the generators that proposed each.

    Filled by :meth:`add` while the generators run, then read as :class:`Candidate` records in
    ``(a, b)`` order. Iteration order never depends on the order of the generators or of the
    pairs they gave, so the compare tasks (and their output) do not either.
    """

    __slots__ = ("_methods",)

    def __init__(self) -> None:
        self._methods: dict[tuple[int, int], set[str]] = {}

    def add(self, pairs: np.ndarray, method: str) -> None:
        """Record ``method`` as a proposer of every row of ``pairs`` (``(m, 2)``, ``i < j``, duplicates allowed)."""
        for a, b in unique_pairs(pairs).tolist():
            self._methods.setdefault((a, b), set()).add(method)

    def discard(self, a: int, b: int) -> None:
        """Forget the pair of ``a`` and ``b`` (either order), if present: exact copies need no comparing."""
        self._methods.pop((min(a, b), max(a, b)), None)

    def methods(self, a: int, b: int) -> frozenset[str]:
        """The generators that proposed the pair (empty when none did)."""
        return frozenset(self._methods.get((min(a, b), max(a, b)), ()))

    def documents(self) -> set[int]:
        """Every document index in some pair."""
        return {d for pair in self._methods for d in pair}

    def __len__(self) -> int:
        return len(self._methods)

    def __contains__(self, pair: object) -> bool:
        return pair in self._methods

    def __iter__(self) -> Iterator[Candidate]:
        for (a, b), methods in sorted(self._methods.items()):
            yield Candidate(a, b, frozenset(methods))
