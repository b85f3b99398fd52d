"""Rooms: add/edit, reservations with their cost, clashes named, statuses, free slots, billing."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from desks import failures, race_desks
from factories import Maker

from studiosync_desktop.db import Database
from studiosync_desktop.errors import Conflict, ValidationFailed
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.schemas.rooms import reservation_cost
from studiosync_desktop.services.rooms import RoomService

NY = ZoneInfo("America/New_York")


@pytest.fixture
def make(db: Database, admin: Actor) -> Maker:
    return Maker(db, admin.studio_id)


@pytest.fixture
def rooms(db: Database) -> RoomService:
    return RoomService(db)


def at(hour: int, minute: int = 0, day: int = 3) -> datetime:
    return datetime(2030, 3, day, hour, minute, tzinfo=NY)


def _room_b(rooms: RoomService, admin: Actor) -> uuid.UUID:
    return rooms.create_room(
        admin, {"name": "Room B", "capacity": 3, "hourly_rate": "15.00", "equipment": "Piano"}
    ).id


def test_rooms_are_added_and_edited_with_unique_names(rooms: RoomService, admin: Actor):
    b = _room_b(rooms, admin)
    rooms.create_room(admin, {"name": "Room A"})
    with pytest.raises(ValidationFailed) as exc:
        rooms.create_room(admin, {"name": "Room B"})
    assert exc.value.fields["name"] == "There is already a room called Room B."
    with pytest.raises(ValidationFailed) as exc:
        rooms.create_room(admin, {"name": "Room C", "capacity": 0})
    assert "capacity" in exc.value.fields
    edited = rooms.update_room(
        admin, b, {"name": "Room B", "hourly_rate": "20", "is_active": False}
    )
    assert (edited.hourly_rate, edited.is_active) == (Decimal("20.00"), False)
    assert [r.name for r in rooms.rooms(admin)] == ["Room A", "Room B"]


def test_cost_is_duration_times_rate_rounded_half_up(rooms: RoomService, admin: Actor, make: Maker):
    b = _room_b(rooms, admin)
    quote = rooms.quote(admin, b, at(14), at(15, 20))
    assert (quote.minutes, quote.cost) == (80, Decimal("20.00"))
    booked = rooms.reserve(
        admin,
        {"room_id": b, "person_id": make.person("Pia", "P"), "start": at(14), "end": at(15, 20)},
    )
    assert booked.total_cost == Decimal("20.00")  # computed again by the database
    odd = rooms.create_room(admin, {"name": "Odd", "hourly_rate": "10.00"}).id
    # 7 minutes at 10.00/h is 1.1666... -> 1.17; 3 minutes is 0.50 exactly (half-up stays).
    assert reservation_cost(Decimal("10.00"), at(9), at(9, 7)) == Decimal("1.17")
    assert rooms.quote(admin, odd, at(9), at(9, 3)).cost == Decimal("0.50")
    assert reservation_cost(Decimal("0.10"), at(9), at(9, 3)) == Decimal("0.01")  # 0.005 up


def test_overlapping_room_booking_is_refused_with_the_clash_named(
    rooms: RoomService, admin: Actor, make: Maker
):
    b = _room_b(rooms, admin)
    maya = make.person("Maya", "Chen")
    rooms.reserve(admin, {"room_id": b, "person_id": maya, "start": at(14), "end": at(15)})
    other = make.person("Sam", "Lee")
    with pytest.raises(Conflict) as exc:
        rooms.reserve(
            admin, {"room_id": b, "person_id": other, "start": at(14, 30), "end": at(15, 30)}
        )
    assert str(exc.value) == "Room B is already booked 14:00-15:00 on Sun 03 Mar by Maya Chen."
    # Touching ends don't clash.
    rooms.reserve(admin, {"room_id": b, "person_id": other, "start": at(15), "end": at(16)})


def test_a_lesson_in_the_room_blocks_a_reservation(rooms: RoomService, admin: Actor, make: Maker):
    b = _room_b(rooms, admin)
    teacher = make.teacher("Tess", "Teacher")
    make.lesson(teacher, at(16), minutes=45, room_id=b)
    with pytest.raises(Conflict, match="by a lesson with Tess Teacher"):
        rooms.reserve(
            admin,
            {"room_id": b, "person_id": make.person("A", "A"), "start": at(16, 30), "end": at(17)},
        )


def test_statuses_move_and_cancelled_ones_free_the_room(
    rooms: RoomService, admin: Actor, make: Maker
):
    b = _room_b(rooms, admin)
    pia, sam = make.person("Pia", "P"), make.person("Sam", "S")
    first = rooms.reserve(
        admin, {"room_id": b, "person_id": pia, "start": at(10), "end": at(11), "status": "pending"}
    )
    assert rooms.set_status(admin, first.id, "confirmed").status == "confirmed"
    rooms.set_status(admin, first.id, "cancelled")
    second = rooms.reserve(admin, {"room_id": b, "person_id": sam, "start": at(10), "end": at(11)})
    with pytest.raises(Conflict, match="by Sam S"):
        rooms.set_status(admin, first.id, "confirmed")  # restoring re-checks the room
    assert rooms.set_status(admin, second.id, "completed").status == "completed"
    with pytest.raises(Conflict, match="cannot become"):
        rooms.set_status(admin, second.id, "cancelled")
    assert rooms.set_paid(admin, second.id, True).is_paid


def test_reservation_form_refuses_end_before_start(rooms: RoomService, admin: Actor, make: Maker):
    b = _room_b(rooms, admin)
    with pytest.raises(ValidationFailed, match="end must be after"):
        rooms.reserve(
            admin,
            {"room_id": b, "person_id": make.person("A", "A"), "start": at(11), "end": at(10)},
        )


def test_next_free_slots_skip_bookings_and_closed_hours(
    rooms: RoomService, admin: Actor, make: Maker
):
    b = _room_b(rooms, admin)
    pia = make.person("Pia", "P")
    rooms.reserve(admin, {"room_id": b, "person_id": pia, "start": at(8), "end": at(9, 10)})
    slots = rooms.next_free_slots(admin, 60, after=at(7), room_id=b, count=3)
    assert [(s.start.astimezone(NY).hour, s.start.astimezone(NY).minute) for s in slots] == [
        (9, 15),
        (10, 15),
        (11, 15),
    ]
    assert slots[0].cost == Decimal("15.00")
    late = rooms.next_free_slots(admin, 90, after=at(21), room_id=b, count=1)
    assert late[0].start.astimezone(NY) == at(8, day=4)


def test_unbilled_reservations_flow_to_the_payer(
    db: Database, rooms: RoomService, admin: Actor, make: Maker
):
    b = _room_b(rooms, admin)
    family = make.family("Lee family")
    sam = make.student("Sam", "Lee", family_id=family)
    with db.read_session() as s:
        from studiosync_desktop.models import Student

        sam_user = s.get(Student, sam).user_id  # type: ignore[union-attr]
    booked = rooms.reserve(
        admin, {"room_id": b, "person_id": sam_user, "start": at(10), "end": at(11, 20)}
    )
    pending = rooms.reserve(
        admin,
        {"room_id": b, "person_id": sam_user, "start": at(12), "end": at(13), "status": "pending"},
    )
    assert pending.total_cost == Decimal("15.00")
    unbilled = rooms.unbilled_reservations(admin, family_id=family)
    assert [(u.id, u.total_cost, u.student_id) for u in unbilled] == [
        (booked.id, Decimal("20.00"), sam)
    ]
    rooms.set_paid(admin, booked.id, True)
    assert rooms.unbilled_reservations(admin, family_id=family) == ()


def test_desks_booking_the_same_slot_at_once_losers_are_told_who_has_the_room(
    database_url: str, admin: Actor, rooms: RoomService, make: Maker
):
    """Eight desks on their own connections book overlapping slots of one room at once: exactly
    one booking stands, and every other desk is told who has the room and when, as the desk
    that books a moment later is (not "The room is already booked at this time")."""
    b = _room_b(rooms, admin)
    people = [make.person(f"P{i}", "Desk") for i in range(8)]

    def desk(own: Database, n: int) -> object:
        return RoomService(own).reserve(
            admin,
            {"room_id": b, "person_id": people[n], "start": at(14, 5 * n), "end": at(15, 5 * n)},
        )

    results = race_desks(database_url, 8, desk)
    [booked] = [r for r in results if not isinstance(r, BaseException)]
    losers = failures(results)
    assert all(isinstance(e, Conflict) for e in losers), losers
    span = f"{booked.start.astimezone(NY):%H:%M}-{booked.end.astimezone(NY):%H:%M}"
    told = f"Room B is already booked {span} on Sun 03 Mar by {booked.person_name}."
    assert [str(e) for e in losers] == [told] * 7
    day = rooms.day(admin, at(0).date())
    assert len(day.reservations) == 1
