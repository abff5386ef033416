"""Cleaning: the article text inside web pages and scraped text (issue 4).

Cleaning marks spans; it never rewrites the original. Contract with the pipeline
(``copydesk.pipeline`` calls exactly these):

- ``line_keys(text: str, config) -> np.ndarray[uint64]``: per document, in a worker: hashes of
  the document's normalised lines, for corpus-level statistics.
- ``LineStats.build(per_doc: Iterable[tuple[str | None, np.ndarray]], config) -> LineStats``:
  global, from (source, line_keys) of every document; picklable (sent to workers).
- ``clean_document(text, source, stats, config) -> Cleaned``: per document, in a worker;
  ``Cleaned.boilerplate`` and ``Cleaned.segments`` are tuples of :class:`copydesk.types.Span`.
- ``mask(text, spans) -> str``: ``text`` with the spans' characters replaced by spaces.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CleanConfig"]


@dataclass(frozen=True)
class CleanConfig:
    """How site furniture is found and marked.

    Attributes:
        enabled: Mark boilerplate and match on the article text only (``--no-clean`` turns off).
    """

    enabled: bool = True
