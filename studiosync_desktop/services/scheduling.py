"""Scheduling reads: the lessons of a week, as the calendar shows them."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import Select, func, literal, select
from sqlalchemy.orm import aliased

from studiosync_desktop.db import Database
from studiosync_desktop.errors import ValidationFailed
from studiosync_desktop.models import Band, Lesson, PracticeRoom, Student, Teacher, User
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.schemas.rows import LessonRow
from studiosync_desktop.services.permissions import require
from studiosync_desktop.services.reading import full_name, local_day_bounds, studio_zone


def lesson_rows_select(studio_id: uuid.UUID) -> Select[Any]:
    """The columns of a `LessonRow`, for lessons of one studio; callers add filters and order."""
    teacher_user = aliased(User, name="teacher_user")
    student_user = aliased(User, name="student_user")
    return (
        select(
            Lesson.id,
            Lesson.scheduled_start.label("start"),
            Lesson.scheduled_end.label("end"),
            Lesson.teacher_id,
            full_name(teacher_user.first_name, teacher_user.last_name).label("teacher_name"),
            func.coalesce(
                func.nullif(full_name(student_user.first_name, student_user.last_name), ""),
                Band.name,
                literal(""),
            ).label("student_name"),
            func.coalesce(PracticeRoom.name, literal("")).label("room_name"),
            Lesson.status,
            Lesson.lesson_type,
            Lesson.rate,
        )
        .join(Teacher, Teacher.id == Lesson.teacher_id)
        .join(teacher_user, teacher_user.id == Teacher.user_id)
        .outerjoin(Student, Student.id == Lesson.student_id)
        .outerjoin(student_user, student_user.id == Student.user_id)
        .outerjoin(Band, Band.id == Lesson.band_id)
        .outerjoin(PracticeRoom, PracticeRoom.id == Lesson.room_id)
        .where(Lesson.studio_id == studio_id)
    )


class SchedulingService:
    def __init__(self, db: Database) -> None:
        self._db = db

    def week(
        self,
        actor: Actor,
        start: date,
        days: int = 7,
        teacher_id: uuid.UUID | None = None,
    ) -> tuple[LessonRow, ...]:
        """Lessons starting on [start, start + days) in the studio's time zone, by start time."""
        require(actor, "schedule")
        if not 1 <= days <= 62:
            raise ValidationFailed({"days": "Show between 1 and 62 days."})
        with self._db.read_session() as s:
            first, after = local_day_bounds(studio_zone(s, actor.studio_id), start, days)
            query = lesson_rows_select(actor.studio_id).where(
                Lesson.scheduled_start >= first, Lesson.scheduled_start < after
            )
            if teacher_id is not None:
                query = query.where(Lesson.teacher_id == teacher_id)
            query = query.order_by(Lesson.scheduled_start, Lesson.id)
            rows = s.execute(query).all()
            return tuple(LessonRow.model_validate(r, from_attributes=True) for r in rows)
