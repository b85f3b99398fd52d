"""What a teacher may see and plant, and what the desk may move or read about staff: attacked
as the teacher's and the desk's own logins in psql (migration 0057)."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg
import pytest
from permission_world import PASSWORD, World
from sqlalchemy.engine import make_url
from test_other_studios_ids import Connect, connect, world

from studiosync_desktop.db import Database
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services.roster import RosterService

__all__ = ["connect", "world"]  # the fixtures, shared with test_other_studios_ids

ROSTER_TABLES = ("users", "students", "families", "teachers", "bands")


def _ids(conn: psycopg.Connection[Any], sql: str, *args: Any) -> set[Any]:
    return {r[0] for r in conn.execute(sql, args).fetchall()}  # type: ignore[arg-type]


def _hidden_parent(owner: psycopg.Connection[Any], world: World) -> tuple[uuid.UUID, str]:
    """A parent of the teacher's studio (the teacher may not SELECT them) and their text."""
    row = owner.execute(
        "SELECT id, search_text FROM users WHERE studio_id = %s AND role = 'parent' LIMIT 1",
        (world.logins["teacher"].studio,),
    ).fetchone()
    assert row is not None
    return row[0], row[1]


@pytest.mark.parametrize("table", ROSTER_TABLES)
def test_roster_hits_gives_a_teacher_only_the_rows_they_may_read(
    connect: Connect, table: str
) -> None:
    """`roster_hits` is SECURITY DEFINER and filtered by studio only: the teacher's
    roster_hits('users', '%', NULL) listed every person of the studio (the parents, a
    colleague's students), where row security shows the teacher their own students and the
    staff. Now it gives exactly the ids the teacher's own SELECT reads, for every table."""
    teacher = connect("teacher")
    readable = _ids(teacher, f"SELECT id FROM {table}")  # type: ignore[str-bytes-safe]
    assert readable
    for pattern in ("%", "%a%", "%example%"):
        hits = _ids(teacher, "SELECT roster_hits(%s, %s, NULL)", table, pattern)
        assert hits <= readable, f"{table} {pattern!r}: {len(hits - readable)} hidden rows"
    assert _ids(teacher, "SELECT roster_hits(%s, '%%', NULL)", table) == readable


def test_roster_hits_is_no_oracle_of_a_hidden_parents_name_email_or_phone(
    connect: Connect, world: World
) -> None:
    """The LIKE pattern as an oracle: a DO block guessing one character at a time read a
    parent the teacher cannot SELECT ("stella jones stella.jones.p1@example.org") from whether
    roster_hits returned an id. Now a hidden person matches nothing, by text or by typo."""
    owner, teacher = connect("owner"), connect("teacher")
    parent, text = _hidden_parent(owner, world)
    assert not _ids(teacher, "SELECT id FROM users WHERE id = %s", parent)
    assert _ids(owner, "SELECT roster_hits('users', %s, NULL)", f"%{text}%") >= {parent}
    word = text.split()[0]
    for pattern, folded in ((f"%{text}%", None), (f"{text[:6]}%", None), (f"%{word}%", word)):
        assert parent not in _ids(
            teacher, "SELECT roster_hits('users', %s, %s)", pattern, folded
        ), pattern
    hidden_family = owner.execute(
        "SELECT f.id, f.search_text FROM families f WHERE f.studio_id = %s"
        " AND f.id NOT IN (SELECT family_id FROM students WHERE primary_teacher_id = %s"
        "                   AND family_id IS NOT NULL) LIMIT 1",
        (world.logins["teacher"].studio, world.logins["teacher"].teacher),
    ).fetchone()
    assert hidden_family is not None
    assert hidden_family[0] not in _ids(
        teacher, "SELECT roster_hits('families', %s, NULL)", f"%{hidden_family[1]}%"
    )


def test_a_teachers_roster_search_finds_what_the_desks_finds_among_their_students(
    world: World, database_url: str
) -> None:
    """The app's own path: a teacher's student search (each keystroke) no longer asks
    roster_hits; it matches in its own query, under the teacher's row security. It finds, in
    the same order, what the desk's search finds among the teacher's students: by name, a
    typo, an email, and one or two letters."""
    dbs, found = [], {}
    for name, role in (("teacher", "teacher"), ("desk", "desk")):
        me = world.logins[name]
        db = Database(make_url(database_url).set(username=me.login, password=PASSWORD))
        dbs.append(db)
        actor = Actor(user_id=me.user, studio_id=me.studio, role=role, name=name)
        roster = RosterService(db)
        found[name] = {
            q: roster.students(actor, search=q, include_inactive=True).rows
            for q in ("student", "studnet9", "matrix.example", "st", "9", "parent")
        }
    try:
        mine = {r.id for r in found["teacher"]["student"]}
        assert mine
        for q, rows in found["teacher"].items():
            assert rows == tuple(r for r in found["desk"][q] if r.id in mine), q
        assert found["teacher"]["studnet9"] and not found["teacher"]["parent"]
    finally:
        for db in dbs:
            db.dispose()


def test_every_definer_function_a_teacher_may_call_is_scoped_to_what_they_may_read(
    connect: Connect,
) -> None:
    """Listed from pg_proc (prosecdef, EXECUTE for studiosync_teacher): each function a
    teacher may call is here with why it gives nothing the teacher may not read; a new one
    fails this test until it is looked at."""
    owner = connect("owner")
    callable_by_teacher = _ids(
        owner,
        "SELECT p.proname FROM pg_proc p WHERE p.pronamespace = current_schema()::regnamespace"
        " AND p.prosecdef AND p.prorettype <> 'trigger'::regtype"
        " AND has_function_privilege('studiosync_teacher', p.oid, 'EXECUTE')",
    )
    assert callable_by_teacher - set(TEACHER_MAY_CALL) == set()


TEACHER_MAY_CALL = {
    "app_user_id": "the caller's own",
    "app_studio_id": "the caller's own",
    "app_role": "the caller's own",
    "app_teacher_id": "the caller's own",
    "app_record_login": "stamps the caller's own last login",
    "app_teacher_student_ids": "the ids the teacher's own policies name",
    "app_teacher_user_ids": "the ids the teacher's own policies name",
    "app_teacher_family_ids": "the ids the teacher's own policies name",
    "app_teaches_student": "true for the teacher's own students only",
    "app_teaches_user": "true for the teacher's own students only",
    "app_in_thread": "whether the caller takes part in a thread",
    "app_thread_has_participants": "a thread's one yes/no, for its policy (ids only)",
    "app_privacy_pause": "whether this transaction is a privacy function's",
    "pay_run_is_approved": "a pay run's one yes/no, for the pay lines' guard (ids only)",
    "studiosync_require_admin": "refuses anyone but an admin",
    "studiosync_change_own_password": "the caller's own login",
    "studiosync_set_teacher_zone": "a teacher: their own only",
    "studiosync_tell_desk": "their own lessons only",
    "studiosync_day_busy": "a teacher: their own lessons only, no rooms",
    "studiosync_feed_urls": "a teacher: their own feeds' addresses only",
    "room_busy": "the studio's rooms' busy times: no one's name or booking",
    "roster_hits": "a teacher: the rows of their own policies (0057)",
}


def _feeds(owner: psycopg.Connection[Any], world: World) -> dict[str, uuid.UUID]:
    """The teacher's, the colleague's and the studio-wide feed of the teacher's studio."""
    me = world.logins["teacher"]
    rows = owner.execute(
        "SELECT f.id, f.teacher_id, f.room_id FROM calendar_feeds f WHERE f.studio_id = %s",
        (me.studio,),
    ).fetchall()
    feeds = {
        "own": next(i for i, t, _r in rows if t == me.teacher),
        "colleague's": next(i for i, t, _r in rows if t is not None and t != me.teacher),
        "studio's": next(i for i, t, r in rows if t is None and r is None),
        "room's": next(i for i, t, r in rows if r is not None),
    }
    return feeds


@pytest.mark.parametrize(
    "change",
    [
        "teacher_id = NULL",
        "teacher_id = %(other)s",
        "teacher_id = NULL, room_id = %(room)s",
        "url = 'https://cal.example/theirs-now.ics'",
    ],
)
def test_the_desk_cannot_make_a_teachers_feed_its_own_to_read_the_address(
    connect: Connect, world: World, change: str
) -> None:
    """studiosync_feed_urls gives the desk only studio-wide and room feeds, but the desk could
    UPDATE calendar_feeds SET teacher_id = NULL on a teacher's feed and then read its secret
    address (or point it elsewhere). Now the desk changes a feed's state (on, off, its sync)
    only; whose feed it is and its address stay as added."""
    owner, desk = connect("owner"), connect("desk")
    feeds = _feeds(owner, world)
    values = {
        "id": feeds["colleague's"],
        "other": world.logins["teacher"].teacher,
        "room": owner.execute(
            "SELECT room_id FROM calendar_feeds WHERE id = %s", (feeds["room's"],)
        ).fetchone()[0],  # type: ignore[index]
    }
    with pytest.raises(psycopg.errors.InsufficientPrivilege), desk.transaction(force_rollback=True):
        desk.execute(f"UPDATE calendar_feeds SET {change} WHERE id = %(id)s", values)  # type: ignore[arg-type]
        desk.execute("SELECT * FROM studiosync_feed_urls(ARRAY[%(id)s]::uuid[])", values)
        raise AssertionError("the desk moved a teacher's feed")
    with desk.transaction(force_rollback=True):  # what the app does: on and off, a sync
        assert desk.execute(
            "UPDATE calendar_feeds SET enabled = false, last_attempt_at = now(),"
            " last_error = '', event_count = 0 WHERE id = %(id)s",
            values,
        ).rowcount
        assert not desk.execute(
            "SELECT * FROM studiosync_feed_urls(ARRAY[%(id)s]::uuid[])", values
        ).fetchall()


def test_a_feeds_changes_are_audited_but_not_its_syncs(connect: Connect, world: World) -> None:
    """calendar_feeds had no UPDATE audit trigger (every sync writes its time): whoever turned
    a feed off or moved it left no trace. Now a change is audited like any table's; the sync's
    own bookkeeping (last attempt, last sync, error, count) is not."""
    owner, admin = connect("owner"), connect("admin")
    feed = _feeds(owner, world)["colleague's"]
    count = "SELECT count(*) FROM audit_log WHERE row_id = %s AND action = 'update'"

    def updates() -> int:
        row = admin.execute(count, (feed,)).fetchone()
        assert row is not None
        return int(row[0])

    before = updates()
    admin.execute(
        "UPDATE calendar_feeds SET last_attempt_at = now(), last_synced_at = now(),"
        " last_error = '', event_count = 3 WHERE id = %s",
        (feed,),
    )
    assert updates() == before
    admin.execute("UPDATE calendar_feeds SET enabled = false WHERE id = %s", (feed,))
    assert updates() == before + 1
    admin.execute("UPDATE calendar_feeds SET teacher_id = NULL WHERE id = %s", (feed,))
    assert updates() == before + 2


@pytest.mark.parametrize("into", ["colleague's", "studio's", "room's"])
def test_a_teacher_plants_no_event_in_a_feed_not_their_own(
    connect: Connect, world: World, into: str
) -> None:
    """The events' policy checked only the event's own teacher_id, while the app reads whose
    busy time an event is from its FEED: a teacher's event in the studio-wide feed made every
    desk booking ask for an outside-event confirmation for 13 months; in a colleague's feed,
    the colleague looked busy. Now a teacher writes events into their own feeds only."""
    owner, teacher = connect("owner"), connect("teacher")
    feeds = _feeds(owner, world)
    plant = (
        "INSERT INTO calendar_feed_events (studio_id, feed_id, teacher_id, starts, ends, title)"
        " VALUES (app_studio_id(), %s, app_teacher_id(), now() + interval '1 day',"
        " now() + interval '400 days', 'planted')"
    )
    with (
        pytest.raises(psycopg.errors.InsufficientPrivilege),
        teacher.transaction(force_rollback=True),
    ):
        teacher.execute(plant, (feeds[into],))
    with teacher.transaction(force_rollback=True):  # their own feed, as the sync writes it
        assert teacher.execute(plant, (feeds["own"],)).rowcount == 1


def test_the_desk_reads_no_audit_trail_about_staff(connect: Connect, world: World) -> None:
    """studiosync_person_audit(<a staff member's id>) gave the desk the audit rows about staff
    (their users row, last_login...), while the audit log is otherwise admin-only. Its purpose
    is a person's data export, which the desk makes for people without a login only: now the
    desk gets those; an admin still gets a staff member's."""
    owner, desk, admin = connect("owner"), connect("desk"), connect("admin")
    trail = "SELECT count(*) FROM studiosync_person_audit(%s)"
    staff = [world.logins[n].user for n in ("teacher", "admin")]
    student = owner.execute(
        "SELECT user_id FROM students WHERE studio_id = %s LIMIT 1",
        (world.logins["desk"].studio,),
    ).fetchone()
    assert student is not None

    def count(conn: psycopg.Connection[Any], person: Any) -> int:
        row = conn.execute(trail, (person,)).fetchone()
        assert row is not None
        return int(row[0])

    for person in staff:
        assert count(admin, person) > 0
        assert count(desk, person) == 0
    assert count(desk, student[0]) == count(admin, student[0]) > 0
