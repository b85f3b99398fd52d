"""Every action the window offers this person, as the command palette lists them.

Collected from what is on screen, not from a list kept by hand: the tabs this role has, the
window's own keys, the menus (Edit, Account, Tools...) and each tab's buttons and actions. A
button another engineer adds to a tab is in the palette without anyone remembering it; a
role's missing tabs and menus are missing here too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QAbstractButton, QMenu, QPushButton, QToolButton, QWidget

# A tooltip that ends "(Ctrl+M)" names the button's keys.
KEYS_IN_TIP = re.compile(r"\(((?:Ctrl|Alt|Shift|F\d)[^()]*)\)\s*$")
# Arrows and ellipses dress buttons up; the palette matches the words.
DRESSING = re.compile("[\N{BLACK LEFT-POINTING TRIANGLE}\N{BLACK RIGHT-POINTING TRIANGLE}]")


@dataclass(frozen=True)
class Command:
    title: str  # "Record payment…"
    area: str  # where it lives: "Invoices", "Account", "Window"
    keys: str  # "Ctrl+M", or ""
    run: Callable[[], object]
    enabled: bool = True
    why: str = ""  # a disabled command's tooltip: what it needs first

    @property
    def search_text(self) -> str:
        return f"{self.title} {self.area}".lower()


def plain(text: str) -> str:
    """A label as a person reads it: no "&" mnemonics, no arrows, no keys after a tab."""
    text = text.split("\t")[0]
    return DRESSING.sub("", text.replace("&&", "\0").replace("&", "").replace("\0", "&")).strip()


def collect_commands(window: Any) -> list[Command]:
    """The window's commands for this person, tab switching first."""
    found: list[Command] = []
    shown = window.shown_tabs()  # not the tabs of a part the studio switched off
    for number, key in enumerate(shown, start=1):
        keys = f"Ctrl+{number % 10}" if number <= 10 else ""
        title = window.tabs[key].title
        found.append(Command(f"Go to {title}", "Tabs", keys, _go(window, key)))
    for title, keys, slot in window.window_commands():
        found.append(Command(title, "Window", keys, slot))
    for top in window.menuBar().actions():
        menu = top.menu()
        if isinstance(menu, QMenu):
            found.extend(_menu_commands(plain(top.text()), menu, lambda: None))
    for key in shown:
        found.extend(_tab_commands(window, key, window.tabs[key]))
    unique: dict[tuple[str, str], Command] = {}
    for command in found:
        unique.setdefault((command.area, command.title), command)
    return list(unique.values())


def _go(window: Any, key: str) -> Callable[[], object]:
    return lambda: window.select_tab(key)


def _menu_commands(area: str, menu: QMenu, first: Callable[[], object]) -> Iterator[Command]:
    for action in menu.actions():
        sub = action.menu()
        if isinstance(sub, QMenu):
            yield from _menu_commands(area, sub, first)
        elif not action.isSeparator() and action.text() and action.isVisible():
            yield _action_command(area, action, first)


def _action_command(area: str, action: QAction, first: Callable[[], object]) -> Command:
    def run() -> None:
        first()
        action.trigger()

    keys = ", ".join(k.toString() for k in action.shortcuts())
    return Command(
        plain(action.text()), area, keys, run, action.isEnabled(), plain(action.toolTip())
    )


def _tab_commands(window: Any, key: str, tab: QWidget) -> Iterator[Command]:
    """A tab's actions (its menus' items, History...) and its visible buttons."""
    go = _go(window, key)
    for action in tab.actions():
        if action.text() and action.isVisible():
            yield _action_command(tab.title, action, go)  # type: ignore[attr-defined]
    for button in tab.findChildren(QAbstractButton):
        if not isinstance(button, (QPushButton, QToolButton)):
            continue  # check boxes and radio buttons are settings, not actions
        if not button.text() or button.menu() is not None or not button.isVisibleTo(tab):
            continue
        tip = button.toolTip()
        match = KEYS_IN_TIP.search(tip)
        yield Command(
            plain(button.text()),
            tab.title,  # type: ignore[attr-defined]
            match.group(1) if match else "",
            _press(go, button),
            button.isEnabled(),
            plain(KEYS_IN_TIP.sub("", tip)),
        )


def _press(go: Callable[[], object], button: QPushButton | QToolButton) -> Callable[[], object]:
    def run() -> None:
        go()
        button.click()

    return run
