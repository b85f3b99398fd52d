"""Practice rooms: the day of bookings, rooms add/edit, reservations with their cost and status,
the next free slots, and the reservations billing may put on the payer's next invoice.

A room is never double-booked: `room_occupancy` and its exclusion constraint (0002) decide.
The service looks first so the message names the clash ("Room B is already booked 14:00-15:00
by Maya Chen"); a desk that loses the race to the constraint is rerun (`unit_of_work`), so the
same look names the winner.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime, Select, Uuid, bindparam, func, select, text
from sqlalchemy.orm import Session

from studiosync_desktop.db import Database
from studiosync_desktop.errors import Conflict, NotFound, ValidationFailed
from studiosync_desktop.models import (
    InvoiceLineItem,
    Lesson,
    PracticeRoom,
    RoomReservation,
    Student,
    Teacher,
    User,
    room_occupancy,
)
from studiosync_desktop.schemas.common import Actor, parse_input, parse_value
from studiosync_desktop.schemas.inventory import PersonOption
from studiosync_desktop.schemas.rooms import (
    STATUS_MOVES,
    CostQuote,
    FreeSlot,
    ReservationForm,
    ReservationStatus,
    RoomDetail,
    RoomForm,
    UnbilledReservation,
    reservation_cost,
)
from studiosync_desktop.schemas.rows import ReservationRow, RoomDay, RoomRow
from studiosync_desktop.services.free_time import Hours, free_gaps
from studiosync_desktop.services.lesson_rows import NAMES_SQL, lesson_columns, lesson_rows_from
from studiosync_desktop.services.permissions import can, require
from studiosync_desktop.services.reading import (
    find_people,
    full_name,
    local_day_bounds,
    studio_settings,
    studio_zone,
)
from studiosync_desktop.services.together import Bound, read_together
from studiosync_desktop.services.unit_of_work import unit_of_work
from studiosync_desktop.vocabulary import BLOCKING_RESERVATION_STATUSES


def reservation_rows_select() -> Select[Any]:
    """The columns of a ReservationRow: the reservation, its room and who booked it."""
    return (
        select(
            RoomReservation.id,
            RoomReservation.room_id,
            PracticeRoom.name.label("room_name"),
            full_name(User.first_name, User.last_name).label("person_name"),
            RoomReservation.start_time.label("start"),
            RoomReservation.end_time.label("end"),
            RoomReservation.status,
            RoomReservation.total_cost,
            RoomReservation.is_paid,
        )
        .join(PracticeRoom, PracticeRoom.id == RoomReservation.room_id)
        .join(User, User.id == RoomReservation.student_id)
    )


# When each room is taken in [first, after) (see `RoomService.free_slots`).
ROOMS_BUSY = text(
    "SELECT key, busy_from, busy_to FROM studiosync_day_busy(:first, :after, '{}')"
    " WHERE kind = 'room'"
)
# The lessons holding a room in [first, after) (see `RoomService.day`).
ROOM_LESSONS = (
    "SELECT lesson_id FROM studiosync_day_busy(:first, :after, '{}')"
    " WHERE kind = 'room' AND lesson_id IS NOT NULL"
)


# The reservations overlapping [first, after) (see `reservations_select`).
RESERVATIONS_DURING = "SELECT reservation_id FROM studiosync_reservations_during(:first, :after)"


class RoomService:
    def __init__(self, db: Database) -> None:
        self._db = db

    # --- reads ----------------------------------------------------------------------------

    def day(self, actor: Actor, day: date) -> RoomDay:
        """Rooms by name; reservations and room lessons overlapping `day` in the studio's zone."""
        require(actor, "rooms")
        with self._db.read_session() as s:
            first, after = local_day_bounds(studio_zone(s, actor), day)
            # The rooms, their bookings, their lessons and the lessons' names: one round trip,
            # of statements built and compiled once (`together.Bound`).
            values = {"studio": actor.studio_id, "first": first, "after": after}
            rooms, reservations, lessons, names = read_together(
                s, [Bound(statement, values) for statement in DAY_READS]
            )
            return RoomDay(
                day=day,
                rooms=tuple(RoomRow.model_validate(r, from_attributes=True) for r in rooms),
                reservations=reservation_rows(reservations),
                lessons=lesson_rows_from(lessons, names),
            )

    def rooms(self, actor: Actor, include_inactive: bool = True) -> tuple[RoomDetail, ...]:
        require(actor, "rooms")
        query = select(PracticeRoom).where(PracticeRoom.studio_id == actor.studio_id)
        if not include_inactive:
            query = query.where(PracticeRoom.is_active)
        with self._db.read_session() as s:
            return tuple(
                self._room_detail(r)
                for r in s.scalars(query.order_by(PracticeRoom.name, PracticeRoom.id))
            )

    def quote(self, actor: Actor, room_id: uuid.UUID, start: datetime, end: datetime) -> CostQuote:
        """The cost of a booking before it is saved (the database computes the same on save)."""
        require(actor, "rooms")
        if end <= start:
            raise ValidationFailed({"end": "The end must be after the start."})
        with self._db.read_session() as s:
            room = self._room(s, actor, room_id)
            return CostQuote(
                room_name=room.name,
                minutes=int((end - start).total_seconds() // 60),
                hourly_rate=room.hourly_rate,
                cost=reservation_cost(room.hourly_rate, start, end),
            )

    def people(self, actor: Actor, search: str = "", limit: int = 20) -> tuple[PersonOption, ...]:
        """Active people matching `search` (name or email): who a room is booked for."""
        require(actor, "rooms")
        with self._db.read_session() as s:
            rows = find_people(s, actor.studio_id, search, min(limit, 100))
            return tuple(PersonOption.model_validate(r, from_attributes=True) for r in rows)

    def reservation(self, actor: Actor, reservation_id: uuid.UUID) -> ReservationRow:
        require(actor, "rooms")
        with self._db.read_session() as s:
            return self._reservation_row(s, actor, reservation_id)

    def next_free_slots(
        self,
        actor: Actor,
        minutes: int,
        *,
        after: datetime | None = None,
        room_id: uuid.UUID | None = None,
        count: int = 5,
        days: int = 7,
    ) -> tuple[FreeSlot, ...]:
        """The earliest `count` free slots of `minutes` in active rooms, within opening hours,
        from `after` (default now) over the next `days` days, earliest first."""
        require(actor, "rooms")
        if not 15 <= minutes <= 12 * 60:
            raise ValidationFailed({"minutes": "Look for between 15 minutes and 12 hours."})
        wanted = timedelta(minutes=minutes)
        with self._db.read_session() as s:
            zone = studio_zone(s, actor)
            settings = studio_settings(s, actor.studio_id)
            hours = (settings.opens_at, settings.closes_at)
            begin = (after or s.scalar(select(func.now())) or datetime.now(zone)).astimezone(zone)
            until = datetime.combine(begin.date() + timedelta(days=days), hours[1], zone)
            rooms_q = select(PracticeRoom).where(
                PracticeRoom.studio_id == actor.studio_id, PracticeRoom.is_active
            )
            if room_id is not None:
                rooms_q = rooms_q.where(PracticeRoom.id == room_id)
            rooms = list(s.scalars(rooms_q.order_by(PracticeRoom.name)))
            busy: dict[uuid.UUID, list[tuple[datetime, datetime]]] = {r.id: [] for r in rooms}
            # By room_occupancy's GiST index (`studiosync_day_busy`; see `day`).
            for rid, start, end in s.execute(ROOMS_BUSY, {"first": begin, "after": until}):
                if rid in busy:
                    busy[rid].append((start, end))
            found: list[FreeSlot] = []
            for room in rooms:
                spans = sorted(busy[room.id])
                found.extend(_free_in(room, spans, (begin, until), wanted, zone, hours, count))
            found.sort(key=lambda f: (f.start, f.room_name))
            return tuple(found[:count])

    def unbilled_reservations(
        self,
        actor: Actor,
        *,
        family_id: uuid.UUID | None = None,
        student_id: uuid.UUID | None = None,
        person_id: uuid.UUID | None = None,
        before: datetime | None = None,
    ) -> tuple[UnbilledReservation, ...]:
        """Confirmed or completed reservations, not paid, with a cost, on no invoice line yet:
        what billing puts on the payer's next invoice (InvoiceLineItem.reservation_id).

        Filter by the payer: a family (its students' bookings), a student, or the booked
        person (a user); `before` keeps reservations that started before it.
        """
        if not (can(actor, "billing") or can(actor, "rooms")):
            require(actor, "billing")
        query = (
            select(
                RoomReservation.id,
                PracticeRoom.name.label("room_name"),
                RoomReservation.student_id.label("person_id"),
                full_name(User.first_name, User.last_name).label("person_name"),
                Student.id.label("student_id"),
                Student.family_id,
                RoomReservation.start_time.label("start"),
                RoomReservation.end_time.label("end"),
                RoomReservation.total_cost,
            )
            .join(PracticeRoom, PracticeRoom.id == RoomReservation.room_id)
            .join(User, User.id == RoomReservation.student_id)
            .outerjoin(Student, Student.user_id == RoomReservation.student_id)
            .where(
                RoomReservation.studio_id == actor.studio_id,
                RoomReservation.status.in_(("confirmed", "completed")),
                ~RoomReservation.is_paid,
                RoomReservation.total_cost > 0,
                ~select(InvoiceLineItem.id)
                .where(InvoiceLineItem.reservation_id == RoomReservation.id)
                .exists(),
            )
        )
        if family_id is not None:
            query = query.where(Student.family_id == family_id)
        if student_id is not None:
            query = query.where(Student.id == student_id)
        if person_id is not None:
            query = query.where(RoomReservation.student_id == person_id)
        if before is not None:
            query = query.where(RoomReservation.start_time < before)
        with self._db.read_session() as s:
            rows = s.execute(query.order_by(RoomReservation.start_time, RoomReservation.id))
            return tuple(UnbilledReservation.model_validate(dict(r._mapping)) for r in rows)

    # --- rooms ----------------------------------------------------------------------------

    @unit_of_work
    def create_room(self, actor: Actor, data: RoomForm | dict[str, Any]) -> RoomDetail:
        require(actor, "rooms")
        form: RoomForm = parse_input(RoomForm, data)
        with self._db.session() as s:
            self._check_name_free(s, actor, form.name, None)
            room = PracticeRoom(studio_id=actor.studio_id, **form.model_dump())
            s.add(room)
            s.flush()
            return self._room_detail(room)

    @unit_of_work
    def update_room(
        self, actor: Actor, room_id: uuid.UUID, data: RoomForm | dict[str, Any]
    ) -> RoomDetail:
        require(actor, "rooms")
        form: RoomForm = parse_input(RoomForm, data)
        with self._db.session() as s:
            room = self._room(s, actor, room_id)
            self._check_name_free(s, actor, form.name, room.id)
            for key, value in form.model_dump().items():
                setattr(room, key, value)
            s.flush()
            return self._room_detail(room)

    # --- reservations ----------------------------------------------------------------------

    @unit_of_work
    def reserve(self, actor: Actor, data: ReservationForm | dict[str, Any]) -> ReservationRow:
        """Books a room for a person; refused with the clash named if the room is taken."""
        require(actor, "rooms")
        form: ReservationForm = parse_input(ReservationForm, data)

        with self._db.session() as s:
            room = self._room(s, actor, form.room_id)
            if not room.is_active:
                raise ValidationFailed({"room_id": f"{room.name} is not in use any more."})
            person = s.get(User, form.person_id)
            if person is None or person.studio_id != actor.studio_id:
                raise ValidationFailed({"person_id": "Choose who the room is booked for."})
            self._check_free(s, actor, room, form.start, form.end, None)
            booking = RoomReservation(
                studio_id=actor.studio_id,
                room_id=room.id,
                student_id=person.id,
                start_time=form.start,
                end_time=form.end,
                status=form.status,
                notes=form.notes,
                booked_by_id=actor.user_id,
            )
            s.add(booking)
            s.flush()
            return self._reservation_row(s, actor, booking.id)

    @unit_of_work
    def set_status(
        self, actor: Actor, reservation_id: uuid.UUID, status: ReservationStatus
    ) -> ReservationRow:
        """Confirm, cancel, mark completed or no-show; restoring a cancelled one re-checks."""
        require(actor, "rooms")
        status = parse_value("status", ReservationStatus, status)

        with self._db.session() as s:
            booking = self._booking(s, actor, reservation_id)
            if status == booking.status:
                return self._reservation_row(s, actor, booking.id)
            if status not in STATUS_MOVES.get(booking.status, ()):
                raise Conflict(
                    f"A {booking.status.replace('_', '-')} reservation cannot become "
                    f"{status.replace('_', '-')}."
                )
            if (
                status in BLOCKING_RESERVATION_STATUSES
                and booking.status not in BLOCKING_RESERVATION_STATUSES
            ):
                room = self._room(s, actor, booking.room_id)
                self._check_free(s, actor, room, booking.start_time, booking.end_time, booking.id)
            booking.status = status
            s.flush()
            return self._reservation_row(s, actor, booking.id)

    @unit_of_work
    def set_paid(self, actor: Actor, reservation_id: uuid.UUID, paid: bool) -> ReservationRow:
        require(actor, "rooms")
        with self._db.session() as s:
            booking = self._booking(s, actor, reservation_id)
            booking.is_paid = paid
            s.flush()
            return self._reservation_row(s, actor, booking.id)

    # --- inside a unit of work -----------------------------------------------------------

    def _check_free(
        self,
        s: Session,
        actor: Actor,
        room: PracticeRoom,
        start: datetime,
        end: datetime,
        ignore: uuid.UUID | None,
    ) -> None:
        """Names the first booking in the way, if any (the constraint decides under races)."""
        occ = room_occupancy.c
        teacher_user = User.__table__.alias("teacher_user")
        clash = s.execute(
            select(
                func.lower(occ.during).label("start"),
                func.upper(occ.during).label("end"),
                occ.reservation_id,
                full_name(User.first_name, User.last_name).label("person"),
                func.trim(
                    func.concat(teacher_user.c.first_name, " ", teacher_user.c.last_name)
                ).label("teacher"),
            )
            .select_from(room_occupancy)
            .outerjoin(RoomReservation, RoomReservation.id == occ.reservation_id)
            .outerjoin(User, User.id == RoomReservation.student_id)
            .outerjoin(Lesson, Lesson.id == occ.lesson_id)
            .outerjoin(Teacher, Teacher.id == Lesson.teacher_id)
            .outerjoin(teacher_user, teacher_user.c.id == Teacher.user_id)
            .where(
                occ.room_id == room.id,
                occ.during.overlaps(func.tstzrange(start, end)),
                # A lesson has no reservation_id: IS DISTINCT FROM keeps it (and NULL = none).
                occ.reservation_id.is_distinct_from(ignore) if ignore else occ.room_id.is_not(None),
            )
            .order_by(occ.during)
            .limit(1)
        ).first()
        if clash is None:
            return
        zone = studio_zone(s, actor)
        span = f"{clash.start.astimezone(zone):%H:%M}-{clash.end.astimezone(zone):%H:%M}"
        on_day = f"{clash.start.astimezone(zone):%a %d %b}"
        if clash.reservation_id is not None:
            who = f"booked {span} on {on_day} by {clash.person}"
        else:
            who = f"taken {span} on {on_day} by a lesson with {clash.teacher}"
        raise Conflict(f"{room.name} is already {who}.")

    @staticmethod
    def _check_name_free(s: Session, actor: Actor, name: str, room_id: uuid.UUID | None) -> None:
        query = select(PracticeRoom.id).where(
            PracticeRoom.studio_id == actor.studio_id, PracticeRoom.name == name
        )
        if room_id is not None:
            query = query.where(PracticeRoom.id != room_id)
        if s.scalar(query) is not None:
            raise ValidationFailed({"name": f"There is already a room called {name}."})

    @staticmethod
    def _room(s: Session, actor: Actor, room_id: uuid.UUID) -> PracticeRoom:
        room = s.get(PracticeRoom, room_id)
        if room is None or room.studio_id != actor.studio_id:
            raise NotFound("This room no longer exists.")
        return room

    @staticmethod
    def _booking(s: Session, actor: Actor, reservation_id: uuid.UUID) -> RoomReservation:
        booking = s.scalars(
            select(RoomReservation)
            .where(
                RoomReservation.id == reservation_id,
                RoomReservation.studio_id == actor.studio_id,
            )
            .with_for_update()
        ).first()
        if booking is None:
            raise NotFound("This reservation no longer exists.")
        return booking

    @staticmethod
    def _reservation_row(s: Session, actor: Actor, reservation_id: uuid.UUID) -> ReservationRow:
        row = s.execute(
            reservation_rows_select().where(
                RoomReservation.id == reservation_id,
                RoomReservation.studio_id == actor.studio_id,
            )
        ).one_or_none()
        if row is None:
            raise NotFound("This reservation no longer exists.")
        return ReservationRow.model_validate(dict(row._mapping))

    @staticmethod
    def _room_detail(room: PracticeRoom) -> RoomDetail:
        return RoomDetail(
            id=room.id,
            name=room.name,
            capacity=room.capacity,
            description=room.description,
            equipment=room.equipment,
            hourly_rate=room.hourly_rate,
            is_active=room.is_active,
        )


def _studio() -> Any:
    return bindparam("studio", type_=Uuid)


def _span() -> tuple[Any, Any]:
    return (
        bindparam("first", type_=DateTime(timezone=True)),
        bindparam("after", type_=DateTime(timezone=True)),
    )


def reservations_select() -> Select[Any]:
    """A studio's reservations overlapping [first, after), by start and room; its values
    `studio`, `first` and `after` (`together.Bound`). The reservations are those
    `studiosync_reservations_during` finds by their span's GiST index (migration 0048: row
    security keeps a range overlap in the desk's own query from any index), read by id under
    the desk's row security still."""
    during = text(RESERVATIONS_DURING).bindparams(*_span()).columns(reservation_id=Uuid).subquery()
    return (
        reservation_rows_select()
        .where(
            RoomReservation.studio_id == _studio(),
            RoomReservation.id.in_(select(during.c.reservation_id)),
        )
        .order_by(RoomReservation.start_time, PracticeRoom.name, RoomReservation.id)
    )


def reservation_rows(rows: Iterable[Any]) -> tuple[ReservationRow, ...]:
    return tuple(ReservationRow.model_validate(r, from_attributes=True) for r in rows)


def _free_in(
    room: PracticeRoom,
    spans: list[tuple[datetime, datetime]],
    within: tuple[datetime, datetime],
    wanted: timedelta,
    zone: ZoneInfo,
    hours: Hours,
    count: int,
) -> list[FreeSlot]:
    """The first `count` starts in `room`, on the 15-minute grid, within opening hours."""
    found: list[FreeSlot] = []
    for gap_start, gap_end in free_gaps(spans, within[0], within[1], zone, hours):
        at = gap_start
        while at + wanted <= gap_end and len(found) < count:
            found.append(
                FreeSlot(
                    room_id=room.id,
                    room_name=room.name,
                    start=at,
                    end=at + wanted,
                    cost=reservation_cost(room.hourly_rate, at, at + wanted),
                )
            )
            at += wanted
        if len(found) >= count:
            break
    return found


# A studio's reservations overlapping [first, after): a day of rooms, and Today's board.
RESERVATIONS_OVERLAPPING = reservations_select()

# A day of all rooms (`RoomService.day`), its values `studio`, `first` and `after`: the rooms;
# their reservations; the lessons holding a room that day (exact whatever a lesson's length;
# cancelled and no-show lessons free the room), by room_occupancy's GiST index through
# `studiosync_day_busy` (migration 0028; row security keeps the index from a range overlap in
# the desk's own query); the names of those lessons' teachers, bands and rooms, read as the
# calendar's (`read_lesson_rows`: joining four name tables cost more to plan than to run).
_held = text(ROOM_LESSONS).bindparams(*_span()).columns(lesson_id=Uuid).subquery()
DAY_READS: tuple[Any, ...] = (
    select(
        PracticeRoom.id,
        PracticeRoom.name,
        PracticeRoom.capacity,
        PracticeRoom.hourly_rate,
        PracticeRoom.is_active,
    )
    .where(PracticeRoom.studio_id == _studio())
    .order_by(PracticeRoom.name, PracticeRoom.id),
    RESERVATIONS_OVERLAPPING,
    lesson_columns(_studio())
    .where(Lesson.id.in_(select(_held.c.lesson_id)))
    .order_by(Lesson.scheduled_start, Lesson.id),
    NAMES_SQL,
)
