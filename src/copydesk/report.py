"""What a person reads in the terminal: the run summary, clusters, and why two documents match."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from copydesk.types import Passage

__all__ = ["explain", "load_jsonl", "print_summary", "show", "side_by_side"]


def load_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """Records of a JSONL output file."""
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def print_summary(console: Console, output: Path, counts: dict[str, Any], timings: dict[str, float],
                  problems: list[str]) -> None:
    """The closing table of ``copydesk run``."""
    table = Table(title=f"copydesk run → {output}", show_header=True, header_style="bold")
    table.add_column("what")
    table.add_column("count", justify="right")
    rows = [
        ("documents", counts.get("documents", 0)),
        ("empty documents", counts.get("empty_documents", 0)),
        ("documents with warnings", counts.get("documents_with_warnings", 0)),
        ("records skipped (problems)", counts.get("problems", 0)),
    ]
    rows += [(f"matches: {kind}", n) for kind, n in counts.get("matches_by_kind", {}).items()]
    rows += [
        ("copy clusters", counts.get("copy_clusters", 0)),
        ("story clusters", counts.get("story_clusters", 0)),
        ("documents kept", counts.get("kept", 0)),
        ("documents dropped as copies", counts.get("dropped", 0)),
    ]
    for what, n in rows:
        table.add_row(what, f"{n:,}")
    table.add_section()
    for stage, seconds in timings.items():
        table.add_row(f"time: {stage}", f"{seconds:.2f} s")
    console.print(table)
    for p in problems[:10]:
        console.print(f"[yellow]skipped[/] {p}")
    if len(problems) > 10:
        console.print(f"[yellow]… and {len(problems) - 10} more problems: see run.json[/]")


def show(console: Console, output: Path, limit: int = 20) -> None:
    """Clusters of a finished run, largest first."""
    clusters = list(load_jsonl(output / "clusters.jsonl"))
    clusters.sort(key=lambda c: (c["kind"] != "copy", -len(c["members"]), c["id"]))
    if not clusters:
        console.print("No clusters: no two documents were found to be copies of each other.")
        return
    table = Table(title=f"Clusters in {output} ({len(clusters)}, largest first)", header_style="bold")
    for column in ("cluster", "kind", "size", "representative", "members"):
        table.add_column(column)
    for c in clusters[:limit]:
        others = [m for m in c["members"] if m != c["representative"]]
        shown = ", ".join(others[:4]) + (f", … (+{len(others) - 4})" if len(others) > 4 else "")
        table.add_row(c["id"], c["kind"], str(len(c["members"])), c["representative"], shown)
    console.print(table)
    if len(clusters) > limit:
        console.print(f"… {len(clusters) - limit} more (--limit)")


def _find_texts(output: Path, wanted: set[str]) -> dict[str, str]:
    """Texts of some documents: from documents.jsonl when the run kept them, else re-read."""
    found: dict[str, str] = {}
    for record in load_jsonl(output / "documents.jsonl"):
        if record["id"] in wanted and "text" in record:
            found[record["id"]] = record["text"]
    if len(found) == len(wanted):
        return found
    from copydesk.config import Config
    from copydesk.ingest import Problem, read_inputs

    run = json.loads((output / "run.json").read_text(encoding="utf-8"))
    config = Config.from_mapping(run["config"])
    for item in read_inputs(run.get("inputs", []), config.ingest):
        if not isinstance(item, Problem) and item.id in wanted:
            found[item.id] = item.text
            if len(found) == len(wanted):
                break
    return found


def side_by_side(text_a: str, text_b: str, passage: Passage) -> tuple[Text, Text]:
    """A passage's two sides with the words that differ highlighted (a's red, b's green)."""
    from copydesk.passages.explain import explain_passage

    out_a, out_b = Text(), Text()
    for piece in explain_passage(text_a, text_b, passage):
        differs = piece.op != "equal"
        out_a.append(text_a[piece.a[0] : piece.a[1]], style="bold red" if differs else None)
        out_b.append(text_b[piece.b[0] : piece.b[1]], style="bold green" if differs else None)
    return out_a, out_b


def explain(console: Console, output: Path, id_a: str, id_b: str, max_passages: int = 20) -> bool:
    """Why two documents matched: scores, then the aligned passages side by side.

    Returns:
        False when the run holds no match between them.
    """
    a, b = sorted((id_a, id_b))
    match = next((m for m in load_jsonl(output / "matches.jsonl") if m["a"] == a and m["b"] == b), None)
    if match is None:
        console.print(f"No match between {a!r} and {b!r} in {output}.")
        return False
    head = Table(show_header=False, title=f"{a}  ↔  {b}")
    for key in ("kind", "score", "jaccard", "containment_a", "containment_b", "method"):
        head.add_row(key, str(match[key]))
    head.add_row("passages", str(len(match["passages"])))
    console.print(head)
    texts = _find_texts(output, {a, b})
    if len(texts) < 2:
        console.print("[yellow]The texts could not be found again (inputs moved?); run with --keep-text.[/]")
        return True
    for k, p in enumerate(match["passages"][:max_passages], 1):
        (sa, ea), (sb, eb) = p["a"], p["b"]
        left, right = side_by_side(texts[a], texts[b], Passage((sa, ea), (sb, eb), p["kind"], p["score"]))
        table = Table(title=f"passage {k}: {p['kind']}, score {p['score']}", show_lines=True, expand=True)
        table.add_column(f"{a} [{sa}:{ea}]", ratio=1)
        table.add_column(f"{b} [{sb}:{eb}]", ratio=1)
        table.add_row(left, right)
        console.print(table)
    if len(match["passages"]) > max_passages:
        console.print(f"… {len(match['passages']) - max_passages} more passages")
    if match["kind"] == "same_story":
        _print_shared_facts(console, texts[a], texts[b], output, a, b)
    return True


def _print_shared_facts(console: Console, text_a: str, text_b: str, output: Path, a: str, b: str) -> None:
    """Who, where and when two reports of one story share (names, numbers, dates, publication days)."""
    from copydesk.semantic.storyscore import shared_facts

    facts = shared_facts(text_a, text_b)
    published = {d["id"]: d.get("published") for d in load_jsonl(output / "documents.jsonl") if d["id"] in (a, b)}
    table = Table(show_header=False, title="shared facts")
    table.add_row("who / where (names)", ", ".join(facts.names) or "-")
    table.add_row("figures", ", ".join(facts.numbers) or "-")
    when = ", ".join(facts.dates)
    days = [f"{k}: {published[k]}" for k in (a, b) if published.get(k)]
    table.add_row("when", "; ".join(x for x in (when, ", ".join(days) and "published " + ", ".join(days)) if x) or "-")
    console.print(table)
