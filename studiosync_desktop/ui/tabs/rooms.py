"""Room bookings tab: one day's reservations and the lessons held in practice rooms."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from PySide6.QtWidgets import QWidget

from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.schemas.rows import RoomDay
from studiosync_desktop.services.container import Services
from studiosync_desktop.ui.error_presenter import ErrorPresenter
from studiosync_desktop.ui.table_model import ALERT, CENTER, RIGHT, Column, RowStyle, money, words
from studiosync_desktop.ui.tabs.base import DataTab
from studiosync_desktop.ui.tabs.timezones import StudioClock, zone_of
from studiosync_desktop.ui.task_runner import TaskRunner
from studiosync_desktop.ui.widgets import DateNavigator


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
        )
        for lesson in day.lessons
    ]
    return tuple(sorted(lines, key=lambda b: (b.start, b.room_name)))


def _booking_style(row: Booking) -> RowStyle | None:
    return RowStyle(foreground=ALERT) if row.status in ("cancelled", "no_show") else None


def _paid(row: Booking) -> str:
    if row.is_paid is None:
        return ""
    return "Paid" if row.is_paid else "Not paid"


class RoomsTab(DataTab):
    key = "rooms"
    title = "Room bookings"
    noun = ("booking", "bookings")
    empty_text = "No room bookings on this day."
    stretch_column = 2

    def __init__(
        self,
        services: Services,
        actor: Actor,
        runner: TaskRunner,
        presenter: ErrorPresenter,
        parent: QWidget | None = None,
    ) -> None:
        self.clock = StudioClock()
        self.room_count = 0
        columns: list[Column[Booking]] = [
            Column("Time", lambda b: self.clock.span(b.start, b.end, with_day=False), width=120),
            Column("Room", lambda b: b.room_name, width=120),
            Column("Booked for", lambda b: b.who, width=260),
            Column("Kind", lambda b: b.kind, width=140),
            Column("Status", lambda b: b.status, CENTER, words, width=100),
            Column("Cost", lambda b: b.cost, RIGHT, money, width=80),
            Column("Payment", _paid, CENTER, width=90),
        ]
        super().__init__(services, actor, runner, presenter, columns, _booking_style, parent)
        self.navigator = DateNavigator(1, self.clock.today(), self)
        self.navigator.changed.connect(lambda _start: self.reload())
        self.toolbar.addWidget(self.navigator)

    def fetch(self, cursor: str | None) -> Callable[[], Any]:
        day = self.navigator.start
        services, actor = self.services, self.actor
        known_zone = self.clock.zone is not None

        def work() -> tuple[str | None, RoomDay]:
            zone = None if known_zone else services.studio.info(actor).timezone
            return zone, services.rooms.day(actor, day)

        return work

    def show_result(self, result: Any, appended: bool) -> None:
        zone, day = result
        if zone is not None:
            self.clock.zone = zone_of(zone)
            self.navigator.set_today(self.clock.today())
        self.room_count = len(day.rooms)
        rows = bookings_of(day)
        self.model.set_rows(rows)
        self._total = len(rows)

    def summary_text(self) -> str:
        rooms = f"{self.room_count} room{'s' if self.room_count != 1 else ''}"
        return f"{super().summary_text()} across {rooms}"

    def go_today(self) -> None:
        self.navigator.go_today()

    def go_previous(self) -> None:
        self.navigator.go_previous()

    def go_next(self) -> None:
        self.navigator.go_next()
