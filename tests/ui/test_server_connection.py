"""A desk PC on the studio's shared server: its address typed in a dialog, opened before anyone
logs in, and the schema checked on the first person's own connection."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from studiosync_desktop import login, migrate
from studiosync_desktop.bootstrap import open_database
from studiosync_desktop.config import AppDirs, DatabaseTarget, load_saved_connection
from studiosync_desktop.db import Database
from studiosync_desktop.errors import DatabaseUnavailable, SchemaOutOfDate
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services.accounts import AccountService
from studiosync_desktop.services.studio import StudioService
from studiosync_desktop.ui.dialogs.server_dialog import ServerDialog
from studiosync_desktop.ui.setup_wizard import SetupWizard
from studiosync_desktop.ui.task_runner import TaskRunner

PASSWORD = "correct-horse-battery"
SCHEMA_HEAD = migrate.SCHEMA_HEAD


def _dirs(tmp_path: Path) -> AppDirs:
    return AppDirs(
        tmp_path / "config",
        tmp_path / "data",
        tmp_path / "cache",
        tmp_path / "logs",
        tmp_path / "docs",
    )


def _as(url: str, user: str | None) -> str:
    """The test database's URL with another user and no password (how a desk PC knows it)."""
    u = make_url(url)._replace(password=None).set(username=user)
    return u.render_as_string(hide_password=False)


def test_a_desk_pc_that_knows_only_the_address_opens_it_for_the_login(database_url: str) -> None:
    opened = open_database(DatabaseTarget(_as(database_url, "front_desk_pc")), AppDirs.default())
    try:
        assert opened.needs_login  # the server asked who is connecting: the login dialog will
        assert opened.server is None
    finally:
        opened.close()


def test_an_unreachable_or_unknown_server_says_so_in_words(database_url: str) -> None:
    closed_port = make_url(database_url).set(port=1)
    with pytest.raises(DatabaseUnavailable, match="cannot be opened: Connection refused"):
        open_database(DatabaseTarget(closed_port.render_as_string(False)), AppDirs.default())
    no_such_db = make_url(database_url).set(database="ss_nobody_here")
    with pytest.raises(DatabaseUnavailable, match='database "ss_nobody_here" does not exist'):
        open_database(DatabaseTarget(no_such_db.render_as_string(False)), AppDirs.default())


def test_the_first_login_checks_the_schema_revision(
    db: Database, admin: Actor, database_url: str
) -> None:
    AccountService(db).invite(
        admin,
        {"email": "dana@harmony.example", "first_name": "Dana", "last_name": "Desk",
         "role": "desk", "password": PASSWORD},
        one_time=False,
    )  # fmt: skip
    server = _as(database_url, None)
    with db.engine.begin() as c:
        c.execute(text("UPDATE alembic_version SET version_num = '0011_accounts_more'"))
    try:
        with pytest.raises(SchemaOutOfDate, match="studiosync db upgrade --database"):
            login.log_in(server, "dana@harmony.example", PASSWORD)
    finally:
        with db.engine.begin() as c:
            c.execute(
                text("UPDATE alembic_version SET version_num = :v"), {"v": migrate.SCHEMA_HEAD}
            )
    person = login.log_in(server, "dana@harmony.example", PASSWORD)
    person.db.dispose()
    assert person.actor.role == "desk"


def test_the_server_dialog_refuses_a_bad_address_next_to_its_fields(qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    dialog = ServerDialog(_dirs(tmp_path), TaskRunner())
    qtbot.addWidget(dialog)
    dialog.host.setText("studio server")
    dialog.port.setText("99999")
    dialog.database.setText("")
    dialog.try_connect()
    assert "name or address only" in dialog.error_text("host")
    assert "65535" in dialog.error_text("port")
    assert dialog.error_text("database") != ""
    assert dialog.url is None and not (tmp_path / "config" / "connection.json").exists()


def test_the_server_dialog_saves_the_address_once_the_server_answers(
    qtbot, tmp_path, database_url: str
) -> None:  # type: ignore[no-untyped-def]
    dirs = _dirs(tmp_path)
    u = make_url(database_url)
    dialog = ServerDialog(dirs, TaskRunner(), problem="The studio database cannot be reached.")
    qtbot.addWidget(dialog)
    dialog.host.setText(u.host or "localhost")
    dialog.port.setText("1")  # nothing listens there
    dialog.database.setText(u.database or "")
    dialog.try_connect()
    qtbot.waitUntil(lambda: "cannot be opened" in dialog.status.text(), timeout=10000)
    assert dialog.result() == 0 and load_saved_connection(dirs) is None

    dialog.port.setText(str(u.port or 5432))
    with qtbot.waitSignal(dialog.accepted, timeout=10000):
        dialog.try_connect()
    saved = load_saved_connection(dirs)
    assert saved == dialog.url
    assert saved is not None and make_url(saved).database == u.database
    assert make_url(saved).username is None and make_url(saved).password is None


def test_the_setup_wizard_offers_to_join_the_studio_server(qtbot, db: Database) -> None:  # type: ignore[no-untyped-def]
    wizard = SetupWizard(StudioService(db), TaskRunner())
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.choice_page.server.setChecked(True)
    assert wizard.choice_page.isFinalPage() and wizard.choice_page.nextId() == -1
    wizard.accept()
    assert wizard.wants_server and not wizard.wants_demo
    assert StudioService(db).is_empty()  # nothing was created on this PC's database
