"""Logging in as one's own database role: the dialogs, what each role sees, admin screens, lock.

Most tests use the shared test server (which trusts every connection, so any password
passes); the tests of a wrong password use a private embedded server that asks for SCRAM.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from factories import Maker
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication
from sqlalchemy import text

from studiosync_desktop import login, migrate
from studiosync_desktop.bootstrap import OpenDatabase
from studiosync_desktop.config import AppDirs
from studiosync_desktop.db import Database
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services.accounts import AccountService
from studiosync_desktop.services.container import Services
from studiosync_desktop.services.studio import StudioService
from studiosync_desktop.ui.error_presenter import ErrorPresenter
from studiosync_desktop.ui.history_dialog import HistoryDialog
from studiosync_desktop.ui.idle_lock import IdleLock
from studiosync_desktop.ui.login_dialog import ChangePasswordDialog, LoginDialog
from studiosync_desktop.ui.main_window import MainWindow
from studiosync_desktop.ui.tabs.audit import AuditTab
from studiosync_desktop.ui.tabs.users import UsersTab
from studiosync_desktop.ui.task_runner import TaskRunner

PASSWORD = "correct-horse-battery"
DESK = "dana.desk@harmony.example"
ADMIN = "owner@harmony.example"


@dataclass
class Staff:
    teacher_email: str
    student: uuid.UUID
    lesson: uuid.UUID


@pytest.fixture
def staff(db: Database, admin: Actor) -> Staff:
    """A teacher with a student and a lesson, and logins for the admin, the desk and the teacher."""
    make = Maker(db, admin.studio_id)
    teacher = make.teacher("Tom", "Tutor")
    student = make.student("Sam", "Lee", teacher_id=teacher)
    lesson = make.lesson(teacher, datetime.now(UTC) + timedelta(days=1), student_id=student)
    with db.session() as s:
        teacher_email = s.execute(
            text("SELECT u.email FROM users u JOIN teachers t ON t.user_id = u.id WHERE t.id = :t"),
            {"t": teacher},
        ).scalar_one()
    accounts = AccountService(db)
    for email, first, last, role in (
        (ADMIN, "Olivia", "Owner", "admin"),
        (DESK, "Dana", "Desk", "desk"),
        (teacher_email, "Tom", "Tutor", "teacher"),
    ):
        accounts.invite(
            admin,
            {"email": email, "first_name": first, "last_name": last, "role": role,
             "password": PASSWORD},
            one_time=False,
        )  # fmt: skip
    return Staff(teacher_email, student, lesson)


# Task runners of the windows a test opened: their work ends before the tables are emptied.
RUNNERS: list[TaskRunner] = []


def runner() -> TaskRunner:
    made = TaskRunner()
    RUNNERS.append(made)
    return made


@pytest.fixture
def logged_in(database_url: str) -> Iterator[Callable[[str], login.LoggedIn]]:
    opened: list[login.LoggedIn] = []

    def as_person(email: str) -> login.LoggedIn:
        person = login.log_in(database_url, email, PASSWORD)
        opened.append(person)
        return person

    yield as_person
    while RUNNERS:
        done = RUNNERS.pop()
        done.wait(10000)
        done.forget()  # results still queued for this test's windows are not delivered later
    for person in opened:
        person.db.dispose()


def window_for(qtbot, person: login.LoggedIn, presenter: ErrorPresenter) -> MainWindow:  # type: ignore[no-untyped-def]
    window = MainWindow(
        Services.build(person.db), person.actor, "test", runner=runner(), presenter=presenter
    )
    qtbot.addWidget(window)
    return window


def record(presenter: ErrorPresenter) -> list[tuple[str, str]]:
    shown: list[tuple[str, str]] = []
    presenter.shown.connect(lambda kind, message: shown.append((kind, message)))
    return shown


def show_tab(qtbot, window: MainWindow, key: str) -> Any:  # type: ignore[no-untyped-def]
    tab = window.tabs[key]
    window.select_tab(key)
    window.show()
    # The Messages tab loads when the window first shows (its unread count), not on selection.
    qtbot.waitUntil(lambda: tab.has_loaded and not tab.is_loading, timeout=15000)
    return tab


def test_the_login_dialog_logs_in_the_desk_whose_window_has_no_admin_tabs(
    qtbot, database_url: str, staff: Staff, presenter: ErrorPresenter, logged_in
) -> None:  # type: ignore[no-untyped-def]
    dialog = LoginDialog(database_url, runner())
    qtbot.addWidget(dialog)
    dialog.email.setText("  Dana.Desk@Harmony.example ")
    dialog.password.setText(PASSWORD)
    with qtbot.waitSignal(dialog.accepted, timeout=15000):
        dialog.try_login()
    person = dialog.logged_in
    assert person is not None and person.actor.role == "desk"
    try:
        window = window_for(qtbot, person, presenter)
        assert "Dana Desk" in window.user_label.text()
        assert "users" not in window.tabs and "audit" not in window.tabs
        assert "invoices" in window.tabs
        # Edit (undo, redo) is the window's; the Account menu comes from the app.
        assert [a.text() for a in window.menuBar().actions()] == ["&Edit", "&Reports"]
    finally:
        person.db.dispose()


def test_an_empty_password_is_asked_for_next_to_its_field(qtbot, database_url: str) -> None:  # type: ignore[no-untyped-def]
    dialog = LoginDialog(database_url, runner())
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.email.setText(DESK)
    dialog.try_login()
    qtbot.waitUntil(lambda: dialog.error_text("password") != "", timeout=10000)
    assert dialog.error_text("password") == "Type your password"
    assert dialog.logged_in is None


def test_a_teachers_window_has_no_billing_inventory_or_room_tabs(
    qtbot, staff: Staff, logged_in, presenter: ErrorPresenter
) -> None:  # type: ignore[no-untyped-def]
    window = window_for(qtbot, logged_in(staff.teacher_email), presenter)
    assert list(window.tabs) == ["today", "calendar", "roster", "messages", "resources", "pay"]


@pytest.mark.parametrize("who", ["desk", "teacher", "admin"])
def test_every_tab_first_load_works_under_row_level_security(
    qtbot, who: str, staff: Staff, logged_in, presenter: ErrorPresenter
) -> None:  # type: ignore[no-untyped-def]
    email = {"desk": DESK, "teacher": staff.teacher_email, "admin": ADMIN}[who]
    shown = record(presenter)
    window = window_for(qtbot, logged_in(email), presenter)
    for key in window.tabs:
        tab = show_tab(qtbot, window, key)
        assert tab.has_loaded, key
    qtbot.wait(200)  # the notifications panel and the unread count load too
    assert shown == [], shown


def test_a_teacher_sees_only_their_own_students_in_the_roster(
    qtbot, staff: Staff, logged_in, presenter: ErrorPresenter, db: Database, admin: Actor
) -> None:  # type: ignore[no-untyped-def]
    Maker(db, admin.studio_id).student("Other", "Pupil")
    window = window_for(qtbot, logged_in(staff.teacher_email), presenter)
    tab = show_tab(qtbot, window, "roster")
    names = [tab.model.data(tab.model.index(r, 0)) for r in range(tab.model.rowCount())]
    assert names == ["Sam Lee"]


def test_a_forced_password_change_comes_before_the_window(
    qtbot, tmp_path: Path, database_url: str, staff: Staff, db: Database, admin: Actor, logged_in
) -> None:  # type: ignore[no-untyped-def]
    from studiosync_desktop.app import DeskSession

    AccountService(db).reset_password(admin, _user_id(db, DESK), "one-time-pass-123")
    opened = OpenDatabase(Database(database_url), database_url, "test studio")
    dirs = AppDirs(tmp_path / "c", tmp_path / "d", tmp_path / "ca", tmp_path / "l", tmp_path / "o")
    desk = DeskSession(
        QApplication.instance(), opened, dirs, runner(), ErrorPresenter(interactive=False)
    )
    seen: list[str] = []

    def drive() -> None:
        modal = QApplication.activeModalWidget()
        if isinstance(modal, LoginDialog) and "login" not in seen:
            seen.append("login")
            modal.email.setText(DESK)
            modal.password.setText("one-time-pass-123")
            modal.try_login()
        elif isinstance(modal, ChangePasswordDialog) and "change" not in seen:
            seen.append("change")
            modal.new_password.setText("my-own-password-1")
            modal.repeat.setText("something-else-22")
            modal.submit()
            assert modal.error_text("repeat") == "The two passwords differ"
            modal.repeat.setText("my-own-password-1")
            modal.submit()

    timer = QTimer()
    timer.timeout.connect(drive)
    timer.start(50)
    try:
        assert desk.log_in()
    finally:
        timer.stop()
    try:
        assert seen == ["login", "change"]
        assert desk.window is not None and "Dana Desk" in desk.window.user_label.text()
        assert desk.current is not None
        assert not desk.current.accounts.must_change_password(desk.current.actor)
        titles = [a.text() for a in desk.window.menuBar().actions()]
        assert titles == ["&Edit", "&Reports", "&Account"]  # the desk has no Tools menu
    finally:
        desk.close()
        opened.close()


def test_a_part_the_studio_switched_off_never_shows_at_login(
    qtbot, tmp_path: Path, database_url: str, staff: Staff, db: Database, admin: Actor
) -> None:  # type: ignore[no-untyped-def]
    from studiosync_desktop.app import DeskSession
    from studiosync_desktop.services.studio import StudioService

    StudioService(db).save_settings(admin, {"parts_off": ["messages"]})
    opened = OpenDatabase(Database(database_url), database_url, "test studio")
    dirs = AppDirs(tmp_path / "c", tmp_path / "d", tmp_path / "ca", tmp_path / "l", tmp_path / "o")
    desk = DeskSession(
        QApplication.instance(), opened, dirs, runner(), ErrorPresenter(interactive=False)
    )

    seen: list[str] = []

    def drive() -> None:
        modal = QApplication.activeModalWidget()
        if isinstance(modal, LoginDialog) and not seen:  # once: the login is on its way
            seen.append("login")
            modal.email.setText(DESK)
            modal.password.setText(PASSWORD)
            modal.try_login()

    timer = QTimer()
    timer.timeout.connect(drive)
    timer.start(50)
    try:
        assert desk.log_in()
    finally:
        timer.stop()
    try:
        window = desk.window
        assert window is not None
        # At once, before any answer from the window's own reads: no Messages tab, not even
        # for a moment, and Ctrl+1..9 count without it.
        bar = window.tab_widget
        shown = [bar.tabText(i) for i in range(bar.count()) if bar.isTabVisible(i)]
        assert not any(t.startswith("Messages") for t in shown)
        assert "messages" not in window.shown_tabs()
    finally:
        desk.close()
        opened.close()


def _user_id(db: Database, email: str) -> uuid.UUID:
    with db.session() as s:
        return uuid.UUID(
            str(s.execute(text("SELECT id FROM users WHERE email = :e"), {"e": email}).scalar_one())
        )


def test_the_users_tab_invites_a_staff_member(
    qtbot, staff: Staff, logged_in, presenter: ErrorPresenter
) -> None:  # type: ignore[no-untyped-def]
    window = window_for(qtbot, logged_in(ADMIN), presenter)
    tab = show_tab(qtbot, window, "users")
    assert isinstance(tab, UsersTab)
    told: list[str] = []
    tab.told = lambda _title, message: told.append(message)
    dialog = tab.invite()
    dialog.email.setText("not-an-email")
    dialog.first_name.setText("Nina")
    dialog.submit()
    assert "email" in dialog.error_text("email").lower()

    dialog.email.setText("nina.new@harmony.example")
    dialog.last_name.setText("New")
    dialog.role.setCurrentIndex(dialog.role.findData("teacher"))
    password = dialog.password.text()
    with qtbot.waitSignal(tab.loaded, timeout=15000):
        dialog.submit()
    names = [r.name for r in tab.model.rows]
    assert "Nina New" in names
    nina = next(r for r in tab.model.rows if r.name == "Nina New")
    assert nina.role == "teacher" and nina.must_change_password and nina.login_role
    assert told and password in told[-1]


def test_the_audit_tab_shows_a_change_made_by_the_desk(
    qtbot, staff: Staff, logged_in, presenter: ErrorPresenter
) -> None:  # type: ignore[no-untyped-def]
    desk = logged_in(DESK)
    with desk.db.session() as s:
        s.execute(
            text("UPDATE students SET notes = 'Prefers Tuesdays' WHERE id = :i"),
            {"i": staff.student},
        )
    window = window_for(qtbot, logged_in(ADMIN), presenter)
    tab = show_tab(qtbot, window, "audit")
    assert isinstance(tab, AuditTab)
    qtbot.waitUntil(lambda: tab.person.count() > 1, timeout=5000)
    people = [tab.person.itemData(i) for i in range(tab.person.count())]
    index = people.index(desk.actor.user_id)
    with qtbot.waitSignal(tab.loaded, timeout=15000):
        tab.person.setCurrentIndex(index)
    # Logging in stamps last_login (a change too); the student's is the one asked about here.
    rows = [r for r in tab.model.rows if r.table_name == "students"]
    assert len(rows) == 1
    row = rows[0]
    assert (row.who, row.table_name, row.action) == ("Dana Desk", "students", "update")
    at = tab.model.rows.index(row)
    cells = [tab.model.data(tab.model.index(at, c)) for c in range(tab.model.columnCount())]
    assert "Dana Desk" in cells and "Students" in cells and "Changed" in cells
    assert "Notes:" in cells[-1] and "Prefers Tuesdays" in cells[-1]


def test_the_history_dialog_shows_a_lessons_changes(
    qtbot, staff: Staff, logged_in, presenter: ErrorPresenter
) -> None:  # type: ignore[no-untyped-def]
    desk = logged_in(DESK)
    with desk.db.session() as s:
        s.execute(text("UPDATE lessons SET location = 'Hall' WHERE id = :i"), {"i": staff.lesson})
    admin = logged_in(ADMIN)
    dialog = HistoryDialog(
        admin.accounts, admin.actor, runner(), presenter, "lessons", staff.lesson, "Sam Lee"
    )
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 2, timeout=10000)
    newest, created = dialog.model.rows
    assert (newest.who, newest.action) == ("Dana Desk", "update")
    assert newest.changes == (("location", "", "Hall"),)
    assert created.action == "insert"
    assert "2 changes, newest first" in dialog.summary.text()
    assert dialog.clock.zone is not None and dialog.clock.zone.key == "America/New_York"


def test_ctrl_h_on_a_roster_row_opens_its_history(
    qtbot, staff: Staff, logged_in, presenter: ErrorPresenter
) -> None:  # type: ignore[no-untyped-def]
    with logged_in(DESK).db.session() as s:
        s.execute(text("UPDATE students SET notes = 'Loud' WHERE id = :i"), {"i": staff.student})
    window = window_for(qtbot, logged_in(ADMIN), presenter)
    tab = show_tab(qtbot, window, "roster")
    assert tab.select_key(staff.student)
    tab.table.setFocus()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(tab.table, Qt.Key.Key_H, Qt.KeyboardModifier.ControlModifier)
    dialog = tab.last_history
    qtbot.waitUntil(lambda: dialog.model.rowCount() >= 1, timeout=10000)
    assert any("Loud" in new for r in dialog.model.rows for _f, _o, new in r.changes)


def test_a_desk_window_offers_no_history(
    staff: Staff, logged_in, qtbot, presenter: ErrorPresenter
) -> None:  # type: ignore[no-untyped-def]
    window = window_for(qtbot, logged_in(DESK), presenter)
    assert not hasattr(window.tabs["roster"], "history_action")


def test_the_idle_lock_hides_the_data_and_unlocks_with_the_password(
    qtbot, staff: Staff, logged_in, presenter: ErrorPresenter, database_url: str
) -> None:  # type: ignore[no-untyped-def]
    window = window_for(qtbot, logged_in(DESK), presenter)
    show_tab(qtbot, window, "roster")
    lock = IdleLock(
        window,
        5,
        "Dana Desk",
        lambda pw: login.check_credentials(database_url, DESK, pw),
        window.runner,
    )
    assert lock.timer.isActive() and lock.timer.interval() == 5 * 60_000
    lock.timer.timeout.emit()  # five idle minutes later
    assert lock.is_locked
    assert not window.centralWidget().isVisible()
    assert lock.screen.isVisible() and lock.screen.title.text() == "Locked \N{EM DASH} Dana Desk"
    lock.screen.password.setText(PASSWORD)
    with qtbot.waitSignal(lock.unlocked, timeout=10000):
        lock.try_unlock()
    assert window.centralWidget().isVisible() and not lock.screen.isVisible()
    lock.stop()


# --- a server that really asks for passwords (the embedded one) ----------------------------


@pytest.fixture(scope="module")
def scram_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The embedded server, with the app's pg_hba.conf: staff must prove their password."""
    from studiosync_desktop.embedded import EmbeddedServer

    server = EmbeddedServer(tmp_path_factory.mktemp("scram") / "pgdata")
    try:
        url = server.ensure_database()
        migrate.upgrade(url)
        db = Database(url)
        actor = StudioService(db).set_up(
            {
                "studio_name": "Locked Studio",
                "timezone": "Europe/London",
                "admin_email": "ada@locked.example",
                "admin_first_name": "Ada",
            }
        )
        AccountService(db).invite(
            actor,
            {"email": DESK, "first_name": "Dana", "role": "desk", "password": PASSWORD},
            one_time=False,
        )
        off = AccountService(db).invite(
            actor,
            {"email": "gone@locked.example", "first_name": "Gus", "role": "desk",
             "password": PASSWORD},
        )  # fmt: skip
        assert off
        AccountService(db).set_active(actor, _user_id(db, "gone@locked.example"), False)
        db.dispose()
        yield url
    finally:
        server.stop()


@pytest.mark.embedded
def test_a_wrong_password_is_refused_next_to_the_password_field(qtbot, scram_url: str) -> None:  # type: ignore[no-untyped-def]
    dialog = LoginDialog(scram_url, TaskRunner())
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.email.setText(DESK)
    dialog.password.setText("not-my-password")
    dialog.try_login()
    qtbot.waitUntil(lambda: dialog.error_text("password") != "", timeout=15000)
    assert dialog.error_text("password") == "Email or password is wrong"
    assert dialog.error_text("email") == ""
    assert dialog.logged_in is None

    dialog.email.setText("nobody@locked.example")  # an unknown email: the same message
    dialog.try_login()
    qtbot.waitUntil(lambda: not dialog._busy, timeout=15000)
    assert dialog.error_text("password") == "Email or password is wrong"

    dialog.email.setText(DESK)
    dialog.password.setText(PASSWORD)
    with qtbot.waitSignal(dialog.accepted, timeout=15000):
        dialog.try_login()
    assert dialog.logged_in is not None and dialog.logged_in.actor.role == "desk"
    dialog.logged_in.db.dispose()


@pytest.mark.embedded
def test_a_deactivated_account_is_told_so(qtbot, scram_url: str) -> None:  # type: ignore[no-untyped-def]
    dialog = LoginDialog(scram_url, TaskRunner())
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.email.setText("gone@locked.example")
    dialog.password.setText(PASSWORD)
    dialog.try_login()
    qtbot.waitUntil(lambda: dialog.error_text("email") != "", timeout=15000)
    assert "deactivated" in dialog.error_text("email")


@pytest.mark.embedded
def test_the_idle_lock_refuses_a_wrong_password(qtbot, scram_url: str) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QLabel, QMainWindow

    window = QMainWindow()
    window.setCentralWidget(QLabel("Private data"))
    qtbot.addWidget(window)
    window.show()
    lock = IdleLock(
        window, 0, "Dana", lambda pw: login.check_credentials(scram_url, DESK, pw), TaskRunner()
    )
    assert not lock.timer.isActive()  # 0 minutes: never locks by itself
    lock.lock()
    lock.screen.password.setText("wrong-password-1")
    lock.try_unlock()
    qtbot.waitUntil(lambda: lock.screen.error.isVisible(), timeout=15000)
    assert lock.screen.error.text() == "That password is wrong" and lock.is_locked
    lock.screen.password.setText(PASSWORD)
    with qtbot.waitSignal(lock.unlocked, timeout=15000):
        lock.try_unlock()
    lock.stop()
