"""Print month asks which month: the desk prints last month's invoices, not only this one's."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

from desk_driver import Desk
from pypdf import PdfReader
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QFileDialog
from sqlalchemy import text
from test_desk_tasks import zone

from studiosync_desktop.ui.dialogs.billing import MonthDialog


def studio_today(desk: Desk) -> date:
    return datetime.now(zone(desk)).date()


def test_print_month_prints_the_month_the_desk_picks(desk: Desk, tmp_path: Path) -> None:
    today = studio_today(desk)
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    with desk.person.db.engine.connect() as conn:
        numbers = (
            conn.execute(
                text(
                    "SELECT invoice_number FROM invoices WHERE status <> 'draft'"
                    " AND date_trunc('month', issue_date) = :m ORDER BY invoice_number"
                ),
                {"m": last_month},
            )
            .scalars()
            .all()
        )
    assert numbers, "the demo studio issued invoices last month"
    target = tmp_path / "last-month.pdf"

    desk.shortcut("Ctrl+4")  # Invoices
    tab = desk.window.current_tab()
    desk.wait_until(lambda: tab.has_loaded and not tab.is_loading)
    desk.shortcut("Ctrl+Shift+M")
    desk.wait_until(lambda: isinstance(QApplication.activeModalWidget(), MonthDialog))
    dialog = QApplication.activeModalWidget()
    assert isinstance(dialog, MonthDialog)
    assert dialog.chosen() == today.replace(day=1)
    desk.wait_until(dialog.isActiveWindow)
    desk.key(Qt.Key.Key_Down)  # the month before
    assert dialog.chosen() == last_month

    def save_where() -> None:  # the file dialog, as a person fills it in
        files = QApplication.activeModalWidget()
        if not isinstance(files, QFileDialog) or QApplication.focusWidget() is None:
            QTimer.singleShot(50, save_where)
            return
        assert files.windowTitle() == f"Save the invoices of {last_month:%B %Y}"
        desk.key(Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        desk.type(str(target))
        desk.key(Qt.Key.Key_Return)

    QTimer.singleShot(0, save_where)
    desk.key(Qt.Key.Key_Return)
    desk.wait_until(target.exists, timeout=20000)
    desk.wait_until(lambda: target.stat().st_size > 0 and "Saved" in tab.summary.text())
    pages = "".join(page.extract_text() for page in PdfReader(target).pages)
    assert all(number in pages for number in numbers)


def test_the_calendar_title_is_whole_at_1280_by_720(desk: Desk) -> None:
    today = studio_today(desk)  # the demo studio's (Chicago), not this PC's
    monday = today - timedelta(days=today.weekday())
    sunday = monday + timedelta(days=6)
    desk.window.resize(1280, 720)
    desk.shortcut("Ctrl+2")
    tab = desk.window.current_tab()
    desk.wait_until(lambda: tab.has_loaded and not tab.is_loading)
    assert desk.window.minimumSizeHint().width() <= 1280  # the window fits the screen
    label = tab.navigator.label
    assert label.text() in (
        f"{monday.day} \N{EN DASH} {sunday.day} {sunday:%b %Y}",
        f"{monday.day} {monday:%b} \N{EN DASH} {sunday.day} {sunday:%b %Y}",
    )
    desk.wait_until(lambda: label.width() >= label.fontMetrics().horizontalAdvance(label.text()))
