"""The desk's opening view: a day's lessons, busy times and bookings, and what needs the desk now.

`TodayService.board` reads a day in one snapshot; `services.desk_now` works out from it, at
any moment and without asking the server again, what needs the desk now.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select, text

from studiosync_desktop.db import Database
from studiosync_desktop.errors import NotFound
from studiosync_desktop.models import PracticeRoom, Studio
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.schemas.studio import StudioSettings
from studiosync_desktop.schemas.today import Busy, DayBoard, Place
from studiosync_desktop.services.lesson_rows import (
    lesson_names,
    lesson_rows_from,
    lessons_starting_query,
    unmarked_before_query,
)
from studiosync_desktop.services.permissions import can, require
from studiosync_desktop.services.reading import local_day_bounds, studio_zone
from studiosync_desktop.services.rooms import RESERVATIONS_OVERLAPPING, reservation_rows
from studiosync_desktop.services.together import Bound, read_together

# A teacher's lessons of earlier days not marked yet, shown on their Home (newest first).
UNMARKED_SHOWN = 50


class TodayService:
    def __init__(self, db: Database) -> None:
        self._db = db

    def board(self, actor: Actor, day: date | None = None) -> DayBoard:
        """`day` (default: today where the studio is) for the desk: its lessons, who teaches,
        the rooms, when each teacher and room is taken, and the practice bookings.

        A teacher sees their own lessons only, like their calendar, and no rooms."""
        require(actor, "schedule")
        desk = can(actor, "rooms")
        with self._db.read_session() as s:
            zone = studio_zone(s, actor)
            day = day or datetime.now(zone).date()
            first, after = local_day_bounds(zone, day)
            # Every read of the board in one round trip (`together.read_together`). The rooms'
            # day (their bookings, when each is taken) is the desk's business: a teacher's
            # login reads neither (the permission matrix), and sees its own day.
            reads: list[Any] = [
                select(Studio.settings).where(Studio.id == actor.studio_id),
                lessons_starting_query(actor, first, after),
                lesson_names(actor.studio_id),
                DAY_BUSY.bindparams(first=first, after=after),
            ]
            if desk:
                reads.append(
                    select(PracticeRoom.id, PracticeRoom.name)
                    .where(PracticeRoom.studio_id == actor.studio_id, PracticeRoom.is_active)
                    .order_by(PracticeRoom.name, PracticeRoom.id)
                )
                values = {"studio": actor.studio_id, "first": first, "after": after}
                reads.append(Bound(RESERVATIONS_OVERLAPPING, values))
            earlier = actor.role == "teacher" and day == datetime.now(zone).date()
            if earlier:  # attendance left behind, marked from their Home
                reads.append(unmarked_before_query(actor, first, UNMARKED_SHOWN))
            found = read_together(s, reads)
        if not found[0]:
            raise NotFound("The studio no longer exists.")
        settings = StudioSettings.model_validate(found[0][0].settings or {})
        lessons = lesson_rows_from(found[1], found[2])
        teachers = {r.teacher_id: r.teacher_name for r in lessons}
        rooms = found[4] if desk else []
        busy = found[3]
        return DayBoard(
            day=day,
            timezone=zone.key,
            opens_at=settings.opens_at,
            closes_at=settings.closes_at,
            lessons=lessons,
            teachers=tuple(
                Place(id=k, name=v) for k, v in sorted(teachers.items(), key=lambda x: x[1])
            ),
            rooms=tuple(Place(id=r.id, name=r.name) for r in rooms),
            # The busy times of the teachers who teach that day (their lessons with the
            # booking buffer after each, the range the database keeps them apart by), and
            # for the desk each room's.
            teacher_busy=tuple(
                Busy(key=r.key, start=r.busy_from, end=r.busy_to)
                for r in busy
                if r.kind == "teacher" and r.key in teachers
            ),
            room_busy=tuple(
                Busy(key=r.key, start=r.busy_from, end=r.busy_to)
                for r in busy
                if r.kind == "room" and desk
            ),
            reservations=reservation_rows(found[5]) if desk else (),
            earlier_unmarked=lesson_rows_from(found[-1], found[2]) if earlier else (),
        )


# When the studio's teachers and rooms are taken on a day, by the exclusion constraints'
# indexes (`studiosync_day_busy`, migrations 0028 and 0039); the rooms' only for the desk (the
# function says so too). All the teachers are asked: the board keeps those who teach that day,
# so this read need not wait for the lessons'.
DAY_BUSY = text(
    "SELECT kind, key, busy_from, busy_to"
    " FROM studiosync_day_busy(:first, :after, ARRAY(SELECT t.id FROM teachers t))"
)
