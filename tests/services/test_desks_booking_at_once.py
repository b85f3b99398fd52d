"""Two (or ten) desks booking into each other at the same moment with the one-statement
booking, a series and an edit: each desk is booked or told the named clash, never a deadlock,
a 'busy' or a traceback (issue 19's attack, tried with real threads and connections)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from desks import race_desks
from lesson_days import at, future_monday

from studiosync_desktop.db import Database
from studiosync_desktop.errors import Busy, Conflict
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services.scheduling import SchedulingService


def _outcome(call) -> str:  # type: ignore[no-untyped-def]
    try:
        call()
    except Busy as exc:
        return f"busy: {exc}"
    except Conflict as exc:
        return "clash" if " already " in str(exc) or "clash" in str(exc).lower() else str(exc)
    return "ok"


def test_one_student_booked_with_two_teachers_at_once_one_wins_the_other_is_told_the_student(
    lesson_studio, admin: Actor, database_url: str
) -> None:
    _svc, _m, maya, bob, tom, _ana, _band, _room = lesson_studio
    start = at(future_monday(), 15)

    def desk(db: Database, i: int) -> str:
        teacher = (maya, bob)[i % 2]
        data = {"teacher_id": teacher, "student_id": tom, "start": start}
        data["end"] = start + timedelta(minutes=30)
        return _outcome(lambda: SchedulingService(db).create_lesson(admin, data))

    outcomes = Counter(race_desks(database_url, 10, desk))
    assert outcomes == Counter({"ok": 1, "clash": 9}), outcomes


def test_a_series_and_single_lessons_into_it_at_once_never_deadlock(
    lesson_studio, admin: Actor, database_url: str
) -> None:
    """Desk 0 books Maya's weekly series for eight weeks; desks 1-7 each book Maya a single
    lesson on one of those weeks at the series' time, with a student of their own."""
    _svc, m, maya, _bob, _tom, _ana, _band, room = lesson_studio
    first = future_monday()
    students = [m.student(f"S{i}", "Desk") for i in range(8)]

    def desk(db: Database, i: int) -> str:
        own = SchedulingService(db)
        if i == 0:
            series = {
                "teacher_id": maya, "student_id": students[0], "room_id": room,
                "start_date": first, "start_time": "16:00", "duration_minutes": 30,
                "end_date": first + timedelta(weeks=8),
            }  # fmt: skip
            return _outcome(lambda: own.create_series(admin, series))
        start = at(first + timedelta(weeks=i), 16)
        data = {"teacher_id": maya, "student_id": students[i], "start": start}
        data["end"] = start + timedelta(minutes=30)
        return _outcome(lambda: own.create_lesson(admin, data))

    outcomes = race_desks(database_url, 8, desk)
    assert all(o in ("ok", "clash") for o in outcomes), outcomes
    # The series covers every single's week: the series won, or it was told of a single.
    assert (outcomes[0] == "ok") == (outcomes[1:].count("ok") == 0), outcomes


def test_moving_a_lesson_and_booking_its_new_slot_at_once_one_wins_the_other_is_told(
    lesson_studio, admin: Actor, database_url: str
) -> None:
    """Each pair: desk 0 drags Tom's 10:00 to 15:00 while desk 1 books Ana with Maya at 15:00
    and desk 2 moves Ana's 11:00 there too, five times over."""
    svc, _m, maya, _bob, tom, ana, _band, room = lesson_studio
    for week in range(1, 6):
        day = future_monday() + timedelta(weeks=week)
        slot = at(day, 15)

        def book(start, who):  # type: ignore[no-untyped-def]
            data = {"teacher_id": maya, "student_id": who, "start": start}
            data["end"] = start + timedelta(minutes=30)
            return svc.create_lesson(admin, data)

        toms, anas = book(at(day, 10), tom), book(at(day, 11), ana)

        def desk(db: Database, i: int, slot=slot, toms=toms, anas=anas) -> str:  # type: ignore[no-untyped-def]
            own = SchedulingService(db)
            end = slot + timedelta(minutes=30)
            if i == 0:
                return _outcome(lambda: own.move_lesson(admin, toms.id, slot, end))
            if i == 1:
                data = {"teacher_id": maya, "room_id": room, "start": slot, "end": end}
                return _outcome(lambda: own.create_lesson(admin, data))
            return _outcome(lambda: own.move_lesson(admin, anas.id, slot, end))

        outcomes = race_desks(database_url, 3, desk)
        assert sorted(outcomes) == ["clash", "clash", "ok"], (week, outcomes)
