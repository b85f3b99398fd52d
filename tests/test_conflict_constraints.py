"""The database itself refuses double bookings: teachers (with buffer), people, bands, rooms."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from desks import race
from factories import Maker
from sqlalchemy import text

from studiosync_desktop.db import Database
from studiosync_desktop.embedded import libpq_dsn
from studiosync_desktop.errors import Conflict
from studiosync_desktop.schemas.common import Actor

T0 = datetime(2030, 3, 4, 10, 0, tzinfo=UTC)


@pytest.fixture
def make(db: Database, admin: Actor) -> Maker:
    return Maker(db, admin.studio_id)


def user_of(db: Database, student_id: uuid.UUID) -> uuid.UUID:
    with db.session() as s:
        return s.execute(
            text("SELECT user_id FROM students WHERE id = :i"), {"i": student_id}
        ).scalar_one()


def set_buffer(db: Database, teacher_id: uuid.UUID, minutes: int) -> None:
    with db.session() as s:
        s.execute(
            text("UPDATE teachers SET booking_buffer_minutes = :m WHERE id = :i"),
            {"m": minutes, "i": teacher_id},
        )


def test_overlapping_lessons_of_one_teacher_are_refused(make: Maker) -> None:
    teacher = make.teacher()
    a, b = make.student("Ann", "A"), make.student("Ben", "B")
    make.lesson(teacher, T0, minutes=60, student_id=a)
    with pytest.raises(Conflict, match="teacher"):
        make.lesson(teacher, T0 + timedelta(minutes=30), minutes=60, student_id=b)


def test_touching_lessons_do_not_conflict_without_a_buffer(make: Maker) -> None:
    teacher = make.teacher()
    a = make.student("Ann", "A")
    make.lesson(teacher, T0, minutes=60, student_id=a)
    make.lesson(teacher, T0 + timedelta(minutes=60), minutes=60, student_id=a)


def test_the_teachers_buffer_must_stay_free_between_lessons(db: Database, make: Maker) -> None:
    teacher = make.teacher()
    set_buffer(db, teacher, 15)
    a, b = make.student("Ann", "A"), make.student("Ben", "B")
    make.lesson(teacher, T0, minutes=60, student_id=a)
    with pytest.raises(Conflict):
        make.lesson(teacher, T0 + timedelta(minutes=60), minutes=30, student_id=b)
    with pytest.raises(Conflict):
        make.lesson(teacher, T0 - timedelta(minutes=40), minutes=30, student_id=b)
    make.lesson(teacher, T0 + timedelta(minutes=75), minutes=30, student_id=b)


def test_raising_a_buffer_that_would_squeeze_coming_lessons_is_refused(
    db: Database, make: Maker
) -> None:
    teacher = make.teacher()
    a = make.student("Ann", "A")
    make.lesson(teacher, T0, minutes=60, student_id=a)
    make.lesson(teacher, T0 + timedelta(minutes=60), minutes=60, student_id=a)
    with pytest.raises(Conflict):
        set_buffer(db, teacher, 10)


def test_a_student_cannot_be_in_two_lessons_at_once(make: Maker) -> None:
    t1, t2 = make.teacher("Tom", "One"), make.teacher("Tia", "Two")
    a = make.student("Ann", "A")
    make.lesson(t1, T0, minutes=60, student_id=a)
    with pytest.raises(Conflict, match="already in another lesson"):
        make.lesson(t2, T0 + timedelta(minutes=59), minutes=30, student_id=a)


def test_cancelled_and_no_show_lessons_do_not_block(db: Database, make: Maker) -> None:
    teacher = make.teacher()
    a = make.student("Ann", "A")
    room = make.room("Room A")
    make.lesson(teacher, T0, student_id=a, room_id=room, status="cancelled")
    make.lesson(teacher, T0, student_id=a, room_id=room, status="no_show")
    make.lesson(teacher, T0, student_id=a, room_id=room)


def test_cancelling_a_lesson_frees_its_slot(db: Database, make: Maker) -> None:
    teacher = make.teacher()
    a = make.student("Ann", "A")
    first = make.lesson(teacher, T0, student_id=a)
    with db.session() as s:
        s.execute(
            text("UPDATE lessons SET status = 'cancelled', cancelled_at = now() WHERE id = :i"),
            {"i": first},
        )
    make.lesson(teacher, T0, student_id=a)


def test_a_band_member_cannot_be_in_the_bands_lesson_and_their_own_at_once(
    db: Database, make: Maker
) -> None:
    t1, t2 = make.teacher("Tom", "One"), make.teacher("Tia", "Two")
    a = make.student("Ann", "A")
    band = make.band("The Rests")
    with db.session() as s:
        s.execute(
            text("INSERT INTO band_members (band_id, user_id) VALUES (:b, :u)"),
            {"b": band, "u": user_of(db, a)},
        )
    make.lesson(t1, T0, minutes=60, band_id=band)
    with pytest.raises(Conflict):
        make.lesson(t2, T0 + timedelta(minutes=30), minutes=30, student_id=a)


def test_joining_a_band_whose_lesson_clashes_with_your_own_is_refused(
    db: Database, make: Maker
) -> None:
    t1, t2 = make.teacher("Tom", "One"), make.teacher("Tia", "Two")
    a = make.student("Ann", "A")
    band = make.band("The Rests")
    make.lesson(t1, T0, minutes=60, band_id=band)
    make.lesson(t2, T0, minutes=30, student_id=a)
    with pytest.raises(Conflict), db.session() as s:
        s.execute(
            text("INSERT INTO band_members (band_id, user_id) VALUES (:b, :u)"),
            {"b": band, "u": user_of(db, a)},
        )


def test_a_room_holds_one_lesson_at_a_time(make: Maker) -> None:
    t1, t2 = make.teacher("Tom", "One"), make.teacher("Tia", "Two")
    a, b = make.student("Ann", "A"), make.student("Ben", "B")
    room = make.room("Room A")
    make.lesson(t1, T0, minutes=60, student_id=a, room_id=room)
    with pytest.raises(Conflict, match="room"):
        make.lesson(t2, T0 + timedelta(minutes=30), student_id=b, room_id=room)


def test_a_lesson_and_a_reservation_cannot_share_a_room_in_either_order(make: Maker) -> None:
    t1 = make.teacher()
    a = make.student("Ann", "A")
    person = make.person("Pat", "Practice")
    room = make.room("Room A")
    make.lesson(t1, T0, minutes=60, student_id=a, room_id=room)
    with pytest.raises(Conflict, match="room"):
        make.reservation(room, person, T0 + timedelta(minutes=30))
    make.reservation(room, person, T0 + timedelta(hours=2))
    with pytest.raises(Conflict, match="room"):
        make.lesson(t1, T0 + timedelta(hours=2, minutes=30), student_id=a, room_id=room)


def test_reservations_overlap_rules_touching_and_cancelled(make: Maker) -> None:
    person = make.person("Pat", "Practice")
    room = make.room("Room A")
    make.reservation(room, person, T0, minutes=60)
    with pytest.raises(Conflict):
        make.reservation(room, person, T0 + timedelta(minutes=30), minutes=60)
    make.reservation(room, person, T0 + timedelta(minutes=60), minutes=60)  # touching
    make.reservation(room, person, T0 + timedelta(minutes=30), status="cancelled")
    make.reservation(room, person, T0 + timedelta(minutes=30), status="completed")


def test_twenty_desks_booking_one_slot_at_once_yield_exactly_one_lesson(
    db: Database, make: Maker, database_url: str, admin: Actor
) -> None:
    teacher = make.teacher()
    room = make.room("Room A")
    students = [make.student(f"S{i}", "Desk") for i in range(20)]

    def book(i: int) -> str:
        with psycopg.connect(libpq_dsn(database_url)) as conn:
            try:
                conn.execute(
                    "INSERT INTO lessons (studio_id, teacher_id, student_id, room_id,"
                    " scheduled_start, scheduled_end) VALUES (%s, %s, %s, %s, %s, %s)",
                    (admin.studio_id, teacher, students[i], room, T0, T0 + timedelta(minutes=45)),
                )
                conn.commit()
                result = "booked"
            except (psycopg.errors.ExclusionViolation, psycopg.errors.DeadlockDetected):
                # Two inserts that see each other's index entries may deadlock: PostgreSQL
                # aborts one of them, which is a refusal too (the service retries it).
                conn.rollback()
                result = "refused"
        return result

    outcomes = race(len(students), book)
    assert sorted(outcomes) == ["booked"] + ["refused"] * 19
    with db.session() as s:
        assert s.execute(text("SELECT count(*) FROM lessons")).scalar_one() == 1
