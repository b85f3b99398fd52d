"""A teacher's lesson, opened from their calendar with their own login: they mark it once it
has started, tell the desk about it in a few fixed words, and cannot book, cancel or delete.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from desk_driver import Desk
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMenu, QScrollArea
from sqlalchemy import text

from studiosync_desktop import login
from studiosync_desktop.db import Database
from studiosync_desktop.schemas.demo import DemoSummary
from studiosync_desktop.services.container import Services
from studiosync_desktop.ui.dialogs.lesson_dialog import LessonDialog
from studiosync_desktop.ui.error_presenter import ErrorPresenter
from studiosync_desktop.ui.main_window import MainWindow
from studiosync_desktop.ui.tabs.calendar import CalendarTab
from studiosync_desktop.ui.task_runner import TaskRunner
from studiosync_desktop.vocabulary import TEACHER_NOTICES

TEACHER = "teacher1@demo.studiosync.example"


@pytest.fixture
def teacher(qtbot, database_url: str, demo_studio: DemoSummary) -> Iterator[Desk]:  # type: ignore[no-untyped-def]
    """The main window of a teacher's own login on the demo studio, on the calendar."""
    person = login.log_in(database_url, TEACHER, "demo-teacher-2026")
    presenter = ErrorPresenter(interactive=False)
    services = Services.build(person.db)
    window = MainWindow(services, person.actor, "test", runner=TaskRunner(), presenter=presenter)
    qtbot.addWidget(window)
    at_window = Desk(qtbot, window, presenter, services, person)
    presenter.shown.connect(lambda kind, message: at_window.shown.append((kind, message)))
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    tab = window.current_tab()
    qtbot.waitUntil(lambda: tab.has_loaded and not tab.is_loading, timeout=15000)
    calendar = window.tabs["calendar"]  # the window opens on Today: Ctrl+2, as a person would
    with qtbot.waitSignal(calendar.loaded, timeout=15000):
        window.select_tab("calendar")
    yield at_window
    window.runner.wait(10000)
    window.runner.forget()
    person.db.dispose()


def own_lesson(db: Database, when: str) -> tuple[uuid.UUID, datetime]:
    """Teacher 1's latest lesson that has begun (set back to scheduled), or next one to come."""
    with db.session() as s:
        if when == "begun":
            row = s.execute(
                text(
                    "UPDATE lessons SET status = 'scheduled', actual_start = NULL,"
                    " actual_end = NULL WHERE id = (SELECT l.id FROM lessons l"
                    " JOIN teachers t ON t.id = l.teacher_id JOIN users u ON u.id = t.user_id"
                    " WHERE u.email = :e AND l.scheduled_start < now() AND l.status = 'completed'"
                    " ORDER BY l.scheduled_start DESC LIMIT 1) RETURNING id, scheduled_start"
                ),
                {"e": TEACHER},
            ).one()
        else:
            row = s.execute(
                text(
                    "SELECT l.id, l.scheduled_start FROM lessons l"
                    " JOIN teachers t ON t.id = l.teacher_id JOIN users u ON u.id = t.user_id"
                    " WHERE u.email = :e AND l.scheduled_start > now() + interval '1 hour'"
                    " AND l.status = 'scheduled' ORDER BY l.scheduled_start LIMIT 1"
                ),
                {"e": TEACHER},
            ).one()
    return row[0], row[1]


def open_lesson(teacher: Desk, lesson: uuid.UUID, starts: datetime) -> LessonDialog:
    """Ctrl+Left/Right to the lesson's week, then a double click on its block."""
    tab = teacher.window.tabs["calendar"]
    assert isinstance(tab, CalendarTab)
    # From the week shown (the studio's this week) to the lesson's, in the studio's zone.
    day = tab.clock.local(starts).date()
    weeks = ((day - timedelta(days=day.weekday())) - tab.navigator.start).days // 7
    teacher.wait_until(lambda: tab.choices is not None)  # the calendar is ready for a click
    tab.grid.setFocus()
    for _ in range(abs(weeks)):
        with teacher.qtbot.waitSignal(tab.loaded, timeout=10000):  # type: ignore[attr-defined]
            teacher.shortcut("Ctrl+Right" if weeks > 0 else "Ctrl+Left")
    rect = next(r for r, row in tab.grid._rects if row.id == lesson)
    scroll = tab.grid.parentWidget().parentWidget()  # the viewport's scroll area
    assert isinstance(scroll, QScrollArea)
    scroll.ensureVisible(rect.center().x(), rect.center().y(), 50, 120)  # as a person scrolls
    teacher.qtbot.wait(50)  # type: ignore[attr-defined]
    teacher.double_click(tab.grid, rect.center())
    teacher.wait_until(lambda: isinstance(getattr(tab, "last_dialog", None), LessonDialog))
    dialog = tab.last_dialog
    assert isinstance(dialog, LessonDialog) and dialog.detail is not None
    teacher.wait_until(dialog.isVisible)
    return dialog


def enabled(dialog: LessonDialog) -> dict[str, bool]:
    return {key: b.isEnabled() for key, b in dialog.action_buttons.items()}


def test_a_teacher_tells_the_desk_about_a_coming_lesson_but_cannot_mark_or_cancel_it(
    qtbot, db: Database, teacher: Desk
) -> None:  # type: ignore[no-untyped-def]
    lesson, starts = own_lesson(db, "coming")
    dialog = open_lesson(teacher, lesson, starts)
    detail = dialog.detail
    assert detail is not None  # the form shows this lesson's people, not the lists' first ones
    assert (dialog.teacher.currentText(), dialog.student.person_id()) == (
        detail.teacher_name,
        detail.student_id,
    )
    assert enabled(dialog) == {
        "in_progress": False, "completed": False, "no_show": False, "cancel": False,
        "reopen": False, "delete": False, "tell": True,
    }  # fmt: skip
    assert dialog.action_buttons["completed"].toolTip() == "Once the lesson has started"

    def choose_running_late() -> None:
        menu = QApplication.activePopupWidget()
        assert isinstance(menu, QMenu)
        qtbot.keyClick(menu, Qt.Key.Key_Down)  # the first notice: "Running late"
        qtbot.keyClick(menu, Qt.Key.Key_Return)

    QTimer.singleShot(200, choose_running_late)
    teacher.click(dialog.action_buttons["tell"])
    said = TEACHER_NOTICES["running_late"]
    teacher.wait_until(lambda: dialog.status_label.text().endswith(f"Told the front desk: {said}."))
    assert dialog.status_label.text().startswith(f"<b>{detail.student_name}</b>")
    with db.session() as s:
        told = s.execute(
            text(
                "SELECT u.role, n.link FROM notifications n JOIN users u ON u.id = n.user_id"
                " WHERE n.notification_type = 'teacher_running_late' ORDER BY 1"
            )
        ).all()
    assert [r.role for r in told] == ["admin", "desk"]
    assert {r.link for r in told} == {f"studiosync://lesson/{lesson}"}
    assert teacher.shown == []


def test_a_teacher_completes_their_lesson_once_it_has_begun(
    qtbot, db: Database, teacher: Desk
) -> None:  # type: ignore[no-untyped-def]
    lesson, starts = own_lesson(db, "begun")
    dialog = open_lesson(teacher, lesson, starts)
    assert enabled(dialog)["completed"] and not enabled(dialog)["cancel"]
    teacher.click(dialog.action_buttons["completed"])
    teacher.wait_until(lambda: not dialog.isVisible())
    with db.session() as s:
        status, actual_end = s.execute(
            text("SELECT status, actual_end FROM lessons WHERE id = :i"), {"i": lesson}
        ).one()
    assert status == "completed" and actual_end is not None
    assert teacher.shown == []
