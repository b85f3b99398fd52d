"""The database itself says no: a teacher, the desk and an admin connecting as their own login.

These tests connect through psycopg as the person's login role, as someone with `psql` and
the person's credentials would, and show what the grants and row-level security allow.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import psycopg
import pytest
from factories import Maker
from sqlalchemy import text
from sqlalchemy.engine import make_url

from studiosync_desktop.db import Database
from studiosync_desktop.embedded import libpq_dsn
from studiosync_desktop.errors import PermissionDenied, ValidationFailed
from studiosync_desktop.permission_matrix import MATRIX, ROLES
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services.accounts import AccountService
from studiosync_desktop.services.roster import RosterService
from studiosync_desktop.services.who_acts import login_role_name

T0 = datetime(2030, 5, 6, 15, 0, tzinfo=UTC)
PASSWORD = "correct-horse-battery"


@dataclass
class Studio:
    admin_login: str
    desk_login: str
    teacher_login: str
    own_lesson: uuid.UUID
    other_lesson: uuid.UUID
    teacher_user: uuid.UUID


def email_of(db: Database, user_or_teacher: uuid.UUID) -> str:
    with db.session() as s:
        return str(
            s.execute(
                text(
                    "SELECT u.email FROM users u LEFT JOIN teachers t ON t.user_id = u.id"
                    " WHERE u.id = :i OR t.id = :i"
                ),
                {"i": user_or_teacher},
            ).scalar_one()
        )


@pytest.fixture
def studio(db: Database, admin: Actor) -> Studio:
    make = Maker(db, admin.studio_id)
    accounts = AccountService(db)
    t1, t2 = make.teacher("Tom", "Own"), make.teacher("Tia", "Other")
    a, b = make.student("Ann", "Mine", teacher_id=t1), make.student("Ben", "Theirs", teacher_id=t2)
    family = make.family("Mine family")
    make.invoice(family_id=family, total="120.00")
    own = make.lesson(t1, T0, student_id=a)
    other = make.lesson(t2, T0, student_id=b)
    invite = {"first_name": "X", "password": PASSWORD}
    admin_login = accounts.invite(
        admin, {**invite, "email": "boss@studio.example", "role": "admin"}
    )
    desk_login = accounts.invite(admin, {**invite, "email": "desk@studio.example", "role": "desk"})
    teacher_login = accounts.invite(admin, {**invite, "email": email_of(db, t1), "role": "teacher"})
    with db.session() as s:
        teacher_user = s.execute(
            text("SELECT user_id FROM teachers WHERE id = :t"), {"t": t1}
        ).scalar_one()
    return Studio(admin_login, desk_login, teacher_login, own, other, teacher_user)


@pytest.fixture
def connect(database_url: str) -> Iterator[object]:
    opened: list[psycopg.Connection] = []

    def as_login(login: str) -> psycopg.Connection:
        conn = psycopg.connect(
            libpq_dsn(database_url), user=login, password=PASSWORD, autocommit=True
        )
        opened.append(conn)
        return conn

    yield as_login
    for conn in opened:
        conn.close()


def login_database(database_url: str, login: str) -> Database:
    url = make_url(database_url).set(username=login, password=PASSWORD)
    return Database(url.render_as_string(hide_password=False))


def test_login_role_names_are_derived_from_email_and_database() -> None:
    name = login_role_name("Maya.Chen@Example.org", "studio")
    assert name == login_role_name("maya.chen@example.org", "studio")
    assert name != login_role_name("maya.chen@example.org", "other_studio")
    assert name.startswith("ss_") and "maya_chen" in name and len(name) <= 63


@pytest.mark.parametrize("table", ["invoices", "payments", "payment_methods", "invoice_line_items"])
def test_a_teacher_cannot_read_billing(studio: Studio, connect, table: str) -> None:  # type: ignore[no-untyped-def]
    conn = connect(studio.teacher_login)
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(f"SELECT * FROM {table}")


def test_a_teacher_sees_only_their_own_lessons(studio: Studio, connect) -> None:  # type: ignore[no-untyped-def]
    rows = connect(studio.teacher_login).execute("SELECT id FROM lessons").fetchall()
    assert [r[0] for r in rows] == [studio.own_lesson]


def test_a_teacher_updating_another_teachers_lesson_changes_nothing(
    studio: Studio, connect, db: Database
) -> None:  # type: ignore[no-untyped-def]
    cur = connect(studio.teacher_login).execute(
        "UPDATE lessons SET status = 'no_show' WHERE id = %s", (studio.other_lesson,)
    )
    assert cur.rowcount == 0
    with db.session() as s:
        location = s.execute(
            text("SELECT location FROM lessons WHERE id = :i"), {"i": studio.other_lesson}
        ).scalar_one()
    assert location == ""


def test_a_teacher_can_mark_their_own_lesson_completed_once_it_has_started(
    studio: Studio, connect, db: Database
) -> None:  # type: ignore[no-untyped-def]
    with db.session() as s:
        s.execute(
            text(
                "UPDATE lessons SET scheduled_start = now() - interval '1 hour',"
                " scheduled_end = now() - interval '30 minutes' WHERE id = :i"
            ),
            {"i": studio.own_lesson},
        )
    cur = connect(studio.teacher_login).execute(
        "UPDATE lessons SET status = 'completed' WHERE id = %s", (studio.own_lesson,)
    )
    assert cur.rowcount == 1


def test_a_teacher_cannot_make_themselves_admin(studio: Studio, connect) -> None:  # type: ignore[no-untyped-def]
    conn = connect(studio.teacher_login)
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("UPDATE users SET role = 'admin' WHERE id = %s", (studio.teacher_user,))
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("SELECT studiosync_set_staff_role(%s, 'admin')", (studio.teacher_user,))
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(f"GRANT studiosync_admin TO {studio.teacher_login}")
    role = conn.execute("SELECT app_role()").fetchone()
    assert role == ("teacher",)


def test_the_desk_cannot_change_studio_settings_or_staff(studio: Studio, connect) -> None:  # type: ignore[no-untyped-def]
    conn = connect(studio.desk_login)
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("UPDATE studios SET settings = '{}'::jsonb")
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("SELECT studiosync_reset_password(%s, 'x')", (studio.teacher_user,))
    with pytest.raises(psycopg.errors.InsufficientPrivilege):  # RLS: only students and parents
        conn.execute(
            "INSERT INTO users (studio_id, email, first_name, role)"
            " VALUES (app_studio_id(), 'new@x.org', 'New', 'admin')"
        )
    cur = conn.execute("UPDATE users SET role = 'admin' WHERE id = %s", (studio.teacher_user,))
    assert cur.rowcount == 0
    assert conn.execute("SELECT count(*) FROM invoices").fetchone() == (1,)


def test_the_desk_service_refuses_staff_accounts_with_a_message(
    studio: Studio, database_url: str
) -> None:
    db = login_database(database_url, studio.desk_login)
    try:
        accounts = AccountService(db)
        desk = accounts.current_actor()
        assert desk.role == "desk"
        with pytest.raises(PermissionDenied, match="staff accounts"):
            accounts.staff(desk)
    finally:
        db.dispose()


def test_an_admin_login_invites_and_deactivates_staff(studio: Studio, database_url: str) -> None:
    db = login_database(database_url, studio.admin_login)
    try:
        accounts = AccountService(db)
        boss = accounts.current_actor()
        login = accounts.invite(
            boss,
            {
                "email": "new.desk@studio.example",
                "first_name": "Nia",
                "role": "desk",
                "password": "first-day-password",
            },
        )
        staff = {row.email: row for row in accounts.staff(boss)}
        assert staff["new.desk@studio.example"].login_role == login
        assert staff["new.desk@studio.example"].must_change_password
        accounts.set_active(boss, staff["new.desk@studio.example"].id, False)
        with db.session() as s:
            can_login = s.execute(
                text("SELECT rolcanlogin FROM pg_roles WHERE rolname = :r"), {"r": login}
            ).scalar_one()
        assert can_login is False
        with pytest.raises(ValidationFailed) as weak:
            accounts.reset_password(boss, staff["new.desk@studio.example"].id, "short")
        assert "password" in weak.value.fields["new_password"].lower() or weak.value.fields
    finally:
        db.dispose()


def test_every_change_is_audited_with_who_did_it_and_nobody_can_erase_it(
    studio: Studio, connect
) -> None:  # type: ignore[no-untyped-def]
    desk = connect(studio.desk_login)
    desk.execute("UPDATE lessons SET location = 'Room 9' WHERE id = %s", (studio.own_lesson,))
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        desk.execute("SELECT * FROM audit_log")
    boss = connect(studio.admin_login)
    row = boss.execute(
        "SELECT db_role, action, old->>'location', new->>'location' FROM audit_log"
        " WHERE table_name = 'lessons' AND row_id = %s AND action = 'update'",
        (studio.own_lesson,),
    ).fetchone()
    assert row == (studio.desk_login, "update", "", "Room 9")
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        boss.execute("DELETE FROM audit_log")
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        boss.execute("UPDATE audit_log SET db_role = 'nobody'")


@pytest.mark.parametrize(
    "name",
    ["O'Brien", "'; DROP TABLE users; --", 'Robert"); DROP TABLE students;--', "Zoë Ñúñez 李"],
)
def test_hostile_names_are_stored_and_shown_as_typed(db: Database, admin: Actor, name: str) -> None:
    make = Maker(db, admin.studio_id)
    make.student(name, "Tester")
    page = RosterService(db).students(admin, search=name[:6])
    assert any(row.name.startswith(name) for row in page.rows)
    with db.session() as s:
        assert s.execute(text("SELECT count(*) FROM users")).scalar_one() >= 2


def test_a_very_long_or_control_character_value_is_refused_with_a_message(
    db: Database, admin: Actor
) -> None:
    make = Maker(db, admin.studio_id)
    with pytest.raises(ValidationFailed):
        make.student("x" * 5000, "Long")
    with pytest.raises(ValidationFailed):
        make.student("nul\x00byte", "Ctrl")


def test_every_table_has_row_level_security_and_policies(db: Database) -> None:
    """A table added later without securing it fails here (alembic_version is not data; a
    table the permission matrix grants to no login needs no policy)."""
    nobodys = [t for t, spec in MATRIX.items() if not any(spec.grants(r) for r in ROLES)]
    with db.session() as s:
        unsecured = (
            s.execute(
                text(
                    "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                    " WHERE n.nspname = current_schema() AND c.relkind = 'r'"
                    " AND c.relname <> 'alembic_version'"
                    " AND (NOT c.relrowsecurity OR NOT EXISTS"
                    "      (SELECT 1 FROM pg_policies p WHERE p.tablename = c.relname)"
                    "      AND c.relname <> ALL(:nobodys))"
                ),
                {"nobodys": nobodys},
            )
            .scalars()
            .all()
        )
    assert unsecured == []


def test_a_settled_stripe_attempt_is_never_reopened_even_by_the_desk_in_psql(
    studio: Studio,
    connect,
    db: Database,  # type: ignore[no-untyped-def]
) -> None:
    """Reopened, a refund would be recorded a second time at the next reconciliation."""
    with db.session() as s:
        s.execute(
            text(
                "INSERT INTO payment_methods (studio_id, family_id, last_four,"
                " stripe_payment_method_id) SELECT studio_id, family_id, '4242', 'pm_x'"
                " FROM invoices LIMIT 1"
            )
        )
        s.execute(
            text(
                "INSERT INTO stripe_attempts (studio_id, invoice_id, kind, status, amount,"
                " currency, payment_method_id, stripe_id, settled_at)"
                " SELECT i.studio_id, i.id, 'charge', 'succeeded', 10, 'USD', m.id, 'pi_x', now()"
                " FROM invoices i JOIN payment_methods m ON m.family_id = i.family_id LIMIT 1"
            )
        )
    desk = connect(studio.desk_login)
    for change in ("status = 'open', settled_at = NULL", "stripe_id = 'pi_other'"):
        with pytest.raises(psycopg.errors.CheckViolation):
            desk.execute(f"UPDATE stripe_attempts SET {change}")
