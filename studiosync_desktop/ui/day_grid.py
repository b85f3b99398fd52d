"""The one day grid: columns (days, teachers or rooms) across, time down, a feed's blocks.

A feed says what its blocks are and how they look (`DayFeed`: lessons on the calendar,
reservations and lessons in the room bookings); the grid lays them out side by side (a busy
hour counted), draws them over the time axis, and turns clicks, drags and keys into requests.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Generic

from PySide6.QtCore import QPoint, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from studiosync_desktop.ui.day_feed import B, DayFeed, GridColumn, MoreChip, Shade, paint_hatched
from studiosync_desktop.ui.time_axis import GUTTER, HEADER, SLOT_MINUTES, TimeAxis
from studiosync_desktop.ui.week_layout import fit_names, lay_out

if TYPE_CHECKING:
    import uuid
    from collections.abc import Callable, Hashable, Sequence
    from zoneinfo import ZoneInfo

MIN_TEXT_WIDTH = 28  # narrower blocks are drawn as plain bars, without text
# Side by side blocks get lanes at least this wide (time and name stay readable); a busier
# stretch is counted per hour ("8 lessons" and who comes), a tile that opens the day.
MIN_LANE_WIDTH = 64
WIDE_BLOCK = 120  # blocks this wide show the end time too
CLOSED_FILL = QColor("#fde2e1")
CLOSED_TEXT = QColor("#9b2c2c")
CLOSED_HATCH = QColor(197, 48, 48, 40)
# Outside a teacher's working hours: greyed, readable on light and dark palettes.
OFF_HOURS = QColor(128, 128, 128, 60)
SHADE_FILL = QColor(120, 120, 120, 60)  # a column's time taken by something else
BOOKING = QColor(255, 193, 7, 120)  # the time being dragged out to book
BOOKING_EDGE = QColor("#c99a00")


# What an empty day says under its date (the Calendar's days and Today).
NEXT_DAY_OR_BOOK = "Ctrl+Right shows the next day, Ctrl+N books a lesson."


class DayGrid(QWidget, Generic[B]):
    """Paints a feed's blocks; double-click or Enter books an empty slot or opens a block.

    With `drag_moves`, dragging a movable block asks to move it and dragging its bottom edge
    asks to resize it (the tab calls the service; if refused, the block goes back where it
    was). With `drag_books`, pressing on free time and dragging asks to book that stretch.
    """

    open_requested = Signal(object)  # block id
    book_requested = Signal(object, object, object)  # column key, aware start, end (or None)
    move_requested = Signal(object, object, object)  # block id, new start, new end
    day_requested = Signal(object)  # aware datetime: show that day and hour, per teacher
    block_clicked = Signal(object)  # the block pressed on
    cursor_changed = Signal()

    drag_moves = True
    drag_books = False
    min_column_width = 96  # the grid scrolls sideways when a day has many columns

    def __init__(self, feed: DayFeed[B], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.feed = feed
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMouseTracking(True)
        self.axis = TimeAxis(max(14, self.fontMetrics().height() + 2))
        self.columns: list[GridColumn] = []
        self.rows: tuple[B, ...] = ()
        self.column_of: Callable[[B], Hashable] = lambda r: self.local(r.start).date()
        self.cursor_col = 0
        self.cursor_slot = (16 - self.axis.first_hour) * 60 // SLOT_MINUTES
        self.selected: uuid.UUID | None = None
        self._drag: tuple[uuid.UUID, str, QPoint, QRect] | None = None
        self._drag_rect: QRect | None = None
        self._booking: tuple[int, float, float] | None = None  # column, y pressed, y now
        self._rects: list[tuple[QRect, B]] = []
        self._more: list[MoreChip[B]] = []
        self._held: dict[int, int] = {}  # blocks taking place per column
        # Studio closures (day -> reason) in the columns' range: marked in the header.
        self.closed: dict[date, str] = {}
        # Per column index: the working time shown unshaded (a column not listed: no hours set).
        self.working: dict[int, list[tuple[datetime, datetime]]] = {}
        # Outside calendars' busy times: (column, start, end, label, colour).
        self.busy: list[tuple[int, datetime, datetime, str, str]] = []
        # Time taken in a column (by its key) by something that is not a block.
        self.shades: tuple[Shade, ...] = ()
        self.empty_text = ""  # said in the middle when there is no column to show
        self._plain_font = QFont(self.font())
        self._struck_font = QFont(self.font())
        self._line_height = self.fontMetrics().height()
        self.setMinimumHeight(self.sizeHint().height())

    # --- the axis ----------------------------------------------------------------------

    @property
    def zone(self) -> ZoneInfo:
        return self.axis.zone

    @property
    def slot_height(self) -> int:
        return self.axis.slot_height

    @property
    def snap_minutes(self) -> int:
        return self.axis.snap_minutes

    @snap_minutes.setter
    def snap_minutes(self, minutes: int) -> None:
        self.axis.snap_minutes = minutes

    @property
    def first_hour(self) -> int:
        return self.axis.first_hour

    @property
    def last_hour(self) -> int:
        return self.axis.last_hour

    def local(self, value: datetime) -> datetime:
        return self.axis.local(value)

    def slots(self) -> int:
        return self.axis.slots()

    def y_of(self, value: datetime) -> int:
        return self.axis.y_of(value)

    def on_grid(self, when: datetime) -> datetime:
        return self.axis.on_grid(when)

    def slot_time(self, col: int, slot: int) -> datetime:
        return self.axis.slot_time(self.columns[col].day, slot)

    # --- data ------------------------------------------------------------------------

    def set_data(
        self,
        columns: Sequence[GridColumn],
        rows: tuple[B, ...],
        column_of: Callable[[B], Hashable],
        zone: ZoneInfo,
    ) -> None:
        self.columns = list(columns)
        self.rows = rows
        self.column_of = column_of
        self.axis.zone = zone
        self._fit_hours()
        self.cursor_col = min(self.cursor_col, max(0, len(self.columns) - 1))
        self.setMinimumWidth(GUTTER + len(self.columns) * self.min_column_width)
        self._layout_blocks()
        self.update()

    def set_hours(self, opens: time, closes: time) -> None:
        """The studio's opening hours: the grid's rows (widened to any block outside them)."""
        self.axis.opening = (opens, closes)
        self._fit_hours()
        self._layout_blocks()
        self.update()

    def _fit_hours(self) -> None:
        before = (self.axis.first_hour, self.axis.last_hour)
        shift = self.axis.fit((r.start, r.end) for r in self.rows)
        if (self.axis.first_hour, self.axis.last_hour) == before:
            return
        self.cursor_slot = max(0, min(self.slots() - 1, self.cursor_slot + shift))
        self.setMinimumHeight(self.sizeHint().height())
        self.updateGeometry()

    def sizeHint(self) -> QSize:
        return QSize(
            max(900, GUTTER + len(self.columns) * self.min_column_width), self.axis.height()
        )

    def minimumSizeHint(self) -> QSize:
        return QSize(GUTTER + len(self.columns) * self.min_column_width, self.axis.height())

    def column_width(self) -> float:
        return max(40.0, (self.width() - GUTTER) / max(1, len(self.columns)))

    def column_x(self, col: int) -> int:
        return int(GUTTER + col * self.column_width())

    def _layout_blocks(self) -> None:
        index = {c.key: i for i, c in enumerate(self.columns)}
        width = self.column_width()
        fits = max(1, int((width - 6) // MIN_LANE_WIDTH))
        by_col: dict[int, list[B]] = {}
        for r in self.rows:
            col = index.get(self.column_of(r))
            if col is not None:
                by_col.setdefault(col, []).append(r)
        rects: list[tuple[QRect, B]] = []
        more: list[MoreChip[B]] = []
        for col, blocks in by_col.items():
            left = GUTTER + col * width + 3
            placed, counts = lay_out(blocks, fits, self.local, self.feed.short)
            for p in placed:
                lane_w = (width - 6) / p.lanes
                top, bottom = self.span_y(p.row.start, p.row.end)
                x = left + p.lane * lane_w
                rect = QRect(int(x), top + 1, int(lane_w) - 2, max(12, bottom - top - 2))
                rects.append((rect, p.row))
            for c in counts:
                top, bottom = self.span_y(c.top, c.bottom)
                rect = QRect(int(left), top + 1, int(width - 6), max(12, bottom - top - 2))
                more.append(MoreChip(col, rect, c))
        self._rects = rects
        self._more = more
        self._held = {
            col: sum(not self.feed.faded(r) for r in blocks) for col, blocks in by_col.items()
        }

    def span_y(self, start: datetime, end: datetime) -> tuple[int, int]:
        """Where a span is drawn: a block going on past midnight reaches the bottom of its day
        (the time axis knows hours, not days)."""
        same_day = self.local(end).date() == self.local(start).date()
        return self.y_of(start), self.y_of(end) if same_day else self.axis.height() - 1

    def column_title(self, i: int) -> str:
        """A column's title: a closed day says why; a day of the week says its blocks."""
        col = self.columns[i]
        if col.day in self.closed:
            reason = self.closed[col.day]
            return f"{col.title}\nClosed" + (f": {reason}" if reason else "")
        held = self._held.get(i, 0)
        if self._is_week() and held:  # a day's load at a glance; a click opens the day
            one, many = self.feed.noun
            return f"{col.title}\n{held} {one if held == 1 else many}"
        return col.title

    def _is_week(self) -> bool:
        """Columns of different days (the week), not one day's teachers or rooms."""
        return len({c.day for c in self.columns}) > 1

    # --- what is where -----------------------------------------------------------------

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

    def block_at(self, pos: QPoint) -> tuple[QRect, B] | None:
        if self._under_labels(pos):
            return None
        for rect, row in reversed(self._rects):
            if rect.contains(pos):
                return rect, row
        return None

    def chip_at(self, pos: QPoint) -> MoreChip[B] | None:
        if self._under_labels(pos):
            return None
        return next((c for c in self._more if c.rect.contains(pos)), None)

    def cell_at(self, pos: QPoint) -> tuple[int, int] | None:
        if self._under_labels(pos) or not self.columns:
            return None
        col = int((pos.x() - GUTTER) // self.column_width())
        slot = self.axis.slot_at(pos.y())
        if 0 <= col < len(self.columns) and 0 <= slot < self.slots():
            return col, slot
        return None

    def block_rect(self, block_id: uuid.UUID | None) -> QRect | None:
        """Where a block is drawn (to scroll it into view), if it is drawn as a block."""
        return next((rect for rect, row in self._rects if row.id == block_id), None)

    def selected_rect(self) -> QRect | None:
        return self.block_rect(self.selected)

    # --- painting ---------------------------------------------------------------------

    def resizeEvent(self, event: object) -> None:
        self._layout_blocks()
        super().resizeEvent(event)  # type: ignore[arg-type]

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        pal = self.palette()
        p.fillRect(self.rect(), pal.base())
        width = self.column_width()
        today = datetime.now(self.zone).date()
        for i, col in enumerate(self.columns):
            x = self.column_x(i)
            if col.day == today and self._is_week():
                p.fillRect(QRect(x, HEADER, int(width), self.height()), pal.alternateBase())
            if col.day in self.closed:
                p.fillRect(
                    QRect(x, HEADER, int(width), self.height()),
                    QBrush(CLOSED_HATCH, Qt.BrushStyle.BDiagPattern),
                )
            self._paint_off_hours(p, i, x, int(width))
            p.setPen(QPen(pal.mid().color()))
            p.drawLine(x, 0, x, self.height())
        font = p.font()
        font.setBold(False)
        p.setFont(font)
        self.axis.paint_rows(p, pal, self.width())
        # Only the blocks in the part being repainted (a scroll repaints a strip).
        exposed = event.rect()
        self._plain_font = QFont(p.font())
        self._struck_font = QFont(p.font())
        self._struck_font.setStrikeOut(True)
        self._line_height = self.fontMetrics().height()
        self._paint_busy(p, width)
        self._paint_shades(p, behind=True)
        for rect, row in self._rects:
            if rect.intersects(exposed):
                self._paint_block(p, rect, row)
        for chip in self._more:
            if chip.rect.intersects(exposed):
                self._paint_chip(p, chip)
        self._paint_shades(p, behind=False)
        self._paint_booking(p)
        # The hours stay at the left of the visible part, the column titles at its top,
        # however the grid scrolls (a day of many teachers scrolls sideways).
        visible = self.visibleRegion().boundingRect()
        self.axis.paint_hours(p, pal, visible.left(), self.height())
        self._paint_titles(p, visible, today)
        if not self.columns and self.empty_text:  # on a clear patch, over the rows' lines
            middle, centre = visible.adjusted(GUTTER, HEADER, 0, 0), Qt.AlignmentFlag.AlignCenter
            patch = p.boundingRect(middle, centre, self.empty_text).adjusted(-12, -8, 12, 8)
            p.fillRect(patch, pal.base())
            p.setPen(pal.placeholderText().color())
            p.drawText(middle, centre, self.empty_text)
        if self._drag_rect is not None:
            p.setPen(QPen(pal.highlight().color(), 2, Qt.PenStyle.DashLine))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRoundedRect(self._drag_rect, 4, 4)
        if self.columns and self.hasFocus():
            x = self.column_x(self.cursor_col)
            y = self.axis.y_of_slot(self.cursor_slot)
            p.setPen(QPen(pal.highlight().color(), 2))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(QRect(x + 1, y + 1, int(width) - 2, self.slot_height * 2 - 2))
        p.end()

    def _paint_titles(self, p: QPainter, visible: QRect, today: date) -> None:
        pal = self.palette()
        width = self.column_width()
        top = visible.top()
        p.fillRect(QRect(0, top, self.width(), HEADER), pal.window())
        for i, col in enumerate(self.columns):
            x = self.column_x(i)
            font = p.font()
            font.setBold(col.day == today)
            p.setFont(font)
            title = self.column_title(i)
            if col.day in self.closed:
                # A closed day reads as such before anything else: red band, "Closed: why".
                p.fillRect(QRect(x + 1, top, int(width) - 1, HEADER), CLOSED_FILL)
                p.setPen(CLOSED_TEXT)
            elif not col.bookable:
                p.setPen(pal.placeholderText().color())
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
            start = max(a, self.axis.slot_time(day, 0))
            end = min(b, self.axis.slot_time(day, self.slots()))
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

    def _paint_block(self, p: QPainter, rect: QRect, row: B) -> None:
        faded = self.feed.faded(row)
        colour = self.feed.colour(row)
        fill = QColor(colour)
        fill.setAlpha(70 if faded else 225)
        if rect.width() < MIN_TEXT_WIDTH:
            # A busy week squeezes dozens of lanes into a day: a bar is all that fits, and
            # is what the eye reads (how full the hour is). Hover or a filter names it.
            p.fillRect(rect, fill)
            if row.id == self.selected:
                p.setPen(QPen(colour.darker(130), 2))
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawRect(rect)
            return
        p.setPen(QPen(colour.darker(130), 2 if row.id == self.selected else 1))
        p.setBrush(fill)
        p.drawRoundedRect(QRectF(rect), 4, 4)
        if row.id == self.selected:  # what the list below or the keys act on
            p.setPen(QPen(self.palette().highlight().color(), 2))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRoundedRect(QRectF(rect.adjusted(-1, -1, 1, 1)), 5, 5)
        p.setPen(QColor("#333333") if faded else QColor("white"))
        struck = row.status == "cancelled"
        if struck:
            p.setFont(self._struck_font)
        a, b = self.local(row.start), self.local(row.end)
        who, more, status = self.feed.words(row)
        # A narrow lane keeps what matters: when it starts, who, with whom.
        when = f"{a:%H:%M}" if rect.width() < WIDE_BLOCK else f"{a:%H:%M}\N{EN DASH}{b:%H:%M}"
        lines = [f"{when} {who}", *more]
        if status:
            lines.append(status.capitalize())
        if rect.height() > 2.6 * self._line_height:
            text = "\n".join(line for line in lines if line)
        else:  # one line: the status only where it fits (colour and strike-through say it)
            text = lines[0] + (f" · {status}" if status and rect.width() >= WIDE_BLOCK else "")
        p.drawText(
            rect.adjusted(4, 1, -3, -1),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap,
            text,
        )
        if struck:
            p.setFont(self._plain_font)

    def _paint_chip(self, p: QPainter, chip: MoreChip[B]) -> None:
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

    def column_rect(self, col: int, start: datetime, end: datetime) -> QRect:
        """A span of a column, inset like the blocks."""
        top, bottom = self.span_y(start, end)
        return QRect(
            self.column_x(col) + 3, top + 1, int(self.column_width()) - 6, max(8, bottom - top - 2)
        )

    def shade_rects(self) -> list[tuple[QRect, Shade]]:
        """Where each shade of a shown column is drawn (clipped to the day's rows); a hatched
        one spans its column's width."""
        index = {c.key: i for i, c in enumerate(self.columns)}
        drawn = []
        for shade in self.shades:
            col = index.get(shade.key)
            if col is None:
                continue
            day = self.columns[col].day
            start = max(shade.start, self.axis.slot_time(day, 0))
            end = min(shade.end, self.axis.slot_time(day, self.slots()))
            if end <= start:
                continue
            rect = self.column_rect(col, start, end)
            if shade.hatch:
                rect.setLeft(self.column_x(col) + 1)
                rect.setWidth(int(self.column_width()) - 1)
            drawn.append((rect, shade))
        return drawn

    def _paint_shades(self, p: QPainter, behind: bool) -> None:
        for rect, shade in self.shade_rects():
            if bool(shade.hatch) != behind:
                continue
            p.setPen(self.palette().text().color())
            if not shade.hatch:
                p.fillRect(rect, SHADE_FILL)
                p.drawText(rect.adjusted(4, 1, -3, -1), Qt.AlignmentFlag.AlignLeft, shade.text)
                continue
            seen = rect.intersected(self.visibleRegion().boundingRect().adjusted(0, HEADER, 0, 0))
            paint_hatched(p, rect, seen, shade, self.palette().base().color())

    def _paint_booking(self, p: QPainter) -> None:
        """The stretch of free time being dragged out to book, with its times."""
        span = self._booking_span()
        if span is None:
            return
        col, start, end = span
        top = self.y_of(start)
        bottom = self.y_of(end) if end.date() == start.date() else self.axis.height()
        rect = QRect(self.column_x(col) + 3, top, int(self.column_width()) - 6, bottom - top)
        p.setPen(QPen(BOOKING_EDGE, 1, Qt.PenStyle.DashLine))
        p.setBrush(BOOKING)
        p.drawRoundedRect(QRectF(rect), 4, 4)
        p.setPen(self.palette().text().color())
        p.drawText(
            rect.adjusted(5, 2, -4, -2),
            Qt.AlignmentFlag.AlignLeft,
            f"{self.local(start):%H:%M}\N{EN DASH}{self.local(end):%H:%M}",
        )

    def _first_hour(self, col: int) -> datetime:
        """Where a day opened from its title scrolls to: its first block's hour."""
        key = self.columns[col].key
        starts = [self.local(r.start) for r in self.rows if self.column_of(r) == key]
        first = min(starts, default=self.slot_time(col, self.cursor_slot))
        return first.replace(minute=0, second=0, microsecond=0)

    def describe_chip(self, chip: MoreChip[B]) -> str:
        """The chip in words (its tooltip): the first blocks it stands for, and what a click
        does."""
        lines = []
        for r in sorted(chip.rows, key=lambda r: (r.start, self.feed.short(r)))[:8]:
            who, more, _status = self.feed.words(r)
            lines.append(" · ".join([f"{self.local(r.start):%H:%M} {who}", *more[:1]]))
        if len(chip.rows) > 8:
            lines.append(f"\N{HORIZONTAL ELLIPSIS} and {len(chip.rows) - 8} more")
        lines.append("Click to see this day with a column per teacher.")
        return "\n".join(lines)

    def describe(self, row: B) -> str:
        return self.feed.describe(row, self.zone)

    # --- mouse ------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self.focusPolicy() != Qt.FocusPolicy.NoFocus:
            self.setFocus()
        pos = event.position().toPoint()
        left = event.button() == Qt.MouseButton.LeftButton
        chip = self.chip_at(pos)
        if chip is not None and left:
            self.day_requested.emit(chip.hour)
            return
        title = self.day_title_at(pos)
        if title is not None and left:
            self.day_requested.emit(self._first_hour(title))
            return
        hit = self.block_at(pos)
        if hit is not None:
            rect, row = hit
            self.selected = row.id
            mode = "resize" if pos.y() >= rect.bottom() - 5 else "move"
            if self.drag_moves and self.feed.movable(row):
                self._drag = (row.id, mode, pos, rect)
            if left:
                self.block_clicked.emit(row)
        else:
            self.selected = None
        cell = self.cell_at(pos)
        if cell is not None:
            self.cursor_col, self.cursor_slot = cell
            self.cursor_changed.emit()
            bookable = self.columns[cell[0]].bookable
            if hit is None and left and self.drag_books and bookable:
                self._booking = (cell[0], pos.y(), pos.y())
        self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position().toPoint()
        if self._booking is not None:
            col, pressed, _now = self._booking
            self._booking = (col, pressed, pos.y())
            self.update()
            return
        if self._drag is None:
            self._hover(pos)
            return
        _id, mode, origin, rect = self._drag
        dy = self.axis.snap(pos.y() - origin.y())
        if mode == "move":
            cell = self.cell_at(QPoint(pos.x(), max(HEADER, pos.y())))
            col_x = self.column_x(cell[0]) + 3 if cell is not None else rect.x()
            self._drag_rect = QRect(col_x, rect.y() + dy, rect.width(), rect.height())
        else:
            self._drag_rect = QRect(
                rect.x(), rect.y(), rect.width(), max(self.slot_height, rect.height() + dy)
            )
        self.update()

    def _hover(self, pos: QPoint) -> None:
        """The tooltip and the pointer for what is under the mouse."""
        hit = self.block_at(pos)
        near_edge = (
            hit is not None
            and pos.y() >= hit[0].bottom() - 5
            and self.drag_moves
            and self.feed.movable(hit[1])
        )
        chip = self.chip_at(pos) if hit is None else None
        title = self.day_title_at(pos) if hit is None and chip is None else None
        if hit is not None:
            tip = self.describe(hit[1])
        elif chip is not None:
            tip = self.describe_chip(chip)
        elif title is not None:
            tip = "Click to see this day with a column per teacher."
        else:
            shades = (sh.tip for rect, sh in self.shade_rects() if rect.contains(pos))
            tip = next((t for t in shades if t), "")
        self.setToolTip(tip)
        self.setCursor(
            Qt.CursorShape.SizeVerCursor
            if near_edge
            else Qt.CursorShape.PointingHandCursor
            if chip is not None or title is not None
            else Qt.CursorShape.ArrowCursor
        )

    def _booking_span(self) -> tuple[int, datetime, datetime] | None:
        """The column and stretch of the drag on free time, on the studio's grid (a click
        alone: an hour)."""
        if self._booking is None:
            return None
        col, pressed, now = self._booking
        day = self.columns[col].day
        top, bottom = sorted((pressed, now))
        start = self.axis.time_at(day, top, floor=True)
        end = self.axis.time_at(day, bottom, floor=True) + timedelta(minutes=self.axis.snap_minutes)
        if end - start <= timedelta(minutes=self.axis.snap_minutes):
            end = start + timedelta(hours=1)  # a click books an hour
        return col, start, end

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        booking = self._booking_span()
        drag, target = self._drag, self._drag_rect
        self._drag, self._drag_rect, self._booking = None, None, None
        self.update()
        if booking is not None:
            col, start, end = booking
            self.book_requested.emit(self.columns[col].key, start, end)
            return
        if drag is None or target is None:
            return
        block_id, mode, _origin, rect = drag
        row = next(r for _, r in self._rects if r.id == block_id)
        if mode == "move":
            cell = self.cell_at(QPoint(target.center().x(), max(HEADER, target.top())))
            start = row.start + self.axis.minutes(target.top() - rect.top())
            day = self.local(row.start).date()
            if cell is not None and self.columns[cell[0]].day != day:
                start += timedelta(days=(self.columns[cell[0]].day - day).days)
            start = self.on_grid(start)
            end = start + (row.end - row.start)
        else:
            start = row.start
            end = row.end + self.axis.minutes(target.height() - rect.height())
            end = max(self.on_grid(end), start + timedelta(minutes=self.snap_minutes))
        if (start, end) != (row.start, row.end) and end > start:
            self.move_requested.emit(block_id, start, end)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        pos = event.position().toPoint()
        hit = self.block_at(pos)
        if hit is not None:
            self.open_requested.emit(hit[1].id)
            return
        if self.drag_books:  # its first click already asked to book
            return
        cell = self.cell_at(pos)
        if cell is not None and self.columns[cell[0]].bookable:
            self.book_requested.emit(self.columns[cell[0]].key, self.slot_time(*cell), None)

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

    def select_block(self, block_id: uuid.UUID | None, cursor: bool = True) -> bool:
        """Selects the block (and with `cursor`, puts the keyboard cursor on it); False when
        it is not drawn as a block here (e.g. counted in a busy hour of the week)."""
        index = {c.key: i for i, c in enumerate(self.columns)}
        for _rect, row in self._rects:
            col = index.get(self.column_of(row))
            if row.id == block_id and col is not None:
                self.selected = row.id
                if cursor:
                    self.cursor_col = col
                    self.cursor_slot = self.axis.slot_of(row.start)
                    self.cursor_changed.emit()
                self.update()
                return True
        self.selected = None
        self.update()
        return False

    def block_at_cursor(self) -> B | None:
        if not self.columns:
            return None
        at = self.slot_time(self.cursor_col, self.cursor_slot)
        key = self.columns[self.cursor_col].key
        for _rect, row in self._rects:
            if self.column_of(row) == key and row.start <= at < row.end:
                return row
        return None

    def chip_at_cursor(self) -> MoreChip[B] | None:
        if not self.columns:
            return None
        y = self.axis.y_of_slot(self.cursor_slot) + self.slot_height // 2
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
        elif self.columns and self.columns[self.cursor_col].bookable:
            self.book_requested.emit(
                self.columns[self.cursor_col].key,
                self.slot_time(self.cursor_col, self.cursor_slot),
                None,
            )

    def focusInEvent(self, event: object) -> None:
        super().focusInEvent(event)  # type: ignore[arg-type]
        self.update()

    def focusOutEvent(self, event: object) -> None:
        super().focusOutEvent(event)  # type: ignore[arg-type]
        self.update()
