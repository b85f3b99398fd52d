"""The room day grid: one column per room, time down, bookings as blocks; drag free time to book.

Pure painting over data handed in (no I/O): `set_day(rooms, blocks, zone, day)`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from PySide6.QtCore import QPoint, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QMouseEvent, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

GUTTER = 56
HEADER = 30
COLUMN_MIN = 130
MINUTE_PX = 1.0
SNAP = 15

RESERVATION = QColor("#3b6ea5")
PENDING = QColor("#8aa9cc")
LESSON = QColor("#2e7d32")
FADED = QColor("#9e9e9e")
SELECTION = QColor(255, 193, 7, 120)


@dataclass(frozen=True)
class GridRoom:
    id: uuid.UUID
    name: str
    hourly_rate: str
    is_active: bool


@dataclass(frozen=True)
class GridBlock:
    """One booking drawn in the grid; `key` identifies it for the tab (a reservation id)."""

    key: uuid.UUID
    room_id: uuid.UUID | None
    room_name: str
    start: datetime
    end: datetime
    title: str
    detail: str
    kind: str  # 'reservation' or 'lesson'
    status: str


class RoomDayGrid(QWidget):
    """Click a block to select it; press and drag on free time (or click) to ask for a booking."""

    block_clicked = Signal(object)  # GridBlock
    book_requested = Signal(object, object, object)  # room id, start, end (aware datetimes)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rooms: tuple[GridRoom, ...] = ()
        self.blocks: tuple[GridBlock, ...] = ()
        self.zone = ZoneInfo("UTC")
        self.day = date.today()
        self.first_hour, self.last_hour = 7, 22
        self.selected: uuid.UUID | None = None
        self._drag: tuple[int, float, float] | None = None  # column, y0, y1
        self.setMouseTracking(False)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)

    def set_day(
        self,
        rooms: tuple[GridRoom, ...],
        blocks: tuple[GridBlock, ...],
        zone: ZoneInfo,
        day: date,
    ) -> None:
        self.rooms, self.blocks, self.zone, self.day = rooms, blocks, zone, day
        hours = [
            b.start.astimezone(zone).hour for b in blocks if b.start.astimezone(zone).date() == day
        ]
        ends = [b.end.astimezone(zone) for b in blocks if b.end.astimezone(zone).date() == day]
        self.first_hour = min([7, *hours])
        self.last_hour = max([22, *[e.hour + (1 if e.minute else 0) for e in ends]])
        self.updateGeometry()
        self.update()

    def select(self, key: uuid.UUID | None) -> None:
        self.selected = key
        self.update()

    def selected_rect(self) -> QRectF | None:
        """Where the selected booking is drawn (to scroll it into view)."""
        block = next((b for b in self.blocks if b.key == self.selected), None)
        return None if block is None else self._block_rect(block)

    # --- geometry ------------------------------------------------------------------------------

    def sizeHint(self) -> QSize:
        height = HEADER + int((self.last_hour - self.first_hour) * 60 * MINUTE_PX) + 2
        return QSize(GUTTER + COLUMN_MIN * max(len(self.rooms), 1), height)

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def _column_width(self) -> float:
        return (self.width() - GUTTER) / max(len(self.rooms), 1)

    def _y(self, moment: datetime) -> float:
        local = moment.astimezone(self.zone)
        origin = datetime.combine(self.day, time(self.first_hour), self.zone)
        minutes = (local - origin).total_seconds() / 60
        return HEADER + minutes * MINUTE_PX

    def _time_at(self, y: float) -> datetime:
        minutes = max(0.0, (y - HEADER) / MINUTE_PX)
        snapped = int(minutes // SNAP) * SNAP
        origin = datetime.combine(self.day, time(self.first_hour), self.zone)
        return origin + timedelta(minutes=snapped)

    def _column_at(self, x: float) -> int | None:
        if x < GUTTER or not self.rooms:
            return None
        index = int((x - GUTTER) // self._column_width())
        return index if 0 <= index < len(self.rooms) else None

    def _block_rect(self, block: GridBlock) -> QRectF | None:
        ids = [r.id for r in self.rooms]
        names = [r.name for r in self.rooms]
        if block.room_id in ids:
            column = ids.index(block.room_id)
        elif block.room_name in names:
            column = names.index(block.room_name)
        else:
            return None
        top = max(self._y(block.start), HEADER)
        bottom = min(self._y(block.end), float(self.sizeHint().height()))
        w = self._column_width()
        return QRectF(GUTTER + column * w + 3, top + 1, w - 6, max(bottom - top - 2, 12))

    # --- painting ------------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        text = pal.color(QPalette.ColorRole.WindowText)
        grid = QColor(text)
        grid.setAlpha(40)
        half = QColor(text)
        half.setAlpha(18)
        p.fillRect(self.rect(), pal.color(QPalette.ColorRole.Base))
        w = self._column_width()
        small = QFont(self.font())
        small.setPointSizeF(small.pointSizeF() * 0.9)
        # Hours.
        for hour in range(self.first_hour, self.last_hour + 1):
            y = HEADER + (hour - self.first_hour) * 60 * MINUTE_PX
            p.setPen(QPen(grid))
            p.drawLine(GUTTER, int(y), self.width(), int(y))
            if hour < self.last_hour:
                p.setPen(QPen(half))
                p.drawLine(GUTTER, int(y + 30 * MINUTE_PX), self.width(), int(y + 30 * MINUTE_PX))
            p.setPen(QPen(text))
            p.setFont(small)
            p.drawText(
                QRectF(0, y - 8, GUTTER - 8, 16), Qt.AlignmentFlag.AlignRight, f"{hour:02d}:00"
            )
        # Room columns and their names.
        bold = QFont(self.font())
        bold.setBold(True)
        for i, room in enumerate(self.rooms):
            x = GUTTER + i * w
            p.setPen(QPen(grid))
            p.drawLine(int(x), 0, int(x), self.height())
            p.setPen(QPen(text if room.is_active else FADED))
            p.setFont(bold)
            label = room.name if room.is_active else f"{room.name} (closed)"
            p.drawText(
                QRectF(x + 4, 4, w - 8, HEADER - 8),
                Qt.AlignmentFlag.AlignCenter,
                p.fontMetrics().elidedText(label, Qt.TextElideMode.ElideRight, int(w - 8)),
            )
        # Bookings.
        p.setFont(small)
        for block in self.blocks:
            rect = self._block_rect(block)
            if rect is None:
                continue
            color = _block_colour(block)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(color)
            p.drawRoundedRect(rect, 4, 4)
            if block.key == self.selected:
                p.setPen(QPen(QColor("#ffb300"), 3))
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawRoundedRect(rect.adjusted(-1, -1, 1, 1), 5, 5)
            p.setPen(QPen(QColor("white")))
            start, end = block.start.astimezone(self.zone), block.end.astimezone(self.zone)
            lines = [f"{start:%H:%M}-{end:%H:%M}  {block.title}", block.detail]
            p.drawText(
                rect.adjusted(5, 2, -4, -2),
                int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
                | int(Qt.TextFlag.TextWordWrap),
                "\n".join(line for line in lines if line),
            )
        # The time being dragged out.
        if self._drag is not None:
            column, y0, y1 = self._drag
            top, bottom = sorted((y0, y1))
            start, end = self._time_at(top), self._time_at(bottom) + timedelta(minutes=SNAP)
            rect = QRectF(
                GUTTER + column * w + 3, self._y(start), w - 6, self._y(end) - self._y(start)
            )
            p.setPen(QPen(QColor("#c99a00"), 1, Qt.PenStyle.DashLine))
            p.setBrush(SELECTION)
            p.drawRoundedRect(rect, 4, 4)
            p.setPen(QPen(text))
            p.drawText(
                rect.adjusted(5, 2, -4, -2),
                int(Qt.AlignmentFlag.AlignLeft),
                f"{start:%H:%M}-{end:%H:%M}",
            )
        p.end()

    # --- mouse ----------------------------------------------------------------------------------

    def block_at(self, pos: QPoint) -> GridBlock | None:
        for block in reversed(self.blocks):
            rect = self._block_rect(block)
            if rect is not None and rect.contains(pos.toPointF()):
                return block
        return None

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        pos = event.position()
        block = self.block_at(pos.toPoint())
        if block is not None:
            self.select(block.key)
            self.block_clicked.emit(block)
            return
        column = self._column_at(pos.x())
        if column is not None and pos.y() > HEADER and self.rooms[column].is_active:
            self._drag = (column, pos.y(), pos.y())
            self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drag is not None:
            column, y0, _ = self._drag
            self._drag = (column, y0, event.position().y())
            self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._drag is None:
            return
        column, y0, y1 = self._drag
        self._drag = None
        self.update()
        top, bottom = sorted((y0, y1))
        start = self._time_at(top)
        end = self._time_at(bottom) + timedelta(minutes=SNAP)
        if end - start <= timedelta(minutes=SNAP):
            end = start + timedelta(hours=1)  # a click books an hour
        self.book_requested.emit(self.rooms[column].id, start, end)


def _block_colour(block: GridBlock) -> QColor:
    if block.status in ("cancelled", "no_show"):
        return FADED
    if block.kind == "lesson":
        return LESSON
    if block.status == "pending":
        return PENDING
    return RESERVATION
