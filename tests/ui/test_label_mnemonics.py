"""Every label with a keyboard mnemonic ("&Teacher") has a buddy that takes the focus.

A QLabel without a buddy shows its '&' as a character and its Alt key does nothing: the
lesson dialog said "&Teacher", "St&arts at", "Re&peats". The walk opens every dialog the
window offers (each "…" command of every tab, menu and key, on a selected row) and checks
every label of each dialog as it is shown.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from desk_driver import Desk
from factories import Maker
from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QDialog,
    QLabel,
    QTableView,
    QWidget,
)
from test_desk_tasks import a_lesson_in, double_click_lesson, modal, today_on

from studiosync_desktop.db import Database
from studiosync_desktop.ui.dialogs.lesson_dialog import LessonDialog
from studiosync_desktop.ui.main_window import MainWindow
from studiosync_desktop.ui.palette_commands import collect_commands


def mnemonic(text: str) -> bool:
    """`text` has an '&' that Qt reads as a mnemonic (not '&&', not rich text)."""
    return "&" in text.replace("&&", "") and "<" not in text


def labels_showing_ampersand(top: QWidget) -> list[str]:
    """The visible labels of `top` whose '&' is shown as a character or leads nowhere."""
    wrong = []
    for label in top.findChildren(QLabel):
        if not label.isVisibleTo(top) or not mnemonic(label.text()):
            continue
        buddy = target = label.buddy()
        while target is not None and target.focusProxy() is not None:
            target = target.focusProxy()  # where the focus lands
        no_focus = Qt.FocusPolicy.NoFocus
        if buddy is None or no_focus in (buddy.focusPolicy(), target.focusPolicy()):
            wrong.append(f"{type(top).__name__} {top.windowTitle()!r}: {label.text()!r}")
    return wrong


def letter(text: str) -> str:
    """The mnemonic's letter of `text` ('S&tart': 't'), '' without one."""
    plain = text.replace("&&", "")
    at = plain.find("&")
    return plain[at + 1].lower() if mnemonic(text) and at + 1 < len(plain) else ""


def duplicate_mnemonics(top: QWidget) -> list[str]:
    """Alt+letter used twice among the visible labels and buttons of `top`: Qt then moves the
    focus between them instead of acting ("S&tart" and "&Teacher": Alt+T landed on Start)."""
    used: dict[str, list[str]] = {}
    for widget in top.findChildren(QLabel) + top.findChildren(QAbstractButton):
        if widget.isVisibleTo(top) and (key := letter(widget.text())):
            used.setdefault(key, []).append(widget.text())
    return [
        f"{type(top).__name__} {top.windowTitle()!r}: Alt+{key.upper()} for {', '.join(texts)}"
        for key, texts in sorted(used.items())
        if len(texts) > 1
    ]


class DialogWatcher(QObject):
    """Checks every dialog as it is shown, then closes it (a modal one's loop ends too)."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []
        self.wrong: list[str] = []

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.Show
            and isinstance(watched, QDialog)
            and watched.isWindow()
            and watched.objectName() != "checked"
        ):
            watched.setObjectName("checked")
            self.seen.append(f"{type(watched).__name__} {watched.windowTitle()!r}")
            self.wrong.extend(labels_showing_ampersand(watched))
            self.wrong.extend(duplicate_mnemonics(watched))
            QTimer.singleShot(0, watched.reject)
        return False


@pytest.fixture
def watcher() -> Iterator[DialogWatcher]:
    app = QApplication.instance()
    assert app is not None
    watching = DialogWatcher()
    app.installEventFilter(watching)
    yield watching
    app.removeEventFilter(watching)


def test_every_dialog_label_with_a_mnemonic_has_a_buddy(
    qtbot, window: MainWindow, studio: Maker, watcher: DialogWatcher
) -> None:  # type: ignore[no-untyped-def]
    window.show()
    for key in window.tabs:
        tab = window.select_tab(key)
        qtbot.waitUntil(lambda t=tab: t.has_loaded and not t.is_loading, timeout=15000)  # type: ignore[misc]
    for command in collect_commands(window):
        if not command.title.endswith("…"):
            continue
        tab = window.tabs.get(
            next((k for k, t in window.tabs.items() if t.title == command.area), "")
        )
        if tab is not None:
            window.select_tab(next(k for k, t in window.tabs.items() if t is tab))
            table = getattr(tab, "table", None)
            if isinstance(table, QTableView) and table.model().rowCount():
                table.selectRow(0)
        if not command.enabled:
            continue
        command.run()
        qtbot.wait(50)
    window.runner.wait(5000)
    qtbot.wait(100)
    print("\n".join(watcher.seen))
    assert len(watcher.seen) > 20
    assert watcher.wrong == [], "\n".join(watcher.wrong)


def test_lesson_dialog_alt_keys_reach_their_fields(desk: Desk) -> None:
    desk.shortcut("Ctrl+2")  # the Calendar
    calendar = desk.window.current_tab()
    desk.wait_until(lambda: calendar.has_loaded and not calendar.is_loading)
    desk.shortcut("Ctrl+N")
    desk.wait_until(lambda: isinstance(QApplication.activeModalWidget(), LessonDialog))
    dialog = QApplication.activeModalWidget()
    assert isinstance(dialog, LessonDialog)
    desk.wait_until(dialog.isActiveWindow)
    shown = [label.text() for label in dialog.findChildren(QLabel) if label.isVisible()]
    assert "Starts at" not in shown  # no label spells out its "&"
    for keys, field in (
        ("Alt+A", dialog.time),
        ("Alt+P", dialog.repeat),
        ("Alt+S", dialog.student.edit),
        ("Alt+T", dialog.teacher),
    ):
        desk.shortcut(keys)
        assert QApplication.focusWidget() is field, keys
    desk.key(Qt.Key.Key_Tab)  # and Tab goes on to the next field, not to a row's holder
    assert QApplication.focusWidget() is dialog.band
    dialog.reject()


def test_an_existing_lessons_dialog_uses_each_alt_key_once(desk: Desk, db: Database) -> None:
    """Opened on a booked lesson (its Check in, Complete, Cancel… and Delete buttons show):
    Alt+T went to "S&tart", not to "&Teacher"."""
    lesson = a_lesson_in(desk, db, days=1)
    tab = today_on(desk, lesson["at"].date())
    double_click_lesson(desk, tab.grid, tab.grid_scroll, lesson["id"])
    dialog = modal(desk, LessonDialog)
    assert duplicate_mnemonics(dialog) == []
    desk.shortcut("Alt+T")
    assert QApplication.focusWidget() is dialog.teacher
    dialog.reject()
