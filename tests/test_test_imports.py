"""The tests import their helpers one way: by the helper's own name (`from factories import
Maker`), never as `tests.factories` too (two names load a module twice: two Maker classes, two
fake servers' state), and never from a conftest (pytest loads those itself)."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).parent
HELPERS = {
    p.stem for p in TESTS.glob("*.py") if not p.stem.startswith("test_") and p.stem != "conftest"
}


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
    return found


def test_helpers_are_imported_by_their_own_name_and_conftests_not_at_all() -> None:
    assert {"factories", "desks", "stripe_server", "smtp_server"} <= HELPERS
    wrong = [
        f"{path.relative_to(TESTS)}:{line}: {module}"
        for path in sorted(TESTS.rglob("*.py"))
        for line, module in _imports(path)
        if module.split(".")[-1] == "conftest"
        or (module.startswith("tests.") and module.split(".")[1] in HELPERS)
    ]
    assert wrong == [], "import a tests/ helper by its own name: `from factories import Maker`"
