"""A teacher's Home lists their lessons of earlier days whose attendance is not marked yet, and
one key (Ctrl+I) marks the selected one taught: as the teacher's own login, by clicks and keys."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import text

from studiosync_desktop import login
from studiosync_desktop.db import Database
from studiosync_desktop.services.container import Services
from studiosync_desktop.ui.error_presenter import ErrorPresenter
from studiosync_desktop.ui.main_window import MainWindow
from studiosync_desktop.ui.tabs.today import TodayTab
from studiosync_desktop.ui.task_runner import TaskRunner
from studiosync_desktop.zones import zone_of

TEACHER = "teacher1@demo.studiosync.example"


def _left_unmarked(db: Database, days_ago: int) -> uuid.UUID:
    """The teacher's latest lesson that started `days_ago` days back, put back to scheduled
    (the demo marks every past lesson)."""
    with db.session() as s:
        lesson: uuid.UUID = s.execute(
            text(
                "UPDATE lessons SET status = 'scheduled', is_late_cancel = false WHERE id = ("
                " SELECT le.id FROM lessons le JOIN teachers t ON t.id = le.teacher_id"
                " JOIN users u ON u.id = t.user_id WHERE u.email = :e"
                "  AND le.scheduled_start < now() - make_interval(days => :d)"
                "  AND le.student_id IS NOT NULL"
                " ORDER BY le.scheduled_start DESC LIMIT 1) RETURNING id"
            ),
            {"e": TEACHER, "d": days_ago},
        ).scalar_one()
    return lesson


@pytest.fixture
def teacher_home(qtbot, database_url: str, demo_studio, db: Database) -> Iterator[TodayTab]:  # type: ignore[no-untyped-def]
    person = login.log_in(database_url, TEACHER, "demo-teacher-2026")
    window = MainWindow(
        Services.build(person.db),
        person.actor,
        "test",
        runner=TaskRunner(),
        presenter=ErrorPresenter(interactive=False),
    )
    qtbot.addWidget(window)
    try:
        yield window  # type: ignore[misc]
    finally:
        window.runner.wait(10000)
        window.runner.forget()
        person.db.dispose()


def test_a_teacher_marks_a_lesson_of_last_week_taught_from_home_with_one_key(
    qtbot,  # type: ignore[no-untyped-def]
    db: Database,
    teacher_home: MainWindow,
) -> None:
    lesson = _left_unmarked(db, 6)
    window = teacher_home
    window.show()
    qtbot.waitExposed(window)
    tab = window.current_tab()
    assert isinstance(tab, TodayTab)
    qtbot.waitUntil(lambda: tab.has_loaded, timeout=15000)
    assert tab.board is not None and [r.id for r in tab.board.earlier_unmarked] == [lesson]
    section = tab.panel.sections["unmarked"]
    items = [section.child(i) for i in range(section.childCount())]
    started = tab.board.earlier_unmarked[0].start.astimezone(zone_of(tab.board.timezone))
    line = f"{started:%a %d %b %H:%M}"
    found = [i for i in items if i.text(0).startswith(line)]
    assert len(found) == 1, [i.text(0) for i in items]
    tree = tab.panel.tree
    tree.scrollToItem(found[0])
    qtbot.mouseClick(
        tree.viewport(), Qt.MouseButton.LeftButton, pos=tree.visualItemRect(found[0]).center()
    )
    assert tab.panel.check_in_button.text().replace("&", "") == "Mark taught"
    with qtbot.waitSignal(tab.loaded, timeout=15000):
        qtbot.keyClick(tree, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    with db.session() as s:
        status = s.execute(text("SELECT status FROM lessons WHERE id = :i"), {"i": lesson})
        assert status.scalar_one() == "completed"
    assert not any(shown.startswith(line) for shown in tab.panel.lines("unmarked"))
