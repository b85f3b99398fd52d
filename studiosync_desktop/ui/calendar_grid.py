"""The calendar's feed of the day grid: lessons, coloured by teacher or status."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from PySide6.QtGui import QColor

from studiosync_desktop.schemas.rows import LessonRow
from studiosync_desktop.ui.day_feed import GridColumn, Shade
from studiosync_desktop.ui.day_grid import DayGrid
from studiosync_desktop.ui.lesson_colours import instrument_colour
from studiosync_desktop.ui.week_layout import FADED

if TYPE_CHECKING:
    import uuid
    from collections.abc import Iterable
    from zoneinfo import ZoneInfo

    from PySide6.QtWidgets import QWidget

    from studiosync_desktop.schemas.availability import BusyBlock

__all__ = ["CalendarGrid", "GridColumn", "LessonFeed", "studio_shades", "teacher_colour"]

STATUS_COLOURS = {
    "scheduled": "#3b6ea5",
    "in_progress": "#b7791f",
    "completed": "#2f855a",
    "cancelled": "#9b9b9b",
    "no_show": "#c53030",
}
TEACHER_COLOURS = (
    "#3b6ea5", "#2f855a", "#805ad5", "#b7791f", "#c05621", "#2c7a7b", "#b83280", "#4a5568",
)  # fmt: skip
STATUS_WORDS = {"in_progress": "in progress", "no_show": "no-show"}


def teacher_colour(teacher_id: uuid.UUID) -> QColor:
    digest = hashlib.blake2s(teacher_id.bytes, digest_size=1).digest()[0]
    return QColor(TEACHER_COLOURS[digest % len(TEACHER_COLOURS)])


class LessonFeed:
    """Lessons as blocks: who and with whom, coloured by teacher (or by status); only
    scheduled lessons are dragged."""

    noun = ("lesson", "lessons")

    def __init__(self) -> None:
        self.colour_by = "teacher"
        self._colours: dict[object, QColor] = {}

    def colour(self, block: LessonRow) -> QColor:
        if self.colour_by == "instrument" and not self.faded(block):
            return instrument_colour(block.instrument)
        key: object = (
            block.status if self.colour_by == "status" or self.faded(block) else block.teacher_id
        )
        colour = self._colours.get(key)
        if colour is None:
            colour = (
                QColor(STATUS_COLOURS.get(block.status, "#3b6ea5"))
                if isinstance(key, str)
                else teacher_colour(block.teacher_id)
            )
            self._colours[key] = colour
        return colour

    def words(self, block: LessonRow) -> tuple[str, list[str], str]:
        status = "" if block.status == "scheduled" else STATUS_WORDS.get(block.status, block.status)
        where = f"{block.teacher_name} · {block.room_name or 'no room'}"
        return block.student_name or "(room booking)", [where], status

    def describe(self, block: LessonRow, zone: ZoneInfo) -> str:
        """The block in words (its tooltip): narrow blocks have no room for text."""
        a, b = block.start.astimezone(zone), block.end.astimezone(zone)
        status = STATUS_WORDS.get(block.status, block.status)
        return (
            f"{a:%a %d %b %H:%M}\N{EN DASH}{b:%H:%M}  {block.student_name or '(room booking)'}\n"
            f"{block.teacher_name} · {block.room_name or 'no room'} · {status}"
        )

    def short(self, block: LessonRow) -> str:
        """Students by first name, bands by name."""
        name = block.student_name.split(" ")[0] if block.student_id else block.student_name
        return name or "room"

    def faded(self, block: LessonRow) -> bool:
        return block.status in FADED

    def movable(self, block: LessonRow) -> bool:
        return block.status == "scheduled"


class CalendarGrid(DayGrid[LessonRow]):
    """The calendar's week, day by teacher and day by room: the day grid over lessons."""

    feed: LessonFeed

    def __init__(self, parent: QWidget | None = None, feed: LessonFeed | None = None) -> None:
        super().__init__(feed or LessonFeed(), parent)

    @property
    def colour_by(self) -> str:
        return self.feed.colour_by

    @colour_by.setter
    def colour_by(self, value: str) -> None:
        self.feed.colour_by = value


def studio_shades(
    busy: Iterable[BusyBlock], days: Iterable[date], zone: ZoneInfo
) -> tuple[Shade, ...]:
    """The whole studio's outside busy times (neither a teacher's nor a room's calendar) as
    hatched shades of the week's day columns: one per day an event covers, cut at midnight
    (an all-day event shades its whole day)."""
    shown = [b for b in busy if b.teacher_id is None and b.room_id is None]
    shades = []
    for day in days:
        midnight = datetime.combine(day, time(0), zone)
        after = datetime.combine(day + timedelta(days=1), time(0), zone)
        for b in shown:
            start, end = max(b.start, midnight), min(b.end, after)
            if start < end:
                shades.append(Shade(day, start, end, b.label, b.colour, _when(b, zone)))
    return tuple(shades)


def _when(b: BusyBlock, zone: ZoneInfo) -> str:
    """A studio busy time's tooltip: what, and when in the studio's time."""
    a, z = b.start.astimezone(zone), b.end.astimezone(zone)
    last = (b.end - timedelta(seconds=1)).astimezone(zone)
    if b.all_day:
        when = (
            f"{a:%a %d %b}, all day"
            if a.date() == last.date()
            else f"{a:%a %d %b} to {last:%a %d %b}, all day"
        )
    elif a.date() == last.date():
        when = f"{a:%a %d %b %H:%M}\N{EN DASH}{z:%H:%M}"
    else:
        when = f"{a:%a %d %b %H:%M} to {z:%a %d %b %H:%M}"
    return f"{b.label}\n{when}"
