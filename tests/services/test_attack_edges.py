"""Attack on main's week/rooms-day reads (binary plain tuples, rows built without validation)
with edge values, and on two desks booking one room or one person at once.

The rows read in binary as plain tuples must equal the same columns read the ordinary way
(SQLAlchemy's own execution) and validated rows, for: the smallest and largest rates the
database allows (0.00, 0.01, 1000000.00; `rate` is NOT NULL and bounded by
ck_lessons_rate_bounded, so no NULL or 99999999.99 exists), a lesson running past midnight,
the studio's DST change days (New York: the hour that does not exist, the hour that happens
twice), and names with quotes, backslashes and emoji.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from desks import failures, race_desks
from lesson_days import NY, future_monday
from sqlalchemy import text

from studiosync_desktop.db import Database
from studiosync_desktop.errors import Conflict
from studiosync_desktop.models import Lesson
from studiosync_desktop.schemas.rows import LessonRow
from studiosync_desktop.services.lesson_rows import lesson_columns, lesson_names, lesson_rows_from
from studiosync_desktop.services.rooms import RoomService
from studiosync_desktop.services.scheduling import SchedulingService


def _next_dst_days(after: date) -> tuple[date, date]:
    """The next spring-forward and fall-back Sundays in New York after `after`."""
    found: dict[bool, date] = {}
    day = after
    while len(found) < 2:
        day += timedelta(days=1)
        a = datetime.combine(day, time(0), NY).utcoffset()
        b = datetime.combine(day + timedelta(days=1), time(0), NY).utcoffset()
        if a != b and a is not None and b is not None:
            found.setdefault(b > a, day)
    return found[True], found[False]


def _local(day: date, at: time) -> datetime:
    """`at` on `day` in the studio's zone, in UTC (a timedelta added to a zoned time is wall
    time: 01:30 (first) + 30 min would end at 02:00 EST, 90 minutes later)."""
    return datetime.combine(day, at, NY).astimezone(UTC)


def _monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _plain_rows(db: Database, studio_id: Any, first: datetime, after: datetime) -> Any:
    with db.read_session() as s:
        plain = s.execute(
            lesson_columns(studio_id)
            .where(Lesson.scheduled_start >= first, Lesson.scheduled_start < after)
            .order_by(Lesson.scheduled_start, Lesson.id)
        ).all()
        names = s.execute(lesson_names(studio_id).statement, {"studio": studio_id}).all()
    return lesson_rows_from(plain, names)


def _typed(row: LessonRow) -> dict[str, tuple[type, str]]:
    return {k: (type(v), str(v)) for k, v in row.__dict__.items()}


def test_edge_rates_midnight_dst_and_odd_names_read_alike_in_binary(db, admin, lesson_studio):
    _svc, m, maya, bob, _tom, _ana, _band, room = lesson_studio
    quoted = m.student('O\'Brien "Ty"', "Back\\slash 🎸", instrument="Ukulele 🪕")
    emoji_band = m.band('Les "Élèves" d\'été 🎶')
    spring, autumn = _next_dst_days(future_monday())
    cases = [
        # (teacher, local start, minutes, extra, rate)
        (maya, _local(spring, time(1, 30)), 60, {"student_id": quoted}, "0.01"),
        (bob, _local(spring, time(3, 30)), 30, {"band_id": emoji_band}, "0.00"),
        (maya, _local(autumn, time(1, 30, fold=0)), 30, {"room_id": room}, "1000000.00"),
        (bob, _local(autumn, time(1, 30, fold=1)), 30, {"room_id": room}, "99.99"),
        (maya, _local(autumn, time(23, 30)), 90, {"student_id": quoted}, "37.50"),
    ]  # fmt: skip
    for teacher, start, minutes, extra, rate in cases:
        m.lesson(teacher, start, minutes=minutes, rate=rate, **extra)
    svc = SchedulingService(db)
    for day in (spring, autumn):
        monday = _monday_of(day)
        rows = svc.week(admin, monday)
        first = _local(monday, time(0))
        after = datetime.combine(monday + timedelta(days=7), time(0), NY)
        expected = _plain_rows(db, admin.studio_id, first, after)
        assert rows == expected and len(rows) in (2, 3), day
        for got, want in zip(rows, expected, strict=True):
            assert _typed(got) == _typed(want)
            assert LessonRow.model_validate(got.model_dump()) == got
    autumn_rows = svc.week(admin, _monday_of(autumn))
    assert sorted(str(r.rate) for r in autumn_rows) == ["1000000.00", "37.50", "99.99"]
    # The two 01:30s of the fall-back night are an hour apart, in that order.
    a, b = (r for r in autumn_rows if r.start.astimezone(NY).hour == 1)
    assert b.start - a.start == timedelta(hours=1)
    # The lesson past midnight ends on the next day and is shown on the day it starts.
    late = next(r for r in autumn_rows if r.start.astimezone(NY).hour == 23)
    assert late.end.astimezone(NY).date() == autumn + timedelta(days=1)
    spring_rows = svc.week(admin, _monday_of(spring))
    assert {r.student_name for r in spring_rows} == {
        'O\'Brien "Ty" Back\\slash 🎸',
        'Les "Élèves" d\'été 🎶',
    }
    assert {str(r.rate) for r in spring_rows} == {"0.01", "0.00"}


def test_the_rooms_day_on_dst_days_holds_both_fall_back_lessons(db, admin, lesson_studio):
    """RoomService.day reads its lessons by `studiosync_day_busy` (0048) and in binary."""
    _svc, m, maya, bob, _tom, _ana, _band, room = lesson_studio
    _spring, autumn = _next_dst_days(future_monday())
    first = m.lesson(maya, _local(autumn, time(1, 30, fold=0)), room_id=room)
    second = m.lesson(bob, _local(autumn, time(1, 30, fold=1)), room_id=room)
    late = m.lesson(bob, _local(autumn - timedelta(days=1), time(23, 45)),
                    minutes=60, room_id=room)  # fmt: skip
    day = RoomService(db).day(admin, autumn)
    assert [r.id for r in day.lessons] == [late, first, second]
    assert all(r.room_name == "Room B" for r in day.lessons)


def test_two_desks_booking_a_lesson_and_a_practice_slot_in_one_room_at_once(
    database_url, admin, lesson_studio
):
    """One desk books a lesson in Room B while another books Room B for practice at the same
    moment: exactly one stands and the other desk is told why (not a raw database error)."""
    _svc, m, maya, _bob, tom, _ana, _band, room = lesson_studio
    person = m.person("Pat", "Practice")
    start = datetime.combine(future_monday() + timedelta(days=2), time(15), NY)
    end = start + timedelta(minutes=30)

    def desk(own: Database, n: int) -> object:
        if n == 0:
            return SchedulingService(own).create_lesson(
                admin,
                {"teacher_id": maya, "student_id": tom, "room_id": room,
                 "start": start, "end": end},
            )  # fmt: skip
        return RoomService(own).reserve(
            admin, {"room_id": room, "person_id": person, "start": start, "end": end}
        )

    results = race_desks(database_url, 2, desk)
    lost = failures(results)
    assert len(lost) == 1, results
    assert isinstance(lost[0], Conflict), repr(lost[0])
    assert "Room B" in str(lost[0]), str(lost[0])


def test_two_desks_booking_a_band_and_its_members_own_lesson_at_once(
    db, database_url, admin, lesson_studio
):
    """A band lesson and a private lesson of one of its members, same moment, two teachers,
    two desks: the member cannot be in both."""
    _svc, _m, maya, bob, tom, _ana, band, _room = lesson_studio
    with db.session() as s:
        s.execute(
            text(
                "INSERT INTO band_members (band_id, user_id)"
                " SELECT :b, user_id FROM students WHERE id = :t"
            ),
            {"b": band, "t": tom},
        )
    start = datetime.combine(future_monday() + timedelta(days=3), time(16), NY)
    end = start + timedelta(minutes=30)

    def desk(own: Database, n: int) -> object:
        body = (
            {"teacher_id": bob, "band_id": band} if n else {"teacher_id": maya, "student_id": tom}
        )
        return SchedulingService(own).create_lesson(admin, {**body, "start": start, "end": end})

    results = race_desks(database_url, 2, desk)
    lost = failures(results)
    assert len(lost) == 1 and isinstance(lost[0], Conflict), results
    assert "Tom Ng" in str(lost[0]), str(lost[0])
