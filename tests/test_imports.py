"""The package's imports: no new import cycle, no new import of another module's private name.

Read from the source with ``ast`` (every import, at module level or inside a function: a lazy
import still ties two modules together). The violations that exist today are listed below with
the work that removes them (issue 11); the lists may only shrink: a new cycle or private import
fails, and so does a listed one that is gone (delete it from the list, so it cannot come back).
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"

# Strongly connected groups of modules, each as a sorted tuple (none left: the pipeline looks
# engines up by name, and the spark-submit entry point is a module of its own).
KNOWN_CYCLES: set[tuple[str, ...]] = set()

# (importing module, imported module, name): none left; the names other modules need are public.
KNOWN_PRIVATE: set[tuple[str, str, str]] = set()


def _modules() -> dict[str, Path]:
    return {
        ".".join(p.relative_to(SRC).with_suffix("").parts).removesuffix(".__init__"): p
        for p in SRC.joinpath("copydesk").rglob("*.py")
    }


def _imports(name: str, path: Path, modules: dict[str, Path]) -> tuple[set[str], set[tuple[str, str]]]:
    """The copydesk modules ``name`` imports, and the private names it takes from them."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets, private = set(), set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets.update(a.name for a in node.names if a.name in modules)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([node.module] if node.module else []))
            if base not in modules:
                continue
            for alias in node.names:
                if f"{base}.{alias.name}" in modules:
                    targets.add(f"{base}.{alias.name}")
                elif _is_extension(base, alias.name):  # a compiled module, a module of its own
                    continue
                else:
                    targets.add(base)
                    if alias.name.startswith("_") and not alias.name.startswith("__"):
                        private.add((base, alias.name))
    targets.discard(name)
    return targets, private


def _is_extension(package: str, name: str) -> bool:
    folder = SRC.joinpath(*package.split("."))
    return any(p.suffix in (".c", ".so", ".pyd") for p in folder.glob(f"{name}.*"))


def _graph() -> tuple[dict[str, set[str]], set[tuple[str, str, str]]]:
    modules = _modules()
    graph, private = {}, set()
    for name, path in modules.items():
        graph[name], taken = _imports(name, path, modules)
        private.update((name, base, attr) for base, attr in taken if base != name)
    return graph, private


def _cycles(graph: dict[str, set[str]]) -> set[tuple[str, ...]]:
    """Strongly connected components of more than one module (Tarjan's algorithm)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), set()

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.add(tuple(sorted(group)))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def _is_package_face(a: str, b: str) -> bool:
    """``a`` is a package that hands on a name of its own submodule ``b`` (not a real tie)."""
    return b.startswith(a + ".")


def test_no_new_import_cycle():
    graph, _ = _graph()
    # A package's __init__ importing its own submodules, which import a sibling through the
    # package, is how packages expose their names: drop those edges before looking for loops.
    graph = {a: {b for b in targets if not _is_package_face(a, b)} for a, targets in graph.items()}
    cycles = _cycles(graph)
    assert cycles - KNOWN_CYCLES == set(), f"new import cycle(s): {sorted(cycles - KNOWN_CYCLES)}"
    assert KNOWN_CYCLES - cycles == set(), f"gone, remove from KNOWN_CYCLES: {sorted(KNOWN_CYCLES - cycles)}"


def test_no_new_private_import():
    _, private = _graph()
    assert private - KNOWN_PRIVATE == set(), f"new private import(s): {sorted(private - KNOWN_PRIVATE)}"
    assert KNOWN_PRIVATE - private == set(), f"gone, remove from KNOWN_PRIVATE: {sorted(KNOWN_PRIVATE - private)}"


def test_the_reader_finds_a_cycle_and_a_private_import(tmp_path, monkeypatch):
    """The checks can fail: a two-module loop and a private import in a throwaway package."""
    pkg = tmp_path / "copydesk"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from copydesk.b import _hidden\n")
    (pkg / "b.py").write_text("def f():\n    from copydesk import a\n_hidden = 1\n")
    monkeypatch.setattr(__import__(__name__), "SRC", tmp_path)
    graph, private = _graph()
    assert _cycles(graph) == {("copydesk.a", "copydesk.b")}
    assert private == {("copydesk.a", "copydesk.b", "_hidden")}
