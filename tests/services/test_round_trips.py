"""The desk's actions in the round trips issue 16 allows, counted on the wire as the desk's own
login (row security on): `bench.relay` sits between the desk and the server and counts each
request the desk sends after a reply, BEGIN and COMMIT included. A server across the building
or hosted elsewhere charges every one of them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import pytest
from factories import Maker
from lesson_days import at, future_monday
from sqlalchemy import text

from bench.relay import Relay
from studiosync_desktop import login
from studiosync_desktop.db import Database
from studiosync_desktop.errors import Conflict, NeedsConfirmation, ValidationFailed
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services.accounts import AccountService
from studiosync_desktop.services.clashes import BookingClash
from studiosync_desktop.services.container import Services

T = TypeVar("T")
UTC_ZONE = ZoneInfo("UTC")
EMAIL = "desk@trips.example"
PASSWORD = "desk-password-1"


@dataclass
class Desk:
    services: Services
    actor: Actor
    relay: Relay

    def trips(self, call: Callable[[], T]) -> tuple[int, T]:
        """(round trips, result) of one call."""
        before = self.relay.count()
        result = call()
        return self.relay.count() - before, result


@pytest.fixture
def desk(db: Database, admin: Actor, database_url: str) -> Iterator[Desk]:
    AccountService(db).invite(
        admin, {"first_name": "Dana", "email": EMAIL, "role": "desk", "password": PASSWORD}
    )
    relay = Relay.to(database_url)
    person = login.log_in(relay.url_for(database_url), EMAIL, PASSWORD)
    try:
        yield Desk(Services.build(person.db), person.actor, relay)
    finally:
        person.db.dispose()
        relay.stop()


@pytest.fixture
def studio(db: Database, admin: Actor) -> dict[str, Any]:
    make = Maker(db, admin.studio_id)
    return {
        "make": make,
        "teacher": make.teacher("Maya", "Chen"),
        "student": make.student("Tom", "Ng"),
        "room": make.room("Room B"),
    }


def booking(studio: dict[str, Any], hour: int, **more: object) -> dict[str, Any]:
    start = at(future_monday(), hour)
    return {
        "teacher_id": studio["teacher"],
        "student_id": studio["student"],
        "room_id": studio["room"],
        "start": start,
        "end": start + timedelta(minutes=45),
        **more,
    }


def lessons_kept(db: Database) -> int:
    with db.engine.connect() as conn:
        return int(conn.scalar(text("SELECT count(*) FROM lessons")) or 0)


def test_booking_a_lesson_is_three_round_trips_and_shows_what_was_booked(
    desk: Desk, studio: dict[str, Any], db: Database
) -> None:
    book = desk.services.scheduling.create_lesson
    book(desk.actor, booking(studio, 9))  # the pool's connection is made here
    trips, made = desk.trips(lambda: book(desk.actor, booking(studio, 11)))
    assert trips == 3  # BEGIN, the statement, COMMIT
    names = (made.teacher_name, made.student_name, made.room_name)
    assert names == ("Maya Chen", "Tom Ng", "Room B")
    assert made.rate == Decimal("45.00") and made.status == "scheduled"
    assert made.start == at(future_monday(), 11) and made.makeup_credits == 0
    trips, opened = desk.trips(lambda: desk.services.scheduling.lesson(desk.actor, made.id))
    assert trips == 1 and opened == made  # the lesson with its student's make-up credits
    assert lessons_kept(db) == 2


def test_a_refused_booking_names_the_clash_and_keeps_nothing(
    desk: Desk, studio: dict[str, Any], db: Database
) -> None:
    book = desk.services.scheduling.create_lesson
    book(desk.actor, booking(studio, 9))
    with pytest.raises(BookingClash, match=r"Maya Chen already has a lesson with Tom Ng 09:00"):
        book(desk.actor, booking(studio, 9, room_id=None, lesson_type="makeup"))
    assert lessons_kept(db) == 1


def test_a_refused_booking_looks_for_its_clashes_once(
    desk: Desk, studio: dict[str, object], db: Database
) -> None:
    """The statement finds the clash and hands it over; only the names are read after it
    (the clash, the person, a room reservation), never the clash search again."""
    book = desk.services.scheduling.create_lesson
    book(desk.actor, booking(studio, 9))

    def refused() -> BookingClash:
        with pytest.raises(BookingClash) as caught:
            book(desk.actor, booking(studio, 9, room_id=None))
        return caught.value

    trips, clash = desk.trips(refused)
    assert "Maya Chen already has a lesson with Tom Ng 09:00" in str(clash)
    assert trips == 6  # BEGIN, the statement, the three reads of names, ROLLBACK
    assert lessons_kept(db) == 1


def test_a_booking_outside_the_teachers_hours_is_kept_only_once_the_desk_says_yes(
    desk: Desk, studio: dict[str, Any], db: Database, admin: Actor
) -> None:
    hours = {"days": [[{"start": "10:00", "end": "12:00"}], [], [], [], [], [], []]}
    Services.build(db).availability.set_week_hours(admin, studio["teacher"], hours)
    book = desk.services.scheduling.create_lesson
    trips, made = desk.trips(lambda: book(desk.actor, booking(studio, 10)))
    assert trips == 3 and made.room_name == "Room B"
    outside = r"outside Maya Chen's working hours \(10:00-12:00\)"
    with pytest.raises(NeedsConfirmation, match=outside):
        book(desk.actor, booking(studio, 13))
    assert lessons_kept(db) == 1
    confirmed = book(desk.actor, booking(studio, 13, accept_outside=True))
    with db.engine.connect() as conn:
        said = conn.scalar(
            text("SELECT reasons FROM booking_overrides WHERE lesson_id = :l"), {"l": confirmed.id}
        )
    assert "outside Maya Chen's working hours" in str(said)


def test_the_desk_moves_a_confirmed_lesson_outside_hours_again_once_it_says_yes(
    desk: Desk, studio: dict[str, Any], db: Database, admin: Actor
) -> None:
    """The record of what was confirmed is replaced (the desk's login needs its UPDATE grant)."""
    hours = {"days": [[{"start": "10:00", "end": "12:00"}], [], [], [], [], [], []]}
    Services.build(db).availability.set_week_hours(admin, studio["teacher"], hours)
    scheduling = desk.services.scheduling
    made = scheduling.create_lesson(desk.actor, booking(studio, 13, accept_outside=True))
    with pytest.raises(NeedsConfirmation, match="14:00-14:45"):
        scheduling.update_lesson(desk.actor, made.id, booking(studio, 14))
    moved = scheduling.update_lesson(desk.actor, made.id, booking(studio, 14, accept_outside=True))
    assert moved.start == at(future_monday(), 14)
    with db.engine.connect() as conn:
        said = conn.execute(
            text("SELECT reasons, confirmed_by_id FROM booking_overrides WHERE lesson_id = :l"),
            {"l": made.id},
        ).one()
    assert "14:00-14:45" in said.reasons and "13:00" not in said.reasons
    assert said.confirmed_by_id == desk.actor.user_id


def test_a_makeup_lesson_takes_a_credit_in_the_same_statement(
    desk: Desk, studio: dict[str, Any], db: Database
) -> None:
    book = desk.services.scheduling.create_lesson
    with pytest.raises(ValidationFailed, match="Tom Ng has no make-up credit left"):
        book(desk.actor, booking(studio, 9, lesson_type="makeup"))
    assert lessons_kept(db) == 0
    for hour in (14, 15):  # cancelled by the studio: a make-up credit each
        cancelled = book(desk.actor, booking(studio, hour))
        desk.services.scheduling.cancel(
            desk.actor, cancelled.id, {"reason": "Flooded", "on_behalf_of": "studio"}
        )
    trips, made = desk.trips(lambda: book(desk.actor, booking(studio, 9, lesson_type="makeup")))
    assert trips == 3 and made.lesson_type == "makeup" and made.makeup_credits == 1
    with db.engine.connect() as conn:
        used = conn.scalar(
            text("SELECT count(*) FROM makeup_credits WHERE used_by_lesson_id = :l"),
            {"l": made.id},
        )
    assert used == 1


@pytest.fixture
def busy_day(studio: dict[str, Any]) -> Any:
    """A Monday with two lessons in Room B, one without a room, and a practice booking."""
    make = studio["make"]
    assert isinstance(make, Maker)
    day = future_monday()
    other = make.teacher("Omar", "Diaz")
    make.lesson(
        studio["teacher"], at(day, 15), student_id=studio["student"], room_id=studio["room"]
    )
    make.lesson(other, at(day, 16), student_id=make.student("Ana", "Ruiz"), room_id=studio["room"])
    make.lesson(other, at(day, 17), student_id=studio["student"])
    make.reservation(studio["room"], make.person("Pat", "Player"), at(day, 18))
    return day


def test_todays_board_is_one_round_trip(desk: Desk, busy_day: Any) -> None:
    board = desk.services.today.board
    board(desk.actor, busy_day)
    trips, seen = desk.trips(lambda: board(desk.actor, busy_day))
    assert trips == 1  # six reads in one pipeline
    assert [r.student_name for r in seen.lessons] == ["Tom Ng", "Ana Ruiz", "Tom Ng"]
    assert [p.name for p in seen.teachers] == ["Maya Chen", "Omar Diaz"]
    assert [p.name for p in seen.rooms] == ["Room B"]
    assert len(seen.teacher_busy) == 3 and len(seen.room_busy) == 3
    assert [r.person_name for r in seen.reservations] == ["Pat Player"]


def test_a_day_of_all_rooms_is_one_round_trip(desk: Desk, busy_day: Any) -> None:
    day = desk.services.rooms.day
    day(desk.actor, busy_day)
    trips, seen = desk.trips(lambda: day(desk.actor, busy_day))
    assert trips == 1
    assert [r.name for r in seen.rooms] == ["Room B"]
    assert [(r.teacher_name, r.room_name) for r in seen.lessons] == [
        ("Maya Chen", "Room B"),
        ("Omar Diaz", "Room B"),
    ]
    assert [r.person_name for r in seen.reservations] == ["Pat Player"]


def test_the_calendar_week_is_one_round_trip(desk: Desk, busy_day: Any) -> None:
    week = desk.services.scheduling.week
    week(desk.actor, busy_day)
    trips, seen = desk.trips(lambda: week(desk.actor, busy_day))
    assert trips == 1  # the lessons and their names together
    assert [(r.teacher_name, r.student_name, r.room_name) for r in seen] == [
        ("Maya Chen", "Tom Ng", "Room B"),
        ("Omar Diaz", "Ana Ruiz", "Room B"),
        ("Omar Diaz", "Tom Ng", ""),
    ]


def test_the_booking_dialogs_lists_are_one_round_trip(desk: Desk, busy_day: Any) -> None:
    choices = desk.services.scheduling.choices
    choices(desk.actor)
    trips, lists = desk.trips(lambda: choices(desk.actor))
    assert trips == 1  # the settings, teachers, students, bands, rooms and plans together
    assert [t.name for t in lists.teachers] == ["Maya Chen", "Omar Diaz"]
    assert [s.name for s in lists.students] == ["Ana Ruiz", "Tom Ng"]
    assert [r.name for r in lists.rooms] == ["Room B"] and lists.default_minutes == 45


def test_dragging_a_lesson_to_another_time_is_six_round_trips(
    desk: Desk, studio: dict[str, Any], db: Database
) -> None:
    """Its current values (1), what undo needs before and after (1 each), and BEGIN, the
    change in one statement, COMMIT."""
    scheduling = desk.services.scheduling
    made = scheduling.create_lesson(desk.actor, booking(studio, 9))
    scheduling.move_lesson(
        desk.actor, made.id, at(future_monday(), 10), at(future_monday(), 10, 45)
    )
    trips, moved = desk.trips(
        lambda: scheduling.move_lesson(
            desk.actor, made.id, at(future_monday(), 11), at(future_monday(), 11, 45)
        )
    )
    assert trips == 6
    assert moved.start == at(future_monday(), 11) and moved.room_name == "Room B"
    assert scheduling.lesson(desk.actor, made.id) == moved
    taken = scheduling.create_lesson(desk.actor, booking(studio, 14, room_id=None))
    with pytest.raises(BookingClash, match="Maya Chen already has a lesson with Tom Ng 14:00"):
        scheduling.move_lesson(
            desk.actor, made.id, at(future_monday(), 14), at(future_monday(), 14, 45)
        )
    assert scheduling.lesson(desk.actor, made.id).start == at(future_monday(), 11)
    assert taken.id != made.id


def test_cancelling_a_lesson_is_seven_round_trips_and_earns_the_credit(
    desk: Desk, studio: dict[str, Any]
) -> None:
    """What undo needs before and after (1 each), BEGIN with the studio and the lesson locked
    (1), the cancel and its credit (2), COMMIT, and the lesson as it is now (1)."""
    scheduling = desk.services.scheduling
    made = scheduling.create_lesson(desk.actor, booking(studio, 9))
    trips, done = desk.trips(
        lambda: scheduling.cancel(
            desk.actor, made.id, {"reason": "Flooded", "on_behalf_of": "studio"}
        )
    )
    assert trips == 7
    assert done.status == "cancelled" and done.makeup_credits == 1
    with pytest.raises(Conflict, match="This lesson is cancelled: it can't be cancelled"):
        scheduling.cancel(desk.actor, made.id, {"reason": "Again", "on_behalf_of": "studio"})


def test_find_a_time_is_one_round_trip(desk: Desk, busy_day: Any) -> None:
    """Everything the search reads (the studio's hours and closures, the teachers, their
    weeks, time off, lessons and outside calendars, the student's lessons and usual time, the
    room's name and bookings) travels together; the teachers are chosen by a subquery."""
    find = desk.services.find_time.find
    query = {
        "student_id": busy_day_student(desk),
        "room_id": busy_day_room(desk),
        "any_teacher": True,
        "minutes": 45,
        "first_day": busy_day,
        "days": 1,
    }
    find(desk.actor, query)
    trips, options = desk.trips(lambda: find(desk.actor, query))
    assert trips == 1
    assert options and {o.teacher_name for o in options} <= {"Maya Chen", "Omar Diaz"}
    for o in options:  # around the day's lessons: Tom at 15:00 and 17:00, Room B at 16:00
        assert o.end <= at(busy_day, 15) or o.start >= at(busy_day, 18) + timedelta(hours=1)
    room_only = {"room_id": query["room_id"], "minutes": 60, "first_day": busy_day, "days": 1}
    trips, gaps = desk.trips(lambda: find(desk.actor, room_only))
    assert trips == 1 and gaps and all(g.teacher_id is None for g in gaps)


def busy_day_student(desk: Desk) -> Any:
    return next(
        c.id for c in desk.services.scheduling.choices(desk.actor).students if c.name == "Tom Ng"
    )


def busy_day_room(desk: Desk) -> Any:
    return next(
        c.id for c in desk.services.scheduling.choices(desk.actor).rooms if c.name == "Room B"
    )


def test_the_desks_home_figures_and_charts_are_one_round_trip(
    desk: Desk, busy_day: Any, db: Database, admin: Actor
) -> None:
    """The Home's counts, attendance, revenue and three charts travel together (issue 17),
    and say what the owner's connection says of the same moment."""
    home = desk.services.figures.home
    noon = at(busy_day, 12)
    home(desk.actor, noon)
    trips, seen = desk.trips(lambda: home(desk.actor, noon))
    assert trips == 1  # the studio's currency and six reads in one pipeline
    glance = {f.key: (f.value, f.detail) for f in seen.glance}
    assert glance["lessons_today"] == (3, "0 checked in")
    assert glance["rooms_today"] == (1, "")
    assert [c.key for c in seen.charts] == ["revenue_method", "attendance", "active_students"]
    assert seen == Services.build(db).figures.home(admin, noon)


def test_the_week_with_the_studios_outside_calendars_is_one_round_trip(
    desk: Desk, busy_day: Any, db: Database, admin: Actor, studio: dict[str, Any]
) -> None:
    """The unfiltered week shades the whole studio's outside calendars: read with the week's
    lessons in its one round trip; a teacher's or a room's calendar is not among them, and the
    desk reads "Busy" for the event's title."""
    calendars = Services.build(db).calendars
    stamp = lambda hour: f"{at(busy_day, hour).astimezone(UTC_ZONE):%Y%m%dT%H%M%SZ}"  # noqa: E731
    events = (
        f"BEGIN:VEVENT\r\nUID:gala@test\r\nDTSTART:{stamp(12)}\r\nDTEND:{stamp(14)}\r\n"
        "SUMMARY:Gala\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:off@test\r\n"
        f"DTSTART;VALUE=DATE:{busy_day + timedelta(days=2):%Y%m%d}\r\n"
        f"DTEND;VALUE=DATE:{busy_day + timedelta(days=3):%Y%m%d}\r\nSUMMARY:Day off\r\n"
        "END:VEVENT\r\n"
    )
    body = f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n{events}END:VCALENDAR\r\n"
    calendars.import_file(admin, {"name": "Holidays"}, body.encode())
    calendars.import_file(admin, {"name": "Gigs", "teacher_id": studio["teacher"]}, body.encode())
    calendars.import_file(admin, {"name": "Hire", "room_id": studio["room"]}, body.encode())
    read = desk.services.scheduling.week_and_studio_busy
    read(desk.actor, busy_day)
    trips, (lessons, busy) = desk.trips(lambda: read(desk.actor, busy_day))
    assert trips == 1  # the lessons, their names and the studio's calendars together
    assert [r.student_name for r in lessons] == ["Tom Ng", "Ana Ruiz", "Tom Ng"]
    assert [(b.label, b.all_day) for b in busy] == [
        ("Busy · Holidays", False),
        ("Busy · Holidays", True),
    ]
    assert busy[0].start == at(busy_day, 12) and busy[0].end == at(busy_day, 14)
    admins = Services.build(db).scheduling.week_and_studio_busy(admin, busy_day)[1]
    assert [b.label for b in admins] == ["Gala · Holidays", "Day off · Holidays"]


def test_a_day_of_all_rooms_is_one_round_trip_with_its_bookings_and_lessons(
    desk: Desk, studio: dict[str, Any]
) -> None:
    """The rooms, the day's reservations (by `studiosync_reservations_during`), the lessons
    holding a room and their names: four statements sent together, built and compiled once."""
    make, day = studio["make"], future_monday()
    desk.services.scheduling.create_lesson(desk.actor, booking(studio, 9))
    booker = make.person("Ria", "Hall")
    make.reservation(studio["room"], booker, at(day, 12), status="cancelled")
    make.reservation(make.room("Room C"), booker, at(day, 23), minutes=120)  # into tomorrow
    make.reservation(studio["room"], booker, at(day, 12) + timedelta(days=1, hours=1))
    desk.services.rooms.day(desk.actor, day)  # the pool's connection is made here
    trips, shown = desk.trips(lambda: desk.services.rooms.day(desk.actor, day))
    assert trips == 1
    assert [r.name for r in shown.rooms] == ["Room B", "Room C"]
    assert [(r.room_name, r.person_name, r.status) for r in shown.reservations] == [
        ("Room B", "Ria Hall", "cancelled"),
        ("Room C", "Ria Hall", "confirmed"),
    ]
    (lesson,) = shown.lessons
    assert (lesson.teacher_name, lesson.student_name, lesson.room_name) == (
        "Maya Chen",
        "Tom Ng",
        "Room B",
    )
    # The next day shows the booking that ran past midnight, and only it of that day's.
    trips, next_day = desk.trips(lambda: desk.services.rooms.day(desk.actor, day + timedelta(1)))
    assert trips == 1 and [r.start for r in next_day.reservations] == [
        at(day, 23),
        at(day, 12) + timedelta(days=1, hours=1),
    ]
