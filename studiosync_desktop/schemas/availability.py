"""Working hours, their dated exceptions, outside calendar feeds and their busy times."""

from __future__ import annotations

import itertools
import re
import uuid
from datetime import date, datetime, time

from pydantic import Field, field_validator, model_validator

from studiosync_desktop.schemas.common import Frozen, Input

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class HoursRange(Frozen):
    """One stretch of working time within a day."""

    start: time
    end: time

    @model_validator(mode="after")
    def _end_after_start(self) -> HoursRange:
        if self.end <= self.start:
            raise ValueError(f"{self.start:%H:%M}-{self.end:%H:%M}: the end comes before the start")
        return self

    def label(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


def _no_overlap(ranges: tuple[HoursRange, ...], where: str) -> tuple[HoursRange, ...]:
    ordered = tuple(sorted(ranges, key=lambda r: r.start))
    for a, b in itertools.pairwise(ordered):
        if b.start < a.end:
            raise ValueError(f"{where}: {a.label()} and {b.label()} overlap")
    return ordered


class WeekHours(Input):
    """A teacher's working week: seven days (Monday first), each with its stretches."""

    days: tuple[tuple[HoursRange, ...], ...] = Field(min_length=7, max_length=7)

    @field_validator("days")
    @classmethod
    def _days_do_not_overlap(
        cls, days: tuple[tuple[HoursRange, ...], ...]
    ) -> tuple[tuple[HoursRange, ...], ...]:
        return tuple(_no_overlap(d, WEEKDAY_NAMES[i]) for i, d in enumerate(days))

    @property
    def is_set(self) -> bool:
        return any(self.days)


class ExceptionInput(Input):
    """Days with other hours: none is time off; a list holds on each day instead of the week's."""

    teacher_id: uuid.UUID
    first_day: date
    last_day: date
    hours: tuple[HoursRange, ...] = ()
    reason: str = Field(default="", max_length=200)

    @field_validator("hours")
    @classmethod
    def _hours_do_not_overlap(cls, hours: tuple[HoursRange, ...]) -> tuple[HoursRange, ...]:
        return _no_overlap(hours, "Hours")

    @model_validator(mode="after")
    def _span(self) -> ExceptionInput:
        if self.last_day < self.first_day:
            raise ValueError("The last day comes before the first")
        if (self.last_day - self.first_day).days > 366:
            raise ValueError("An exception covers at most a year")
        return self


class ExceptionRow(Frozen):
    id: uuid.UUID
    teacher_id: uuid.UUID
    first_day: date
    last_day: date
    hours: tuple[HoursRange, ...]
    reason: str

    @property
    def is_time_off(self) -> bool:
        return not self.hours

    def describe(self) -> str:
        days = (
            f"{self.first_day:%a} {self.first_day.day} {self.first_day:%b}"
            if self.first_day == self.last_day
            else f"{self.first_day:%a} {self.first_day.day} {self.first_day:%b} to "
            f"{self.last_day:%a} {self.last_day.day} {self.last_day:%b}"
        )
        what = "time off" if self.is_time_off else ", ".join(h.label() for h in self.hours)
        return f"{days}: {what}" + (f" ({self.reason})" if self.reason else "")


HEX = re.compile(r"^#[0-9A-Fa-f]{6}$")


class FeedInput(Input):
    """An outside calendar: a teacher's, a room's, or the whole studio's (neither given)."""

    name: str = Field(min_length=1, max_length=100)
    url: str = Field(default="", max_length=2000)
    colour: str = "#8a8f98"
    teacher_id: uuid.UUID | None = None
    room_id: uuid.UUID | None = None

    @field_validator("colour")
    @classmethod
    def _colour(cls, value: str) -> str:
        if not HEX.match(value):
            raise ValueError("Give the colour as #rrggbb")
        return value

    @model_validator(mode="after")
    def _one_owner(self) -> FeedInput:
        if self.teacher_id is not None and self.room_id is not None:
            raise ValueError("A calendar belongs to a teacher or a room, not both")
        return self


class FeedRow(Frozen):
    id: uuid.UUID
    name: str
    colour: str
    # The address: only for who may read it (an admin, its teacher; the desk: rooms' and the
    # studio's), else "" (a private iCal address is a password).
    url: str
    enabled: bool
    teacher_id: uuid.UUID | None
    room_id: uuid.UUID | None
    owner: str  # the teacher's or room's name, or "Whole studio"
    last_synced_at: datetime | None
    last_attempt_at: datetime | None
    last_error: str
    event_count: int

    has_address: bool = False

    @property
    def from_file(self) -> bool:
        return not self.has_address


class SyncResult(Frozen):
    feed_id: uuid.UUID
    name: str
    events: int = 0
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error


class BusyBlock(Frozen):
    """An outside busy time, as a role may see it: `title` is "Busy" for the desk."""

    start: datetime
    end: datetime
    title: str
    feed_name: str
    colour: str
    all_day: bool
    teacher_id: uuid.UUID | None
    room_id: uuid.UUID | None

    @property
    def label(self) -> str:
        return f"{self.title} · {self.feed_name}" if self.title != self.feed_name else self.title


class Working(Frozen):
    """A teacher's working time over some days: `spans` per teacher with hours set."""

    spans: dict[uuid.UUID, tuple[tuple[datetime, datetime], ...]]
