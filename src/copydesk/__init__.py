"""copydesk: find every copy, excerpt and rewrite of a text across a corpus.

Example:
    >>> import copydesk
    >>> result = copydesk.find_reuse("samples/news", "out/news", force=True)  # doctest: +SKIP
    >>> result.matches.to_pandas()  # doctest: +SKIP
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

# Public name -> the module that defines it, imported on first use so that `import copydesk`
# stays light (no numpy until used).
_EXPORTS = {
    "find_reuse": "copydesk.pipeline",
    "RunResult": "copydesk.pipeline",
    "align": "copydesk.api",
    "ShortTextWarning": "copydesk.api",
    "MatchList": "copydesk.api",
    "ClusterList": "copydesk.api",
    "load_matches": "copydesk.api",
    "load_clusters": "copydesk.api",
    "Config": "copydesk.config",
    "IngestConfig": "copydesk.config",
    "NearConfig": "copydesk.config",
    "ClusterConfig": "copydesk.config",
    "OutputConfig": "copydesk.config",
    "CleanConfig": "copydesk.clean",
    "PassageConfig": "copydesk.passages.config",
    "RewriteConfig": "copydesk.semantic",
    "StoryConfig": "copydesk.semantic",
    "Match": "copydesk.types",
    "Cluster": "copydesk.types",
    "Passage": "copydesk.types",
    "Span": "copydesk.types",
    "ConfigError": "copydesk.errors",
    "MissingExtra": "copydesk.errors",
    "IngestError": "copydesk.ingest",
    "OutputExistsError": "copydesk.store",
}


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'copydesk' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = ["__version__", *_EXPORTS]
