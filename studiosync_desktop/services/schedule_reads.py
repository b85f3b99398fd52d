"""The schedule as the screens read it: the week, the dialog's choices, clashes, credits, sheets."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from studiosync_desktop.errors import NotFound, PermissionDenied, ValidationFailed
from studiosync_desktop.models import (
    Band,
    Lesson,
    LessonPlan,
    PracticeRoom,
    Student,
    Studio,
    Teacher,
    User,
)
from studiosync_desktop.schemas.availability import BusyBlock
from studiosync_desktop.schemas.common import Actor, parse_input
from studiosync_desktop.schemas.month import MonthDay
from studiosync_desktop.schemas.rows import LessonRow
from studiosync_desktop.schemas.scheduling import (
    BookingChoices,
    Choice,
    Clash,
    CreditRow,
    DaySheet,
    DaySheetLine,
    DaySheetPage,
    LessonInput,
)
from studiosync_desktop.schemas.studio import StudioSettings
from studiosync_desktop.services import makeup_credits as credits
from studiosync_desktop.services.calendar_feeds import busy_blocks_from, studio_busy_query
from studiosync_desktop.services.clashes import find_clashes, lesson_occurrence
from studiosync_desktop.services.lesson_rows import (
    lesson_columns,
    lesson_names,
    lesson_rows_from,
    lessons_starting,
    lessons_starting_query,
    read_lesson_rows,
)
from studiosync_desktop.services.month_counts import month_days
from studiosync_desktop.services.permissions import require
from studiosync_desktop.services.reading import (
    full_name,
    local_day_bounds,
    studio_zone,
)
from studiosync_desktop.services.scheduling_base import SchedulingPart
from studiosync_desktop.services.together import read_together


class ScheduleReads(SchedulingPart):
    """Reads of the schedule for the calendar, the lesson dialog and the exports."""

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
            first, after = local_day_bounds(studio_zone(s, actor), start, days)
            return lessons_starting(s, actor, first, after, teacher_id, room_id, student_id)

    def week_and_studio_busy(
        self,
        actor: Actor,
        start: date,
        days: int = 7,
        teacher_id: uuid.UUID | None = None,
        room_id: uuid.UUID | None = None,
        student_id: uuid.UUID | None = None,
    ) -> tuple[tuple[LessonRow, ...], tuple[BusyBlock, ...]]:
        """`week`, and the whole studio's outside busy times over the same days (a holiday
        calendar, a hall hire: the week view shades them), read in the same round trip
        (`together.read_together`). The desk reads "Busy" for an event's title."""
        require(actor, "schedule")
        if not 1 <= days <= 62:
            raise ValidationFailed({"days": "Show between 1 and 62 days."})
        with self._db.read_session() as s:
            first, after = local_day_bounds(studio_zone(s, actor), start, days)
            query = lessons_starting_query(actor, first, after, teacher_id, room_id, student_id)
            lessons, names, busy = read_together(
                s, [query, lesson_names(actor.studio_id), studio_busy_query(actor, first, after)]
            )
            return lesson_rows_from(lessons, names), busy_blocks_from(busy)

    def month(
        self,
        actor: Actor,
        start: date,
        days: int,
        teacher_id: uuid.UUID | None = None,
        room_id: uuid.UUID | None = None,
        student_id: uuid.UUID | None = None,
    ) -> tuple[MonthDay, ...]:
        """The month view's days in [start, start + days): lessons counted, not listed."""
        require(actor, "schedule")
        if not 1 <= days <= 62:
            raise ValidationFailed({"days": "Show between 1 and 62 days."})
        with self._db.read_session() as s:
            zone = studio_zone(s, actor)
            first, after = local_day_bounds(zone, start, days)
            return month_days(s, actor, zone, first, after, teacher_id, room_id, student_id)

    def choices(self, actor: Actor) -> BookingChoices:
        """The dialog's lists: active teachers, students, bands, rooms and lesson plans, read
        together in one round trip (`together.read_together`)."""
        require(actor, "schedule")
        sid = actor.studio_id
        name = full_name(User.first_name, User.last_name).label("name")
        with self._db.read_session() as s:
            settings_rows, teachers, students, bands, rooms, plans = read_together(
                s,
                [
                    select(Studio.settings).where(Studio.id == sid),
                    select(Teacher.id, name, Teacher.hourly_rate)
                    .join(User, User.id == Teacher.user_id)
                    .where(Teacher.studio_id == sid, Teacher.is_active)
                    .order_by(name),
                    select(Student.id, name, Student.instrument)
                    .join(User, User.id == Student.user_id)
                    .where(Student.studio_id == sid, Student.is_active)
                    .order_by(name),
                    select(Band.id, Band.name)
                    .where(Band.studio_id == sid, Band.is_active)
                    .order_by(Band.name),
                    select(PracticeRoom.id, PracticeRoom.name)
                    .where(PracticeRoom.studio_id == sid)
                    .order_by(PracticeRoom.name),
                    select(LessonPlan.id, LessonPlan.title)
                    .where(LessonPlan.studio_id == sid)
                    .order_by(LessonPlan.title)
                    .limit(500),
                ],
            )
        if not settings_rows:
            raise NotFound("The studio no longer exists.")
        settings = StudioSettings.model_validate(settings_rows[0].settings or {})
        if not settings.uses("bands"):  # a studio without bands offers none
            bands = []
        return BookingChoices(
            teachers=tuple(Choice(id=t.id, name=t.name) for t in teachers),
            students=tuple(Choice(id=x.id, name=x.name, detail=x.instrument) for x in students),
            bands=tuple(Choice(id=b.id, name=b.name) for b in bands),
            rooms=tuple(Choice(id=r.id, name=r.name) for r in rooms),
            plans=tuple(Choice(id=p.id, name=p.title) for p in plans),
            teacher_rates={str(t.id): t.hourly_rate for t in teachers},
            default_minutes=settings.default_lesson_minutes,
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
            zone = studio_zone(s, actor)
            exclude = [lesson_id] if lesson_id else []
            return tuple(
                c
                for _, c in find_clashes(
                    s, actor.studio_id, zone, [lesson_occurrence(lesson)], exclude
                )
            )

    # --- lessons -----------------------------------------------------------------------
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

    def day_sheet(self, actor: Actor, day: date, by: str = "teacher") -> DaySheet:
        """The day's lessons, one page per teacher or per room (cancelled ones left out)."""
        require(actor, "schedule")
        if by not in ("teacher", "room"):
            raise ValidationFailed({"by": "One page per teacher or per room."})
        rows = [r for r in self.week(actor, day, 1) if r.status not in ("cancelled",)]
        with self._db.read_session() as s:
            studio = s.execute(
                select(Studio.name, Studio.timezone, Studio.theme_color, Studio.logo).where(
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
            logo=studio.logo,
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
            since = datetime.now(studio_zone(s, actor)) - timedelta(days=90)
            query = lesson_columns(actor.studio_id).where(Lesson.scheduled_start >= since)
            if as_teacher:
                query = query.where(Lesson.teacher_id == who.id)
            else:
                query = query.where(Lesson.student_id == who.id)
            query = query.order_by(Lesson.scheduled_start, Lesson.id).limit(5000)
            return who.name, read_lesson_rows(s, actor.studio_id, query)
