"""Lending at the desk, by keys and clicks: Lend only for what can be lent, returns as it left."""

from __future__ import annotations

import stat
from pathlib import Path

from desk_driver import Desk
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy import text

from studiosync_desktop.ui.dialogs.inventory import LendDialog, ReturnDialog
from studiosync_desktop.ui.tabs.inventory import InventoryTab


def inventory(desk: Desk) -> InventoryTab:
    desk.shortcut("Ctrl+5")
    tab = desk.window.current_tab()
    assert isinstance(tab, InventoryTab)
    desk.wait_until(lambda: tab.has_loaded and not tab.is_loading)
    return tab


def find(desk: Desk, tab: InventoryTab, name: str) -> None:
    """Types the name into the tab's search and waits for that item to be the selected row."""
    desk.type(name)
    desk.wait_until(
        lambda: (
            not tab.is_loading
            and (row := tab.selected_item()) is not None
            and row.name == name
            and tab.model.rowCount() >= 1
        )
    )


def item_named(desk: Desk, sql_where: str) -> str:
    with desk.person.db.engine.connect() as conn:
        return str(
            conn.execute(
                text(f"SELECT name FROM inventory_items WHERE {sql_where} ORDER BY name LIMIT 1")
            ).scalar_one()
        )


def test_lend_is_offered_only_for_items_that_can_be_lent(desk: Desk) -> None:
    tab = inventory(desk)
    staying = item_named(desk, "NOT is_borrowable AND status = 'available'")
    find(desk, tab, staying)
    column = [c.title for c in tab.model.columns].index("Lending")
    row = tab.table.currentIndex().row()
    assert tab.model.data(tab.model.index(row, column)) == "Stays here"
    assert not tab.lend_button.isEnabled()
    assert tab.lend_button.toolTip() == (
        f"{staying} is not for lending (its record says it stays in the studio)."
    )
    desk.shortcut("Ctrl+L")  # the key says the same, and no form opens to be filled in vain
    assert tab.summary.text() == tab.lend_button.toolTip()
    assert not any(isinstance(w, LendDialog) for w in QApplication.topLevelWidgets())

    lendable = item_named(desk, "is_borrowable AND status = 'available' AND available_quantity > 0")
    desk.shortcut("Ctrl+F")
    find(desk, tab, lendable)
    assert tab.model.data(tab.model.index(tab.table.currentIndex().row(), column)) == "Can lend"
    assert tab.lend_button.isEnabled()
    desk.click(tab.lend_button)
    desk.wait_until(lambda: isinstance(QApplication.activeModalWidget(), LendDialog))
    dialog = QApplication.activeModalWidget()
    assert isinstance(dialog, LendDialog)
    dialog.reject()


def test_a_return_keeps_the_condition_it_left_in(desk: Desk) -> None:
    services, actor = desk.services, desk.person.actor
    violin = item_named(
        desk,
        "is_borrowable AND status = 'available' AND available_quantity > 0"
        " AND category = 'instrument'",
    )
    item = services.inventory.items(actor, search=violin).rows[0]
    someone = services.inventory.borrowers(actor, "")[0]
    services.inventory.request(
        actor,
        {
            "item_id": item.id,
            "borrower_id": someone.id,
            "condition_out": "excellent",
            "approve_now": True,
        },
    )
    tab = inventory(desk)
    desk.wait_until(lambda: any(r.item_id == item.id for r in tab.checkout_model.rows))
    row = next(i for i, r in enumerate(tab.checkout_model.rows) if r.item_id == item.id)
    rect = tab.checkout_table.visualRect(tab.checkout_model.index(row, 1))
    desk.click(tab.checkout_table.viewport(), rect.center())
    desk.shortcut("Ctrl+R")
    desk.wait_until(lambda: isinstance(QApplication.activeModalWidget(), ReturnDialog))
    dialog = QApplication.activeModalWidget()
    assert isinstance(dialog, ReturnDialog)
    desk.wait_until(dialog.isActiveWindow)
    desk.key(Qt.Key.Key_Return)  # the receptionist only confirms
    desk.wait_until(
        lambda: not any(isinstance(w, ReturnDialog) for w in QApplication.topLevelWidgets())
    )
    with desk.person.db.engine.connect() as conn:
        condition, condition_in = conn.execute(
            text(
                "SELECT i.condition, c.condition_in FROM inventory_items i"
                " JOIN checkout_logs c ON c.item_id = i.id WHERE i.id = :i"
                " AND c.status = 'returned'"
            ),
            {"i": item.id},
        ).one()
    assert (condition, condition_in) == ("excellent", "excellent")


def test_a_slip_is_saved_in_the_persons_documents_and_the_desk_is_told_where(
    desk: Desk, documents_folder: Path
) -> None:
    services, actor = desk.services, desk.person.actor
    lendable = item_named(desk, "is_borrowable AND status = 'available' AND available_quantity > 0")
    item = services.inventory.items(actor, search=lendable).rows[0]
    someone = services.inventory.borrowers(actor, "")[0]
    services.inventory.request(
        actor, {"item_id": item.id, "borrower_id": someone.id, "approve_now": True}
    )
    tab = inventory(desk)
    tab.open_file = lambda path: False  # type: ignore[method-assign]  # a PC without a PDF viewer
    desk.wait_until(lambda: any(r.item_id == item.id for r in tab.checkout_model.rows))
    row = next(i for i, r in enumerate(tab.checkout_model.rows) if r.item_id == item.id)
    desk.click(
        tab.checkout_table.viewport(),
        tab.checkout_table.visualRect(tab.checkout_model.index(row, 1)).center(),
    )
    desk.shortcut("Ctrl+P")
    note = desk.window.document_note
    desk.wait_until(note.isVisible)
    (slip,) = documents_folder.iterdir()
    assert slip.read_bytes().startswith(b"%PDF")
    assert stat.S_IMODE(slip.stat().st_mode) == 0o600  # this person's, not every user's
    assert stat.S_IMODE(documents_folder.stat().st_mode) == 0o700
    assert note.text.text() == (
        f"Saved {slip.name} in {documents_folder}. No program on this PC opened it: install a"
        " PDF viewer, or open the folder and open or print it from there."
    )
    assert tab.summary.text() == note.text.text()
    folders: list[Path] = []
    note.open_path = lambda path: folders.append(path) or True  # type: ignore[method-assign]
    desk.click(note.open_folder_button)
    assert folders == [documents_folder]

    desk.shortcut("Ctrl+P")  # again: a second file, the first one kept
    desk.wait_until(lambda: f"{slip.stem} (2).pdf" in note.text.text())
    assert slip.exists() and len(list(documents_folder.iterdir())) == 2
