"""The index's subcommands (``index build``, ``index add``, ``query``, ``serve``), called by
:mod:`copydesk.cli`, which owns the parser."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from copydesk.live.index import LiveIndex, LiveIndexError, QueryConflict, read_documents
from copydesk.types import Document

__all__ = ["COMMANDS"]

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


def _summary(args: argparse.Namespace, title: str, result: Any) -> None:
    if args.quiet:
        return
    from rich.console import Console
    from rich.table import Table

    console = Console(stderr=True)
    table = Table(title=title, show_header=True, header_style="bold")
    table.add_column("what")
    table.add_column("count", justify="right")
    for what, n in result.counts.items():
        table.add_row(what.replace("_", " "), f"{n:,}")
    table.add_section()
    for step, seconds in result.timings.items():
        table.add_row(f"time: {step}", f"{seconds:.2f} s")
    console.print(table)
    for p in result.problems[:10]:
        console.print(f"[yellow]skipped[/] {p}")
    if len(result.problems) > 10:
        console.print(f"[yellow]… and {len(result.problems) - 10} more problems[/]")


def _index(args: argparse.Namespace, config_of: Callable[[argparse.Namespace], Any]) -> int:
    try:
        if args.index_command == "build":
            index = LiveIndex.create(args.output, config_of(args), force=args.force)
            result = index.add(args.inputs, progress=not args.quiet)
            _summary(args, f"copydesk index build → {args.output}", result)
        else:
            index = LiveIndex(args.index, processes=args.processes)
            result = index.add(args.inputs, progress=not args.quiet)
            _summary(args, f"copydesk index add → {args.index}", result)
    except LiveIndexError as e:
        print(f"copydesk: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_OK


def _stdin_documents(args: argparse.Namespace, index: LiveIndex) -> list[Document]:
    """stdin as JSONL records (when it starts with ``{``), else as one plain text."""
    data = sys.stdin.buffer.read()
    from copydesk.ingest import decode

    text, warnings = decode(data, "<stdin>")
    if text.lstrip().startswith("{"):
        import io

        stdin, sys.stdin = sys.stdin, io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")
        try:
            docs, problems = read_documents(["-"], index.config)
        finally:
            sys.stdin = stdin
        for p in problems:
            print(f"copydesk: skipped {p}", file=sys.stderr)
        return docs
    return [Document(args.id, text, source=args.source, published=args.published, origin="<stdin>",
                     warnings=warnings)]


def _query(args: argparse.Namespace, config_of: Callable[[argparse.Namespace], Any]) -> int:
    try:
        index = LiveIndex(args.index, processes=1)
        if args.document == "-":
            docs = _stdin_documents(args, index)
        else:
            docs, problems = read_documents([args.document], index.config)
            for p in problems:
                print(f"copydesk: skipped {p}", file=sys.stderr)
        found = 0
        for doc in docs:
            answer = index.query(doc)
            found += bool(answer["matches"])
            sys.stdout.write(json.dumps(answer, ensure_ascii=False) + "\n")
    except QueryConflict as e:
        print(f"copydesk: error: {e} (pass --id for stdin, or rename the file)", file=sys.stderr)
        return EXIT_USAGE
    except LiveIndexError as e:
        print(f"copydesk: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    # Like grep: 0 when something matched, 1 when nothing did.
    return EXIT_OK if found else EXIT_ERROR


def _serve(args: argparse.Namespace, config_of: Callable[[argparse.Namespace], Any]) -> int:
    from copydesk.live.service import serve

    try:
        serve(args.index, host=args.host, port=args.port)
    except LiveIndexError as e:
        print(f"copydesk: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_OK


COMMANDS: dict[str, Callable[[argparse.Namespace, Callable[[argparse.Namespace], Any]], int]] = {
    "index": _index, "query": _query, "serve": _serve}
