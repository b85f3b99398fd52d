"""Series generation: occurrence dates, and the set-based insert of a series' lessons."""

from __future__ import annotations

import json
import uuid
from calendar import monthrange
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from studiosync_desktop.models import Lesson, StudioClosure
from studiosync_desktop.vocabulary import WEEKDAYS
from studiosync_desktop.zones import minutes_after


def week_of_month(day: date) -> int:
    """1 for the first Tuesday of a month, 2 for the second... (5 is kept for 'the last')."""
    return (day.day - 1) // 7 + 1


def _nth_weekday(year: int, month: int, weekday: int, nth: int) -> date | None:
    first = date(year, month, 1)
    offset = (weekday - first.weekday()) % 7
    days_in_month = monthrange(year, month)[1]
    if nth >= 5:  # the last such weekday of the month
        day = 1 + offset + 7 * ((days_in_month - 1 - offset) // 7)
        return date(year, month, day)
    day = 1 + offset + 7 * (nth - 1)
    return date(year, month, day) if day <= days_in_month else None


def occurrence_dates(
    frequency: str,
    anchor: date,
    weekday: int,
    nth: int | None,
    first: date,
    last: date,
) -> list[date]:
    """The dates of a series anchored on `anchor`, within [first, last].

    Weekly and every-two-weeks series count weeks from the anchor, so a split series keeps
    its rhythm; monthly series take the `nth` weekday of each month (5 = the last).
    """
    if last < first:
        return []
    days: list[date] = []
    if frequency in ("weekly", "biweekly"):
        step = 7 if frequency == "weekly" else 14
        start = anchor + timedelta(days=(weekday - anchor.weekday()) % 7)
        if first > start:
            periods = -(-(first - start).days // step)
            start += timedelta(days=periods * step)
        day = start
        while day <= last:
            days.append(day)
            day += timedelta(days=step)
        return days
    n = nth or week_of_month(anchor)
    year, month = first.year, first.month
    while date(year, month, 1) <= last:
        day_or_none = _nth_weekday(year, month, weekday, n)
        if day_or_none is not None and first <= day_or_none <= last and day_or_none >= anchor:
            days.append(day_or_none)
        month += 1
        if month == 13:
            year, month = year + 1, 1
    return days


def dates_had(
    s: Session, pattern_ids: list[uuid.UUID], first: date, last: date
) -> set[tuple[uuid.UUID | None, date | None]]:
    """(series, date) of every lesson these series already have from `first` to `last`, in
    any status: cancelled, moved elsewhere, marked. A series books each of its dates once
    (migration 0058: a cancelled lesson clashes with nothing, so it was booked again)."""
    if not pattern_ids:
        return set()
    rows = s.execute(
        select(Lesson.recurring_pattern_id, Lesson.occurrence_date).where(
            Lesson.recurring_pattern_id.in_(pattern_ids),
            Lesson.occurrence_date >= first,
            Lesson.occurrence_date <= last,
        )
    )
    return {(r[0], r[1]) for r in rows}


def closed_days(s: Session, studio_id: uuid.UUID, first: date, last: date) -> set[date]:
    rows = s.scalars(
        select(StudioClosure.closed_on).where(
            StudioClosure.studio_id == studio_id,
            StudioClosure.closed_on >= first,
            StudioClosure.closed_on <= last,
        )
    )
    return set(rows)


@dataclass(frozen=True)
class Occurrence:
    """One lesson to book: who, where and when (aware datetimes)."""

    teacher_id: uuid.UUID
    student_id: uuid.UUID | None
    band_id: uuid.UUID | None
    room_id: uuid.UUID | None
    start: datetime
    end: datetime


@dataclass(frozen=True)
class PatternShape:
    """The fields of a series that make its lessons."""

    pattern_id: uuid.UUID | None
    teacher_id: uuid.UUID
    student_id: uuid.UUID | None
    band_id: uuid.UUID | None
    room_id: uuid.UUID | None
    frequency: str
    anchor: date
    day_of_week: str
    week_of_month: int | None
    start_time: time
    duration_minutes: int
    lesson_type: str
    location: str
    rate: Decimal

    def occurrences(self, zone: ZoneInfo, days: list[date]) -> list[Occurrence]:
        # Wall-clock time in the studio's zone: 16:00 stays 16:00 across a DST change.
        out = []
        for day in days:
            start = datetime.combine(day, self.start_time, zone)
            out.append(
                Occurrence(
                    self.teacher_id,
                    self.student_id,
                    self.band_id,
                    self.room_id,
                    start,
                    minutes_after(start, self.duration_minutes),
                )
            )
        return out

    def dates(self, first: date, last: date) -> list[date]:
        return occurrence_dates(
            self.frequency,
            self.anchor,
            WEEKDAYS.index(self.day_of_week),
            self.week_of_month,
            first,
            last,
        )


def array_literal(values: Iterable[uuid.UUID | str | None]) -> str:
    """A PostgreSQL array literal of uuids or ISO-8601 timestamps (neither ever holds a comma,
    brace, quote, backslash or space, so nothing needs quoting). Sent as one text parameter
    and cast in SQL: psycopg's list parameters cost ~25 us an element in Python, and an array
    constant, unlike JSON, tells the planner how many rows come."""
    texts: dict[object, str] = {}  # a batch names the same few teachers and students often
    parts = []
    for v in values:
        text_of = texts.get(v)
        if text_of is None:
            text_of = texts[v] = "NULL" if v is None else str(v)
        parts.append(text_of)
    return "{" + ",".join(parts) + "}"


def _text(value: object) -> str | None:
    return None if value is None else str(value)


INSERT_MANY_LESSONS = text(
    """
    INSERT INTO lessons (studio_id, teacher_id, student_id, band_id, room_id, scheduled_start,
                         scheduled_end, location, lesson_type, rate, recurring_pattern_id,
                         occurrence_date)
    SELECT :studio_id, o.teacher_id, o.student_id, o.band_id, o.room_id, o.s, o.e,
           o.location, o.lesson_type, o.rate, o.pattern_id, o.d
      FROM json_to_recordset(CAST(:rows AS json))
           AS o(teacher_id uuid, student_id uuid, band_id uuid, room_id uuid, s timestamptz,
                e timestamptz, location text, lesson_type text, rate numeric, pattern_id uuid,
                d date)
    """
)


def insert_many_occurrences(
    s: Session, studio_id: uuid.UUID, planned: list[tuple[PatternShape, Occurrence]]
) -> int:
    """One INSERT for the lessons of one or many series (each shape carries its pattern id,
    each occurrence is one of its shape's), so the booking triggers run once, per statement.
    The rows go as one JSON text: psycopg's list parameters cost ~25 us an element."""
    if not planned:
        return 0
    fixed: dict[int, dict[str, str | None]] = {}  # what a series' lessons share, as text
    rows = []
    for shape, o in planned:
        series = fixed.get(id(shape))
        if series is None:
            series = fixed[id(shape)] = {
                "teacher_id": str(shape.teacher_id),
                "student_id": _text(shape.student_id),
                "band_id": _text(shape.band_id),
                "room_id": _text(shape.room_id),
                "location": shape.location,
                "lesson_type": shape.lesson_type,
                "rate": str(shape.rate),
                "pattern_id": _text(shape.pattern_id),
            }
        # The occurrence's date: its start is on that day in the studio's zone (`occurrences`).
        day = o.start.date().isoformat() if shape.pattern_id is not None else None
        rows.append({**series, "s": o.start.isoformat(), "e": o.end.isoformat(), "d": day})
    s.execute(INSERT_MANY_LESSONS, {"studio_id": studio_id, "rows": json.dumps(rows)})
    return len(planned)


def internal_clashes(
    planned: list[Occurrence], buffers: dict[uuid.UUID, int]
) -> list[tuple[int, int, str]]:
    """(index, index of the earlier booking it hits, 'teacher'/'student'/'band'/'room') among
    new occurrences that are not in the database yet; the earlier start (then the earlier
    index) keeps its slot. A teacher also needs their buffer between two lessons."""
    starts = [o.start for o in planned]
    order = sorted(range(len(planned)), key=starts.__getitem__)  # stable: ties by index
    # Who and what each occurrence occupies, as small ints (a series' lessons share them).
    number: dict[tuple[str, uuid.UUID], int] = {}
    keys_of: dict[tuple[uuid.UUID | None, ...], list[tuple[int, str, bool]]] = {}
    busy: dict[int, tuple[datetime, int]] = {}
    out: list[tuple[int, int, str]] = []
    for i in order:
        o = planned[i]
        who = (o.teacher_id, o.student_id, o.band_id, o.room_id)
        keys = keys_of.get(who)
        if keys is None:
            named = (("teacher", o.teacher_id), ("student", o.student_id), ("band", o.band_id),
                     ("room", o.room_id))  # fmt: skip
            keys = keys_of[who] = [
                (number.setdefault((kind, v), len(number)), kind, kind == "teacher")
                for kind, v in named
                if v is not None
            ]
        hit = next(((kind, busy[k][1]) for k, kind, _ in keys
                    if k in busy and o.start < busy[k][0]), None)  # fmt: skip
        if hit is not None:
            out.append((i, hit[1], hit[0]))
            continue
        pad = timedelta(minutes=buffers.get(o.teacher_id, 0))
        for k, _kind, is_teacher in keys:
            until = o.end + pad if is_teacher else o.end
            if k not in busy or busy[k][0] < until:
                busy[k] = (until, i)
    return out
