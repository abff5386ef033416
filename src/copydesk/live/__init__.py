"""A persistent index of a corpus: built once, added to, queried one document at a time (issue 16).

:class:`LiveIndex` keeps every document's features (cleaning spans, fingerprint, MinHash
signature, passage and story keys), every compared candidate pair with its result, the matches
and the clusters in one SQLite file. An add, or a query of one new document, runs the batch
pipeline's own stage functions (:func:`copydesk.pipeline.analyse`, the candidate generators,
:func:`copydesk.pipeline.compare`, :func:`copydesk.pipeline.make_clusters`) and recomputes the
corpus-level state they depend on, so that the result equals a batch run over the union
(``tests/test_live.py`` checks it). The HTTP service on top is :mod:`copydesk.live.service`.

Example:
    >>> from copydesk.live import LiveIndex  # doctest: +SKIP
    >>> with LiveIndex.create("news.cdx", ["samples/news"]) as index:  # doctest: +SKIP
    ...     print(index.query_text("Heavy rain flooded ...")["matches"])
"""

from copydesk.live.index import LiveIndex, LiveIndexError, QueryConflict

__all__ = ["LiveIndex", "LiveIndexError", "QueryConflict"]
