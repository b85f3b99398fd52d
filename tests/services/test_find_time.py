"""Finding a time: within hours, around lessons, outside calendars, closures and rooms."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from factories import Maker
from feed_server import calendar, event, stamp
from sqlalchemy import text

from studiosync_desktop.db import Database
from studiosync_desktop.errors import PermissionDenied, ValidationFailed
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services.availability import AvailabilityService
from studiosync_desktop.services.calendar_feeds import CalendarFeedService
from studiosync_desktop.services.find_time import FindTimeService, subtract

NY = ZoneInfo("America/New_York")


def _monday() -> date:
    day = datetime.now(NY).date() + timedelta(days=7)
    return day + timedelta(days=(7 - day.weekday()) % 7)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), NY)


def _hours(*days: int, start: str = "14:00", end: str = "18:00") -> dict[str, object]:
    return {"days": [[{"start": start, "end": end}] if d in days else [] for d in range(7)]}


def _set_teacher_buffer(db: Database, teacher: uuid.UUID, minutes: int) -> None:
    with db.session() as s:
        s.execute(
            text("UPDATE teachers SET booking_buffer_minutes = :m WHERE id = :t"),
            {"m": minutes, "t": teacher},
        )


def test_options_stay_within_hours_and_around_lessons_buffers_calendars_and_the_students_lessons(
    db: Database, admin: Actor
) -> None:
    maker = Maker(db, admin.studio_id)
    maya, omar = maker.teacher("Maya", "Chen"), maker.teacher("Omar", "Other")
    sam = maker.student("Sam", "Lee")
    monday = _monday()
    AvailabilityService(db).set_week_hours(admin, maya, _hours(0))  # Mondays 14:00-18:00
    _set_teacher_buffer(db, maya, 15)
    maker.lesson(maya, _at(monday, 14), minutes=60, student_id=maker.student("Ana", "Ruiz"))
    maker.lesson(omar, _at(monday, 15, 30), minutes=60, student_id=sam)  # Sam is busy 15:30-16:30
    CalendarFeedService(db).import_file(
        admin,
        {"name": "Gigs", "teacher_id": maya},
        calendar(
            event(
                "gig",
                f"DTSTART;TZID=America/New_York:{stamp(monday)}T170000",
                f"DTEND;TZID=America/New_York:{stamp(monday)}T190000",
                "SUMMARY:Gig",
            )
        ),
    )
    found = FindTimeService(db).find(
        admin,
        {"student_id": sam, "teacher_id": maya, "minutes": 30, "first_day": monday, "days": 7},
    )
    # 14:00-15:00 lesson + 15 min buffer; Sam 15:30-16:30; the gig from 17:00: 16:30-17:00 is left.
    assert [(o.start, o.end, o.teacher_name) for o in found] == [
        (_at(monday, 16, 30), _at(monday, 17), "Maya Chen")
    ]


def test_a_teacher_without_hours_is_offered_in_opening_hours_and_closures_are_skipped(
    db: Database, admin: Actor
) -> None:
    maker = Maker(db, admin.studio_id)
    maya = maker.teacher("Maya", "Chen")
    monday = _monday()
    with db.session() as s:
        s.execute(
            text("INSERT INTO studio_closures (studio_id, closed_on) VALUES (:s, :d)"),
            {"s": admin.studio_id, "d": monday},
        )
    found = FindTimeService(db).find(
        admin, {"teacher_id": maya, "minutes": 45, "first_day": monday, "days": 3}
    )
    assert [o.start for o in found] == [
        _at(monday + timedelta(days=1), 8),
        _at(monday + timedelta(days=2), 8),
    ]


def test_any_teacher_of_an_instrument_ranked_by_the_students_usual_day_and_time(
    db: Database, admin: Actor
) -> None:
    maker = Maker(db, admin.studio_id)
    maya = maker.teacher("Maya", "Chen")
    lena = maker.teacher("Lena", "Strings")
    drummer = maker.teacher("Dan", "Drums")
    with db.session() as s:
        for teacher, spec in (
            (maya, '["Piano"]'),
            (lena, '["Violin", "Piano"]'),
            (drummer, '["Drums"]'),
        ):
            s.execute(
                text("UPDATE teachers SET specialties = CAST(:sp AS jsonb) WHERE id = :t"),
                {"sp": spec, "t": teacher},
            )
    sam = maker.student("Sam", "Lee")
    monday = _monday()
    for weeks in (1, 2, 3):  # Sam's usual: Tuesdays at 16:00
        maker.lesson(
            maya, _at(monday - timedelta(weeks=weeks) + timedelta(days=1), 16), student_id=sam
        )
    availability = AvailabilityService(db)
    availability.set_week_hours(admin, maya, _hours(0, 1, 2, 3, 4))
    availability.set_week_hours(admin, lena, _hours(1, start="10:00", end="20:00"))
    availability.set_week_hours(admin, drummer, _hours(1))
    found = FindTimeService(db).find(
        admin,
        {"student_id": sam, "instrument": "piano", "minutes": 30, "first_day": monday, "days": 7},
    )
    tuesday = monday + timedelta(days=1)
    assert [(o.start, o.teacher_name, o.note) for o in found[:2]] == [
        (_at(tuesday, 16), "Lena Strings", "as usual"),
        (_at(tuesday, 16), "Maya Chen", "as usual"),
    ]
    assert "Dan Drums" not in {o.teacher_name for o in found}
    assert found[2].note.startswith("usually Tuesdays at 16:00") or found[2].start.date() == tuesday


def test_when_is_a_room_free_lists_its_free_stretches(db: Database, admin: Actor) -> None:
    maker = Maker(db, admin.studio_id)
    room = maker.room("Room B")
    maya = maker.teacher("Maya", "Chen")
    monday = _monday()
    maker.lesson(maya, _at(monday, 9), minutes=60, room_id=room)
    maker.reservation(room, maker.person("Pia", "Practice"), _at(monday, 12))
    found = FindTimeService(db).find(
        admin, {"room_id": room, "minutes": 60, "first_day": monday, "days": 1}
    )
    assert [(o.start, o.end, o.room_name) for o in found] == [
        (_at(monday, 8), _at(monday, 9), "Room B"),
        (_at(monday, 10), _at(monday, 12), "Room B"),
        (_at(monday, 13), _at(monday, 22), "Room B"),
    ]


def test_a_teacher_may_not_search_and_nothing_to_search_for_is_said(
    db: Database, admin: Actor
) -> None:
    service = FindTimeService(db)
    with pytest.raises(ValidationFailed) as refused:
        service.find(admin, {"minutes": 30})
    assert "Choose a teacher, an instrument or a room" in str(refused.value)
    teacher = admin.model_copy(update={"role": "teacher"})
    with pytest.raises(PermissionDenied):
        service.find(teacher, {"instrument": "piano"})


def test_free_time_is_what_no_busy_span_covers() -> None:
    day = _monday()
    windows = [(_at(day, 9), _at(day, 12)), (_at(day, 14), _at(day, 18))]
    busy = [
        (_at(day, 10), _at(day, 11)),
        (_at(day, 11), _at(day, 15)),
        (_at(day, 17), _at(day, 20)),
    ]
    assert subtract(windows, busy) == [
        (_at(day, 9), _at(day, 10)),
        (_at(day, 15), _at(day, 17)),
    ]
