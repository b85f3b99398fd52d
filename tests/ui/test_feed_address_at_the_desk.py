"""A teacher's outside calendar address is a password: the desk adds it, never reads it back."""

from __future__ import annotations

import psycopg
from desk_driver import Desk
from PySide6.QtCore import Qt

from studiosync_desktop.embedded import libpq_dsn
from studiosync_desktop.services.calendar_feeds import HIDDEN_ADDRESS
from studiosync_desktop.ui.dialogs.availability import FeedsDialog
from studiosync_desktop.ui.tabs.calendar import CalendarTab

SECRET = "https://calendar.example/private/5f0c2d9e8b7a/basic.ics"


def test_the_desk_adds_a_teachers_feed_by_its_address_and_never_reads_it_back(
    desk: Desk, database_url: str
) -> None:
    desk.window.select_tab("calendar")
    tab = desk.window.current_tab()
    assert isinstance(tab, CalendarTab)
    desk.wait_until(lambda: tab.has_loaded and not tab.is_loading and tab.choices is not None)
    tab.setFocus()
    desk.shortcut("Ctrl+Shift+K")
    dialog = tab.last_dialog
    assert isinstance(dialog, FeedsDialog)
    desk.wait_until(lambda: dialog.isVisible())
    dialog.activateWindow()  # as the window system does for a new dialog
    desk.wait_until(dialog.isActiveWindow)
    teacher = dialog.owner.itemText(1)  # the first teacher, after "Whole studio"
    desk.click(dialog.name)
    desk.type("Gigs")
    desk.click(dialog.url)
    desk.type(SECRET)
    desk.key(Qt.Key.Key_Tab)  # to Whose
    assert dialog.owner.hasFocus()
    desk.key(Qt.Key.Key_Down)  # from "Whole studio" to the first teacher
    assert dialog.owner.currentText() == teacher
    desk.click_button("Add by address")
    desk.wait_until(lambda: any(r.name == "Gigs" for r in dialog.rows) or dialog.error.isVisible())
    assert not dialog.error.isVisible(), dialog.error.text()
    [row] = [r for r in dialog.rows if r.name == "Gigs"]
    assert row.owner == teacher and row.has_address and not row.from_file
    assert row.url == ""  # the desk's own login got no address back
    line = dialog.list.item(dialog.rows.index(row)).text()
    assert "synced on the teacher's or an administrator's desk" in line
    assert SECRET not in line
    # Sync now, on it: not fetched (the desk has no address), and said why.
    results = desk.services.calendars.sync(desk.person.actor, [row.id])
    assert [(r.name, r.error) for r in results] == [("Gigs", HIDDEN_ADDRESS)]
    # The database holds the address; the desk's own login is refused the column.
    with psycopg.connect(libpq_dsn(database_url)) as owner:
        stored = owner.execute("SELECT url FROM calendar_feeds WHERE id = %s", (row.id,))
        assert stored.fetchone() == (SECRET,)
    with desk.person.db.engine.connect() as conn:
        got = conn.exec_driver_sql(
            "SELECT count(*) FROM studiosync_feed_urls(ARRAY[%(id)s::uuid])", {"id": str(row.id)}
        ).scalar()
        assert got == 0
    dialog.reject()
