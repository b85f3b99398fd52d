"""The calendar's month: a count per day, colour by instrument, a day opens on click or Enter."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from factories import Maker
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QComboBox
from sqlalchemy import text
from studio_week import mondays_lesson_is_today

from studiosync_desktop.db import Database
from studiosync_desktop.ui.lesson_colours import instrument_colour
from studiosync_desktop.ui.main_window import MainWindow
from studiosync_desktop.ui.month_grid import grid_start
from studiosync_desktop.ui.tabs.calendar import CalendarTab

NY = ZoneInfo("America/New_York")


def _today() -> date:
    return datetime.now(NY).date()


def _month_tab(qtbot, window: MainWindow) -> CalendarTab:  # type: ignore[no-untyped-def]
    """The calendar, switched to Month by typing in the view box, as a person does."""
    tab = window.tabs["calendar"]
    assert isinstance(tab, CalendarTab)
    with qtbot.waitSignal(tab.loaded, timeout=10000):
        window.select_tab("calendar")
        window.show()
    with qtbot.waitSignal(tab.loaded, timeout=10000):
        _choose(qtbot, tab.view, "Month")
    assert tab.month.isVisible() and not tab.grid_scroll.isVisible()
    return tab


def _choose(qtbot, box: QComboBox, wanted: str) -> None:  # type: ignore[no-untyped-def]
    """Up or Down in a focused box until it shows `wanted` (one change: one load)."""
    box.setFocus()
    key = Qt.Key.Key_Down if box.findText(wanted) > box.currentIndex() else Qt.Key.Key_Up
    while box.currentText() != wanted:
        before = box.currentIndex()
        qtbot.keyClick(box, key)
        assert box.currentIndex() != before, f"{wanted} is not in the box"
        if box.currentText() != wanted:  # passing an item on the way loads it too
            qtbot.waitUntil(lambda: not _loading(box))


def _loading(box: QComboBox) -> bool:
    tab = box.parent()
    while tab is not None and not isinstance(tab, CalendarTab):
        tab = tab.parent()
    return bool(tab is not None and tab.is_loading)


def _held(db: Database, first: date, after: date) -> dict[date, int]:
    """What the database holds: lessons taking place per studio day."""
    with db.engine.begin() as c:
        rows = c.execute(
            text(
                "SELECT (scheduled_start AT TIME ZONE 'America/New_York')::date, count(*)"
                " FROM lessons WHERE status NOT IN ('cancelled', 'no_show')"
                " AND scheduled_start >= :a AND scheduled_start < :b GROUP BY 1"
            ),
            {
                "a": datetime.combine(first, datetime.min.time(), NY),
                "b": datetime.combine(after, datetime.min.time(), NY),
            },
        ).all()
    return {d: n for d, n in rows}


def test_the_month_says_how_many_lessons_each_day_has(qtbot, window, studio: Maker, db) -> None:  # type: ignore[no-untyped-def]
    today = _today()
    sam = next(iter(_students(db, "Sam")))
    maya = next(iter(_teachers(db)))
    for hour in (10, 11, 12):  # three more today, one of them cancelled
        studio.lesson(
            maya,
            datetime.combine(today, datetime.min.time(), NY).replace(hour=hour),
            student_id=sam,
            status="cancelled" if hour == 12 else "scheduled",
        )
    tab = _month_tab(qtbot, window)
    first = today.replace(day=1)
    assert tab.navigator.start == first
    assert tab.navigator.label.text() == f"{today:%B %Y}"
    shown = tab.month.shown_days()
    assert shown[0] == grid_start(first) and len(shown) == 42
    expected = _held(db, shown[0], shown[-1] + timedelta(days=1))
    assert expected[today] == 3 + mondays_lesson_is_today()  # 09:00 and the two new ones
    for day in shown:
        n = expected.get(day, 0)
        words = f"{n} lesson{'' if n == 1 else 's'}" if n else ""
        assert tab.month.count_text(day) == words, day
    in_month = sum(n for d, n in expected.items() if d.month == today.month)
    assert tab.summary.text() == f"{in_month} lesson{'' if in_month == 1 else 's'}"
    assert "Cancelled or no-show: 1" in tab.month.breakdown(today)


def test_enter_opens_the_day_under_the_cursor_and_a_click_opens_another(
    qtbot, window, studio: Maker
) -> None:  # type: ignore[no-untyped-def]
    today = _today()
    tab = _month_tab(qtbot, window)
    month = tab.month
    month.setFocus()
    assert month.cursor_day == today
    # Right then Left is where it started, in whatever month; Up a week before.
    qtbot.keyClick(month, Qt.Key.Key_Right)
    qtbot.keyClick(month, Qt.Key.Key_Left)
    assert month.cursor_day == today
    with qtbot.waitSignal(tab.loaded, timeout=10000):
        qtbot.keyClick(month, Qt.Key.Key_Return)
    assert tab.view.currentData() == "teacher" and tab.navigator.start == today
    assert tab.grid.isVisible() and not month.isVisible()
    assert {c.title for c in tab.grid.columns} == {"Maya Chen"}  # today's 09:00 lesson
    nine = datetime.combine(today, datetime.min.time(), NY).replace(hour=9)
    top = tab.grid_scroll.verticalScrollBar().value()
    assert top <= tab.grid.y_of(nine) <= top + tab.grid_scroll.viewport().height()  # scrolled to it
    # Back to the month; a click on the 15th opens the 15th.
    with qtbot.waitSignal(tab.loaded, timeout=10000):
        _choose(qtbot, tab.view, "Month")
    fifteenth = today.replace(day=15)
    with qtbot.waitSignal(tab.loaded, timeout=10000):
        qtbot.mouseClick(month, Qt.MouseButton.LeftButton, pos=month.cell_rect(fifteenth).center())
    assert tab.view.currentData() == "teacher" and tab.navigator.start == fifteenth


def test_the_arrows_walk_into_the_next_month(qtbot, window, studio: Maker) -> None:  # type: ignore[no-untyped-def]
    tab = _month_tab(qtbot, window)
    month = tab.month
    month.setFocus()
    first = tab.navigator.start
    next_first = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    while month.cursor_day < next_first - timedelta(days=7):
        qtbot.keyClick(month, Qt.Key.Key_Down)
    assert tab.navigator.start == first
    with qtbot.waitSignal(tab.loaded, timeout=10000):
        while month.cursor_day < next_first:
            qtbot.keyClick(month, Qt.Key.Key_Right)
    assert month.cursor_day == next_first
    assert tab.navigator.start == next_first
    assert tab.navigator.label.text() == f"{next_first:%B %Y}"
    assert month.cell_rect(next_first).top() < month.height() / 2  # the first week shown


def test_colour_by_instrument_colours_the_month_and_the_week(qtbot, window, studio: Maker) -> None:  # type: ignore[no-untyped-def]
    tab = _month_tab(qtbot, window)
    _choose(qtbot, tab.colour, "Colour by instrument")
    assert tab.colour.currentData() == "instrument"
    today = _today()
    cello = 1 + mondays_lesson_is_today()
    assert f"Cello: {cello}" in tab.month.breakdown(today)  # Sam Lee plays the cello
    # The bar at the foot of today's cell is the cello's colour.
    image = tab.month.grab().toImage()
    cell = tab.month.cell_rect(today)
    foot = image.pixelColor(cell.center().x(), cell.bottom() - 8)
    assert foot.name() == instrument_colour("Cello").name()
    # The week: Sam's block in the cello's colour too.
    with qtbot.waitSignal(tab.loaded, timeout=10000):
        _choose(qtbot, tab.view, "Week")
    assert tab.view.currentData() == "week"
    [(_rect, row), *_] = [(rc, r) for rc, r in tab.grid._rects if r.student_name == "Sam Lee"]
    assert row.instrument == "Cello"
    assert tab.grid.feed.colour(row) == QColor(instrument_colour("Cello"))
    assert instrument_colour("Cello") != instrument_colour("Violin")


def _students(db: Database, first: str) -> list[object]:
    with db.engine.begin() as c:
        return list(
            c.execute(
                text(
                    "SELECT s.id FROM students s JOIN users u ON u.id = s.user_id"
                    " WHERE u.first_name = :f"
                ),
                {"f": first},
            ).scalars()
        )


def _teachers(db: Database) -> list[object]:
    with db.engine.begin() as c:
        return list(c.execute(text("SELECT id FROM teachers")).scalars())
