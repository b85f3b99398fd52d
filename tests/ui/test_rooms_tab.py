"""The Room bookings tab: the day grid, booking by dragging with the cost shown, status actions."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from factories import Maker
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication
from studio_week import mondays_lesson_is_today

from studiosync_desktop.db import Database
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services.container import Services
from studiosync_desktop.services.studio import StudioService
from studiosync_desktop.ui.dialogs.rooms import ReservationDialog
from studiosync_desktop.ui.main_window import MainWindow
from studiosync_desktop.ui.tabs.rooms import RoomsTab
from studiosync_desktop.ui.time_axis import GUTTER, HEADER, SLOT_MINUTES

NY = ZoneInfo("America/New_York")


def _tab(qtbot, window: MainWindow) -> RoomsTab:  # type: ignore[no-untyped-def]
    tab = window.tabs["rooms"]
    assert isinstance(tab, RoomsTab)
    with qtbot.waitSignal(tab.loaded, timeout=10000):
        window.select_tab("rooms")
        window.show()
    return tab


def test_grid_shows_a_column_per_room_and_the_day_blocks(
    qtbot, window: MainWindow, studio: Maker
) -> None:  # type: ignore[no-untyped-def]
    tab = _tab(qtbot, window)
    assert [r.name for r in tab.grid.rooms] == ["Room B"]
    kinds = sorted(b.kind for b in tab.grid.blocks)
    assert kinds == ["lesson"] * (1 + mondays_lesson_is_today()) + ["reservation"]


def test_dragging_free_time_books_with_the_cost_shown_first(
    qtbot, window: MainWindow, studio: Maker, services: Services, admin: Actor
) -> None:  # type: ignore[no-untyped-def]
    tab = _tab(qtbot, window)
    grid = tab.grid
    grid.resize(grid.sizeHint())
    x = GUTTER + 20
    y_at = lambda hour, minute=0: int(  # noqa: E731
        HEADER + ((hour - grid.first_hour) * 60 + minute) * grid.slot_height / SLOT_MINUTES + 2
    )
    qtbot.mousePress(grid, Qt.MouseButton.LeftButton, pos=QPoint(x, y_at(14)))
    qtbot.mouseMove(grid, QPoint(x, y_at(15, 5)))
    qtbot.mouseRelease(grid, Qt.MouseButton.LeftButton, pos=QPoint(x, y_at(15, 5)))
    found: list[ReservationDialog] = []

    def visible() -> bool:
        found[:] = [
            w
            for w in QApplication.topLevelWidgets()
            if isinstance(w, ReservationDialog) and w.isVisible()
        ]
        return bool(found)

    qtbot.waitUntil(visible, timeout=5000)
    dialog = found[0]
    assert dialog.length.value() == 75
    assert dialog.cost.text().startswith("18.75")  # 75 min at 15.00 an hour
    qtbot.keyClicks(dialog.person.edit, "Ana Ru")
    qtbot.waitUntil(lambda: dialog.person.person_id() is not None)
    with qtbot.waitSignal(tab.loaded, timeout=10000):
        dialog.submit()
    day = services.rooms.day(admin, tab.navigator.start)
    booked = [r for r in day.reservations if r.person_name == "Ana Ruiz"]
    assert len(booked) == 1 and str(booked[0].total_cost) == "18.75"
    assert booked[0].start.astimezone(NY).hour == 14


def test_the_booking_dialog_finds_the_next_free_slots_and_takes_one(
    qtbot, window: MainWindow, studio: Maker
) -> None:  # type: ignore[no-untyped-def]
    tab = _tab(qtbot, window)
    grid = tab.grid
    grid.resize(grid.sizeHint())
    x = GUTTER + 20
    y_at = lambda hour: int(  # noqa: E731
        HEADER + (hour - grid.first_hour) * 60 * grid.slot_height / SLOT_MINUTES + 2
    )
    qtbot.mousePress(grid, Qt.MouseButton.LeftButton, pos=QPoint(x, y_at(14)))
    qtbot.mouseMove(grid, QPoint(x, y_at(15)))
    qtbot.mouseRelease(grid, Qt.MouseButton.LeftButton, pos=QPoint(x, y_at(15)))
    found: list[ReservationDialog] = []

    def visible() -> bool:
        found[:] = [
            w
            for w in QApplication.topLevelWidgets()
            if isinstance(w, ReservationDialog) and w.isVisible()
        ]
        return bool(found)

    qtbot.waitUntil(visible, timeout=5000)
    dialog = found[0]
    qtbot.mouseClick(dialog.find_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.slots.isVisible() and dialog.slots.count() > 0, timeout=10000)
    first = dialog.slots.item(0).data(256)
    assert "Room B" in dialog.slots.item(0).text()
    qtbot.keyClick(dialog.slots, Qt.Key.Key_Return)
    local = first.start.astimezone(dialog.zone)
    assert (dialog.start_time.time().hour(), dialog.start_time.time().minute()) == (
        local.hour,
        local.minute,
    )
    assert dialog.day.date().toPython() == local.date()
    dialog.reject()


def test_on_a_five_minute_grid_dragging_free_time_books_to_five_minutes(
    qtbot, window: MainWindow, studio: Maker, db: Database, admin: Actor
) -> None:  # type: ignore[no-untyped-def]
    StudioService(db).save_settings(admin, {"snap_minutes": 5})
    window.tables_changed(frozenset({"studios"}))  # what the live updates deliver
    tab = _tab(qtbot, window)
    grid = tab.grid
    qtbot.waitUntil(lambda: grid.snap_minutes == 5)
    grid.resize(grid.sizeHint())
    x = GUTTER + 20
    y_at = lambda hour, minute=0: int(  # noqa: E731
        HEADER + ((hour - grid.first_hour) * 60 + minute) * grid.slot_height / SLOT_MINUTES + 2
    )
    qtbot.mousePress(grid, Qt.MouseButton.LeftButton, pos=QPoint(x, y_at(14)))
    qtbot.mouseMove(grid, QPoint(x, y_at(14, 50)))
    qtbot.mouseRelease(grid, Qt.MouseButton.LeftButton, pos=QPoint(x, y_at(14, 50)))
    found: list[ReservationDialog] = []

    def visible() -> bool:
        found[:] = [
            w
            for w in QApplication.topLevelWidgets()
            if isinstance(w, ReservationDialog) and w.isVisible()
        ]
        return bool(found)

    qtbot.waitUntil(visible, timeout=5000)
    assert found[0].length.value() == 55  # 14:00 to the 14:50 mark and its 5 minutes
    qtbot.keyClick(found[0], Qt.Key.Key_Escape)


def test_cancel_from_the_list_frees_the_slot(
    qtbot, window: MainWindow, studio: Maker, services: Services, admin: Actor
) -> None:  # type: ignore[no-untyped-def]
    tab = _tab(qtbot, window)
    row = [b.kind for b in tab.model.rows].index("Reservation")
    tab.table.selectRow(row)
    with qtbot.waitSignal(tab.loaded, timeout=10000):
        tab.set_status("cancelled")
    assert [b.status for b in tab.model.rows if b.kind == "Reservation"] == ["cancelled"]
    today = datetime.now(NY).date()
    free = services.rooms.next_free_slots(
        admin, 60, after=datetime(today.year, today.month, today.day, 12, tzinfo=NY), count=1
    )
    assert free[0].start.astimezone(NY).hour == 12
    assert free[0].end - free[0].start == timedelta(hours=1)
