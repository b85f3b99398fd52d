"""Roster views, dialogs, the Messages tab and live updates across desks, on the real database."""

from __future__ import annotations

from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
from factories import Maker
from PySide6.QtCore import Qt

from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services.container import Services
from studiosync_desktop.ui.dialogs.roster import RosterDialog
from studiosync_desktop.ui.error_presenter import ErrorPresenter
from studiosync_desktop.ui.live_updates import LiveUpdates
from studiosync_desktop.ui.main_window import MainWindow
from studiosync_desktop.ui.tabs.base import DataTab
from studiosync_desktop.ui.tabs.messages import MessagesTab
from studiosync_desktop.ui.tabs.roster import RosterTab
from studiosync_desktop.ui.task_runner import TaskRunner


def names(tab: DataTab) -> list[str]:
    return [tab.model.data(tab.model.index(r, 0)) for r in range(tab.model.rowCount())]


def show(qtbot, window: MainWindow, key: str) -> DataTab:  # type: ignore[no-untyped-def]
    tab = window.tabs[key]
    with qtbot.waitSignal(tab.loaded, timeout=10000):
        window.select_tab(key)
        window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    return tab


def test_the_four_views_and_search_as_you_type(qtbot, window: MainWindow, studio: Maker) -> None:  # type: ignore[no-untyped-def]
    studio.band("The Räucous")
    tab = show(qtbot, window, "roster")
    assert isinstance(tab, RosterTab)
    assert names(tab) == ["Sam Lee", "Ana Ruiz"] or sorted(names(tab)) == ["Ana Ruiz", "Sam Lee"]
    with qtbot.waitSignal(tab.loaded, timeout=10000):
        qtbot.keyClick(tab.search, Qt.Key.Key_A)  # focus-independent: type into the box
        tab.search.setText("ruis")  # a typo
    assert names(tab) == ["Ana Ruiz"]
    assert tab.summary.text() == "1 student"
    tab.search.clear()
    for kind, expected in (
        ("families", ["Lee family"]),
        ("teachers", ["Maya Chen"]),
        ("bands", ["The Räucous"]),
    ):
        with qtbot.waitSignal(tab.loaded, timeout=10000):
            tab.findChild(type(tab.new_button), f"view_{kind}").click()
        assert names(tab) == expected


def test_the_add_dialog_shows_messages_next_to_the_fields(
    qtbot, services: Services, admin: Actor, studio: Maker
) -> None:  # type: ignore[no-untyped-def]
    runner = TaskRunner()
    choices = services.roster.choices(admin)
    dialog = RosterDialog(
        "students",
        choices,
        lambda data, rid: services.roster.save_student(admin, data, rid),
        runner,
        ErrorPresenter(interactive=False),
    )
    qtbot.addWidget(dialog)
    dialog.form.editor("email").setText("nope")
    dialog.form.editor("date_of_birth").setText("2999-01-01")
    dialog.submit()
    assert dialog.form.error("first_name").text()
    assert "email" in dialog.form.error("email").text()
    assert "today" in dialog.form.error("date_of_birth").text()
    assert not dialog.form.error("last_name").text()
    # A clash found by the service lands under its field too; nothing is written.
    dialog.form.editor("first_name").setText("Zed")
    dialog.form.editor("email").setText("owner@harmony.example")
    dialog.form.editor("date_of_birth").setText("2015-05-01")
    dialog.submit()
    qtbot.waitUntil(lambda: bool(dialog.form.error("email").text()), timeout=10000)
    assert "Olivia Owner" in dialog.form.error("email").text()
    assert services.roster.students(admin, search="zed").rows == ()
    dialog.form.editor("email").setText("zed@example.org")
    dialog.form.editor("family_id").setCurrentIndex(
        dialog.form.editor("family_id").findText("Lee family")
    )
    with qtbot.waitSignal(dialog.accepted, timeout=10000):
        dialog.submit()
    [row] = services.roster.students(admin, search="zed").rows
    assert row.family_name == "Lee family"
    runner.wait(2000)


def test_an_edit_dialog_shows_the_band_as_saved_and_keeps_what_is_not_touched(
    qtbot, services: Services, admin: Actor, studio: Maker
) -> None:  # type: ignore[no-untyped-def]
    studio.student("Ana", "Alto")
    studio.student("Ben", "Bass")
    studio.student("Cy", "Cello")
    choices = services.roster.choices(admin)
    ana = next(c.id for c in choices.student_users if "Ana" in c.label)
    ben = next(c.id for c in choices.student_users if "Ben" in c.label)
    band_id = services.roster.save_band(
        admin,
        {"name": "The Strings", "primary_contact_id": ana, "member_ids": [ana, ben]},
        None,
    ).id
    runner = TaskRunner()
    dialog = RosterDialog(
        "bands",
        choices,
        lambda data, rid: services.roster.save_band(admin, data, rid),
        runner,
        ErrorPresenter(interactive=False),
        initial=services.roster.band_form(admin, band_id),
        row_id=band_id,
    )
    qtbot.addWidget(dialog)
    dialog.show()
    contact = dialog.form.editor("primary_contact_id")
    assert "Ana" in contact.currentText()
    members = dialog.form.editor("member_ids")
    ticked = [
        members.item(i).text()
        for i in range(members.count())
        if members.item(i).checkState() == Qt.CheckState.Checked
    ]
    assert len(ticked) == 2 and any("Ana" in t for t in ticked) and any("Ben" in t for t in ticked)
    qtbot.keyClicks(dialog.form.editor("city"), "Lyon")
    with qtbot.waitSignal(dialog.accepted, timeout=10000):
        qtbot.keyClick(dialog.form.editor("city"), Qt.Key.Key_Return)
    saved = services.roster.band_form(admin, band_id)
    assert saved.city == "Lyon" and saved.primary_contact_id == ana
    assert set(saved.member_ids) == {ana, ben}
    runner.wait(2000)


@pytest.fixture
def live_window(qtbot, db, services: Services, admin: Actor) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    live = LiveUpdates(db.url)
    w = MainWindow(
        services,
        admin,
        "test",
        runner=TaskRunner(),
        presenter=ErrorPresenter(interactive=False),
        live=live,
    )
    qtbot.addWidget(w)
    live.start()
    assert live.listener.connected.wait(5)
    yield w
    live.stop()
    w.runner.wait(5000)


def test_another_desks_change_appears_keeping_the_selection(
    qtbot, live_window: MainWindow, services: Services, admin: Actor, studio: Maker
) -> None:  # type: ignore[no-untyped-def]
    tab = show(qtbot, live_window, "roster")
    ana = next(r for r in tab.model.rows if r.name == "Ana Ruiz")
    assert tab.select_key(ana.id)
    # The other desk: its own services and connection, changing Ana and adding a student.
    form = services.roster.student_form(admin, ana.id)
    services.roster.save_student(admin, form.model_copy(update={"instrument": "Viola"}), ana.id)
    qtbot.waitUntil(lambda: any(r.instrument == "Viola" for r in tab.model.rows), timeout=15000)
    assert tab.selected_key() == ana.id
    services.roster.save_student(admin, {"first_name": "Abe", "last_name": "Aaron"})
    qtbot.waitUntil(lambda: tab.model.rowCount() == 3, timeout=15000)
    assert tab.selected_key() == ana.id  # restored by id after the reset


def test_a_live_refresh_reloads_every_page_that_was_shown(
    qtbot, live_window: MainWindow, services: Services, admin: Actor, studio: Maker
) -> None:  # type: ignore[no-untyped-def]
    for n in range(205):  # more than a page (200 rows)
        studio.student(f"Pupil{n:03d}", "Zed")
    tab = show(qtbot, live_window, "roster")
    assert tab.model.rowCount() == 200 and tab.more_button.isVisible()
    with qtbot.waitSignal(tab.loaded, timeout=10000):
        tab.load_more()
    assert tab.model.rowCount() == 207  # Ana, Sam and the 205 pupils
    last = tab.model.rows[-1]
    assert tab.select_key(last.id)
    services.roster.save_student(admin, {"first_name": "Abe", "last_name": "Aaron"})
    qtbot.waitUntil(lambda: tab.model.rowCount() == 208, timeout=15000)
    assert tab.selected_key() == last.id  # still there, still selected: the second page too


def test_messages_tab_reads_replies_and_counts_unread(
    qtbot, live_window: MainWindow, services: Services, admin: Actor, studio: Maker
) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    with services.roster._db.engine.connect() as c:  # the teacher writes to the desk
        maya_user = c.execute(text("SELECT id FROM users WHERE first_name = 'Maya'")).scalar_one()
    maya = Actor(user_id=maya_user, studio_id=admin.studio_id, role="teacher", name="Maya")
    thread = services.messaging.compose(
        maya, {"subject": "Sam's recital", "participant_ids": [admin.user_id], "content": "Hi!"}
    )
    tab = show(qtbot, live_window, "messages")
    assert isinstance(tab, MessagesTab)
    assert tab.unread == 1
    messages = live_window.tab_widget.indexOf(tab)
    assert live_window.tab_widget.tabText(messages) == "Messages (1)"
    # Times read in the studio's zone (New York), whatever this PC's is.
    sent = tab.model.rows[0].last_at.astimezone(ZoneInfo("America/New_York"))
    assert tab.model.data(tab.model.index(0, 3)) == f"{sent:%a %d %b %H:%M}"
    tab.select_key(thread)
    qtbot.waitUntil(lambda: "Hi!" in tab.reader.toPlainText(), timeout=10000)
    qtbot.waitUntil(lambda: tab.unread == 0, timeout=10000)
    qtbot.mouseClick(tab.send_button, Qt.MouseButton.LeftButton)  # nothing written yet
    assert tab.reply_error.isVisibleTo(tab) and "Write something" in tab.reply_error.text()
    qtbot.keyClicks(tab.reply_box, "See you there.")
    qtbot.mouseClick(tab.send_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "See you there." in tab.reader.toPlainText(), timeout=10000)
    assert not tab.reply_error.isVisibleTo(tab)
    # Maya answers from her desk: the open thread shows it without a refresh.
    services.messaging.reply(maya, thread, {"content": "Great"})
    qtbot.waitUntil(lambda: "Great" in tab.reader.toPlainText(), timeout=10000)


def test_a_notification_opens_its_thread(
    qtbot, live_window: MainWindow, services: Services, admin: Actor, studio: Maker
) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    with services.roster._db.engine.connect() as c:
        maya_user = c.execute(text("SELECT id FROM users WHERE first_name = 'Maya'")).scalar_one()
    maya = Actor(user_id=maya_user, studio_id=admin.studio_id, role="teacher", name="Maya")
    thread = services.messaging.compose(
        maya, {"subject": "Room", "participant_ids": [admin.user_id], "content": "Room B?"}
    )
    show(qtbot, live_window, "calendar")
    panel = live_window.notifications
    qtbot.waitUntil(
        lambda: any("New message" in panel.list.item(i).text() for i in range(panel.list.count())),
        timeout=10000,
    )
    item = next(
        panel.list.item(i)
        for i in range(panel.list.count())
        if "New message" in panel.list.item(i).text()
    )
    assert str(thread) in item.toolTip()
    panel.list.itemActivated.emit(item)
    tab = live_window.tabs["messages"]
    assert live_window.current_tab() is tab
    qtbot.waitUntil(lambda: "Room B?" in tab.reader.toPlainText(), timeout=10000)


def test_ctrl_o_opens_the_persons_page_and_its_links_open_tabs(
    qtbot, window: MainWindow, studio: Maker
) -> None:  # type: ignore[no-untyped-def]
    tab = show(qtbot, window, "roster")
    sam = next(r for r in tab.model.rows if r.name == "Sam Lee")
    tab.select_key(sam.id)
    qtbot.keyClick(tab.table, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    page = window.last_person_page
    qtbot.waitUntil(lambda: page.page is not None, timeout=10000)
    assert "Sam Lee" in page.windowTitle()
    assert "Upcoming lessons" in page.browser.toPlainText()
    lesson_link = next(
        line.link for s in page.page.sections for line in s.lines if "lesson" in line.link
    )
    page.link_activated.emit(lesson_link)
    assert window.current_tab() is window.tabs["calendar"]
    page.close()


def test_csv_export_and_import_from_the_roster_tab(
    qtbot, window: MainWindow, services: Services, admin: Actor, studio: Maker, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    tab = show(qtbot, window, "roster")
    out = tmp_path / "students.csv"
    with qtbot.waitSignal(tab.saved, timeout=10000):
        tab.export_csv(str(out))
    assert "Sam,Lee" in out.read_text()
    new = tmp_path / "new.csv"
    header = out.read_text().splitlines()[0]
    new.write_text(header + "\nZoe,Quinn,zoe@x.org,,Harp,,,,,,,,Quinn family,,,,yes\n")
    with qtbot.waitSignal(tab.loaded, timeout=10000):
        tab.import_csv(str(new))  # the presenter is not interactive: the preview is accepted
    assert "Zoe Quinn" in [r.name for r in tab.model.rows]
    assert tab.last_dialog.import_button.isEnabled()
