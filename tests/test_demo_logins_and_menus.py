"""The demo's logins, and the Account and Tools menus (password change, backup) end to end."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from studiosync_desktop import login, migrate
from studiosync_desktop.db import Database
from studiosync_desktop.services.demo import DEMO_LOGINS, DemoService
from studiosync_desktop.testing import create_scratch_database, drop_database


@pytest.fixture
def demo_url(server_url: str) -> Iterator[str]:
    url = create_scratch_database(server_url, prefix="ss_demolog")
    migrate.upgrade(url)
    db = Database(url)
    summary = DemoService(db).build("small")
    db.dispose()
    assert summary.logins == DEMO_LOGINS
    assert "desk@demo.studiosync.example  /  demo-desk-2026  (desk)" in summary.describe()
    yield url
    drop_database(server_url, url)


def test_the_demo_comes_with_logins_for_each_role(demo_url: str) -> None:
    for email, role, password in DEMO_LOGINS:
        person = login.log_in(demo_url, email, password)
        try:
            assert person.actor.role == role
            assert not person.must_change_password
        finally:
            person.db.dispose()


def test_the_admin_menus_back_up_and_everyone_changes_their_password(
    qtbot, demo_url: str, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QMainWindow

    from studiosync_desktop.ui.account_menus import AccountContext, AccountMenus
    from studiosync_desktop.ui.error_presenter import ErrorPresenter
    from studiosync_desktop.ui.task_runner import TaskRunner

    person = login.log_in(demo_url, "admin@demo.studiosync.example", "demo-admin-2026")
    window = QMainWindow()
    qtbot.addWidget(window)
    runner = TaskRunner()
    told: list[str] = []

    def menus(owner_url: str | None) -> AccountMenus:
        made = AccountMenus(
            window,
            AccountContext(
                actor=person.actor,
                accounts=person.accounts,
                runner=runner,
                presenter=ErrorPresenter(interactive=False),
                owner_url=owner_url,
                shown_server="postgresql://owner@server/studio",
                backup_folder=tmp_path,
            ),
        )
        made.tell = lambda _title, text: told.append(text)
        return made

    try:
        shared = menus(None)
        assert shared.tools_menu is not None
        shared.backup()  # a shared server: the command to run, nothing else
        assert (
            'studiosync backup -o studio-backup.dump --database "postgresql://owner@server/'
            in (told[-1])
        )

        embedded = menus(demo_url)
        embedded.ask_save_path = lambda: tmp_path / "studio.dump"
        embedded.backup()
        qtbot.waitUntil(lambda: told[-1].startswith("The studio is saved"), timeout=60000)
        assert (tmp_path / "studio.dump").stat().st_size > 10_000

        dialog = embedded.change_password()
        dialog.new_password.setText("a-brand-new-secret")
        dialog.repeat.setText("a-brand-new-secret")
        with qtbot.waitSignal(dialog.accepted, timeout=10000):
            dialog.submit()
        assert told[-1].startswith("Your new password is set")
        # The window's connection keeps working: new connections use the new password.
        person.db.dispose()
        assert person.accounts.current_actor().name == person.actor.name
    finally:
        runner.wait(10000)
        person.db.dispose()
