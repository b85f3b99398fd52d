"""The desk's day as a grid: the calendar's day by teacher or room, with the time now marked,
late lessons in red, each column's next free slot outlined, and practice bookings shaded."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen

from studiosync_desktop.ui.calendar_grid import CalendarGrid, LessonFeed
from studiosync_desktop.ui.table_model import ALERT
from studiosync_desktop.ui.time_axis import GUTTER, HEADER

if TYPE_CHECKING:
    from collections.abc import Hashable
    from zoneinfo import ZoneInfo

    from PySide6.QtWidgets import QWidget

    from studiosync_desktop.schemas.rows import LessonRow

NOW_COLOUR = ALERT
LATE_COLOUR = QColor("#c62828")
HERE_COLOUR = QColor("#2e7d32")
DONE_COLOUR = QColor("#6b7785")  # taught: out of the way, not to be read as "here"
FREE_COLOUR = QColor("#2e7d32")
# The free box shows where the next free slot starts; the list beside says how long it is.
FREE_BOX = timedelta(hours=1)


class TodayFeed(LessonFeed):
    """Lessons coloured by how the day goes: late in red, here in green, taught in grey."""

    def __init__(self) -> None:
        super().__init__()
        self.colour_by = "status"
        self.late: frozenset[object] = frozenset()

    def colour(self, block: LessonRow) -> QColor:
        if block.id in self.late:
            return LATE_COLOUR
        if block.status == "in_progress":
            return HERE_COLOUR
        if block.status == "completed":
            return DONE_COLOUR
        return super().colour(block)

    def describe(self, block: LessonRow, zone: ZoneInfo) -> str:
        text = super().describe(block, zone)
        return f"Late: not checked in\n{text}" if block.id in self.late else text

    def movable(self, block: LessonRow) -> bool:
        return False  # no moving from the overview: the Calendar tab moves lessons


class TodayGrid(CalendarGrid):
    """Read at a glance: a red line at the time now (moved by the tab's clock), late lessons
    in red, checked-in ones in green, a dashed "Free" box at each column's next free slot.

    Lessons are not dragged here (the Calendar tab moves them): a click selects, Enter or a
    double-click opens, Enter on a free slot books it."""

    feed: TodayFeed

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, TodayFeed())
        self.now: datetime | None = None
        self.free: dict[Hashable, tuple[datetime, datetime]] = {}

    @property
    def late(self) -> frozenset[object]:
        return self.feed.late

    @late.setter
    def late(self, ids: frozenset[object]) -> None:
        self.feed.late = ids

    def y_now(self) -> int | None:
        """Where the line of the time now is, or None when the day shown is not today."""
        if self.now is None or not self.columns:
            return None
        if self.local(self.now).date() != self.columns[0].day:
            return None
        return self.y_of(self.now)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        p = QPainter(self)
        visible = self.visibleRegion().boundingRect()
        p.setClipRect(
            QRect(
                visible.left() + GUTTER, visible.top() + HEADER, visible.width(), visible.height()
            )
        )
        index = {c.key: i for i, c in enumerate(self.columns)}
        for key, (start, end) in self.free.items():
            col = index.get(key)
            if col is not None:
                self._paint_free(p, col, start, end)
        y = self.y_now()
        if y is not None:
            p.setClipping(False)
            p.setPen(QPen(NOW_COLOUR, 2))
            p.drawLine(visible.left() + GUTTER - 6, y, self.width(), y)
            p.setBrush(NOW_COLOUR)
            p.drawEllipse(visible.left() + GUTTER - 8, y - 4, 8, 8)
            assert self.now is not None
            p.drawText(
                QRect(visible.left(), y - self._line_height, GUTTER - 10, self._line_height),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom,
                f"{self.local(self.now):%H:%M}",
            )
        p.end()

    def _paint_free(self, p: QPainter, col: int, start: datetime, end: datetime) -> None:
        rect = self.column_rect(col, start, min(end, start + FREE_BOX))
        p.setPen(QPen(FREE_COLOUR, 2, Qt.PenStyle.DashLine))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRoundedRect(rect, 4, 4)
        p.drawText(
            rect.adjusted(6, 2, -4, -2),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop,
            f"Free {self.local(start):%H:%M}",
        )
