"""Each finding of issue 13's "Each login does only its job", as a teacher or the desk would
try it with their own login in psql. Every test is one transaction, rolled back at the end.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import psycopg
import pytest
from permission_world import NOW, PASSWORD, World, build_world
from sqlalchemy.engine import make_url

from studiosync_desktop.db import Database
from studiosync_desktop.embedded import libpq_dsn
from studiosync_desktop.errors import Busy, Conflict, NeedsConfirmation
from studiosync_desktop.models import Base
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services.scheduling import SchedulingService
from studiosync_desktop.vocabulary import TEACHER_NOTICES

Connect = Callable[[str], psycopg.Connection[Any]]


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


def one(conn: psycopg.Connection[Any], query: str, *params: Any) -> Any:
    row = conn.execute(query, params).fetchone()  # type: ignore[arg-type]
    return None if row is None else row[0]


def refused(conn: psycopg.Connection[Any], query: str, *params: Any) -> str:
    """Runs a statement that must be refused; returns the server's message."""
    with pytest.raises(psycopg.Error) as caught, conn.transaction():
        conn.execute(query, params)  # type: ignore[arg-type]
    return str(caught.value)


def own_lesson(conn: psycopg.Connection[Any], when: str) -> uuid.UUID:
    """A lesson of the logged-in teacher, 'past' (started) or 'coming'."""
    order = "<" if when == "past" else ">"
    lesson: uuid.UUID = one(
        conn, f"SELECT id FROM lessons WHERE scheduled_start {order} now() ORDER BY 1 LIMIT 1"
    )
    return lesson


# -- a teacher's own lessons ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("rate", "0.01"),
        ("student_id", "other student"),
        ("band_id", None),
        ("studio_id", "other studio"),
        ("scheduled_start", "earlier"),
        ("scheduled_end", "later"),
        ("room_id", None),
        ("recurring_pattern_id", None),
        ("location", "my living room"),
    ],
)
def test_a_teacher_cannot_change_what_the_desk_books_on_their_own_lesson(
    connect: Connect, world: World, column: str, value: Any
) -> None:
    owner, teacher = connect("owner"), connect("teacher")
    lesson = own_lesson(teacher, "past")
    me = world.logins["teacher"]
    stand_in = {
        "other student": ("SELECT id FROM students WHERE primary_teacher_id <> %s", me.teacher),
        "other studio": ("SELECT id FROM studios WHERE id <> %s", me.studio),
        "earlier": (f"SELECT {column} - interval '5 min' FROM lessons WHERE id = %s", lesson),
        "later": (f"SELECT {column} + interval '5 min' FROM lessons WHERE id = %s", lesson),
    }
    if value in stand_in:
        query, param = stand_in[value]
        value = one(owner, query + " LIMIT 1", param)
    refused(teacher, f"UPDATE lessons SET {column} = %s WHERE id = %s", value, lesson)
    students_seen = one(teacher, "SELECT count(*) FROM students")
    assert students_seen == 1  # pointing a lesson at a student never shows that student


def test_a_teacher_marks_attendance_on_their_own_lesson_once_it_has_started(
    connect: Connect,
) -> None:
    teacher = connect("teacher")
    lesson = own_lesson(teacher, "past")
    teacher.execute(
        "UPDATE lessons SET status = 'in_progress', actual_start = now() - interval '5 minutes'"
        " WHERE id = %s",
        (lesson,),
    )
    teacher.execute(
        "UPDATE lessons SET status = 'completed', actual_end = now() WHERE id = %s", (lesson,)
    )
    assert one(teacher, "SELECT status FROM lessons WHERE id = %s", lesson) == "completed"


def test_a_teacher_cannot_mark_a_lesson_before_it_has_started(connect: Connect) -> None:
    teacher = connect("teacher")
    lesson = own_lesson(teacher, "coming")
    for status in ("completed", "in_progress", "no_show"):
        message = refused(teacher, "UPDATE lessons SET status = %s WHERE id = %s", status, lesson)
        assert "once it has started" in message
    message = refused(
        teacher, "UPDATE lessons SET actual_start = now() + interval '1 day' WHERE id = %s", lesson
    )
    assert "once it has started" in message


def test_a_teacher_never_reopens_or_cancels_a_lesson(connect: Connect) -> None:
    teacher = connect("teacher")
    lesson = own_lesson(teacher, "past")
    teacher.execute("UPDATE lessons SET status = 'no_show' WHERE id = %s", (lesson,))
    for status in ("scheduled", "completed", "cancelled"):
        message = refused(teacher, "UPDATE lessons SET status = %s WHERE id = %s", status, lesson)
        assert "front desk" in message
    coming = own_lesson(teacher, "coming")
    assert "front desk" in refused(
        teacher, "UPDATE lessons SET status = 'cancelled' WHERE id = %s", coming
    )


def test_the_desk_moves_any_status_but_marks_taught_once_started(connect: Connect) -> None:
    desk = connect("desk")
    lesson = one(desk, "SELECT id FROM lessons WHERE scheduled_start > now() + interval '1 hour'")
    for status in ("completed", "no_show"):  # issue 14, finding 8: not before it has begun
        message = refused(desk, "UPDATE lessons SET status = %s WHERE id = %s", status, lesson)
        assert "once it has started" in message
    past = one(desk, "SELECT id FROM lessons WHERE scheduled_start < now() LIMIT 1")
    desk.execute("UPDATE lessons SET status = 'completed' WHERE id = %s", (past,))
    desk.execute("UPDATE lessons SET status = 'scheduled' WHERE id = %s", (past,))


def test_the_desk_checks_a_student_in_from_a_quarter_hour_before_the_start(
    connect: Connect,
) -> None:
    """Attack (found at the desk): the desk's login checked in Tuesday's lesson on Sunday, and
    the lesson was stuck "in progress" (completing it waits for the start). The database now
    refuses a check-in more than 15 minutes ahead (0058); a started lesson is checked in, taken
    back, checked in again and marked a no-show."""
    desk = connect("desk")
    lesson = one(desk, "SELECT id FROM lessons WHERE scheduled_start > now() + interval '1 hour'")
    message = refused(desk, "UPDATE lessons SET status = 'in_progress' WHERE id = %s", lesson)
    assert "checked in once it has started" in message
    assert one(desk, "SELECT status FROM lessons WHERE id = %s", lesson) == "scheduled"
    past = one(
        desk,
        "SELECT id FROM lessons WHERE scheduled_start < now() AND status <> 'cancelled' LIMIT 1",
    )
    was = one(desk, "SELECT status FROM lessons WHERE id = %s", past)
    for status in ("scheduled", "in_progress", "scheduled", "in_progress", "no_show", was):
        desk.execute("UPDATE lessons SET status = %s WHERE id = %s", (status, past))
        assert one(desk, "SELECT status FROM lessons WHERE id = %s", past) == status


def test_a_teachers_note_goes_on_one_of_their_own_lessons(connect: Connect, world: World) -> None:
    owner, teacher = connect("owner"), connect("teacher")
    me = world.logins["teacher"]
    colleagues = one(
        owner,
        "SELECT id FROM lessons WHERE teacher_id <> %s AND studio_id = %s LIMIT 1",
        me.teacher,
        me.studio,
    )
    message = refused(
        teacher,
        "INSERT INTO lesson_notes (studio_id, lesson_id, teacher_id, summary)"
        " VALUES (app_studio_id(), %s, app_teacher_id(), 'Hijacked')",
        colleagues,
    )
    assert "row-level security" in message
    teacher.execute(
        "INSERT INTO lesson_notes (studio_id, lesson_id, teacher_id, summary)"
        " VALUES (app_studio_id(), %s, app_teacher_id(), 'Arpeggios')",
        (own_lesson(teacher, "coming"),),
    )


# -- rooms ----------------------------------------------------------------------------------


def test_a_teacher_learns_a_room_is_busy_but_not_whose_booking(
    connect: Connect, world: World
) -> None:
    owner, teacher = connect("owner"), connect("teacher")
    assert "permission denied" in refused(teacher, "SELECT * FROM room_occupancy")
    cur = teacher.execute(
        "SELECT * FROM room_busy(now() - interval '30 days', now() + interval '30 days')"
    )
    assert [c.name for c in cur.description or ()] == ["room_id", "starts", "ends"]
    busy = cur.fetchall()
    studio_bookings = one(
        owner,
        "SELECT count(*) FROM room_occupancy o JOIN practice_rooms r ON r.id = o.room_id"
        " WHERE r.studio_id = %s"
        " AND o.during && tstzrange(now() - interval '30 days', now() + interval '30 days')",
        world.logins["teacher"].studio,
    )
    # Every booking of those days, both teachers' lessons and a reservation among them.
    assert len(busy) == studio_bookings >= 5


# -- notifications ----------------------------------------------------------------------------


def test_a_teacher_cannot_write_a_notification_to_the_desk(connect: Connect) -> None:
    teacher = connect("teacher")
    message = refused(
        teacher,
        "INSERT INTO notifications (studio_id, user_id, title, message, link)"
        " SELECT app_studio_id(), id, 'Urgent: reset your password', 'Click',"
        " 'https://evil.example' FROM users WHERE role IN ('admin', 'desk')",
    )
    assert "permission denied" in message
    refused(teacher, "UPDATE notifications SET title = 'Changed', link = 'https://evil.example'")


def test_a_teacher_tells_the_desk_about_their_lesson_in_a_fixed_kind(
    connect: Connect, world: World
) -> None:
    teacher, desk = connect("teacher"), connect("desk")
    lesson = own_lesson(teacher, "coming")
    raised = one(teacher, "SELECT studiosync_tell_desk(%s, 'running_late')", lesson)
    assert raised == 2  # the studio's admin and desk person
    assert one(teacher, "SELECT studiosync_tell_desk(%s, 'running_late')", lesson) == 0
    teacher.commit()  # the desk reads it from its own login
    owner = connect("owner")
    try:
        title, link = desk.execute(
            "SELECT title, link FROM notifications WHERE notification_type = 'teacher_running_late'"
        ).fetchone() or ("", "")
        assert (title, link) == (TEACHER_NOTICES["running_late"], f"studiosync://lesson/{lesson}")
    finally:
        owner.execute("DELETE FROM notifications WHERE notification_type LIKE 'teacher%%'")
        owner.commit()
    assert "unknown kind" in refused(
        teacher, "SELECT studiosync_tell_desk(%s, 'Free pizza: http://evil.example')", lesson
    )


def test_a_teacher_tells_the_desk_about_their_own_lessons_only(
    connect: Connect, world: World
) -> None:
    owner, teacher = connect("owner"), connect("teacher")
    me = world.logins["teacher"]
    colleagues = one(owner, "SELECT id FROM lessons WHERE teacher_id <> %s LIMIT 1", me.teacher)
    assert "own lessons" in refused(
        teacher, "SELECT studiosync_tell_desk(%s, 'call_family')", colleagues
    )
    assert "permission denied" in refused(
        connect("desk"), "SELECT studiosync_tell_desk(%s, 'call_family')", colleagues
    )


# -- money records ----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["desk", "admin"])
def test_nobody_deletes_an_issued_invoice_its_payments_or_its_history(
    connect: Connect, who: str
) -> None:
    conn = connect(who)
    issued = one(conn, "SELECT id FROM invoices WHERE status <> 'draft' LIMIT 1")
    assert "never deleted" in refused(conn, "DELETE FROM invoices WHERE id = %s", issued)
    for table in ("payments", "invoice_events", "account_credits", "audit_log"):
        assert "permission denied" in refused(conn, f"DELETE FROM {table}")
    assert "permission denied" in refused(conn, "TRUNCATE invoices CASCADE")
    draft = one(conn, "SELECT id FROM invoices WHERE status = 'draft' LIMIT 1")
    conn.execute("DELETE FROM invoice_line_items WHERE invoice_id = %s", (draft,))
    assert conn.execute("DELETE FROM invoices WHERE id = %s", (draft,)).rowcount == 1


def test_not_even_the_owner_deletes_an_issued_invoice(connect: Connect) -> None:
    owner = connect("owner")
    assert "never deleted" in refused(owner, "DELETE FROM invoices WHERE status <> 'draft'")


@pytest.mark.parametrize(
    "change",
    [
        "amount = 0.01",
        "payment_method = 'card'",
        "processed_at = now() - interval '1 year'",
        "invoice_id = invoice_id",
        "transaction_id = 'x'",
    ],
)
def test_the_desk_cannot_rewrite_what_a_payment_took(connect: Connect, change: str) -> None:
    desk = connect("desk")
    assert "permission denied" in refused(desk, f"UPDATE payments SET {change}")


def test_an_admin_changes_the_studio_but_not_its_one_studio_mark(connect: Connect) -> None:
    admin = connect("admin")
    assert "permission denied" in refused(admin, "UPDATE studios SET one_per_database = false")
    assert admin.execute("UPDATE studios SET name = name || ' Music'").rowcount == 1


def test_the_desk_records_a_refund_on_a_payment(connect: Connect) -> None:
    desk = connect("desk")
    cur = desk.execute(
        "UPDATE payments SET refunded_amount = 10, refunded_at = now(),"
        " status = 'partially_refunded', notes = 'Refund: overcharged'"
    )
    assert cur.rowcount == 1


# -- logins -----------------------------------------------------------------------------------


def test_a_deactivated_logins_open_session_can_do_nothing(world: World, database_url: str) -> None:
    dsn = libpq_dsn(database_url)
    desk = world.logins["desk"]
    with psycopg.connect(dsn, user=desk.login, password=PASSWORD) as left_open:
        with psycopg.connect(dsn, autocommit=True) as owner:
            owner.execute("SELECT studiosync_set_login_enabled(%s, false)", (desk.user,))
        try:
            for query in ("SELECT * FROM lessons", "SELECT * FROM alembic_version"):
                assert "permission denied" in refused(left_open, query)
        finally:
            with psycopg.connect(dsn, autocommit=True) as owner:
                owner.execute("SELECT studiosync_set_login_enabled(%s, true)", (desk.user,))
        assert one(left_open, "SELECT count(*) > 0 FROM lessons") is True


def test_the_desk_adds_a_band_member_who_joins_the_bands_coming_lessons(
    connect: Connect,
) -> None:
    desk = connect("desk")
    band, person = desk.execute(
        "SELECT b.id, u.id FROM bands b, users u WHERE u.role = 'parent'"
        " AND EXISTS (SELECT 1 FROM lessons l WHERE l.band_id = b.id AND l.scheduled_start > now())"
        " LIMIT 1"
    ).fetchone() or (None, None)
    desk.execute("INSERT INTO band_members (band_id, user_id) VALUES (%s, %s)", (band, person))
    assert one(desk, "SELECT count(*) FROM lesson_attendance WHERE user_id = %s", person) == 1


def test_a_teacher_starts_a_lesson_a_little_early_and_completes_it_by_the_pcs_clock(
    connect: Connect,
) -> None:
    owner, teacher = connect("owner"), connect("teacher")
    lesson = own_lesson(teacher, "coming")
    owner.execute(
        "UPDATE lessons SET scheduled_start = now() + interval '10 minutes',"
        " scheduled_end = now() + interval '40 minutes' WHERE id = %s",
        (lesson,),
    )
    owner.commit()
    try:
        teacher.execute(
            "UPDATE lessons SET status = 'in_progress', actual_start = now() WHERE id = %s",
            (lesson,),
        )
        # The app stamps the end with the PC's clock, a moment after the transaction began.
        teacher.execute(
            "UPDATE lessons SET status = 'completed', actual_end = clock_timestamp()"
            " + interval '1 minute' WHERE id = %s",
            (lesson,),
        )
        assert "once it has started" in refused(
            teacher,
            "UPDATE lessons SET actual_end = now() + interval '1 hour' WHERE id = %s",
            lesson,
        )
    finally:
        teacher.rollback()
        owner.rollback()


@pytest.mark.parametrize("who", ["desk", "owner"])
def test_no_line_is_added_to_an_issued_invoice(connect: Connect, who: str) -> None:
    conn = connect(who)
    issued = one(conn, "SELECT id FROM invoices WHERE status <> 'draft' LIMIT 1")
    message = refused(
        conn,
        "INSERT INTO invoice_line_items (studio_id, invoice_id, position, description, unit_price)"
        " SELECT studio_id, id, 9, 'Sneaky fee', 500 FROM invoices WHERE id = %s",
        issued,
    )
    assert "frozen" in message
    draft = one(conn, "SELECT id FROM invoices WHERE status = 'draft' LIMIT 1")
    conn.execute(
        "INSERT INTO invoice_line_items (studio_id, invoice_id, position, description, unit_price)"
        " SELECT studio_id, id, 9, 'Late fee', 5 FROM invoices WHERE id = %s",
        (draft,),
    )


# -- what anyone types ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "query"),
    [
        ("desk", "UPDATE students SET notes = %s"),
        ("desk", "UPDATE users SET last_name = %s WHERE role = 'student'"),
        ("teacher", "UPDATE lesson_notes SET homework = %s"),
        # JSON a person types (0044): a note's strengths, a plan's tags, a student's
        # specialties (a key: tests/services/test_control_characters.py).
        ("teacher", "UPDATE lesson_notes SET strengths = jsonb_build_array('Tone', %s::text)"),
        # (tags are a flat list of words since 0060: an object is refused by its shape)
        ("teacher", "UPDATE lesson_plans SET tags = jsonb_build_array('Scales', %s::text)"),
        ("desk", "UPDATE students SET specialties = jsonb_build_array(%s::text)"),
    ],
)
def test_no_login_stores_an_invisible_control_character(
    connect: Connect, who: str, query: str
) -> None:
    """Found with the desk's own login in psql: only NUL was refused by the database."""
    conn = connect(who)
    message = refused(conn, query, "Scales\x1b[2J\x07")
    assert "_control_free" in message
    conn.execute(query, ("Scales\tand\narpeggios",))  # type: ignore[arg-type]


# -- locks a login may hold -----------------------------------------------------------------


def test_another_login_holding_a_booking_lock_keeps_the_desk_waiting_a_moment_only(
    connect: Connect, world: World, database_url: str
) -> None:
    """A booking's keys are its ids' hashes, and a login in psql (or a desk stuck half-way)
    may hold one: every desk booking of that teacher waited for ever. Now the desk waits
    `lock_timeout`, is told so, and nothing is saved. (A teacher may hold no advisory lock at
    all since 0054, tests/test_job_locks.py; an admin's login holds it here.)"""
    owner, holder = connect("owner"), connect("admin")
    me = world.logins["desk"]
    colleague, room = owner.execute(
        "SELECT t.id, r.id FROM teachers t JOIN practice_rooms r USING (studio_id)"
        " WHERE t.studio_id = %s AND t.id <> %s LIMIT 1",
        (me.studio, world.logins["teacher"].teacher),
    ).fetchone() or (None, None)
    holder.execute("SELECT pg_advisory_lock(hashtextextended(%s, 16))", (str(colleague),))
    url = make_url(database_url).set(username=me.login, password=PASSWORD)
    db = Database(url, lock_timeout="1s")
    desk = SchedulingService(db)
    actor = Actor(user_id=me.user, studio_id=me.studio, role="desk", name="Dee")
    start = (NOW + timedelta(days=40)).replace(hour=10, minute=0, second=0)
    booking = {"teacher_id": colleague, "room_id": room, "start": start}
    booking["end"] = start + timedelta(minutes=30)
    try:
        with pytest.raises(Conflict, match="held these records") as caught:
            desk.create_lesson(actor, booking)
        assert not isinstance(caught.value, Busy)  # not rerun: it would wait as long again
        count = "SELECT count(*) FROM lessons WHERE teacher_id = %s AND scheduled_start = %s"
        assert owner.execute(count, (colleague, start)).fetchone() == (0,)
        holder.execute("SELECT pg_advisory_unlock_all()")
        try:
            made = desk.create_lesson(actor, booking)
        except NeedsConfirmation:  # outside the colleague's hours: the lock was passed
            made = None
        if made is not None:
            with psycopg.connect(libpq_dsn(database_url), autocommit=True) as clean:
                clean.execute("DELETE FROM lessons WHERE id = %s", (made.id,))
    finally:
        db.dispose()


# -- who said yes ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["desk", "admin"])
def test_a_yes_outside_hours_is_recorded_as_the_logins_own(
    connect: Connect, world: World, who: str
) -> None:
    """0040 let the desk UPDATE a lesson's confirmation: its login in psql wrote an admin (or
    anyone) as the one who said yes, and a date of its choosing. The database writes both."""
    login, owner = connect(who), connect("owner")
    me = world.logins[who]
    someone = world.logins["other studio's teacher" if who == "desk" else "desk"].user
    lesson = one(login, "SELECT lesson_id FROM booking_overrides LIMIT 1")
    assert lesson is not None
    login.execute(
        "UPDATE booking_overrides SET confirmed_by_id = %s, confirmed_at = now() - interval"
        " '1 year', reasons = 'Outside hours' WHERE lesson_id = %s",
        (someone, lesson),
    )
    row = login.execute(
        "SELECT confirmed_by_id, confirmed_at > now() - interval '1 minute', reasons"
        " FROM booking_overrides WHERE lesson_id = %s",
        (lesson,),
    ).fetchone()
    assert row == (me.user, True, "Outside hours")
    other = one(
        owner,
        "SELECT l.id FROM lessons l WHERE l.studio_id = %s AND NOT EXISTS"
        " (SELECT 1 FROM booking_overrides o WHERE o.lesson_id = l.id) LIMIT 1",
        me.studio,
    )
    login.execute(
        "INSERT INTO booking_overrides (studio_id, lesson_id, reasons, confirmed_by_id)"
        " VALUES (%s, %s, 'Late', %s)",
        (me.studio, other, someone),
    )
    by = one(login, "SELECT confirmed_by_id FROM booking_overrides WHERE lesson_id = %s", other)
    assert by == me.user


def test_an_admin_cannot_give_the_studio_a_time_zone_the_server_does_not_know(
    connect: Connect,
) -> None:
    """The desks follow a zone change live: an unknown one put every lesson hours off."""
    admin = connect("admin")
    message = refused(admin, "UPDATE studios SET timezone = 'Mars/Olympus'")
    assert "ck_studios_timezone_known" in message or "Unknown time zone" in message
    admin.execute("UPDATE studios SET timezone = 'Asia/Kathmandu'")
    assert one(admin, "SELECT timezone FROM studios") == "Asia/Kathmandu"
