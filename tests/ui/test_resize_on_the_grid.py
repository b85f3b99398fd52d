"""A resize snaps to the grid and asks before the price changes (issue 14, finding 4)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from factories import Maker
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QMessageBox
from sqlalchemy import text
from test_calendar import NY, _tab

from studiosync_desktop.db import Database
from studiosync_desktop.ui.main_window import MainWindow


def lesson_at_16(db: Database) -> tuple[object, object, object, Decimal, Decimal]:
    with db.session() as s:
        return s.execute(
            text(
                "SELECT l.id, l.scheduled_start, l.scheduled_end, l.rate, t.hourly_rate"
                " FROM lessons l JOIN teachers t ON t.id = l.teacher_id"
                " WHERE extract(hour FROM l.scheduled_start AT TIME ZONE 'America/New_York') = 16"
                " AND l.scheduled_start < now() + interval '7 days' ORDER BY 2 LIMIT 1"
            )
        ).one()  # type: ignore[return-value]


def drag_bottom_edge(qtbot, window: MainWindow, lesson_id: object, dy: int) -> None:  # type: ignore[no-untyped-def]
    tab = window.tabs["calendar"]
    if not tab.has_loaded:
        _tab(qtbot, window)
    qtbot.waitUntil(lambda: not tab.is_loading)
    grid = tab.grid
    rect = next(r for r, row in grid._rects if row.id == lesson_id)
    edge = QPoint(rect.center().x(), rect.bottom() - 1)
    qtbot.mousePress(grid, Qt.MouseButton.LeftButton, pos=edge)
    qtbot.mouseMove(grid, edge + QPoint(0, dy))
    qtbot.mouseRelease(grid, Qt.MouseButton.LeftButton, pos=edge + QPoint(0, dy))


def answer(qtbot, window: MainWindow, button_text: str) -> QMessageBox:  # type: ignore[no-untyped-def]
    tab = window.tabs["calendar"]
    shown = window.presenter.shown
    got: list[object] = []
    shown.connect(lambda *a: got.append(a))
    qtbot.waitUntil(lambda: isinstance(getattr(tab, "last_dialog", None), QMessageBox) or bool(got))
    assert not got, got
    box = tab.last_dialog
    button = next(b for b in box.buttons() if b.text().replace("&", "") == button_text)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    return box


def test_a_resize_snaps_to_the_grid_and_keeps_the_price_when_told(
    qtbot, db: Database, window: MainWindow, studio: Maker
) -> None:  # type: ignore[no-untyped-def]
    lesson_id, _start, end, rate, hourly = lesson_at_16(db)
    slot = window.tabs["calendar"].grid.slot_height
    assert rate != hourly  # a 30-minute lesson; an hour costs the teacher's hourly rate
    drag_bottom_edge(qtbot, window, lesson_id, 2 * slot - slot // 3)  # short of the 17:00 line
    box = answer(qtbot, window, f"Keep {rate:,.2f}")
    new_end = end + timedelta(minutes=30)
    assert "16:00\N{EN DASH}17:00 (60 min)" in box.text()
    assert f"from {rate:,.2f} to {hourly:,.2f}" in box.text()
    qtbot.waitUntil(lambda: lesson_at_16(db)[2] == new_end, timeout=10000)
    assert lesson_at_16(db)[3] == rate  # told to keep it
    assert new_end.astimezone(NY).minute % 15 == 0


def test_a_resize_charges_the_new_length_when_told_and_cancel_moves_nothing(
    qtbot, db: Database, window: MainWindow, studio: Maker
) -> None:  # type: ignore[no-untyped-def]
    lesson_id, start, end, rate, hourly = lesson_at_16(db)
    slot = window.tabs["calendar"].grid.slot_height
    drag_bottom_edge(qtbot, window, lesson_id, 2 * slot - slot // 3)
    answer(qtbot, window, "Cancel")
    qtbot.wait(300)
    assert lesson_at_16(db)[2:4] == (end, rate)  # nothing saved
    drag_bottom_edge(qtbot, window, lesson_id, 2 * slot - slot // 3)  # to 17:00
    answer(qtbot, window, f"Charge {hourly:,.2f}")
    qtbot.waitUntil(lambda: lesson_at_16(db)[2] == start + timedelta(hours=1), timeout=10000)
    assert lesson_at_16(db)[3] == hourly


def test_a_studio_on_a_five_minute_grid_resizes_by_five_minutes(
    qtbot, db: Database, window: MainWindow, studio: Maker, admin
) -> None:  # type: ignore[no-untyped-def]
    from studiosync_desktop.services.studio import StudioService

    StudioService(db).save_settings(admin, {"snap_minutes": 5})
    window.tables_changed(frozenset({"studios"}))  # what the live updates deliver
    lesson_id, _start, end, rate, _hourly = lesson_at_16(db)
    _tab(qtbot, window)
    grid = window.tabs["calendar"].grid
    qtbot.waitUntil(lambda: grid.snap_minutes == 5)
    drag_bottom_edge(qtbot, window, lesson_id, grid.slot_height // 3 + 1)  # about 5 minutes
    answer(qtbot, window, f"Keep {rate:,.2f}")
    qtbot.waitUntil(lambda: lesson_at_16(db)[2] == end + timedelta(minutes=5), timeout=10000)
