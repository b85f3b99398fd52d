"""The calendar grid: columns (days, teachers or rooms) across, time down, lessons as blocks."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from PySide6.QtCore import QPoint, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from studiosync_desktop.schemas.rows import LessonRow
from studiosync_desktop.ui.lesson_colours import instrument_colour
from studiosync_desktop.ui.week_layout import FADED, HourCount, fit_names, lay_out

# The rows before the studio's opening hours are known (then: its hours, widened to any
# lesson outside them, so nothing booked is ever off the grid).
FIRST_HOUR = 8
LAST_HOUR = 22
SLOT_MINUTES = 15
HEADER = 34
GUTTER = 52
MIN_TEXT_WIDTH = 28  # narrower blocks are drawn as plain bars, without text
# Side by side lessons get lanes at least this wide (time and name stay readable); a busier
# stretch is counted per hour ("8 lessons" and who comes), a tile that opens the day.
MIN_LANE_WIDTH = 64
WIDE_BLOCK = 120  # blocks this wide show the end time too
# Columns stay at least this wide; the grid scrolls sideways when a day has many teachers.
MIN_COLUMN_WIDTH = 96
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
CLOSED_FILL = QColor("#fde2e1")
CLOSED_TEXT = QColor("#9b2c2c")
CLOSED_HATCH = QColor(197, 48, 48, 40)
# Outside a teacher's working hours: greyed, readable on light and dark palettes.
OFF_HOURS = QColor(128, 128, 128, 60)


@dataclass(frozen=True)
class GridColumn:
    key: Hashable
    title: str
    day: date


@dataclass(frozen=True)
class MoreChip:
    """A busy hour of one column, counted ("8 lessons") rather than squeezed side by side."""

    col: int
    rect: QRect
    count: HourCount

    @property
    def hour(self) -> datetime:
        return self.count.hour

    @property
    def rows(self) -> tuple[LessonRow, ...]:
        return self.count.rows


def teacher_colour(teacher_id: uuid.UUID) -> QColor:
    digest = hashlib.blake2s(teacher_id.bytes, digest_size=1).digest()[0]
    return QColor(TEACHER_COLOURS[digest % len(TEACHER_COLOURS)])


class CalendarGrid(QWidget):
    """Paints the blocks; double-click or Enter books an empty slot or opens a block.

    Dragging a block asks to move it, dragging its bottom edge asks to resize it; the tab
    calls the service and, if refused, the block goes back where it was.
    """

    open_requested = Signal(object)  # lesson id
    book_requested = Signal(object, object)  # column key, aware start datetime
    move_requested = Signal(object, object, object)  # lesson id, new start, new end
    day_requested = Signal(object)  # aware datetime: show that day and hour, per teacher
    cursor_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMouseTracking(True)
        self.zone = ZoneInfo("UTC")
        self.columns: list[GridColumn] = []
        self.rows: tuple[LessonRow, ...] = ()
        self.column_of: Callable[[LessonRow], Hashable] = lambda r: self.local(r.start).date()
        self.colour_by = "teacher"
        self.slot_height = max(14, self.fontMetrics().height() + 2)
        self.cursor_col = 0
        self.opening = (time(FIRST_HOUR), time(LAST_HOUR))
        self.first_hour, self.last_hour = FIRST_HOUR, LAST_HOUR
        self.snap_minutes = SLOT_MINUTES  # the studio's grid for drags and resizes: 5 or 15
        self.cursor_slot = (16 - FIRST_HOUR) * 60 // SLOT_MINUTES
        self.selected: uuid.UUID | None = None
        self._drag: tuple[uuid.UUID, str, QPoint, QRect] | None = None
        self._drag_rect: QRect | None = None
        self._rects: list[tuple[QRect, LessonRow]] = []
        self._more: list[MoreChip] = []
        self._held: dict[int, int] = {}  # lessons taking place per column
        self._colours: dict[Hashable, QColor] = {}
        # Studio closures (day -> reason) in the columns' range: marked in the header.
        self.closed: dict[date, str] = {}
        # Per column index: the working time shown unshaded (a column not listed: no hours set).
        self.working: dict[int, list[tuple[datetime, datetime]]] = {}
        # Outside calendars' busy times: (column, start, end, label, colour).
        self.busy: list[tuple[int, datetime, datetime, str, str]] = []
        self._plain_font = QFont(self.font())
        self._struck_font = QFont(self.font())
        self._line_height = self.fontMetrics().height()
        self.setMinimumHeight(self.sizeHint().height())

    # --- data ------------------------------------------------------------------------

    def set_data(
        self,
        columns: Sequence[GridColumn],
        rows: tuple[LessonRow, ...],
        column_of: Callable[[LessonRow], Hashable],
        zone: ZoneInfo,
    ) -> None:
        self.columns = list(columns)
        self.rows = rows
        self.column_of = column_of
        self.zone = zone
        self._fit_hours()
        self.cursor_col = min(self.cursor_col, max(0, len(self.columns) - 1))
        self.setMinimumWidth(GUTTER + len(self.columns) * MIN_COLUMN_WIDTH)
        self._layout_blocks()
        self.update()

    def set_hours(self, opens: time, closes: time) -> None:
        """The studio's opening hours: the grid's rows (widened to any lesson outside them)."""
        self.opening = (opens, closes)
        self._fit_hours()
        self._layout_blocks()
        self.update()

    def _fit_hours(self) -> None:
        starts = [self.local(r.start) for r in self.rows]
        ends = [self.local(r.end) for r in self.rows]
        first = min(
            [self.opening[0].hour, *(t.hour for t, e in zip(starts, ends, strict=True) if e > t)]
        )
        closes = self.opening[1]
        last = max(
            [
                closes.hour + (1 if closes.minute else 0),
                *(
                    24 if e.date() > t.date() else e.hour + (1 if e.minute else 0)
                    for t, e in zip(starts, ends, strict=True)
                ),
            ]
        )
        if (first, last) == (self.first_hour, self.last_hour):
            return
        shift = (self.first_hour - first) * 60 // SLOT_MINUTES
        self.first_hour, self.last_hour = first, min(24, last)
        self.cursor_slot = max(0, min(self.slots() - 1, self.cursor_slot + shift))
        self.setMinimumHeight(self.sizeHint().height())
        self.updateGeometry()

    def local(self, value: datetime) -> datetime:
        return value.astimezone(self.zone)

    def slots(self) -> int:
        return (self.last_hour - self.first_hour) * 60 // SLOT_MINUTES

    def sizeHint(self) -> QSize:
        return QSize(900, HEADER + self.slots() * self.slot_height + 1)

    def column_width(self) -> float:
        return max(40.0, (self.width() - GUTTER) / max(1, len(self.columns)))

    def slot_time(self, col: int, slot: int) -> datetime:
        day = self.columns[col].day
        minutes = self.first_hour * 60 + slot * SLOT_MINUTES
        if minutes >= 24 * 60:  # the slot after the last one: midnight
            return datetime.combine(day + timedelta(days=1), time(0), self.zone)
        return datetime.combine(day, time(minutes // 60, minutes % 60), self.zone)

    def y_of(self, value: datetime) -> int:
        local = self.local(value)
        minutes = local.hour * 60 + local.minute - self.first_hour * 60
        return HEADER + round(minutes * self.slot_height / SLOT_MINUTES)

    def _layout_blocks(self) -> None:
        index = {c.key: i for i, c in enumerate(self.columns)}
        width = self.column_width()
        fits = max(1, int((width - 6) // MIN_LANE_WIDTH))
        by_col: dict[int, list[LessonRow]] = {}
        for r in self.rows:
            col = index.get(self.column_of(r))
            if col is not None:
                by_col.setdefault(col, []).append(r)
        rects: list[tuple[QRect, LessonRow]] = []
        more: list[MoreChip] = []
        for col, lessons in by_col.items():
            left = GUTTER + col * width + 3
            placed, counts = lay_out(lessons, fits, self.local)
            for p in placed:
                lane_w = (width - 6) / p.lanes
                top, bottom = self.y_of(p.row.start), self.y_of(p.row.end)
                x = left + p.lane * lane_w
                rect = QRect(int(x), top + 1, int(lane_w) - 2, max(12, bottom - top - 2))
                rects.append((rect, p.row))
            for c in counts:
                top, bottom = self.y_of(c.top), self.y_of(c.bottom)
                rect = QRect(int(left), top + 1, int(width - 6), max(12, bottom - top - 2))
                more.append(MoreChip(col, rect, c))
        self._rects = rects
        self._more = more
        self._held = {
            col: sum(r.status not in FADED for r in lessons) for col, lessons in by_col.items()
        }

    def column_title(self, i: int) -> str:
        """A column's title: a closed day says why; a day of the week says its lessons."""
        col = self.columns[i]
        if col.day in self.closed:
            reason = self.closed[col.day]
            return f"{col.title}\nClosed" + (f": {reason}" if reason else "")
        held = self._held.get(i, 0)
        if self._is_week() and held:  # a day's load at a glance; a click opens the day
            return f"{col.title}\n{held} lesson{'' if held == 1 else 's'}"
        return col.title

    def _is_week(self) -> bool:
        """Columns of different days (the week), not one day's teachers or rooms."""
        return len({c.day for c in self.columns}) > 1

    def day_title_at(self, pos: QPoint) -> int | None:
        """The week's day whose title is under `pos` (its count opens the day)."""
        visible = self.visibleRegion().boundingRect()
        if not self._is_week() or not visible.top() <= pos.y() < visible.top() + HEADER:
            return None
        if pos.x() < visible.left() + GUTTER:
            return None
        col = int((pos.x() - GUTTER) // self.column_width())
        return col if 0 <= col < len(self.columns) else None

    def _under_labels(self, pos: QPoint) -> bool:
        """On the hours or the column titles, which stay in view over the scrolled grid."""
        visible = self.visibleRegion().boundingRect()
        return pos.x() < visible.left() + GUTTER or pos.y() < visible.top() + HEADER

    def block_at(self, pos: QPoint) -> tuple[QRect, LessonRow] | None:
        if self._under_labels(pos):
            return None
        for rect, row in reversed(self._rects):
            if rect.contains(pos):
                return rect, row
        return None

    def chip_at(self, pos: QPoint) -> MoreChip | None:
        if self._under_labels(pos):
            return None
        return next((c for c in self._more if c.rect.contains(pos)), None)

    def cell_at(self, pos: QPoint) -> tuple[int, int] | None:
        if self._under_labels(pos) or not self.columns:
            return None
        col = int((pos.x() - GUTTER) // self.column_width())
        slot = (pos.y() - HEADER) // self.slot_height
        if 0 <= col < len(self.columns) and 0 <= slot < self.slots():
            return col, slot
        return None

    # --- painting ---------------------------------------------------------------------

    def resizeEvent(self, event: object) -> None:
        self._layout_blocks()
        super().resizeEvent(event)  # type: ignore[arg-type]

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        pal = self.palette()
        p.fillRect(self.rect(), pal.base())
        width = self.column_width()
        grid_pen = QPen(pal.mid().color())
        light_pen = QPen(pal.midlight().color())
        today = datetime.now(self.zone).date()
        for i, col in enumerate(self.columns):
            x = int(GUTTER + i * width)
            if col.day == today and len({c.day for c in self.columns}) > 1:
                p.fillRect(QRect(x, HEADER, int(width), self.height()), pal.alternateBase())
            if col.day in self.closed:
                p.fillRect(
                    QRect(x, HEADER, int(width), self.height()),
                    QBrush(CLOSED_HATCH, Qt.BrushStyle.BDiagPattern),
                )
            self._paint_off_hours(p, i, x, int(width))
            p.setPen(grid_pen)
            p.drawLine(x, 0, x, self.height())
        font = p.font()
        font.setBold(False)
        p.setFont(font)
        for slot in range(self.slots() + 1):
            y = HEADER + slot * self.slot_height
            on_hour = slot % (60 // SLOT_MINUTES) == 0
            p.setPen(grid_pen if on_hour else light_pen)
            p.drawLine(GUTTER if not on_hour else 0, y, self.width(), y)
        # Only the blocks in the part being repainted (a scroll repaints a strip).
        exposed = event.rect()
        self._plain_font = QFont(p.font())
        self._struck_font = QFont(p.font())
        self._struck_font.setStrikeOut(True)
        self._line_height = self.fontMetrics().height()
        self._paint_busy(p, width)
        for rect, row in self._rects:
            if rect.intersects(exposed):
                self._paint_block(p, rect, row)
        for chip in self._more:
            if chip.rect.intersects(exposed):
                self._paint_chip(p, chip)
        # The hours stay at the left of the visible part, the column titles at its top,
        # however the grid scrolls (a day of many teachers scrolls sideways).
        visible = self.visibleRegion().boundingRect()
        self._paint_hours(p, visible.left())
        top = visible.top()
        p.fillRect(QRect(0, top, self.width(), HEADER), pal.window())
        for i, col in enumerate(self.columns):
            x = int(GUTTER + i * width)
            font = p.font()
            font.setBold(col.day == today)
            p.setFont(font)
            title = self.column_title(i)
            if col.day in self.closed:
                # A closed day reads as such before anything else: red band, "Closed: why".
                p.fillRect(QRect(x + 1, top, int(width) - 1, HEADER), CLOSED_FILL)
                p.setPen(CLOSED_TEXT)
            else:
                p.setPen(pal.windowText().color())
            p.drawText(
                QRect(x + 2, top, int(width) - 4, HEADER),
                Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                title,
            )
        if visible.left() > 0:  # the corner above the hours
            p.fillRect(QRect(visible.left(), top, GUTTER, HEADER), pal.window())
        font = p.font()
        font.setBold(False)
        p.setFont(font)
        if self._drag_rect is not None:
            p.setPen(QPen(pal.highlight().color(), 2, Qt.PenStyle.DashLine))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRoundedRect(self._drag_rect, 4, 4)
        if self.columns and self.hasFocus():
            x = int(GUTTER + self.cursor_col * width)
            y = HEADER + self.cursor_slot * self.slot_height
            p.setPen(QPen(pal.highlight().color(), 2))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(QRect(x + 1, y + 1, int(width) - 2, self.slot_height * 2 - 2))
        p.end()

    def _paint_off_hours(self, p: QPainter, col: int, x: int, width: int) -> None:
        """Grey outside the teacher's working time; their stretches stay clear."""
        spans = self.working.get(col)
        if spans is None:
            return
        p.fillRect(QRect(x, HEADER, width, self.height()), OFF_HOURS)
        day = self.columns[col].day
        for a, b in spans:
            if self.local(a).date() != day:
                continue
            top, bottom = max(HEADER, self.y_of(a)), self.y_of(b)
            if bottom > top:
                p.fillRect(QRect(x + 1, top, width - 1, bottom - top), self.palette().base())

    def _paint_busy(self, p: QPainter, width: float) -> None:
        """Outside calendars' busy times: a hatched strip at the right of the column, named."""
        for col, a, b, label, colour in self.busy:
            day = self.columns[col].day
            start = max(a, datetime.combine(day, time(FIRST_HOUR), self.zone))
            end = min(b, datetime.combine(day, time(LAST_HOUR), self.zone))
            if end <= start:
                continue
            x = int(GUTTER + col * width + width * 0.55)
            rect = QRect(
                x,
                self.y_of(start),
                int(width * 0.45) - 2,
                max(8, self.y_of(end) - self.y_of(start)),
            )
            tint = QColor(colour)
            tint.setAlpha(70)
            p.fillRect(rect, tint)
            p.fillRect(rect, QBrush(QColor(colour), Qt.BrushStyle.BDiagPattern))
            p.setPen(QColor(colour).darker(160))
            p.drawRect(rect.adjusted(0, 0, -1, -1))
            p.setPen(self.palette().windowText().color())
            p.drawText(rect.adjusted(3, 1, -2, -1), Qt.TextFlag.TextWordWrap, label)

    def _paint_hours(self, p: QPainter, left: int) -> None:
        pal = self.palette()
        if left > 0:  # scrolled sideways: the hours cover the blocks passing under them
            p.fillRect(QRect(left, HEADER, GUTTER, self.height() - HEADER), pal.base())
            p.setPen(QPen(pal.mid().color()))
            p.drawLine(left + GUTTER, HEADER, left + GUTTER, self.height())
        p.setPen(pal.text().color())
        for hour in range(self.last_hour - self.first_hour):
            y = HEADER + hour * (60 // SLOT_MINUTES) * self.slot_height
            p.drawText(
                QRect(left, y + 1, GUTTER - 6, self.slot_height * 2),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop,
                f"{self.first_hour + hour:02d}:00",
            )

    def _colour(self, row: LessonRow) -> QColor:
        faded = row.status in ("cancelled", "no_show")
        if self.colour_by == "instrument" and not faded:
            return instrument_colour(row.instrument)
        key = row.status if self.colour_by == "status" or faded else row.teacher_id
        colour = self._colours.get(key)
        if colour is None:
            colour = (
                QColor(STATUS_COLOURS.get(row.status, "#3b6ea5"))
                if isinstance(key, str)
                else teacher_colour(row.teacher_id)
            )
            self._colours[key] = colour
        return colour

    def _paint_block(self, p: QPainter, rect: QRect, row: LessonRow) -> None:
        faded = row.status in ("cancelled", "no_show")
        colour = self._colour(row)
        fill = QColor(colour)
        fill.setAlpha(70 if faded else 225)
        if rect.width() < MIN_TEXT_WIDTH:
            # A busy week squeezes dozens of lanes into a day: a bar is all that fits, and
            # is what the eye reads (how full the hour is). Hover or a teacher filter names it.
            p.fillRect(rect, fill)
            if row.id == self.selected:
                p.setPen(QPen(colour.darker(130), 2))
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawRect(rect)
            return
        p.setPen(QPen(colour.darker(130), 2 if row.id == self.selected else 1))
        p.setBrush(fill)
        p.drawRoundedRect(QRectF(rect), 4, 4)
        p.setPen(QColor("#333333") if faded else QColor("white"))
        if row.status == "cancelled":
            p.setFont(self._struck_font)
        a, b = self.local(row.start), self.local(row.end)
        status = (
            "" if row.status == "scheduled" else f" · {STATUS_WORDS.get(row.status, row.status)}"
        )
        who = row.student_name or "(room booking)"
        # A narrow lane keeps what matters: when it starts, who, with whom.
        when = f"{a:%H:%M}" if rect.width() < WIDE_BLOCK else f"{a:%H:%M}\N{EN DASH}{b:%H:%M}"
        lines = [f"{when} {who}", f"{row.teacher_name} · {row.room_name or 'no room'}"]
        if status:
            lines.append(status.strip(" ·").capitalize())
        if rect.height() > 2.6 * self._line_height:
            text = "\n".join(lines)
        else:  # one line: the status only where it fits (colour and strike-through say it)
            text = lines[0] + (status if rect.width() >= WIDE_BLOCK else "")
        p.drawText(
            rect.adjusted(4, 1, -3, -1),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap,
            text,
        )
        if row.status == "cancelled":
            p.setFont(self._plain_font)

    def _paint_chip(self, p: QPainter, chip: MoreChip) -> None:
        pal = self.palette()
        p.setPen(QPen(pal.mid().color()))
        p.setBrush(pal.button())
        p.drawRoundedRect(QRectF(chip.rect), 4, 4)
        p.setPen(pal.buttonText().color())
        font = QFont(self._plain_font)
        font.setBold(True)
        p.setFont(font)
        inside = chip.rect.adjusted(4, 1, -3, -1)
        p.drawText(
            inside, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, chip.count.headline()
        )
        p.setFont(self._plain_font)
        names = inside.adjusted(0, self._line_height, 0, 0)
        lines = names.height() // self._line_height
        if lines:  # who comes, as far as the tile has room
            metrics = p.fontMetrics()
            text = fit_names(chip.count.names(), lines, metrics.horizontalAdvance, names.width())
            p.drawText(names, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, text)

    def _first_hour(self, col: int) -> datetime:
        """Where a day opened from its title scrolls to: its first lesson's hour."""
        key = self.columns[col].key
        starts = [self.local(r.start) for r in self.rows if self.column_of(r) == key]
        first = min(starts, default=self.slot_time(col, self.cursor_slot))
        return first.replace(minute=0, second=0, microsecond=0)

    def describe_chip(self, chip: MoreChip) -> str:
        """The chip in words (its tooltip): the first lessons it stands for, and what a click
        does."""
        lines = [
            f"{self.local(r.start):%H:%M} {r.student_name or '(room booking)'} · {r.teacher_name}"
            for r in sorted(chip.rows, key=lambda r: (r.start, r.teacher_name))[:8]
        ]
        if len(chip.rows) > 8:
            lines.append(f"\N{HORIZONTAL ELLIPSIS} and {len(chip.rows) - 8} more")
        lines.append("Click to see this day with a column per teacher.")
        return "\n".join(lines)

    # --- mouse ------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.setFocus()
        pos = event.position().toPoint()
        chip = self.chip_at(pos)
        if chip is not None and event.button() == Qt.MouseButton.LeftButton:
            self.day_requested.emit(chip.hour)
            return
        title = self.day_title_at(pos)
        if title is not None and event.button() == Qt.MouseButton.LeftButton:
            self.day_requested.emit(self._first_hour(title))
            return
        hit = self.block_at(pos)
        if hit is not None:
            rect, row = hit
            self.selected = row.id
            mode = "resize" if pos.y() >= rect.bottom() - 5 else "move"
            if row.status == "scheduled":
                self._drag = (row.id, mode, pos, rect)
        else:
            self.selected = None
        cell = self.cell_at(pos)
        if cell is not None:
            self.cursor_col, self.cursor_slot = cell
            self.cursor_changed.emit()
        self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position().toPoint()
        if self._drag is None:
            hit = self.block_at(pos)
            near_edge = hit is not None and pos.y() >= hit[0].bottom() - 5
            chip = self.chip_at(pos) if hit is None else None
            title = self.day_title_at(pos) if hit is None and chip is None else None
            if hit is not None:
                tip = self.describe(hit[1])
            elif chip is not None:
                tip = self.describe_chip(chip)
            elif title is not None:
                tip = "Click to see this day with a column per teacher."
            else:
                tip = ""
            self.setToolTip(tip)
            self.setCursor(
                Qt.CursorShape.SizeVerCursor
                if near_edge
                else Qt.CursorShape.PointingHandCursor
                if chip is not None or title is not None
                else Qt.CursorShape.ArrowCursor
            )
            return
        _id, mode, origin, rect = self._drag
        dy = self._snap(pos.y() - origin.y())
        if mode == "move":
            cell = self.cell_at(QPoint(pos.x(), max(HEADER, pos.y())))
            col_x = (
                int(GUTTER + cell[0] * self.column_width()) + 3 if cell is not None else rect.x()
            )
            self._drag_rect = QRect(col_x, rect.y() + dy, rect.width(), rect.height())
        else:
            self._drag_rect = QRect(
                rect.x(), rect.y(), rect.width(), max(self.slot_height, rect.height() + dy)
            )
        self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        drag, target = self._drag, self._drag_rect
        self._drag, self._drag_rect = None, None
        self.update()
        if drag is None or target is None:
            return
        lesson_id, mode, _origin, rect = drag
        row = next(r for _, r in self._rects if r.id == lesson_id)
        minutes_per_px = SLOT_MINUTES / self.slot_height
        if mode == "move":
            cell = self.cell_at(QPoint(target.center().x(), max(HEADER, target.top())))
            shift = timedelta(minutes=round((target.top() - rect.top()) * minutes_per_px))
            start = row.start + shift
            if cell is not None and self.columns[cell[0]].day != self.local(row.start).date():
                start += timedelta(
                    days=(self.columns[cell[0]].day - self.local(row.start).date()).days
                )
            start = self.on_grid(start)
            end = start + (row.end - row.start)
        else:
            start = row.start
            end = row.end + timedelta(
                minutes=round((target.height() - rect.height()) * minutes_per_px)
            )
            end = max(self.on_grid(end), start + timedelta(minutes=self.snap_minutes))
        if (start, end) != (row.start, row.end) and end > start:
            self.move_requested.emit(lesson_id, start, end)

    def describe(self, row: LessonRow) -> str:
        """The block in words (its tooltip): narrow blocks have no room for text."""
        a, b = self.local(row.start), self.local(row.end)
        status = STATUS_WORDS.get(row.status, row.status)
        return (
            f"{a:%a %d %b %H:%M}\N{EN DASH}{b:%H:%M}  {row.student_name or '(room booking)'}\n"
            f"{row.teacher_name} · {row.room_name or 'no room'} · {status}"
        )

    def on_grid(self, when: datetime) -> datetime:
        """`when` on the nearest mark of the studio's grid (every 5 or 15 minutes of its day):
        a drag never saves 16:00-16:17."""
        local = self.local(when)
        midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
        minutes = (local - midnight).total_seconds() / 60
        step = self.snap_minutes
        return midnight + timedelta(minutes=round(minutes / step) * step)

    def _snap(self, dy: int) -> int:
        step = self.slot_height * self.snap_minutes / SLOT_MINUTES  # pixels per grid mark
        return round(round(dy / step) * step)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        pos = event.position().toPoint()
        hit = self.block_at(pos)
        if hit is not None:
            self.open_requested.emit(hit[1].id)
            return
        cell = self.cell_at(pos)
        if cell is not None:
            self.book_requested.emit(self.columns[cell[0]].key, self.slot_time(*cell))

    # --- keyboard ---------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if not self.columns:
            super().keyPressEvent(event)
            return
        if key == Qt.Key.Key_Left:
            self.cursor_col = max(0, self.cursor_col - 1)
        elif key == Qt.Key.Key_Right:
            self.cursor_col = min(len(self.columns) - 1, self.cursor_col + 1)
        elif key == Qt.Key.Key_Up:
            self.cursor_slot = max(0, self.cursor_slot - 1)
        elif key == Qt.Key.Key_Down:
            self.cursor_slot = min(self.slots() - 1, self.cursor_slot + 1)
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.activate_cursor()
            return
        else:
            super().keyPressEvent(event)
            return
        block = self.block_at_cursor()
        self.selected = block.id if block else None
        self.cursor_changed.emit()
        self.update()

    def select_lesson(self, lesson_id: uuid.UUID) -> bool:
        """Selects the lesson's block and puts the keyboard cursor on it (False: it is not
        drawn as a block here, e.g. counted in a busy hour of the week)."""
        index = {c.key: i for i, c in enumerate(self.columns)}
        for _rect, row in self._rects:
            col = index.get(self.column_of(row))
            if row.id == lesson_id and col is not None:
                local = self.local(row.start)
                minutes = local.hour * 60 + local.minute - FIRST_HOUR * 60
                self.selected = row.id
                self.cursor_col = col
                self.cursor_slot = min(self.slots() - 1, max(0, minutes // SLOT_MINUTES))
                self.cursor_changed.emit()
                self.update()
                return True
        return False

    def block_at_cursor(self) -> LessonRow | None:
        if not self.columns:
            return None
        at = self.slot_time(self.cursor_col, self.cursor_slot)
        key = self.columns[self.cursor_col].key
        for _rect, row in self._rects:
            if self.column_of(row) == key and row.start <= at < row.end:
                return row
        return None

    def chip_at_cursor(self) -> MoreChip | None:
        if not self.columns:
            return None
        y = HEADER + self.cursor_slot * self.slot_height + self.slot_height // 2
        return next(
            (
                c
                for c in self._more
                if c.col == self.cursor_col and c.rect.top() <= y <= c.rect.bottom()
            ),
            None,
        )

    def activate_cursor(self) -> None:
        """Enter: open the block under the cursor, the day behind a "+N more" chip there, or
        book the empty slot."""
        block = self.block_at_cursor()
        chip = self.chip_at_cursor() if block is None else None
        if block is not None:
            self.open_requested.emit(block.id)
        elif chip is not None:
            self.day_requested.emit(chip.hour)
        elif self.columns:
            self.book_requested.emit(
                self.columns[self.cursor_col].key, self.slot_time(self.cursor_col, self.cursor_slot)
            )

    def focusInEvent(self, event: object) -> None:
        super().focusInEvent(event)  # type: ignore[arg-type]
        self.update()

    def focusOutEvent(self, event: object) -> None:
        super().focusOutEvent(event)  # type: ignore[arg-type]
        self.update()
