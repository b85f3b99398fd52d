"""Reading lessons as the calendar shows them: `LessonRow`s of a studio, fast and by day."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, TextClause, func, literal, or_, select, text
from sqlalchemy.orm import Session, aliased

from studiosync_desktop.models import Band, Lesson, PracticeRoom, Student, Teacher, User
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.schemas.rows import LessonRow
from studiosync_desktop.services.reading import full_name
from studiosync_desktop.services.together import read_together


def who_name(student_user: Any) -> Any:
    """Who a lesson is for, as the desk says it: the student, else the band, else ''.
    (The query joins the student's user as `student_user` and the band.)"""
    return func.coalesce(
        func.nullif(full_name(student_user.first_name, student_user.last_name), ""),
        Band.name,
        literal(""),
    )


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
            who_name(student_user).label("student_name"),
            func.coalesce(PracticeRoom.name, literal("")).label("room_name"),
            Lesson.status,
            Lesson.lesson_type,
            Lesson.rate,
            Lesson.room_id,
            Lesson.student_id,
            Lesson.band_id,
        )
        .join(Teacher, Teacher.id == Lesson.teacher_id)
        .join(teacher_user, teacher_user.id == Teacher.user_id)
        .outerjoin(Student, Student.id == Lesson.student_id)
        .outerjoin(student_user, student_user.id == Student.user_id)
        .outerjoin(Band, Band.id == Lesson.band_id)
        .outerjoin(PracticeRoom, PracticeRoom.id == Lesson.room_id)
        .where(Lesson.studio_id == studio_id)
    )


# The names a page of lessons shows, in one round trip: lessons are read alone (by the
# (studio_id, scheduled_start) index) and their few distinct people and rooms are looked up
# here. Joining four name tables to every lesson cost more to plan than to run.
NAMES_SQL = text(
    """
    SELECT 't' AS kind, t.id, trim(concat(u.first_name, ' ', u.last_name)) AS name
      FROM teachers t JOIN users u ON u.id = t.user_id
     WHERE t.studio_id = :studio
    UNION ALL
    SELECT 'b', b.id, b.name FROM bands b WHERE b.studio_id = :studio
    UNION ALL
    SELECT 'r', r.id, r.name FROM practice_rooms r WHERE r.studio_id = :studio
    """
)


_LESSON_ROW_FIELDS = frozenset(LessonRow.model_fields)
_set_attribute = object.__setattr__


def trusted_lesson_row(**values: Any) -> LessonRow:
    """What `LessonRow.model_construct` makes, for rows that give every field from typed
    columns, without its per-field loop (a third of the week's service time at ~2,000 rows).
    tests/services/test_scheduling_outputs.py checks it equals a validated row."""
    row = LessonRow.__new__(LessonRow)
    _set_attribute(row, "__dict__", values)
    _set_attribute(row, "__pydantic_fields_set__", set(_LESSON_ROW_FIELDS))
    _set_attribute(row, "__pydantic_extra__", None)
    _set_attribute(row, "__pydantic_private__", None)
    return row


def read_lesson_rows(s: Session, studio_id: uuid.UUID, query: Select[Any]) -> tuple[LessonRow, ...]:
    """`LessonRow`s for `lesson_columns()` plus the caller's filters and order.

    Teachers, bands and rooms are few (tens): their names come in one small query instead of
    three more joins per lesson, sent with the lessons' query in one round trip
    (`together.read_together`). The rows come from our own typed columns, so the DTOs are
    built without re-validation (`trusted_lesson_row`): a week of the large studio is ~1,900
    rows.
    """
    lessons, names = read_together(s, [query, lesson_names(studio_id)])
    return lesson_rows_from(lessons, names)


def lesson_names(studio_id: uuid.UUID) -> TextClause:
    """The names `lesson_rows_from` gives its lessons: the studio's teachers, bands, rooms."""
    return NAMES_SQL.bindparams(studio=studio_id)


def lesson_rows_from(lessons: Sequence[Any], name_rows: Iterable[Any]) -> tuple[LessonRow, ...]:
    """`LessonRow`s from the rows of a `lesson_columns()` query and of `lesson_names`."""
    if not lessons:
        return ()
    names: dict[uuid.UUID, str] = {r.id: r.name for r in name_rows}
    construct = trusted_lesson_row
    # Rows unpacked by position (the order of `lesson_columns`): attribute access per field
    # cost as much as building the DTO.
    return tuple(
        construct(
            id=lesson_id,
            start=start,
            end=end,
            teacher_id=teacher_id,
            teacher_name=names.get(teacher_id, ""),
            student_name=student_name or (names.get(band_id, "") if band_id else ""),
            room_name=names.get(room_id, "") if room_id else "",
            status=status,
            lesson_type=lesson_type,
            rate=rate,
            room_id=room_id,
            student_id=student_id,
            band_id=band_id,
            instrument=instrument or ("Band" if band_id else ""),
        )
        for (
            lesson_id,
            start,
            end,
            teacher_id,
            student_id,
            band_id,
            room_id,
            status,
            lesson_type,
            rate,
            student_name,
            instrument,
        ) in lessons
    )


def lessons_starting(
    s: Session, actor: Actor, first: datetime, after: datetime, teacher_id: uuid.UUID | None = None,
    room_id: uuid.UUID | None = None, student_id: uuid.UUID | None = None,
) -> tuple[LessonRow, ...]:  # fmt: skip
    """Lessons starting in [first, after), by start; a teacher's own only ("My schedule")."""
    query = lessons_starting_query(actor, first, after, teacher_id, room_id, student_id)
    return read_lesson_rows(s, actor.studio_id, query)


def lessons_starting_query(
    actor: Actor, first: datetime, after: datetime, teacher_id: uuid.UUID | None = None,
    room_id: uuid.UUID | None = None, student_id: uuid.UUID | None = None,
) -> Select[Any]:  # fmt: skip
    """The query of `lessons_starting` (for `lesson_rows_from`), to send with other reads."""
    query = lesson_columns(actor.studio_id).where(
        Lesson.scheduled_start >= first, Lesson.scheduled_start < after
    )
    if actor.role == "teacher":
        # Their own lessons, in the same statement (none for a teacher account without a
        # teacher record); whichever teacher was asked for.
        own = select(Teacher.id).where(Teacher.user_id == actor.user_id).scalar_subquery()
        query = query.where(Lesson.teacher_id == own)
        teacher_id = None
    for column, value in (
        (Lesson.teacher_id, teacher_id), (Lesson.room_id, room_id), (Lesson.student_id, student_id)
    ):  # fmt: skip
        if value is not None:
            query = query.where(column == value)
    return query.order_by(Lesson.scheduled_start, Lesson.id)


def unmarked_before_query(actor: Actor, before: datetime, limit: int) -> Select[Any]:
    """A teacher's own lessons that ended before `before` and are still scheduled or checked
    in (attendance not marked), the newest `limit` first (for `lesson_rows_from`)."""
    own = select(Teacher.id).where(Teacher.user_id == actor.user_id).scalar_subquery()
    query = lesson_columns(actor.studio_id).where(
        Lesson.teacher_id == own,
        Lesson.scheduled_start < before,
        Lesson.scheduled_end <= before,
        # Not IN (...): expanding values cannot travel in `together.read_together`.
        or_(Lesson.status == "scheduled", Lesson.status == "in_progress"),
    )
    order = (Lesson.scheduled_start.desc(), Lesson.id.desc())
    return query.order_by(*order).limit(limit)


def lesson_columns(studio_id: uuid.UUID) -> Select[Any]:
    """A lesson's columns for a `LessonRow` and its student's name; see `read_lesson_rows`."""
    student_user = aliased(User, name="student_user")
    query: Any = (
        select(
            Lesson.id,
            Lesson.scheduled_start.label("start"),
            Lesson.scheduled_end.label("end"),
            Lesson.teacher_id,
            Lesson.student_id,
            Lesson.band_id,
            Lesson.room_id,
            Lesson.status,
            Lesson.lesson_type,
            Lesson.rate,
            full_name(student_user.first_name, student_user.last_name).label("student_name"),
            Student.instrument,
        )
        .outerjoin(Student, Student.id == Lesson.student_id)
        .outerjoin(student_user, student_user.id == Student.user_id)
        .where(Lesson.studio_id == studio_id)
    )
    return query  # type: ignore[no-any-return]
