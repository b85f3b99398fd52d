"""Teaching: lessons, recurring patterns, lesson notes, student goals and lesson plans."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Column,
    FetchedValue,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Table,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import TSTZRANGE, ExcludeConstraint, Range
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.schema import CheckConstraint

from studiosync_desktop.models.base import (
    Base,
    IdMixin,
    StudioOwnedMixin,
    TimestampMixin,
    empty_json_array,
    one_of,
)
from studiosync_desktop.vocabulary import (
    BLOCKING_LESSON_STATUSES,
    GOAL_STATUSES,
    LESSON_STATUSES,
    LESSON_TYPES,
    RECURRENCE_FREQUENCIES,
    WEEKDAYS,
)

BLOCKING_SQL = "(" + ", ".join(f"'{s}'" for s in BLOCKING_LESSON_STATUSES) + ")"


class RecurringPattern(IdMixin, TimestampMixin, StudioOwnedMixin, Base):
    """A series: every week, every two weeks, or the same weekday occurrence each month."""

    __tablename__ = "recurring_patterns"

    teacher_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("teachers.id", ondelete="CASCADE"), index=True
    )
    student_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("students.id", ondelete="CASCADE"), index=True
    )
    band_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("bands.id", ondelete="CASCADE"), index=True
    )
    room_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("practice_rooms.id", ondelete="SET NULL")
    )
    frequency: Mapped[str] = mapped_column(String(10))
    day_of_week: Mapped[str] = mapped_column(String(9))
    # For monthly series: which occurrence of the weekday (1..4, or 5 meaning "last").
    week_of_month: Mapped[int | None] = mapped_column(SmallInteger)
    time: Mapped[time]
    duration_minutes: Mapped[int]
    start_date: Mapped[date]
    end_date: Mapped[date | None]
    # The last date lessons were generated up to: an open-ended series moves it forward.
    generated_until: Mapped[date | None]
    lesson_type: Mapped[str] = mapped_column(String(10), server_default="private")
    location: Mapped[str] = mapped_column(String(200), server_default="")
    rate: Mapped[Decimal | None]
    is_active: Mapped[bool] = mapped_column(server_default=text("true"))

    __table_args__ = (
        CheckConstraint(one_of("frequency", RECURRENCE_FREQUENCIES), name="frequency_allowed"),
        CheckConstraint(one_of("day_of_week", WEEKDAYS), name="day_of_week_allowed"),
        CheckConstraint(one_of("lesson_type", LESSON_TYPES), name="lesson_type_allowed"),
        CheckConstraint("duration_minutes BETWEEN 5 AND 480", name="duration_in_range"),
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="end_after_start"),
        CheckConstraint(
            "week_of_month IS NULL OR week_of_month BETWEEN 1 AND 5", name="week_of_month_range"
        ),
        CheckConstraint("rate IS NULL OR rate >= 0", name="rate_not_negative"),
        CheckConstraint(
            "num_nonnulls(student_id, band_id, room_id) >= 1", name="has_student_band_or_room"
        ),
    )


class Lesson(IdMixin, TimestampMixin, StudioOwnedMixin, Base):
    """One lesson on the calendar.

    A lesson teaches a student, a band, or uses a room (at least one of the three); the room
    is a `PracticeRoom`, so lessons and room reservations share the same rooms.
    """

    __tablename__ = "lessons"

    teacher_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("teachers.id", ondelete="RESTRICT"))
    student_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("students.id", ondelete="RESTRICT")
    )
    band_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("bands.id", ondelete="RESTRICT"), index=True
    )
    room_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("practice_rooms.id", ondelete="RESTRICT"), index=True
    )
    scheduled_start: Mapped[datetime] = mapped_column(index=True)
    scheduled_end: Mapped[datetime]
    actual_start: Mapped[datetime | None]
    actual_end: Mapped[datetime | None]
    location: Mapped[str] = mapped_column(String(200), server_default="")
    lesson_type: Mapped[str] = mapped_column(String(10), server_default="private")
    status: Mapped[str] = mapped_column(String(12), server_default="scheduled", index=True)
    rate: Mapped[Decimal] = mapped_column(server_default=text("0"))
    recurring_pattern_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("recurring_patterns.id", ondelete="SET NULL"), index=True
    )
    # Which date of its series this lesson is (set when the series books it, kept when it
    # moves or is cancelled): a series never books that date again (migration 0058).
    occurrence_date: Mapped[date | None]
    lesson_plan_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("lesson_plans.id", ondelete="SET NULL")
    )
    cancellation_reason: Mapped[str] = mapped_column(Text, server_default="")
    cancelled_at: Mapped[datetime | None]
    cancelled_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    is_late_cancel: Mapped[bool] = mapped_column(server_default=text("false"))
    # Who asked for the cancellation (studio, teacher or student): decides the make-up credit.
    cancelled_on_behalf_of: Mapped[str | None] = mapped_column(String(10))
    # [start, end + the teacher's booking buffer): set by a trigger from the teacher's buffer,
    # so the exclusion constraint below keeps the buffer free between two lessons.
    teacher_busy: Mapped[Range[datetime]] = mapped_column(
        TSTZRANGE, server_default=FetchedValue(), server_onupdate=FetchedValue()
    )

    __table_args__ = (
        ExcludeConstraint(
            ("teacher_id", "="),
            ("teacher_busy", "&&"),
            name="ex_lessons_teacher_busy",
            using="gist",
            where=text(f"status IN {BLOCKING_SQL}"),
        ),
        CheckConstraint(one_of("status", LESSON_STATUSES), name="status_allowed"),
        CheckConstraint(one_of("lesson_type", LESSON_TYPES), name="lesson_type_allowed"),
        CheckConstraint("scheduled_end > scheduled_start", name="end_after_start"),
        CheckConstraint(
            "actual_end IS NULL OR actual_start IS NULL OR actual_end >= actual_start",
            name="actual_end_after_start",
        ),
        CheckConstraint("rate >= 0", name="rate_not_negative"),
        CheckConstraint(
            "num_nonnulls(student_id, band_id, room_id) >= 1", name="has_student_band_or_room"
        ),
        CheckConstraint(
            "status = 'cancelled' OR cancelled_at IS NULL", name="cancelled_at_only_if_cancelled"
        ),
        CheckConstraint(
            "cancelled_on_behalf_of IS NULL OR cancelled_on_behalf_of IN "
            "('studio', 'teacher', 'student')",
            name="cancelled_on_behalf_of_allowed",
        ),
        Index("ix_lessons_teacher_id_scheduled_start", "teacher_id", "scheduled_start"),
        # A teacher's students, which a teacher's row security asks on every query (0031).
        Index("ix_lessons_teacher_id_student_id", "teacher_id", "student_id"),
        Index("ix_lessons_student_id_scheduled_start", "student_id", "scheduled_start"),
        # The calendar's week of one studio (migration 0007_scheduling_more).
        Index("ix_lessons_studio_id_scheduled_start", "studio_id", "scheduled_start"),
        # Teacher pay: lessons changed since the last pay run was approved (0031).
        Index("ix_lessons_studio_id_updated_at", "studio_id", "updated_at"),
        # One lesson per date of a series, whatever became of it (migration 0058).
        Index(
            "uq_lessons_series_occurrence",
            "recurring_pattern_id",
            "occurrence_date",
            unique=True,
            postgresql_where=text("occurrence_date IS NOT NULL"),
        ),
    )

    notes: Mapped[list[LessonNote]] = relationship(back_populates="lesson")


# Who is in which lesson, when: the student, and the members of a band for the band's coming
# lessons. Kept by triggers on lessons and band_members; the exclusion constraint is what makes
# "a person can't be in two lessons at once" true under concurrency.
lesson_attendance = Table(
    "lesson_attendance",
    Base.metadata,
    Column("lesson_id", ForeignKey("lessons.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("during", TSTZRANGE, nullable=False),
    ExcludeConstraint(
        ("user_id", "="), ("during", "&&"), name="ex_lesson_attendance_person_busy", using="gist"
    ),
)


class LessonNote(IdMixin, TimestampMixin, StudioOwnedMixin, Base):
    __tablename__ = "lesson_notes"

    lesson_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("lessons.id", ondelete="CASCADE"), index=True
    )
    teacher_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("teachers.id", ondelete="CASCADE"), index=True
    )
    summary: Mapped[str] = mapped_column(Text, server_default="")
    topics_covered: Mapped[list[Any]] = mapped_column(server_default=empty_json_array())
    assignments: Mapped[list[Any]] = mapped_column(server_default=empty_json_array())
    strengths: Mapped[list[Any]] = mapped_column(server_default=empty_json_array())
    challenges: Mapped[list[Any]] = mapped_column(server_default=empty_json_array())
    homework: Mapped[str] = mapped_column(Text, server_default="")
    visible_to_student: Mapped[bool] = mapped_column(server_default=text("true"))
    visible_to_parent: Mapped[bool] = mapped_column(server_default=text("true"))

    lesson: Mapped[Lesson] = relationship(back_populates="notes")


class StudentGoal(IdMixin, TimestampMixin, StudioOwnedMixin, Base):
    __tablename__ = "student_goals"

    student_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("students.id", ondelete="CASCADE"), index=True
    )
    teacher_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("teachers.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, server_default="")
    target_date: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(10), server_default="active")
    progress_percentage: Mapped[int] = mapped_column(server_default=text("0"))

    __table_args__ = (
        CheckConstraint(one_of("status", GOAL_STATUSES), name="status_allowed"),
        CheckConstraint("progress_percentage BETWEEN 0 AND 100", name="progress_0_to_100"),
    )


class LessonPlan(IdMixin, TimestampMixin, StudioOwnedMixin, Base):
    __tablename__ = "lesson_plans"

    teacher_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("teachers.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, server_default="")
    specialty: Mapped[str] = mapped_column(String(100), server_default="")
    duration_minutes: Mapped[int] = mapped_column(server_default=text("30"))
    objectives: Mapped[list[Any]] = mapped_column(server_default=empty_json_array())
    materials: Mapped[list[Any]] = mapped_column(server_default=empty_json_array())
    activities: Mapped[list[Any]] = mapped_column(server_default=empty_json_array())
    tags: Mapped[list[str]] = mapped_column(server_default=empty_json_array())
    is_public: Mapped[bool] = mapped_column(server_default=text("false"))

    __table_args__ = (
        CheckConstraint("duration_minutes BETWEEN 5 AND 480", name="duration_in_range"),
    )
