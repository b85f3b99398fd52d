"""Scheduling DTOs: lesson input, series, cancellations, closures, credits, notes and clashes."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from decimal import Decimal
from typing import Literal

from pydantic import Field, model_validator

from studiosync_desktop.schemas.common import Frozen, Input

LessonType = Literal["private", "group", "ensemble", "online", "makeup"]
LessonStatus = Literal["scheduled", "in_progress", "completed", "cancelled", "no_show"]
CancelParty = Literal["studio", "teacher", "student"]
Frequency = Literal["weekly", "biweekly", "monthly"]
SeriesScope = Literal["this", "following", "all"]


class LessonInput(Input):
    """What the lesson dialog sends to create or edit a lesson (times are aware datetimes)."""

    teacher_id: uuid.UUID
    student_id: uuid.UUID | None = None
    band_id: uuid.UUID | None = None
    room_id: uuid.UUID | None = None
    lesson_type: LessonType = "private"
    start: datetime
    end: datetime
    location: str = Field(default="", max_length=200)
    # None: the teacher's hourly rate times the duration, rounded half-up to the cent.
    rate: Decimal | None = Field(default=None, ge=0, max_digits=12, decimal_places=2)
    # The desk said yes to booking outside the teacher's hours or over an outside event.
    accept_outside: bool = False

    @model_validator(mode="after")
    def _check(self) -> LessonInput:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("Start and end need a time zone")
        if self.end <= self.start:
            raise ValueError("The lesson must end after it starts")
        if (self.end - self.start).total_seconds() > 8 * 3600:
            raise ValueError("A lesson lasts at most 8 hours")
        if self.student_id is None and self.band_id is None and self.room_id is None:
            raise ValueError("Choose a student, a band or a room")
        return self


class SeriesInput(Input):
    """A recurring series: from `start_date` (its weekday and, monthly, its week of month)."""

    teacher_id: uuid.UUID
    student_id: uuid.UUID | None = None
    band_id: uuid.UUID | None = None
    room_id: uuid.UUID | None = None
    lesson_type: LessonType = "private"
    frequency: Frequency = "weekly"
    start_date: date
    end_date: date | None = None
    start_time: time
    duration_minutes: int = Field(default=30, ge=5, le=480)
    location: str = Field(default="", max_length=200)
    rate: Decimal | None = Field(default=None, ge=0, max_digits=12, decimal_places=2)
    # Monthly: 1..4, or 5 for "the last"; None means "as on the start date".
    week_of_month: int | None = Field(default=None, ge=1, le=5)
    # The desk said yes to lessons outside the teacher's hours or over outside events.
    accept_outside: bool = False

    @model_validator(mode="after")
    def _check(self) -> SeriesInput:
        if self.end_date is not None and self.end_date < self.start_date:
            raise ValueError("The series must end on or after its first day")
        if self.student_id is None and self.band_id is None and self.room_id is None:
            raise ValueError("Choose a student, a band or a room")
        if self.lesson_type == "makeup":
            raise ValueError("A make-up lesson is booked once, not as a series")
        return self


class Clash(Frozen):
    """One occurrence that cannot be booked, and why (who, where, when)."""

    start: datetime
    end: datetime
    message: str


class SeriesPreview(Frozen):
    occurrences: int
    closures_skipped: int
    clashes: tuple[Clash, ...]


class SeriesResult(Frozen):
    pattern_id: uuid.UUID
    created: int
    skipped: tuple[Clash, ...]
    closures_skipped: int


class TermResult(Frozen):
    """Many series created at once (a term's timetable): one result per series, in order."""

    series: tuple[SeriesResult, ...]
    created: int


class CancelInput(Input):
    reason: str = Field(min_length=1, max_length=500)
    on_behalf_of: CancelParty = "studio"


class BatchCancelInput(Input):
    """Every lesson starting in [start, end), e.g. a snow day; optionally one teacher or room."""

    start: datetime
    end: datetime
    reason: str = Field(min_length=1, max_length=500)
    on_behalf_of: CancelParty = "studio"
    teacher_id: uuid.UUID | None = None
    room_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _check(self) -> BatchCancelInput:
        if self.end <= self.start:
            raise ValueError("The window must end after it starts")
        return self


class BatchCancelResult(Frozen):
    cancelled: int
    late: int
    credits_issued: int


class LessonDetail(Frozen):
    """One lesson as the lesson dialog shows it."""

    id: uuid.UUID
    teacher_id: uuid.UUID
    teacher_name: str
    student_id: uuid.UUID | None
    student_name: str
    band_id: uuid.UUID | None
    band_name: str
    room_id: uuid.UUID | None
    room_name: str
    lesson_type: str
    status: str
    start: datetime
    end: datetime
    location: str
    rate: Decimal
    recurring_pattern_id: uuid.UUID | None
    lesson_plan_id: uuid.UUID | None
    cancellation_reason: str
    cancelled_at: datetime | None
    cancelled_by_name: str
    cancelled_on_behalf_of: str | None
    is_late_cancel: bool
    makeup_credits: int  # the student's usable credits now


class Choice(Frozen):
    id: uuid.UUID
    name: str
    detail: str = ""


class BookingChoices(Frozen):
    """The lists of the lesson dialog: active teachers, students, bands, rooms and plans."""

    teachers: tuple[Choice, ...]
    students: tuple[Choice, ...]
    bands: tuple[Choice, ...]
    rooms: tuple[Choice, ...]
    plans: tuple[Choice, ...]
    teacher_rates: dict[str, Decimal]
    # The studio's default lesson length (its settings): a new lesson or series starts so.
    default_minutes: int = 45


class Closure(Frozen):
    id: uuid.UUID
    closed_on: date
    reason: str
    cancelled: int = 0  # lessons of that day cancelled with it (see ClosureInput)


class ClosureInput(Input):
    closed_on: date
    reason: str = Field(default="", max_length=200)
    # Also cancel the day's scheduled lessons, in the same transaction (the studio cancels:
    # make-up credits follow the studio's policy).
    cancel_lessons: bool = False


class CreditRow(Frozen):
    id: uuid.UUID
    student_id: uuid.UUID
    source_lesson_id: uuid.UUID  # the cancelled lesson that earned it
    source_lesson_start: datetime
    earned_at: datetime
    expires_on: date
    used_by_lesson_id: uuid.UUID | None
    state: Literal["available", "used", "expired"]


class LessonNoteInput(Input):
    summary: str = Field(default="", max_length=5000)
    topics_covered: tuple[str, ...] = ()
    assignments: tuple[str, ...] = ()
    strengths: tuple[str, ...] = ()
    challenges: tuple[str, ...] = ()
    homework: str = Field(default="", max_length=5000)
    visible_to_student: bool = True
    visible_to_parent: bool = True


class LessonNoteView(LessonNoteInput):
    id: uuid.UUID | None = None
    updated_at: datetime | None = None


class GoalRow(Frozen):
    id: uuid.UUID
    title: str
    status: str
    progress_percentage: int
    target_date: date | None


class DaySheetLine(Frozen):
    start: datetime
    end: datetime
    student_name: str
    teacher_name: str
    room_name: str
    lesson_type: str
    status: str


class DaySheetPage(Frozen):
    heading: str
    lines: tuple[DaySheetLine, ...]


class DaySheet(Frozen):
    studio_name: str
    timezone: str
    day: date
    by: Literal["teacher", "room"]
    pages: tuple[DaySheetPage, ...]
    # How the printed page looks: the studio's paper size (by locale) and theme colour.
    locale: str = "en_US"
    accent: str = "#3b6ea5"
    logo: bytes | None = None
