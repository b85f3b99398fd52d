"""The day grids' time axis: which hours show, how tall a quarter is, y <-> time, snapping."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QPainter, QPalette, QPen

if TYPE_CHECKING:
    from collections.abc import Iterable

# The rows before the studio's opening hours are known (then: its hours, widened to any
# booking outside them, so nothing booked is ever off the grid).
FIRST_HOUR = 8
LAST_HOUR = 22
SLOT_MINUTES = 15  # one row of the grid (the keyboard cursor moves by one)
HEADER = 34  # the column titles
GUTTER = 52  # the hours


@dataclass
class TimeAxis:
    """Time down the grid: hours `first_hour`..`last_hour` of the studio's zone, a row per
    quarter of `slot_height` pixels under a `HEADER`; drags land on the studio's grid
    (`snap_minutes`: every 5 or 15 minutes of its day)."""

    slot_height: int
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    opening: tuple[time, time] = (time(FIRST_HOUR), time(LAST_HOUR))
    first_hour: int = FIRST_HOUR
    last_hour: int = LAST_HOUR
    snap_minutes: int = SLOT_MINUTES

    def local(self, value: datetime) -> datetime:
        return value.astimezone(self.zone)

    def slots(self) -> int:
        return (self.last_hour - self.first_hour) * 60 // SLOT_MINUTES

    def height(self) -> int:
        """The grid's height: the titles and every row, with the closing line."""
        return HEADER + self.slots() * self.slot_height + 1

    def slot_per_hour(self) -> int:
        return 60 // SLOT_MINUTES

    def fit(self, spans: Iterable[tuple[datetime, datetime]]) -> int:
        """The opening hours widened to every span (its local hours); the rows the first
        hour moved by (to keep a cursor on the same time), 0 when nothing changed."""
        pairs = [(self.local(a), self.local(b)) for a, b in spans]
        first = min([self.opening[0].hour, *(a.hour for a, b in pairs if b > a)])
        closes = self.opening[1]
        last = max(
            [
                closes.hour + (1 if closes.minute else 0),
                *(24 if b.date() > a.date() else b.hour + (1 if b.minute else 0) for a, b in pairs),
            ]
        )
        if (first, min(24, last)) == (self.first_hour, self.last_hour):
            return 0
        shift = (self.first_hour - first) * self.slot_per_hour()
        self.first_hour, self.last_hour = first, min(24, last)
        return shift

    def first_in_view(self, day: date, starts: Iterable[datetime]) -> datetime:
        """Where days first open: half an hour before the earliest lesson's time of day (a
        Saturday morning's lessons stay in view in a week of afternoons), or the afternoon,
        when most lessons are, on days without any."""
        times = [self.local(s).time() for s in starts]
        if not times:
            return datetime.combine(day, time(14), self.zone)
        return datetime.combine(day, min(times), self.zone) - timedelta(minutes=30)

    def y_of(self, value: datetime) -> int:
        """The y of a moment of its local day (a moment past midnight: below the last row)."""
        local = self.local(value)
        minutes = local.hour * 60 + local.minute - self.first_hour * 60
        return HEADER + round(minutes * self.slot_height / SLOT_MINUTES)

    def y_of_slot(self, slot: int) -> int:
        return HEADER + slot * self.slot_height

    def slot_at(self, y: float) -> int:
        """The row under `y` (negative above the first, `slots()` or more below the last)."""
        return int((y - HEADER) // self.slot_height)

    def slot_time(self, day: date, slot: int) -> datetime:
        """When row `slot` of `day` starts (the row after the last one: midnight)."""
        minutes = self.first_hour * 60 + slot * SLOT_MINUTES
        if minutes >= 24 * 60:
            return datetime.combine(day + timedelta(days=1), time(0), self.zone)
        return datetime.combine(day, time(minutes // 60, minutes % 60), self.zone)

    def slot_of(self, value: datetime) -> int:
        """The row a moment falls in, kept on the grid."""
        local = self.local(value)
        minutes = local.hour * 60 + local.minute - self.first_hour * 60
        return min(self.slots() - 1, max(0, minutes // SLOT_MINUTES))

    def time_at(self, day: date, y: float, floor: bool = False) -> datetime:
        """The studio's grid mark nearest `y` on `day` (with `floor`: the mark at or above
        it, where a press inside a row books), kept within the hours shown."""
        minutes = max(0.0, (y - HEADER) * SLOT_MINUTES / self.slot_height)
        minutes = min(minutes, (self.last_hour - self.first_hour) * 60.0)
        if floor:
            minutes = minutes // self.snap_minutes * self.snap_minutes
        origin = datetime.combine(day, time(self.first_hour), self.zone)
        return self.on_grid(origin + timedelta(minutes=minutes))

    def minutes(self, dy: float) -> timedelta:
        """The time `dy` pixels stand for (whole minutes)."""
        return timedelta(minutes=round(dy * SLOT_MINUTES / self.slot_height))

    def on_grid(self, when: datetime) -> datetime:
        """`when` on the nearest mark of the studio's grid (every 5 or 15 minutes of its day):
        a drag never saves 16:00-16:17."""
        local = self.local(when)
        midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
        minutes = (local - midnight).total_seconds() / 60
        step = self.snap_minutes
        return midnight + timedelta(minutes=round(minutes / step) * step)

    def snap(self, dy: int) -> int:
        """A drag's `dy` on whole marks of the studio's grid."""
        step = self.slot_height * self.snap_minutes / SLOT_MINUTES  # pixels per grid mark
        return round(round(dy / step) * step)

    # --- painting ---------------------------------------------------------------------------

    def paint_rows(self, p: QPainter, pal: QPalette, width: int) -> None:
        """A line on each hour across the gutter, a lighter one on each quarter."""
        grid_pen = QPen(pal.mid().color())
        light_pen = QPen(pal.midlight().color())
        for slot in range(self.slots() + 1):
            y = self.y_of_slot(slot)
            on_hour = slot % self.slot_per_hour() == 0
            p.setPen(grid_pen if on_hour else light_pen)
            p.drawLine(GUTTER if not on_hour else 0, y, width, y)

    def paint_hours(self, p: QPainter, pal: QPalette, left: int, height: int) -> None:
        """The hours in the gutter at `left` (the left of the part in view: they stay there
        however far the grid scrolls sideways, covering the blocks passing under them)."""
        if left > 0:
            p.fillRect(QRect(left, HEADER, GUTTER, height - HEADER), pal.base())
            p.setPen(QPen(pal.mid().color()))
            p.drawLine(left + GUTTER, HEADER, left + GUTTER, height)
        p.setPen(pal.text().color())
        for hour in range(self.last_hour - self.first_hour):
            y = self.y_of_slot(hour * self.slot_per_hour())
            p.drawText(
                QRect(left, y + 1, GUTTER - 6, self.slot_height * 2),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop,
                f"{self.first_hour + hour:02d}:00",
            )
