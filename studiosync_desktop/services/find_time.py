"""Finding a time: free options within teachers' hours, around everyone's other commitments.

One round trip reads everything that can be busy over the days asked (lessons with the
teacher's buffer, the student's or band's lessons, outside calendars, closures, the room):
eleven statements in one pipeline (`together.read_together`), the teachers chosen by a
subquery so no statement waits for another; then interval arithmetic in Python; ranked by the
student's usual day and time.
"""

from __future__ import annotations

import statistics
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import Float, any_, cast, func, or_, select
from sqlalchemy.dialects.postgresql import array
from sqlalchemy.orm import Session

from studiosync_desktop.db import Database
from studiosync_desktop.errors import NotFound, PermissionDenied
from studiosync_desktop.models import (
    CalendarFeed,
    Lesson,
    PracticeRoom,
    Student,
    Studio,
    StudioClosure,
    Teacher,
    User,
    band_members,
    lesson_attendance,
    room_occupancy,
)
from studiosync_desktop.schemas.common import Actor, parse_input
from studiosync_desktop.schemas.find_time import SlotOption, SlotQuery
from studiosync_desktop.schemas.studio import StudioSettings
from studiosync_desktop.services.availability import (
    exceptions_from,
    exceptions_query,
    spans_of,
    week_hours_from,
    week_hours_query,
)
from studiosync_desktop.services.calendar_feeds import busy_from, busy_query
from studiosync_desktop.services.free_time import GRID, on_grid
from studiosync_desktop.services.permissions import require
from studiosync_desktop.services.reading import full_name, studio_zone
from studiosync_desktop.services.together import read_together
from studiosync_desktop.vocabulary import BLOCKING_LESSON_STATUSES

Span = tuple[datetime, datetime]
T = TypeVar("T", bound=tuple[Any, Any])
DAY_NAMES = ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays")


@dataclass(frozen=True)
class _Teacher:
    id: uuid.UUID
    name: str
    buffer: timedelta


@dataclass(frozen=True)
class _Usual:
    weekday: int
    minute: int

    def note(self) -> str:
        return f"{DAY_NAMES[self.weekday]} at {self.minute // 60:02d}:{self.minute % 60:02d}"


class FindTimeService:
    def __init__(self, db: Database) -> None:
        self._db = db

    def find(self, actor: Actor, data: SlotQuery | Mapping[str, Any]) -> tuple[SlotOption, ...]:
        """The best free options, best first (the student's usual day and time, then soonest)."""
        require(actor, "schedule")
        if not actor.is_staff_desk:
            raise PermissionDenied("Finding a time is the front desk's: ask the desk.")
        query = parse_input(SlotQuery, data)
        with self._db.read_session() as s:
            zone = studio_zone(s, actor)
            now = datetime.now(zone)
            first = query.first_day or now.date()
            last = first + timedelta(days=query.days - 1)
            begin = max(datetime.combine(first, time(0), zone), now)
            until = datetime.combine(last + timedelta(days=1), time(0), zone)
            reader = _Reader(s, actor.studio_id, zone, begin, until, query, first, last)
        if query.room_only:
            return reader.room_gaps(query)
        return reader.lesson_options(query)


class _Reader:
    """Everything busy over [begin, until), read once, and the options it leaves."""

    def __init__(
        self,
        s: Session,
        studio_id: uuid.UUID,
        zone: ZoneInfo,
        begin: datetime,
        until: datetime,
        query: SlotQuery,
        first: date,
        last: date,
    ) -> None:
        self.studio_id, self.zone = studio_id, zone
        self.begin, self.until = begin, until
        # Every read of the search in one round trip (`together.read_together`): none needs
        # another's answer, as the teachers are chosen by a subquery (an instrument's are
        # picked from them afterwards).
        reads = self._reads(query, first, last)
        got = dict(zip(reads, read_together(s, list(reads.values())), strict=True))
        if not got["settings"]:
            raise NotFound("The studio no longer exists.")
        settings = StudioSettings.model_validate(got["settings"][0].settings or {})
        self.hours = (settings.opens_at, settings.closes_at)  # the studio's opening hours
        self.closed = {r.closed_on for r in got["closed"]}
        self.feeds, self.rooms_busy = busy_from(got["feeds"])
        self.room_name = got["room_name"][0].name if got.get("room_name") else "the room"
        self.room_busy: list[Span] = [(a, b) for a, b in got.get("room_busy", [])]
        self.person_busy: list[Span] = [(a, b) for a, b in got.get("person", [])]
        self.usual = self._usual_of([r[0] for r in got.get("usual", [])])
        self.teacher_rows = got.get("teachers", [])
        self.working = spans_of(
            week_hours_from(got.get("hours", [])),
            exceptions_from(got.get("exceptions", [])),
            first,
            last,
            zone,
        )
        self.lessons = {tid: list(zip(a, b, strict=True)) for tid, a, b in got.get("lessons", [])}

    def _reads(self, query: SlotQuery, first: date, last: date) -> dict[str, Any]:
        """The statements of the search, by name."""
        sid, room = self.studio_id, query.room_id
        shared = CalendarFeed.teacher_id.is_(None) & CalendarFeed.room_id.is_(None)
        reads: dict[str, Any] = {
            "settings": select(Studio.settings).where(Studio.id == sid),
            "closed": select(StudioClosure.closed_on).where(
                StudioClosure.studio_id == sid,
                StudioClosure.closed_on >= self.begin.date(),
                StudioClosure.closed_on <= self.until.date(),
            ),
        }
        if room is not None:
            during = room_occupancy.c.during
            reads["room_name"] = select(PracticeRoom.name).where(
                PracticeRoom.id == room, PracticeRoom.studio_id == sid
            )
            reads["room_busy"] = select(func.lower(during), func.upper(during)).where(
                room_occupancy.c.room_id == room,
                during.overlaps(func.tstzrange(self.begin, self.until)),
            )
        if query.room_only:
            owner = or_(CalendarFeed.room_id == room, shared)
            reads["feeds"] = busy_query(sid, self.begin, self.until, owner)
            return reads
        chosen = select(Teacher.id).where(Teacher.studio_id == sid, Teacher.is_active)
        if query.teacher_id is not None:
            chosen = chosen.where(Teacher.id == query.teacher_id)
        owner = or_(CalendarFeed.teacher_id.in_(chosen), shared)
        if room is not None:
            owner = or_(owner, CalendarFeed.room_id == room)
        reads["feeds"] = busy_query(sid, self.begin, self.until, owner)
        reads["teachers"] = self._teachers_query(query)
        reads["hours"] = week_hours_query(chosen)
        reads["exceptions"] = exceptions_query(chosen, first, last)
        reads["lessons"] = self._lessons_query(chosen)
        person = self._person_query(query)
        if person is not None:
            reads["person"] = person
            reads["usual"] = self._usual_query(query)
        return reads

    # --- a room's free stretches ---------------------------------------------------------

    def room_gaps(self, query: SlotQuery) -> tuple[SlotOption, ...]:
        assert query.room_id is not None
        name = self.room_name
        busy = [self._past(), *self.room_busy, *self.rooms_busy.get(query.room_id, [])]
        busy += [span for span, _ in self.feeds.get(None, [])]
        wanted = timedelta(minutes=query.minutes)
        out: list[SlotOption] = []
        for a, b in subtract(self._opening_hours(), busy):
            start = on_grid(a, self.zone)
            if b - start >= wanted:
                local_end = b.astimezone(self.zone)
                out.append(
                    SlotOption(
                        start=start,
                        end=b,
                        teacher_id=None,
                        teacher_name="",
                        room_id=query.room_id,
                        room_name=name,
                        note=f"free until {local_end:%H:%M}",
                    )
                )
                if len(out) >= query.limit:
                    break
        return tuple(out)

    # --- a lesson's options --------------------------------------------------------------

    def lesson_options(self, query: SlotQuery) -> tuple[SlotOption, ...]:
        teachers = self._teachers(query)
        if not teachers:
            return ()
        working, lessons, feeds = self.working, self.lessons, self.feeds
        shared = [self._past(), *(span for span, _ in feeds.get(None, []))]
        shared += self.person_busy
        room_name = ""
        if query.room_id is not None:
            room_name = self.room_name
            shared += self.room_busy + self.rooms_busy.get(query.room_id, [])
        usual = self.usual
        wanted = query.minutes * 60
        # In seconds since the epoch from here: comparing aware datetimes asks their zones for
        # offsets every time, which was most of the search. The 15-minute grid is the same in
        # UTC as in any zone (every zone's offset is a whole number of quarter hours).
        common = _seconds(shared)
        opening = _seconds(self._opening_hours())
        found: list[tuple[tuple[int, int, float], str, _Teacher, float]] = []
        for t in teachers:
            windows = _seconds(working[t.id]) if t.id in working else opening
            pad = t.buffer.total_seconds()
            busy = [(a - pad, b + pad) for a, b in lessons.get(t.id, [])]
            busy += _seconds(span for span, _ in feeds.get(t.id, [])) + common
            for a, b in subtract(windows, busy):
                for start in self._starts(a, b, wanted, usual):
                    found.append((self._rank(start, usual), t.name, t, start))
        found.sort(key=lambda f: (f[0], f[1]))
        seen: set[tuple[uuid.UUID, date]] = set()
        out: list[SlotOption] = []
        for _rank, _name, t, at in found:  # one per teacher and day: real choices
            when = datetime.fromtimestamp(at, self.zone)
            if (t.id, when.date()) in seen:
                continue
            seen.add((t.id, when.date()))
            out.append(
                SlotOption(
                    start=when,
                    end=when + timedelta(seconds=wanted),
                    teacher_id=t.id,
                    teacher_name=t.name,
                    room_id=query.room_id,
                    room_name=room_name,
                    note=self._note(when, usual),
                )
            )
            if len(out) >= query.limit:
                break
        return tuple(out)

    def _starts(self, a: float, b: float, wanted: int, usual: _Usual | None) -> Iterator[float]:
        """The first start on the grid in a free stretch, and the one nearest the usual time."""
        first = -(-a // QUARTER) * QUARTER
        latest = b - wanted
        if first > latest:
            return
        if usual is None and not self.closed:
            yield first
            return
        day = datetime.fromtimestamp(first, self.zone)
        if day.date() in self.closed:
            return
        yield first
        if usual is not None and day.weekday() == usual.weekday:  # the usual day: near its time
            midnight = day.replace(hour=0, minute=0, second=0, microsecond=0)
            target = (midnight + timedelta(minutes=usual.minute)).timestamp()
            near = min(max(target, first), latest) // QUARTER * QUARTER
            if first < near <= latest:
                yield near

    def _rank(self, start: float, usual: _Usual | None) -> tuple[int, int, float]:
        """Off the usual weekday last, then by quarter hours from the usual time, then soonest."""
        if usual is None:
            return 0, 0, start
        local = datetime.fromtimestamp(start, self.zone)
        minutes = abs(local.hour * 60 + local.minute - usual.minute)
        return int(local.weekday() != usual.weekday), minutes // 15, start

    def _note(self, start: datetime, usual: _Usual | None) -> str:
        if usual is None:
            return ""
        minutes = abs(start.hour * 60 + start.minute - usual.minute)
        if start.weekday() != usual.weekday:
            return f"usually {usual.note()}"
        return "as usual" if minutes == 0 else f"{minutes} min from usual"

    # --- reads ---------------------------------------------------------------------------

    def _teachers_query(self, query: SlotQuery) -> Any:
        chosen = (
            select(
                Teacher.id,
                full_name(User.first_name, User.last_name).label("name"),
                Teacher.booking_buffer_minutes,
                Teacher.specialties,
            )
            .join(User, User.id == Teacher.user_id)
            .where(Teacher.studio_id == self.studio_id, Teacher.is_active)
        )
        if query.teacher_id is not None:
            chosen = chosen.where(Teacher.id == query.teacher_id)
        return chosen

    def _teachers(self, query: SlotQuery) -> list[_Teacher]:
        """The teachers read, those of the instrument asked for (unless any or one)."""
        rows = self.teacher_rows
        wanted = query.instrument.strip().lower()
        return [
            _Teacher(r.id, r.name, timedelta(minutes=r.booking_buffer_minutes))
            for r in rows
            if query.teacher_id
            or query.any_teacher
            or any(wanted in str(x).lower() for x in r.specialties or [])
        ]

    def _lessons_query(self, teachers: Any) -> Any:
        """Each teacher's lessons around the days, in seconds since the epoch: one row a
        teacher with the starts and ends as arrays (thousands of rows cost more in Python
        than the query)."""
        margin = timedelta(hours=5)
        starts = func.array_agg(cast(func.extract("epoch", Lesson.scheduled_start), Float))
        ends = func.array_agg(cast(func.extract("epoch", Lesson.scheduled_end), Float))
        return (
            select(Lesson.teacher_id, starts, ends)
            .where(
                Lesson.teacher_id.in_(teachers),
                # An array, not IN: the statement is sent as compiled (`read_together`).
                Lesson.status == any_(array(list(BLOCKING_LESSON_STATUSES))),
                # A lesson lasts at most 8 hours: a bound on the start lets the index work.
                Lesson.scheduled_start >= self.begin - timedelta(hours=8) - margin,
                Lesson.scheduled_start < self.until + margin,
                Lesson.scheduled_end > self.begin - margin,
            )
            .group_by(Lesson.teacher_id)
        )

    def _person_query(self, query: SlotQuery) -> Any:
        """When the student (or the band's members) are taken; None: nobody asked for."""
        if query.student_id is not None:
            people: Any = select(Student.user_id).where(Student.id == query.student_id)
        elif query.band_id is not None:
            people = select(band_members.c.user_id).where(band_members.c.band_id == query.band_id)
        else:
            return None
        during = lesson_attendance.c.during
        return select(func.lower(during), func.upper(during)).where(
            lesson_attendance.c.user_id.in_(people),
            during.overlaps(func.tstzrange(self.begin, self.until)),
        )

    def _usual_query(self, query: SlotQuery) -> Any:
        """The student's (or band's) last 20 lessons' starts, for their usual day and time."""
        who = (
            Lesson.student_id == query.student_id
            if query.student_id
            else Lesson.band_id == query.band_id
        )
        return (
            select(Lesson.scheduled_start)
            .where(who, Lesson.status != "cancelled")
            .order_by(Lesson.scheduled_start.desc())
            .limit(20)
        )

    def _usual_of(self, recent: Sequence[datetime]) -> _Usual | None:
        """The weekday most of the recent lessons fall on, and their usual start that day
        (the median)."""
        starts = [a.astimezone(self.zone) for a in recent]
        if not starts:
            return None
        weekday = Counter(a.weekday() for a in starts).most_common(1)[0][0]
        minutes = [a.hour * 60 + a.minute for a in starts if a.weekday() == weekday]
        return _Usual(weekday, int(statistics.median_low(minutes)))

    def _past(self) -> Span:
        """Before the search begins (now, or the first day asked) counts as busy."""
        return self.begin - timedelta(days=1), self.begin

    def _opening_hours(self) -> list[Span]:
        out: list[Span] = []
        day = self.begin.astimezone(self.zone).date()
        while day < self.until.astimezone(self.zone).date():
            out.append(
                (
                    datetime.combine(day, self.hours[0], self.zone),
                    datetime.combine(day, self.hours[1], self.zone),
                )
            )
            day += timedelta(days=1)
        return [(a, b) for a, b in out if a.date() not in self.closed]


QUARTER = GRID.total_seconds()
Seconds = tuple[float, float]


def _seconds(spans: Iterable[Span]) -> list[Seconds]:
    return [(a.timestamp(), b.timestamp()) for a, b in spans]


def subtract(windows: Iterable[T], busy: Iterable[T]) -> list[T]:
    """The parts of `windows` that no busy span covers (both in any order); linear after
    sorting, as the busy spans are merged first."""
    merged: list[Any] = []
    for x, y in sorted(busy):
        if merged and x <= merged[-1][1]:
            if y > merged[-1][1]:
                merged[-1] = (merged[-1][0], y)
        else:
            merged.append((x, y))
    out: list[Any] = []
    j = 0
    for a, b in sorted(windows):
        while j < len(merged) and merged[j][1] <= a:
            j += 1
        at, k = a, j
        while k < len(merged) and merged[k][0] < b:
            x, y = merged[k]
            if x > at:
                out.append((at, x))
            at = max(at, y)
            k += 1
        if at < b:
            out.append((at, b))
    return out
