"""A restored backup keeps the people: every staff login logs in with its own password, under
any database name and on another server; restoring over a database removes the logins that
only the replaced database had.

The copies are restored into a private embedded server that asks for passwords (SCRAM), so
a password that does not work is refused here as it would be at the studio.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from studiosync_desktop import login, migrate
from studiosync_desktop.cli import main
from studiosync_desktop.db import Database
from studiosync_desktop.embedded import EmbeddedServer, ensure_database_exists, libpq_dsn
from studiosync_desktop.errors import ValidationFailed
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services import backup
from studiosync_desktop.services.accounts import AccountService
from studiosync_desktop.services.studio import StudioService

PASSWORDS = {
    "ada.admin@restore.example": ("admin", "ada-admin-password"),
    "dee.desk@restore.example": ("desk", "dee-desk-password"),
    "tom.teacher@restore.example": ("teacher", "tom-teacher-password"),
}
GONE = "gus.gone@restore.example"


@pytest.fixture(scope="module")
def studio_dump(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A backup of a studio with an admin, a desk, a teacher and a deactivated login, made on
    a server of its own (the studio's) that asks staff for their passwords."""
    server = EmbeddedServer(tmp_path_factory.mktemp("studio-server") / "pgdata")
    try:
        url = server.ensure_database("studio")
        migrate.upgrade(url)
        db = Database(url)
        owner = StudioService(db).set_up(
            {"studio_name": "Keep The People", "timezone": "Europe/Paris",
             "admin_email": "owner@restore.example", "admin_first_name": "Olga"}
        )  # fmt: skip
        accounts = AccountService(db)
        for email, (role, password) in PASSWORDS.items():
            accounts.invite(
                owner, {"email": email, "first_name": email[:3], "role": role,
                        "password": password}, one_time=False,
            )  # fmt: skip
        accounts.invite(owner, {"email": GONE, "first_name": "Gus", "role": "desk",
                                "password": "gus-gone-password"})  # fmt: skip
        with db.session() as s:
            gone = s.execute(text("SELECT id FROM users WHERE email = :e"), {"e": GONE}).scalar()
        accounts.set_active(owner, gone, False)
        db.dispose()
        login.check_credentials(url, "dee.desk@restore.example", "dee-desk-password")
        yield backup.backup(url, tmp_path_factory.mktemp("dumps") / "studio.dump")
    finally:
        server.stop()


@pytest.fixture(scope="module")
def new_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedServer]:
    """Another server, that asks staff for their passwords and has never seen the studio."""
    server = EmbeddedServer(tmp_path_factory.mktemp("new-server") / "pgdata")
    try:
        server.superuser_url("postgres")
        yield server
    finally:
        server.stop()


def database_on(server: EmbeddedServer, name: str) -> str:
    ensure_database_exists(server.superuser_url("postgres"), name)
    return server.superuser_url(name)


@pytest.mark.embedded
def test_a_restore_under_another_name_on_another_server_logs_everyone_in(
    studio_dump: Path, new_server: EmbeddedServer, tmp_path: Path
) -> None:
    url = database_on(new_server, "studio_copy")
    restored = backup.restore(url, studio_dump, tmp_path / "safety")
    assert sorted(restored.logins.with_password) == sorted([*PASSWORDS, GONE])
    assert restored.logins.without_password == () and restored.logins.problem == ""
    for email, (role, password) in PASSWORDS.items():
        person = login.log_in(url, email, password)
        try:
            assert person.actor.role == role
            # The recreated database grants temp objects to everyone again: taken back (0051).
            with person.db.engine.connect() as conn, pytest.raises(DBAPIError, match="temporary"):
                conn.exec_driver_sql("CREATE TEMP TABLE invoices (id int)")
        finally:
            person.db.dispose()
        with pytest.raises(ValidationFailed, match="wrong"):
            login.check_credentials(url, email, "not-" + password)
    with pytest.raises(ValidationFailed, match="deactivated"):
        login.check_credentials(url, GONE, "gus-gone-password")
    assert "staff logins work with their own passwords" in restored.message()


@pytest.mark.embedded
def test_restoring_over_a_database_removes_the_logins_only_it_had(
    studio_dump: Path, new_server: EmbeddedServer, tmp_path: Path
) -> None:
    url = database_on(new_server, "studio_again")
    backup.restore(url, studio_dump, tmp_path / "first")
    db = Database(url)
    try:
        with db.session() as s:  # the owner, acting as the first admin (maintenance mode)
            first = s.execute(
                text("SELECT id, studio_id FROM users WHERE email = 'owner@restore.example'")
            ).one()
        boss = Actor(user_id=first.id, studio_id=first.studio_id, role="admin", name="Olga")
        newcomer = AccountService(db).invite(
            boss, {"email": "new.hire@restore.example", "first_name": "Nia", "role": "desk",
                   "password": "nia-new-password"}, one_time=False,
        )  # fmt: skip
    finally:
        db.dispose()
    login.check_credentials(url, "new.hire@restore.example", "nia-new-password")
    restored = backup.restore(url, studio_dump, tmp_path / "second")
    assert restored.logins.removed == (newcomer,)
    with psycopg.connect(libpq_dsn(new_server.superuser_url("postgres"))) as conn:
        assert (
            conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (newcomer,)).fetchone()
            is None
        )
    for email, (_role, password) in PASSWORDS.items():
        login.check_credentials(url, email, password)


@pytest.mark.embedded
def test_a_login_whose_password_was_not_kept_is_named_and_an_admin_resets_it(
    studio_dump: Path, new_server: EmbeddedServer, tmp_path: Path
) -> None:
    source = database_on(new_server, "studio_old")
    backup.restore(source, studio_dump, tmp_path / "a")
    with psycopg.connect(libpq_dsn(source), autocommit=True) as conn:  # as a login made before 0016
        conn.execute(
            "DELETE FROM login_verifiers WHERE user_id ="
            " (SELECT id FROM users WHERE email = 'dee.desk@restore.example')"
        )
    older = backup.backup(source, tmp_path / "older.dump")
    url = database_on(new_server, "studio_from_older")
    restored = backup.restore(url, older, tmp_path / "b")
    assert restored.logins.without_password == ("dee.desk@restore.example",)
    assert "Reset password" in restored.message()
    with pytest.raises(ValidationFailed):
        login.check_credentials(url, "dee.desk@restore.example", "dee-desk-password")
    admin = login.log_in(url, "ada.admin@restore.example", "ada-admin-password")
    try:
        staff = {row.email: row for row in admin.accounts.staff(admin.actor)}
        dee = staff["dee.desk@restore.example"]
        assert dee.must_change_password
        admin.accounts.reset_password(admin.actor, dee.id, "dee-second-password")
    finally:
        admin.db.dispose()
    login.check_credentials(url, "dee.desk@restore.example", "dee-second-password")


@pytest.mark.embedded
def test_users_relink_makes_the_logins_again_when_a_restore_could_not(
    studio_dump: Path,
    new_server: EmbeddedServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = database_on(new_server, "studio_relinked")
    backup.restore(url, studio_dump, tmp_path / "safety")
    with psycopg.connect(libpq_dsn(url), autocommit=True) as conn:  # as if never made here
        desk_login = conn.execute(
            "SELECT db_role FROM users WHERE email = 'dee.desk@restore.example'"
        ).fetchone()[0]  # type: ignore[index]
        conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(desk_login)))
    with pytest.raises(ValidationFailed):
        login.check_credentials(url, "dee.desk@restore.example", "dee-desk-password")
    assert main(["users", "relink", "--database", url]) == 0
    assert "4 staff logins work with their own passwords" in capsys.readouterr().out
    login.check_credentials(url, "dee.desk@restore.example", "dee-desk-password")
