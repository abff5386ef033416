"""The ``copydesk`` command: a thin layer over :func:`copydesk.find_reuse` and the report.

``main(argv=None) -> int``; subcommands in :data:`COMMANDS`. Every setting of
:class:`copydesk.config.Config` is a flag generated from the config dataclasses, and overrides
the same setting of a ``--config`` TOML file.
"""

from __future__ import annotations

import argparse
import re
import sys
import typing
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal

from copydesk import __version__

__all__ = ["main"]

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


def _add_config_flags(parser: argparse.ArgumentParser) -> None:
    from copydesk.config import flag_specs

    group = parser.add_argument_group("settings (also [section] keys of the --config TOML file)")
    for flag, dotted, hint, help_text in flag_specs():
        # The dest is "set:<dotted>" (how _config finds them); argparse would show it, upper-cased,
        # as the metavar ("SET:PROCESSES"), so every flag that takes a value names its own.
        kwargs: dict[str, Any] = {"dest": "set:" + dotted, "default": None, "help": plain_help(help_text),
                                  "metavar": {int: "N", float: "X"}.get(hint, "TEXT")}
        origin = typing.get_origin(hint)
        if hint is bool:
            kwargs["action"] = argparse.BooleanOptionalAction
            del kwargs["metavar"]
        elif origin is Literal:
            kwargs["choices"] = typing.get_args(hint)
            kwargs["metavar"] = "{" + ",".join(map(str, typing.get_args(hint))) + "}"
        elif hint in (int, float):
            kwargs["type"] = hint
        elif origin is tuple:
            kwargs["metavar"] = "A,B,..."
        group.add_argument(flag, **kwargs)


def plain_help(text: str) -> str:
    """A docstring's words as terminal text: Sphinx roles (``:data:`X```, ``:class:`~a.B```) and
    double backticks dropped, the names kept."""
    def name(found: re.Match[str]) -> str:
        target = found.group(1)
        return target[1:].rsplit(".", 1)[-1] if target.startswith("~") else target

    return re.sub(r":[a-z]+:`([^`]+)`", name, text).replace("``", "")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="copydesk",
        description="Find every copy, excerpt and rewrite of a text across a corpus.",
    )
    parser.add_argument("--version", action="version", version=f"copydesk {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="find reuse in a corpus and write the output folder")
    run.add_argument("inputs", nargs="+", metavar="INPUT",
                     help="folders of .txt/.md files, .jsonl(.gz), .html(.gz), .warc(.gz) files, or - for JSONL on stdin")
    run.add_argument("-o", "--output", required=True, help="output folder (or an fsspec URL: s3://bucket/out)")
    run.add_argument("--config", type=Path, help="TOML file of settings (flags override it)")
    run.add_argument("--force", action="store_true", help="replace an existing output folder")
    run.add_argument("--no-clean", action="store_true", help="match on the whole text: no boilerplate cleaning")
    run.add_argument("--spark-master", help="Spark master URL for --engine spark (default local[*])")
    run.add_argument("-q", "--quiet", action="store_true", help="no progress bars or summary")
    run.add_argument("--report", type=Path, metavar="HTML", help="also write the HTML report to this file")
    _add_config_flags(run)

    show = sub.add_parser("show", help="list the clusters of an output folder, largest first")
    show.add_argument("output", type=Path)
    show.add_argument("--limit", type=int, default=20, help="clusters to list (default 20)")

    explain = sub.add_parser("explain", help="why two documents matched: scores and passages side by side")
    explain.add_argument("output", type=Path)
    explain.add_argument("id_a")
    explain.add_argument("id_b")
    report = sub.add_parser("report", help="write the HTML report of an output folder (one self-contained page)")
    report.add_argument("output", type=Path)
    report.add_argument("-o", "--html", type=Path, required=True, help="the HTML file to write")
    report.add_argument("--max-pairs", type=int, default=5000,
                        help="pairs given a side-by-side view, strongest first (default 5000)")
    return parser


def _report(args: argparse.Namespace) -> int:
    from copydesk.html_report import write_report

    _require_output(args.output)
    path = write_report(args.output, args.html, args.max_pairs)
    print(f"wrote {path}", file=sys.stderr)
    return EXIT_OK


def _config(args: argparse.Namespace) -> Any:
    from copydesk.config import Config, with_overrides

    config = Config.from_toml(args.config) if args.config else Config()
    overrides = {k[4:]: v for k, v in vars(args).items() if k.startswith("set:") and v is not None}
    if args.no_clean:
        overrides["clean.enabled"] = False
    return with_overrides(config, overrides) if overrides else config


def _run(args: argparse.Namespace) -> int:
    from rich.console import Console

    from copydesk.pipeline import find_reuse
    from copydesk.report import print_summary

    config = _config(args)
    if args.spark_master:
        import os

        os.environ["COPYDESK_SPARK_MASTER"] = args.spark_master
    console = Console(stderr=True)
    result = find_reuse(args.inputs, args.output, config, force=args.force, progress=not args.quiet)
    if args.report:
        from copydesk.html_report import write_report

        if result.output is None:
            raise FileNotFoundError("--report needs a local output folder; run `copydesk report` on a local copy")
        write_report(result.output, args.report)
    if not args.quiet:
        print_summary(console, result.output or args.output, result.counts, result.timings, result.problems)
        from copydesk.sketch import KERNEL, KERNEL_NOTE

        if KERNEL != "c":
            console.print(f"[yellow]note: MinHash signatures used the numpy kernel ({KERNEL_NOTE}); "
                          "the compiled one is about 3x faster.[/]")
        from copydesk.semantic import resolve_model

        if config.runs("rewrite") and config.rewrite.model == "auto" and resolve_model("auto") == "none":
            console.print("[yellow]note: rewrites were scored by the lexical layer alone: the mpnet model "
                          "is not installed (README, Models).[/]")
    return EXIT_OK


def _show(args: argparse.Namespace) -> int:
    from rich.console import Console

    from copydesk.report import show

    _require_output(args.output)
    show(Console(), args.output, args.limit)
    return EXIT_OK


def _explain(args: argparse.Namespace) -> int:
    from rich.console import Console

    from copydesk.report import explain

    _require_output(args.output)
    return EXIT_OK if explain(Console(), args.output, args.id_a, args.id_b) else EXIT_ERROR


def _require_output(path: Path) -> None:
    if not (path / "matches.jsonl").exists():
        raise FileNotFoundError(f"{path} is not a copydesk output folder (no matches.jsonl); run `copydesk run` first")


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {"run": _run, "show": _show, "explain": _explain,
                                                           "report": _report}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 1 not found, 2 bad input or usage)."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    from copydesk.config import ConfigError
    from copydesk.ingest import IngestError
    from copydesk.store import OutputExistsError

    try:
        return COMMANDS[args.command](args)
    except (ConfigError, IngestError, OutputExistsError, FileNotFoundError) as e:
        print(f"copydesk: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except ImportError as e:  # a missing extra: its message is the pip line to run
        print(f"copydesk: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("copydesk: interrupted; no output was written", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
