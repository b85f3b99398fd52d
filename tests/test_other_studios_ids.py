"""Ids of another studio open nothing: tried as the desk's, an admin's and a teacher's own
login in psql (migration 0043).

A SECURITY DEFINER function reads past row security, so each one a login may call is tried
here with another studio's ids, or says in `TRUSTS_NO_IDS` why no id of its can reach
another studio's rows; a new one fails the first test until it is one or the other.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import psycopg
import pytest
from permission_world import NOW, PASSWORD, World, build_world

from studiosync_desktop.embedded import libpq_dsn
from studiosync_desktop.models import Base

Connect = Callable[[str], psycopg.Connection[Any]]

# Functions a login may call that take an id, tried below with another studio's.
TRIED = {
    "studiosync_clashes",
    "studiosync_day_busy",
    "studiosync_feed_urls",  # tests/test_permission_matrix.py (another studio's teacher)
    "studiosync_person_audit",
    "studiosync_erasure_blockers",
    "studiosync_tell_desk",  # tests/test_each_login_does_its_job.py
    *(f"studiosync_{name}" for name in ("create_login", "set_staff_role", "set_login_enabled")),
    "studiosync_reset_password",
    "studiosync_erase_person",
    "studiosync_set_teacher_zone",
    "studiosync_reservations_during",  # takes no id; tried below all the same
}
# ... and those whose ids cannot reach another studio's rows, with why.
TRUSTS_NO_IDS = {
    "app_teaches_student": "true only for the caller's own students (by app_teacher_id())",
    "app_teaches_user": "true only for people the caller teaches",
    "app_in_thread": "true only for threads the caller takes part in",
    "app_thread_has_participants": "whether a thread has anyone: used by the threads' policy",
    "pay_run_is_approved": (
        "a pay run's one yes/no, for the pay lines' guard; NOT scoped: left for the lead"
    ),
    "roster_hits": (
        "matches typed text among the caller's studio's rows; a teacher's, among the rows of"
        " their own policies (0057, tests/test_teacher_scopes.py)"
    ),
    "room_busy": "scoped by app_studio_id() in its query",
    "studiosync_change_own_password": "the caller's own login only",
}


@pytest.fixture(scope="module")
def world(database_url: str) -> Iterator[World]:
    dsn = libpq_dsn(database_url)
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"TRUNCATE {tables} CASCADE")  # type: ignore[arg-type]
    built, left_open = build_world(dsn)
    yield built
    left_open.close()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"TRUNCATE {tables} CASCADE")  # type: ignore[arg-type]


@pytest.fixture
def connect(world: World, database_url: str) -> Iterator[Connect]:
    """A login's connection in one transaction, rolled back after the test ("owner": owner)."""
    opened: list[psycopg.Connection[Any]] = []

    def as_login(name: str) -> psycopg.Connection[Any]:
        if name == "owner":
            conn = psycopg.connect(libpq_dsn(database_url))
        else:
            login = world.logins[name].login
            conn = psycopg.connect(libpq_dsn(database_url), user=login, password=PASSWORD)
        opened.append(conn)
        return conn

    yield as_login
    for conn in opened:
        conn.rollback()
        conn.close()


def test_every_definer_function_a_login_calls_with_an_id_is_tried_or_says_why_not(
    connect: Connect,
) -> None:
    owner = connect("owner")
    rows = owner.execute(
        "SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
        " WHERE n.nspname = current_schema() AND p.prosecdef"
        " AND p.prorettype <> 'trigger'::regtype"
        " AND (p.proargtypes::oid[] && ARRAY['uuid'::regtype, 'uuid[]'::regtype]::oid[]"
        "      OR p.proname = 'studiosync_change_own_password')"
        " AND (has_function_privilege('studiosync_desk', p.oid, 'EXECUTE')"
        "      OR has_function_privilege('studiosync_teacher', p.oid, 'EXECUTE')"
        "      OR has_function_privilege('studiosync_admin', p.oid, 'EXECUTE'))"
    ).fetchall()
    callable_with_ids = {name for (name,) in rows}
    unexplained = callable_with_ids - TRIED - set(TRUSTS_NO_IDS)
    assert not unexplained, f"try these with another studio's ids: {sorted(unexplained)}"
    assert set(TRUSTS_NO_IDS) | TRIED >= callable_with_ids
    assert "studiosync_clashes" in callable_with_ids  # the query finds them


def _ids(owner: psycopg.Connection[Any], studio: uuid.UUID) -> dict[str, list[Any]]:
    def col(query: str) -> list[Any]:
        return [r[0] for r in owner.execute(query, (studio,)).fetchall()]

    return {
        "teachers": col("SELECT id FROM teachers WHERE studio_id = %s"),
        "rooms": col("SELECT id FROM practice_rooms WHERE studio_id = %s"),
        # Each lesson as an occurrence of the same teacher, student, band and room, its time.
        "lessons": owner.execute(
            "SELECT teacher_id, student_id, band_id, room_id, scheduled_start, scheduled_end"
            " FROM lessons WHERE studio_id = %s AND status = 'scheduled'",
            (studio,),
        ).fetchall(),
    }


def _clashes(conn: psycopg.Connection[Any], occurrences: list[tuple[Any, ...]]) -> list[Any]:
    columns = list(zip(*occurrences, strict=True))
    return conn.execute(
        "SELECT kind, lesson_id FROM studiosync_clashes("
        "%s::uuid[], %s::uuid[], %s::uuid[], %s::uuid[], %s::timestamptz[], %s::timestamptz[],"
        " '{}')",
        [list(c) for c in columns],
    ).fetchall()


def test_the_clash_check_answers_nothing_about_another_studios_teachers_people_or_rooms(
    connect: Connect, world: World
) -> None:
    owner, desk = connect("owner"), connect("desk")
    studio_of = dict(owner.execute("SELECT id, studio_id FROM lessons").fetchall())
    mine = _ids(owner, world.logins["desk"].studio)
    theirs = _ids(owner, world.logins["other studio's teacher"].studio)
    assert theirs["lessons"], "the other studio has lessons to be found"
    # The other studio's lessons at their times: with its own teacher, student, band and room,
    # and with the desk's own teacher (who passes) and its student, band and room.
    probes = [
        theirs["lessons"],
        [(mine["teachers"][0], *row[1:]) for row in theirs["lessons"]],
    ]
    for probe in probes:
        found = {lesson for _kind, lesson in _clashes(owner, probe)}
        assert {studio_of[f] for f in found} >= {world.logins["other studio's teacher"].studio}
        for kind, lesson in _clashes(desk, probe):
            assert studio_of[lesson] == world.logins["desk"].studio, (kind, probe)
    # A lesson of the desk's own studio is still its clash, by every kind.
    kinds = {kind for kind, _lesson in _clashes(desk, mine["lessons"])}
    assert kinds == {"teacher", "person", "room"}


def test_busy_times_are_the_callers_studios_only(connect: Connect, world: World) -> None:
    owner = connect("owner")
    everyone = [r[0] for r in owner.execute("SELECT id FROM teachers").fetchall()]
    span = (NOW - timedelta(days=30), NOW + timedelta(days=60), everyone)
    query = "SELECT kind, key, lesson_id FROM studiosync_day_busy(%s, %s, %s)"
    seen_by_owner = owner.execute(query, span).fetchall()
    lessons_of = dict(owner.execute("SELECT id, studio_id FROM lessons").fetchall())
    rooms_of = dict(owner.execute("SELECT id, studio_id FROM practice_rooms").fetchall())
    assert len({lessons_of[lesson] for _k, _key, lesson in seen_by_owner if lesson}) == 2
    for name in ("desk", "admin", "teacher", "other studio's teacher"):
        who = world.logins[name]
        rows = connect(name).execute(query, span).fetchall()
        assert rows, name
        for kind, key, lesson in rows:
            if lesson is not None:
                assert lessons_of[lesson] == who.studio, (name, kind)
            if kind == "room":
                assert rooms_of[key] == who.studio, name
            elif who.role == "teacher":
                assert key == who.teacher, name


RESERVATIONS = "SELECT reservation_id FROM studiosync_reservations_during(%s, %s)"


def test_a_days_reservations_are_the_callers_studios_and_for_its_desk_and_admins_only(
    connect: Connect, world: World
) -> None:
    """0048: the probe reads past row security; it answers as the policies do."""
    owner = connect("owner")
    span = (NOW - timedelta(days=30), NOW + timedelta(days=60))
    studio_of = dict(owner.execute("SELECT id, studio_id FROM room_reservations").fetchall())
    seen_by_owner = {r for (r,) in owner.execute(RESERVATIONS, span).fetchall()}
    assert {studio_of[r] for r in seen_by_owner} == set(studio_of.values())
    assert len(set(studio_of.values())) == 2
    for name in ("desk", "admin"):
        who = world.logins[name]
        found = {r for (r,) in connect(name).execute(RESERVATIONS, span).fetchall()}
        assert found == {r for r, studio in studio_of.items() if studio == who.studio}, name
    for name in ("teacher", "other studio's teacher"):  # not granted: none are theirs
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            connect(name).execute(RESERVATIONS, span)


def test_a_superuser_named_by_a_login_row_answers_for_that_studio_only(
    connect: Connect, world: World
) -> None:
    """0048: the probes read the caller's own login row first; only a caller without one is
    asked whether it owns the database (and then answers for every studio)."""
    owner = connect("owner")
    mine = world.logins["desk"].studio
    owner.execute(
        "UPDATE users SET db_role = session_user WHERE id = %s", (world.logins["admin"].user,)
    )
    span = (NOW - timedelta(days=30), NOW + timedelta(days=60))
    found = [r for (r,) in owner.execute(RESERVATIONS, span).fetchall()]
    studios = owner.execute(
        "SELECT DISTINCT studio_id FROM room_reservations WHERE id = ANY(%s)", (found,)
    ).fetchall()
    assert studios == [(mine,)]
    lessons_of = dict(owner.execute("SELECT id, studio_id FROM lessons").fetchall())
    everyone = [r[0] for r in owner.execute("SELECT id FROM teachers").fetchall()]
    busy = owner.execute(
        "SELECT lesson_id FROM studiosync_day_busy(%s, %s, %s)", (*span, everyone)
    ).fetchall()
    assert busy and {lessons_of[lesson] for (lesson,) in busy if lesson} == {mine}
    theirs = _ids(owner, world.logins["other studio's teacher"].studio)
    assert _clashes(owner, theirs["lessons"]) == []


def test_a_person_of_another_studio_has_no_history_and_no_blockers_for_the_desk(
    connect: Connect, world: World
) -> None:
    owner, desk = connect("owner"), connect("desk")
    theirs = owner.execute(
        "SELECT user_id FROM students WHERE studio_id = %s",
        (world.logins["other studio's teacher"].studio,),
    ).fetchall()
    for (person,) in theirs:
        assert owner.execute("SELECT count(*) FROM studiosync_person_audit(%s)", (person,))
        rows = desk.execute("SELECT * FROM studiosync_person_audit(%s)", (person,)).fetchall()
        assert rows == []
        with pytest.raises(psycopg.Error, match="not on the roster"), desk.transaction():
            desk.execute("SELECT studiosync_erasure_blockers(%s)", (person,))


@pytest.mark.parametrize(
    "call",
    [
        "studiosync_set_staff_role(%s, 'admin')",
        "studiosync_set_login_enabled(%s, false)",
        "studiosync_reset_password(%s, 'SCRAM-SHA-256$4096:c2FsdA==$a2V5:a2V5')",
        "studiosync_create_login(%s, 'ss_taken_over', 'SCRAM-SHA-256$4096:c2FsdA==$a2V5:a2V5',"
        " 'admin')",
        "studiosync_erase_person(%s)",
    ],
)
def test_an_admin_reaches_no_login_or_person_of_another_studio(
    connect: Connect, world: World, call: str
) -> None:
    owner, admin = connect("owner"), connect("admin")
    them = world.logins["other studio's teacher"]
    before = owner.execute(
        "SELECT role, is_active FROM users WHERE id = %s", (them.user,)
    ).fetchall()
    with pytest.raises(psycopg.Error), admin.transaction():
        admin.execute(f"SELECT {call}", (them.user,))  # type: ignore[arg-type]
    after = owner.execute("SELECT role, is_active FROM users WHERE id = %s", (them.user,))
    assert after.fetchall() == before


@pytest.mark.parametrize(
    ("name", "whose"), [("desk", "other studio's teacher"), ("teacher", "colleague")]
)
def test_no_one_sets_the_time_zone_of_a_teacher_not_theirs(
    connect: Connect, world: World, name: str, whose: str
) -> None:
    owner, login = connect("owner"), connect(name)
    if whose == "colleague":
        row = owner.execute(
            "SELECT id FROM teachers WHERE studio_id = %s AND id <> %s",
            (world.logins["teacher"].studio, world.logins["teacher"].teacher),
        ).fetchone()
        assert row is not None
        teacher = row[0]
    else:
        teacher = world.logins[whose].teacher
    with pytest.raises(psycopg.Error), login.transaction():
        login.execute("SELECT studiosync_set_teacher_zone(%s, 'Asia/Tokyo')", (teacher,))
    zone = owner.execute("SELECT timezone FROM teachers WHERE id = %s", (teacher,)).fetchone()
    assert zone == (None,)


@pytest.mark.parametrize("part", ["teacher_id", "student_id", "band_id", "room_id"])
@pytest.mark.parametrize("how", ["INSERT", "UPDATE"])
def test_a_lesson_names_its_own_studios_teacher_student_band_and_room_only(
    connect: Connect, world: World, part: str, how: str
) -> None:
    """0047: the desk's login wrote a lesson of its studio with the other studio's teacher,
    who was then busy for that studio's desks (foreign keys read past row security)."""
    owner, desk = connect("owner"), connect("desk")
    mine, theirs = world.logins["desk"].studio, world.logins["other studio's teacher"].studio
    ours = owner.execute(
        "SELECT teacher_id, student_id, band_id, room_id FROM lessons"
        " WHERE studio_id = %s AND status = 'scheduled' AND student_id IS NOT NULL LIMIT 1",
        (mine,),
    ).fetchone()
    table = {"teacher_id": "teachers", "student_id": "students", "band_id": "bands"}
    other = owner.execute(
        f"SELECT id FROM {table.get(part, 'practice_rooms')} WHERE studio_id = %s LIMIT 1",
        (theirs,),
    ).fetchone()
    assert ours is not None and other is not None
    parts = dict(zip(("teacher_id", "student_id", "band_id", "room_id"), ours, strict=True))
    if how == "INSERT":
        parts[part] = other[0]
        query = (
            "INSERT INTO lessons (studio_id, teacher_id, student_id, band_id, room_id,"
            " scheduled_start, scheduled_end) VALUES (%s, %s, %s, %s, %s,"
            " now() + interval '300 days', now() + interval '300 days 30 minutes')"
        )
        params: tuple[Any, ...] = (mine, *parts.values())
    else:
        lesson = desk.execute(
            "SELECT id FROM lessons WHERE status = 'scheduled' LIMIT 1"
        ).fetchone()
        assert lesson is not None
        query, params = f"UPDATE lessons SET {part} = %s WHERE id = %s", (other[0], lesson[0])
    refused = pytest.raises(psycopg.errors.InsufficientPrivilege, match="own studio")
    with refused, desk.transaction():
        desk.execute(query, params)  # type: ignore[arg-type]
    if how == "INSERT":  # and with its own studio's parts it books
        with desk.transaction(force_rollback=True):
            desk.execute(query, (mine, *ours))
