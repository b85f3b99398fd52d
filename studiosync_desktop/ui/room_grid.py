"""The room bookings' feed of the day grid: a column per room, reservations and lessons as
blocks; drag free time to book."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QWidget

from studiosync_desktop.ui.day_feed import GridColumn
from studiosync_desktop.ui.day_grid import DayGrid
from studiosync_desktop.ui.week_layout import FADED

RESERVATION = QColor("#3b6ea5")
PENDING = QColor("#8aa9cc")
LESSON = QColor("#2e7d32")
CANCELLED = QColor("#9e9e9e")
# The room bookings' hours (the desk books practice before and after the lessons' day).
OPENS, CLOSES = time(7), time(22)


@dataclass(frozen=True)
class GridRoom:
    id: uuid.UUID
    name: str
    hourly_rate: str
    is_active: bool


@dataclass(frozen=True)
class GridBlock:
    """One booking drawn in the grid; `id` identifies it for the tab (a reservation's or a
    lesson's id)."""

    id: uuid.UUID
    room_id: uuid.UUID | None
    room_name: str
    start: datetime
    end: datetime
    title: str
    detail: str
    kind: str  # 'reservation' or 'lesson'
    status: str


class RoomFeed:
    """Reservations blue (pale while pending), lessons green, cancelled ones grey; nothing
    is dragged (a booking changes through its buttons)."""

    noun = ("booking", "bookings")

    def colour(self, block: GridBlock) -> QColor:
        if self.faded(block):
            return CANCELLED
        if block.kind == "lesson":
            return LESSON
        return PENDING if block.status == "pending" else RESERVATION

    def words(self, block: GridBlock) -> tuple[str, list[str], str]:
        return block.title, [block.detail], ""

    def describe(self, block: GridBlock, zone: ZoneInfo) -> str:
        a, b = block.start.astimezone(zone), block.end.astimezone(zone)
        return (
            f"{a:%a %d %b %H:%M}\N{EN DASH}{b:%H:%M}  {block.title}\n"
            f"{block.room_name} · {block.detail}"
        )

    def short(self, block: GridBlock) -> str:
        return block.title

    def faded(self, block: GridBlock) -> bool:
        return block.status in FADED

    def movable(self, block: GridBlock) -> bool:
        return False


class RoomDayGrid(DayGrid[GridBlock]):
    """Click a block to select it; press and drag on free time (or click) to ask for a booking
    of that room (a closed room shows its bookings, and takes none)."""

    feed: RoomFeed
    drag_moves = False
    drag_books = True
    min_column_width = 130

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(RoomFeed(), parent)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the list below is the keyboard path
        self.rooms: tuple[GridRoom, ...] = ()
        self.day = date.today()
        self.set_hours(OPENS, CLOSES)

    @property
    def blocks(self) -> tuple[GridBlock, ...]:
        return self.rows

    def set_day(
        self,
        rooms: tuple[GridRoom, ...],
        blocks: tuple[GridBlock, ...],
        zone: ZoneInfo,
        day: date,
    ) -> None:
        self.rooms, self.day = rooms, day
        columns = [
            GridColumn(r.id, r.name if r.is_active else f"{r.name} (closed)", day, r.is_active)
            for r in rooms
        ]
        ids = {r.id for r in rooms}
        by_name = {r.name: r.id for r in rooms}

        def room_of(block: GridBlock) -> uuid.UUID | None:
            """A lesson may name its room only (an older row): found by name then."""
            return block.room_id if block.room_id in ids else by_name.get(block.room_name)

        self.set_data(columns, blocks, room_of, zone)

    def select(self, block_id: uuid.UUID | None) -> None:
        self.select_block(block_id, cursor=False)
