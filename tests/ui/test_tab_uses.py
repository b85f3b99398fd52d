"""Each tab declares the services it uses (`uses`), and its `services` offers only those: read
from the source (ast), a service a tab's code reaches, itself or through a dialog or helper it
hands its services (or itself) to, must be declared, and a declared one must be used."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

from studiosync_desktop.services.container import SERVICE_NAMES, Services
from studiosync_desktop.ui.studio_context import ServiceView

ROOT = Path(__file__).resolve().parents[2]
TABS = ROOT / "studiosync_desktop" / "ui" / "tabs"
HOLDERS = {"services", "_services"}  # how code names the services it was handed


@cache
def parsed(module: str) -> ast.Module:
    path = ROOT.joinpath(*module.split(".")).with_suffix(".py")
    return ast.parse(path.read_text(encoding="utf-8"))


def holds_services(node: ast.expr) -> bool:
    """`services`, `self.services`, `tab.services` (the whole Services, handed on)."""
    if isinstance(node, ast.Name):
        return node.id in HOLDERS
    return isinstance(node, ast.Attribute) and node.attr in HOLDERS


def definition(module: str, name: str) -> tuple[str, ast.AST] | None:
    """Where `name`, as seen from `module`, is defined in this program (class or function)."""
    tree = parsed(module)
    for node in tree.body:
        if isinstance(node, ast.ClassDef | ast.FunctionDef) and node.name == name:
            return module, node
    for node in ast.walk(tree):  # imports at the top and inside functions
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("studiosync_"):
            for alias in node.names:
                if (alias.asname or alias.name) == name and node.module:
                    return definition(node.module, alias.name)
    return None


def services_used(module: str, node: ast.AST, handed: set[str], seen: set[str]) -> set[str]:
    """The service names `node`'s code reads off its services, and those read by what it
    calls with its services (or with one of the names in `handed`: the tab itself)."""
    used: set[str] = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Attribute) and holds_services(sub.value):
            used.add(sub.attr)
        if not isinstance(sub, ast.Call):
            continue
        args = [*sub.args, *(k.value for k in sub.keywords)]
        passes = any(
            holds_services(a) or (isinstance(a, ast.Name) and a.id in handed) for a in args
        )
        if not passes:
            continue
        callee = sub.func
        if isinstance(callee, ast.Attribute) and (
            ast.unparse(callee.value) == "self" or callee.attr in {"run", "connect"}
        ):
            continue  # the class's own method (read with it), the runner, a signal
        if isinstance(callee, ast.Name) and callee.id == "narrow":
            continue  # the tab's view itself, over the whole Services
        name = callee.id if isinstance(callee, ast.Name) else ast.unparse(callee)
        found = definition(module, name) if isinstance(callee, ast.Name) else None
        if found is None:
            if any(holds_services(a) for a in args):
                pytest.fail(f"{module}: services handed to {name}, which this test cannot read")
            continue  # the tab handed as a parent to Qt, a layout, a plain helper
        key = f"{found[0]}.{name}"
        if key not in seen:
            seen.add(key)
            used |= services_used(found[0], found[1], {"tab"}, seen)
    return used


def tab_classes() -> list[tuple[str, ast.ClassDef]]:
    found = []
    for path in sorted(TABS.glob("*.py")):
        module = f"studiosync_desktop.ui.tabs.{path.stem}"
        for node in parsed(module).body:
            if isinstance(node, ast.ClassDef) and (
                node.name == "DataTab" or any(ast.unparse(b).endswith("Tab") for b in node.bases)
            ):
                found.append((module, node))
    return found


def declared(cls: ast.ClassDef) -> set[str]:
    for node in cls.body:
        target = node.target if isinstance(node, ast.AnnAssign) else None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
        if isinstance(target, ast.Name) and target.id == "uses" and node.value is not None:
            value = ast.literal_eval(node.value)
            assert isinstance(value, tuple), f"{cls.name}.uses is a tuple of names"
            return set(value)
    return set()


def test_every_tab_module_has_its_tab() -> None:
    names = {cls.name for _module, cls in tab_classes()}
    assert "DataTab" in names and "CalendarTab" in names and "InvoicesTab" in names
    assert len(names) == len(list(TABS.glob("*.py"))) - 1  # all but __init__


@pytest.mark.parametrize("module, cls", tab_classes(), ids=lambda v: getattr(v, "name", "tab"))
def test_a_tab_declares_exactly_the_services_it_uses(module: str, cls: ast.ClassDef) -> None:
    used = services_used(module, cls, {"self"}, set())
    uses = declared(cls)
    assert uses <= set(SERVICE_NAMES), f"{cls.name}.uses names no service: {uses}"
    assert not used - uses, f"{cls.name} uses {sorted(used - uses)} without declaring them"
    assert not uses - used, f"{cls.name} declares {sorted(uses - used)} but never uses them"


def test_an_undeclared_service_is_refused_with_a_sentence_for_the_developer() -> None:
    view = ServiceView(Services.__new__(Services), ["rooms"], "RoomsTab")
    with pytest.raises(AttributeError, match=r"RoomsTab does not declare the service 'billing'"):
        _ = view.billing
    with pytest.raises(AttributeError):
        _ = view._lock
