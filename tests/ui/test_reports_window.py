"""The Reports window as the desk's own login on the demo studio: F9 opens it, a click and
Enter show a report, its file is written off the GUI thread, and a Home chart's bar opens the
report behind it."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import openpyxl
from desk_driver import Desk
from PySide6.QtCore import Qt

from studiosync_desktop.ui.reports_window import ReportsWindow


def _open(desk: Desk) -> ReportsWindow:
    desk.key(Qt.Key.Key_F9)
    desk.wait_until(lambda: isinstance(getattr(desk.window, "reports_window", None), ReportsWindow))
    window = desk.window.reports_window  # type: ignore[attr-defined]
    desk.wait_until(lambda: window.isVisible() and window.table is not None)
    return window


def _click_report(desk: Desk, window: ReportsWindow, title: str) -> None:
    item = window.reports.findItems(title, Qt.MatchFlag.MatchExactly)[0]
    with desk.qtbot.waitSignal(window.shown, timeout=15000):
        desk.click(window.reports.viewport(), window.reports.visualItemRect(item).center())


def test_the_desk_runs_attendance_by_teacher_and_sees_what_the_service_says(desk: Desk) -> None:
    window = _open(desk)
    titles = [window.reports.item(i).text() for i in range(window.reports.count())]
    assert "Revenue" in titles and "Teacher pay" not in titles  # pay is for admins
    _click_report(desk, window, "Attendance")
    window.group.setFocus()
    desk.qtbot.keyClicks(window.group, "By teacher")
    with desk.qtbot.waitSignal(window.shown, timeout=15000):
        desk.qtbot.keyClick(window.group, Qt.Key.Key_Return)
    expected = desk.services.reports.run(desk.person.actor, window.request())
    assert window.table is not None and window.table.rows == expected.rows
    assert window.model.rowCount() == len(expected.rows) + 1  # and the total
    assert window.view.model().index(0, 0).data() == expected.rows[0][0]
    assert window.pages.isTabEnabled(1)  # a chart


def test_an_xlsx_of_the_lessons_is_written_with_every_row(desk: Desk, tmp_path: Path) -> None:
    window = _open(desk)
    _click_report(desk, window, "Lessons (attendance export)")
    window.first.setDate(date(2020, 1, 1))
    with desk.qtbot.waitSignal(window.shown, timeout=15000):
        desk.key(Qt.Key.Key_F5)
    target = tmp_path / "lessons.xlsx"
    window.export(".xlsx", target)  # the path a person picks in the save dialog
    desk.wait_until(lambda: target.exists() and "Saved" in window.status.text(), timeout=30000)
    sheet = openpyxl.load_workbook(target, read_only=True).active
    assert sheet is not None
    assert sum(1 for _ in sheet.iter_rows()) == len(window.table.rows) + 1  # type: ignore[union-attr]


def test_a_bar_of_the_home_revenue_chart_opens_revenue_for_that_month(desk: Desk) -> None:
    desk.key(Qt.Key.Key_F6)
    home = desk.window.current_tab()
    desk.wait_until(lambda: getattr(home, "charts", None) is not None)
    home.month_clicked.emit("revenue_teacher", date(2026, 11, 1))  # what a click on a bar says
    window = desk.window.reports_window  # type: ignore[attr-defined]
    desk.wait_until(
        lambda: window.table is not None and window.table.name == "revenue", timeout=30000
    )
    assert (window.table.first, window.table.last) == (date(2026, 11, 1), date(2026, 11, 30))
    assert window.group.currentData() == "teacher"


def test_the_desk_narrows_the_teachers_report_to_one_teacher(desk: Desk) -> None:
    window = _open(desk)
    _click_report(desk, window, "Teachers")
    desk.wait_until(lambda: window.teacher.count() > 1)
    name = window.teacher.itemText(2)
    window.teacher.setFocus()
    desk.qtbot.keyClicks(window.teacher, name)
    with desk.qtbot.waitSignal(window.shown, timeout=15000):
        desk.qtbot.keyClick(window.teacher, Qt.Key.Key_Return)
    assert window.table is not None and [r[0] for r in window.table.rows] == [name]


def test_the_desk_narrows_revenue_to_an_instrument_then_to_a_payer_by_keys(
    desk: Desk, tmp_path: Path
) -> None:
    """...and the CSV of it says so on its first line, as the PDF says it under its title."""
    window = _open(desk)
    everyone = window.table  # Revenue, the first report, shows as the window opens
    assert everyone is not None and everyone.name == "revenue" and everyone.totals is not None
    assert window.instrument.isVisible() and window.payer.isVisible()
    desk.wait_until(lambda: window.instrument.count() > 1)
    names = [window.instrument.itemText(i) for i in range(1, window.instrument.count())]
    instrument = next(n for n in names if " " not in n)  # a space would open the list
    window.reports.setFocus()
    desk.qtbot.keyClick(window.reports, Qt.Key.Key_I, Qt.KeyboardModifier.AltModifier)
    assert window.instrument.hasFocus()
    desk.qtbot.keyClicks(window.instrument, instrument)
    with desk.qtbot.waitSignal(window.shown, timeout=30000):
        desk.qtbot.keyClick(window.instrument, Qt.Key.Key_Return)
    one = window.table
    assert one is not None and one.totals is not None
    assert window.request()["instrument"] == instrument
    assert one.rows == desk.services.reports.run(desk.person.actor, window.request()).rows
    assert 0 < one.totals[-1] < everyone.totals[-1]  # type: ignore[operator]

    desk.qtbot.keyClick(window.instrument, Qt.Key.Key_Y, Qt.KeyboardModifier.AltModifier)
    assert window.payer.hasFocus()
    desk.qtbot.keyClicks(window.payer, "family")
    with desk.qtbot.waitSignal(window.shown, timeout=30000):
        desk.qtbot.keyClick(window.payer, Qt.Key.Key_Return)
    both = window.table
    assert both is not None and both.totals is not None
    assert window.request()["payer"] == "family"
    assert both.rows == desk.services.reports.run(desk.person.actor, window.request()).rows
    assert both.totals[-1] <= one.totals[-1]  # type: ignore[operator]
    target = tmp_path / "revenue.csv"
    window.export(".csv", target)  # the path a person picks in the save dialog
    desk.wait_until(lambda: target.exists() and "Saved" in window.status.text(), timeout=30000)
    with target.open(encoding="utf-8-sig") as f:
        said, titles, *rows = list(csv.reader(f))
    quoted = "\N{LEFT DOUBLE QUOTATION MARK}family\N{RIGHT DOUBLE QUOTATION MARK}"
    assert said == [f"Instrument: {instrument} \N{MIDDLE DOT} Payer: name has {quoted}"]
    assert titles == [c.title for c in both.columns] and len(rows) == len(both.rows) + 1

    _click_report(desk, window, "Student progress")
    assert not window.instrument.isVisible() and not window.payer.isVisible()
