"""Scheduling: the calendar's week, lessons, status rules, series, closures, credits, notes."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import delete, exists, func, insert, select, text, update
from sqlalchemy.orm import Session, aliased

from studiosync_desktop.db import Database
from studiosync_desktop.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from studiosync_desktop.models import (
    Band,
    InvoiceLineItem,
    Lesson,
    LessonNote,
    LessonPlan,
    MakeupCredit,
    PracticeRoom,
    RecurringPattern,
    RoomReservation,
    Student,
    StudentGoal,
    Studio,
    StudioClosure,
    Teacher,
    User,
)
from studiosync_desktop.money import round_cents
from studiosync_desktop.schemas.common import Actor, parse_input
from studiosync_desktop.schemas.rows import LessonRow
from studiosync_desktop.schemas.scheduling import (
    BatchCancelInput,
    BatchCancelResult,
    BookingChoices,
    CancelInput,
    Choice,
    Clash,
    Closure,
    ClosureInput,
    CreditRow,
    DaySheet,
    DaySheetLine,
    DaySheetPage,
    GoalRow,
    LessonDetail,
    LessonInput,
    LessonNoteInput,
    LessonNoteView,
    SeriesInput,
    SeriesPreview,
    SeriesResult,
    SeriesScope,
    TermResult,
)
from studiosync_desktop.schemas.studio import StudioSettings
from studiosync_desktop.services import makeup_credits as credits
from studiosync_desktop.services.lesson_rows import (
    lesson_columns,
    lesson_rows_select,
    lessons_starting,
    read_lesson_rows,
)
from studiosync_desktop.services.permissions import can, require, require_started
from studiosync_desktop.services.reading import full_name, local_day_bounds, studio_zone
from studiosync_desktop.services.recurrence import (
    Occurrence,
    PatternShape,
    array_literal,
    closed_days,
    insert_many_occurrences,
    internal_clashes,
    week_of_month,
)
from studiosync_desktop.services.unit_of_work import unit_of_work
from studiosync_desktop.vocabulary import BLOCKING_LESSON_STATUSES, WEEKDAYS
from studiosync_desktop.zones import zone_of

T = TypeVar("T")

# Status rules: what each status may become. Back to 'scheduled' is `reopen` (admins only).
TRANSITIONS: dict[str, frozenset[str]] = {
    "scheduled": frozenset({"in_progress", "completed", "cancelled", "no_show"}),
    "in_progress": frozenset({"completed"}),
    "completed": frozenset(),
    "cancelled": frozenset(),
    "no_show": frozenset(),
}
STATUS_WORDS = {
    "scheduled": "scheduled",
    "in_progress": "in progress",
    "completed": "completed",
    "cancelled": "cancelled",
    "no_show": "a no-show",
}


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


def _span(start: datetime, end: datetime, zone: ZoneInfo) -> str:
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
            message = (
                f"{res.room_name} is already booked {_span(res.start_time, res.end_time, zone)}"
                f" by {res.who} (practice room reservation)."
            )
        else:
            other = lessons[r.lesson_id]
            with_whom = f" with {other.student_name}" if other.student_name else ""
            when = _span(other.start, other.end, zone)
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


@dataclass(frozen=True)
class _Studio:
    zone: ZoneInfo
    settings: StudioSettings
    name: str

    def today(self) -> date:
        return datetime.now(self.zone).date()

    @property
    def horizon(self) -> date:
        """How far ahead series have their lessons (open-ended ones move forward daily)."""
        return self.today() + timedelta(weeks=self.settings.series_horizon_weeks)

    def span(self, first: date, end_date: date | None) -> tuple[date, date]:
        """The days a series books from `first`: to its end, or the horizon if sooner."""
        return first, min(end_date, self.horizon) if end_date else self.horizon


class SchedulingService:
    def __init__(self, db: Database) -> None:
        self._db = db

    # --- reading -----------------------------------------------------------------------

    def week(
        self,
        actor: Actor,
        start: date,
        days: int = 7,
        teacher_id: uuid.UUID | None = None,
        room_id: uuid.UUID | None = None,
        student_id: uuid.UUID | None = None,
    ) -> tuple[LessonRow, ...]:
        """Lessons starting on [start, start + days) in the studio's time zone, by start time.

        A teacher sees their own schedule only ("My schedule").
        """
        require(actor, "schedule")
        if not 1 <= days <= 62:
            raise ValidationFailed({"days": "Show between 1 and 62 days."})
        with self._db.read_session() as s:
            first, after = local_day_bounds(studio_zone(s, actor.studio_id), start, days)
            return lessons_starting(s, actor, first, after, teacher_id, room_id, student_id)

    def lesson(self, actor: Actor, lesson_id: uuid.UUID) -> LessonDetail:
        require(actor, "schedule")
        with self._db.read_session() as s:
            return self._detail(s, actor, lesson_id)

    def choices(self, actor: Actor) -> BookingChoices:
        """The dialog's lists: active teachers, students, bands, rooms and lesson plans."""
        require(actor, "schedule")
        with self._db.read_session() as s:
            sid = actor.studio_id
            name = full_name(User.first_name, User.last_name).label("name")
            teachers = s.execute(
                select(Teacher.id, name, Teacher.hourly_rate)
                .join(User, User.id == Teacher.user_id)
                .where(Teacher.studio_id == sid, Teacher.is_active)
                .order_by(name)
            ).all()
            students = s.execute(
                select(Student.id, name, Student.instrument)
                .join(User, User.id == Student.user_id)
                .where(Student.studio_id == sid, Student.is_active)
                .order_by(name)
            ).all()
            bands = s.execute(
                select(Band.id, Band.name)
                .where(Band.studio_id == sid, Band.is_active)
                .order_by(Band.name)
            ).all()
            rooms = s.execute(
                select(PracticeRoom.id, PracticeRoom.name)
                .where(PracticeRoom.studio_id == sid)
                .order_by(PracticeRoom.name)
            ).all()
            plans = s.execute(
                select(LessonPlan.id, LessonPlan.title)
                .where(LessonPlan.studio_id == sid)
                .order_by(LessonPlan.title)
                .limit(500)
            ).all()
            return BookingChoices(
                teachers=tuple(Choice(id=t.id, name=t.name) for t in teachers),
                students=tuple(Choice(id=x.id, name=x.name, detail=x.instrument) for x in students),
                bands=tuple(Choice(id=b.id, name=b.name) for b in bands),
                rooms=tuple(Choice(id=r.id, name=r.name) for r in rooms),
                plans=tuple(Choice(id=p.id, name=p.title) for p in plans),
                teacher_rates={str(t.id): t.hourly_rate for t in teachers},
            )

    def check(
        self,
        actor: Actor,
        data: LessonInput | Mapping[str, Any],
        lesson_id: uuid.UUID | None = None,
    ) -> tuple[Clash, ...]:
        """The clashes a booking would have (empty: it can be booked)."""
        require(actor, "schedule")
        lesson = parse_input(LessonInput, data)
        with self._db.read_session() as s:
            zone = studio_zone(s, actor.studio_id)
            exclude = [lesson_id] if lesson_id else []
            return tuple(
                c for _, c in find_clashes(s, actor.studio_id, zone, [_occ(lesson)], exclude)
            )

    # --- lessons -----------------------------------------------------------------------

    @unit_of_work
    def create_lesson(self, actor: Actor, data: LessonInput | Mapping[str, Any]) -> LessonDetail:
        """Books one lesson; a make-up lesson uses one of the student's credits."""
        self._require_desk(actor)
        lesson = parse_input(LessonInput, data)

        def work(s: Session) -> uuid.UUID:
            studio = self._studio(s, actor)
            rate = self._rate(s, actor, lesson)
            self._refuse_clashes(s, actor, studio, [_occ(lesson)], [])
            row = Lesson(
                studio_id=actor.studio_id,
                teacher_id=lesson.teacher_id,
                student_id=lesson.student_id,
                band_id=lesson.band_id,
                room_id=lesson.room_id,
                lesson_type=lesson.lesson_type,
                scheduled_start=lesson.start,
                scheduled_end=lesson.end,
                location=lesson.location,
                rate=rate,
            )
            s.add(row)
            s.flush()
            if lesson.lesson_type == "makeup":
                self._use_credit(s, studio, lesson.student_id, row.id)
            return row.id

        new_id = self._in_session(work)
        return self.lesson(actor, new_id)

    @unit_of_work
    def update_lesson(
        self, actor: Actor, lesson_id: uuid.UUID, data: LessonInput | Mapping[str, Any]
    ) -> LessonDetail:
        """Edits or reschedules one scheduled lesson ("this lesson only" for a series)."""
        self._require_desk(actor)
        lesson = parse_input(LessonInput, data)

        def work(s: Session) -> uuid.UUID:
            studio = self._studio(s, actor)
            row = self._locked(s, actor, lesson_id)
            if row.status != "scheduled":
                raise Conflict(
                    f"This lesson is {STATUS_WORDS[row.status]}: only scheduled lessons move."
                    + (
                        " An administrator can reopen it first."
                        if row.status != "in_progress"
                        else ""
                    )
                )
            rate = self._rate(s, actor, lesson)
            self._refuse_clashes(s, actor, studio, [_occ(lesson)], [lesson_id])
            was_makeup = row.lesson_type == "makeup"
            row.teacher_id = lesson.teacher_id
            row.student_id = lesson.student_id
            row.band_id = lesson.band_id
            row.room_id = lesson.room_id
            row.lesson_type = lesson.lesson_type
            row.scheduled_start = lesson.start
            row.scheduled_end = lesson.end
            row.location = lesson.location
            row.rate = rate
            s.flush()
            if was_makeup and lesson.lesson_type != "makeup":
                credits.free_used_by(s, [row.id])
            if lesson.lesson_type == "makeup" and not was_makeup:
                self._use_credit(s, studio, lesson.student_id, row.id)
            return row.id

        self._in_session(work)
        return self.lesson(actor, lesson_id)

    def move_lesson(
        self, actor: Actor, lesson_id: uuid.UUID, start: datetime, end: datetime
    ) -> LessonDetail:
        """Drag and drop: a new start and end, everything else kept (the rate follows)."""
        current = self.lesson(actor, lesson_id)
        return self.update_lesson(
            actor,
            lesson_id,
            dict(
                teacher_id=current.teacher_id,
                student_id=current.student_id,
                band_id=current.band_id,
                room_id=current.room_id,
                lesson_type=current.lesson_type,
                start=start,
                end=end,
                location=current.location,
                rate=None if (end - start) != (current.end - current.start) else current.rate,
            ),
        )

    @unit_of_work
    def set_status(self, actor: Actor, lesson_id: uuid.UUID, status: str) -> LessonDetail:
        """scheduled -> in_progress -> completed, or scheduled -> no_show (cancel: `cancel`)."""
        require(actor, "schedule")
        if status == "cancelled":
            raise ValidationFailed({"status": "Cancel with a reason (the Cancel button)."})
        if status == "scheduled":
            raise ValidationFailed({"status": "Use Reopen (administrators) to go back."})

        def work(s: Session) -> None:
            row = self._locked(s, actor, lesson_id)
            self._require_own_or_desk(s, actor, row)
            require_started(actor, row.scheduled_start, studio_zone(s, actor.studio_id))
            if status not in TRANSITIONS.get(row.status, frozenset()):
                raise Conflict(
                    f"A lesson that is {STATUS_WORDS[row.status]} can't become "
                    f"{STATUS_WORDS.get(status, status)}."
                )
            row.status = status
            now = datetime.now(row.scheduled_start.tzinfo)
            if status == "in_progress":
                row.actual_start = now
            if status == "completed":
                row.actual_start = row.actual_start or row.scheduled_start
                row.actual_end = (
                    max(now, row.actual_start) if row.actual_start <= now else row.scheduled_end
                )

        self._in_session(work)
        return self.lesson(actor, lesson_id)

    @unit_of_work
    def cancel(
        self, actor: Actor, lesson_id: uuid.UUID, data: CancelInput | Mapping[str, Any]
    ) -> LessonDetail:
        """Cancels with a reason; late inside the notice period; a credit when policy says."""
        self._require_desk(actor)
        why = parse_input(CancelInput, data)

        def work(s: Session) -> None:
            studio = self._studio(s, actor)
            row = self._locked(s, actor, lesson_id)
            if row.status != "scheduled":
                raise Conflict(f"This lesson is {STATUS_WORDS[row.status]}: it can't be cancelled.")
            credits.cancel_where(
                s,
                "id = :lesson_id",
                {"lesson_id": lesson_id},
                studio_id=actor.studio_id,
                user_id=actor.user_id,
                reason=why.reason,
                party=why.on_behalf_of,
                settings=studio.settings,
                today=studio.today(),
            )

        self._in_session(work)
        return self.lesson(actor, lesson_id)

    @unit_of_work
    def batch_cancel(
        self, actor: Actor, data: BatchCancelInput | Mapping[str, Any]
    ) -> BatchCancelResult:
        """Cancels every scheduled lesson starting in the window (a snow day), in one step."""
        self._require_desk(actor)
        window = parse_input(BatchCancelInput, data)
        where = "scheduled_start >= :w_start AND scheduled_start < :w_end"
        params: dict[str, object] = {"w_start": window.start, "w_end": window.end}
        if window.teacher_id is not None:
            where += " AND teacher_id = :w_teacher"
            params["w_teacher"] = window.teacher_id
        if window.room_id is not None:
            where += " AND room_id = :w_room"
            params["w_room"] = window.room_id

        def work(s: Session) -> BatchCancelResult:
            studio = self._studio(s, actor)
            cancelled, late, issued = credits.cancel_where(
                s,
                where,
                params,
                studio_id=actor.studio_id,
                user_id=actor.user_id,
                reason=window.reason,
                party=window.on_behalf_of,
                settings=studio.settings,
                today=studio.today(),
            )
            return BatchCancelResult(cancelled=cancelled, late=late, credits_issued=issued)

        return self._in_session(work)

    @unit_of_work
    def reopen(self, actor: Actor, lesson_id: uuid.UUID) -> LessonDetail:
        """Admins only: a completed, cancelled or no-show lesson back to scheduled."""
        require(actor, "schedule")
        if not actor.is_admin:
            raise PermissionDenied("Only an administrator can reopen a lesson.")

        def work(s: Session) -> None:
            studio = self._studio(s, actor)
            row = self._locked(s, actor, lesson_id)
            if row.status == "scheduled":
                return
            occ = Occurrence(
                row.teacher_id,
                row.student_id,
                row.band_id,
                row.room_id,
                row.scheduled_start,
                row.scheduled_end,
            )
            if row.status in ("cancelled", "no_show"):
                self._refuse_clashes(s, actor, studio, [occ], [row.id])
            if row.status == "cancelled":
                used = s.scalar(
                    select(MakeupCredit.used_by_lesson_id).where(
                        MakeupCredit.source_lesson_id == row.id
                    )
                )
                if used is not None:
                    raise Conflict(
                        "The make-up credit of this cancellation was already used for a "
                        "make-up lesson: cancel that make-up lesson first."
                    )
                s.execute(delete(MakeupCredit).where(MakeupCredit.source_lesson_id == row.id))
            row.status = "scheduled"
            row.cancelled_at = None
            row.cancelled_by_id = None
            row.cancellation_reason = ""
            row.cancelled_on_behalf_of = None
            row.is_late_cancel = False
            row.actual_start = None
            row.actual_end = None
            s.flush()
            if row.lesson_type == "makeup" and row.student_id is not None:
                credits_used = s.scalar(
                    select(func.count()).where(MakeupCredit.used_by_lesson_id == row.id)
                )
                if not credits_used:
                    self._use_credit(s, studio, row.student_id, row.id)

        self._in_session(work)
        return self.lesson(actor, lesson_id)

    @unit_of_work
    def delete_lesson(self, actor: Actor, lesson_id: uuid.UUID) -> None:
        """Deletes a scheduled or cancelled lesson that no invoice bills."""
        self._require_desk(actor)

        def work(s: Session) -> None:
            row = self._locked(s, actor, lesson_id)
            if row.status not in ("scheduled", "cancelled"):
                raise Conflict(f"This lesson is {STATUS_WORDS[row.status]}: it stays on record.")
            billed = s.scalar(select(exists().where(InvoiceLineItem.lesson_id == lesson_id)))
            if billed:
                raise Conflict("This lesson is on an invoice: cancel it instead of deleting it.")
            credits.free_used_by(s, [lesson_id])
            s.delete(row)

        self._in_session(work)

    # --- series ------------------------------------------------------------------------

    def preview_series(self, actor: Actor, data: SeriesInput | Mapping[str, Any]) -> SeriesPreview:
        """How many lessons a series makes, the closures it skips and the clashes it would hit."""
        require(actor, "schedule")
        series = parse_input(SeriesInput, data)
        with self._db.read_session() as s:
            studio = self._studio(s, actor)
            shape = self._shape(s, actor, series, None)
            span = studio.span(series.start_date, series.end_date)
            booked = _book_series(s, actor, studio, [shape], [span])
            return SeriesPreview(
                occurrences=len(booked.occ),
                closures_skipped=booked.closures_skipped[0],
                clashes=_first_per_occurrence(booked.clashes),
            )

    @unit_of_work
    def create_series(
        self,
        actor: Actor,
        data: SeriesInput | Mapping[str, Any],
        *,
        skip_clashes: bool = False,
    ) -> SeriesResult:
        """Creates the series and its lessons in one insert; clashes refuse it unless skipped."""
        self._require_desk(actor)
        series = parse_input(SeriesInput, data)

        def work(s: Session) -> SeriesResult:
            studio = self._studio(s, actor)
            shape = self._shape(s, actor, series, None)
            pattern = RecurringPattern(
                studio_id=actor.studio_id, **_pattern_values(series, shape, series.start_date)
            )
            s.add(pattern)
            s.flush()
            return self._generate(s, actor, studio, pattern, shape, series.start_date, skip_clashes)

        return self._in_session(work)

    @unit_of_work
    def create_term(
        self,
        actor: Actor,
        items: Sequence[SeriesInput | Mapping[str, Any]],
        *,
        skip_clashes: bool = False,
    ) -> TermResult:
        """Many series at once (a new term's timetable), in one transaction: one insert of the
        series, one clash check of all their occurrences (against the calendar and among
        themselves), one insert of their lessons. Clashes refuse it all unless skipped."""
        self._require_desk(actor)
        parsed: list[SeriesInput] = []
        for n, item in enumerate(items):
            try:
                parsed.append(parse_input(SeriesInput, item))
            except ValidationFailed as exc:
                raise ValidationFailed(
                    {f"series {n + 1}: {k}": v for k, v in exc.fields.items()}
                ) from exc
        if not parsed:
            return TermResult(series=(), created=0)

        def work(s: Session) -> TermResult:
            studio = self._studio(s, actor)
            teachers = _teachers(s, actor, {p.teacher_id for p in parsed})
            self._check_many_refs(s, actor, parsed, set(teachers))
            spans = [studio.span(p.start_date, p.end_date) for p in parsed]
            shapes: list[PatternShape] = []
            rows: list[dict[str, Any]] = []
            for p, span in zip(parsed, spans, strict=True):
                rate = lesson_rate(p.rate, teachers[p.teacher_id].hourly_rate, p.duration_minutes)
                shape = pattern_shape(p, None, rate)
                shapes.append(shape)
                rows.append(
                    {
                        "id": uuid.uuid4(),
                        "studio_id": actor.studio_id,
                        "generated_until": span[1],
                        **_pattern_values(p, shape, p.start_date),
                    }
                )
            # Ids made here so the rows go in one batched statement (no RETURNING per row).
            s.execute(insert(RecurringPattern), rows)
            ids = [r["id"] for r in rows]
            shapes = [replace(sh, pattern_id=i) for sh, i in zip(shapes, ids, strict=True)]
            booked = _book_series(s, actor, studio, shapes, spans, teachers)
            if booked.clashes and not skip_clashes:
                raise BookingClash(_first_per_occurrence(booked.clashes))
            created = booked.insert(s, actor)
            made, clashes = booked.made, booked.clashes_per_series()
            return TermResult(
                series=tuple(
                    SeriesResult(
                        pattern_id=ids[n],
                        created=made[n],
                        skipped=_first_per_occurrence(clashes[n]),
                        closures_skipped=booked.closures_skipped[n],
                    )
                    for n in range(len(parsed))
                ),
                created=created,
            )

        return self._in_session(work)

    @unit_of_work
    def edit_series(
        self,
        actor: Actor,
        lesson_id: uuid.UUID,
        data: SeriesInput | Mapping[str, Any],
        scope: SeriesScope,
        *,
        skip_clashes: bool = False,
    ) -> SeriesResult:
        """'following' splits the series at this lesson; 'all' rewrites its coming lessons.

        Past lessons are never rewritten; coming scheduled lessons from the split are replaced.
        ("this": use `update_lesson`.)
        """
        self._require_desk(actor)
        series = parse_input(SeriesInput, data)
        if scope == "this":
            raise ValidationFailed({"scope": "Edit this lesson alone with update_lesson."})

        def work(s: Session) -> SeriesResult:
            studio = self._studio(s, actor)
            row = self._locked(s, actor, lesson_id)
            if row.recurring_pattern_id is None:
                raise ValidationFailed({"scope": "This lesson is not part of a series."})
            pattern = s.get(RecurringPattern, row.recurring_pattern_id, with_for_update=True)
            assert pattern is not None
            lesson_day = row.scheduled_start.astimezone(studio.zone).date()
            split = lesson_day if scope == "following" else max(pattern.start_date, studio.today())
            self._remove_coming(s, pattern.id, split, studio)
            first = max(series.start_date, split) if scope == "following" else series.start_date
            if scope == "following" and split > pattern.start_date:
                pattern.end_date = split - timedelta(days=1)
                pattern.generated_until = pattern.end_date
                pattern.is_active = pattern.end_date >= studio.today()
                target = RecurringPattern(studio_id=actor.studio_id)
                anchor = first
            else:
                target = pattern
                anchor = series.start_date
            shape = self._shape(s, actor, series.model_copy(update={"start_date": anchor}), None)
            for name, value in _pattern_values(series, shape, anchor).items():
                setattr(target, name, value)
            target.is_active = True
            s.add(target)
            s.flush()
            return self._generate(s, actor, studio, target, shape, max(first, split), skip_clashes)

        return self._in_session(work)

    @unit_of_work
    def end_series(self, actor: Actor, pattern_id: uuid.UUID, last_day: date | None = None) -> int:
        """Ends a series after `last_day` (default today): its later scheduled lessons go."""
        self._require_desk(actor)

        def work(s: Session) -> int:
            studio = self._studio(s, actor)
            pattern = s.get(RecurringPattern, pattern_id, with_for_update=True)
            if pattern is None or pattern.studio_id != actor.studio_id:
                raise NotFound("This series no longer exists.")
            last = last_day or studio.today()
            if last < pattern.start_date:
                last = pattern.start_date - timedelta(days=1)
                pattern.end_date = None
            removed = self._remove_coming(s, pattern.id, last + timedelta(days=1), studio)
            pattern.end_date = max(last, pattern.start_date)
            pattern.generated_until = pattern.end_date
            pattern.is_active = False if last <= studio.today() else pattern.is_active
            return removed

        return self._in_session(work)

    @unit_of_work
    def extend_series(self, actor: Actor) -> int:
        """Moves every open-ended (or later-ending) series up to the horizon; run at start-up.

        Occurrences that clash are skipped (they were never booked); returns lessons created.
        """
        require(actor, "schedule")

        def work(s: Session) -> int:
            studio = self._studio(s, actor)
            horizon = studio.horizon
            patterns = s.scalars(
                select(RecurringPattern)
                .where(
                    RecurringPattern.studio_id == actor.studio_id,
                    RecurringPattern.is_active,
                    func.coalesce(RecurringPattern.generated_until, date(1900, 1, 1)) < horizon,
                    func.coalesce(RecurringPattern.end_date, horizon)
                    > func.coalesce(RecurringPattern.generated_until, date(1900, 1, 1)),
                )
                .with_for_update(skip_locked=True)
            ).all()
            if not patterns:
                return 0
            teachers = _teachers(s, actor, {p.teacher_id for p in patterns})
            shapes, spans = [], []
            for pattern in patterns:
                hourly = teachers[pattern.teacher_id].hourly_rate
                rate = lesson_rate(pattern.rate, hourly, pattern.duration_minutes)
                first = (
                    pattern.generated_until + timedelta(days=1)
                    if pattern.generated_until
                    else pattern.start_date
                )
                shapes.append(replace(_shape_of(pattern), rate=rate))
                spans.append(studio.span(first, pattern.end_date))
            # All series at once: one clash check, one insert (occurrences that clash were
            # never booked, so they are skipped), one update of how far each one goes.
            made = _book_series(s, actor, studio, shapes, spans, teachers).insert(s, actor)
            s.execute(
                text(
                    "UPDATE recurring_patterns p SET generated_until = v.until"
                    "  FROM unnest(CAST(:ids AS uuid[]), CAST(:until AS date[])) AS v(id, until)"
                    " WHERE p.id = v.id"
                ),
                {
                    "ids": array_literal(p.id for p in patterns),
                    "until": array_literal(last.isoformat() for _first, last in spans),
                },
            )
            return made

        return self._in_session(work)

    # --- closures and credits ------------------------------------------------------------

    def closures(self, actor: Actor, first: date, last: date) -> tuple[Closure, ...]:
        require(actor, "schedule")
        with self._db.read_session() as s:
            rows = s.execute(
                select(StudioClosure.id, StudioClosure.closed_on, StudioClosure.reason)
                .where(
                    StudioClosure.studio_id == actor.studio_id,
                    StudioClosure.closed_on >= first,
                    StudioClosure.closed_on <= last,
                )
                .order_by(StudioClosure.closed_on)
            ).all()
            return tuple(Closure(id=r.id, closed_on=r.closed_on, reason=r.reason) for r in rows)

    @unit_of_work
    def add_closure(self, actor: Actor, data: ClosureInput | Mapping[str, Any]) -> Closure:
        """A closed day: series skip it from now on (cancel its lessons with batch cancel)."""
        self._require_desk(actor)
        closure = parse_input(ClosureInput, data)

        def work(s: Session) -> Closure:
            taken = s.scalar(
                select(StudioClosure.reason).where(
                    StudioClosure.studio_id == actor.studio_id,
                    StudioClosure.closed_on == closure.closed_on,
                )
            )
            if taken is not None:
                raise Conflict(
                    f"The studio is already closed on {closure.closed_on:%a %d %b %Y}"
                    + (f" ({taken})." if taken else ".")
                )
            row = StudioClosure(
                studio_id=actor.studio_id, closed_on=closure.closed_on, reason=closure.reason
            )
            s.add(row)
            s.flush()
            cancelled = 0
            if closure.cancel_lessons:
                studio = self._studio(s, actor)
                first, after = local_day_bounds(studio.zone, closure.closed_on, 1)
                cancelled, _late, _issued = credits.cancel_where(
                    s,
                    "scheduled_start >= :w_start AND scheduled_start < :w_end",
                    {"w_start": first, "w_end": after},
                    studio_id=actor.studio_id,
                    user_id=actor.user_id,
                    reason=f"Studio closed: {closure.reason}"
                    if closure.reason
                    else "Studio closed",
                    party="studio",
                    settings=studio.settings,
                    today=studio.today(),
                )
            return Closure(
                id=row.id, closed_on=row.closed_on, reason=row.reason, cancelled=cancelled
            )

        return self._in_session(work)

    @unit_of_work
    def remove_closure(self, actor: Actor, closure_id: uuid.UUID) -> None:
        self._require_desk(actor)
        with self._db.session() as s:
            s.execute(
                delete(StudioClosure).where(
                    StudioClosure.id == closure_id, StudioClosure.studio_id == actor.studio_id
                )
            )

    def credits(self, actor: Actor, student_id: uuid.UUID) -> tuple[CreditRow, ...]:
        require(actor, "schedule")
        with self._db.read_session() as s:
            self._student_in_studio(s, actor, student_id)
            return credits.credit_rows(s, student_id, self._studio(s, actor).today())

    def credit_balance(self, actor: Actor, student_id: uuid.UUID) -> int:
        """The student's usable make-up credits (not used, not expired)."""
        require(actor, "schedule")
        with self._db.read_session() as s:
            self._student_in_studio(s, actor, student_id)
            return credits.available(s, student_id, self._studio(s, actor).today())

    # --- notes, goals and plans ---------------------------------------------------------

    def lesson_note(self, actor: Actor, lesson_id: uuid.UUID) -> LessonNoteView:
        require(actor, "schedule")
        with self._db.read_session() as s:
            self._lesson_in_studio(s, actor, lesson_id)
            note = s.scalars(
                select(LessonNote)
                .where(LessonNote.lesson_id == lesson_id)
                .order_by(LessonNote.created_at)
                .limit(1)
            ).first()
            if note is None:
                return LessonNoteView()
            return LessonNoteView(
                id=note.id,
                updated_at=note.updated_at,
                summary=note.summary,
                topics_covered=tuple(str(x) for x in note.topics_covered),
                assignments=tuple(str(x) for x in note.assignments),
                strengths=tuple(str(x) for x in note.strengths),
                challenges=tuple(str(x) for x in note.challenges),
                homework=note.homework,
                visible_to_student=note.visible_to_student,
                visible_to_parent=note.visible_to_parent,
            )

    @unit_of_work
    def save_lesson_note(
        self, actor: Actor, lesson_id: uuid.UUID, data: LessonNoteInput | Mapping[str, Any]
    ) -> LessonNoteView:
        """The lesson's teacher (or an admin) writes its note; one note per lesson."""
        self._require_teaching(actor)
        note_in = parse_input(LessonNoteInput, data)

        def work(s: Session) -> None:
            row = self._locked(s, actor, lesson_id)
            self._require_own_or_admin(s, actor, row)
            note = s.scalars(
                select(LessonNote).where(LessonNote.lesson_id == lesson_id).limit(1)
            ).first()
            if note is None:
                note = LessonNote(
                    studio_id=actor.studio_id, lesson_id=lesson_id, teacher_id=row.teacher_id
                )
                s.add(note)
            note.summary = note_in.summary
            note.topics_covered = list(note_in.topics_covered)
            note.assignments = list(note_in.assignments)
            note.strengths = list(note_in.strengths)
            note.challenges = list(note_in.challenges)
            note.homework = note_in.homework
            note.visible_to_student = note_in.visible_to_student
            note.visible_to_parent = note_in.visible_to_parent

        self._in_session(work)
        return self.lesson_note(actor, lesson_id)

    def goals(self, actor: Actor, student_id: uuid.UUID) -> tuple[GoalRow, ...]:
        require(actor, "schedule")
        with self._db.read_session() as s:
            self._student_in_studio(s, actor, student_id)
            rows = s.execute(
                select(
                    StudentGoal.id,
                    StudentGoal.title,
                    StudentGoal.status,
                    StudentGoal.progress_percentage,
                    StudentGoal.target_date,
                )
                .where(StudentGoal.student_id == student_id)
                .order_by(
                    StudentGoal.status, StudentGoal.target_date.nulls_last(), StudentGoal.title
                )
                .limit(200)
            ).all()
            return tuple(GoalRow.model_validate(r, from_attributes=True) for r in rows)

    @unit_of_work
    def attach_plan(
        self, actor: Actor, lesson_id: uuid.UUID, plan_id: uuid.UUID | None
    ) -> LessonDetail:
        self._require_teaching(actor)

        def work(s: Session) -> None:
            row = self._locked(s, actor, lesson_id)
            self._require_own_or_admin(s, actor, row)
            if plan_id is not None:
                owner = s.scalar(select(LessonPlan.studio_id).where(LessonPlan.id == plan_id))
                if owner != actor.studio_id:
                    raise NotFound("This lesson plan no longer exists.")
            row.lesson_plan_id = plan_id

        self._in_session(work)
        return self.lesson(actor, lesson_id)

    # --- outputs -------------------------------------------------------------------------

    def day_sheet(self, actor: Actor, day: date, by: str = "teacher") -> DaySheet:
        """The day's lessons, one page per teacher or per room (cancelled ones left out)."""
        require(actor, "schedule")
        if by not in ("teacher", "room"):
            raise ValidationFailed({"by": "One page per teacher or per room."})
        rows = [r for r in self.week(actor, day, 1) if r.status not in ("cancelled",)]
        with self._db.read_session() as s:
            studio = s.execute(
                select(Studio.name, Studio.timezone, Studio.theme_color).where(
                    Studio.id == actor.studio_id
                )
            ).one()
            locale = self._studio(s, actor).settings.locale
        pages: dict[str, list[DaySheetLine]] = {}
        for r in rows:
            key = r.teacher_name if by == "teacher" else (r.room_name or "No room")
            pages.setdefault(key, []).append(
                DaySheetLine(
                    start=r.start,
                    end=r.end,
                    student_name=r.student_name,
                    teacher_name=r.teacher_name,
                    room_name=r.room_name,
                    lesson_type=r.lesson_type,
                    status=r.status,
                )
            )
        return DaySheet(
            studio_name=studio.name,
            timezone=studio.timezone,
            day=day,
            by=by,
            pages=tuple(DaySheetPage(heading=k, lines=tuple(v)) for k, v in sorted(pages.items())),
            locale=locale,
            accent=studio.theme_color or "#3b6ea5",
        )

    def person_lessons(
        self,
        actor: Actor,
        *,
        teacher_email: str | None = None,
        student_email: str | None = None,
        teacher_id: uuid.UUID | None = None,
        student_id: uuid.UUID | None = None,
    ) -> tuple[str, tuple[LessonRow, ...]]:
        """(display name, lessons of the past 90 days and all coming ones) for an export.

        The person is a teacher or a student, by email (the command line) or by id (the tab).
        A teacher account may export its own schedule only.
        """
        require(actor, "schedule")
        email = (teacher_email or student_email or "").strip().lower()
        own = actor.role == "teacher" and not email and teacher_id is None and student_id is None
        if not email and teacher_id is None and student_id is None and not own:
            raise ValidationFailed({"email": "Give a teacher's or a student's email."})
        as_teacher = bool(teacher_email) or teacher_id is not None or own
        with self._db.read_session() as s:
            if own:
                teacher_id = self._own_teacher_id(s, actor)
            person = Teacher if as_teacher else Student
            who_query = select(
                person.id, full_name(User.first_name, User.last_name).label("name")
            ).join(User, User.id == person.user_id)
            if email:
                who_query = who_query.where(func.lower(User.email) == email)
            else:
                who_query = who_query.where(person.id == (teacher_id or student_id))
            who = s.execute(who_query.where(person.studio_id == actor.studio_id)).first()
            if who is None:
                kind = "teacher" if as_teacher else "student"
                raise NotFound(
                    f"No {kind} with the email {email} is on file."
                    if email
                    else f"This {kind} is no longer on file."
                )
            if actor.role == "teacher" and (
                not as_teacher or who.id != self._own_teacher_id(s, actor)
            ):
                raise PermissionDenied("A teacher can export their own schedule only.")
            since = datetime.now(studio_zone(s, actor.studio_id)) - timedelta(days=90)
            query = lesson_columns(actor.studio_id).where(Lesson.scheduled_start >= since)
            if as_teacher:
                query = query.where(Lesson.teacher_id == who.id)
            else:
                query = query.where(Lesson.student_id == who.id)
            query = query.order_by(Lesson.scheduled_start, Lesson.id).limit(5000)
            return who.name, read_lesson_rows(s, actor.studio_id, query)

    # --- internals -----------------------------------------------------------------------

    def _in_session(self, work: Callable[[Session], T]) -> T:
        with self._db.session() as s:
            return work(s)

    def _refuse_clashes(
        self,
        s: Session,
        actor: Actor,
        studio: _Studio,
        occurrences: list[Occurrence],
        exclude: list[uuid.UUID],
    ) -> None:
        found = find_clashes(s, actor.studio_id, studio.zone, occurrences, exclude)
        if found:
            raise BookingClash([c for _, c in found])

    def _studio(self, s: Session, actor: Actor) -> _Studio:
        row = s.execute(
            select(Studio.name, Studio.timezone, Studio.settings).where(
                Studio.id == actor.studio_id
            )
        ).first()
        if row is None:
            raise NotFound("The studio no longer exists.")
        settings = StudioSettings.model_validate(row.settings or {})
        return _Studio(zone_of(row.timezone), settings, row.name)

    def _locked(self, s: Session, actor: Actor, lesson_id: uuid.UUID) -> Lesson:
        row = s.get(Lesson, lesson_id, with_for_update=True)
        if row is None or row.studio_id != actor.studio_id:
            raise NotFound("This lesson no longer exists (another desk may have deleted it).")
        return row

    def _rate(self, s: Session, actor: Actor, lesson: LessonInput) -> Decimal:
        """Checks the people and room belong to the studio; the rate or the teacher's."""
        hourly = s.scalar(
            select(Teacher.hourly_rate).where(
                Teacher.id == lesson.teacher_id, Teacher.studio_id == actor.studio_id
            )
        )
        if hourly is None:
            raise ValidationFailed({"teacher_id": "Choose a teacher of this studio."})
        self._check_refs(s, actor, lesson.student_id, lesson.band_id, lesson.room_id)
        minutes = int((lesson.end - lesson.start).total_seconds() // 60)
        return lesson_rate(lesson.rate, hourly, minutes)

    def _check_refs(
        self,
        s: Session,
        actor: Actor,
        student_id: uuid.UUID | None,
        band_id: uuid.UUID | None,
        room_id: uuid.UUID | None,
    ) -> None:
        for field, model, ref in (
            ("student_id", Student, student_id),
            ("band_id", Band, band_id),
            ("room_id", PracticeRoom, room_id),
        ):
            if ref is None:
                continue
            owner = s.scalar(select(model.studio_id).where(model.id == ref))
            if owner != actor.studio_id:
                raise ValidationFailed({field: "This is not on file at this studio any more."})

    def _check_many_refs(
        self, s: Session, actor: Actor, items: Sequence[SeriesInput], teachers: set[uuid.UUID]
    ) -> None:
        """Every teacher, student, band and room of `items` belongs to the studio (4 reads)."""
        for n, p in enumerate(items):
            if p.teacher_id not in teachers:
                raise ValidationFailed({f"series {n + 1}: teacher_id": "Choose a teacher."})
        for field, model, attr in (
            ("student_id", Student, "student_id"),
            ("band_id", Band, "band_id"),
            ("room_id", PracticeRoom, "room_id"),
        ):
            wanted = {getattr(p, attr) for p in items} - {None}
            if not wanted:
                continue
            found = set(
                s.scalars(
                    select(model.id).where(model.studio_id == actor.studio_id, model.id.in_(wanted))
                )
            )
            for n, p in enumerate(items):
                if getattr(p, attr) is not None and getattr(p, attr) not in found:
                    raise ValidationFailed(
                        {f"series {n + 1}: {field}": "This is not on file at this studio any more."}
                    )

    def _use_credit(
        self, s: Session, studio: _Studio, student_id: uuid.UUID | None, lesson_id: uuid.UUID
    ) -> None:
        if student_id is None:
            raise ValidationFailed({"student_id": "A make-up lesson is for one student."})
        name = s.scalar(
            select(full_name(User.first_name, User.last_name))
            .join(Student, Student.user_id == User.id)
            .where(Student.id == student_id)
        )
        credits.use_one(s, student_id, lesson_id, studio.today(), name or "The student")

    def _shape(
        self, s: Session, actor: Actor, series: SeriesInput, pattern_id: uuid.UUID | None
    ) -> PatternShape:
        start = datetime.combine(series.start_date, series.start_time)
        probe = LessonInput(
            teacher_id=series.teacher_id,
            student_id=series.student_id,
            band_id=series.band_id,
            room_id=series.room_id,
            start=start.replace(tzinfo=ZoneInfo("UTC")),
            end=(start + timedelta(minutes=series.duration_minutes)).replace(
                tzinfo=ZoneInfo("UTC")
            ),
            rate=series.rate,
        )
        return pattern_shape(series, pattern_id, self._rate(s, actor, probe))

    def _generate(
        self,
        s: Session,
        actor: Actor,
        studio: _Studio,
        pattern: RecurringPattern,
        shape: PatternShape,
        first: date,
        skip_clashes: bool,
    ) -> SeriesResult:
        span = studio.span(first, pattern.end_date)
        made = replace(shape, pattern_id=pattern.id)
        booked = _book_series(s, actor, studio, [made], [span])
        if booked.clashes and not skip_clashes:
            raise BookingClash(_first_per_occurrence(booked.clashes))
        created = booked.insert(s, actor)
        pattern.generated_until = span[1]
        return SeriesResult(
            pattern_id=pattern.id,
            created=created,
            skipped=_first_per_occurrence(booked.clashes),
            closures_skipped=booked.closures_skipped[0],
        )

    def _remove_coming(
        self, s: Session, pattern_id: uuid.UUID, from_day: date, studio: _Studio
    ) -> int:
        """The series' scheduled lessons from `from_day` on that have not started: deleted,
        or cancelled ("Series changed") when an invoice already bills them."""
        first = datetime.combine(from_day, datetime.min.time(), studio.zone)
        now = datetime.now(studio.zone)
        coming = (
            Lesson.recurring_pattern_id == pattern_id,
            Lesson.status == "scheduled",
            Lesson.scheduled_start >= max(first, now),
        )
        billed = exists().where(InvoiceLineItem.lesson_id == Lesson.id)
        s.execute(
            update(Lesson)
            .where(*coming, billed)
            .values(
                status="cancelled",
                cancellation_reason="Series changed",
                cancelled_at=func.now(),
                cancelled_on_behalf_of="studio",
            )
        )
        ids = list(s.scalars(select(Lesson.id).where(*coming, ~billed)))
        credits.free_used_by(s, ids)
        s.execute(delete(Lesson).where(Lesson.id.in_(ids)))
        return len(ids)

    def _own_teacher_id(self, s: Session, actor: Actor) -> uuid.UUID:
        tid = s.scalar(select(Teacher.id).where(Teacher.user_id == actor.user_id))
        if tid is None:
            raise NotFound("Your account has no teacher record: ask an administrator.")
        return tid

    def _require_desk(self, actor: Actor) -> None:
        require(actor, "schedule")
        if not actor.is_staff_desk:
            raise PermissionDenied(
                f"{actor.name} ({actor.role}) may not book or change lessons: ask the front desk."
            )

    def _require_teaching(self, actor: Actor) -> None:
        if not (can(actor, "teaching") or actor.is_admin):
            raise PermissionDenied(f"{actor.name} ({actor.role}) may not write lesson notes.")

    def _require_own_or_desk(self, s: Session, actor: Actor, row: Lesson) -> None:
        if actor.role == "teacher" and row.teacher_id != self._own_teacher_id(s, actor):
            raise PermissionDenied("Teachers change their own lessons only.")

    def _require_own_or_admin(self, s: Session, actor: Actor, row: Lesson) -> None:
        if actor.role == "teacher" and row.teacher_id != self._own_teacher_id(s, actor):
            raise PermissionDenied("Teachers write notes for their own lessons only.")

    def _lesson_in_studio(self, s: Session, actor: Actor, lesson_id: uuid.UUID) -> None:
        owner = s.scalar(select(Lesson.studio_id).where(Lesson.id == lesson_id))
        if owner != actor.studio_id:
            raise NotFound("This lesson no longer exists.")

    def _student_in_studio(self, s: Session, actor: Actor, student_id: uuid.UUID) -> None:
        owner = s.scalar(select(Student.studio_id).where(Student.id == student_id))
        if owner != actor.studio_id:
            raise NotFound("This student is not on file.")

    def _detail(self, s: Session, actor: Actor, lesson_id: uuid.UUID) -> LessonDetail:
        teacher_user = aliased(User)
        student_user = aliased(User)
        canceller = aliased(User)
        r = s.execute(
            select(
                Lesson,
                full_name(teacher_user.first_name, teacher_user.last_name).label("teacher_name"),
                full_name(student_user.first_name, student_user.last_name).label("student_name"),
                Band.name.label("band_name"),
                PracticeRoom.name.label("room_name"),
                full_name(canceller.first_name, canceller.last_name).label("cancelled_by_name"),
            )
            .join(Teacher, Teacher.id == Lesson.teacher_id)
            .join(teacher_user, teacher_user.id == Teacher.user_id)
            .outerjoin(Student, Student.id == Lesson.student_id)
            .outerjoin(student_user, student_user.id == Student.user_id)
            .outerjoin(Band, Band.id == Lesson.band_id)
            .outerjoin(PracticeRoom, PracticeRoom.id == Lesson.room_id)
            .outerjoin(canceller, canceller.id == Lesson.cancelled_by_id)
            .where(Lesson.id == lesson_id, Lesson.studio_id == actor.studio_id)
        ).first()
        if r is None:
            raise NotFound("This lesson no longer exists (another desk may have deleted it).")
        lesson: Lesson = r[0]
        balance = 0
        if lesson.student_id is not None:
            balance = credits.available(s, lesson.student_id, self._studio(s, actor).today())
        return LessonDetail(
            id=lesson.id,
            teacher_id=lesson.teacher_id,
            teacher_name=r.teacher_name,
            student_id=lesson.student_id,
            student_name=r.student_name if lesson.student_id else "",
            band_id=lesson.band_id,
            band_name=r.band_name or "",
            room_id=lesson.room_id,
            room_name=r.room_name or "",
            lesson_type=lesson.lesson_type,
            status=lesson.status,
            start=lesson.scheduled_start,
            end=lesson.scheduled_end,
            location=lesson.location,
            rate=lesson.rate,
            recurring_pattern_id=lesson.recurring_pattern_id,
            lesson_plan_id=lesson.lesson_plan_id,
            cancellation_reason=lesson.cancellation_reason,
            cancelled_at=lesson.cancelled_at,
            cancelled_by_name=r.cancelled_by_name or "",
            cancelled_on_behalf_of=lesson.cancelled_on_behalf_of,
            is_late_cancel=lesson.is_late_cancel,
            makeup_credits=balance,
        )


def _occ(lesson: LessonInput) -> Occurrence:
    return Occurrence(
        lesson.teacher_id,
        lesson.student_id,
        lesson.band_id,
        lesson.room_id,
        lesson.start,
        lesson.end,
    )


def lesson_rate(override: Decimal | None, hourly: Decimal | None, minutes: int) -> Decimal:
    """A lesson's price: the rate typed in, else the teacher's hourly rate for its length
    (half-up to the cent)."""
    if override is not None:
        return round_cents(override)
    return round_cents((hourly or Decimal(0)) * Decimal(minutes) / Decimal(60))


def _teachers(s: Session, actor: Actor, ids: set[uuid.UUID]) -> dict[uuid.UUID, Any]:
    """id -> (id, hourly_rate, booking_buffer_minutes, name) of the studio's teachers in `ids`."""
    rows = s.execute(
        select(
            Teacher.id,
            Teacher.hourly_rate,
            Teacher.booking_buffer_minutes,
            full_name(User.first_name, User.last_name).label("name"),
        )
        .join(User, User.id == Teacher.user_id)
        .where(Teacher.studio_id == actor.studio_id, Teacher.id.in_(ids))
    )
    return {r.id: r for r in rows}


@dataclass
class _Booked:
    """The coming occurrences of many series and which of them clash (`owner[i]` is the
    index of the series occurrence `i` belongs to)."""

    shapes: Sequence[PatternShape]
    occ: list[Occurrence]
    owner: list[int]
    clashes: list[tuple[int, Clash]]
    closures_skipped: list[int]

    @property
    def made(self) -> list[int]:
        """Lessons each series gets (its occurrences that do not clash)."""
        bad = {i for i, _ in self.clashes}
        made = [0] * len(self.shapes)
        for i, n in enumerate(self.owner):
            if i not in bad:
                made[n] += 1
        return made

    def clashes_per_series(self) -> list[list[tuple[int, Clash]]]:
        out: list[list[tuple[int, Clash]]] = [[] for _ in self.shapes]
        for i, c in self.clashes:
            out[self.owner[i]].append((i, c))
        return out

    def insert(self, s: Session, actor: Actor) -> int:
        """Books every occurrence that does not clash, in one statement."""
        bad = {i for i, _ in self.clashes}
        planned = [(self.shapes[self.owner[i]], o) for i, o in enumerate(self.occ) if i not in bad]
        return insert_many_occurrences(s, actor.studio_id, planned)


def _book_series(
    s: Session,
    actor: Actor,
    studio: _Studio,
    shapes: Sequence[PatternShape],
    spans: Sequence[tuple[date, date]],
    teachers: dict[uuid.UUID, Any] | None = None,
) -> _Booked:
    """The coming occurrences of one or many series (each from its span's first to last day,
    the studio's closures read once), checked in one statement against the calendar; with
    their `teachers`, many series are also checked among themselves (the earlier start keeps
    a slot two new series both want)."""
    dates = [sh.dates(first, last) for sh, (first, last) in zip(shapes, spans, strict=True)]
    every = [d for ds in dates for d in ds]
    closed = closed_days(s, actor.studio_id, min(every), max(every)) if every else set()
    now = datetime.now(studio.zone)
    owner: list[int] = []
    occ: list[Occurrence] = []
    closures_skipped = [0] * len(shapes)
    for n, (sh, ds) in enumerate(zip(shapes, dates, strict=True)):
        open_days = [d for d in ds if d not in closed]
        closures_skipped[n] = len(ds) - len(open_days)
        for o in sh.occurrences(studio.zone, open_days):
            if o.start > now:
                occ.append(o)
                owner.append(n)
    clashes = find_clashes(s, actor.studio_id, studio.zone, occ)
    if teachers is None:
        return _Booked(shapes, occ, owner, clashes, closures_skipped)
    bad = {i for i, _ in clashes}
    keep = [i for i in range(len(occ)) if i not in bad]
    buffers = {t: r.booking_buffer_minutes for t, r in teachers.items()}
    for i, earlier, kind in internal_clashes([occ[k] for k in keep], buffers):
        o, other = occ[keep[i]], occ[keep[earlier]]
        who = {
            "teacher": teachers[o.teacher_id].name,
            "student": "The student",
            "band": "The band",
            "room": "The room",
        }[kind]
        message = (
            f"{who} would be in two of the new series at once: series "
            f"{owner[keep[earlier]] + 1} {_span(other.start, other.end, studio.zone)} "
            f"and series {owner[keep[i]] + 1} {_span(o.start, o.end, studio.zone)}."
        )
        clashes.append((keep[i], Clash(start=o.start, end=o.end, message=message)))
    return _Booked(shapes, occ, owner, clashes, closures_skipped)


def _first_per_occurrence(found: list[tuple[int, Clash]]) -> tuple[Clash, ...]:
    seen: set[int] = set()
    out = []
    for i, clash in found:
        if i not in seen:
            seen.add(i)
            out.append(clash)
    return tuple(out)


def _pattern_values(series: SeriesInput, shape: PatternShape, start: date) -> dict[str, Any]:
    """The columns of a series' row. `rate` is the rate typed in, or None: the series then
    follows the teacher's hourly rate as it books further lessons."""
    return {
        "teacher_id": series.teacher_id,
        "student_id": series.student_id,
        "band_id": series.band_id,
        "room_id": series.room_id,
        "frequency": series.frequency,
        "day_of_week": shape.day_of_week,
        "week_of_month": shape.week_of_month,
        "time": series.start_time,
        "duration_minutes": series.duration_minutes,
        "start_date": start,
        "end_date": series.end_date,
        "lesson_type": series.lesson_type,
        "location": series.location,
        "rate": series.rate,
    }


def _shape_of(p: RecurringPattern) -> PatternShape:
    return PatternShape(
        pattern_id=p.id,
        teacher_id=p.teacher_id,
        student_id=p.student_id,
        band_id=p.band_id,
        room_id=p.room_id,
        frequency=p.frequency,
        anchor=p.start_date,
        day_of_week=p.day_of_week,
        week_of_month=p.week_of_month,
        start_time=p.time,
        duration_minutes=p.duration_minutes,
        lesson_type=p.lesson_type,
        location=p.location,
        rate=p.rate if p.rate is not None else Decimal("0"),
    )


def pattern_shape(series: SeriesInput, pattern_id: uuid.UUID | None, rate: Decimal) -> PatternShape:
    """What the recurrence needs of a series, whether it is new or being edited."""
    monthly = series.frequency == "monthly"
    return PatternShape(
        pattern_id=pattern_id,
        teacher_id=series.teacher_id,
        student_id=series.student_id,
        band_id=series.band_id,
        room_id=series.room_id,
        frequency=series.frequency,
        anchor=series.start_date,
        day_of_week=WEEKDAYS[series.start_date.weekday()],
        week_of_month=(series.week_of_month or week_of_month(series.start_date))
        if monthly
        else None,
        start_time=series.start_time,
        duration_minutes=series.duration_minutes,
        lesson_type=series.lesson_type,
        location=series.location,
        rate=rate,
    )
