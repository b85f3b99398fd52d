"""Lessons counted per studio day for the calendar's month view, in one statement."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import date, datetime
from typing import TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, literal, select
from sqlalchemy.orm import Session

from studiosync_desktop.models import Lesson, Student, Teacher
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.schemas.month import NOT_HELD, MonthDay

BAND = "Band"
K = TypeVar("K", uuid.UUID, str)


def month_days(
    s: Session, actor: Actor, zone: ZoneInfo, first: datetime, after: datetime,
    teacher_id: uuid.UUID | None = None, room_id: uuid.UUID | None = None,
    student_id: uuid.UUID | None = None,
) -> tuple[MonthDay, ...]:  # fmt: skip
    """The days in [first, after) that have lessons (by their start in the studio's zone),
    each split by teacher, instrument and status; a teacher counts their own only."""
    day = func.date(func.timezone(zone.key, Lesson.scheduled_start)).label("day")
    instrument = func.coalesce(
        func.nullif(Student.instrument, ""),
        case((Lesson.band_id.is_not(None), literal(BAND)), else_=literal("")),
    ).label("instrument")
    query = (
        select(day, Lesson.teacher_id, instrument, Lesson.status, func.count().label("n"))
        .outerjoin(Student, Student.id == Lesson.student_id)
        .where(
            Lesson.studio_id == actor.studio_id,
            Lesson.scheduled_start >= first,
            Lesson.scheduled_start < after,
        )
        .group_by(day, Lesson.teacher_id, instrument, Lesson.status)
    )
    if actor.role == "teacher":
        own = select(Teacher.id).where(Teacher.user_id == actor.user_id).scalar_subquery()
        query = query.where(Lesson.teacher_id == own)
        teacher_id = None
    for column, value in (
        (Lesson.teacher_id, teacher_id), (Lesson.room_id, room_id), (Lesson.student_id, student_id)
    ):  # fmt: skip
        if value is not None:
            query = query.where(column == value)
    teachers: dict[date, Counter[uuid.UUID]] = {}
    instruments: dict[date, Counter[str]] = {}
    statuses: dict[date, Counter[str]] = {}
    for on, teacher, what, status, n in s.execute(query):
        statuses.setdefault(on, Counter())[status] += n
        if status in NOT_HELD:  # the colours split what takes place
            continue
        teachers.setdefault(on, Counter())[teacher] += n
        instruments.setdefault(on, Counter())[what] += n
    return tuple(
        MonthDay(
            day=on,
            held=sum(n for st, n in counts.items() if st not in NOT_HELD),
            cancelled=sum(n for st, n in counts.items() if st in NOT_HELD),
            by_teacher=_ordered(teachers.get(on, Counter())),
            by_instrument=_ordered(instruments.get(on, Counter())),
            by_status=_ordered(counts),
        )
        for on, counts in sorted(statuses.items())
    )


def _ordered(counts: Counter[K]) -> tuple[tuple[K, int], ...]:
    """Most first, then by key: the same day draws the same way every time."""
    return tuple(sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0]))))
