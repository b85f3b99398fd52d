"""The Pay tab on the demo studio, as the admin's and a teacher's own logins: last month's
approved run, this month's preview, a line added by hand from the keyboard."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from desk_driver import Desk
from PySide6.QtCore import Qt
from shiboken6 import isValid
from sqlalchemy import text

from studiosync_desktop import login
from studiosync_desktop.db import Database
from studiosync_desktop.schemas.demo import DemoSummary
from studiosync_desktop.services.container import Services
from studiosync_desktop.ui.error_presenter import ErrorPresenter
from studiosync_desktop.ui.main_window import MainWindow
from studiosync_desktop.ui.tabs.pay import PayTab
from studiosync_desktop.ui.task_runner import TaskRunner


def _open(qtbot, database_url: str, email: str, password: str) -> Iterator[Desk]:  # type: ignore[no-untyped-def]
    person = login.log_in(database_url, email, password)
    presenter = ErrorPresenter(interactive=False)
    services = Services.build(person.db)
    runner = TaskRunner()
    window = MainWindow(services, person.actor, "test", runner=runner, presenter=presenter)
    qtbot.addWidget(window)
    at = Desk(qtbot, window, presenter, services, person)
    presenter.shown.connect(lambda kind, message: at.shown.append((kind, message)))
    window.resize(1280, 800)
    window.show()
    window.activateWindow()
    qtbot.waitExposed(window)
    qtbot.waitUntil(window.isActiveWindow)  # the window's own keys need it active
    yield at
    runner.wait(10000)
    runner.forget()
    person.db.dispose()


@pytest.fixture
def admin_desk(qtbot, database_url: str, demo_studio: DemoSummary) -> Iterator[Desk]:  # type: ignore[no-untyped-def]
    yield from _open(qtbot, database_url, "admin@demo.studiosync.example", "demo-admin-2026")


@pytest.fixture
def teacher_desk(qtbot, database_url: str, demo_studio: DemoSummary) -> Iterator[Desk]:  # type: ignore[no-untyped-def]
    yield from _open(qtbot, database_url, "teacher1@demo.studiosync.example", "demo-teacher-2026")


def _pay_tab(at: Desk) -> PayTab:
    bar = at.window.tab_widget.tabBar()
    index = next(i for i in range(bar.count()) if bar.tabText(i) == "Pay")
    at.click(bar, bar.tabRect(index).center())
    tab = at.window.current_tab()
    assert isinstance(tab, PayTab)
    at.wait_until(lambda: tab.has_loaded and not tab.is_loading)
    return tab


def test_the_admin_sees_last_months_approved_run_and_adds_a_line_to_this_months_preview(
    admin_desk: Desk, db: Database
) -> None:
    at = admin_desk
    tab = _pay_tab(at)
    with db.session() as s:
        paid = s.execute(
            text(
                "SELECT count(DISTINCT teacher_id), sum(amount) FROM pay_lines l"
                " JOIN pay_runs r ON r.id = l.pay_run_id WHERE r.status = 'approved'"
            )
        ).one()
    assert tab.view is not None and tab.view.status == "approved"
    assert tab.model.rowCount() == paid[0] and tab.view.total == paid[1]
    assert tab.state.text().startswith("<b>Approved</b>")
    assert tab.lines_model.rowCount() > 0  # the first teacher's lines, below
    assert f"{paid[1]:,.2f} in all" in tab.summary.text()

    at.key(Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)  # this month: a preview
    at.wait_until(lambda: not tab.is_loading and tab.view and tab.view.status == "preview")
    assert not tab.approve_button.isEnabled()  # this month is not over
    assert "once it is over" in tab.state.text()
    at.key(Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    at.wait_until(lambda: tab.last_dialog is not None and tab.last_dialog.isVisible())
    at.type("12.5")  # the amount has the focus
    at.key(Qt.Key.Key_Tab)
    at.type("Open day at the mall")
    at.key(Qt.Key.Key_Return)
    at.wait_until(lambda: not isValid(tab.last_dialog) or not tab.last_dialog.isVisible())
    at.wait_until(lambda: tab.view and any(t.extras for t in tab.view.teachers))
    with db.session() as s:
        line = s.execute(
            text("SELECT amount, reason, kind FROM pay_lines WHERE reason = 'Open day at the mall'")
        ).one()
    assert line == (Decimal("12.50"), "Open day at the mall", "extra")
    at.key(Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)  # back to last month
    at.wait_until(lambda: not tab.is_loading and tab.view and tab.view.status == "approved")
    assert not tab.add_line_button.isEnabled()  # an approved run takes no line by hand
    assert at.shown == []


def test_a_teacher_sees_only_their_own_pay(teacher_desk: Desk) -> None:
    at = teacher_desk
    tab = _pay_tab(at)
    assert tab.view is not None
    assert [t.teacher_name for t in tab.view.teachers] == [at.person.actor.name]
    assert {line.teacher_name for line in tab.lines_model.rows} == {at.person.actor.name}
    labels = {b.text().replace("&", "") for b in tab.findChildren(type(at.button("Next ▶")))}
    assert "Approve…" not in labels and "Add line…" not in labels
    assert at.shown == []
