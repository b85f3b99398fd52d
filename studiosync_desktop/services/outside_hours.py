"""A booking outside a teacher's hours or over an outside event: said, confirmed, recorded."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, literal, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from studiosync_desktop.errors import NeedsConfirmation
from studiosync_desktop.models import (
    BookingOverride,
    CalendarFeed,
    CalendarFeedEvent,
    Lesson,
    User,
)
from studiosync_desktop.models import Teacher as TeacherRow
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services.availability import Span, within, working_spans
from studiosync_desktop.services.reading import full_name
from studiosync_desktop.services.recurrence import Occurrence

# An outside calendar's busy time: (teacher or None, room or None, start, end, what the desk
# reads); neither teacher nor room: the whole studio's.
OutsideEvent = tuple[uuid.UUID | None, uuid.UUID | None, datetime, datetime, str]


def outside_reasons(
    s: Session, actor: Actor, zone: ZoneInfo, occurrences: Sequence[Occurrence]
) -> list[str]:
    """Sentences for each occurrence outside its teacher's hours or over an outside event of
    the teacher or the studio (the desk reads the calendar's name, not the event's title)."""
    if not occurrences:
        return []
    teachers = {o.teacher_id for o in occurrences}
    first = min(o.start for o in occurrences).astimezone(zone).date()
    last = max(o.end for o in occurrences).astimezone(zone).date()
    working = working_spans(s, list(teachers), first, last, zone)
    names: dict[uuid.UUID, str] = {
        tid: name
        for tid, name in s.execute(
            select(TeacherRow.id, full_name(User.first_name, User.last_name))
            .join(User, User.id == TeacherRow.user_id)
            .where(TeacherRow.id.in_(teachers))
        )
    }
    rooms = {o.room_id for o in occurrences if o.room_id is not None}
    events = _events(s, actor, teachers, rooms, first, last, zone)
    return reasons_from(occurrences, zone, working, names, events)


def reasons_from(
    occurrences: Sequence[Occurrence],
    zone: ZoneInfo,
    working: Mapping[uuid.UUID, Sequence[Span]],
    names: Mapping[uuid.UUID, str],
    events: Sequence[OutsideEvent],
) -> list[str]:
    """`outside_reasons` on facts already read: each teacher's working time on the days (a
    teacher without hours is absent), their names, and the outside events of those days."""
    out: list[str] = []
    for o in occurrences:
        who = names.get(o.teacher_id, "The teacher")
        when = _when(o.start, o.end, zone)
        spans = working.get(o.teacher_id)
        if spans is not None and not within(spans, o.start, o.end):
            day = [
                f"{a.astimezone(zone):%H:%M}-{b.astimezone(zone):%H:%M}"
                for a, b in spans
                if a.astimezone(zone).date() == o.start.astimezone(zone).date()
            ]
            hours = ", ".join(day) if day else "not working that day"
            out.append(f"{when} is outside {who}'s working hours ({hours}).")
        for teacher, room, start, end, what in events:
            if not (start < o.end and o.start < end):
                continue
            if room is not None and room == o.room_id:
                out.append(f"The room is taken {_when(start, end, zone)}: {what}.")
            elif room is None and teacher in (None, o.teacher_id):
                whose = "The studio is" if teacher is None else f"{who} is"
                out.append(f"{whose} busy {_when(start, end, zone)}: {what}.")
    return out


def confirm_series(
    s: Session, actor: Actor, zone: ZoneInfo, pattern_id: uuid.UUID, accepted: bool
) -> None:
    """A new series' lessons outside hours or over outside events: NeedsConfirmation (the
    whole series is not booked) unless the desk said yes; then recorded with its lessons."""
    rows = s.execute(
        select(
            Lesson.id,
            Lesson.teacher_id,
            Lesson.student_id,
            Lesson.band_id,
            Lesson.room_id,
            Lesson.scheduled_start,
            Lesson.scheduled_end,
        ).where(Lesson.recurring_pattern_id == pattern_id)
    ).all()
    reasons = outside_reasons(s, actor, zone, [Occurrence(*r[1:]) for r in rows])
    if not reasons:
        return
    if not accepted:
        raise NeedsConfirmation([f"{len(reasons)} time(s) of this series need a yes:", *reasons])
    summary = "\n".join(["Booked in a series the desk confirmed:", *reasons[:20]])
    # The series' lessons are new: one insert for all (an upsert needs the UPDATE grant).
    s.execute(
        pg_insert(BookingOverride),
        [
            dict(
                studio_id=actor.studio_id,
                lesson_id=r.id,
                reasons=summary,
                confirmed_by_id=actor.user_id,
            )
            for r in rows
        ],
    )


def require_confirmed(
    s: Session,
    actor: Actor,
    zone: ZoneInfo,
    occurrences: Sequence[Occurrence],
    accepted: bool,
) -> list[str]:
    """The reasons the desk confirmed (empty: nothing to confirm); NeedsConfirmation when
    there are some and the desk has not said yes yet."""
    reasons = outside_reasons(s, actor, zone, occurrences)
    if reasons and not accepted:
        raise NeedsConfirmation(reasons)
    return reasons


def record_confirmation(
    s: Session,
    actor: Actor,
    lesson_id: uuid.UUID,
    reasons: Sequence[str],
    *,
    new_lesson: bool = False,
) -> None:
    """Who booked the lesson anyway, and over what (kept with the lesson). A lesson booked in
    this transaction has no record yet: a plain insert (an upsert needs the UPDATE grant)."""
    if not reasons:
        return
    values = dict(
        studio_id=actor.studio_id,
        lesson_id=lesson_id,
        reasons="\n".join(reasons),
        confirmed_by_id=actor.user_id,
    )
    if new_lesson:
        s.execute(pg_insert(BookingOverride).values(**values))
        return
    s.execute(
        pg_insert(BookingOverride)
        .values(**values)
        .on_conflict_do_update(
            index_elements=[BookingOverride.lesson_id],
            set_=dict(
                reasons=values["reasons"], confirmed_by_id=actor.user_id, confirmed_at=func.now()
            ),
        )
    )


def _events(
    s: Session,
    actor: Actor,
    teachers: set[uuid.UUID],
    rooms: set[uuid.UUID],
    first: date,
    last: date,
    zone: ZoneInfo,
) -> list[OutsideEvent]:
    begin = datetime.combine(first, time(0), zone)
    until = datetime.combine(last, time(0), zone) + timedelta(days=1)
    title = (
        CalendarFeed.name
        if actor.role == "desk"
        else CalendarFeedEvent.title + literal(" (") + CalendarFeed.name + literal(")")
    )
    rows = s.execute(
        select(
            CalendarFeed.teacher_id,
            CalendarFeed.room_id,
            CalendarFeedEvent.starts,
            CalendarFeedEvent.ends,
            title,
        )
        .join(CalendarFeed, CalendarFeed.id == CalendarFeedEvent.feed_id)
        .where(
            CalendarFeed.studio_id == actor.studio_id,
            CalendarFeed.enabled,
            or_(
                CalendarFeed.teacher_id.in_(teachers),
                CalendarFeed.room_id.in_(rooms),
                CalendarFeed.teacher_id.is_(None) & CalendarFeed.room_id.is_(None),
            ),
            CalendarFeedEvent.ends > begin,
            CalendarFeedEvent.starts < until,
        )
    )
    return list(rows)


def _when(start: datetime, end: datetime, zone: ZoneInfo) -> str:
    a, b = start.astimezone(zone), end.astimezone(zone)
    if b - a >= timedelta(hours=23) and a.hour == 0 and a.minute == 0:
        return f"all day {a:%a} {a.day} {a:%b}"
    return f"{a:%H:%M}-{b:%H:%M} on {a:%a} {a.day} {a:%b}"
