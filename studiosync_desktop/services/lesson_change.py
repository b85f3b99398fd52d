"""Changing one booked lesson (an edit, a drag) in one statement, as booking one is.

An edit or a drag was 19 to 21 round trips (the studio, the lesson locked, the teacher's rate,
each reference, the clashes, four reads for the teacher's hours and outside events, the
update, the credits, and the lesson read back twice): 400 ms on a server 10 ms away.
`CHANGE` is `lesson_booking.BOOK_SQL` with the lesson locked first (`current`), the clash check
leaving the lesson itself out, an UPDATE instead of the INSERT, and a make-up credit freed or
taken as the lesson stops or starts being a make-up lesson: BEGIN, the statement and COMMIT
(and the record of a yes, when the desk confirmed a time outside the teacher's hours).
"""

from __future__ import annotations

import uuid
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.orm import Session

from studiosync_desktop.errors import Conflict, NotFound, ValidationFailed
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.schemas.scheduling import LessonDetail, LessonInput
from studiosync_desktop.services.lesson_booking import BOOK_SQL, _params, detail_from, refusals_of
from studiosync_desktop.services.outside_hours import (
    record_confirmation,
)

STATUS_WORDS = {
    "scheduled": "scheduled",
    "in_progress": "in progress",
    "completed": "completed",
    "cancelled": "cancelled",
    "no_show": "a no-show",
}


_INSERT_STARTS = BOOK_SQL.index("        INSERT INTO lessons")
_INSERT_ENDS = BOOK_SQL.index("    ), used AS (")


def _changing(sql: str) -> str:
    """BOOK_SQL made into the change of one lesson (each piece replaced exactly once)."""
    steps = [
        (
            "SELECT CAST(:studio AS uuid) AS studio, ",
            "SELECT CAST(:studio AS uuid) AS studio, CAST(:lesson AS uuid) AS lesson, ",
        ),
        ("CAST('{{}}' AS uuid[])) c", "ARRAY[p.lesson]) c"),
        (
            "    ), credit AS (",
            "    ), current AS (\n"
            "        SELECT l.id, l.status, l.lesson_type = 'makeup' AS was_makeup\n"
            "          FROM p JOIN lessons l ON l.id = p.lesson AND l.studio_id = p.studio\n"
            "           FOR UPDATE OF l\n"
            "    ), credit AS (",
        ),
        (
            "WHERE p.makeup AND m.used_by_lesson_id IS NULL",
            "WHERE p.makeup AND NOT (SELECT was_makeup FROM current)\n"
            "           AND m.used_by_lesson_id IS NULL",
        ),
        (
            BOOK_SQL[
                BOOK_SQL.index("        INSERT INTO lessons") : BOOK_SQL.index("    ), used AS (")
            ],
            "        UPDATE lessons l\n"
            "           SET teacher_id = p.teacher, student_id = p.student, band_id = p.band,\n"
            "               room_id = p.room, lesson_type = :lesson_type, scheduled_start = p.s,\n"
            "               scheduled_end = p.e, location = :location,\n"
            "               rate = round(coalesce(CAST(:rate AS numeric),\n"
            "                   teacher.hourly_rate * CAST(:minutes AS integer) / 60.0), 2)\n"
            "          FROM p, teacher, checked, current\n"
            "         WHERE l.id = current.id AND current.status = 'scheduled' AND p.locked > 0\n"
            "           AND NOT (checked.no_student OR checked.no_band OR checked.no_room\n"
            "                    OR checked.clashes)\n"
            "           AND (NOT p.makeup OR current.was_makeup OR EXISTS (SELECT 1 FROM credit))\n"
            "        RETURNING l.id, l.status, l.rate, l.location, l.lesson_type,\n"
            "                  l.scheduled_start, l.scheduled_end, l.cancellation_reason,\n"
            "                  l.is_late_cancel, l.recurring_pattern_id, l.lesson_plan_id,\n"
            "                  l.cancelled_at, l.cancelled_by_id, l.cancelled_on_behalf_of\n",
        ),
        (
            "        RETURNING m.id\n    )\n",
            "        RETURNING m.id\n"
            "    ), freed AS (\n"
            "        -- No longer a make-up lesson: its credit goes back to the student.\n"
            "        UPDATE makeup_credits m SET used_by_lesson_id = NULL\n"
            "          FROM p, made, current\n"
            "         WHERE current.was_makeup AND NOT p.makeup AND m.used_by_lesson_id = made.id\n"
            "        RETURNING m.student_id, m.expires_on\n"
            "    )\n",
        ),
        (
            "- (SELECT count(*) FROM used) AS credits,",
            "- (SELECT count(*) FROM used)\n"
            "           + (SELECT count(*) FROM freed f\n"
            "               WHERE f.student_id = p.student AND f.expires_on >= p.today)\n"
            "           AS credits,\n"
            "           current.status AS current_status, current.was_makeup,\n"
            "           (SELECT trim(concat(u.first_name, ' ', u.last_name)) FROM users u\n"
            "             WHERE u.id = made.cancelled_by_id) AS cancelled_by_name,",
        ),
        (
            "FROM p CROSS JOIN checked LEFT JOIN made ON true",
            "FROM p CROSS JOIN checked LEFT JOIN current ON true LEFT JOIN made ON true",
        ),
    ]
    for old, new in steps:
        assert sql.count(old) == 1, old
        sql = sql.replace(old, new)
    return sql


CHANGE_SQL = _changing(BOOK_SQL)
CHANGE = {
    "desk": text(CHANGE_SQL.format(what="f.name")),
    "admin": text(CHANGE_SQL.format(what="e.title || ' (' || f.name || ')'")),
}


def change_lesson(
    s: Session, actor: Actor, zone: ZoneInfo, lesson_id: uuid.UUID, lesson: LessonInput
) -> LessonDetail:
    """Changes the scheduled lesson `lesson_id` to `lesson` in the open transaction `s`, or
    raises what refuses it, in the order the desk reads them (the caller's transaction is then
    rolled back, so nothing the statement wrote is kept)."""
    first = lesson.start.astimezone(zone).date()
    last = lesson.end.astimezone(zone).date()
    params = {**_params(actor, zone, lesson, first, last), "lesson": lesson_id}
    row = s.execute(CHANGE["desk" if actor.role == "desk" else "admin"], params).one()
    if row.current_status is None:
        raise NotFound("This lesson no longer exists (another desk may have deleted it).")
    if row.current_status != "scheduled":
        raise Conflict(
            f"This lesson is {STATUS_WORDS[row.current_status]}: only scheduled lessons move."
            + (
                " An administrator can reopen it first."
                if row.current_status != "in_progress"
                else ""
            )
        )
    reasons = refusals_of(s, actor, zone, lesson, row, (first, last))
    if lesson.lesson_type == "makeup" and not row.was_makeup:
        if lesson.student_id is None:
            raise ValidationFailed({"student_id": "A make-up lesson is for one student."})
        if not row.has_credit:
            name = row.student_name or "The student"
            raise ValidationFailed(
                {"lesson_type": f"{name} has no make-up credit left to book a make-up lesson."}
            )
    if row.id is None:  # every refusal is named above; this is the database disagreeing
        raise ValidationFailed({"": "The lesson could not be changed: try again."})
    record_confirmation(s, actor, lesson_id, reasons)
    return detail_from(lesson, row)
