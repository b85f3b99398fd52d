"""Booking one lesson in one statement: the checks, the insert and what the dialog shows next.

The desk's "Book" was twelve round trips (the studio, the teacher's rate, each reference, the
clashes, four reads for the teacher's hours and outside events, the insert, and three reads of
what was just written); on a server 10 ms away that alone was 300 ms. `BOOK_SQL` gathers every
fact the checks need and inserts the lesson only when the database-side checks pass (the
teacher, student, band and room are the studio's, nothing clashes, a make-up lesson has a
credit to use), returning the names the dialog shows: BEGIN, this statement and COMMIT.

The checks that need Python (working hours and outside events, `outside_hours.reasons_from`)
run on the facts the statement returned; when they refuse, the transaction is rolled back
instead of committed (still three round trips). Only refusals that explain themselves (the
named clashes) and a booking the desk confirmed outside hours (its record) send more.
The exclusion constraints stay what makes a booking safe under concurrency: a desk that loses
the race to another's commit is rerun by `unit_of_work` and then sees the named clash.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Row, text
from sqlalchemy.orm import Session

from studiosync_desktop.errors import NeedsConfirmation, ValidationFailed
from studiosync_desktop.schemas.availability import ExceptionRow, HoursRange, WeekHours
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.schemas.scheduling import LessonDetail, LessonInput
from studiosync_desktop.services.availability import hours_from, spans_between
from studiosync_desktop.services.clashes import (
    BookingClash,
    hits_from_json,
    lesson_occurrence,
    name_clashes,
)
from studiosync_desktop.services.outside_hours import (
    OutsideEvent,
    reasons_from,
    record_confirmation,
)

BOOK_SQL = """
    WITH p AS (
        SELECT CAST(:studio AS uuid) AS studio, CAST(:teacher AS uuid) AS teacher,
               CAST(:student AS uuid) AS student, CAST(:band AS uuid) AS band,
               CAST(:room AS uuid) AS room, CAST(:start AS timestamptz) AS s,
               CAST(:end AS timestamptz) AS e, CAST(:makeup AS boolean) AS makeup,
               CAST(:today AS date) AS today,
               -- Bookings of the same teacher, person or room wait for each other here, in
               -- one order (the keys sorted), instead of meeting inside the exclusion
               -- constraints, where two inserting at once deadlock (twenty desks booking one
               -- slot: the losers were told "busy" instead of the clash).
               (SELECT count(pg_advisory_xact_lock(k.key))
                  FROM (SELECT DISTINCT hashtextextended(CAST(x AS text), 16) AS key
                          FROM unnest(ARRAY[CAST(:teacher AS uuid), CAST(:student AS uuid),
                                            CAST(:band AS uuid), CAST(:room AS uuid)]) x
                         WHERE x IS NOT NULL
                         ORDER BY 1) k) AS locked
    ), teacher AS (
        SELECT t.hourly_rate, trim(concat(u.first_name, ' ', u.last_name)) AS name
          FROM p JOIN teachers t ON t.id = p.teacher AND t.studio_id = p.studio
          JOIN users u ON u.id = t.user_id
    ), student AS (
        SELECT trim(concat(u.first_name, ' ', u.last_name)) AS name
          FROM p JOIN students st ON st.id = p.student AND st.studio_id = p.studio
          JOIN users u ON u.id = st.user_id
    ), band AS (
        SELECT b.name FROM p JOIN bands b ON b.id = p.band AND b.studio_id = p.studio
    ), room AS (
        SELECT r.name FROM p JOIN practice_rooms r ON r.id = p.room AND r.studio_id = p.studio
    ), clash AS (
        SELECT c.* FROM p, studiosync_clashes(
            ARRAY[p.teacher], ARRAY[p.student], ARRAY[p.band], ARRAY[p.room],
            ARRAY[p.s], ARRAY[p.e], CAST('{{}}' AS uuid[])) c
    ), checked AS (
        SELECT NOT EXISTS (SELECT 1 FROM teacher) AS no_teacher,
               p.student IS NOT NULL AND NOT EXISTS (SELECT 1 FROM student) AS no_student,
               p.band IS NOT NULL AND NOT EXISTS (SELECT 1 FROM band) AS no_band,
               p.room IS NOT NULL AND NOT EXISTS (SELECT 1 FROM room) AS no_room,
               EXISTS (SELECT 1 FROM clash) AS clashes
          FROM p
    ), credit AS (
        -- The make-up lesson takes the student's credit that expires first (locked: one use).
        SELECT m.id FROM p JOIN makeup_credits m ON m.student_id = p.student
         WHERE p.makeup AND m.used_by_lesson_id IS NULL AND m.expires_on >= p.today
         ORDER BY m.expires_on, m.id
         LIMIT 1
           FOR UPDATE OF m SKIP LOCKED
    ), made AS (
        INSERT INTO lessons (studio_id, teacher_id, student_id, band_id, room_id, lesson_type,
                             scheduled_start, scheduled_end, location, rate)
        SELECT p.studio, p.teacher, p.student, p.band, p.room, :lesson_type, p.s, p.e,
               :location,
               round(coalesce(CAST(:rate AS numeric),
                              teacher.hourly_rate * CAST(:minutes AS integer) / 60.0), 2)
          FROM p, teacher, checked
         WHERE p.locked > 0
           AND NOT (checked.no_student OR checked.no_band OR checked.no_room OR checked.clashes)
           AND (NOT p.makeup OR EXISTS (SELECT 1 FROM credit))
        RETURNING id, status, rate, location, lesson_type, scheduled_start, scheduled_end,
                  cancellation_reason, is_late_cancel
    ), used AS (
        UPDATE makeup_credits m SET used_by_lesson_id = made.id
          FROM made, credit WHERE m.id = credit.id
        RETURNING m.id
    )
    SELECT checked.*,
           (SELECT name FROM teacher) AS teacher_name,
           (SELECT name FROM student) AS student_name,
           (SELECT name FROM band) AS band_name,
           (SELECT name FROM room) AS room_name,
           EXISTS (SELECT 1 FROM credit) AS has_credit,
           (SELECT json_agg(json_build_array(c.i, c.kind, c.lesson_id, c.user_id,
                                             c.reservation_id))
              FROM clash c) AS clash_hits,
           (SELECT count(*) FROM makeup_credits m
             WHERE m.student_id = p.student AND m.used_by_lesson_id IS NULL
               AND m.expires_on >= p.today) - (SELECT count(*) FROM used) AS credits,
           (SELECT json_agg(json_build_array(h.weekday, h.start_time, h.end_time)
                            ORDER BY h.weekday, h.start_time)
              FROM teacher_hours h WHERE h.teacher_id = p.teacher) AS hours,
           (SELECT json_agg(json_build_array(x.id, x.first_day, x.last_day, x.hours, x.reason)
                            ORDER BY x.first_day)
              FROM availability_exceptions x
             WHERE x.teacher_id = p.teacher
               AND x.last_day >= CAST(:first_day AS date)
               AND x.first_day <= CAST(:last_day AS date)) AS exceptions,
           (SELECT json_agg(json_build_array(f.teacher_id, f.room_id, e.starts, e.ends,
                                             {what}))
              FROM calendar_feed_events e JOIN calendar_feeds f ON f.id = e.feed_id
             WHERE f.studio_id = p.studio AND f.enabled
               AND (f.teacher_id = p.teacher OR f.room_id = p.room
                    OR (f.teacher_id IS NULL AND f.room_id IS NULL))
               AND e.ends > CAST(:events_from AS timestamptz)
               AND e.starts < CAST(:events_until AS timestamptz)) AS events,
           made.*
      FROM p CROSS JOIN checked LEFT JOIN made ON true
"""
# What an outside event says: the desk may read a calendar's name only (column grants), an
# administrator the event's title too.
BOOK = {
    "desk": text(BOOK_SQL.format(what="f.name")),
    "admin": text(BOOK_SQL.format(what="e.title || ' (' || f.name || ')'")),
}


def book_lesson(s: Session, actor: Actor, zone: ZoneInfo, lesson: LessonInput) -> LessonDetail:
    """Books `lesson` in the open transaction `s`, or raises what refuses it (the caller's
    transaction is then rolled back, so nothing the statement wrote is kept)."""
    makeup = lesson.lesson_type == "makeup"
    if makeup and lesson.student_id is None:
        raise ValidationFailed({"student_id": "A make-up lesson is for one student."})
    first = lesson.start.astimezone(zone).date()
    last = lesson.end.astimezone(zone).date()
    statement = BOOK["desk" if actor.role == "desk" else "admin"]
    row = s.execute(statement, _params(actor, zone, lesson, first, last)).one()
    reasons = refusals_of(s, actor, zone, lesson, row, (first, last))
    if makeup and not row.has_credit:
        name = row.student_name or "The student"
        raise ValidationFailed(
            {"lesson_type": f"{name} has no make-up credit left to book a make-up lesson."}
        )
    if row.id is None:  # every refusal is named above; this is the database disagreeing
        raise ValidationFailed({"": "The lesson could not be booked: try again."})
    record_confirmation(s, actor, row.id, reasons, new_lesson=True)
    return detail_from(lesson, row)


def refusals_of(
    s: Session,
    actor: Actor,
    zone: ZoneInfo,
    lesson: LessonInput,
    row: Row[Any],
    days: tuple[date, date],
) -> list[str]:
    """What the booking (or change) statement's row refuses, in the order the desk reads it:
    a part not of this studio, a clash (found once by the statement, said by name: who, where,
    when), outside the teacher's hours or over an outside event (NeedsConfirmation unless the
    desk said yes). Returns the reasons the desk said yes to, to be recorded."""
    if row.no_teacher:
        raise ValidationFailed({"teacher_id": "Choose a teacher of this studio."})
    for field, missing in (
        ("student_id", row.no_student),
        ("band_id", row.no_band),
        ("room_id", row.no_room),
    ):
        if missing:
            raise ValidationFailed({field: "This is not on file at this studio any more."})
    occurrence = lesson_occurrence(lesson)
    if row.clashes:
        hits = hits_from_json(row.clash_hits)
        named = name_clashes(s, actor.studio_id, zone, [occurrence], hits)
        raise BookingClash([c for _, c in named])
    working = _working(row.hours, row.exceptions, lesson.teacher_id, *days, zone)
    reasons = reasons_from(
        [occurrence], zone, working, {lesson.teacher_id: row.teacher_name}, _events(row.events)
    )
    if reasons and not lesson.accept_outside:
        raise NeedsConfirmation(reasons)
    return reasons


def detail_from(lesson: LessonInput, row: Row[Any]) -> LessonDetail:
    """The LessonDetail the dialog shows, from the statement's own row (a new lesson's row has
    no series, plan or cancellation columns: those are then empty)."""
    mapping = row._mapping
    return LessonDetail(
        id=row.id,
        teacher_id=lesson.teacher_id,
        teacher_name=row.teacher_name,
        student_id=lesson.student_id,
        student_name=(row.student_name or "") if lesson.student_id else "",
        band_id=lesson.band_id,
        band_name=row.band_name or "",
        room_id=lesson.room_id,
        room_name=row.room_name or "",
        lesson_type=row.lesson_type,
        status=row.status,
        start=row.scheduled_start,
        end=row.scheduled_end,
        location=row.location,
        rate=row.rate,
        recurring_pattern_id=mapping.get("recurring_pattern_id"),
        lesson_plan_id=mapping.get("lesson_plan_id"),
        cancellation_reason=row.cancellation_reason,
        cancelled_at=mapping.get("cancelled_at"),
        cancelled_by_name=mapping.get("cancelled_by_name") or "",
        cancelled_on_behalf_of=mapping.get("cancelled_on_behalf_of"),
        is_late_cancel=row.is_late_cancel,
        makeup_credits=int(row.credits) if lesson.student_id else 0,
    )


def _params(
    actor: Actor, zone: ZoneInfo, lesson: LessonInput, first: date, last: date
) -> dict[str, Any]:
    return {
        "studio": actor.studio_id,
        "teacher": lesson.teacher_id,
        "student": lesson.student_id,
        "band": lesson.band_id,
        "room": lesson.room_id,
        "start": lesson.start,
        "end": lesson.end,
        "makeup": lesson.lesson_type == "makeup",
        "today": datetime.now(zone).date(),
        "lesson_type": lesson.lesson_type,
        "location": lesson.location,
        "rate": lesson.rate,
        "minutes": int((lesson.end - lesson.start).total_seconds() // 60),
        "first_day": first,
        "last_day": last,
        "events_from": datetime.combine(first, time(0), zone),
        "events_until": datetime.combine(last, time(0), zone) + timedelta(days=1),
    }


def _working(
    hours: Sequence[Any] | None,
    exceptions: Sequence[Any] | None,
    teacher_id: uuid.UUID,
    first: date,
    last: date,
    zone: ZoneInfo,
) -> dict[uuid.UUID, list[tuple[datetime, datetime]]]:
    """The teacher's working time on the lesson's days, as `availability.working_spans` says
    it (a teacher without weekly hours works any time)."""
    if not hours:
        return {}
    days: list[list[HoursRange]] = [[] for _ in range(7)]
    for weekday, start, end in hours:
        days[weekday].append(
            HoursRange.model_construct(start=time.fromisoformat(start), end=time.fromisoformat(end))
        )
    week = WeekHours.model_construct(days=tuple(tuple(d) for d in days))
    dated: dict[uuid.UUID, list[ExceptionRow]] = defaultdict(list)
    for ex_id, first_day, last_day, ex_hours, reason in exceptions or ():
        dated[teacher_id].append(
            ExceptionRow(
                id=ex_id,
                teacher_id=teacher_id,
                first_day=first_day,
                last_day=last_day,
                hours=hours_from(ex_hours),
                reason=reason,
            )
        )
    return {teacher_id: spans_between(week, dated[teacher_id], first, last, zone)}


def _events(events: Sequence[Any] | None) -> list[OutsideEvent]:
    return [
        (
            uuid.UUID(teacher) if teacher else None,
            uuid.UUID(room) if room else None,
            datetime.fromisoformat(starts),
            datetime.fromisoformat(ends),
            what,
        )
        for teacher, room, starts, ends, what in events or ()
    ]
