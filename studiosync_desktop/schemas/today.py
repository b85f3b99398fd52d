"""The desk's day: today's lessons by teacher or room, who is here or late, the next free slot."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from typing import Literal

from studiosync_desktop.schemas.common import Frozen
from studiosync_desktop.schemas.rows import LessonRow, ReservationRow

DayBy = Literal["teacher", "room"]


class Place(Frozen):
    """A column of the day: a teacher, or a room (no id: the lessons without a room)."""

    id: uuid.UUID | None
    name: str


class Busy(Frozen):
    """A teacher or a room taken from `start` to `end` (a teacher's booking buffer included)."""

    key: uuid.UUID
    start: datetime
    end: datetime


class DayBoard(Frozen):
    """One day as the desk's opening view reads it, in one snapshot of the database."""

    day: date
    timezone: str
    lessons: tuple[LessonRow, ...]
    # The studio's opening hours that day (the free slots are looked for within them).
    opens_at: time = time(8, 0)
    closes_at: time = time(22, 0)
    teachers: tuple[Place, ...]  # who teaches that day
    rooms: tuple[Place, ...]  # the active rooms
    teacher_busy: tuple[Busy, ...]
    room_busy: tuple[Busy, ...]  # lessons and practice bookings
    reservations: tuple[ReservationRow, ...]  # practice bookings (for who may see them)
    # A teacher's today: their lessons of earlier days still not marked, newest first (at most
    # UNMARKED_SHOWN), so attendance left behind is marked from Home with one key.
    earlier_unmarked: tuple[LessonRow, ...] = ()


class NextFree(Frozen):
    """The next free stretch of a teacher or room (none left today: start is None)."""

    place: Place
    start: datetime | None = None
    end: datetime | None = None


class DeskNow(Frozen):
    """What needs the desk's eye at one moment of the day."""

    late: tuple[LessonRow, ...]  # started, not over, and nobody checked in
    unmarked: tuple[LessonRow, ...]  # over, and still only scheduled (attendance to mark)
    coming: tuple[LessonRow, ...]  # starting within the hour
    here: tuple[LessonRow, ...]  # checked in: in progress
    free: tuple[NextFree, ...]  # per teacher or per room
