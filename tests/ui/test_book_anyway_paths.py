"""Outside the teacher's hours, every way of putting a lesson there asks the same yes and
keeps it: a drag on the calendar, undo and redo (Ctrl+Z, Ctrl+Shift+Z). As the desk's own
login, whose confirmation of an existing lesson was refused by the database before 0040."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import psycopg
from desk_driver import Desk
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QMessageBox

from studiosync_desktop.embedded import libpq_dsn
from studiosync_desktop.ui.tabs.calendar import CalendarTab

CHICAGO = ZoneInfo("America/Chicago")  # the demo studio's zone


def _owner_row(database_url: str, query: str, *params: object) -> tuple[object, ...] | None:
    with psycopg.connect(libpq_dsn(database_url)) as conn:
        return conn.execute(query, params).fetchone()  # type: ignore[arg-type]


def _lesson_at_seven(desk: Desk) -> tuple[object, object, datetime]:
    """A lesson booked by the desk next week on Tuesday 19:00, its teacher working 18:00-19:30
    that day only."""
    actor, services = desk.person.actor, desk.services
    choices = services.scheduling.choices(actor)
    teacher, student = choices.teachers[0].id, choices.students[0].id
    today = datetime.now(CHICAGO).date()
    tuesday = today - timedelta(days=today.weekday()) + timedelta(days=8)
    start = datetime.combine(tuesday, time(19), CHICAGO)
    days: list[list[dict[str, str]]] = [[] for _ in range(7)]
    days[1] = [{"start": "18:00", "end": "19:30"}]
    services.availability.set_week_hours(actor, teacher, {"days": days})
    lesson = services.scheduling.create_lesson(
        actor,
        {"teacher_id": teacher, "student_id": student, "start": start,
         "end": start + timedelta(minutes=30)},
    )  # fmt: skip
    return lesson.id, teacher, start


def _answer(desk: Desk, box_of: Callable[[], object], button_text: str) -> str:
    """Clicks `button_text` on the question that opened (no error shown instead); its text."""
    desk.wait_until(lambda: isinstance(box_of(), QMessageBox) or bool(desk.shown))
    assert not desk.shown, desk.shown
    box = box_of()
    assert isinstance(box, QMessageBox)
    desk.wait_until(box.isVisible)
    desk.click(next(b for b in box.buttons() if b.text().replace("&", "") == button_text))
    return box.text()


def _keys_to_the_window(desk: Desk) -> None:
    """The main window active (as after a click on it), so its shortcuts take the keys."""
    desk.window.activateWindow()
    desk.wait_until(desk.window.isActiveWindow)


def _where(database_url: str, lesson_id: object) -> tuple[object, ...] | None:
    """The lesson's start, and its confirmation (who, when), as the database holds them."""
    return _owner_row(
        database_url,
        "SELECT l.scheduled_start, o.confirmed_by_id, o.confirmed_at FROM lessons l"
        " LEFT JOIN booking_overrides o ON o.lesson_id = l.id WHERE l.id = %s",
        lesson_id,
    )


def test_a_drag_then_undo_and_redo_outside_hours_ask_and_keep_the_desks_yes(
    desk: Desk, database_url: str
) -> None:
    lesson_id, teacher, seven = _lesson_at_seven(desk)
    eight = seven + timedelta(hours=1)
    tab = desk.window.select_tab("calendar")
    assert isinstance(tab, CalendarTab)
    desk.wait_until(lambda: tab.has_loaded and not tab.is_loading)
    # The teacher's week (one Down from "All teachers"), then next week.
    tab.teacher_filter.setFocus()  # as Tab would reach it
    desk.key(Qt.Key.Key_Down)
    desk.wait_until(lambda: tab.teacher_filter.currentData() == teacher and not tab.is_loading)
    desk.click(tab.navigator.next_button)
    desk.wait_until(
        lambda: not tab.is_loading and any(r.id == lesson_id for _rc, r in tab.grid._rects)
    )
    # Drag the 19:00 lesson an hour down: outside the teacher's 18:00-19:30.
    rect = next(rc for rc, r in tab.grid._rects if r.id == lesson_id)
    tab.grid_scroll.ensureVisible(rect.center().x(), rect.center().y(), 50, 200)
    grid, down = tab.grid, QPoint(0, 4 * tab.grid.slot_height)
    desk.qtbot.mousePress(grid, Qt.MouseButton.LeftButton, pos=rect.center())  # type: ignore[attr-defined]
    desk.qtbot.mouseMove(grid, rect.center() + down)  # type: ignore[attr-defined]
    desk.qtbot.mouseRelease(grid, Qt.MouseButton.LeftButton, pos=rect.center() + down)  # type: ignore[attr-defined]
    said = _answer(desk, lambda: getattr(tab, "last_dialog", None), "Move anyway")
    assert "working hours" in said.lower() or "outside" in said.lower()
    desk.wait_until(lambda: (_where(database_url, lesson_id) or (None,))[0] == eight)
    moved = _where(database_url, lesson_id)
    assert moved is not None and moved[1] == desk.person.actor.user_id  # the desk's yes, kept
    # Ctrl+Z: back to 19:00, inside the hours: nothing to ask.
    history = desk.window.history
    desk.wait_until(lambda: bool(history.undo_stack))
    _keys_to_the_window(desk)  # the question closed: the window has the keys again
    desk.shortcut("Ctrl+Z")
    desk.wait_until(lambda: (_where(database_url, lesson_id) or (None,))[0] == seven)
    # Ctrl+Shift+Z: to 20:00 again, outside: the same question, and the yes recorded again.
    history.last_question = None
    desk.wait_until(lambda: history.redo_stack and not history.busy)  # the undo is done
    _keys_to_the_window(desk)
    desk.shortcut("Ctrl+Shift+Z")
    said = _answer(desk, lambda: history.last_question, "Put back anyway")
    assert "Put the lesson back there anyway?" in said
    desk.wait_until(lambda: (_where(database_url, lesson_id) or (None,))[0] == eight)
    again = _where(database_url, lesson_id)
    assert again is not None and again[1] == desk.person.actor.user_id
    assert again[2] > moved[2]  # confirmed anew (the desk may update its confirmation: 0040)
    assert not desk.shown


def test_leaving_an_undo_outside_hours_unanswered_changes_nothing(
    desk: Desk, database_url: str
) -> None:
    lesson_id, _teacher, seven = _lesson_at_seven(desk)
    eight = seven + timedelta(hours=1)
    actor, services = desk.person.actor, desk.services
    # Moved in hours' time by the desk's own dialog path (confirmed), then undone, then redo
    # asked: Cancel leaves the lesson where it is and the step to try again.
    services.scheduling.move_lesson(actor, lesson_id, eight, eight + timedelta(minutes=30), True)
    history = desk.window.history
    desk.wait_until(lambda: bool(history.undo_stack))
    _keys_to_the_window(desk)
    desk.shortcut("Ctrl+Z")
    desk.wait_until(lambda: (_where(database_url, lesson_id) or (None,))[0] == seven)
    desk.wait_until(lambda: history.redo_stack and not history.busy)  # the undo is done
    _keys_to_the_window(desk)
    desk.shortcut("Ctrl+Shift+Z")
    _answer(desk, lambda: history.last_question, "Cancel")
    desk.qtbot.wait(300)  # type: ignore[attr-defined]
    assert (_where(database_url, lesson_id) or (None,))[0] == seven
    assert history.redo_stack  # still there to redo
