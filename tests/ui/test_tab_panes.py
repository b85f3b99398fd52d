"""A tab's rows, second pane and other views sit where the desk expects them: the actions under
the toolbar, the room day above its list, the calendar's list where the timetable was, the
summary line at the bottom; the handle between two panes moves with the mouse."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QPushButton, QSplitter, QWidget

from studiosync_desktop.ui.main_window import MainWindow


def _open(qtbot, window: MainWindow, key: str) -> QWidget:  # type: ignore[no-untyped-def]
    tab = window.tabs[key]
    with qtbot.waitSignal(tab.loaded, timeout=10000):
        window.select_tab(key)
        window.show()
    window.resize(1280, 860)
    qtbot.waitUntil(lambda: tab.height() > 600)
    return tab


def _top(tab: QWidget, widget: QWidget) -> int:
    return widget.mapTo(tab, QPoint(0, 0)).y()


def test_the_room_day_is_above_its_list_and_the_handle_between_moves(
    qtbot, window: MainWindow, studio
) -> None:  # type: ignore[no-untyped-def]
    tab = _open(qtbot, window, "rooms")
    book = next(b for b in tab.findChildren(QPushButton) if b.text() == "&Book a room…")
    assert _top(tab, book) < _top(tab, tab.grid_scroll)  # the actions under the toolbar
    assert _top(tab, tab.grid_scroll) < _top(tab, tab.table) < _top(tab, tab.summary)
    splitter = tab.grid_scroll.parentWidget()
    assert isinstance(splitter, QSplitter)
    handle = splitter.handle(1)
    before = tab.table.height()
    centre = handle.rect().center()
    qtbot.mousePress(handle, Qt.MouseButton.LeftButton, pos=centre)
    qtbot.mouseMove(handle, centre - QPoint(0, 120))
    qtbot.mouseRelease(handle, Qt.MouseButton.LeftButton, pos=centre - QPoint(0, 120))
    qtbot.waitUntil(lambda: tab.table.height() > before + 60)


def test_the_calendars_list_takes_the_timetables_place_above_the_summary(
    qtbot, window: MainWindow, studio
) -> None:  # type: ignore[no-untyped-def]
    tab = _open(qtbot, window, "calendar")
    box = tab.view
    box.setFocus()
    while box.currentData() != "list":
        with qtbot.waitSignal(tab.loaded, timeout=10000):
            qtbot.keyClick(box, Qt.Key.Key_Down)
    assert tab.table.isVisible() and not tab.grid_scroll.isVisible()
    assert _top(tab, box) < _top(tab, tab.table) < _top(tab, tab.summary)
    assert tab.table.model().rowCount() > 0
