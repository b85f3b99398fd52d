"""Teachers' working hours and time off, against the real database."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from factories import Maker
from sqlalchemy import text

from studiosync_desktop.db import Database
from studiosync_desktop.errors import Conflict, PermissionDenied, ValidationFailed
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services.availability import AvailabilityService

NY = ZoneInfo("America/New_York")
NINE_TO_FIVE = [{"start": "09:00", "end": "12:00"}, {"start": "13:00", "end": "17:00"}]


def _week(**days: list[dict[str, str]]) -> dict[str, object]:
    names = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    return {"days": [days.get(n, []) for n in names]}


def _monday() -> date:
    day = datetime.now(NY).date() + timedelta(days=7)
    return day + timedelta(days=(7 - day.weekday()) % 7)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), NY)


def _teacher_actor(db: Database, admin: Actor, teacher: uuid.UUID) -> Actor:
    with db.session() as s:
        user = s.scalar(text("SELECT user_id FROM teachers WHERE id = :t"), {"t": teacher})
    return Actor(user_id=user, studio_id=admin.studio_id, role="teacher", name="Tess")


def test_a_week_of_several_stretches_a_day_is_saved_and_read_back(
    db: Database, admin: Actor
) -> None:
    teacher = Maker(db, admin.studio_id).teacher()
    service = AvailabilityService(db)
    service.set_week_hours(admin, teacher, _week(mon=NINE_TO_FIVE, wed=[NINE_TO_FIVE[1]]))
    week = service.week_hours(admin, teacher)
    assert [[r.label() for r in d] for d in week.days] == [
        ["09:00-12:00", "13:00-17:00"],
        [],
        ["13:00-17:00"],
        [],
        [],
        [],
        [],
    ]
    service.set_week_hours(admin, teacher, _week(fri=[NINE_TO_FIVE[0]]))
    assert [len(d) for d in service.week_hours(admin, teacher).days] == [0, 0, 0, 0, 1, 0, 0]


def test_overlapping_or_backwards_stretches_are_refused_with_the_day_named(
    db: Database, admin: Actor
) -> None:
    teacher = Maker(db, admin.studio_id).teacher()
    service = AvailabilityService(db)
    with pytest.raises(ValidationFailed) as refused:
        service.set_week_hours(
            admin,
            teacher,
            _week(tue=[{"start": "09:00", "end": "12:00"}, {"start": "11:00", "end": "14:00"}]),
        )
    assert "Tuesday: 09:00-12:00 and 11:00-14:00 overlap" in str(refused.value)
    with pytest.raises(ValidationFailed) as backwards:
        service.set_week_hours(admin, teacher, _week(mon=[{"start": "17:00", "end": "09:00"}]))
    assert "the end comes before the start" in str(backwards.value)
    with db.session() as s:  # and the database refuses an overlap written around the service
        s.execute(
            text(
                "INSERT INTO teacher_hours (studio_id, teacher_id, weekday, start_time, end_time)"
                " VALUES (:s, :t, 1, '09:00', '12:00')"
            ),
            {"s": admin.studio_id, "t": teacher},
        )
    with pytest.raises(Conflict), db.session() as s:
        s.execute(
            text(
                "INSERT INTO teacher_hours (studio_id, teacher_id, weekday, start_time, end_time)"
                " VALUES (:s, :t, 1, '11:00', '13:00')"
            ),
            {"s": admin.studio_id, "t": teacher},
        )


def test_a_teacher_sets_their_own_hours_and_not_a_colleagues(db: Database, admin: Actor) -> None:
    maker = Maker(db, admin.studio_id)
    mine, theirs = maker.teacher("Tess"), maker.teacher("Omar")
    tess = _teacher_actor(db, admin, mine)
    service = AvailabilityService(db)
    service.set_week_hours(tess, mine, _week(mon=NINE_TO_FIVE))
    with pytest.raises(PermissionDenied):
        service.set_week_hours(tess, theirs, _week(mon=NINE_TO_FIVE))
    with pytest.raises(PermissionDenied):
        service.add_exception(
            tess, {"teacher_id": theirs, "first_day": _monday(), "last_day": _monday()}
        )


def test_working_time_follows_the_week_and_an_exception_replaces_its_days(
    db: Database, admin: Actor
) -> None:
    teacher = Maker(db, admin.studio_id).teacher()
    service = AvailabilityService(db)
    monday = _monday()
    service.set_week_hours(admin, teacher, _week(mon=NINE_TO_FIVE, tue=NINE_TO_FIVE))
    service.add_exception(
        admin,
        {
            "teacher_id": teacher,
            "first_day": monday + timedelta(days=1),
            "last_day": monday + timedelta(days=1),
            "hours": [{"start": "15:00", "end": "19:00"}],
            "reason": "Late week",
        },
    )
    spans = service.working(admin, monday, 7, [teacher]).spans[teacher]
    assert spans == (
        (_at(monday, 9), _at(monday, 12)),
        (_at(monday, 13), _at(monday, 17)),
        (_at(monday + timedelta(days=1), 15), _at(monday + timedelta(days=1), 19)),
    )
    other = Maker(db, admin.studio_id).teacher("Nina", "Nohours")
    assert other not in service.working(admin, monday, 7).spans  # no hours set: not limited


def test_time_off_over_booked_lessons_lists_them_and_cancelling_is_the_studios_doing(
    db: Database, admin: Actor
) -> None:
    maker = Maker(db, admin.studio_id)
    teacher = maker.teacher()
    student = maker.student("Sam", "Student")
    monday = _monday()
    inside = maker.lesson(teacher, _at(monday, 10), student_id=student)
    evening = maker.lesson(teacher, _at(monday + timedelta(days=2), 18), student_id=student)
    maker.lesson(teacher, _at(monday + timedelta(days=7), 10), student_id=student)
    service = AvailabilityService(db)
    service.set_week_hours(admin, teacher, _week(mon=NINE_TO_FIVE, wed=NINE_TO_FIVE))
    assert [
        r.id for r in service.lessons_outside(admin, teacher, monday, monday + timedelta(days=6))
    ] == [evening]
    saved, affected = service.add_exception(
        admin,
        {
            "teacher_id": teacher,
            "first_day": monday,
            "last_day": monday + timedelta(days=6),
            "reason": "Tour",
        },
    )
    assert saved.is_time_off and "time off (Tour)" in saved.describe()
    assert [r.id for r in affected] == [inside, evening]
    with pytest.raises(Conflict) as overlapping:
        service.add_exception(
            admin,
            {
                "teacher_id": teacher,
                "first_day": monday + timedelta(days=3),
                "last_day": monday + timedelta(days=9),
            },
        )
    assert "already set" in str(overlapping.value)
    done = service.cancel_for_time_off(admin, [r.id for r in affected], "Teacher on tour")
    assert done.cancelled == 2
    with db.session() as s:
        rows = s.execute(
            text(
                "SELECT status, cancelled_on_behalf_of, cancellation_reason FROM lessons"
                " WHERE id = ANY(:ids) ORDER BY scheduled_start"
            ),
            {"ids": [inside, evening]},
        ).all()
        credits = s.scalar(text("SELECT count(*) FROM makeup_credits"))
    assert [tuple(r) for r in rows] == [("cancelled", "studio", "Teacher on tour")] * 2
    assert credits == done.credits_issued
    assert service.lessons_outside(admin, teacher, monday, monday + timedelta(days=6)) == ()
    service.remove_exception(admin, saved.id)
    assert service.exceptions(admin, teacher) == ()


def _booking(teacher: uuid.UUID, student: uuid.UUID, start: datetime) -> dict[str, object]:
    return {
        "teacher_id": teacher,
        "student_id": student,
        "start": start,
        "end": start + timedelta(minutes=30),
    }


def test_booking_outside_hours_asks_first_and_the_desks_yes_is_recorded(
    db: Database, admin: Actor
) -> None:
    from studiosync_desktop.errors import NeedsConfirmation
    from studiosync_desktop.services.scheduling import SchedulingService

    maker = Maker(db, admin.studio_id)
    teacher, student = maker.teacher("Maya", "Chen"), maker.student("Sam", "Lee")
    monday = _monday()
    scheduling = SchedulingService(db)
    AvailabilityService(db).set_week_hours(admin, teacher, _week(mon=NINE_TO_FIVE))
    scheduling.create_lesson(admin, _booking(teacher, student, _at(monday, 9)))  # inside: no ask
    evening = _booking(teacher, student, _at(monday, 18))
    with pytest.raises(NeedsConfirmation) as asked:
        scheduling.create_lesson(admin, evening)
    assert asked.value.reasons == (
        f"18:00-18:30 on Mon {monday.day} {monday:%b} is outside Maya Chen's working hours"
        " (09:00-12:00, 13:00-17:00).",
    )
    with db.session() as s:
        assert s.scalar(text("SELECT count(*) FROM lessons")) == 1  # nothing half-written
    desk_user = maker.staff("Dee", "Desk")
    desk = Actor(user_id=desk_user, studio_id=admin.studio_id, role="desk", name="Dee Desk")
    booked = scheduling.create_lesson(desk, {**evening, "accept_outside": True})
    with db.session() as s:
        row = s.execute(text("SELECT * FROM booking_overrides")).one()
    assert (row.lesson_id, row.confirmed_by_id) == (booked.id, desk_user)
    assert "outside Maya Chen's working hours" in row.reasons
    with pytest.raises(NeedsConfirmation) as tuesday:  # no hours on Tuesday
        scheduling.move_lesson(
            admin,
            booked.id,
            _at(monday + timedelta(days=1), 10),
            _at(monday + timedelta(days=1), 10, 30),
        )
    assert "(not working that day)" in str(tuesday.value)


def test_booking_over_an_outside_event_names_it_and_the_desk_reads_only_the_calendar(
    db: Database, admin: Actor
) -> None:
    from feed_server import calendar, event, stamp

    from studiosync_desktop.errors import NeedsConfirmation
    from studiosync_desktop.services.calendar_feeds import CalendarFeedService
    from studiosync_desktop.services.scheduling import SchedulingService

    maker = Maker(db, admin.studio_id)
    teacher, student = maker.teacher("Maya", "Chen"), maker.student("Sam", "Lee")
    monday = _monday()
    gig = event(
        "gig", f"DTSTART;TZID=America/New_York:{stamp(monday)}T150000",
        f"DTEND;TZID=America/New_York:{stamp(monday)}T170000", "SUMMARY:Jazz club gig",
    )  # fmt: skip
    CalendarFeedService(db).import_file(
        admin, {"name": "Gigs", "teacher_id": teacher}, calendar(gig)
    )
    scheduling = SchedulingService(db)
    with pytest.raises(NeedsConfirmation) as asked:
        scheduling.create_lesson(admin, _booking(teacher, student, _at(monday, 16)))
    assert "Maya Chen is busy 15:00-17:00 on Mon" in str(asked.value)
    assert "Jazz club gig (Gigs)" in str(asked.value)
    desk = admin.model_copy(update={"role": "desk"})
    with pytest.raises(NeedsConfirmation) as desk_asked:
        scheduling.create_lesson(desk, _booking(teacher, student, _at(monday, 16)))
    assert "Jazz" not in str(desk_asked.value) and str(desk_asked.value).endswith(": Gigs.")
    scheduling.create_lesson(admin, _booking(teacher, student, _at(monday, 17)))  # just after


def test_a_weekly_series_outside_hours_asks_once_for_all_and_books_nothing_until_yes(
    db: Database, admin: Actor
) -> None:
    from studiosync_desktop.errors import NeedsConfirmation
    from studiosync_desktop.services.scheduling import SchedulingService

    maker = Maker(db, admin.studio_id)
    teacher, student = maker.teacher("Maya", "Chen"), maker.student("Sam", "Lee")
    AvailabilityService(db).set_week_hours(admin, teacher, _week(mon=NINE_TO_FIVE))
    monday = _monday()
    series = {
        "teacher_id": teacher,
        "student_id": student,
        "start_date": monday,
        "end_date": monday + timedelta(weeks=3),
        "start_time": "17:30",
        "duration_minutes": 30,
    }
    scheduling = SchedulingService(db)
    with pytest.raises(NeedsConfirmation) as asked:
        scheduling.create_series(admin, series)
    assert asked.value.reasons[0] == "4 time(s) of this series need a yes:"
    with db.session() as s:
        assert s.scalar(text("SELECT count(*) FROM lessons")) == 0
        assert s.scalar(text("SELECT count(*) FROM recurring_patterns")) == 0
    made = scheduling.create_series(admin, {**series, "accept_outside": True})
    assert made.created == 4
    with db.session() as s:
        assert s.scalar(text("SELECT count(*) FROM booking_overrides")) == 4
    inside = {**series, "start_time": "09:00", "student_id": maker.student("Ana", "Ruiz")}
    assert scheduling.create_series(admin, inside).created == 4  # inside hours: no question
