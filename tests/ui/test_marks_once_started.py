"""The desk cannot mark next week's lesson taught or a no-show, nor check it in: the dialog
says why and from when, the service refuses in a sentence, and the database refuses the desk's
own login too. A lesson in progress is never stuck at the desk."""

from __future__ import annotations

import pytest
from desk_driver import Desk
from PySide6.QtWidgets import QDialogButtonBox
from sqlalchemy import text
from test_teacher_lesson_dialog import TEACHER, enabled, open_lesson, own_lesson

from studiosync_desktop.db import Database
from studiosync_desktop.errors import Conflict
from studiosync_desktop.services.permissions import MARK_EARLY
from studiosync_desktop.ui.tabs.calendar import CalendarTab


def test_a_lesson_not_started_is_not_marked_taught(db: Database, desk: Desk) -> None:
    lesson, starts = own_lesson(db, "coming")
    with db.session() as s:
        teacher_name = s.execute(
            text("SELECT first_name || ' ' || last_name FROM users WHERE email = :e"),
            {"e": TEACHER},
        ).scalar_one()
    desk.shortcut("Ctrl+2")
    tab = desk.window.current_tab()
    assert isinstance(tab, CalendarTab)
    desk.wait_until(lambda: tab.has_loaded and not tab.is_loading and tab.choices is not None)
    # Setting up the view: one teacher's lessons, one block per lesson (not under test).
    tab.teacher_filter.setCurrentIndex(tab.teacher_filter.findText(teacher_name))
    desk.wait_until(lambda: tab.teacher_filter.currentText() == teacher_name)
    desk.wait_until(lambda: not tab.is_loading)
    dialog = open_lesson(desk, lesson, starts)
    assert not enabled(dialog)["in_progress"]  # a check-in waits for the lesson too (0058)
    assert not enabled(dialog)["completed"] and not enabled(dialog)["no_show"]
    assert dialog.action_buttons["completed"].toolTip() == "Once the lesson has started"
    dialog.reject()

    with pytest.raises(Conflict, match=r"has not started yet .*marked taught once it has started"):
        desk.services.scheduling.set_status(desk.person.actor, lesson, "completed")
    with (
        desk.person.db.session() as s,  # the desk's own login, past the service
        pytest.raises(Exception, match="once it has started"),
    ):
        s.execute(text("UPDATE lessons SET status = 'no_show' WHERE id = :l"), {"l": lesson})
    with db.session() as s:
        assert (
            s.execute(text("SELECT status FROM lessons WHERE id = :l"), {"l": lesson}).scalar_one()
            == "scheduled"
        )


def lesson_status(db: Database, lesson: object) -> str:
    with db.session() as s:
        found: str = s.execute(
            text("SELECT status FROM lessons WHERE id = :l"), {"l": lesson}
        ).scalar_one()
    return found


def test_the_desk_checks_in_from_a_quarter_hour_before_and_takes_a_check_in_back(
    db: Database, desk: Desk
) -> None:
    """Attack (found at the desk): Calendar, a lesson two days ahead, Start: "Checked in", and
    the lesson was stuck in progress (Complete, No-show, Cancel, Delete and Save disabled,
    Reopen admins' only). Now Start waits for the lesson and the dialog says from when; a
    lesson in progress (as the old rule left some) is taken back with Reopen by the desk."""
    lesson, starts = own_lesson(db, "coming")
    with db.session() as s:
        teacher_name = s.execute(
            text("SELECT first_name || ' ' || last_name FROM users WHERE email = :e"),
            {"e": TEACHER},
        ).scalar_one()
    desk.shortcut("Ctrl+2")
    tab = desk.window.current_tab()
    assert isinstance(tab, CalendarTab)
    desk.wait_until(lambda: tab.has_loaded and not tab.is_loading and tab.choices is not None)
    tab.teacher_filter.setCurrentIndex(tab.teacher_filter.findText(teacher_name))
    desk.wait_until(lambda: not tab.is_loading)
    dialog = open_lesson(desk, lesson, starts)
    opens = tab.clock.local(starts - MARK_EARLY)
    assert not enabled(dialog)["in_progress"]
    assert f"You can check in from {opens:%H:%M}" in dialog.status_label.text()
    assert dialog.action_buttons["in_progress"].toolTip().startswith(f"From {opens:%H:%M}")
    desk.click(dialog.buttons.button(QDialogButtonBox.StandardButton.Close))
    desk.wait_until(lambda: not dialog.isVisible())

    with db.session() as s:  # checked in two days early, as the old rule let the desk
        s.execute(text("SET LOCAL studiosync.audit = 'off'"))
        s.execute(
            text("UPDATE lessons SET status = 'in_progress', actual_start = now() WHERE id = :l"),
            {"l": lesson},
        )
    tab.last_dialog = None  # (the test's own note of which dialog is the new one)
    dialog = open_lesson(desk, lesson, starts)  # the dialog reads the lesson as it is now
    assert dialog.detail is not None and dialog.detail.status == "in_progress"
    assert enabled(dialog) == {
        "in_progress": False, "completed": False, "no_show": False, "cancel": False,
        "reopen": True, "delete": False,
    }  # fmt: skip
    desk.click(dialog.action_buttons["reopen"])
    desk.wait_until(lambda: lesson_status(db, lesson) == "scheduled")
    desk.wait_until(lambda: desk.window.statusBar().currentMessage().startswith("Reopened"))
