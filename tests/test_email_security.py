"""The outbox and the mail settings, as each staff login sees them in psql."""

from __future__ import annotations

import psycopg
import pytest

from studiosync_desktop.db import Database
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services.email_outbox import OutboxService
from tests.test_security_roles import Studio, connect, studio  # noqa: F401 (fixtures)

EMAIL_TABLES = [
    "email_outbox",
    "email_attachments",
    "email_settings",
    "email_templates",
    "email_preferences",
]


@pytest.fixture
def queued(db: Database, admin: Actor, studio: Studio) -> None:  # noqa: F811
    OutboxService(db).queue(
        admin,
        [
            {
                "kind": "invoice",
                "dedupe_key": "invoice:1",
                "recipient": "parent@family.example",
                "subject": "Invoice",
                "text_body": "Attached.",
                "attachments": [{"filename": "i.pdf", "content": b"%PDF-1.4"}],
            }
        ],
    )
    with db.session() as s:
        from sqlalchemy import text

        s.execute(
            text("INSERT INTO email_settings (studio_id, host) VALUES (:s, 'smtp.example')"),
            {"s": admin.studio_id},
        )


@pytest.mark.parametrize("table", EMAIL_TABLES)
def test_a_teacher_cannot_read_any_email_table(
    studio: Studio,  # noqa: F811
    connect,  # noqa: F811
    queued: None,
    table: str,
) -> None:  # type: ignore[no-untyped-def]
    conn = connect(studio.teacher_login)
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(f"SELECT * FROM {table}")


def test_the_desk_manages_the_outbox_but_not_the_mail_server(
    studio: Studio,  # noqa: F811
    connect,  # noqa: F811
    queued: None,
) -> None:  # type: ignore[no-untyped-def]
    desk = connect(studio.desk_login)
    assert desk.execute("SELECT count(*) FROM email_outbox").fetchone() == (1,)
    assert desk.execute("SELECT count(*) FROM email_attachments").fetchone() == (1,)
    cur = desk.execute("UPDATE email_outbox SET status = 'cancelled'")
    assert cur.rowcount == 1
    assert desk.execute("SELECT host FROM email_settings").fetchone() == ("smtp.example",)
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        desk.execute("UPDATE email_settings SET host = 'evil.example'")
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        desk.execute(
            "INSERT INTO email_templates (studio_id, kind, subject, text_body)"
            " VALUES (app_studio_id(), 'invoice', 'x', 'y')"
        )
    # The sender on a desk PC notes a server problem for everyone to see.
    cur = desk.execute("UPDATE email_settings SET last_problem = 'down'")
    assert cur.rowcount == 1


def test_an_admin_changes_the_mail_server_of_their_own_studio_only(
    studio: Studio,  # noqa: F811
    connect,  # noqa: F811
    queued: None,
) -> None:  # type: ignore[no-untyped-def]
    boss = connect(studio.admin_login)
    assert boss.execute("UPDATE email_settings SET port = 2525").rowcount == 1
    with pytest.raises(psycopg.errors.InsufficientPrivilege):  # row-level security
        boss.execute("INSERT INTO email_settings (studio_id, host) VALUES (gen_random_uuid(), 'x')")
