"""What needs the desk now, worked out from a day's board at any moment: who is late, whose
lesson is over without attendance, who comes next, who is here, and each column's next free
slot. It needs no database, so the screen recomputes it as the clock moves."""

from __future__ import annotations

from datetime import datetime, timedelta

from studiosync_desktop.schemas.today import DayBoard, DayBy, DeskNow, NextFree, Place
from studiosync_desktop.services.free_time import first_free
from studiosync_desktop.zones import zone_of

# The shortest free stretch worth offering: the studio's shortest usual lesson.
FREE_AT_LEAST = timedelta(minutes=30)
# "Coming" lists the lessons starting within this much of now.
COMING_WITHIN = timedelta(hours=1)


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
