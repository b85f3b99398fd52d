"""The main window against the real database: every tab shows real rows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from factories import Maker
from PySide6.QtCore import Qt
from studio_week import mondays_lesson_is_today

from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services.container import Services
from studiosync_desktop.ui.main_window import MainWindow
from studiosync_desktop.ui.table_model import ALERT
from studiosync_desktop.ui.tabs.base import DataTab


def column(tab: DataTab, title: str) -> list[str]:
    model = tab.model
    c = [col.title for col in model.columns].index(title)
    return [model.data(model.index(r, c)) for r in range(model.rowCount())]


def show(qtbot, window: MainWindow, key: str) -> DataTab:  # type: ignore[no-untyped-def]
    tab = window.tabs[key]
    with qtbot.waitSignal(tab.loaded, timeout=10000):
        window.select_tab(key)
        window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)  # window shortcuts need the active window
    return tab


def test_status_bar_names_the_database_and_the_user(window: MainWindow, admin) -> None:  # type: ignore[no-untyped-def]
    assert "studio_test on 127.0.0.1" in window.database_label.text()
    assert admin.name in window.user_label.text()
    assert [window.tab_widget.tabText(i) for i in range(window.tab_widget.count())] == [
        "Home",  # the desk's opening view
        "Calendar",
        "Roster",
        "Invoices",
        "Inventory",
        "Room bookings",
        "Messages",
        "Resources",
        "Users",  # an admin's; other roles see fewer tabs (tests/ui/test_logins.py)
        "Audit trail",
        "Outbox",
        "Pay",
    ]


def test_calendar_shows_this_weeks_lessons_and_pages_by_week(
    qtbot, window: MainWindow, studio: Maker
) -> None:  # type: ignore[no-untyped-def]
    tab = show(qtbot, window, "calendar")
    assert tab.summary.text() == "2 lessons"
    assert column(tab, "Student / band") == ["Sam Lee", "Sam Lee"]
    assert "Room B" in column(tab, "Room")
    assert column(tab, "Rate") == ["45.00", "45.00"]

    start = tab.week_start
    with qtbot.waitSignal(tab.loaded, timeout=10000):
        qtbot.keyClick(window, Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier)
    assert tab.week_start == start + timedelta(days=7)
    assert column(tab, "Student / band") == ["Sam Lee"]

    with qtbot.waitSignal(tab.loaded, timeout=10000):
        qtbot.keyClick(window, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    assert tab.week_start == start


def test_roster_lists_students_and_search_narrows_them(
    qtbot, window: MainWindow, studio: Maker
) -> None:  # type: ignore[no-untyped-def]
    tab = show(qtbot, window, "roster")
    assert column(tab, "Name") == ["Sam Lee", "Ana Ruiz"]
    assert column(tab, "Family") == ["Lee family", ""]

    with qtbot.waitSignal(tab.loaded, timeout=10000):
        tab.search.setText("viol")  # debounced: one load after typing stops
    assert column(tab, "Name") == ["Ana Ruiz"]
    assert tab.summary.text() == "1 student"


def test_invoices_show_totals_balance_and_overdue_in_red(
    qtbot, window: MainWindow, studio: Maker
) -> None:  # type: ignore[no-untyped-def]
    tab = show(qtbot, window, "invoices")
    assert column(tab, "Number") == ["INV-0002", "INV-0001"]
    assert column(tab, "Status") == ["Sent", "Overdue"]
    assert column(tab, "Balance") == ["100.00", "100.00"]
    assert column(tab, "Paid") == ["0.00", "20.00"]
    brush = tab.model.data(tab.model.index(1, 0), Qt.ItemDataRole.ForegroundRole)
    assert brush.color() == ALERT
    assert tab.model.data(tab.model.index(0, 0), Qt.ItemDataRole.ForegroundRole) is None


def test_inventory_highlights_low_stock(qtbot, window: MainWindow, studio: Maker) -> None:  # type: ignore[no-untyped-def]
    tab = show(qtbot, window, "inventory")
    assert column(tab, "Item") == ["Music stand", "Violin 1/2"]
    assert column(tab, "Stock") == ["", "Low"]
    assert tab.model.data(tab.model.index(1, 0), Qt.ItemDataRole.BackgroundRole) is not None
    assert "1 low on stock" in tab.summary.text()


def test_room_bookings_show_reservations_and_room_lessons(
    qtbot, window: MainWindow, studio: Maker
) -> None:  # type: ignore[no-untyped-def]
    tab = show(qtbot, window, "rooms")
    later = mondays_lesson_is_today()  # the week's Monday lesson at 16:00, after Pia's 12:00
    sam = "Sam Lee with Maya Chen"
    assert column(tab, "Booked for") == [sam, "Pia Practice"] + [sam] * later
    assert column(tab, "Room") == ["Room B"] * (2 + later)
    assert column(tab, "Kind") == ["Private lesson", "Reservation"] + ["Private lesson"] * later


def test_ctrl_number_switches_tabs_and_f5_reloads(qtbot, window: MainWindow, studio: Maker) -> None:  # type: ignore[no-untyped-def]
    show(qtbot, window, "calendar")
    roster = window.tabs["roster"]
    with qtbot.waitSignal(roster.loaded, timeout=10000):
        qtbot.keyClick(window, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    assert window.current_tab() is roster

    studio.student("Zoe", "Adams")
    with qtbot.waitSignal(roster.loaded, timeout=10000):
        qtbot.keyClick(window, Qt.Key.Key_F5)
    assert column(roster, "Name")[0] == "Zoe Adams"

    audit = window.tabs["audit"]  # an administrator's tenth tab: Ctrl+0
    with qtbot.waitSignal(audit.loaded, timeout=10000):
        qtbot.keyClick(window, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert window.current_tab() is audit


def test_an_empty_week_says_so_instead_of_a_blank_table(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    tab = show(qtbot, window, "calendar")
    assert tab.model.rowCount() == 0
    assert tab.table.overlay.text() == "No lessons this week."
    assert tab.summary.text() == "0 lessons"


@pytest.mark.parametrize("key", ["calendar", "roster", "invoices", "inventory", "rooms"])
def test_grab_tab_writes_a_png_of_the_loaded_tab(
    qtbot, window: MainWindow, studio: Maker, tmp_path, key: str
) -> None:  # type: ignore[no-untyped-def]
    from studiosync_desktop.ui.screenshot import grab_tab

    out = tmp_path / f"{key}.png"
    grab_tab(window, key, out)

    assert window.tabs[key].has_loaded
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_no_two_shortcuts_share_keys_where_both_are_active(
    window: MainWindow, services: Services, admin: Actor, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    """Qt runs neither of two shortcuts on the same keys: a tab's keys must differ from the
    window's (menus, tab switching, notifications) and from each other."""
    from PySide6.QtGui import QAction, QShortcut

    from studiosync_desktop.ui.account_menus import AccountContext, AccountMenus
    from studiosync_desktop.ui.error_presenter import ErrorPresenter

    AccountMenus(
        window,
        AccountContext(
            actor=admin, accounts=services.accounts, runner=window.runner,
            presenter=ErrorPresenter(interactive=False), owner_url=None,
            shown_server="postgresql://server/studio", backup_folder=tmp_path,
            lock=lambda: None, studio=services.studio, stripe=services.stripe,
        ),
    )  # fmt: skip
    tabs = list(window.tabs.values())

    def owner(obj) -> object:  # type: ignore[no-untyped-def]
        parent = obj.parent()
        while parent is not None and parent not in tabs:
            parent = parent.parent()
        return parent  # None: the window's own

    keys: dict[object, list[str]] = {}
    for obj in (*window.findChildren(QAction), *window.findChildren(QShortcut)):
        sequences = obj.shortcuts() if isinstance(obj, QAction) else [obj.key()]
        for seq in sequences:
            if not seq.isEmpty() and (not isinstance(obj, QShortcut) or obj.isEnabled()):
                keys.setdefault(owner(obj), []).append(seq.toString())
    window_keys = keys.pop(None, [])
    assert len(window_keys) == len(set(window_keys)), window_keys
    for tab, own in keys.items():
        assert len(own) == len(set(own)), (tab, sorted(own))
        assert not set(own) & set(window_keys), (tab, sorted(set(own) & set(window_keys)))


def test_only_the_first_tab_is_built_before_the_window_shows_and_the_keys_build_the_rest(
    qtbot, window: MainWindow, studio: Maker
) -> None:  # type: ignore[no-untyped-def]
    first = window.current_tab()
    assert set(window.tabs.built()) == {"today"}  # Home, before the first paint
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.waitUntil(lambda: first.has_loaded, timeout=15000)
    assert "calendar" not in window.tabs.built() and "audit" not in window.tabs.built()
    for number, key in enumerate(window.shown_tabs()[:10], start=1):
        qtbot.keyClick(
            window, Qt.Key(Qt.Key.Key_0 + number % 10), Qt.KeyboardModifier.ControlModifier
        )
        tab = window.current_tab()
        assert tab.key == key and key in window.tabs.built()
        qtbot.waitUntil(lambda tab=tab: tab.has_loaded, timeout=15000)  # type: ignore[misc]
        # The tab bar said its name before it was built: the same as the tab's own title.
        index = window.tab_widget.currentIndex()
        assert window.tab_widget.tabText(index).startswith(tab.title)
