"""The ``copydesk`` command: a thin layer over :func:`copydesk.find_reuse` and the report.

``main(argv=None) -> int``; subcommands in :data:`COMMANDS`. Every setting of
:class:`copydesk.config.Config` is a flag generated from the config dataclasses, and overrides
the same setting of a ``--config`` TOML file.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import sys
import typing
from collections.abc import Callable, Iterator, Sequence
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
    run.add_argument("--resume", action="store_true",
                     help="continue a run on -o that was killed: the stages it finished are not redone")
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
    _add_live_parsers(sub)
    report = sub.add_parser("report", help="write the HTML report of an output folder (one self-contained page)")
    report.add_argument("output", type=Path)
    report.add_argument("-o", "--html", type=Path, required=True, help="the HTML file to write")
    report.add_argument("--max-pairs", type=int, default=5000,
                        help="pairs given a side-by-side view, strongest first (default 5000)")
    return parser


def _add_live_parsers(sub: Any) -> None:
    """``index build``, ``index add``, ``query`` and ``serve``: the persistent index (:mod:`copydesk.live`)."""
    index = sub.add_parser("index", help="build a persistent index of a corpus, or add documents to one")
    index_sub = index.add_subparsers(dest="index_command", metavar="{build,add}", required=True)
    build = index_sub.add_parser("build", help="index a corpus: the matches of `run`, kept in one file to add to")
    build.add_argument("inputs", nargs="+", metavar="INPUT", help="as for `copydesk run`")
    build.add_argument("-o", "--output", required=True, type=Path, metavar="INDEX", help="the index file to make")
    build.add_argument("--config", type=Path, help="TOML file of settings (flags override it); fixed for the index")
    build.add_argument("--force", action="store_true", help="replace an existing index")
    build.add_argument("--no-clean", action="store_true", help="match on the whole text: no boilerplate cleaning")
    build.add_argument("-q", "--quiet", action="store_true", help="no progress bars or summary")
    _add_config_flags(build)
    add = index_sub.add_parser("add", help="add documents to an index (one transaction: all or none)")
    add.add_argument("index", type=Path, metavar="INDEX")
    add.add_argument("inputs", nargs="+", metavar="INPUT", help="as for `copydesk run`")
    add.add_argument("--processes", type=int, help="worker processes (default: one per core)")
    add.add_argument("-q", "--quiet", action="store_true", help="no progress bars or summary")

    query = sub.add_parser("query", help="which indexed documents a document copies, excerpts, rewrites or reports")
    query.add_argument("index", type=Path, metavar="INDEX")
    query.add_argument("document", metavar="FILE|-",
                       help="a file as for `copydesk run` (every document in it is queried), or - for stdin: "
                            "JSONL records, or else one plain text")
    query.add_argument("--id", default="-", help="id of a plain text read from stdin (default -)")
    query.add_argument("--source", help="source of a plain text read from stdin")
    query.add_argument("--published", help="publication date of a plain text read from stdin")

    serve = sub.add_parser("serve", help="serve an index over HTTP (JSON API: docs/service.md)")
    serve.add_argument("index", type=Path, metavar="INDEX")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")


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
    result = find_reuse(args.inputs, args.output, config, force=args.force, progress=not args.quiet,
                        resume=args.resume)
    for note in getattr(result, "notes", ()):
        console.print(f"[yellow]note:[/] {_markup_safe(note)}")
    if config.processes > config.workers:
        console.print(f"[yellow]note: --processes {config.processes} was capped at {config.workers}, the number "
                      "of available cores (more workers only cost memory).[/]")
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
    with _reading(args.output):
        show(Console(), args.output, args.limit)
    return EXIT_OK


def _explain(args: argparse.Namespace) -> int:
    from rich.console import Console

    from copydesk.report import explain

    _require_output(args.output)
    with _reading(args.output):
        return EXIT_OK if explain(Console(), args.output, args.id_a, args.id_b) else EXIT_ERROR


@contextlib.contextmanager
def _reading(output: Path) -> Iterator[None]:
    """Turn what a damaged output folder raises (a cut line, a missing field) into one line."""
    try:
        yield
    except (ValueError, KeyError, TypeError, IndexError, AttributeError) as e:
        raise _DamagedOutput(f"{output} is damaged or not a copydesk output ({type(e).__name__}: {e}); "
                             "run `copydesk run` again to rewrite it") from None


def _require_output(path: Path) -> None:
    if not (path / "matches.jsonl").exists():
        raise FileNotFoundError(f"{path} is not a copydesk output folder (no matches.jsonl); run `copydesk run` first")


def _live(command: str) -> Callable[[argparse.Namespace], int]:
    def handler(args: argparse.Namespace) -> int:
        from copydesk.live import cli

        return cli.COMMANDS[command](args, _config)

    return handler


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {"run": _run, "show": _show, "explain": _explain,
                                                           "report": _report}
COMMANDS.update({"index": _live("index"), "query": _live("query"), "serve": _live("serve")})


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 1 not found, 2 bad input or usage)."""
    try:
        parser = _parser()  # imports most of copydesk: the first few hundred milliseconds of a run
        args = parser.parse_args(argv)
    except KeyboardInterrupt:
        print("copydesk: interrupted", file=sys.stderr)
        return 130
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    from copydesk.errors import ConfigError, MissingExtra
    from copydesk.ingest import IngestError
    from copydesk.store import OutputExistsError

    restore = _on_sigterm_interrupt() if args.command == "run" else None
    try:
        return COMMANDS[args.command](args)
    except (ConfigError, IngestError, OutputExistsError, FileNotFoundError) as e:
        print(f"copydesk: error: {_one_line(e)}", file=sys.stderr)
        return EXIT_USAGE
    except MissingExtra as e:  # its message is the pip line to run; any other ImportError is a bug
        print(f"copydesk: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except _Terminated:
        print("copydesk: terminated; no output was written (the partial output was removed)", file=sys.stderr)
        return 128 + 15
    except KeyboardInterrupt:
        print("copydesk: interrupted; no output was written (the partial output was removed)", file=sys.stderr)
        return 130
    except OSError as e:
        print(f"copydesk: error: {_os_error(e, getattr(args, 'output', None))}", file=sys.stderr)
        return EXIT_USAGE
    except _DamagedOutput as e:
        print(f"copydesk: error: {_one_line(e)}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        if restore is not None:
            restore()


# --- one-line errors (issue 12) ----------------------------------------------------------------


class _Terminated(KeyboardInterrupt):
    """SIGTERM, turned into an exception so that the run cleans up as after Ctrl-C."""


class _DamagedOutput(Exception):
    """An output folder whose files do not parse (``show``/``explain``)."""


def _on_sigterm_interrupt() -> Callable[[], None] | None:
    """Make SIGTERM stop the run like Ctrl-C (partial output and its store removed)."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return None

    def stop(signum: int, frame: object) -> None:
        raise _Terminated()

    previous = signal.signal(signal.SIGTERM, stop)
    return lambda: signal.signal(signal.SIGTERM, previous)


def _markup_safe(text: str) -> str:
    from rich.markup import escape

    from copydesk.ingest.safe import printable

    return escape(printable(text))


def _one_line(e: BaseException) -> str:
    from copydesk.ingest.safe import printable

    return printable(" ".join(str(e).split()))


def _os_error(e: OSError, output: Path | None) -> str:
    """An operating-system error as one line: the path, what happened, what to do."""
    import errno

    from copydesk.ingest.safe import printable

    path = e.filename if e.filename is not None else output
    steps = {
        errno.ENOSPC: "the disk is full: free space or write -o to another disk; no output was written",
        errno.EDQUOT: "the disk quota is exhausted: free space or write -o elsewhere; no output was written",
        errno.EROFS: "the file system is read-only: choose an -o on a writable one",
        errno.EACCES: "permission denied: check the permissions of that path, or choose another -o",
        errno.EPERM: "operation not permitted: check the permissions of that path, or choose another -o",
    }
    step = steps.get(e.errno or 0, "check that path and run again")
    where = f"{printable(os.fsdecode(path))}: " if path is not None else ""
    return f"{where}{e.strerror or type(e).__name__}; {step}"


if __name__ == "__main__":
    sys.exit(main())
