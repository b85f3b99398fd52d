"""Clash detection: what a booking would collide with (teacher, person, room), in one statement."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, text
from sqlalchemy.orm import Session, aliased

from studiosync_desktop.errors import Conflict
from studiosync_desktop.models import Lesson, PracticeRoom, RoomReservation, User
from studiosync_desktop.schemas.scheduling import Clash, LessonInput
from studiosync_desktop.services.lesson_rows import lesson_rows_select
from studiosync_desktop.services.reading import full_name
from studiosync_desktop.services.recurrence import Occurrence, array_literal
from studiosync_desktop.vocabulary import BLOCKING_LESSON_STATUSES


class BookingClash(Conflict):
    """A booking refused because of named clashes (who, where, when)."""

    def __init__(self, clashes: Sequence[Clash]) -> None:
        self.clashes = tuple(clashes)
        lines = [c.message for c in self.clashes[:5]]
        if len(self.clashes) > 5:
            lines.append(f"…and {len(self.clashes) - 5} more.")
        super().__init__("\n".join(lines))


_BLOCKING = "(" + ", ".join(f"'{s}'" for s in BLOCKING_LESSON_STATUSES) + ")"

# The clashes of a batch of occurrences, in one statement: the first clash of each kind
# (teacher, each person, room) an occurrence would hit. Each occurrence probes the GiST
# indexes of the exclusion constraints (teacher/teacher_busy, person/during, room/during);
# LIMIT 1 keeps each probe a lookup per occurrence that stops at the first hit. Left to
# itself the planner may hash a large calendar instead and compare every lesson of a teacher
# with every new occurrence of theirs (0.8 s for a week of a 60-teacher studio).
CLASH_SQL = text(
    f"""
    WITH occ AS (
        SELECT o.i, o.teacher_id, o.student_id, o.band_id, o.room_id, o.s, o.e,
               tstzrange(o.s, o.e + make_interval(mins => t.booking_buffer_minutes)) AS busy
          FROM unnest(CAST(:teachers AS uuid[]), CAST(:students AS uuid[]),
                      CAST(:bands AS uuid[]), CAST(:rooms AS uuid[]),
                      CAST(:starts AS timestamptz[]), CAST(:ends AS timestamptz[]))
               WITH ORDINALITY AS o(teacher_id, student_id, band_id, room_id, s, e, i)
          JOIN teachers t ON t.id = o.teacher_id
    ), people AS (
        SELECT occ.i, st.user_id, occ.s, occ.e
          FROM occ JOIN students st ON st.id = occ.student_id
        UNION
        SELECT occ.i, m.user_id, occ.s, occ.e
          FROM occ JOIN band_members m ON m.band_id = occ.band_id
         WHERE occ.e > now()
    )
    SELECT occ.i, 'teacher' AS kind, l.id AS lesson_id, CAST(NULL AS uuid) AS user_id,
           CAST(NULL AS uuid) AS reservation_id
      FROM occ CROSS JOIN LATERAL (
            SELECT l.id FROM lessons l
             WHERE l.teacher_id = occ.teacher_id AND l.teacher_busy && occ.busy
               AND l.status IN {_BLOCKING} AND NOT (l.id = ANY(CAST(:exclude AS uuid[])))
            LIMIT 1) l
    UNION ALL
    SELECT p.i, 'person', a.lesson_id, a.user_id, NULL
      FROM people p CROSS JOIN LATERAL (
            SELECT a.lesson_id, a.user_id FROM lesson_attendance a
             WHERE a.user_id = p.user_id AND a.during && tstzrange(p.s, p.e)
               AND NOT (a.lesson_id = ANY(CAST(:exclude AS uuid[])))
            LIMIT 1) a
    UNION ALL
    SELECT occ.i, 'room', o.lesson_id, NULL, o.reservation_id
      FROM occ CROSS JOIN LATERAL (
            SELECT o.lesson_id, o.reservation_id FROM room_occupancy o
             WHERE o.room_id = occ.room_id AND o.during && tstzrange(occ.s, occ.e)
               AND (o.lesson_id IS NULL OR NOT (o.lesson_id = ANY(CAST(:exclude AS uuid[]))))
            LIMIT 1) o
     ORDER BY 1
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
    found = s.execute(CLASH_SQL, clash_params(occurrences, exclude)).all()
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
