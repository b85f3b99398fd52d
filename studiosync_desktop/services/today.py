"""The desk's opening view: a day's lessons, busy times and bookings, and what needs the desk now.

`TodayService.board` reads a day in one snapshot; `desk_now` says, for any moment, who is
late, who comes next, who is here and where the next free slot is. It needs no database,
so the screen recomputes it as the clock moves without asking the server again.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select, text

from studiosync_desktop.db import Database
from studiosync_desktop.errors import NotFound
from studiosync_desktop.models import PracticeRoom, Studio
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.schemas.studio import StudioSettings
from studiosync_desktop.schemas.today import Busy, DayBoard, DayBy, DeskNow, NextFree, Place
from studiosync_desktop.services.free_time import first_free
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
from studiosync_desktop.zones import zone_of

# The shortest free stretch worth offering: the studio's shortest usual lesson.
FREE_AT_LEAST = timedelta(minutes=30)
# "Coming" lists the lessons starting within this much of now.
COMING_WITHIN = timedelta(hours=1)
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


def places(board: DayBoard, by: DayBy) -> tuple[Place, ...]:
    """The day's columns: the teachers who teach, or the rooms (and "No room" if needed)."""
    if by == "teacher":
        return board.teachers
    extra = (
        (Place(id=None, name="No room"),) if any(r.room_id is None for r in board.lessons) else ()
    )
    return (*board.rooms, *extra)


def desk_now(board: DayBoard, by: DayBy, now: datetime) -> DeskNow:
    """Who is late, whose lesson is over without attendance, who comes within the hour, who is
    here, and each column's next free slot, at `now` (on another day than `board.day`,
    nobody is late or coming)."""
    zone = zone_of(board.timezone)
    today = now.astimezone(zone).date() == board.day
    scheduled = [r for r in board.lessons if r.status == "scheduled"]
    late = tuple(r for r in scheduled if today and r.start < now < r.end)
    # Today's lessons that are over, after a teacher's of earlier days (oldest at the bottom).
    unmarked = tuple(r for r in scheduled if r.end <= now)
    unmarked += tuple(r for r in board.earlier_unmarked if today)
    coming = tuple(r for r in scheduled if today and now <= r.start <= now + COMING_WITHIN)
    here = tuple(r for r in board.lessons if r.status == "in_progress")
    opens = datetime.combine(board.day, board.opens_at, zone)
    closes = datetime.combine(board.day, board.closes_at, zone)
    begin = max(now, opens) if board.day <= now.astimezone(zone).date() else opens
    busy = board.teacher_busy if by == "teacher" else board.room_busy
    free = []
    for place in places(board, by):
        if place.id is None:
            continue  # "No room" is not a place to book
        spans = [(b.start, b.end) for b in busy if b.key == place.id]
        hours = (board.opens_at, board.closes_at)
        found = (
            first_free(spans, begin, closes, zone, FREE_AT_LEAST, hours) if begin < closes else None
        )
        free.append(
            NextFree(place=place, start=found[0], end=found[1]) if found else NextFree(place=place)
        )
    return DeskNow(late=late, unmarked=unmarked, coming=coming, here=here, free=tuple(free))
