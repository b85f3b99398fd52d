"""The person picker (lending, room bookings, lending a library copy), typed into as the desk does.

Each test opens its dialog from the main window with keys, types a name, and checks the list
that shows, who the line under the field names, and who the database recorded.
"""

from __future__ import annotations

from typing import Any

import shiboken6
from desk_driver import Desk
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QApplication, QDialog, QLabel
from sqlalchemy import text

from studiosync_desktop.db import Database
from studiosync_desktop.ui.dialogs.inventory import LendDialog
from studiosync_desktop.ui.dialogs.resources import LendCopyDialog
from studiosync_desktop.ui.dialogs.rooms import ReservationDialog

Key = Qt.Key
VIOLIN = "RMS-00020"  # Student Violin 3/4 #20: one, available, borrowable, excellent


def go_to_tab(desk: Desk, key: str) -> Any:
    desk.shortcut(f"Ctrl+{list(desk.window.tabs).index(key) + 1}")
    tab = desk.window.tabs[key]
    desk.wait_until(lambda: tab.has_loaded and not tab.is_loading)
    return tab


def shown_dialog(desk: Desk, kind: type[QDialog]) -> Any:
    found: list[QDialog] = []

    def visible() -> bool:
        found[:] = [
            w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()
        ]
        return bool(found)

    desk.wait_until(visible)
    desk.wait_until(found[0].isActiveWindow)  # what a person types goes there
    return found[0]


def open_lend(desk: Desk, serial: str = VIOLIN) -> Any:
    """Inventory tab, type the item's serial number, Ctrl+L."""
    tab = go_to_tab(desk, "inventory")
    tab.open_file = lambda _path: True  # the lent item's slip: no PDF viewer opens in a test
    desk.type(serial)
    desk.wait_until(
        lambda: (
            tab.model.rowCount() == 1 and tab.table.currentIndex().row() == 0 and not tab.is_loading
        )
    )
    desk.shortcut("Ctrl+L")
    return shown_dialog(desk, LendDialog)


def closed(dialog: QDialog) -> bool:
    return not shiboken6.isValid(dialog) or not dialog.isVisible()


def suggestions() -> QAbstractItemView | None:
    popup = QApplication.activePopupWidget()
    return popup if isinstance(popup, QAbstractItemView) and popup.isVisible() else None


def highlighted(view: QAbstractItemView) -> str:
    """The suggestion drawn highlighted: the current row, and it is the selected one."""
    index = view.currentIndex()
    assert index.isValid(), "no suggestion is highlighted"
    assert view.selectionModel().isSelected(index), "the current suggestion is not drawn selected"
    return str(index.data())


def borrower_of_latest_checkout(db: Database, serial: str) -> str | None:
    with db.session() as s:
        return s.execute(
            text(
                "SELECT u.first_name || ' ' || u.last_name FROM checkout_logs c "
                "JOIN inventory_items i ON i.id = c.item_id JOIN users u ON u.id = c.student_id "
                "WHERE i.serial_number = :serial ORDER BY c.created_at DESC LIMIT 1"
            ),
            {"serial": serial},
        ).scalar()


def note_under(dialog: QDialog) -> str:
    """The line under the person field that says who is chosen (or why nobody is)."""
    note = dialog.findChild(QLabel, "person_note")
    assert note is not None and note.isVisible()
    return str(note.text())


def test_enter_on_the_highlighted_suggestion_chooses_that_person_and_save_lends_to_them(
    desk: Desk, db: Database
) -> None:
    dialog = open_lend(desk)
    desk.type("Isaac")  # Isaac Cox and Isaac Hall
    desk.wait_until(lambda: suggestions() is not None and suggestions().model().rowCount() == 2)
    view = suggestions()
    assert view is not None
    assert highlighted(view).startswith("Isaac Cox")  # the first is highlighted at once
    desk.key(Key.Key_Down)
    assert highlighted(view).startswith("Isaac Hall")  # Down highlights the next one
    desk.key(Key.Key_Return)  # Enter chooses the highlighted one
    desk.wait_until(lambda: suggestions() is None)
    assert "Isaac Hall" in note_under(dialog)
    desk.key(Key.Key_Return)  # Save
    desk.wait_until(lambda: closed(dialog))
    assert borrower_of_latest_checkout(db, VIOLIN) == "Isaac Hall"


def test_a_name_only_one_person_has_is_chosen_and_enter_saves(desk: Desk, db: Database) -> None:
    dialog = open_lend(desk)
    desk.type("Isaac Co")
    desk.wait_until(lambda: "Isaac Cox" in note_under(dialog))
    assert suggestions() is None  # nothing to choose between
    desk.key(Key.Key_Return)
    desk.wait_until(lambda: closed(dialog))
    assert borrower_of_latest_checkout(db, VIOLIN) == "Isaac Cox"


def test_enter_before_the_lookup_came_back_saves_once_it_is_here(desk: Desk, db: Database) -> None:
    dialog = open_lend(desk)
    desk.type("Isaac Co")
    desk.key(Key.Key_Return)  # at once, as a quick typist does
    desk.wait_until(lambda: closed(dialog))
    assert borrower_of_latest_checkout(db, VIOLIN) == "Isaac Cox"


def test_typing_on_after_a_choice_unchooses_and_a_name_nobody_has_is_said(
    desk: Desk, db: Database
) -> None:
    dialog = open_lend(desk)
    desk.type("Isaac Co")
    desk.wait_until(lambda: "Isaac Cox" in note_under(dialog))
    desk.type("zz")
    desk.wait_until(lambda: "Nobody matches" in note_under(dialog))
    desk.key(Key.Key_Return)
    error = dialog.findChild(QLabel, "error_borrower_id")
    desk.wait_until(lambda: error.isVisible())
    assert "Nobody matches" in error.text() and "Isaac Cozz" in error.text()
    assert dialog.isVisible() and borrower_of_latest_checkout(db, VIOLIN) is None


def test_the_room_booking_picker_chooses_the_highlighted_person(desk: Desk, db: Database) -> None:
    go_to_tab(desk, "rooms")
    desk.shortcut("Ctrl+N")
    dialog = shown_dialog(desk, ReservationDialog)
    desk.type("Isaac")
    desk.wait_until(lambda: suggestions() is not None)
    desk.key(Key.Key_Down)
    desk.key(Key.Key_Return)
    desk.wait_until(lambda: "Isaac Hall" in note_under(dialog))
    with db.session() as s:
        hall = s.execute(
            text("SELECT id FROM users WHERE first_name = 'Isaac' AND last_name = 'Hall'")
        ).scalar_one()
    assert dialog.person.person_id() == hall  # what Save sends


def test_a_library_copy_is_lent_to_the_student_typed(desk: Desk, db: Database) -> None:
    tab = go_to_tab(desk, "resources")
    desk.type("Suzuki Violin")
    desk.wait_until(lambda: tab.model.rowCount() == 1 and tab.table.currentIndex().row() == 0)
    desk.shortcut("Ctrl+L")
    dialog = shown_dialog(desk, LendCopyDialog)
    desk.type("Isaac Co")
    desk.key(Key.Key_Return)
    desk.wait_until(lambda: closed(dialog))
    with db.session() as s:
        borrower = s.execute(
            text(
                "SELECT u.first_name || ' ' || u.last_name FROM resource_checkouts c "
                "JOIN students st ON st.id = c.student_id JOIN users u ON u.id = st.user_id "
                "ORDER BY c.checked_out_at DESC LIMIT 1"
            )
        ).scalar()
    assert borrower == "Isaac Cox"
