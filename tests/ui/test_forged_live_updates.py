"""Live-update payloads are hints: a forged NOTIFY shows a teacher nothing they may not see.

PostgreSQL lets any login NOTIFY any channel. A teacher's own login sends payloads naming
another teacher's lessons, invoices and students on the channel every desk listens to; the
teacher's window re-reads through its own login and shows only what it showed before. A
malformed payload is ignored rather than taken as "reload everything".
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from sqlalchemy import text

from studiosync_desktop import login
from studiosync_desktop.db import Database
from studiosync_desktop.embedded import libpq_dsn
from studiosync_desktop.schemas.demo import DemoSummary
from studiosync_desktop.services.container import Services
from studiosync_desktop.services.live import CHANNEL
from studiosync_desktop.ui.error_presenter import ErrorPresenter
from studiosync_desktop.ui.live_updates import LiveUpdates
from studiosync_desktop.ui.main_window import MainWindow
from studiosync_desktop.ui.task_runner import TaskRunner

TEACHER = "teacher1@demo.studiosync.example"
PASSWORD = "demo-teacher-2026"


@pytest.fixture
def teacher_window(
    qtbot, database_url: str, demo_studio: DemoSummary
) -> Iterator[tuple[MainWindow, LiveUpdates, list[tuple[str, str]], str]]:  # type: ignore[no-untyped-def]
    person = login.log_in(database_url, TEACHER, PASSWORD)
    presenter = ErrorPresenter(interactive=False)
    shown: list[tuple[str, str]] = []
    presenter.shown.connect(lambda kind, message: shown.append((kind, message)))
    live = LiveUpdates(person.db.url)
    window = MainWindow(
        Services.build(person.db), person.actor, "test", runner=TaskRunner(), presenter=presenter,
        live=live,
    )  # fmt: skip
    qtbot.addWidget(window)
    live.start()
    assert live.listener.connected.wait(5)
    yield window, live, shown, person.db.url
    live.stop()
    window.runner.wait(10000)
    window.runner.forget()
    person.db.dispose()


def forge(login_url: str, *payloads: str) -> None:
    """NOTIFY as the teacher's own login (its URL carries its password), as psql would."""
    with psycopg.connect(libpq_dsn(login_url), autocommit=True) as conn:
        for payload in payloads:
            conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, payload))


def not_theirs(db: Database, teacher_email: str) -> dict[str, Any]:
    """Ids the teacher may not see: a colleague's lesson and student, an invoice."""
    with db.session() as s:
        row = s.execute(
            text(
                "SELECT l.id AS lesson, l.student_id AS student, u.db_role AS login,"
                " (SELECT id FROM invoices LIMIT 1) AS invoice"
                " FROM users u JOIN teachers t ON t.user_id = u.id"
                " JOIN lessons l ON l.teacher_id <> t.id AND l.student_id IS NOT NULL"
                " AND l.student_id NOT IN (SELECT id FROM students WHERE primary_teacher_id = t.id)"
                " AND NOT EXISTS (SELECT 1 FROM lessons x"
                "                  WHERE x.teacher_id = t.id AND x.student_id = l.student_id)"
                " WHERE u.email = :e LIMIT 1"
            ),
            {"e": teacher_email},
        ).one()
    return dict(row._mapping)


def test_a_forged_change_notice_shows_a_teacher_nothing_new(
    qtbot, db: Database, teacher_window
) -> None:  # type: ignore[no-untyped-def]
    window, _live, shown, login_url = teacher_window
    ids = not_theirs(db, TEACHER)
    calendar, roster = window.tabs["calendar"], window.tabs["roster"]
    assert "invoices" not in window.tabs
    with qtbot.waitSignal(calendar.loaded, timeout=15000):
        window.select_tab("calendar")
        window.show()
    before = sorted((r.id, r.teacher_name) for _rect, r in calendar.grid._rects)
    assert before and {name for _id, name in before} == {before[0][1]}  # only their own
    forged = [
        {"table": "lessons", "op": "update", "ids": [str(ids["lesson"])]},
        {"table": "invoices", "op": "insert", "ids": [str(ids["invoice"])]},
        {"table": "students", "op": "update", "ids": [str(ids["student"])]},
    ]
    with qtbot.waitSignal(calendar.loaded, timeout=10000):
        forge(login_url, *(json.dumps(p) for p in forged))
    after = sorted((r.id, r.teacher_name) for _rect, r in calendar.grid._rects)
    assert after == before
    with qtbot.waitSignal(roster.loaded, timeout=10000):
        window.select_tab("roster")
    assert ids["student"] not in {r.id for r in roster.model.rows}
    assert shown == []  # no error, nothing said


def test_a_malformed_change_notice_is_ignored_not_a_reload_of_everything(
    qtbot, teacher_window
) -> None:  # type: ignore[no-untyped-def]
    _window, live, _shown, login_url = teacher_window
    heard: list[frozenset[str] | None] = []
    live.tables_changed.connect(heard.append)
    barrier = json.dumps({"table": "no_such_table", "op": "update"})
    forge(login_url, "not json at all", '{"no": "table"}', "[1, 2]", barrier)
    qtbot.waitUntil(lambda: bool(heard), timeout=5000)
    assert heard == [frozenset({"no_such_table"})]
