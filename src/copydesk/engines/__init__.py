"""Engines move records between the pure stage functions of :mod:`copydesk.pipeline`.

``local`` runs them in a process pool on one machine; ``spark`` on an Apache Spark cluster.
Both call the same functions, so both give the same answer. Engines other than the local one
are looked up here by name, so that the pipeline never imports them (nor Spark).
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["ENGINES", "engine_runner"]

# config.engine -> "module:function" running a whole run with that engine; the function takes
# (inputs, output, config, *, force, progress, resume) and returns a RunResult. "local" is the pipeline.
ENGINES = {"spark": "copydesk.engines.spark:find_reuse_spark"}


def engine_runner(name: str) -> Any:
    """The run function of engine ``name`` (imported on first use)."""
    module, _, function = ENGINES[name].partition(":")
    return getattr(importlib.import_module(module), function)
