"""A lesson is marked taught only once it has started, however a login gets it there, and every
JSON column a login writes keeps the shape the app reads (migration 0060), against the desk's
and a teacher's own login in psql.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import psycopg
import pytest
from permission_world import World
from psycopg.types.json import Jsonb
from test_other_studios_ids import Connect, connect, world

from studiosync_desktop import limits

__all__ = ["connect", "world"]  # the fixtures, shared with test_other_studios_ids

DEEP = "(repeat('[', 3000) || repeat(']', 3000))::jsonb"


def _one(conn: psycopg.Connection[Any], sql: str, *params: Any) -> Any:
    row = conn.execute(sql, params).fetchone()  # type: ignore[arg-type]
    assert row is not None, sql
    return row[0] if len(row) == 1 else row


def _coming(conn: psycopg.Connection[Any], world: World) -> Any:
    return _one(
        conn,
        "SELECT id, student_id, scheduled_start, scheduled_end FROM lessons"
        " WHERE teacher_id = %s AND status = 'scheduled'"
        " AND scheduled_start > now() + interval '1 day'"
        " ORDER BY scheduled_start LIMIT 1",
        world.logins["teacher"].teacher,
    )


# -- 1. marked taught ahead of time ----------------------------------------------------------


@pytest.mark.parametrize("status", ["completed", "in_progress", "no_show"])
def test_the_desk_cannot_insert_a_lesson_already_taught_a_month_ahead(
    connect: Connect, world: World, status: str
) -> None:
    """The desk INSERTed a lesson 30 days ahead already 'completed' (the guard fired on an
    UPDATE of status only): billed and paid to its teacher before it was taught."""
    desk = connect("desk")
    _, student, *_ = _coming(desk, world)
    with pytest.raises(psycopg.errors.CheckViolation, match="once it has started"):
        desk.execute(
            "INSERT INTO lessons (studio_id, teacher_id, student_id, scheduled_start,"
            " scheduled_end, lesson_type, status, rate) VALUES (app_studio_id(), %s, %s,"
            " date_trunc('hour', now()) + '30 days 3 hours',"
            " date_trunc('hour', now()) + '30 days 4 hours', 'private', %s, 50)",
            (world.logins["teacher"].teacher, student, status),
        )


def test_the_desk_cannot_mark_a_lesson_taught_by_moving_it_to_now_and_back(
    connect: Connect, world: World
) -> None:
    """Moved to now, marked 'completed', moved back to its time in days: a lesson taught
    ahead of time. A marked lesson may not move to more than a quarter of an hour ahead."""
    desk = connect("desk")
    lesson, _, start, end = _coming(desk, world)
    desk.execute(
        "UPDATE lessons SET status = 'completed', scheduled_start = now(),"
        " scheduled_end = now() + interval '1 hour' WHERE id = %s",
        (lesson,),
    )
    with pytest.raises(psycopg.errors.CheckViolation, match="once it has started"):
        desk.execute(
            "UPDATE lessons SET scheduled_start = %s, scheduled_end = %s WHERE id = %s",
            (start, end, lesson),
        )


def test_a_taught_lesson_still_moves_within_the_past(connect: Connect, world: World) -> None:
    """What the guard leaves: a lesson marked once it started moves to another past time (a
    correction), and a scheduled lesson moves anywhere."""
    desk = connect("desk")
    lesson, _, start, end = _coming(desk, world)
    desk.execute(
        "UPDATE lessons SET scheduled_start = %s, scheduled_end = %s WHERE id = %s",
        (start + timedelta(days=7), end + timedelta(days=7), lesson),
    )
    desk.execute(
        "UPDATE lessons SET status = 'completed', scheduled_start = now() - interval '3 hours',"
        " scheduled_end = now() - interval '2 hours' WHERE id = %s",
        (lesson,),
    )
    desk.execute(
        "UPDATE lessons SET scheduled_start = scheduled_start - interval '30 minutes',"
        " scheduled_end = scheduled_end - interval '30 minutes' WHERE id = %s",
        (lesson,),
    )
    assert _one(desk, "SELECT status FROM lessons WHERE id = %s", lesson) == "completed"


# -- 2. the shape of JSON columns ------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "column", "key"),
    [
        ("lesson_notes", "assignments", "teacher"),
        ("lesson_plans", "tags", "teacher"),
        ("students", "specialties", "desk"),
        ("studios", "settings", "admin"),
    ],
)
def test_a_login_cannot_nest_a_json_column_three_thousand_deep(
    connect: Connect, world: World, table: str, column: str, key: str
) -> None:
    """A teacher set their note's assignments to 3,000 nested arrays (a few kB, within the
    size cap): every read of the note and of its audit copy raised RecursionError."""
    login = connect(key)
    row = _one(login, f"SELECT id FROM {table} LIMIT 1")  # type: ignore[arg-type]
    with pytest.raises(psycopg.errors.CheckViolation):
        login.execute(
            f"UPDATE {table} SET {column} = {DEEP} WHERE id = %s",  # type: ignore[arg-type]
            (row,),
        )


@pytest.mark.parametrize(
    "value", [[["Scales"]], ["Scales", 3], [{"a": "b"}], {"a": "Scales"}, "Scales", [None]]
)
def test_a_teachers_note_lists_are_flat_lists_of_strings(
    connect: Connect, world: World, value: Any
) -> None:
    """The app reads a note's lists as lists of words; anything else is refused."""
    teacher = connect("teacher")
    note = _one(teacher, "SELECT id FROM lesson_notes LIMIT 1")
    with pytest.raises(psycopg.errors.CheckViolation):
        teacher.execute(
            "UPDATE lesson_notes SET assignments = %s WHERE id = %s", (Jsonb(value), note)
        )
    teacher.rollback()
    teacher.execute(
        "UPDATE lesson_notes SET assignments = %s WHERE id = %s",
        (Jsonb(["Scales", "Arpeggios"]), note),
    )


@pytest.mark.parametrize("value", [{"a": {"b": 1}}, {"a": [[1]]}, {"a": [{}]}, [1], "x"])
def test_a_studios_settings_are_an_object_of_scalars_and_lists(
    connect: Connect, world: World, value: Any
) -> None:
    """The studio's settings (and layout, and an email's details) hold scalars and lists of
    scalars, as the app writes them; nothing nested deeper."""
    admin = connect("admin")
    with pytest.raises(psycopg.errors.CheckViolation):
        admin.execute(
            "UPDATE studios SET settings = settings || %s WHERE id = app_studio_id()",
            (Jsonb({"x": value}) if isinstance(value, dict) else Jsonb(value),),
        )
    admin.rollback()
    admin.execute(
        "UPDATE studios SET settings = settings || %s WHERE id = app_studio_id()",
        (Jsonb({"parts_off": ["inventory"], "snap_minutes": 15}),),
    )


def test_every_json_column_a_login_writes_has_a_shape(connect: Connect, world: World) -> None:
    """The class: a JSON column a staff role may INSERT or UPDATE has a validated check of the
    shape the app reads (a new column without one fails here)."""
    owner = connect("owner")
    written = set(
        owner.execute(
            "SELECT DISTINCT c.table_name, c.column_name FROM information_schema.columns c"
            " JOIN information_schema.column_privileges p USING (table_schema, table_name,"
            " column_name) WHERE c.table_schema = 'public' AND c.data_type = 'jsonb'"
            " AND p.grantee LIKE 'studiosync_%%' AND p.privilege_type IN ('INSERT', 'UPDATE')"
        ).fetchall()
    )
    checks = {
        name
        for (name,) in owner.execute(
            "SELECT conname FROM pg_constraint WHERE contype = 'c' AND convalidated"
        ).fetchall()
    }
    shaped = {(c.table, c.column) for c in limits.json_shape_checks() if c.name in checks}
    if limits.HOURS_SHAPE_CHECK in checks:
        shaped.add(("availability_exceptions", "hours"))
    assert written and written - shaped == set()
