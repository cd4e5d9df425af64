"""The library's modules depend on each other one way: no import cycles, counting imports made
inside functions (which hide a cycle from Python but not from a reader), and the library names
no plugin."""

from __future__ import annotations

import ast
from pathlib import Path

import brainscore_audio

PACKAGE = Path(brainscore_audio.__file__).resolve().parent
NAME = PACKAGE.name


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in PACKAGE.rglob("*.py")}


def imports(path: Path, known: set[str]) -> set[str]:
    """Library modules ``path`` imports anywhere in its body (top level and inside functions).

    ``from X import name`` counts as importing ``X.name`` when that is a module, else ``X``.
    Importing a package's submodule does not count as importing the package's ``__init__``.
    """
    me = module_name(path)
    package = me if path.name == "__init__.py" else me.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            for alias in node.names:
                target = f"{source}.{alias.name}"
                found.add(target if target in known else source)
    return {name for name in found if name in known and name != me}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on_stack, out = {}, {}, [], set(), []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return out


def test_the_import_graph_parses_function_level_imports():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    found = imports(PACKAGE / "cli" / "run_cmd.py", set(modules()))
    assert f"{NAME}.registry" in found and f"{NAME}.executors" in found  # the latter: in a function


def test_no_import_cycles_among_library_modules():
    known = modules()
    graph = {name: imports(path, set(known)) for name, path in known.items()}
    assert cycles(graph) == []
