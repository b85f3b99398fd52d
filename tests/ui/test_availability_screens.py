"""Working hours on the calendar: booking outside them is said in the dialog, then confirmed."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from factories import Maker
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox
from sqlalchemy import text

from studiosync_desktop.db import Database
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services.container import Services
from studiosync_desktop.ui.dialogs.lesson_dialog import LessonDialog
from studiosync_desktop.ui.main_window import MainWindow
from studiosync_desktop.ui.tabs.calendar import CalendarTab
from tests.ui.test_calendar import _monday, _slot, _tab

NY = ZoneInfo("America/New_York")
WEEKDAYS = [[{"start": "09:00", "end": "17:00"}]] * 5 + [[], []]


def test_a_booking_after_hours_is_said_in_the_dialog_and_booked_when_saved_again(
    qtbot, window: MainWindow, studio: Maker, services: Services, admin: Actor, db: Database
) -> None:  # type: ignore[no-untyped-def]
    maya = next(c.id for c in services.scheduling.choices(admin).teachers if c.name == "Maya Chen")
    services.availability.set_week_hours(admin, maya, {"days": WEEKDAYS})
    tab = _tab(qtbot, window)
    assert isinstance(tab, CalendarTab)
    grid = tab.grid
    grid.setFocus()
    grid.cursor_col, grid.cursor_slot = 0, _slot(18)  # Monday 18:00, after Maya's hours
    qtbot.keyClick(grid, Qt.Key.Key_Return)
    dialog = tab.last_dialog
    assert isinstance(dialog, LessonDialog)
    assert dialog.teacher.currentData() == maya  # the studio's one teacher
    dialog.student.setFocus()
    qtbot.keyClicks(dialog.student, "Ana")
    save = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.form_error.isVisible(), timeout=10000)
    assert "outside Maya Chen's working hours (09:00-17:00)" in dialog.form_error.text()
    assert save.text().replace("&", "") == "Book anyway"
    with db.session() as s:
        assert s.scalar(text("SELECT count(*) FROM booking_overrides")) == 0
    with qtbot.waitSignal(dialog.finished, timeout=10000):
        qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    at_18 = datetime.combine(_monday(), datetime.min.time(), NY).replace(hour=18)
    with db.session() as s:
        row = s.execute(
            text(
                "SELECT l.scheduled_start, o.reasons, o.confirmed_by_id FROM booking_overrides o"
                " JOIN lessons l ON l.id = o.lesson_id"
            )
        ).one()
    assert row.scheduled_start == at_18 and row.confirmed_by_id == admin.user_id
    assert "working hours" in row.reasons
