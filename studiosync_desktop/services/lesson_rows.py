"""Reading lessons as the calendar shows them: `LessonRow`s of a studio, fast and by day."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Select, Uuid, bindparam, func, literal, or_, select, text
from sqlalchemy.orm import Session, aliased

from studiosync_desktop.models import Band, Lesson, PracticeRoom, Student, Teacher, User
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.schemas.rows import LessonRow
from studiosync_desktop.services.reading import full_name
from studiosync_desktop.services.together import Bound, read_together
from studiosync_desktop.services.trusted_rows import row_maker


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
# A teacher's name is read by its user's key: joined, the users were read whole, and a
# teacher's login then worked out the users it may see (its students') for each of them
# (2.7 ms; 0.4 ms so: a staff member's row passes the policy before that list is needed).
# A teacher whose user is not to be seen is named '', as when none is found.
NAMES_SQL = text(
    """
        SELECT 't' AS kind, t.id,
               coalesce((SELECT trim(concat(u.first_name, ' ', u.last_name))
                           FROM users u WHERE u.id = t.user_id), '') AS name
          FROM teachers t
         WHERE t.studio_id = :studio
        UNION ALL
        SELECT 'b', b.id, b.name FROM bands b WHERE b.studio_id = :studio
        UNION ALL
        SELECT 'r', r.id, r.name FROM practice_rooms r WHERE r.studio_id = :studio
        """
).bindparams(bindparam("studio", type_=Uuid))


_lesson_row = row_maker(LessonRow)


def read_lesson_rows(
    s: Session, studio_id: uuid.UUID, query: Select[Any] | Bound
) -> tuple[LessonRow, ...]:
    """`LessonRow`s for `lesson_columns()` plus the caller's filters and order.

    Teachers, bands and rooms are few (tens): their names come in one small query instead of
    three more joins per lesson, sent with the lessons' query in one round trip
    (`together.read_together`). The rows come from our own typed columns, so the DTOs are
    built without re-validation (`lesson_rows_from`): a week of the large studio is ~1,900
    rows.
    """
    lessons, names = read_together(s, [query, lesson_names(studio_id)])
    return lesson_rows_from(lessons, names)


def lesson_names(studio_id: uuid.UUID) -> Bound:
    """The names `lesson_rows_from` gives its lessons: the studio's teachers, bands, rooms."""
    return Bound(NAMES_SQL, {"studio": studio_id})


def lesson_rows_from(lessons: Sequence[Any], name_rows: Iterable[Any]) -> tuple[LessonRow, ...]:
    """`LessonRow`s from the rows of a `lesson_columns()` query and of `lesson_names`.

    A week of the large studio is ~1,900 rows, so the loop is written for speed. Each DTO is
    made without re-validation (`trusted_rows`; tests/services/test_scheduling_outputs.py
    checks a row equals a validated one). Rows are unpacked by position (the order of
    `lesson_columns`) and the look-ups bound to locals: a call with keyword arguments per row
    cost as much as the database's own work for the row.
    """
    if not lessons:
        return ()
    # Keyed by the ids' integers: a UUID's own hash and equality are Python methods, called
    # for each of ~3 look-ups a row; an int's are not.
    names: dict[int, str] = {r.id.int: r.name for r in name_rows}
    name_of = names.get
    make = _lesson_row
    rows: list[LessonRow] = []
    keep = rows.append
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
    ) in lessons:
        keep(
            make(
                {
                    "id": lesson_id,
                    "start": start,
                    "end": end,
                    "teacher_id": teacher_id,
                    "teacher_name": name_of(teacher_id.int, ""),
                    "student_name": student_name or (name_of(band_id.int, "") if band_id else ""),
                    "room_name": name_of(room_id.int, "") if room_id else "",
                    "status": status,
                    "lesson_type": lesson_type,
                    "rate": rate,
                    "room_id": room_id,
                    "student_id": student_id,
                    "band_id": band_id,
                    "instrument": instrument or ("Band" if band_id else ""),
                }
            )
        )
    return tuple(rows)


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
) -> Bound:  # fmt: skip
    """The query of `lessons_starting` (for `lesson_rows_from`), to send with other reads.

    A teacher sees their own lessons, whichever teacher was asked for. The statement for each
    set of filters is built and compiled once (`_starting`), this call's values bound to it."""
    own = actor.role == "teacher"
    if own:
        teacher_id = None
    values: dict[str, Any] = {"studio": actor.studio_id, "first": first, "after": after}
    if own:
        values["user"] = actor.user_id
    for key, value in (("teacher", teacher_id), ("room", room_id), ("student", student_id)):
        if value is not None:
            values[key] = value
    shape = _starting(own, teacher_id is not None, room_id is not None, student_id is not None)
    # Binary: uuids, times and rates read without parsing text; tuples: read by position.
    return Bound(shape, values, binary=True, tuples=True)


@cache
def _starting(own: bool, by_teacher: bool, by_room: bool, by_student: bool) -> Select[Any]:
    """The statement of `lessons_starting_query` for one set of filters, values left open
    (kept by the cache: `together` compiles each once)."""
    query = _lesson_columns().where(
        Lesson.studio_id == bindparam("studio"),
        Lesson.scheduled_start >= bindparam("first"),
        Lesson.scheduled_start < bindparam("after"),
    )
    if own:
        # Their own lessons, in the same statement (none for a teacher account without a
        # teacher record).
        mine = select(Teacher.id).where(Teacher.user_id == bindparam("user")).scalar_subquery()
        query = query.where(Lesson.teacher_id == mine)
    for column, key, wanted in (
        (Lesson.teacher_id, "teacher", by_teacher), (Lesson.room_id, "room", by_room),
        (Lesson.student_id, "student", by_student),
    ):  # fmt: skip
        if wanted:
            query = query.where(column == bindparam(key))
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
    """A lesson's columns for a `LessonRow` and its student's name, for lessons of one studio;
    see `read_lesson_rows`."""
    return _lesson_columns().where(Lesson.studio_id == studio_id)


def _lesson_columns() -> Select[Any]:
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
    )
    return query  # type: ignore[no-any-return]
