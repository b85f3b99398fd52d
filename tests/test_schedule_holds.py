"""The schedule and the audit trail hold against the desk's and a teacher's own login in psql
(migration 0055): a computed column is what its trigger computes, whatever a login writes; no
row's id changes (the audit pairs old and new rows by it); a JSON column keeps the shape the app
reads and a size the desk can load.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest
from permission_world import World
from psycopg.types.json import Jsonb
from test_other_studios_ids import Connect, connect, world

from studiosync_desktop import limits
from studiosync_desktop.services.availability import exceptions_from
from studiosync_desktop.services.lesson_booking import _working

__all__ = ["connect", "world"]  # the fixtures, shared with test_other_studios_ids


def _one(conn: psycopg.Connection[Any], sql: str, *params: Any) -> Any:
    row = conn.execute(sql, params).fetchone()  # type: ignore[arg-type]
    assert row is not None, sql
    return row[0] if len(row) == 1 else row


def _coming_lesson(conn: psycopg.Connection[Any], teacher: uuid.UUID) -> Any:
    return _one(
        conn,
        "SELECT id, scheduled_start, scheduled_end FROM lessons WHERE teacher_id = %s"
        " AND status = 'scheduled' AND scheduled_start > now() ORDER BY scheduled_start LIMIT 1",
        teacher,
    )


# -- 1. computed columns ---------------------------------------------------------------------


@pytest.mark.parametrize("busy", ["empty", "[2001-01-01 00:00+00, 2001-01-01 00:01+00)"])
def test_the_desk_cannot_empty_a_lessons_busy_time_to_double_book_its_teacher(
    connect: Connect, world: World, busy: str
) -> None:
    """The desk set `teacher_busy` (the range ex_lessons_teacher_busy compares) to 'empty' on a
    lesson, then booked the same teacher at the same time for another student: two scheduled
    lessons for one teacher at once. Now the range is recomputed whenever it is written."""
    desk = connect("desk")
    teacher = world.logins["teacher"].teacher
    lesson, start, end = _coming_lesson(desk, teacher)
    desk.execute("UPDATE lessons SET teacher_busy = %s WHERE id = %s", (busy, lesson))
    kept = _one(
        desk,
        "SELECT teacher_busy = lesson_teacher_busy(teacher_id, scheduled_start, scheduled_end)"
        " FROM lessons WHERE id = %s",
        lesson,
    )
    assert kept is True
    other = _one(
        desk,
        "SELECT s.id FROM students s WHERE s.studio_id = app_studio_id()"
        " AND s.primary_teacher_id <> %s LIMIT 1",
        teacher,
    )
    with pytest.raises(psycopg.errors.ExclusionViolation):
        desk.execute(
            "INSERT INTO lessons (studio_id, teacher_id, student_id, scheduled_start,"
            " scheduled_end, lesson_type, rate) VALUES (app_studio_id(), %s, %s, %s, %s,"
            " 'private', 40)",
            (teacher, other, start, end),
        )


def test_the_desk_cannot_set_a_room_bookings_cost(connect: Connect, world: World) -> None:
    """`room_reservations.total_cost` was computed from the room's rate only when the room or
    the times changed: the desk's `SET total_cost = 0` was kept (a free three-hour booking).
    Now the cost is what the room's rate makes it, whatever is written."""
    desk = connect("desk")
    booking, room = _one(desk, "SELECT id, room_id FROM room_reservations LIMIT 1")
    desk.execute("UPDATE practice_rooms SET hourly_rate = 20 WHERE id = %s", (room,))
    desk.execute("UPDATE room_reservations SET end_time = end_time WHERE id = %s", (booking,))
    cost = _one(desk, "SELECT total_cost FROM room_reservations WHERE id = %s", booking)
    assert cost == 20  # one hour at the room's rate
    desk.execute("UPDATE room_reservations SET total_cost = 0 WHERE id = %s", (booking,))
    assert _one(desk, "SELECT total_cost FROM room_reservations WHERE id = %s", booking) == cost
    desk.execute(
        "UPDATE room_reservations SET total_cost = 0, notes = 'x' WHERE id = %s", (booking,)
    )
    assert _one(desk, "SELECT total_cost FROM room_reservations WHERE id = %s", booking) == cost


def test_a_teachers_buffer_still_moves_their_coming_lessons(connect: Connect, world: World) -> None:
    """0024's buffer: an admin's change of a teacher's buffer widens their coming lessons'
    busy time (the trigger now recomputes the range that update writes: the same value)."""
    admin = connect("admin")
    teacher = world.logins["teacher"].teacher
    lesson, _start, end = _coming_lesson(admin, teacher)
    admin.execute("UPDATE teachers SET booking_buffer_minutes = 15 WHERE id = %s", (teacher,))
    upper = _one(admin, "SELECT upper(teacher_busy) FROM lessons WHERE id = %s", lesson)
    assert upper == end + timedelta(minutes=15)


# -- 2. ids ----------------------------------------------------------------------------------


def test_a_teacher_cannot_change_an_hours_id_to_leave_no_audit(
    connect: Connect, world: World
) -> None:
    """audit_changes pairs an UPDATE's old and new rows by id: a teacher's `SET id =
    gen_random_uuid(), start_time = '06:00', end_time = '23:00'` on their hours left nothing in
    the audit log. Now no row's id changes."""
    teacher, owner = connect("teacher"), connect("owner")
    hours = _one(teacher, "SELECT id FROM teacher_hours WHERE teacher_id = app_teacher_id()")
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="keeps its id"):
        teacher.execute(
            "UPDATE teacher_hours SET id = gen_random_uuid(), start_time = '06:00',"
            " end_time = '23:00' WHERE id = %s",
            (hours,),
        )
    teacher.rollback()
    teacher.execute("UPDATE teacher_hours SET start_time = '08:00' WHERE id = %s", (hours,))
    teacher.commit()  # the rows the owner's connection may see: its own change, logged
    try:
        logged = _one(
            owner,
            "SELECT count(*) FROM audit_log WHERE table_name = 'teacher_hours' AND row_id = %s"
            " AND action = 'update' AND new ->> 'start_time' = '08:00:00'",
            hours,
        )
        assert logged == 1
    finally:
        teacher.execute("UPDATE teacher_hours SET start_time = '09:00' WHERE id = %s", (hours,))
        teacher.commit()


@pytest.mark.parametrize(
    ("name", "table"),
    [
        ("desk", "availability_exceptions"),
        ("desk", "checkout_logs"),
        ("desk", "makeup_credits"),
        ("admin", "lesson_notes"),
        ("teacher", "availability_exceptions"),
    ],
)
def test_no_login_changes_a_rows_id(connect: Connect, world: World, name: str, table: str) -> None:
    """The same, for the desk's, an admin's and a teacher's rows (rows nothing refers to, so
    no foreign key refuses the change first)."""
    login = connect(name)
    row = _one(login, f"SELECT id FROM {table} LIMIT 1")  # type: ignore[arg-type]
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="keeps its id"):
        login.execute(
            f"UPDATE {table} SET id = gen_random_uuid() WHERE id = %s",  # type: ignore[arg-type]
            (row,),
        )


def test_every_table_keeps_its_key(connect: Connect, world: World) -> None:
    """The class: every table with an `id`, and every other key the audit pairs rows by
    (booking_overrides' lesson_id), has the trigger that refuses a changed key."""
    owner = connect("owner")
    keys = set(
        owner.execute(
            "SELECT c.table_name, c.column_name FROM information_schema.columns c"
            " JOIN information_schema.tables t USING (table_schema, table_name)"
            " WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'"
            " AND c.column_name = 'id'"
        ).fetchall()
    )
    keys.add(("booking_overrides", "lesson_id"))
    guarded = set(
        owner.execute(
            "SELECT g.tgrelid::regclass::text, a.attname FROM pg_trigger g"
            " JOIN pg_attribute a ON a.attrelid = g.tgrelid AND a.attnum = ANY(g.tgattr)"
            " WHERE g.tgfoid = 'studiosync_keep_key'::regproc"
        ).fetchall()
    )
    assert len(keys) > 40
    assert keys - guarded == set()


# -- 3. JSON ---------------------------------------------------------------------------------

MALFORMED_HOURS = [
    [["09:00"]],
    [["12:00", "09:00"]],
    [["09:00", "09:00"]],
    [["9am", "10:00"]],
    [["24:00", "25:00"]],
    [[9, 10]],
    [["09:00", "10:00", "11:00"]],
    ["09:00-10:00"],
    [{"start": "09:00", "end": "10:00"}],
    [["09:00", "10:00"], None],
    [["09:00", "10:00"]] * (limits.EXCEPTION_HOURS + 1),
]


@pytest.mark.parametrize("hours", MALFORMED_HOURS, ids=range(len(MALFORMED_HOURS)))
def test_a_teacher_cannot_store_hours_the_desk_cannot_read(
    connect: Connect, world: World, hours: Any
) -> None:
    """A teacher stored `[["09:00"]]` as a year's other hours: every desk's read of that
    teacher's working time raised `ValueError: not enough values to unpack`, and so did every
    booking and move of their lessons. Now the database keeps only ["HH:MM", "HH:MM"] pairs,
    each starting before it ends, a sane number of them."""
    teacher = connect("teacher")
    with pytest.raises(psycopg.errors.CheckViolation):
        teacher.execute(
            "INSERT INTO availability_exceptions (studio_id, teacher_id, first_day, last_day,"
            " hours, reason) VALUES (app_studio_id(), app_teacher_id(), current_date + 100,"
            " current_date + 101, %s, 'Away')",
            (Jsonb(hours),),
        )


def test_a_teachers_real_other_hours_are_kept(connect: Connect, world: World) -> None:
    teacher = connect("teacher")
    teacher.execute(
        "INSERT INTO availability_exceptions (studio_id, teacher_id, first_day, last_day,"
        " hours, reason) VALUES (app_studio_id(), app_teacher_id(), current_date + 100,"
        " current_date + 101, %s, 'Concert')",
        (Jsonb([["00:00", "08:30"], ["13:00", "23:59"]]),),
    )


@pytest.mark.parametrize(
    ("table", "column", "key"),
    [
        ("lesson_notes", "strengths", "teacher"),
        ("lesson_plans", "tags", "teacher"),
        ("availability_exceptions", "hours", "teacher"),
        ("students", "specialties", "desk"),
    ],
)
def test_a_login_cannot_store_megabytes_in_a_json_column(
    connect: Connect, world: World, table: str, column: str, key: str
) -> None:
    """A teacher stored 300,000 entries (40 MB) in one row's hours, and the desk's read then
    carried 37 MB; notes' and plans' lists had no limit either. Now every JSON column a login
    writes has a size cap."""
    login = connect(key)
    row = _one(login, f"SELECT id FROM {table} LIMIT 1")  # type: ignore[arg-type]
    big = ["Practise slowly with the metronome"] * 300_000
    with pytest.raises(psycopg.errors.CheckViolation):
        login.execute(
            f"UPDATE {table} SET {column} = %s WHERE id = %s",  # type: ignore[arg-type]
            (Jsonb(big), row),
        )


def test_every_json_column_a_login_writes_has_a_size_cap(connect: Connect, world: World) -> None:
    """The class: a JSON column a staff role may INSERT or UPDATE is capped, and the cap is
    checked (valid); `limits.JSON_UNCAPPED` says why the others are not."""
    owner = connect("owner")
    written = set(
        owner.execute(
            "SELECT DISTINCT c.table_name, c.column_name FROM information_schema.columns c"
            " JOIN information_schema.column_privileges p USING (table_schema, table_name,"
            " column_name) WHERE c.table_schema = 'public' AND c.data_type = 'jsonb'"
            " AND p.grantee LIKE 'studiosync_%%' AND p.privilege_type IN ('INSERT', 'UPDATE')"
        ).fetchall()
    )
    every = set(
        owner.execute(
            "SELECT table_name, column_name FROM information_schema.columns"
            " WHERE table_schema = 'public' AND data_type = 'jsonb'"
        ).fetchall()
    )
    checks = {
        name
        for (name,) in owner.execute(
            "SELECT conname FROM pg_constraint WHERE contype = 'c' AND convalidated"
        ).fetchall()
    }
    capped = {(c.table, c.column) for c in limits.json_size_checks() if c.name in checks}
    uncapped = {(t, c) for t, cs in limits.JSON_UNCAPPED.items() for c in cs}
    assert written and written - capped == set()
    assert every - capped == uncapped
    assert not written & uncapped


# -- the reads, if a malformed row is there all the same -------------------------------------


def test_the_desks_reads_skip_hours_that_are_not_pairs() -> None:
    """A row written before 0055 (or restored from an old backup): the working-hours read and
    the booking check skip the entries that are not ["HH:MM", "HH:MM"] pairs instead of
    raising (a receptionist saw a traceback)."""
    teacher = uuid.uuid4()
    day = date(2031, 3, 3)
    raw = [["09:00"], ["10:00", "12:00"], "x", [1, 2], ["14:00", "13:00"], None]
    row = SimpleNamespace(
        id=uuid.uuid4(),
        teacher_id=teacher,
        first_day=day,
        last_day=day,
        hours=raw,
        reason="Away",
    )
    (read,) = exceptions_from([row])[teacher]
    assert [h.label() for h in read.hours] == ["10:00-12:00"]
    zone = ZoneInfo("America/New_York")
    week = [[0, "09:00", "17:00"]]
    working = _working(week, [[row.id, day, day, raw, "Away"]], teacher, day, day, zone)
    assert [(a.hour, b.hour) for a, b in working[teacher]] == [(10, 12)]
