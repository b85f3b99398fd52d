"""Room reads: one day of the practice rooms, with reservations and the lessons using them."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from studiosync_desktop.db import Database
from studiosync_desktop.models import Lesson, PracticeRoom, RoomReservation, User
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.schemas.rows import LessonRow, ReservationRow, RoomDay, RoomRow
from studiosync_desktop.services.permissions import require
from studiosync_desktop.services.reading import full_name, local_day_bounds, studio_zone
from studiosync_desktop.services.scheduling import lesson_rows_select


class RoomService:
    def __init__(self, db: Database) -> None:
        self._db = db

    def day(self, actor: Actor, day: date) -> RoomDay:
        """Rooms by name; reservations and room lessons overlapping `day` in the studio's zone."""
        require(actor, "rooms")
        with self._db.read_session() as s:
            first, after = local_day_bounds(studio_zone(s, actor.studio_id), day)
            rooms = s.execute(
                select(
                    PracticeRoom.id,
                    PracticeRoom.name,
                    PracticeRoom.capacity,
                    PracticeRoom.hourly_rate,
                    PracticeRoom.is_active,
                )
                .where(PracticeRoom.studio_id == actor.studio_id)
                .order_by(PracticeRoom.name, PracticeRoom.id)
            ).all()
            reservations = s.execute(
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
                .where(
                    RoomReservation.studio_id == actor.studio_id,
                    RoomReservation.start_time < after,
                    RoomReservation.end_time > first,
                )
                .order_by(RoomReservation.start_time, PracticeRoom.name, RoomReservation.id)
            ).all()
            lessons = s.execute(
                lesson_rows_select(actor.studio_id)
                .where(
                    Lesson.room_id.is_not(None),
                    Lesson.scheduled_start < after,
                    Lesson.scheduled_end > first,
                )
                .order_by(Lesson.scheduled_start, Lesson.id)
            ).all()
            return RoomDay(
                day=day,
                rooms=tuple(RoomRow.model_validate(r, from_attributes=True) for r in rooms),
                reservations=tuple(
                    ReservationRow.model_validate(r, from_attributes=True) for r in reservations
                ),
                lessons=tuple(LessonRow.model_validate(r, from_attributes=True) for r in lessons),
            )
