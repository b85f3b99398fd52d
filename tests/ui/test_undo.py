"""Undo and redo of the desk's calendar changes (Ctrl+Z, Ctrl+Shift+Z), by keys and the mouse."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time, timedelta

import pytest
from desk_driver import Desk
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtWidgets import QApplication, QLineEdit
from sqlalchemy import text

from studiosync_desktop import login
from studiosync_desktop.db import Database
from studiosync_desktop.services.container import Services
from studiosync_desktop.ui.dialogs.lesson_dialog import LessonDialog
from studiosync_desktop.ui.tabs.calendar import CalendarTab
from studiosync_desktop.ui.time_axis import SLOT_MINUTES
from studiosync_desktop.zones import zone_of

ADMIN_EMAIL, ADMIN_PASSWORD = "admin@demo.studiosync.example", "demo-admin-2026"


def _in_db(db: Database, lesson_id: object) -> dict[str, object]:
    with db.session() as s:
        return dict(
            s.execute(
                text("SELECT scheduled_start, status FROM lessons WHERE id = :l"), {"l": lesson_id}
            )
            .mappings()
            .one()
        )


@pytest.fixture
def lesson(desk: Desk) -> dict[str, object]:
    """A demo teacher's lesson tomorrow at 11:00 (a quiet hour of the demo), on the calendar."""
    services, actor = desk.services, desk.person.actor
    zone = zone_of(services.studio.info(actor).timezone)
    tomorrow = datetime.now(zone).date() + timedelta(days=1)
    at = datetime.combine(tomorrow, time(11), zone)
    choices = services.scheduling.choices(actor)
    student = choices.students[1]
    made = services.scheduling.create_lesson(
        actor,
        {
            "teacher_id": choices.teachers[0].id,
            "student_id": student.id,
            "start": at,
            "end": at + timedelta(minutes=30),
        },
    )
    return {"id": made.id, "at": at, "student": student.name}


def _calendar(desk: Desk, day: datetime) -> CalendarTab:
    keys = list(desk.window.tabs)
    tab = desk.window.tabs["calendar"]
    assert isinstance(tab, CalendarTab)
    with desk.qtbot.waitSignal(tab.loaded, timeout=10000):
        desk.shortcut(f"Ctrl+{keys.index('calendar') + 1}")
    while not tab.navigator.start <= day.date() < tab.navigator.start + timedelta(days=7):
        with desk.qtbot.waitSignal(tab.loaded, timeout=10000):
            desk.shortcut("Ctrl+Right")
    return tab


def _drag_down_an_hour(desk: Desk, tab: CalendarTab, lesson_id: object) -> None:
    """A person's drag: press on the block, move, release an hour lower."""
    grid = tab.grid
    rect = next(r for r, row in grid._rects if row.id == lesson_id)
    tab.grid_scroll.ensureVisible(rect.center().x(), rect.center().y(), 50, 200)
    start = QPoint(rect.center())
    end = start + QPoint(0, grid.slot_height * 60 // SLOT_MINUTES)
    desk.qtbot.mousePress(grid, Qt.MouseButton.LeftButton, pos=start)
    desk.qtbot.mouseMove(grid, end)
    desk.qtbot.mouseRelease(grid, Qt.MouseButton.LeftButton, pos=end)
    desk.interactions += 1


@pytest.fixture
def other_desk(database_url: str, desk: Desk) -> Iterator[tuple[login.LoggedIn, Services]]:
    """The administrator, logged in at another desk."""
    person = login.log_in(database_url, ADMIN_EMAIL, ADMIN_PASSWORD)
    yield person, Services.build(person.db)
    person.db.dispose()


def test_ctrl_z_puts_a_dragged_lesson_back_and_ctrl_shift_z_moves_it_again(
    desk: Desk, db: Database, lesson: dict[str, object]
) -> None:
    at, lesson_id = lesson["at"], lesson["id"]
    tab = _calendar(desk, at)  # type: ignore[arg-type]
    _drag_down_an_hour(desk, tab, lesson_id)
    later = at + timedelta(hours=1)  # type: ignore[operator]
    desk.wait_until(lambda: _in_db(db, lesson_id)["scheduled_start"] == later)
    desk.wait_until(lambda: desk.window.history.undo_action.isEnabled())
    assert desk.window.history.undo_action.text().startswith("&Undo moved ")

    desk.shortcut("Ctrl+Z")
    desk.wait_until(lambda: desk.window.statusBar().currentMessage().startswith("Undone"))
    assert _in_db(db, lesson_id)["scheduled_start"] == at
    message = desk.window.statusBar().currentMessage()
    assert message.startswith(f"Undone: moved {lesson['student']}'s lesson from ")
    assert message.endswith(f"to {later:%H:%M}.")  # type: ignore[str-format]
    desk.wait_until(lambda: any(r.id == lesson_id and r.start == at for _rc, r in tab.grid._rects))
    assert desk.window.history.redo_action.text().startswith("&Redo moved ")  # as it was done

    desk.shortcut("Ctrl+Shift+Z")
    desk.wait_until(lambda: desk.window.statusBar().currentMessage().startswith("Redone"))
    assert desk.window.statusBar().currentMessage().startswith("Redone: moved ")
    assert _in_db(db, lesson_id)["scheduled_start"] == later
    assert desk.shown == []  # no message box on the way


def _answer_the_cancel_questions(desk: Desk, reason: str) -> QTimer:
    """Whatever the lesson dialog asks on the way to cancelling: the reason typed, Enter."""
    timer = QTimer()
    timer.setInterval(50)

    def answer() -> None:
        asking = QApplication.activeModalWidget()
        if asking is None or isinstance(asking, LessonDialog):
            return
        focused = QApplication.focusWidget()
        if isinstance(focused, QLineEdit) and not focused.text():
            desk.qtbot.keyClicks(focused, reason)
            desk.interactions += 1
        desk.qtbot.keyClick(asking, Qt.Key.Key_Return)
        desk.interactions += 1

    timer.timeout.connect(answer)
    timer.start()
    return timer


def test_ctrl_z_brings_back_a_cancelled_lesson_and_takes_back_its_make_up_credit(
    desk: Desk, db: Database, lesson: dict[str, object]
) -> None:
    at, lesson_id = lesson["at"], lesson["id"]
    tab = _calendar(desk, at)  # type: ignore[arg-type]
    rect = next(r for r, row in tab.grid._rects if row.id == lesson_id)
    tab.grid_scroll.ensureVisible(rect.center().x(), rect.center().y(), 50, 200)
    desk.double_click(tab.grid, rect.center())
    desk.wait_until(lambda: isinstance(QApplication.activeModalWidget(), LessonDialog))
    answering = _answer_the_cancel_questions(desk, "Family holiday")
    desk.click_button("Cancel lesson…")
    desk.wait_until(lambda: _in_db(db, lesson_id)["status"] == "cancelled")
    answering.stop()
    desk.wait_until(lambda: desk.window.history.undo_action.isEnabled())
    desk.wait_until(lambda: QApplication.activeModalWidget() is None)  # the dialog closed
    desk.window.activateWindow()  # back at the window (offscreen Qt does not do it itself)
    desk.wait_until(desk.window.isActiveWindow)

    desk.shortcut("Ctrl+Z")
    desk.wait_until(lambda: desk.window.statusBar().currentMessage().startswith("Undone"))
    assert _in_db(db, lesson_id)["status"] == "scheduled"
    assert (
        desk.window.statusBar()
        .currentMessage()
        .startswith(
            f"Undone: cancelled {lesson['student']}'s lesson of {at:%a %d %b %H:%M}"  # type: ignore[str-format]
        )
    )
    with db.session() as s:
        credits = s.execute(
            text("SELECT count(*) FROM makeup_credits WHERE source_lesson_id = :l"),
            {"l": lesson_id},
        ).scalar_one()
        cancelled_at = s.execute(
            text("SELECT cancelled_at FROM lessons WHERE id = :l"), {"l": lesson_id}
        ).scalar_one()
    assert credits == 0 and cancelled_at is None


def test_ctrl_z_is_refused_with_the_reason_once_another_desk_changed_the_lesson(
    desk: Desk, db: Database, lesson: dict[str, object], other_desk
) -> None:  # type: ignore[no-untyped-def]
    at, lesson_id = lesson["at"], lesson["id"]
    tab = _calendar(desk, at)  # type: ignore[arg-type]
    _drag_down_an_hour(desk, tab, lesson_id)
    later = at + timedelta(hours=1)  # type: ignore[operator]
    desk.wait_until(lambda: desk.window.history.undo_action.isEnabled())
    admin, services = other_desk
    at_13 = at + timedelta(hours=2)  # type: ignore[operator]
    services.scheduling.move_lesson(admin.actor, lesson_id, at_13, at_13 + timedelta(minutes=30))

    desk.shortcut("Ctrl+Z")
    desk.wait_until(lambda: desk.window.statusBar().currentMessage().startswith("Can't undo"))
    message = desk.window.statusBar().currentMessage()
    assert f"{lesson['student']}'s lesson was changed again at" in message
    assert "undoing would overwrite that change" in message
    assert desk.shown and "was changed again" in desk.shown[-1][1]  # said in a box too
    assert _in_db(db, lesson_id)["scheduled_start"] == at_13  # the other desk's change stays
    assert not desk.window.history.undo_action.isEnabled()  # that step is gone
    assert later != at_13
