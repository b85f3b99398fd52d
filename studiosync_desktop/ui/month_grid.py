"""The calendar's month: six weeks of days, each with its count of lessons; a day opens."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, timedelta

from PySide6.QtCore import QEvent, QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QHelpEvent, QKeyEvent, QMouseEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from studiosync_desktop.schemas.month import MonthDay
from studiosync_desktop.ui.calendar_grid import STATUS_COLOURS, STATUS_WORDS, teacher_colour
from studiosync_desktop.ui.day_grid import CLOSED_FILL, CLOSED_TEXT
from studiosync_desktop.ui.lesson_colours import instrument_colour

WEEKS = 6
HEADER = 26
BAR = 8  # the colour bar at the foot of a day: its lessons split by the chosen colouring
MIN_CELL = QSize(84, 64)
KEY_STEPS = {
    Qt.Key.Key_Left: -1,
    Qt.Key.Key_Right: 1,
    Qt.Key.Key_Up: -7,
    Qt.Key.Key_Down: 7,
}


def month_start(day: date) -> date:
    return day.replace(day=1)


def grid_start(first: date) -> date:
    """The Monday on or before the month's first day: the grid's top-left day."""
    return first - timedelta(days=first.weekday())


class MonthGrid(QWidget):
    """Six weeks from the Monday before the month's first day. The arrows move the day under
    the keyboard cursor (into the next or previous month too); Enter or a click opens it."""

    day_requested = Signal(object)  # date: show that day, a column per teacher
    month_requested = Signal(object)  # date in another month: show that month, cursor on it

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(MIN_CELL.width() * 7, HEADER + MIN_CELL.height() * WEEKS)
        self.setAccessibleName("Month")
        self.first = month_start(date.today())
        self.today = date.today()
        self.cursor_day = self.today
        self.colour_by = "teacher"
        self.days: dict[date, MonthDay] = {}
        self.closed: dict[date, str] = {}
        self.teacher_names: dict[uuid.UUID, str] = {}

    # --- data ------------------------------------------------------------------------

    def set_data(
        self, first: date, days: Sequence[MonthDay], closed: dict[date, str], today: date
    ) -> None:
        self.first, self.today = month_start(first), today
        self.days = {d.day: d for d in days}
        self.closed = closed
        if month_start(self.cursor_day) != self.first:
            self.cursor_day = today if month_start(today) == self.first else self.first
        self.update()

    @property
    def start(self) -> date:
        return grid_start(self.first)

    def shown_days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range(7 * WEEKS)]

    def count_text(self, day: date) -> str:
        """What a day says under its date: "12 lessons", "Closed", or nothing."""
        if day in self.closed:
            return "Closed"
        held = self.days[day].held if day in self.days else 0
        return f"{held} lesson{'' if held == 1 else 's'}" if held else ""

    def breakdown(self, day: date) -> str:
        """The tooltip: the day's lessons split the way the colours are (and the cancelled)."""
        lines = [f"{day:%A %d %B %Y}"]
        if day in self.closed:
            reason = self.closed[day]
            lines.append("Studio closed" + (f": {reason}" if reason else ""))
        info = self.days.get(day)
        if info is None:
            return "\n".join([*lines, "No lessons"])
        for label, n in self._parts(info):
            lines.append(f"{label}: {n}")
        if info.cancelled and self.colour_by != "status":
            lines.append(f"Cancelled or no-show: {info.cancelled}")
        return "\n".join(lines)

    def _parts(self, info: MonthDay) -> list[tuple[str, int]]:
        if self.colour_by == "instrument":
            return [(what or "No instrument", n) for what, n in info.by_instrument]
        if self.colour_by == "status":
            return [(STATUS_WORDS.get(st, st).capitalize(), n) for st, n in info.by_status]
        return [(self.teacher_names.get(t, "Teacher"), n) for t, n in info.by_teacher]

    def _colours(self, info: MonthDay) -> list[tuple[QColor, int]]:
        if self.colour_by == "instrument":
            return [(instrument_colour(what), n) for what, n in info.by_instrument]
        if self.colour_by == "status":
            return [(QColor(STATUS_COLOURS.get(st, "#3b6ea5")), n) for st, n in info.by_status]
        return [(teacher_colour(t), n) for t, n in info.by_teacher]

    # --- geometry --------------------------------------------------------------------

    def cell_size(self) -> tuple[float, float]:
        return self.width() / 7, (self.height() - HEADER) / WEEKS

    def cell_rect(self, day: date) -> QRect:
        i = (day - self.start).days
        w, h = self.cell_size()
        return QRect(int((i % 7) * w), int(HEADER + (i // 7) * h), int(w), int(h))

    def day_at(self, pos: QPoint) -> date | None:
        w, h = self.cell_size()
        if pos.y() < HEADER or w <= 0 or h <= 0:
            return None
        col, row = int(pos.x() // w), int((pos.y() - HEADER) // h)
        if not (0 <= col < 7 and 0 <= row < WEEKS):
            return None
        return self.start + timedelta(days=row * 7 + col)

    # --- input -----------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = Qt.Key(event.key())
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.day_requested.emit(self.cursor_day)
            return
        step = KEY_STEPS.get(key)
        if step is None or event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            super().keyPressEvent(event)  # Ctrl+arrows page the month (the window's keys)
            return
        self.move_cursor(self.cursor_day + timedelta(days=step))

    def move_cursor(self, day: date) -> None:
        self.cursor_day = day
        if month_start(day) != self.first:
            self.month_requested.emit(day)
        self.update()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        day = self.day_at(event.position().toPoint())
        if day is None or event.button() != Qt.MouseButton.LeftButton:
            super().mousePressEvent(event)
            return
        self.cursor_day = day
        self.update()
        self.day_requested.emit(day)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            day = self.day_at(event.pos())
            if day is None:
                QToolTip.hideText()
            else:
                QToolTip.showText(event.globalPos(), self.breakdown(day), self)
            return True
        return super().event(event)

    # --- painting --------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        pal = self.palette()
        p.fillRect(self.rect(), pal.base())
        w, _h = self.cell_size()
        bold = QFont(p.font())
        bold.setBold(True)
        plain = QFont(p.font())
        p.setFont(bold)
        p.setPen(pal.text().color())
        for i in range(7):
            name = (self.start + timedelta(days=i)).strftime("%a")
            p.drawText(QRect(int(i * w), 0, int(w), HEADER), Qt.AlignmentFlag.AlignCenter, name)
        for day in self.shown_days():
            self._paint_day(p, day, bold, plain)
        p.end()

    def _paint_day(self, p: QPainter, day: date, bold: QFont, plain: QFont) -> None:
        pal = self.palette()
        rect = self.cell_rect(day)
        in_month = month_start(day) == self.first
        if day in self.closed:
            p.fillRect(rect, CLOSED_FILL)
        elif day == self.today:
            p.fillRect(rect, pal.alternateBase())
        elif not in_month:
            p.fillRect(rect, pal.window())
        p.setPen(pal.mid().color())
        p.drawRect(rect.adjusted(0, 0, -1, -1))
        inner = rect.adjusted(6, 4, -6, -4)
        text = pal.text().color() if in_month else pal.placeholderText().color()
        p.setFont(bold if day == self.today else plain)
        p.setPen(text)
        label = f"{day.day}" if day.day != 1 else f"{day.day} {day:%b}"
        p.drawText(inner, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, label)
        p.setFont(plain)
        p.setPen(CLOSED_TEXT if day in self.closed else text)
        p.drawText(
            inner.adjusted(0, 0, 0, -BAR - 2),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom,
            self.count_text(day),
        )
        info = self.days.get(day)
        if info is not None:
            self._paint_bar(p, QRect(inner.left(), inner.bottom() - BAR, inner.width(), BAR), info)
        if day == self.cursor_day and self.hasFocus():
            pen = p.pen()
            pen.setColor(pal.highlight().color())
            pen.setWidth(3)
            p.setPen(pen)
            p.drawRect(rect.adjusted(2, 2, -3, -3))

    def _paint_bar(self, p: QPainter, bar: QRect, info: MonthDay) -> None:
        """The day's lessons as a bar split by teacher, instrument or status."""
        parts = self._colours(info)
        total = sum(n for _c, n in parts)
        if not total:
            return
        x = float(bar.left())
        for colour, n in parts:
            width = bar.width() * n / total
            p.fillRect(QRect(int(x), bar.top(), max(1, round(width)), bar.height()), colour)
            x += width
