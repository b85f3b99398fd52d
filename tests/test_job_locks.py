"""The locks that decide which desk does a job (send the studio's email, book a teacher's
time, charge a Stripe attempt) are PostgreSQL's advisory locks: no teacher's login may hold
one, or it could stop the desk's work for as long as it liked (migration 0054)."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from permission_world import World
from test_other_studios_ids import Connect, connect, world

from studiosync_desktop.services.email_sender import LOCK, SENDER_LOCK

__all__ = ["connect", "world"]  # the fixtures, shared with test_other_studios_ids


def lock_functions(owner: psycopg.Connection[Any]) -> list[tuple[str, str]]:
    """Each lock-taking function with arguments to call it with."""
    rows = owner.execute(
        "SELECT p.proname, pg_get_function_identity_arguments(p.oid) FROM pg_proc p"
        " WHERE p.pronamespace = 'pg_catalog'::regnamespace"
        "   AND p.proname ~ '^pg_(try_)?advisory_(xact_)?lock(_shared)?$' ORDER BY 1, 2"
    ).fetchall()
    calls = [(name, "7" if args == "bigint" else "7, 7") for name, args in rows]
    assert len(calls) == 16, calls
    return calls


@pytest.mark.parametrize("name", ["teacher", "desk", "admin"])
def test_only_the_desk_and_admins_may_take_an_advisory_lock(
    connect: Connect, world: World, name: str
) -> None:
    owner, login = connect("owner"), connect(name)
    refused = []
    for function, args in lock_functions(owner):
        login.execute("SAVEPOINT try")
        try:
            login.execute(f"SELECT {function}({args})")  # type: ignore[arg-type]
        except psycopg.errors.InsufficientPrivilege:
            refused.append(function)
        login.execute("ROLLBACK TO SAVEPOINT try")
        login.execute("SELECT pg_advisory_unlock_all()")
    assert len(refused) == (16 if name == "teacher" else 0), refused


def test_a_teacher_cannot_hold_the_studio_mail_senders_lock(connect: Connect, world: World) -> None:
    teacher, desk = connect("teacher"), connect("desk")
    studio = str(world.logins["teacher"].studio)
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        teacher.execute(
            "SELECT pg_advisory_lock(%s, hashtext(%s))",  # type: ignore[arg-type]
            (SENDER_LOCK, studio),
        )
    took = desk.execute(
        "SELECT pg_try_advisory_lock(%s, hashtext(%s))",  # type: ignore[arg-type]
        (SENDER_LOCK, studio),
    ).fetchone()
    assert took == (True,)  # the desk's sender still takes it (the same call as LOCK's)
    assert "pg_try_advisory_lock(:k, hashtext(" in str(LOCK)
    desk.execute("SELECT pg_advisory_unlock_all()")


def test_the_owner_keeps_its_locks(connect: Connect, world: World) -> None:
    """Migrations and the demo build take advisory locks as the database's owner."""
    owner = connect("owner")
    assert owner.execute("SELECT pg_try_advisory_xact_lock(7)").fetchone() == (True,)
    assert owner.execute("SELECT studiosync_advisory_locks_for_staff()").fetchone() == (True,)
