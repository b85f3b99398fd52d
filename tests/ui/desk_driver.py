"""Driving the app as a person at the desk does: keys, typed text and clicks, counted.

A desk-task test starts from the main window on the demo studio, logged in as the desk's own
login role, and may only press keys, type into the focused widget and click visible widgets.
`Desk` does exactly that and counts what it did, so each task can say how many interactions
it took (`desk-task NAME: N interactions`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QWidget

from studiosync_desktop import login
from studiosync_desktop.services.container import Services
from studiosync_desktop.ui.error_presenter import ErrorPresenter
from studiosync_desktop.ui.main_window import MainWindow

Mod = Qt.KeyboardModifier


@dataclass
class Desk:
    """One person at the desk: every key, typed field and click goes through here and counts."""

    qtbot: object
    window: MainWindow
    presenter: ErrorPresenter
    services: Services
    person: login.LoggedIn
    interactions: int = 0
    shown: list[tuple[str, str]] = field(default_factory=list)

    # Where a person's keys go, as Qt routes a real key press: an open popup (a completer's
    # list, a combo box's drop-down) first, else the widget with the focus.
    def focused(self) -> QWidget:
        popup = QApplication.activePopupWidget()
        if popup is not None:
            return popup.focusWidget() or popup
        widget = QApplication.focusWidget()
        assert widget is not None, "nothing has the keyboard focus"
        return widget

    def key(self, key: Qt.Key, modifier: Qt.KeyboardModifier = Mod.NoModifier) -> None:
        """One key press (with its modifiers) into the focused widget."""
        self.interactions += 1
        self.qtbot.keyClick(self.focused(), key, modifier)  # type: ignore[attr-defined]

    def shortcut(self, sequence: str) -> None:
        """A window shortcut such as "Ctrl+N": one interaction."""
        from PySide6.QtGui import QKeySequence

        combo = QKeySequence(sequence)[0]
        self.interactions += 1
        target = QApplication.focusWidget() or self.window
        self.qtbot.keyClick(target, combo.key(), combo.keyboardModifiers())  # type: ignore[attr-defined]

    def type(self, text: str) -> None:
        """Typing into the focused field counts once, however long the text."""
        self.interactions += 1
        self.qtbot.keyClicks(self.focused(), text)  # type: ignore[attr-defined]

    def click(self, widget: QWidget, pos: QPoint | None = None) -> None:
        """A left click on a visible widget (at its centre unless told where)."""
        assert widget.isVisible(), f"{widget!r} is not visible: a person could not click it"
        self.interactions += 1
        self.qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=pos or widget.rect().center())  # type: ignore[attr-defined]

    def double_click(self, widget: QWidget, pos: QPoint | None = None) -> None:
        assert widget.isVisible(), f"{widget!r} is not visible: a person could not click it"
        self.interactions += 1
        self.qtbot.mouseDClick(widget, Qt.MouseButton.LeftButton, pos=pos or widget.rect().center())  # type: ignore[attr-defined]

    def button(self, text: str) -> QAbstractButton:
        """The one visible button whose label (without its & mnemonic) is `text`."""
        # A dialog is a top-level window and a child of the window that opened it: once each.
        found = list(
            {
                id(b): b
                for top in QApplication.topLevelWidgets()
                if top.isVisible()
                for b in top.findChildren(QAbstractButton)
                if b.isVisible() and b.text().replace("&", "") == text
            }.values()
        )
        assert len(found) == 1, f"{len(found)} visible buttons say {text!r}"
        return found[0]

    def click_button(self, text: str) -> None:
        self.click(self.button(text))

    def wait_until(self, condition: Callable[[], object], timeout: int = 10000) -> None:
        """Waiting is not an interaction: a person only looks."""
        self.qtbot.waitUntil(lambda: bool(condition()), timeout=timeout)  # type: ignore[attr-defined]

    def report(self, task: str) -> int:
        print(f"desk-task {task}: {self.interactions} interactions")
        return self.interactions
