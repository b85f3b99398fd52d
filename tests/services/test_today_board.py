"""The desk's day: the board of a day in one read, and who is late, here or next, and free."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from factories import Maker
from sqlalchemy import text

from studiosync_desktop.db import Database
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services.desk_now import desk_now
from studiosync_desktop.services.free_time import DEFAULT_HOURS, GRID, free_gaps, on_grid
from studiosync_desktop.services.rooms import RoomService
from studiosync_desktop.services.today import TodayService

NY = ZoneInfo("America/New_York")
DAY = date(2030, 3, 4)  # a Monday


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    return datetime.combine(day, time(hour, minute), NY)


@pytest.fixture
def make(db: Database, admin: Actor) -> Maker:
    return Maker(db, admin.studio_id)


@pytest.fixture
def today(db: Database) -> TodayService:
    return TodayService(db)


def test_free_gaps_start_on_the_grid_inside_opening_hours_and_never_touch_a_booking() -> None:
    """Seeded random days of bookings: every gap is free, on the grid, within opening hours,
    and every free grid start of the day lies in a gap (none is missed)."""
    rng = random.Random(20301)
    for _ in range(300):
        busy = []
        for _ in range(rng.randint(0, 8)):
            start = at(rng.randint(6, 22), rng.choice((0, 5, 10, 15, 20, 30, 40, 45, 50)))
            busy.append((start, start + timedelta(minutes=rng.choice((20, 30, 45, 60, 95)))))
        begin = at(rng.randint(5, 21), rng.randint(0, 59))
        until = at(23, 59)
        gaps = list(free_gaps(busy, begin, until, NY))
        for a, b in gaps:
            assert a < b and a >= begin and on_grid(a, NY) == a
            assert at(DEFAULT_HOURS[0].hour) <= a and b <= at(DEFAULT_HOURS[1].hour)
            assert not any(s < b and e > a for s, e in busy), (a, b, busy)
        slot = on_grid(max(begin, at(DEFAULT_HOURS[0].hour)), NY)
        while slot + GRID <= at(DEFAULT_HOURS[1].hour):
            if not any(s < slot + GRID and e > slot for s, e in busy):
                assert any(a <= slot < b for a, b in gaps), (slot, gaps, busy)
            slot += GRID


def test_on_grid_rounds_up_in_the_studios_time() -> None:
    assert on_grid(at(10, 7), NY) == at(10, 15)
    assert on_grid(at(10, 15), NY) == at(10, 15)
    assert on_grid(at(10, 15) + timedelta(microseconds=1), NY) == at(10, 30)
    kolkata = ZoneInfo("Asia/Kolkata")  # UTC+5:30: the grid is the studio's quarter hours
    assert on_grid(datetime(2030, 3, 4, 4, 40, tzinfo=ZoneInfo("UTC")), kolkata).minute == 15


def test_the_board_has_the_days_lessons_teachers_rooms_and_when_each_is_taken(
    db: Database, admin: Actor, make: Maker, today: TodayService
) -> None:
    maya, omar = make.teacher("Maya", "Chen"), make.teacher("Omar", "Idle")
    make.teacher("Nora", "Notoday")
    sam = make.student("Sam", "Lee")
    room_b = make.room("Room B")
    make.room("Room A")
    make.lesson(maya, at(15), student_id=sam, room_id=room_b)
    make.lesson(omar, at(9), student_id=make.student("Ana", "Ruiz"), status="cancelled")
    make.lesson(maya, at(15, day=DAY + timedelta(days=1)), student_id=sam)  # tomorrow
    make.reservation(room_b, make.person("Pia", "Practice"), at(12))
    with db.session() as s:  # Maya keeps 15 minutes free after each lesson
        s.execute(
            text("UPDATE teachers SET booking_buffer_minutes = 15 WHERE id = :t"), {"t": maya}
        )

    board = today.board(admin, DAY)
    assert [r.student_name for r in board.lessons] == ["Ana Ruiz", "Sam Lee"]
    assert [p.name for p in board.teachers] == ["Maya Chen", "Omar Idle"]  # Nora: no lessons
    assert [p.name for p in board.rooms] == ["Room A", "Room B"]
    assert [(b.start, b.end) for b in board.teacher_busy] == [(at(15), at(15, 45))]  # + buffer
    assert sorted((b.start, b.end) for b in board.room_busy) == [
        (at(12), at(13)),
        (at(15), at(15, 30)),
    ]
    assert [r.person_name for r in board.reservations] == ["Pia Practice"]


def test_a_teacher_sees_only_their_own_day_and_no_practice_bookings(
    db: Database, admin: Actor, make: Maker, today: TodayService
) -> None:
    maya, omar = make.teacher("Maya", "Chen"), make.teacher("Omar", "Other")
    make.lesson(maya, at(15), student_id=make.student("Sam", "Lee"))
    make.lesson(omar, at(16), student_id=make.student("Ana", "Ruiz"))
    make.reservation(make.room("Room B"), make.person("Pia", "Practice"), at(12))
    with db.session() as s:
        user_id = s.execute(
            text("SELECT user_id FROM teachers WHERE id = :t"), {"t": maya}
        ).scalar()
    teacher = Actor(user_id=user_id, studio_id=admin.studio_id, role="teacher", name="Maya Chen")
    board = today.board(teacher, DAY)
    assert [r.student_name for r in board.lessons] == ["Sam Lee"]
    assert board.reservations == ()


def test_desk_now_says_who_is_late_coming_here_unmarked_and_the_next_free_slot(
    db: Database, admin: Actor, make: Maker, today: TodayService
) -> None:
    maya, omar = make.teacher("Maya", "Chen"), make.teacher("Omar", "Busy")
    room_b, room_a = make.room("Room B"), make.room("Room A")
    late = make.lesson(maya, at(14, 50), student_id=make.student("Lou", "Late"), room_id=room_b)
    make.lesson(maya, at(15, 30), student_id=make.student("Cal", "Coming"))
    make.lesson(maya, at(16), student_id=make.student("Fay", "Far"))
    make.lesson(maya, at(10), student_id=make.student("Una", "Unmarked"))
    make.lesson(omar, at(14, 30), student_id=make.student("Hal", "Here"), status="in_progress")
    make.lesson(omar, at(15), minutes=60, student_id=make.student("Ben", "Busy"))
    make.lesson(omar, at(16), minutes=60, student_id=make.student("Bo", "Busier"))
    make.reservation(room_a, make.person("Pia", "Practice"), at(15))
    board = today.board(admin, DAY)

    now = desk_now(board, "teacher", at(15))
    assert [r.id for r in now.late] == [late]
    assert sorted(r.student_name for r in now.coming) == [
        "Ben Busy",
        "Bo Busier",
        "Cal Coming",
        "Fay Far",
    ]
    assert [r.student_name for r in now.here] == ["Hal Here"]
    assert [r.student_name for r in now.unmarked] == ["Una Unmarked"]
    free = {f.place.name: (f.start, f.end) for f in now.free}
    # Maya: 14:50-15:20, then 15:30: the 10 minutes between are too short; free from 16:30.
    assert free["Maya Chen"] == (at(16, 30), at(22))
    assert free["Omar Busy"] == (at(17), at(22))

    rooms = {f.place.name: (f.start, f.end) for f in desk_now(board, "room", at(15)).free}
    assert rooms == {"Room A": (at(16), at(22)), "Room B": (at(15, 30), at(22))}

    tomorrow = desk_now(board, "teacher", at(9, day=DAY - timedelta(days=1)))
    assert tomorrow.late == () and tomorrow.coming == ()  # the board is of another day
    assert {f.place.name: f.start for f in tomorrow.free}["Maya Chen"] == at(8)


def test_no_free_slot_is_offered_after_closing_or_on_a_day_gone_by(
    admin: Actor, make: Maker, today: TodayService
) -> None:
    maya = make.teacher("Maya", "Chen")
    make.lesson(maya, at(21, 45), student_id=make.student("Sam", "Lee"))
    board = today.board(admin, DAY)
    assert [f.start for f in desk_now(board, "teacher", at(21, 40)).free] == [None]
    assert [f.start for f in desk_now(board, "teacher", at(9, day=DAY + timedelta(1))).free] == [
        None
    ]


def test_room_free_slots_keep_working_through_the_shared_free_time(
    db: Database, admin: Actor, make: Maker
) -> None:
    """The Room bookings tab's next free slots and the desk's day use the same gaps."""
    rooms = RoomService(db)
    b = make.room("Room B")
    make.reservation(b, make.person("Pia", "P"), at(8))
    slots = rooms.next_free_slots(admin, 45, after=at(7), room_id=b, count=3)
    assert [s.start for s in slots] == [at(9), at(9, 45), at(10, 30)]
