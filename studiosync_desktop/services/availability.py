"""Teachers' working hours and dated exceptions; when they work, and the lessons outside it."""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from sqlalchemy import delete, insert, select, text
from sqlalchemy.orm import Session

from studiosync_desktop.db import Database
from studiosync_desktop.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from studiosync_desktop.models import AvailabilityException, Teacher, TeacherHours
from studiosync_desktop.schemas.availability import (
    ExceptionInput,
    ExceptionRow,
    HoursRange,
    WeekHours,
    Working,
)
from studiosync_desktop.schemas.common import Actor, ShortNote, parse_input, parse_value
from studiosync_desktop.schemas.rows import LessonRow
from studiosync_desktop.schemas.scheduling import BatchCancelResult
from studiosync_desktop.services import makeup_credits as credits
from studiosync_desktop.services.lesson_rows import lessons_starting
from studiosync_desktop.services.permissions import require
from studiosync_desktop.services.reading import (
    local_day_bounds,
    studio_settings,
    studio_today,
    studio_zone,
)
from studiosync_desktop.services.unit_of_work import unit_of_work

log = logging.getLogger(__name__)

Span = tuple[datetime, datetime]
NO_HOURS = WeekHours(days=((),) * 7)


class AvailabilityService:
    def __init__(self, db: Database) -> None:
        self._db = db

    def own_teacher(self, actor: Actor) -> uuid.UUID | None:
        """A teacher login's own teacher record (None for a login without one)."""
        with self._db.read_session() as s:
            return s.scalar(select(Teacher.id).where(Teacher.user_id == actor.user_id))

    # --- the teacher's own time zone -----------------------------------------------------

    def teacher_zone(self, actor: Actor, teacher_id: uuid.UUID) -> str | None:
        """The teacher's own zone (their outside calendars' floating times), None: the
        studio's."""
        require(actor, "schedule")
        with self._db.read_session() as s:
            _require_own(s, actor, teacher_id)
            return s.scalar(select(Teacher.timezone).where(Teacher.id == teacher_id))

    @unit_of_work
    def set_teacher_zone(self, actor: Actor, teacher_id: uuid.UUID, zone: str | None) -> None:
        """Sets it (None or "": the studio's); a teacher their own, the desk and admins
        anyone's. An unknown name is refused next to the field."""
        require(actor, "schedule")
        name = (parse_value("timezone", str | None, zone) or "").strip() or None
        if name is not None and name not in available_timezones():
            raise ValidationFailed({"timezone": f"{name} is not a time zone (e.g. Europe/Berlin)."})
        with self._db.session() as s:
            _require_own(s, actor, teacher_id)
            s.execute(
                text("SELECT studiosync_set_teacher_zone(:t, :z)"), {"t": teacher_id, "z": name}
            )

    # --- the working week ----------------------------------------------------------------

    def week_hours(self, actor: Actor, teacher_id: uuid.UUID) -> WeekHours:
        require(actor, "schedule")
        with self._db.read_session() as s:
            _require_own(s, actor, teacher_id)
            return load_week_hours(s, [teacher_id]).get(teacher_id, NO_HOURS)

    @unit_of_work
    def set_week_hours(
        self, actor: Actor, teacher_id: uuid.UUID, data: WeekHours | Mapping[str, Any]
    ) -> WeekHours:
        """Replaces the teacher's working week (a teacher: their own; the desk: anyone's)."""
        require(actor, "schedule")
        week = parse_input(WeekHours, data)
        with self._db.session() as s:
            _require_own(s, actor, teacher_id)
            s.execute(delete(TeacherHours).where(TeacherHours.teacher_id == teacher_id))
            rows = [
                dict(
                    studio_id=actor.studio_id,
                    teacher_id=teacher_id,
                    weekday=day,
                    start_time=r.start,
                    end_time=r.end,
                )
                for day, ranges in enumerate(week.days)
                for r in ranges
            ]
            if rows:
                s.execute(insert(TeacherHours), rows)
        return week

    # --- exceptions ----------------------------------------------------------------------

    def exceptions(
        self, actor: Actor, teacher_id: uuid.UUID, since: date | None = None
    ) -> tuple[ExceptionRow, ...]:
        """The teacher's exceptions ending on or after `since` (today if not given)."""
        require(actor, "schedule")
        with self._db.read_session() as s:
            _require_own(s, actor, teacher_id)
            first = since or studio_today(s, actor)
            found = load_exceptions(s, [teacher_id], first, date.max)
            return tuple(found.get(teacher_id, ()))

    @unit_of_work
    def add_exception(
        self, actor: Actor, data: ExceptionInput | Mapping[str, Any]
    ) -> tuple[ExceptionRow, tuple[LessonRow, ...]]:
        """Saves time off or other hours; returns it and the booked lessons now outside hours
        on those days (for the desk to cancel or move)."""
        require(actor, "schedule")
        given = parse_input(ExceptionInput, data)
        with self._db.session() as s:
            _require_own(s, actor, given.teacher_id)
            clash = s.execute(
                select(AvailabilityException.first_day, AvailabilityException.last_day).where(
                    AvailabilityException.teacher_id == given.teacher_id,
                    AvailabilityException.first_day <= given.last_day,
                    AvailabilityException.last_day >= given.first_day,
                )
            ).first()
            if clash is not None:
                raise Conflict(
                    f"Other hours are already set from {clash.first_day:%a %d %b} to"
                    f" {clash.last_day:%a %d %b}: change or remove those first."
                )
            row = AvailabilityException(
                studio_id=actor.studio_id,
                teacher_id=given.teacher_id,
                first_day=given.first_day,
                last_day=given.last_day,
                hours=[[h.start.strftime("%H:%M"), h.end.strftime("%H:%M")] for h in given.hours],
                reason=given.reason,
            )
            s.add(row)
            s.flush()
            saved = _exception_row(row)
        return saved, self.lessons_outside(actor, given.teacher_id, given.first_day, given.last_day)

    @unit_of_work
    def remove_exception(self, actor: Actor, exception_id: uuid.UUID) -> None:
        require(actor, "schedule")
        with self._db.session() as s:
            teacher_id = s.scalar(
                select(AvailabilityException.teacher_id).where(
                    AvailabilityException.id == exception_id,
                    AvailabilityException.studio_id == actor.studio_id,
                )
            )
            if teacher_id is None:
                raise NotFound("These hours were already removed.")
            _require_own(s, actor, teacher_id)
            s.execute(delete(AvailabilityException).where(AvailabilityException.id == exception_id))

    # --- reading working time ------------------------------------------------------------

    def working(
        self, actor: Actor, first: date, days: int, teacher_ids: Sequence[uuid.UUID] | None = None
    ) -> Working:
        """When each teacher works over the days (teachers without hours set are left out:
        they are not limited)."""
        require(actor, "schedule")
        if not 1 <= days <= 62:
            raise ValidationFailed({"days": "Show between 1 and 62 days."})
        with self._db.read_session() as s:
            zone = studio_zone(s, actor)
            ids = list(teacher_ids) if teacher_ids is not None else None
            spans = working_spans(s, ids, first, first + timedelta(days=days - 1), zone)
            return Working(spans={k: tuple(v) for k, v in spans.items()})

    def lessons_outside(
        self, actor: Actor, teacher_id: uuid.UUID, first: date, last: date
    ) -> tuple[LessonRow, ...]:
        """The teacher's scheduled lessons on those days that are not within working time."""
        require(actor, "schedule")
        with self._db.read_session() as s:
            zone = studio_zone(s, actor)
            begin, after = local_day_bounds(zone, first, (last - first).days + 1)
            lessons = lessons_starting(s, actor, begin, after, teacher_id=teacher_id)
            spans = working_spans(s, [teacher_id], first, last, zone)
            if teacher_id not in spans:
                return ()
            return tuple(
                r
                for r in lessons
                if r.status == "scheduled" and not within(spans[teacher_id], r.start, r.end)
            )

    @unit_of_work
    def cancel_for_time_off(
        self, actor: Actor, lesson_ids: Sequence[uuid.UUID], reason: str
    ) -> BatchCancelResult:
        """Cancels the lessons as the studio's doing (make-up credits follow the policy)."""
        require(actor, "schedule")
        if not actor.is_staff_desk:
            raise PermissionDenied("Only the front desk or an administrator cancels lessons.")
        reason = parse_value("reason", ShortNote, reason)
        if not lesson_ids:
            return BatchCancelResult(cancelled=0, late=0, credits_issued=0)
        with self._db.session() as s:
            cancelled, late, issued = credits.cancel_where(
                s,
                "id = ANY(:ids)",
                {"ids": list(lesson_ids)},
                studio_id=actor.studio_id,
                user_id=actor.user_id,
                reason=reason or "The teacher is away",
                party="studio",
                settings=studio_settings(s, actor.studio_id),
                today=studio_today(s, actor),
            )
            return BatchCancelResult(cancelled=cancelled, late=late, credits_issued=issued)


# --- shared with booking checks and the free-time search -----------------------------------


def load_week_hours(
    s: Session, teacher_ids: Iterable[uuid.UUID] | None
) -> dict[uuid.UUID, WeekHours]:
    """Each teacher's week, for those with any hours set (`None`: every teacher's)."""
    query = select(
        TeacherHours.teacher_id,
        TeacherHours.weekday,
        TeacherHours.start_time,
        TeacherHours.end_time,
    ).order_by(TeacherHours.teacher_id, TeacherHours.weekday, TeacherHours.start_time)
    if teacher_ids is not None:
        query = query.where(TeacherHours.teacher_id.in_(list(teacher_ids)))
    return week_hours_from(s.execute(query))


def week_hours_query(teachers: Any) -> Any:
    """The weeks of the teachers `teachers` selects (a subquery of ids), for `week_hours_from`."""
    return (
        select(
            TeacherHours.teacher_id,
            TeacherHours.weekday,
            TeacherHours.start_time,
            TeacherHours.end_time,
        )
        .where(TeacherHours.teacher_id.in_(teachers))
        .order_by(TeacherHours.teacher_id, TeacherHours.weekday, TeacherHours.start_time)
    )


def week_hours_from(rows: Iterable[Any]) -> dict[uuid.UUID, WeekHours]:
    """Rows of (teacher_id, weekday, start_time, end_time), in order, as each one's week."""
    days: dict[uuid.UUID, list[list[HoursRange]]] = defaultdict(lambda: [[] for _ in range(7)])
    for r in rows:
        days[r.teacher_id][r.weekday].append(
            HoursRange.model_construct(start=r.start_time, end=r.end_time)
        )
    return {
        t: WeekHours.model_construct(days=tuple(tuple(d) for d in week)) for t, week in days.items()
    }


def load_exceptions(
    s: Session, teacher_ids: Iterable[uuid.UUID] | None, first: date, last: date
) -> dict[uuid.UUID, list[ExceptionRow]]:
    query = (
        select(AvailabilityException)
        .where(AvailabilityException.last_day >= first, AvailabilityException.first_day <= last)
        .order_by(AvailabilityException.first_day)
    )
    if teacher_ids is not None:
        query = query.where(AvailabilityException.teacher_id.in_(list(teacher_ids)))
    return exceptions_from(s.scalars(query))


def exceptions_query(teachers: Any, first: date, last: date) -> Any:
    """The exceptions over [first, last] of the teachers `teachers` selects (a subquery)."""
    return (
        select(*AvailabilityException.__table__.columns)
        .where(
            AvailabilityException.teacher_id.in_(teachers),
            AvailabilityException.last_day >= first,
            AvailabilityException.first_day <= last,
        )
        .order_by(AvailabilityException.first_day)
    )


def exceptions_from(rows: Iterable[Any]) -> dict[uuid.UUID, list[ExceptionRow]]:
    out: dict[uuid.UUID, list[ExceptionRow]] = defaultdict(list)
    for row in rows:
        out[row.teacher_id].append(_exception_row(row))
    return dict(out)


def working_spans(
    s: Session, teacher_ids: Sequence[uuid.UUID] | None, first: date, last: date, zone: ZoneInfo
) -> dict[uuid.UUID, list[Span]]:
    """Working time per teacher from `first` to `last` (whole days), for teachers with hours."""
    weeks = load_week_hours(s, teacher_ids)
    exceptions = load_exceptions(s, teacher_ids, first, last)
    return spans_of(weeks, exceptions, first, last, zone)


def spans_of(
    weeks: Mapping[uuid.UUID, WeekHours],
    exceptions: Mapping[uuid.UUID, Sequence[ExceptionRow]],
    first: date,
    last: date,
    zone: ZoneInfo,
) -> dict[uuid.UUID, list[Span]]:
    """Each teacher's working time from their week and exceptions (`working_spans`)."""
    # A teacher with only exceptions (no weekly hours) is limited on those days alone.
    return {
        t: spans_between(weeks.get(t, NO_HOURS), exceptions.get(t, []), first, last, zone)
        for t in weeks.keys() | exceptions.keys()
        if t in weeks
    }


def spans_between(
    week: WeekHours, exceptions: Sequence[ExceptionRow], first: date, last: date, zone: ZoneInfo
) -> list[Span]:
    """The week's stretches day by day, where an exception's hours replace a day's."""
    instead: dict[date, tuple[HoursRange, ...]] = {}
    for e in exceptions:
        day = max(e.first_day, first)
        while day <= min(e.last_day, last):
            instead[day] = e.hours
            day += timedelta(days=1)
    out: list[Span] = []
    day = first
    while day <= last:
        for r in instead.get(day, week.days[day.weekday()]):
            out.append((datetime.combine(day, r.start, zone), datetime.combine(day, r.end, zone)))
        day += timedelta(days=1)
    return out


def within(spans: Sequence[Span], start: datetime, end: datetime) -> bool:
    """Whether [start, end) lies inside one working stretch (stretches that touch join up)."""
    return any(a <= start and end <= b for a, b in _joined(spans))


def _joined(spans: Sequence[Span]) -> list[Span]:
    out: list[Span] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _exception_row(row: Any) -> ExceptionRow:
    return ExceptionRow(
        id=row.id,
        teacher_id=row.teacher_id,
        first_day=row.first_day,
        last_day=row.last_day,
        hours=hours_from(row.hours),
        reason=row.reason,
    )


def hours_from(stored: Any) -> tuple[HoursRange, ...]:
    """An exception's stored hours as stretches. The database keeps only ["HH:MM", "HH:MM"]
    pairs (migration 0055); an entry that is not one anyway (a row from an older backup) is
    skipped and logged, so one bad row does not stop every read of the teacher's time."""
    out: list[HoursRange] = []
    for entry in stored if isinstance(stored, list | tuple) else ():
        try:
            start, end = entry
            out.append(HoursRange(start=time.fromisoformat(start), end=time.fromisoformat(end)))
        except (TypeError, ValueError):  # pydantic's ValidationError is a ValueError
            log.warning("Skipped other hours that are not a start and an end: %.80r", entry)
    return tuple(out)


def _require_own(s: Session, actor: Actor, teacher_id: uuid.UUID) -> None:
    """A teacher changes and reads only their own hours (the database agrees)."""
    if actor.role != "teacher":
        exists = s.scalar(
            select(Teacher.id).where(Teacher.id == teacher_id, Teacher.studio_id == actor.studio_id)
        )
        if exists is None:
            raise NotFound("This teacher is no longer in the studio.")
        return
    own = s.scalar(select(Teacher.id).where(Teacher.user_id == actor.user_id))
    if own != teacher_id:
        raise PermissionDenied("A teacher sets their own working hours only.")
