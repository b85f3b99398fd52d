"""The command palette (Ctrl+/): any action, person or invoice by typing, Enter runs it."""

from __future__ import annotations

from desk_driver import Desk
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QPushButton
from sqlalchemy import text

from studiosync_desktop.db import Database
from studiosync_desktop.ui.command_palette import CommandPalette
from studiosync_desktop.ui.dialogs.lesson_dialog import LessonDialog
from studiosync_desktop.ui.palette_commands import collect_commands, plain


def _palette(desk: Desk) -> CommandPalette:
    desk.shortcut("Ctrl+/")
    desk.wait_until(lambda: isinstance(QApplication.activeModalWidget(), CommandPalette))
    palette = QApplication.activeModalWidget()
    assert isinstance(palette, CommandPalette)
    desk.wait_until(lambda: QApplication.focusWidget() is palette.input)  # type straight away
    return palette


def test_a_misspelled_name_finds_the_person_and_enter_opens_their_page(
    desk: Desk, db: Database
) -> None:
    palette = _palette(desk)
    desk.type("isabela turnr")  # Isabella Turner, the demo's piano teacher
    desk.wait_until(lambda: palette.found.text == "isabela turnr" and palette.found.people)
    current = palette.results.currentItem()
    assert current is not None and current.text().startswith("Isabella Turner")
    desk.key(Qt.Key.Key_Return)
    desk.wait_until(lambda: getattr(desk.window, "last_person_page", None) is not None)
    page = desk.window.last_person_page
    desk.wait_until(lambda: page.page is not None)
    with db.session() as s:
        email = s.execute(
            text("SELECT email FROM users WHERE first_name = 'Isabella' AND last_name = 'Turner'")
        ).scalar_one()
    assert "Isabella Turner" in page.windowTitle() and email in page.browser.toPlainText()
    assert not palette.isVisible()
    assert desk.interactions == 3  # Ctrl+/, the typed name, Enter
    page.close()


def test_an_action_is_found_by_a_few_letters_and_enter_runs_it(desk: Desk) -> None:
    palette = _palette(desk)
    desk.type("new lesn")
    current = palette.results.currentItem()
    assert current is not None and current.text().startswith("New lesson")
    desk.key(Qt.Key.Key_Return)
    desk.wait_until(lambda: isinstance(QApplication.activeModalWidget(), LessonDialog))
    dialog = QApplication.activeModalWidget()
    assert dialog.windowTitle() == "Book a lesson"
    dialog.reject()


def test_an_invoice_is_found_by_its_number_and_shown_selected_in_the_invoices_tab(
    desk: Desk, db: Database
) -> None:
    with db.session() as s:
        invoice_id, number = s.execute(
            text(
                "SELECT id, invoice_number FROM invoices WHERE invoice_number IS NOT NULL"
                " ORDER BY issue_date LIMIT 1"  # an old one: not on the tab's first page
            )
        ).one()
    palette = _palette(desk)
    desk.type(number[-5:])
    desk.wait_until(lambda: any(number in line for line in palette.lines()))
    while not palette.results.currentItem().text().startswith(number):
        desk.key(Qt.Key.Key_Down)
    desk.key(Qt.Key.Key_Return)
    invoices = desk.window.tabs["invoices"]
    desk.wait_until(lambda: desk.window.current_tab() is invoices)
    desk.wait_until(lambda: invoices.selected_key() == invoice_id)


def test_the_palette_lists_what_this_role_may_do_and_every_visible_tab_button(desk: Desk) -> None:
    titles = {(c.area, c.title) for c in collect_commands(desk.window)}
    assert ("Tabs", "Go to Invoices") in titles and ("Tabs", "Go to Users") not in titles
    assert ("Edit", "Undo") in titles and ("Window", "Refresh this tab") in titles
    for key in ("invoices", "inventory", "rooms"):
        tab = desk.window.tabs[key]
        for button in tab.findChildren(QPushButton):
            if button.text() and button.isVisibleTo(tab) and button.menu() is None:
                assert (tab.title, plain(button.text())) in titles, button.text()


def test_nothing_found_says_so_and_escape_closes_the_palette(desk: Desk) -> None:
    palette = _palette(desk)
    desk.type("zzqxv")
    desk.wait_until(lambda: palette.note.text() == "No person or invoice found.")
    desk.key(Qt.Key.Key_Escape)
    desk.wait_until(lambda: not palette.isVisible())


def test_a_few_letters_list_only_the_close_actions_and_select_one_that_can_run(
    desk: Desk,
) -> None:
    palette = _palette(desk)
    desk.type("pay")
    desk.wait_until(lambda: palette.found.text == "pay")  # people and invoices came too
    actions = [
        line.split("   ")[0] for line in palette.lines()[1:] if "\N{MIDDLE DOT} Invoices" in line
    ]
    assert sorted(actions) == ["Pay by link…", "Record payment…"]
    assert not any(line.startswith(("Previous day", "Next day")) for line in palette.lines())
    current = palette.results.currentItem()
    assert current is not None and "(not available now)" not in current.text()
