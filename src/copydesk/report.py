"""What a person reads in the terminal: the run summary, clusters, and why two documents match."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from copydesk.store import span_bounds
from copydesk.types import Passage

__all__ = ["explain", "find_texts", "known_ids", "load_jsonl", "print_summary", "show", "side_by_side"]


def _safe(value: Any) -> str:
    """An id, path or message as console markup that prints as written: rich markup escaped,
    control characters and terminal escape sequences shown as ``\\xNN`` (issue 12)."""
    from copydesk.ingest.safe import printable

    return escape(printable(str(value)))


def load_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """Records of a JSONL output file."""
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def print_summary(console: Console, output: Path, counts: dict[str, Any], timings: dict[str, float],
                  problems: list[str]) -> None:
    """The closing table of ``copydesk run``."""
    table = Table(title=f"copydesk run → {_safe(output)}", show_header=True, header_style="bold")
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
        console.print(f"[yellow]skipped[/] {_safe(p)}")
    if len(problems) > 10:
        console.print(f"[yellow]… and {len(problems) - 10} more problems: see run.json[/]")


def show(console: Console, output: Path, limit: int = 20) -> None:
    """Matches by kind, then clusters, largest first, fitted to the terminal's width.

    A story cluster whose members are exactly one copy cluster's is not listed again; a story
    cluster lists the copy clusters inside it, then its other members. Ids wrap (never cut).
    """
    from copydesk.pipeline import KIND_RANK

    matches = list(load_jsonl(output / "matches.jsonl"))
    clusters = list(load_jsonl(output / "clusters.jsonl"))
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for m in matches:
        by_kind.setdefault(m["kind"], []).append(m)
    if not matches:
        console.print("No matches: no two documents were found to be related.")
        return
    table = Table(title=f"Matches in {_safe(output)} ({len(matches)}, by kind, strongest first)", header_style="bold",
                  expand=True)
    table.add_column("kind", no_wrap=True)
    table.add_column("score", justify="right", no_wrap=True)
    table.add_column("a", overflow="fold", ratio=1)
    table.add_column("b", overflow="fold", ratio=1)
    for kind in sorted(by_kind, key=lambda k: KIND_RANK.get(k, 99)):
        rows = sorted(by_kind[kind], key=lambda m: (-m["score"], m["a"], m["b"]))
        for m in rows[:limit]:
            table.add_row(kind, f"{m['score']:.3f}", _safe(m["a"]), _safe(m["b"]))
        if len(rows) > limit:
            table.add_row(kind, "", f"… {len(rows) - limit} more {kind} matches (--limit)", "")
        table.add_section()
    console.print(table)

    copies = [c for c in clusters if c["kind"] == "copy"]
    copy_of = {d: c for c in copies for d in c["members"]}
    copy_sets = {frozenset(c["members"]) for c in copies}
    stories = [c for c in clusters if c["kind"] == "story"]
    shown_stories = [c for c in stories if frozenset(c["members"]) not in copy_sets]
    listed = sorted(copies, key=lambda c: (-len(c["members"]), c["id"])) + \
        sorted(shown_stories, key=lambda c: (-len(c["members"]), c["id"]))
    if not listed:
        return
    table = Table(title=f"Clusters in {_safe(output)} ({len(copies)} copy, {len(stories)} story; largest first)",
                  header_style="bold", expand=True)
    table.add_column("cluster", no_wrap=True)
    table.add_column("size", justify="right", no_wrap=True)
    table.add_column("representative", overflow="fold", ratio=1)
    table.add_column("members", overflow="fold", ratio=2)
    for c in listed[:limit]:
        if c["kind"] == "copy":
            others = [m for m in c["members"] if m != c["representative"]]
        else:
            inner = sorted({copy_of[m]["id"] for m in c["members"] if m in copy_of})
            others = inner + [m for m in c["members"] if m not in copy_of and m != c["representative"]]
        shown = ", ".join(map(_safe, others[:6])) + (f", … (+{len(others) - 6})" if len(others) > 6 else "")
        table.add_row(_safe(c["id"]), str(len(c["members"])), _safe(c["representative"]), shown)
    console.print(table)
    hidden = len(stories) - len(shown_stories)
    if hidden:
        console.print(f"{hidden} story cluster(s) hold exactly one copy cluster's members and are not listed again.")
    if len(listed) > limit:
        console.print(f"… {len(listed) - limit} more clusters (--limit)")


def find_texts(output: Path, wanted: set[str]) -> dict[str, str]:
    """Texts of some documents: from the output folder's texts store, from documents.jsonl when
    the run kept them, else read again from the run's inputs (never from stdin)."""
    from copydesk.texts import TEXTS_FILE, TextStore

    found: dict[str, str] = {}
    if (output / TEXTS_FILE).exists():
        with TextStore(output / TEXTS_FILE) as store:
            for doc_id in wanted:
                text = store.text(doc_id)
                if text is not None:
                    found[doc_id] = text
        if len(found) == len(wanted):
            return found
    for record in load_jsonl(output / "documents.jsonl"):
        if record["id"] in wanted and "text" in record:
            found[record["id"]] = record["text"]
    if len(found) == len(wanted) or not (output / "run.json").exists():
        return found
    from copydesk.config import Config
    from copydesk.ingest import STDIN, Problem, read_inputs

    run = json.loads((output / "run.json").read_text(encoding="utf-8"))
    config = Config.from_mapping(run["config"])
    inputs = [i for i in run.get("inputs", []) if i != STDIN and Path(i).exists()]
    for item in read_inputs(inputs, config.ingest):
        if not isinstance(item, Problem) and item.id in wanted:
            found[item.id] = item.text
            if len(found) == len(wanted):
                break
    return found


def known_ids(output: Path, ids: list[str]) -> set[str]:
    """Which of ``ids`` are documents of the run (texts store, else ``documents.jsonl``)."""
    from copydesk.texts import TEXTS_FILE, TextStore

    if (output / TEXTS_FILE).exists():
        with TextStore(output / TEXTS_FILE) as store:
            return {i for i in ids if i in store}
    wanted = set(ids)
    return {r["id"] for r in load_jsonl(output / "documents.jsonl") if r["id"] in wanted}


def side_by_side(text_a: str, text_b: str, passage: Passage) -> tuple[Text, Text]:
    """A passage's two sides with the words that differ highlighted (a's red, b's green)."""
    from copydesk.ingest.safe import printable
    from copydesk.passages.explain import explain_passage

    out_a, out_b = Text(), Text()
    for piece in explain_passage(text_a, text_b, passage):
        differs = piece.op != "equal"
        out_a.append(printable(text_a[piece.a[0] : piece.a[1]]), style="bold red" if differs else None)
        out_b.append(printable(text_b[piece.b[0] : piece.b[1]]), style="bold green" if differs else None)
    return out_a, out_b


def explain(console: Console, output: Path, id_a: str, id_b: str, max_passages: int = 20) -> bool:
    """Why two documents matched: scores, then the aligned passages side by side.

    The two documents are shown in the order given (``id_a`` on the left), whatever the order
    of the match record. Answers from the output folder (its texts store); never reads stdin.

    Returns:
        False when an id is not a document of the run, or the run holds no match between them.
    """
    missing = [i for i in (id_a, id_b) if i not in known_ids(output, [id_a, id_b])]
    if missing:
        for i in missing:
            console.print(f"{i!r} is not a document of the run in {output} (ids are as in documents.jsonl).")
        return False
    a, b = sorted((id_a, id_b))
    match = next((m for m in load_jsonl(output / "matches.jsonl") if m["a"] == a and m["b"] == b), None)
    if match is None:
        console.print(f"No match between {_safe(repr(id_a))} and {_safe(repr(id_b))} in {_safe(output)}: both are documents of the run, "
                      "and they were not found to be related.")
        return False
    flipped = (a, b) != (id_a, id_b)
    head = Table(show_header=False, title=f"{_safe(id_a)}  ↔  {_safe(id_b)}")
    head.add_column(overflow="fold")
    head.add_column(overflow="fold")
    for key in ("kind", "score", "jaccard", "containment_a", "containment_b", "method"):
        label = key
        if flipped and key.startswith("containment_"):
            label = "containment_" + ("b" if key.endswith("a") else "a")
        head.add_row(label, _safe(match[key]))
    head.add_row("passages", str(len(match["passages"])))
    if "direction_basis" in match:
        from copydesk.lineage.records import direction_sentence

        head.add_row("direction", direction_sentence(match))
    console.print(head)
    texts = find_texts(output, {a, b})
    if len(texts) < 2:
        console.print("[yellow]The texts could not be found (not in the output folder, inputs moved or read "
                      "from stdin); run again with this version of copydesk, or with --keep-text.[/]")
        return True
    for k, p in enumerate(match["passages"][:max_passages], 1):
        (sa, ea), (sb, eb) = span_bounds(p["a"]), span_bounds(p["b"])
        if flipped:
            (sa, ea), (sb, eb) = (sb, eb), (sa, ea)
        left, right = side_by_side(texts[id_a], texts[id_b], Passage((sa, ea), (sb, eb), p["kind"], p["score"]))
        table = Table(title=f"passage {k}: {_safe(p['kind'])}, score {_safe(p['score'])}", show_lines=True, expand=True)
        table.add_column(f"{_safe(id_a)} \\[{sa}:{ea}]", ratio=1, overflow="fold")
        table.add_column(f"{_safe(id_b)} \\[{sb}:{eb}]", ratio=1, overflow="fold")
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
