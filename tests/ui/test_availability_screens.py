"""Working hours on the calendar: booking outside them is said in the dialog, then confirmed."""

from __future__ import annotations

from datetime import datetime, timedelta
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
    qtbot.keyClicks(dialog.student.edit, "Ana")
    qtbot.waitUntil(lambda: dialog.student.person_id() is not None, timeout=10000)
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


def test_find_a_time_lists_free_times_and_enter_opens_the_booking_at_the_one_chosen(
    qtbot, window: MainWindow, studio: Maker, services: Services, admin: Actor
) -> None:  # type: ignore[no-untyped-def]
    from studiosync_desktop.ui.dialogs.find_time import FindTimeDialog

    maya = next(c.id for c in services.scheduling.choices(admin).teachers if c.name == "Maya Chen")
    services.availability.set_week_hours(admin, maya, {"days": WEEKDAYS})
    tab = _tab(qtbot, window)
    tab.find_time_action.trigger()  # Ctrl+Shift+F
    finder = tab.last_dialog
    assert isinstance(finder, FindTimeDialog)
    finder.student.setFocus()  # the person picker, as in the booking dialog
    with qtbot.waitSignal(finder.student.settled, timeout=10000):
        qtbot.keyClicks(finder.student.edit, "Ruis")  # a typo: the roster's search forgives it
    assert finder.student.chosen() is not None and finder.student.chosen().name == "Ana Ruiz"
    assert "Ana Ruiz" in finder.student.note.text()
    finder.teacher.setCurrentIndex(2)  # Maya Chen, after "any of the instrument" and "any"
    finder.minutes.setValue(45)
    with qtbot.waitSignal(finder.found, timeout=10000):
        qtbot.mouseClick(finder.search, Qt.MouseButton.LeftButton)
    first = finder.model.row_at(0)
    assert first.teacher_name == "Maya Chen" and first.end - first.start == timedelta(minutes=45)
    local = first.start.astimezone(NY)
    assert local.weekday() < 5 and 9 <= local.hour < 17
    assert finder.table.hasFocus()
    qtbot.keyClick(finder.table, Qt.Key.Key_Return)
    booking = tab.last_dialog
    assert isinstance(booking, LessonDialog)
    assert booking._start() == first.start and booking.minutes.value() == 45
    assert booking.student.edit.text() == "Ana Ruiz" and booking.student.person_id() is not None
    booking.reject()


def test_time_off_in_the_hours_dialog_lists_the_lessons_and_cancels_them(
    qtbot, window: MainWindow, studio: Maker, services: Services, admin: Actor, db: Database
) -> None:  # type: ignore[no-untyped-def]
    from studiosync_desktop.ui.dialogs.availability import HoursDialog

    tab = _tab(qtbot, window)
    with qtbot.waitSignal(tab.loaded, timeout=10000):
        tab.refresh()
    tab.hours_action.trigger()  # Ctrl+Shift+W
    dialog = tab.last_dialog
    assert isinstance(dialog, HoursDialog)
    qtbot.waitUntil(lambda: dialog.days[0].isEnabled(), timeout=5000)
    dialog.days[0].setFocus()
    qtbot.keyClicks(dialog.days[0], "09:00-12:00, 13:00-18:00")
    qtbot.keyClicks(dialog.days[1], "13:00-11:00")
    qtbot.mouseClick(dialog.save_week, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.week_error.isVisible(), timeout=10000)
    assert "the end comes before the start" in dialog.week_error.text()
    dialog.days[1].clear()
    with qtbot.waitSignal(dialog.changed, timeout=10000):
        qtbot.mouseClick(dialog.save_week, Qt.MouseButton.LeftButton)
    monday = _monday() + timedelta(days=7)  # next Monday: Sam's lesson at 16:00
    dialog.first.setDate(monday)
    dialog.last.setDate(monday)
    qtbot.keyClicks(dialog.reason, "Conference")
    with qtbot.waitSignal(dialog.changed, timeout=10000):
        qtbot.mouseClick(dialog.add, Qt.MouseButton.LeftButton)
    assert dialog.outside.count() == 1 and dialog.cancel_them.isVisible()
    with qtbot.waitSignal(dialog.changed, timeout=10000):
        qtbot.mouseClick(dialog.cancel_them, Qt.MouseButton.LeftButton)
    with db.session() as s:
        row = s.execute(
            text(
                "SELECT status, cancelled_on_behalf_of, cancellation_reason FROM lessons"
                " WHERE scheduled_start >= :a AND scheduled_start < :b"
            ),
            {
                "a": datetime.combine(monday, datetime.min.time(), NY),
                "b": datetime.combine(monday, datetime.min.time(), NY) + timedelta(days=1),
            },
        ).one()
    assert tuple(row) == ("cancelled", "studio", "Conference")


def test_filtered_by_a_teacher_the_week_shades_outside_hours_and_shows_outside_busy_times(
    qtbot, window: MainWindow, studio: Maker, services: Services, admin: Actor
) -> None:  # type: ignore[no-untyped-def]
    from feed_server import calendar, event, stamp

    maya = next(c.id for c in services.scheduling.choices(admin).teachers if c.name == "Maya Chen")
    services.availability.set_week_hours(admin, maya, {"days": WEEKDAYS})
    tuesday = _monday() + timedelta(days=1)
    gig = event(
        "gig",
        f"DTSTART;TZID=America/New_York:{stamp(tuesday)}T190000",
        f"DTEND;TZID=America/New_York:{stamp(tuesday)}T210000",
        "SUMMARY:Jazz club gig",
    )
    services.calendars.import_file(admin, {"name": "Gigs", "teacher_id": maya}, calendar(gig))
    tab = _tab(qtbot, window)
    assert tab.grid.working == {} and tab.grid.busy == []  # the whole studio: nobody's hours
    with qtbot.waitSignal(tab.loaded, timeout=10000):
        tab.teacher_filter.setCurrentIndex(tab.teacher_filter.findText("Maya Chen"))
    nine = datetime.combine(_monday(), datetime.min.time(), NY).replace(hour=9)

    def on(col: int) -> list[tuple[datetime, datetime]]:
        day = tab.grid.columns[col].day
        return [(a, b) for a, b in tab.grid.working[col] if a.astimezone(NY).date() == day]

    assert on(0) == [(nine, nine + timedelta(hours=8))]
    assert on(5) == [] and on(6) == []  # the weekend: all shaded
    [(col, start, _end, label, _colour)] = tab.grid.busy
    assert (col, start.astimezone(NY).hour, label) == (1, 19, "Jazz club gig · Gigs")
    tab.grid.grab()  # painted without a warning


def test_a_weekly_series_after_hours_is_said_then_booked_from_the_dialog(
    qtbot, window: MainWindow, studio: Maker, services: Services, admin: Actor, db: Database
) -> None:  # type: ignore[no-untyped-def]
    maya = next(c.id for c in services.scheduling.choices(admin).teachers if c.name == "Maya Chen")
    services.availability.set_week_hours(admin, maya, {"days": WEEKDAYS})
    tab = _tab(qtbot, window)
    grid = tab.grid
    grid.setFocus()
    grid.cursor_col, grid.cursor_slot = 0, _slot(18)
    qtbot.keyClick(grid, Qt.Key.Key_Return)
    dialog = tab.last_dialog
    assert isinstance(dialog, LessonDialog)
    qtbot.keyClicks(dialog.student.edit, "Ana")
    qtbot.waitUntil(lambda: dialog.student.person_id() is not None, timeout=10000)
    dialog.repeat.setCurrentIndex(1)  # Every week
    dialog.until_on.setChecked(True)
    dialog.until.setDate(_monday() + timedelta(weeks=6))
    save = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.form_error.isVisible(), timeout=10000)
    assert "time(s) of this series need a yes" in dialog.form_error.text()
    with qtbot.waitSignal(dialog.finished, timeout=10000):
        qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    with db.session() as s:
        made = s.scalar(text("SELECT count(*) FROM booking_overrides"))
    assert made >= 1


def test_a_teachers_own_time_zone_is_typed_in_working_hours_and_kept(
    qtbot, window: MainWindow, studio: Maker, services: Services, admin: Actor, db: Database
) -> None:  # type: ignore[no-untyped-def]
    from studiosync_desktop.ui.dialogs.availability import HoursDialog

    tab = _tab(qtbot, window)
    tab.hours_action.trigger()  # Ctrl+Shift+W
    dialog = tab.last_dialog
    assert isinstance(dialog, HoursDialog)
    qtbot.waitUntil(lambda: dialog.zone.isEnabled(), timeout=5000)
    assert dialog.zone.currentText() == ""  # the studio's until set
    edit = dialog.zone.lineEdit()
    edit.setFocus()
    qtbot.keyClicks(edit, "Europe/Berlinn")  # a typo: said, nothing saved
    qtbot.mouseClick(dialog.save_week, Qt.MouseButton.LeftButton)
    assert dialog.week_error.isVisible()
    assert "Europe/Berlinn is not a time zone" in dialog.week_error.text()
    qtbot.keyClick(edit, Qt.Key.Key_Backspace)
    with qtbot.waitSignal(dialog.loaded, timeout=10000):
        qtbot.mouseClick(dialog.save_week, Qt.MouseButton.LeftButton)
    assert not dialog.week_error.isVisible()
    with db.session() as s:
        zone = s.scalar(
            text("SELECT timezone FROM teachers WHERE id = :t"), {"t": dialog.teacher_id}
        )
    assert zone == "Europe/Berlin"
    assert dialog.zone.currentText() == "Europe/Berlin"  # read back
    dialog.reject()
