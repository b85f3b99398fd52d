"""Clash detection: what a booking would collide with (teacher, person, room), in one statement."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import select, text
from sqlalchemy.orm import Session, aliased

from studiosync_desktop.errors import Conflict
from studiosync_desktop.models import Lesson, PracticeRoom, RoomReservation, User
from studiosync_desktop.schemas.scheduling import Clash, LessonInput
from studiosync_desktop.services.lesson_rows import lesson_rows_select
from studiosync_desktop.services.reading import full_name
from studiosync_desktop.services.recurrence import Occurrence, array_literal


class BookingClash(Conflict):
    """A booking refused because of named clashes (who, where, when)."""

    def __init__(self, clashes: Sequence[Clash]) -> None:
        self.clashes = tuple(clashes)
        lines = [c.message for c in self.clashes[:5]]
        if len(self.clashes) > 5:
            lines.append(f"…and {len(self.clashes) - 5} more.")
        super().__init__("\n".join(lines))


# The clashes of a batch of occurrences, in one statement: the first clash of each kind
# (teacher, each person, room) an occurrence would hit. The database's `studiosync_clashes`
# (migration 0027) probes the GiST indexes of the exclusion constraints (teacher/teacher_busy,
# person/during, room/during), one lookup per occurrence that stops at the first hit. Sent as
# the desk's own query, row security kept those indexes out of reach (its range overlaps are
# not leakproof): a free slot's check read every lesson of the studio.
CLASH_SQL = text(
    """
    SELECT * FROM studiosync_clashes(
        CAST(:teachers AS uuid[]), CAST(:students AS uuid[]), CAST(:bands AS uuid[]),
        CAST(:rooms AS uuid[]), CAST(:starts AS timestamptz[]), CAST(:ends AS timestamptz[]),
        CAST(:exclude AS uuid[]))
    """
)


def _day(value: datetime, zone: ZoneInfo) -> str:
    local = value.astimezone(zone)
    return f"{local:%a} {local.day} {local:%b}"


def clash_span(start: datetime, end: datetime, zone: ZoneInfo) -> str:
    """A span as the desk reads it: "16:00-17:00 on Mon 2 Mar"."""
    a, b = start.astimezone(zone), end.astimezone(zone)
    return f"{a:%H:%M}-{b:%H:%M} on {_day(start, zone)}"


def clash_params(
    occurrences: Sequence[Occurrence], exclude: Sequence[uuid.UUID] = ()
) -> dict[str, Any]:
    """The parameters of CLASH_SQL: the occurrences column by column, and lessons to ignore."""
    return {
        "teachers": array_literal(o.teacher_id for o in occurrences),
        "students": array_literal(o.student_id for o in occurrences),
        "bands": array_literal(o.band_id for o in occurrences),
        "rooms": array_literal(o.room_id for o in occurrences),
        "starts": array_literal(o.start.isoformat() for o in occurrences),
        "ends": array_literal(o.end.isoformat() for o in occurrences),
        "exclude": list(exclude),
    }


class ClashHit(NamedTuple):
    """A row of `studiosync_clashes`: occurrence `i` (from 1) would hit this lesson or
    reservation as its teacher's, a person's or its room's."""

    i: int
    kind: str
    lesson_id: uuid.UUID | None
    user_id: uuid.UUID | None
    reservation_id: uuid.UUID | None


def hits_from_json(rows: Sequence[Sequence[Any]] | None) -> list[ClashHit]:
    """The clash rows a statement returned as JSON arrays (i, kind, lesson, user,
    reservation): the booking statement finds its clashes once and hands them over so."""

    def as_id(value: Any) -> uuid.UUID | None:
        return uuid.UUID(value) if value else None

    return [
        ClashHit(int(i), kind, as_id(lesson), as_id(user), as_id(reservation))
        for i, kind, lesson, user, reservation in rows or ()
    ]


def find_clashes(
    s: Session,
    studio_id: uuid.UUID,
    zone: ZoneInfo,
    occurrences: Sequence[Occurrence],
    exclude: Sequence[uuid.UUID] = (),
) -> list[tuple[int, Clash]]:
    """(index into `occurrences`, clash) for each booking that would be refused."""
    if not occurrences:
        return []
    found = [
        ClashHit(int(r.i), r.kind, r.lesson_id, r.user_id, r.reservation_id)
        for r in s.execute(CLASH_SQL, clash_params(occurrences, exclude))
    ]
    return name_clashes(s, studio_id, zone, occurrences, found)


def name_clashes(
    s: Session,
    studio_id: uuid.UUID,
    zone: ZoneInfo,
    occurrences: Sequence[Occurrence],
    found: Sequence[ClashHit],
) -> list[tuple[int, Clash]]:
    """The clashes found, said as the desk reads them: who, where and when."""
    if not found:
        return []
    lesson_ids = {r.lesson_id for r in found if r.lesson_id is not None}
    user_ids = {r.user_id for r in found if r.user_id is not None}
    reservation_ids = {r.reservation_id for r in found if r.reservation_id is not None}
    lessons = {
        r.id: r for r in s.execute(lesson_rows_select(studio_id).where(Lesson.id.in_(lesson_ids)))
    }
    people = {
        r.id: r.name
        for r in s.execute(
            select(User.id, full_name(User.first_name, User.last_name).label("name")).where(
                User.id.in_(user_ids)
            )
        )
    }
    booker = aliased(User)
    reservations = {
        r.id: r
        for r in s.execute(
            select(
                RoomReservation.id,
                RoomReservation.start_time,
                RoomReservation.end_time,
                PracticeRoom.name.label("room_name"),
                full_name(booker.first_name, booker.last_name).label("who"),
            )
            .join(PracticeRoom, PracticeRoom.id == RoomReservation.room_id)
            .join(booker, booker.id == RoomReservation.student_id)
            .where(RoomReservation.id.in_(reservation_ids))
        )
    }
    out: list[tuple[int, Clash]] = []
    seen: set[tuple[int, str, object]] = set()
    for r in found:
        index = int(r.i) - 1
        occ = occurrences[index]
        key = (index, r.kind, r.lesson_id or r.reservation_id)
        if key in seen:
            continue
        seen.add(key)
        if r.kind == "room" and r.reservation_id is not None:
            res = reservations[r.reservation_id]
            when = clash_span(res.start_time, res.end_time, zone)
            message = f"{res.room_name} is already booked {when} by {res.who}"
            message += " (practice room reservation)."
        else:
            other = lessons[r.lesson_id]
            with_whom = f" with {other.student_name}" if other.student_name else ""
            when = clash_span(other.start, other.end, zone)
            if r.kind == "teacher":
                message = f"{other.teacher_name} already has a lesson{with_whom} {when}"
                if not (other.start < occ.end and occ.start < other.end):
                    message += " (too close: the teacher's break between lessons)"
                message += "."
            elif r.kind == "person":
                who = people.get(r.user_id, "A student")
                message = f"{who} already has a lesson with {other.teacher_name} {when}."
            else:
                message = (
                    f"{other.room_name} is already booked {when} by {other.teacher_name}'s "
                    f"lesson{with_whom}."
                )
        out.append((index, Clash(start=occ.start, end=occ.end, message=message)))
    return out


def lesson_occurrence(lesson: LessonInput) -> Occurrence:
    """One lesson as the clash check sees it."""
    return Occurrence(
        lesson.teacher_id,
        lesson.student_id,
        lesson.band_id,
        lesson.room_id,
        lesson.start,
        lesson.end,
    )


def refuse_clashes(
    s: Session,
    studio_id: uuid.UUID,
    zone: ZoneInfo,
    occurrences: Sequence[Occurrence],
    exclude: Sequence[uuid.UUID],
) -> None:
    """Raises `BookingClash` naming every clash the occurrences would have."""
    found = find_clashes(s, studio_id, zone, occurrences, exclude)
    if found:
        raise BookingClash([c for _, c in found])
