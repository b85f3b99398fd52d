"""Screen fixtures: the real services on the test database, and a window that never blocks."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from desk_driver import Desk
from factories import Maker

from studiosync_desktop import login
from studiosync_desktop.config import DOCUMENTS_ENV
from studiosync_desktop.db import Database
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.schemas.demo import DemoSummary
from studiosync_desktop.services.container import Services
from studiosync_desktop.services.demo import DemoService
from studiosync_desktop.ui.documents import forget_last_folder
from studiosync_desktop.ui.error_presenter import ErrorPresenter
from studiosync_desktop.ui.main_window import MainWindow
from studiosync_desktop.ui.task_runner import TaskRunner

NY = ZoneInfo("America/New_York")
DESK_EMAIL = "desk@demo.studiosync.example"
DESK_PASSWORD = "demo-desk-2026"


@pytest.fixture(autouse=True)
def documents_folder(tmp_path, monkeypatch) -> Path:  # type: ignore[no-untyped-def]
    """Slips and files a test saves go to its own folder, not the person's Documents."""
    folder = tmp_path / "documents"
    monkeypatch.setenv(DOCUMENTS_ENV, str(folder))
    forget_last_folder()  # where an earlier test's file went is not this one's
    return folder


@pytest.fixture
def services(db: Database) -> Services:
    return Services.build(db)


@pytest.fixture
def studio(db: Database, admin: Actor) -> Maker:
    """A small studio: lessons this week, students, invoices, items, rooms and bookings."""
    m = Maker(db, admin.studio_id)
    today = datetime.now(NY).date()
    monday = today - timedelta(days=today.weekday())
    maya = m.teacher("Maya", "Chen")
    fam = m.family("Lee family")
    sam = m.student("Sam", "Lee", instrument="Cello", family_id=fam, teacher_id=maya)
    m.student("Ana", "Ruiz", instrument="Violin", teacher_id=maya)
    room = m.room("Room B")
    at = datetime(monday.year, monday.month, monday.day, 16, 0, tzinfo=NY)
    m.lesson(maya, at, student_id=sam, room_id=room)
    m.lesson(maya, at + timedelta(days=7), student_id=sam)  # next week
    m.lesson(
        maya,
        datetime(today.year, today.month, today.day, 9, tzinfo=NY),
        student_id=sam,
        room_id=room,
    )
    m.invoice(
        family_id=fam,
        number="INV-0001",
        issue=today - timedelta(days=30),
        due=today - timedelta(days=2),
        total="120.00",
        paid="20.00",
        status="partial",
    )
    m.invoice(family_id=fam, number="INV-0002", issue=today, due=today + timedelta(days=14))
    m.item("Violin 1/2", quantity=3, available=1, threshold=2, serial="VN-7")
    m.item("Music stand", quantity=10, available=9)
    m.reservation(
        room,
        m.person("Pia", "Practice"),
        datetime(today.year, today.month, today.day, 12, tzinfo=NY),
    )
    return m


@pytest.fixture
def presenter() -> ErrorPresenter:
    return ErrorPresenter(interactive=False)


@pytest.fixture
def window(
    qtbot, services: Services, admin: Actor, presenter: ErrorPresenter
) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    w = MainWindow(
        services, admin, "studio_test on 127.0.0.1", runner=TaskRunner(), presenter=presenter
    )
    qtbot.addWidget(w)
    yield w
    w.runner.wait(5000)
    w.runner.forget()  # results still queued are not delivered to the next test's event loop


@pytest.fixture
def demo_studio(db: Database) -> DemoSummary:
    """The small demo studio, with its staff logins (the test server trusts every password)."""
    return DemoService(db).build("small")


@pytest.fixture
def desk(qtbot, database_url: str, demo_studio: DemoSummary) -> Iterator[Desk]:  # type: ignore[no-untyped-def]
    """The main window of the desk's own login on the demo studio, shown, first tab loaded."""
    person = login.log_in(database_url, DESK_EMAIL, DESK_PASSWORD)
    presenter = ErrorPresenter(interactive=False)
    services = Services.build(person.db)
    runner = TaskRunner()
    window = MainWindow(services, person.actor, "test", runner=runner, presenter=presenter)
    qtbot.addWidget(window)
    at_desk = Desk(qtbot, window, presenter, services, person)
    presenter.shown.connect(lambda kind, message: at_desk.shown.append((kind, message)))
    window.resize(1280, 800)
    window.show()
    window.activateWindow()
    qtbot.waitExposed(window)
    first = window.current_tab()
    qtbot.waitUntil(lambda: first.has_loaded and not first.is_loading, timeout=15000)
    yield at_desk
    runner.wait(10000)
    runner.forget()
    person.db.dispose()
