"""``spark-submit`` entry point: the arguments of ``copydesk run``, the engine forced to spark.

A file of its own so that the Spark engine never imports the command line (the command line
imports the pipeline, which looks the engine up by name). Submit this file (see
``docs/spark.md``)::

    spark-submit --master yarn "$(python -c 'import copydesk.engines.submit as s; print(s.__file__)')" \\
        INPUT... -o OUT
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from copydesk.cli import main as cli_main

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``copydesk run ARGS --engine spark``; returns the exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "run":
        args = args[1:]
    return cli_main(["run", *args, "--engine", "spark"])


if __name__ == "__main__":
    sys.exit(main())
