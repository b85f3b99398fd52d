"""The desk cannot mark next week's lesson taught or a no-show: the dialog says why, the
service refuses in a sentence, and the database refuses the desk's own login too."""

from __future__ import annotations

import pytest
from desk_driver import Desk
from sqlalchemy import text
from test_teacher_lesson_dialog import TEACHER, enabled, open_lesson, own_lesson

from studiosync_desktop.db import Database
from studiosync_desktop.errors import Conflict
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
    assert enabled(dialog)["in_progress"]  # a student who comes early is checked in
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
