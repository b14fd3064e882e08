"""The layout holds: one Discord package, a Discord-free core, no import cycles, no lazy imports.

Read from the source (AST), so the rule is checked for every module, not just the imported ones:
- only `bot/discord/` and `cogs/` import `discord`; the core never imports `bot.discord`;
- nothing under `bot/` imports `cogs`, and a cog imports no other cog;
- module-level imports (outside `if TYPE_CHECKING:`) form no cycle;
- no import inside a function (a lazy import is how a cycle gets hidden).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ENTRY_POINTS = {"bot.__main__"}  # starts the Discord runner: the one core-side module allowed to


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _sources() -> dict[str, ast.Module]:
    files = sorted([*(ROOT / "bot").rglob("*.py"), *(ROOT / "cogs").rglob("*.py")])
    return {_module_name(path): ast.parse(path.read_text(), str(path)) for path in files}


SOURCES = _sources()


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imported(module: str, node: ast.Import | ast.ImportFrom) -> list[str]:
    """Full names a statement imports (`from a import b` yields `a.b` when that is a module)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        parts = module.split(".")
        # From a package's __init__, `.` is the package itself; from a module, its parent.
        package = parts[: len(parts) - node.level + (1 if _is_package(module) else 0)]
        base = ".".join([*package, *([node.module] if node.module else [])])
    names = [f"{base}.{alias.name}" for alias in node.names]
    return [name if name in SOURCES else base for name in names]


def _is_package(module: str) -> bool:
    return any(name.startswith(module + ".") for name in SOURCES)


def _imports(module: str, *, runtime_only: bool) -> set[str]:
    found: set[str] = set()

    def visit(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                found.update(_imported(module, node))
            elif isinstance(node, ast.If):
                if not (runtime_only and _is_type_checking(node)):
                    visit(node.body)
                visit(node.orelse)
            elif isinstance(node, ast.Try):
                visit(node.body)
                for handler in node.handlers:
                    visit(handler.body)

    visit(SOURCES[module].body)
    return found


def _core(module: str) -> bool:
    return module.startswith("bot") and not (module == "bot.discord" or module.startswith("bot.discord."))


def _top(name: str) -> str:
    return name.split(".")[0]


@pytest.mark.parametrize("module", sorted(m for m in SOURCES if _core(m) and m not in ENTRY_POINTS))
def test_core_module_imports_no_discord(module: str) -> None:
    imports = _imports(module, runtime_only=False)
    assert not {name for name in imports if _top(name) == "discord"}, f"{module} imports discord"
    assert not {name for name in imports if name.startswith("bot.discord")}, f"{module} imports bot.discord"


@pytest.mark.parametrize("module", sorted(SOURCES))
def test_nothing_imports_another_cog(module: str) -> None:
    imports = {name for name in _imports(module, runtime_only=False) if _top(name) == "cogs"}
    if module.startswith("bot"):
        assert not imports, f"{module} imports {imports}"
    else:  # a cog package may import its own private modules, never another cog
        own = ".".join(module.split(".")[:2])
        assert all(name == own or name.startswith(own + ".") for name in imports), f"{module}: {imports}"


def test_discord_is_imported_only_in_the_discord_layer() -> None:
    importers = {m for m in SOURCES if any(_top(n) == "discord" for n in _imports(m, runtime_only=False))}
    assert importers  # the check below would pass vacuously if the walk found nothing
    outside = {m for m in importers if _core(m)}
    assert outside == set()


def test_no_import_cycle() -> None:
    graph = {m: {n for n in _imports(m, runtime_only=True) if n in SOURCES} for m in SOURCES}
    assert "bot.discord.flows.delivery" in graph["bot.discord.flows.buttons"]  # the walk sees edges
    # A package's __init__ re-exporting its own submodules is not a cycle Python trips on; an
    # edge from a submodule back to its own package's __init__ is ignored for that reason.
    for module, edges in graph.items():
        edges -= {n for n in edges if module.startswith(n + ".")}
    cycles = _cycles(graph)
    assert cycles == [], f"import cycles: {cycles}"


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in sorted(graph[node]):
            if successor not in index:
                connect(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return found


def test_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


@pytest.mark.parametrize("module", sorted(SOURCES))
def test_no_import_inside_a_function(module: str) -> None:
    lazy = [
        f"line {sub.lineno}: {ast.unparse(sub)}"
        for node in ast.walk(SOURCES[module])
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        for sub in ast.walk(node)
        if isinstance(sub, (ast.Import, ast.ImportFrom))
    ]
    assert lazy == []
