"""Series: recurring lessons previewed, booked (one or a term at once), edited, ended, extended."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, exists, func, insert, select, text, update
from sqlalchemy.orm import Session

from studiosync_desktop.errors import NotFound, ValidationFailed
from studiosync_desktop.models import (
    Band,
    InvoiceLineItem,
    Lesson,
    PracticeRoom,
    RecurringPattern,
    Student,
    Teacher,
    User,
)
from studiosync_desktop.schemas.common import Actor, parse_input, parse_value
from studiosync_desktop.schemas.scheduling import (
    Clash,
    LessonInput,
    SeriesInput,
    SeriesPreview,
    SeriesResult,
    SeriesScope,
    TermResult,
)
from studiosync_desktop.services import makeup_credits as credits
from studiosync_desktop.services.clashes import BookingClash, clash_span, find_clashes
from studiosync_desktop.services.outside_hours import confirm_series
from studiosync_desktop.services.permissions import require
from studiosync_desktop.services.reading import full_name
from studiosync_desktop.services.recurrence import (
    Occurrence,
    PatternShape,
    array_literal,
    closed_days,
    dates_had,
    insert_many_occurrences,
    internal_clashes,
    week_of_month,
)
from studiosync_desktop.services.scheduling_base import SchedulingPart, StudioFacts, lesson_rate
from studiosync_desktop.services.unit_of_work import unit_of_work
from studiosync_desktop.vocabulary import WEEKDAYS


class LessonSeries(SchedulingPart):
    """Recurring lessons: their patterns and the lessons they book ahead to the horizon."""

    def preview_series(self, actor: Actor, data: SeriesInput | Mapping[str, Any]) -> SeriesPreview:
        """How many lessons a series makes, the closures it skips and the clashes it would hit."""
        require(actor, "schedule")
        series = parse_input(SeriesInput, data)
        with self._db.read_session() as s:
            studio = self._studio(s, actor)
            shape = self._shape(s, actor, series, None)
            span = studio.span(series.start_date, series.end_date)
            booked = _book_series(s, actor, studio, [shape], [span])
            return SeriesPreview(
                occurrences=len(booked.occ),
                closures_skipped=booked.closures_skipped[0],
                clashes=_first_per_occurrence(booked.clashes),
            )

    @unit_of_work
    def create_series(
        self,
        actor: Actor,
        data: SeriesInput | Mapping[str, Any],
        *,
        skip_clashes: bool = False,
    ) -> SeriesResult:
        """Creates the series and its lessons in one insert; clashes refuse it unless skipped."""
        self._require_desk(actor)
        series = parse_input(SeriesInput, data)

        def work(s: Session) -> SeriesResult:
            studio = self._studio(s, actor)
            shape = self._shape(s, actor, series, None)
            pattern = RecurringPattern(
                studio_id=actor.studio_id, **_pattern_values(series, shape, series.start_date)
            )
            s.add(pattern)
            s.flush()
            made = self._generate(s, actor, studio, pattern, shape, series.start_date, skip_clashes)
            confirm_series(s, actor, studio.zone, pattern.id, series.accept_outside)
            return made

        return self._in_session(work)

    @unit_of_work
    def create_term(
        self,
        actor: Actor,
        items: Sequence[SeriesInput | Mapping[str, Any]],
        *,
        skip_clashes: bool = False,
    ) -> TermResult:
        """Many series at once (a new term's timetable), in one transaction: one insert of the
        series, one clash check of all their occurrences (against the calendar and among
        themselves), one insert of their lessons. Clashes refuse it all unless skipped."""
        self._require_desk(actor)
        parsed: list[SeriesInput] = []
        for n, item in enumerate(items):
            try:
                parsed.append(parse_input(SeriesInput, item))
            except ValidationFailed as exc:
                raise ValidationFailed(
                    {f"series {n + 1}: {k}": v for k, v in exc.fields.items()}
                ) from exc
        if not parsed:
            return TermResult(series=(), created=0)

        def work(s: Session) -> TermResult:
            studio = self._studio(s, actor)
            teachers = _teachers(s, actor, {p.teacher_id for p in parsed})
            self._check_many_refs(s, actor, parsed, set(teachers))
            spans = [studio.span(p.start_date, p.end_date) for p in parsed]
            shapes: list[PatternShape] = []
            rows: list[dict[str, Any]] = []
            for p, span in zip(parsed, spans, strict=True):
                rate = lesson_rate(p.rate, teachers[p.teacher_id].hourly_rate, p.duration_minutes)
                shape = pattern_shape(p, None, rate)
                shapes.append(shape)
                rows.append(
                    {
                        "id": uuid.uuid4(),
                        "studio_id": actor.studio_id,
                        "generated_until": span[1],
                        **_pattern_values(p, shape, p.start_date),
                    }
                )
            # Ids made here so the rows go in one batched statement (no RETURNING per row).
            s.execute(insert(RecurringPattern), rows)
            ids = [r["id"] for r in rows]
            shapes = [replace(sh, pattern_id=i) for sh, i in zip(shapes, ids, strict=True)]
            booked = _book_series(s, actor, studio, shapes, spans, teachers, fresh=True)
            if booked.clashes and not skip_clashes:
                raise BookingClash(_first_per_occurrence(booked.clashes))
            created = booked.insert(s, actor)
            made, clashes = booked.made, booked.clashes_per_series()
            return TermResult(
                series=tuple(
                    SeriesResult(
                        pattern_id=ids[n],
                        created=made[n],
                        skipped=_first_per_occurrence(clashes[n]),
                        closures_skipped=booked.closures_skipped[n],
                    )
                    for n in range(len(parsed))
                ),
                created=created,
            )

        return self._in_session(work)

    @unit_of_work
    def edit_series(
        self,
        actor: Actor,
        lesson_id: uuid.UUID,
        data: SeriesInput | Mapping[str, Any],
        scope: SeriesScope,
        *,
        skip_clashes: bool = False,
    ) -> SeriesResult:
        """'following' splits the series at this lesson; 'all' rewrites its coming lessons.

        Past lessons are never rewritten; coming scheduled lessons from the split are replaced.
        ("this": use `update_lesson`.)
        """
        self._require_desk(actor)
        series = parse_input(SeriesInput, data)
        if scope == "this":
            raise ValidationFailed({"scope": "Edit this lesson alone with update_lesson."})

        def work(s: Session) -> SeriesResult:
            studio = self._studio(s, actor)
            row = self._locked(s, actor, lesson_id)
            if row.recurring_pattern_id is None:
                raise ValidationFailed({"scope": "This lesson is not part of a series."})
            pattern = s.get(RecurringPattern, row.recurring_pattern_id, with_for_update=True)
            assert pattern is not None
            lesson_day = row.scheduled_start.astimezone(studio.zone).date()
            split = lesson_day if scope == "following" else max(pattern.start_date, studio.today())
            self._remove_coming(s, pattern.id, split, studio)
            first = max(series.start_date, split) if scope == "following" else series.start_date
            if scope == "following" and split > pattern.start_date:
                pattern.end_date = split - timedelta(days=1)
                pattern.generated_until = pattern.end_date
                pattern.is_active = pattern.end_date >= studio.today()
                target = RecurringPattern(studio_id=actor.studio_id)
                anchor = first
            else:
                target = pattern
                anchor = series.start_date
            shape = self._shape(s, actor, series.model_copy(update={"start_date": anchor}), None)
            for name, value in _pattern_values(series, shape, anchor).items():
                setattr(target, name, value)
            target.is_active = True
            s.add(target)
            s.flush()
            if target is not pattern:  # what stays of the following dates is the new series'
                s.execute(
                    update(Lesson)
                    .where(
                        Lesson.recurring_pattern_id == pattern.id,
                        Lesson.occurrence_date >= split,
                    )
                    .values(recurring_pattern_id=target.id)
                )
            return self._generate(s, actor, studio, target, shape, max(first, split), skip_clashes)

        return self._in_session(work)

    @unit_of_work
    def end_series(self, actor: Actor, pattern_id: uuid.UUID, last_day: date | None = None) -> int:
        """Ends a series after `last_day` (default today): its later scheduled lessons go."""
        self._require_desk(actor)
        last_day = parse_value("last_day", date | None, last_day)

        def work(s: Session) -> int:
            studio = self._studio(s, actor)
            pattern = s.get(RecurringPattern, pattern_id, with_for_update=True)
            if pattern is None or pattern.studio_id != actor.studio_id:
                raise NotFound("This series no longer exists.")
            last = last_day or studio.today()
            if last < pattern.start_date:
                last = pattern.start_date - timedelta(days=1)
                pattern.end_date = None
            removed = self._remove_coming(s, pattern.id, last + timedelta(days=1), studio)
            pattern.end_date = max(last, pattern.start_date)
            pattern.generated_until = pattern.end_date
            pattern.is_active = False if last <= studio.today() else pattern.is_active
            return removed

        return self._in_session(work)

    @unit_of_work
    def extend_series(self, actor: Actor) -> int:
        """Moves every open-ended (or later-ending) series up to the horizon; run at start-up.

        Occurrences that clash are skipped (they were never booked); returns lessons created.
        """
        require(actor, "schedule")

        def work(s: Session) -> int:
            studio = self._studio(s, actor)
            horizon = studio.horizon
            patterns = s.scalars(
                select(RecurringPattern)
                .where(
                    RecurringPattern.studio_id == actor.studio_id,
                    RecurringPattern.is_active,
                    func.coalesce(RecurringPattern.generated_until, date(1900, 1, 1)) < horizon,
                    func.coalesce(RecurringPattern.end_date, horizon)
                    > func.coalesce(RecurringPattern.generated_until, date(1900, 1, 1)),
                )
                .with_for_update(skip_locked=True)
            ).all()
            if not patterns:
                return 0
            teachers = _teachers(s, actor, {p.teacher_id for p in patterns})
            shapes, spans = [], []
            for pattern in patterns:
                hourly = teachers[pattern.teacher_id].hourly_rate
                rate = lesson_rate(pattern.rate, hourly, pattern.duration_minutes)
                first = (
                    pattern.generated_until + timedelta(days=1)
                    if pattern.generated_until
                    else pattern.start_date
                )
                shapes.append(replace(_shape_of(pattern), rate=rate))
                spans.append(studio.span(first, pattern.end_date))
            # All series at once: one clash check, one insert (occurrences that clash were
            # never booked, so they are skipped), one update of how far each one goes.
            made = _book_series(s, actor, studio, shapes, spans, teachers).insert(s, actor)
            s.execute(
                text(
                    "UPDATE recurring_patterns p SET generated_until = v.until"
                    "  FROM unnest(CAST(:ids AS uuid[]), CAST(:until AS date[])) AS v(id, until)"
                    " WHERE p.id = v.id"
                ),
                {
                    "ids": array_literal(p.id for p in patterns),
                    "until": array_literal(last.isoformat() for _first, last in spans),
                },
            )
            return made

        return self._in_session(work)

    def _check_many_refs(
        self, s: Session, actor: Actor, items: Sequence[SeriesInput], teachers: set[uuid.UUID]
    ) -> None:
        """Every teacher, student, band and room of `items` belongs to the studio (4 reads)."""
        for n, p in enumerate(items):
            if p.teacher_id not in teachers:
                raise ValidationFailed({f"series {n + 1}: teacher_id": "Choose a teacher."})
        for field, model, attr in (
            ("student_id", Student, "student_id"),
            ("band_id", Band, "band_id"),
            ("room_id", PracticeRoom, "room_id"),
        ):
            wanted = {getattr(p, attr) for p in items} - {None}
            if not wanted:
                continue
            found = set(
                s.scalars(
                    select(model.id).where(model.studio_id == actor.studio_id, model.id.in_(wanted))
                )
            )
            for n, p in enumerate(items):
                if getattr(p, attr) is not None and getattr(p, attr) not in found:
                    raise ValidationFailed(
                        {f"series {n + 1}: {field}": "This is not on file at this studio any more."}
                    )

    def _shape(
        self, s: Session, actor: Actor, series: SeriesInput, pattern_id: uuid.UUID | None
    ) -> PatternShape:
        start = datetime.combine(series.start_date, series.start_time)
        probe = LessonInput(
            teacher_id=series.teacher_id,
            student_id=series.student_id,
            band_id=series.band_id,
            room_id=series.room_id,
            start=start.replace(tzinfo=ZoneInfo("UTC")),
            end=(start + timedelta(minutes=series.duration_minutes)).replace(
                tzinfo=ZoneInfo("UTC")
            ),
            rate=series.rate,
        )
        return pattern_shape(series, pattern_id, self._rate(s, actor, probe))

    def _generate(
        self,
        s: Session,
        actor: Actor,
        studio: StudioFacts,
        pattern: RecurringPattern,
        shape: PatternShape,
        first: date,
        skip_clashes: bool,
    ) -> SeriesResult:
        span = studio.span(first, pattern.end_date)
        made = replace(shape, pattern_id=pattern.id)
        booked = _book_series(s, actor, studio, [made], [span])
        if booked.clashes and not skip_clashes:
            raise BookingClash(_first_per_occurrence(booked.clashes))
        created = booked.insert(s, actor)
        pattern.generated_until = span[1]
        return SeriesResult(
            pattern_id=pattern.id,
            created=created,
            skipped=_first_per_occurrence(booked.clashes),
            closures_skipped=booked.closures_skipped[0],
        )

    def _remove_coming(
        self, s: Session, pattern_id: uuid.UUID, from_day: date, studio: StudioFacts
    ) -> int:
        """The series' scheduled lessons from `from_day` on that have not started: deleted,
        or cancelled ("Series changed") when an invoice already bills them; those give their
        date back, so the changed series books it again."""
        first = datetime.combine(from_day, datetime.min.time(), studio.zone)
        now = datetime.now(studio.zone)
        coming = (
            Lesson.recurring_pattern_id == pattern_id,
            Lesson.status == "scheduled",
            Lesson.scheduled_start >= max(first, now),
        )
        billed = exists().where(InvoiceLineItem.lesson_id == Lesson.id)
        s.execute(
            update(Lesson)
            .where(*coming, billed)
            .values(
                status="cancelled",
                cancellation_reason="Series changed",
                cancelled_at=func.now(),
                cancelled_on_behalf_of="studio",
                occurrence_date=None,
            )
        )
        ids = list(s.scalars(select(Lesson.id).where(*coming, ~billed)))
        credits.free_used_by(s, ids)
        s.execute(delete(Lesson).where(Lesson.id.in_(ids)))
        return len(ids)


def _teachers(s: Session, actor: Actor, ids: set[uuid.UUID]) -> dict[uuid.UUID, Any]:
    """id -> (id, hourly_rate, booking_buffer_minutes, name) of the studio's teachers in `ids`."""
    rows = s.execute(
        select(
            Teacher.id,
            Teacher.hourly_rate,
            Teacher.booking_buffer_minutes,
            full_name(User.first_name, User.last_name).label("name"),
        )
        .join(User, User.id == Teacher.user_id)
        .where(Teacher.studio_id == actor.studio_id, Teacher.id.in_(ids))
    )
    return {r.id: r for r in rows}


@dataclass
class _Booked:
    """The coming occurrences of many series and which of them clash (`owner[i]` is the
    index of the series occurrence `i` belongs to)."""

    shapes: Sequence[PatternShape]
    occ: list[Occurrence]
    owner: list[int]
    clashes: list[tuple[int, Clash]]
    closures_skipped: list[int]

    @property
    def made(self) -> list[int]:
        """Lessons each series gets (its occurrences that do not clash)."""
        bad = {i for i, _ in self.clashes}
        made = [0] * len(self.shapes)
        for i, n in enumerate(self.owner):
            if i not in bad:
                made[n] += 1
        return made

    def clashes_per_series(self) -> list[list[tuple[int, Clash]]]:
        out: list[list[tuple[int, Clash]]] = [[] for _ in self.shapes]
        for i, c in self.clashes:
            out[self.owner[i]].append((i, c))
        return out

    def insert(self, s: Session, actor: Actor) -> int:
        """Books every occurrence that does not clash, in one statement."""
        bad = {i for i, _ in self.clashes}
        planned = [(self.shapes[self.owner[i]], o) for i, o in enumerate(self.occ) if i not in bad]
        return insert_many_occurrences(s, actor.studio_id, planned)


def _book_series(
    s: Session,
    actor: Actor,
    studio: StudioFacts,
    shapes: Sequence[PatternShape],
    spans: Sequence[tuple[date, date]],
    teachers: dict[uuid.UUID, Any] | None = None,
    *,
    fresh: bool = False,
) -> _Booked:
    """The coming occurrences of one or many series (each from its span's first to last day,
    the studio's closures read once), checked in one statement against the calendar; with
    their `teachers`, many series are also checked among themselves (the earlier start keeps
    a slot two new series both want). A date a series already has a lesson for, in any status
    (cancelled, moved elsewhere, marked), is not an occurrence to book: unless the series are
    `fresh` (just made, with no lesson yet), those are read once and left out."""
    dates = [sh.dates(first, last) for sh, (first, last) in zip(shapes, spans, strict=True)]
    every = [d for ds in dates for d in ds]
    ids = [sh.pattern_id for sh in shapes if sh.pattern_id is not None]
    if every and ids and not fresh:
        had = dates_had(s, ids, min(every), max(every))
        dates = [
            [d for d in ds if (sh.pattern_id, d) not in had]
            for sh, ds in zip(shapes, dates, strict=True)
        ]
        every = [d for ds in dates for d in ds]
    closed = closed_days(s, actor.studio_id, min(every), max(every)) if every else set()
    now = datetime.now(studio.zone)
    owner: list[int] = []
    occ: list[Occurrence] = []
    closures_skipped = [0] * len(shapes)
    for n, (sh, ds) in enumerate(zip(shapes, dates, strict=True)):
        open_days = [d for d in ds if d not in closed]
        closures_skipped[n] = len(ds) - len(open_days)
        for o in sh.occurrences(studio.zone, open_days):
            if o.start > now:
                occ.append(o)
                owner.append(n)
    clashes = find_clashes(s, actor.studio_id, studio.zone, occ)
    if teachers is None:
        return _Booked(shapes, occ, owner, clashes, closures_skipped)
    bad = {i for i, _ in clashes}
    keep = [i for i in range(len(occ)) if i not in bad]
    buffers = {t: r.booking_buffer_minutes for t, r in teachers.items()}
    for i, earlier, kind in internal_clashes([occ[k] for k in keep], buffers):
        o, other = occ[keep[i]], occ[keep[earlier]]
        who = {
            "teacher": teachers[o.teacher_id].name,
            "student": "The student",
            "band": "The band",
            "room": "The room",
        }[kind]
        message = (
            f"{who} would be in two of the new series at once: series "
            f"{owner[keep[earlier]] + 1} {clash_span(other.start, other.end, studio.zone)} "
            f"and series {owner[keep[i]] + 1} {clash_span(o.start, o.end, studio.zone)}."
        )
        clashes.append((keep[i], Clash(start=o.start, end=o.end, message=message)))
    return _Booked(shapes, occ, owner, clashes, closures_skipped)


def _first_per_occurrence(found: list[tuple[int, Clash]]) -> tuple[Clash, ...]:
    seen: set[int] = set()
    out = []
    for i, clash in found:
        if i not in seen:
            seen.add(i)
            out.append(clash)
    return tuple(out)


def _pattern_values(series: SeriesInput, shape: PatternShape, start: date) -> dict[str, Any]:
    """The columns of a series' row. `rate` is the rate typed in, or None: the series then
    follows the teacher's hourly rate as it books further lessons."""
    return {
        "teacher_id": series.teacher_id,
        "student_id": series.student_id,
        "band_id": series.band_id,
        "room_id": series.room_id,
        "frequency": series.frequency,
        "day_of_week": shape.day_of_week,
        "week_of_month": shape.week_of_month,
        "time": series.start_time,
        "duration_minutes": series.duration_minutes,
        "start_date": start,
        "end_date": series.end_date,
        "lesson_type": series.lesson_type,
        "location": series.location,
        "rate": series.rate,
    }


def _shape_of(p: RecurringPattern) -> PatternShape:
    return PatternShape(
        pattern_id=p.id,
        teacher_id=p.teacher_id,
        student_id=p.student_id,
        band_id=p.band_id,
        room_id=p.room_id,
        frequency=p.frequency,
        anchor=p.start_date,
        day_of_week=p.day_of_week,
        week_of_month=p.week_of_month,
        start_time=p.time,
        duration_minutes=p.duration_minutes,
        lesson_type=p.lesson_type,
        location=p.location,
        rate=p.rate if p.rate is not None else Decimal("0"),
    )


def pattern_shape(series: SeriesInput, pattern_id: uuid.UUID | None, rate: Decimal) -> PatternShape:
    """What the recurrence needs of a series, whether it is new or being edited."""
    monthly = series.frequency == "monthly"
    return PatternShape(
        pattern_id=pattern_id,
        teacher_id=series.teacher_id,
        student_id=series.student_id,
        band_id=series.band_id,
        room_id=series.room_id,
        frequency=series.frequency,
        anchor=series.start_date,
        day_of_week=WEEKDAYS[series.start_date.weekday()],
        week_of_month=(series.week_of_month or week_of_month(series.start_date))
        if monthly
        else None,
        start_time=series.start_time,
        duration_minutes=series.duration_minutes,
        lesson_type=series.lesson_type,
        location=series.location,
        rate=rate,
    )
