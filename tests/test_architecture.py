"""The layout in DESIGN.md, checked: the core knows nothing of Textual, no import cycles,
and the app does not reach into a screen's actions or internals."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).parents[1] / "tui"
CORE = ["api", "qr", "sandbox", "commands", "text.py", "paging.py", "linking.py", "find.py", "services.py",
        "clients.py", "config.py"]


def modules() -> dict[str, Path]:
    found = {}
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imports(path: Path, *, runtime_only: bool = True) -> set[str]:
    """Every module `path` imports (at run time: `if TYPE_CHECKING:` blocks left out)."""
    tree = ast.parse(path.read_text())
    skipped: set[int] = set()
    if runtime_only:
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                skipped |= {id(n) for n in ast.walk(node)}
    found = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_the_core_never_imports_textual() -> None:
    for name, path in modules().items():
        relative = path.relative_to(ROOT).as_posix()
        if any(relative == core or relative.startswith(core + "/") for core in CORE):
            banned = ("textual", "rich") if relative.startswith(("api/", "qr/", "sandbox/")) else ("textual",)
            found = [m for m in imports(path, runtime_only=False) if m.split(".")[0] in banned]
            assert not found, f"{name} imports {found}"


def test_no_import_cycles() -> None:
    mods = modules()
    graph = {name: {m for m in imports(path) if m in mods and m != name} for name, path in mods.items()}
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in graph[node]:
            if state.get(nxt) == 1:
                raise AssertionError("import cycle: " + " -> ".join([*trail, node, nxt]))
            if nxt not in state:
                visit(nxt, [*trail, node])
        state[node] = 2

    for name in graph:
        if name not in state:
            visit(name, [])


def test_screens_do_not_import_the_app_and_the_app_does_not_reach_into_screens() -> None:
    for path in (ROOT / "screens").glob("*.py"):
        assert "tui.app" not in imports(path, runtime_only=False), path.name
    app = ast.parse((ROOT / "app.py").read_text())
    for node in ast.walk(app):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "screen":
            assert node.attr in {"PALETTE", "run_action", "say", "query"}, f"app.py reaches into screen.{node.attr}"
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            assert not node.value.startswith("action_"), "app.py names a screen's action method"
