"""What the parts of the scheduling service share: the studio's day, a lesson locked or read."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from studiosync_desktop.db import Database
from studiosync_desktop.errors import NotFound, PermissionDenied, ValidationFailed
from studiosync_desktop.models import (
    Band,
    Lesson,
    MakeupCredit,
    PracticeRoom,
    Student,
    Studio,
    Teacher,
    User,
)
from studiosync_desktop.money import round_cents
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.schemas.scheduling import LessonDetail, LessonInput
from studiosync_desktop.schemas.studio import StudioSettings
from studiosync_desktop.services.permissions import can, require
from studiosync_desktop.services.reading import full_name, studio_today
from studiosync_desktop.services.together import read_together
from studiosync_desktop.zones import zone_of

T = TypeVar("T")


@dataclass(frozen=True)
class StudioFacts:
    """The studio as bookings see it: its time zone, settings and name."""

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


class SchedulingPart:
    """The base of each part of `SchedulingService`: the database and the shared steps."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def lesson(self, actor: Actor, lesson_id: uuid.UUID) -> LessonDetail:
        require(actor, "schedule")
        with self._db.read_session() as s:
            return self._detail(s, actor, lesson_id)

    def _in_session(self, work: Callable[[Session], T]) -> T:
        with self._db.session() as s:
            return work(s)

    def _studio(self, s: Session, actor: Actor) -> StudioFacts:
        row = s.execute(
            select(Studio.name, Studio.timezone, Studio.settings).where(
                Studio.id == actor.studio_id
            )
        ).first()
        if row is None:
            raise NotFound("The studio no longer exists.")
        settings = StudioSettings.model_validate(row.settings or {})
        return StudioFacts(zone_of(row.timezone), settings, row.name)

    def _studio_and_status(
        self, s: Session, actor: Actor, lesson_id: uuid.UUID
    ) -> tuple[StudioFacts, str]:
        """The studio, and the lesson's status with the lesson locked: one round trip (with the
        transaction's BEGIN, `together.read_together`)."""
        studio, lesson = read_together(
            s,
            [
                select(Studio.name, Studio.timezone, Studio.settings).where(
                    Studio.id == actor.studio_id
                ),
                select(Lesson.status)
                .where(Lesson.id == lesson_id, Lesson.studio_id == actor.studio_id)
                .with_for_update(),
            ],
        )
        if not studio:
            raise NotFound("The studio no longer exists.")
        if not lesson:
            raise NotFound("This lesson no longer exists (another desk may have deleted it).")
        row = studio[0]
        settings = StudioSettings.model_validate(row.settings or {})
        return StudioFacts(zone_of(row.timezone), settings, row.name), lesson[0].status

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
        # The student's usable make-up credits in the same statement (today where the studio
        # is, from the time zone kept since login): one round trip.
        balance = (
            select(func.count())
            .select_from(MakeupCredit)
            .where(
                MakeupCredit.student_id == Lesson.student_id,
                MakeupCredit.used_by_lesson_id.is_(None),
                MakeupCredit.expires_on >= studio_today(s, actor),
            )
            .correlate(Lesson)
            .scalar_subquery()
        )
        r = s.execute(
            select(
                Lesson,
                full_name(teacher_user.first_name, teacher_user.last_name).label("teacher_name"),
                full_name(student_user.first_name, student_user.last_name).label("student_name"),
                Band.name.label("band_name"),
                PracticeRoom.name.label("room_name"),
                full_name(canceller.first_name, canceller.last_name).label("cancelled_by_name"),
                balance.label("makeup_credits"),
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
        balance_now = int(r.makeup_credits or 0) if lesson.student_id is not None else 0
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
            makeup_credits=balance_now,
        )


def lesson_rate(override: Decimal | None, hourly: Decimal | None, minutes: int) -> Decimal:
    """A lesson's price: the rate typed in, else the teacher's hourly rate for its length
    (half-up to the cent)."""
    if override is not None:
        return round_cents(override)
    return round_cents((hourly or Decimal(0)) * Decimal(minutes) / Decimal(60))
