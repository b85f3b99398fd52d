"""Layer boundaries: ui never imports SQLAlchemy, the layers below never import Qt."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "studiosync_desktop"


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def offending(folder: str, forbidden: tuple[str, ...]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in sorted((PACKAGE / folder).rglob("*.py")):
        bad = {m for m in imported_modules(path) if m.split(".")[0] in forbidden or m in forbidden}
        bad |= {m for m in imported_modules(path) for f in forbidden if m.startswith(f"{f}.")}
        if bad:
            found[str(path.relative_to(PACKAGE))] = bad
    return found


def test_ui_never_imports_sqlalchemy_models_or_db() -> None:
    forbidden = ("sqlalchemy", "psycopg", "studiosync_desktop.models", "studiosync_desktop.db")
    assert offending("ui", forbidden) == {}


@pytest.mark.parametrize("folder", ["models", "schemas", "services", "reports"])
def test_layers_below_ui_never_import_qt(folder: str) -> None:
    assert offending(folder, ("PySide6", "studiosync_desktop.ui")) == {}


def test_every_top_level_module_has_a_layer_in_the_import_contract() -> None:
    """A module the layers contract does not name is not held to it: a new one must be added."""
    config = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    (layers,) = [c["layers"] for c in contracts if c["type"] == "layers"]
    named = {name.strip() for layer in layers for name in layer.split("|")}
    modules = {p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    modules |= {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    assert modules - named == set()
