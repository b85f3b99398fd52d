"""Room bookings tab: the day grid (a column per room) over the day's list, with the actions.

The grid is for the mouse (drag free time to book, click a block to select it); the list under
it is the keyboard path: arrow keys select, the buttons and shortcuts act on the selection.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from PySide6.QtWidgets import (
    QHBoxLayout,
    QInputDialog,
    QScrollArea,
    QWidget,
)

from studiosync_desktop.schemas.rooms import ReservationStatus, RoomDetail
from studiosync_desktop.schemas.rows import ReservationRow, RoomDay
from studiosync_desktop.ui.dialogs.rooms import ReservationDialog, RoomDialog
from studiosync_desktop.ui.room_grid import GridBlock, GridRoom, RoomDayGrid
from studiosync_desktop.ui.studio_context import StudioContext
from studiosync_desktop.ui.table_model import ALERT, CENTER, RIGHT, Column, RowStyle, money, words
from studiosync_desktop.ui.tabs.base import DataTab
from studiosync_desktop.ui.widgets import DateNavigator, status_line
from studiosync_desktop.zones import zone_of


@dataclass(frozen=True)
class Booking:
    """One line of the day: a reservation or a lesson using a room (built on the GUI thread)."""

    kind: str
    room_name: str
    who: str
    start: datetime
    end: datetime
    status: str
    cost: Decimal | None
    is_paid: bool | None
    id: uuid.UUID | None = None  # a reservation's id (None for a lesson line)
    room_id: uuid.UUID | None = None


def bookings_of(day: RoomDay) -> tuple[Booking, ...]:
    lines = [
        Booking(
            "Reservation",
            r.room_name,
            r.person_name,
            r.start,
            r.end,
            r.status,
            r.total_cost,
            r.is_paid,
            r.id,
            r.room_id,
        )
        for r in day.reservations
    ] + [
        Booking(
            f"{words(lesson.lesson_type)} lesson",
            lesson.room_name,
            f"{lesson.student_name} with {lesson.teacher_name}".strip(),
            lesson.start,
            lesson.end,
            lesson.status,
            None,
            None,
            None,
            getattr(lesson, "room_id", None),
        )
        for lesson in day.lessons
    ]
    return tuple(sorted(lines, key=lambda b: (b.start, b.room_name)))


def blocks_of(day: RoomDay) -> tuple[GridBlock, ...]:
    return tuple(
        GridBlock(
            id=r.id,
            room_id=r.room_id,
            room_name=r.room_name,
            start=r.start,
            end=r.end,
            title=r.person_name,
            detail=f"{words(r.status)} · {money(r.total_cost)}{' · paid' if r.is_paid else ''}",
            kind="reservation",
            status=r.status,
        )
        for r in day.reservations
    ) + tuple(
        GridBlock(
            id=lesson.id,
            room_id=getattr(lesson, "room_id", None),
            room_name=lesson.room_name,
            start=lesson.start,
            end=lesson.end,
            title=f"Lesson: {lesson.student_name}".strip(),
            detail=f"with {lesson.teacher_name}",
            kind="lesson",
            status=lesson.status,
        )
        for lesson in day.lessons
    )


def _booking_style(row: Booking) -> RowStyle | None:
    return RowStyle(foreground=ALERT) if row.status in ("cancelled", "no_show") else None


def _paid(row: Booking) -> str:
    if row.is_paid is None:
        return ""
    return "Paid" if row.is_paid else "Not paid"


class RoomsTab(DataTab):
    uses = ("rooms",)
    key = "rooms"
    title = "Room bookings"
    noun = ("booking", "bookings")
    empty_text = "No room bookings on this day."
    stretch_column = 2

    def __init__(
        self,
        context: StudioContext,
        parent: QWidget | None = None,
    ) -> None:
        self.context = context
        self.room_count = 0
        self.room_details: tuple[RoomDetail, ...] = ()
        columns: list[Column[Booking]] = [
            Column("Time", lambda b: self.clock.span(b.start, b.end, with_day=False), width=120),
            Column("Room", lambda b: b.room_name, width=120),
            Column("Booked for", lambda b: b.who, width=260),
            Column("Kind", lambda b: b.kind, width=140),
            Column("Status", lambda b: b.status, CENTER, words, width=100),
            Column("Cost", lambda b: b.cost, RIGHT, money, width=80),
            Column("Payment", _paid, CENTER, width=90),
        ]
        super().__init__(context, columns, _booking_style, parent)
        self.navigator = DateNavigator(1, self.clock.today(), self)
        self.navigator.changed.connect(lambda _start: self.reload())
        self.toolbar.addWidget(self.navigator)

        actions = QHBoxLayout()
        self.add_button(actions, "&Book a room…", "Ctrl+N", lambda: self.book())
        self.add_button(actions, "Con&firm", "Ctrl+Shift+F", lambda: self.set_status("confirmed"))
        self.add_button(
            actions, "&Cancel booking", "Ctrl+Shift+X", lambda: self.set_status("cancelled")
        )
        self.add_button(actions, "Co&mpleted", "", lambda: self.set_status("completed"))
        self.add_button(actions, "N&o-show", "", lambda: self.set_status("no_show"))
        self.add_button(actions, "&Paid / not paid", "Ctrl+Shift+Y", self.toggle_paid)
        actions.addStretch(1)
        self.add_button(actions, "New roo&m…", "Ctrl+Shift+M", self.new_room)
        self.add_button(actions, "&Edit room…", "", self.edit_room)

        self.grid = RoomDayGrid(self)
        self.grid.block_clicked.connect(self._grid_selected)
        self.grid.book_requested.connect(lambda room_id, start, end: self.book(room_id, start, end))
        self.grid_scroll = scroll = QScrollArea(self)
        scroll.setWidget(self.grid)
        scroll.setWidgetResizable(True)
        self.table.clicked.connect(lambda _i: self._table_selected())
        self.table.selectionModel().currentRowChanged.connect(lambda *_a: self._table_selected())

        self.add_row(actions)
        self.add_pane(scroll, "above", (3, 1))
        self._follow_studio_grid()

    # --- loading ----------------------------------------------------------------------------

    def clock_changed(self) -> None:
        """Another zone: "today" may be another day (or another grid for the drags)."""
        self.navigator.set_today(self.clock.today())
        self._follow_studio_grid()
        super().clock_changed()

    def _follow_studio_grid(self) -> None:
        """Dragging free time lands on the studio's grid (every 5 or 15 minutes), as the
        calendar's drags do."""
        info = self.clock.info
        if info is not None:
            self.grid.snap_minutes = info.settings.snap_minutes

    def fetch(self, cursor: str | None) -> Callable[[], Any]:
        day = self.navigator.start
        services, actor = self.services, self.actor

        def work() -> tuple[RoomDay, tuple[RoomDetail, ...]]:
            return services.rooms.day(actor, day), services.rooms.rooms(actor)

        return work

    def show_result(self, result: Any, appended: bool) -> None:
        day, details = result
        self.room_details = details
        self.room_count = len(day.rooms)
        rows = bookings_of(day)
        self.model.set_rows(rows)
        self._total = len(rows)
        self.grid.set_day(
            tuple(GridRoom(r.id, r.name, money(r.hourly_rate), r.is_active) for r in day.rooms),
            blocks_of(day),
            self.clock.zone or zone_of("UTC"),
            day.day,
        )

    def summary_text(self) -> str:
        rooms = f"{self.room_count} room{'s' if self.room_count != 1 else ''}"
        return (
            f"{super().summary_text()} across {rooms} · blue: reservation (pale: pending), "
            "green: lesson, grey: cancelled · drag on free time to book"
        )

    def go_today(self) -> None:
        self.navigator.go_today()

    def go_previous(self) -> None:
        self.navigator.go_previous()

    def go_next(self) -> None:
        self.navigator.go_next()

    # --- selection --------------------------------------------------------------------------

    def selected(self) -> Booking | None:
        index = self.table.currentIndex()
        return self.model.row_at(index.row()) if index.isValid() else None

    def _table_selected(self) -> None:
        row = self.selected()
        if row is not None:
            self.grid.select(row.id)
            rect = self.grid.selected_rect()
            if rect is not None:  # a booking chosen below is shown above, whatever the hour
                centre = rect.center()
                self.grid_scroll.ensureVisible(centre.x(), centre.y(), 40, int(rect.height()))

    def _grid_selected(self, block: GridBlock) -> None:
        for i, row in enumerate(self.model.rows):
            if row.start == block.start and row.room_name == block.room_name:
                self.table.selectRow(i)
                break

    # --- actions ----------------------------------------------------------------------------

    def book(
        self,
        room_id: uuid.UUID | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> None:
        zone = self.clock.zone or zone_of("UTC")
        kwargs: dict[str, Any] = {}
        if start is not None and end is not None:
            local = start.astimezone(zone)
            kwargs = {
                "start": local.time().replace(second=0, microsecond=0),
                "minutes": int((end - start).total_seconds() // 60),
            }
        dialog = ReservationDialog(
            self.services,
            self.actor,
            self.runner,
            self.presenter,
            self.room_details,
            zone,
            self.navigator.start,
            room_id=room_id,
            parent=self,
            **kwargs,
        )
        self.run_dialog(dialog, after=self._booked)

    def _booked(self, row: ReservationRow) -> None:
        """Says what was booked, and selects it once the day is read again."""
        start, end = self.clock.local(row.start), self.clock.local(row.end)
        status_line(
            self,
            f"Booked {row.room_name} for {row.person_name}, {start:%a} {start.day} {start:%b} "
            f"{start:%H:%M}\N{EN DASH}{end:%H:%M} ({money(row.total_cost)}, {row.status}).",
        )

        def select() -> None:
            self.loaded.disconnect(select)
            self.select_key(row.id)

        self.loaded.connect(select)

    def set_status(self, status: ReservationStatus) -> None:
        row = self.selected()
        if row is None or row.id is None:
            self.summary.setText("Choose a reservation first (arrow keys in the list, or click).")
            return
        service, actor, rid = self.services.rooms, self.actor, row.id
        self.runner.run(
            lambda: service.set_status(actor, rid, status),
            on_done=lambda _r: self.reload(),
            on_error=lambda exc: self.presenter.present(exc, parent=self),
        )

    def toggle_paid(self) -> None:
        row = self.selected()
        if row is None or row.id is None:
            return
        service, actor, rid, paid = self.services.rooms, self.actor, row.id, not row.is_paid
        self.runner.run(
            lambda: service.set_paid(actor, rid, paid),
            on_done=lambda _r: self.reload(),
            on_error=lambda exc: self.presenter.present(exc, parent=self),
        )

    def new_room(self) -> None:
        self.run_dialog(
            RoomDialog(self.services, self.actor, self.runner, self.presenter, None, self)
        )

    def edit_room(self) -> None:
        if not self.room_details:
            return
        names = [r.name for r in self.room_details]
        name, ok = QInputDialog.getItem(self, "Edit room", "Room:", names, 0, False)
        if not ok:
            return
        room = self.room_details[names.index(name)]
        self.run_dialog(
            RoomDialog(self.services, self.actor, self.runner, self.presenter, room, self)
        )
