"""Ctrl+A in a time or a date, then typing: Qt selected the whole text and refused every digit,
keeping the old value without a word (a receptionist saved a weekly lesson at 08:00 that way).
Now the first number is selected, so what is typed is what the field holds."""

from __future__ import annotations

from desk_driver import Desk
from PySide6.QtCore import Qt
from test_desk_tasks import go_to, modal

from studiosync_desktop.ui.dialogs.lesson_dialog import LessonDialog

Key, Mod = Qt.Key, Qt.KeyboardModifier


def test_ctrl_a_then_a_time_and_a_day_in_the_lesson_dialog(desk: Desk) -> None:
    go_to(desk, "calendar")
    desk.shortcut("Ctrl+N")
    dialog = modal(desk, LessonDialog)
    desk.click(dialog.time)
    desk.key(Key.Key_A, Mod.ControlModifier)
    desk.type("1700")
    assert dialog.time.text() == "17:00"
    before = dialog.date.date()
    day = 27 if before.day() != 27 else 26
    desk.click(dialog.date)
    desk.key(Key.Key_A, Mod.ControlModifier)
    desk.type(str(day))
    assert dialog.date.date().day() == day
    assert (dialog.date.date().month(), dialog.date.date().year()) == (
        before.month(),
        before.year(),
    )
    assert str(day) in dialog.date.text()
    desk.key(Key.Key_Escape)
