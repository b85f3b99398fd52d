"""The desk opens a lesson and reads its note: the note is the teacher's (or an admin's) to
write, so the desk is not handed a form it cannot save. Found in a real window as the desk's
own login: the Notes tab took a whole typed note, then said 'may not write lesson notes'."""

from __future__ import annotations

from desk_driver import Desk
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QPlainTextEdit, QTabWidget

from studiosync_desktop.ui.dialogs.lesson_dialog import LessonDialog
from studiosync_desktop.ui.tabs.today import TodayTab


def _open_a_lesson_from_home(desk: Desk) -> LessonDialog:
    tab = desk.window.current_tab()
    assert isinstance(tab, TodayTab)
    desk.wait_until(lambda: tab.has_loaded and not tab.is_loading)
    tab.grid.setFocus()
    for _ in range(7):  # Ctrl+Right to the next day that has lessons
        if tab.grid._rects:
            break
        desk.shortcut("Ctrl+Right")
        desk.qtbot.wait(50)  # type: ignore[attr-defined]
        desk.wait_until(lambda: not tab.is_loading, timeout=15000)
    rect = tab.grid._rects[0][0]
    tab.grid_scroll.ensureVisible(rect.center().x(), rect.center().y(), 50, 120)
    desk.qtbot.wait(50)  # type: ignore[attr-defined]
    desk.double_click(tab.grid, rect.center())

    def shown() -> LessonDialog | None:
        return next(
            (
                w
                for w in QApplication.topLevelWidgets()
                if isinstance(w, LessonDialog) and w.isVisible()
            ),
            None,
        )

    desk.wait_until(shown)
    dialog = shown()
    assert dialog is not None
    return dialog


def test_the_desk_reads_a_lessons_note_but_is_not_handed_a_note_to_write(desk: Desk) -> None:
    dialog = _open_a_lesson_from_home(desk)
    tabs = dialog.findChild(QTabWidget)
    assert tabs is not None and tabs.count() == 2
    bar = tabs.tabBar()
    desk.click(bar, bar.tabRect(1).center())
    summary = tabs.currentWidget().findChildren(QPlainTextEdit)[0]
    desk.wait_until(summary.isVisible)
    before = summary.toPlainText()
    desk.click(summary)
    desk.type("A whole note the desk typed for nothing")
    assert summary.toPlainText() == before and summary.isReadOnly()
    saves = [b for b in tabs.currentWidget().findChildren(QLabel) if "writes its note" in b.text()]
    assert saves and saves[0].isVisible()
    buttons = [b.text() for b in dialog.findChildren(type(desk.button("Save"))) if b.isVisible()]
    assert "Save &note" not in buttons
    desk.key(Qt.Key.Key_Escape)
