"""Studio parts and hours, the studio's look and people's photos, as an administrator and the
desk use them: keys, typed text and clicks, then what the screens and the database show."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from desk_driver import Desk
from PIL import Image
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QCheckBox, QLabel, QPushButton
from sqlalchemy import text

from studiosync_desktop import login
from studiosync_desktop.db import Database
from studiosync_desktop.schemas.demo import DemoSummary
from studiosync_desktop.services.container import Services
from studiosync_desktop.services.demo import DEMO_LOGINS
from studiosync_desktop.ui.account_menus import AccountContext, AccountMenus
from studiosync_desktop.ui.command_palette import CommandPalette
from studiosync_desktop.ui.dialogs.form_dialog import FormDialog
from studiosync_desktop.ui.dialogs.studio_look import StudioLookDialog
from studiosync_desktop.ui.error_presenter import ErrorPresenter
from studiosync_desktop.ui.live_updates import LiveUpdates
from studiosync_desktop.ui.main_window import MainWindow
from studiosync_desktop.ui.task_runner import TaskRunner


def window_of(qtbot, url: str, role: str, live: bool = False) -> Iterator[Desk]:  # type: ignore[no-untyped-def]
    """The main window of the demo's first login of `role`, with its menus, shown."""
    email, _role, password = next(x for x in DEMO_LOGINS if x[1] == role)
    person = login.log_in(url, email, password)
    presenter = ErrorPresenter(interactive=False)
    services = Services.build(person.db)
    runner = TaskRunner()
    updates = LiveUpdates(person.db.url) if live else None
    window = MainWindow(
        services, person.actor, "test", runner=runner, presenter=presenter, live=updates
    )
    AccountMenus(
        window,
        AccountContext(
            actor=person.actor,
            accounts=services.accounts,
            runner=runner,
            presenter=presenter,
            owner_url=None,
            shown_server="test",
            backup_folder=Path("."),
            studio=services.studio,
            stripe=services.stripe,
            services=services,
        ),
    )
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    window.activateWindow()
    qtbot.waitExposed(window)
    if updates is not None:
        updates.start()
        assert updates.listener.connected.wait(5)
    desk = Desk(qtbot, window, presenter, services, person)
    first = window.current_tab()
    qtbot.waitUntil(lambda: first.has_loaded and not first.is_loading, timeout=15000)
    yield desk
    if updates is not None:
        updates.stop()
    runner.wait(10000)
    runner.forget()
    person.db.dispose()


@pytest.fixture
def office(qtbot, database_url: str, demo_studio: DemoSummary) -> Iterator[Desk]:  # type: ignore[no-untyped-def]
    yield from window_of(qtbot, database_url, "admin")


@pytest.fixture
def front_desk(qtbot, database_url: str, demo_studio: DemoSummary) -> Iterator[Desk]:  # type: ignore[no-untyped-def]
    yield from window_of(qtbot, database_url, "desk", live=True)


def run_command(desk: Desk, words: str) -> None:
    """Ctrl+/, a few words, Enter: how a person reaches any menu item by keys."""
    desk.window.activateWindow()  # the person sits at this window
    desk.wait_until(lambda: QApplication.activeWindow() is desk.window)
    desk.shortcut("Ctrl+/")
    desk.wait_until(lambda: isinstance(QApplication.activeModalWidget(), CommandPalette))
    palette = QApplication.activeModalWidget()
    desk.wait_until(lambda: QApplication.focusWidget() is palette.input)  # type: ignore[union-attr]
    desk.type(words)
    desk.key(Qt.Key.Key_Return)


def shown_titles(window: MainWindow) -> list[str]:
    bar = window.tab_widget
    return [bar.tabText(i) for i in range(bar.count()) if bar.isTabVisible(i)]


def png_file(tmp_path: Path, size: tuple[int, int] = (900, 300)) -> Path:
    out = io.BytesIO()
    Image.new("RGB", size, "#1d7a4f").save(out, "PNG")
    path = tmp_path / "logo.png"
    path.write_bytes(out.getvalue())
    return path


def test_parts_switched_off_leave_every_desk_and_the_keys_follow(
    office: Desk, front_desk: Desk, db: Database
) -> None:
    assert "Invoices" in shown_titles(front_desk.window)
    run_command(office, "parts and hours")
    office.wait_until(lambda: isinstance(QApplication.activeModalWidget(), FormDialog))
    dialog = QApplication.activeModalWidget()
    for part in ("billing", "bands", "messages"):
        box = dialog.findChild(QCheckBox, f"part_{part}")
        office.click(box, QPoint(12, box.height() // 2))  # on its box, where a person clicks
    office.click_button("Save")
    office.wait_until(lambda: not dialog.isVisible())

    with db.session() as s:
        saved = s.scalar(text("SELECT settings -> 'parts_off' FROM studios"))
    assert saved == ["billing", "bands", "messages"]
    for desk in (office, front_desk):  # this window at once, the other by live updates
        desk.wait_until(lambda desk=desk: "Invoices" not in shown_titles(desk.window))
        assert not any(t.startswith("Messages") for t in shown_titles(desk.window))
        bands = desk.window.tabs["roster"].findChild(QPushButton, "view_bands")
        assert bands.isHidden()  # the roster lists no bands
    # The fourth tab shown is now Inventory, and Ctrl+4 goes there.
    front_desk.window.activateWindow()
    front_desk.wait_until(lambda: QApplication.activeWindow() is front_desk.window)
    front_desk.shortcut("Ctrl+4")
    assert front_desk.window.current_tab().key == "inventory"
    assert "Stripe key" not in " ".join(a.text() for a in office.window.menuBar().actions())


def test_a_usual_length_and_opening_hours_shape_booking_and_the_calendar(
    office: Desk, db: Database
) -> None:
    office.services.studio.save_settings(  # saved at another desk
        office.person.actor,
        {"default_lesson_minutes": 60, "opens_at": "09:00", "closes_at": "19:00"},
    )
    office.window.tables_changed(frozenset({"studios"}))  # what the live channel delivers
    office.shortcut("Ctrl+2")
    calendar = office.window.current_tab()
    office.wait_until(lambda: calendar.has_loaded and not calendar.is_loading)
    grid = calendar.grid  # type: ignore[attr-defined]
    office.wait_until(lambda: grid.axis.opening[0].hour == 9)
    earliest = min([r.start.astimezone(grid.zone).hour for r in grid.rows] or [9])
    assert grid.first_hour == min(9, earliest)
    office.shortcut("Ctrl+N")
    office.wait_until(lambda: QApplication.activeModalWidget() is not None)
    dialog = QApplication.activeModalWidget()
    assert dialog.minutes.value() == 60  # type: ignore[attr-defined]
    dialog.reject()


def test_a_logo_is_chosen_shown_everywhere_and_a_wrong_file_is_told(
    office: Desk, db: Database, tmp_path: Path
) -> None:
    run_command(office, "studio look")
    office.wait_until(lambda: isinstance(QApplication.activeModalWidget(), StudioLookDialog))
    dialog = QApplication.activeModalWidget()
    assert isinstance(dialog, StudioLookDialog)
    office.wait_until(lambda: dialog.branding is not None)
    wrong = tmp_path / "notes.png"
    wrong.write_text("not a picture")
    dialog.ask_picture = lambda: wrong  # the system's file chooser answers
    office.click_button("Choose a logo…")
    office.wait_until(lambda: dialog.logo_error.isVisible())
    assert "PNG or JPEG" in dialog.logo_error.text()

    dialog.ask_picture = lambda: png_file(tmp_path)
    office.click_button("Choose a logo…")
    office.wait_until(lambda: "every PDF" in dialog.said.text())
    assert not dialog.logo_error.isVisible() and not dialog.preview.pixmap().isNull()
    header_logo = office.window.findChild(QLabel, "studioLogo")
    office.wait_until(lambda: header_logo.isVisible())
    with db.session() as s:
        size = s.scalar(text("SELECT octet_length(logo) FROM studios"))
    assert size and size < 200_000

    dialog.ask_colour = lambda current: "#7a1d5e"
    office.click_button("Choose the colour…")
    office.wait_until(lambda: "#7a1d5e" in dialog.swatch.toolTip())
    with db.session() as s:
        assert s.scalar(text("SELECT theme_color FROM studios")) == "#7a1d5e"
    office.click_button("Close")


def test_the_desk_gives_a_student_a_photo_from_their_page(
    front_desk: Desk, db: Database, tmp_path: Path
) -> None:
    with db.session() as s:
        student = s.scalar(text("SELECT id FROM students WHERE is_active ORDER BY id LIMIT 1"))
    page = front_desk.window.open_person_page("students", student)
    front_desk.wait_until(lambda: page.page is not None)
    page.ask_picture = lambda: png_file(tmp_path, (1200, 800))  # type: ignore[method-assign]
    front_desk.click_button("Choose photo…")
    front_desk.wait_until(lambda: page.photo.isVisible())
    with db.session() as s:
        has = s.scalar(
            text(
                "SELECT avatar IS NOT NULL FROM users u"
                " JOIN students st ON st.user_id = u.id WHERE st.id = :s"
            ),
            {"s": student},
        )
    assert has
    front_desk.click_button("Remove photo")
    front_desk.wait_until(lambda: not page.photo.isVisible())
    page.close()


def test_a_new_time_zone_from_another_desk_moves_the_calendar_and_today_without_logging_in(
    office: Desk, front_desk: Desk, db: Database
) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    window = front_desk.window
    front_desk.shortcut("Ctrl+2")
    calendar = window.tabs["calendar"]
    front_desk.wait_until(lambda: calendar.has_loaded and not calendar.is_loading)
    front_desk.wait_until(lambda: calendar.model.rowCount() > 0)
    lesson = calendar.model.row_at(0)
    when = lambda: calendar.model.data(calendar.model.index(0, 0))  # noqa: E731
    chicago = lesson.start.astimezone(ZoneInfo("America/Chicago"))
    assert when().startswith(chicago.strftime("%a %d %b  %H:%M"))

    run_command(office, "studio details")
    office.wait_until(lambda: isinstance(QApplication.activeModalWidget(), FormDialog))
    dialog = QApplication.activeModalWidget()
    label = next(x for x in dialog.findChildren(QLabel) if x.text() == "&Time zone:")
    zone_field = label.buddy()
    office.click(zone_field)
    office.key(Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    office.type("Asia/Tokyo")
    office.click_button("Save")
    office.wait_until(lambda: not dialog.isVisible())
    with db.session() as s:
        assert s.scalar(text("SELECT timezone FROM studios")) == "Asia/Tokyo"

    # The desk's window (the same one: nobody logged in again) follows through live updates:
    # its one clock, the actor its service calls carry, the calendar's times...
    tokyo = ZoneInfo("Asia/Tokyo")
    front_desk.wait_until(lambda: window.clock.zone == tokyo, timeout=15000)
    assert window.actor.timezone == "Asia/Tokyo"
    assert window.tabs["today"].clock is window.clock  # one clock for every screen
    front_desk.wait_until(lambda: not calendar.is_loading)
    row = calendar.model.row_of(lesson.id, calendar.row_key)
    shown = calendar.model.data(calendar.model.index(row, 0))
    assert shown.startswith(lesson.start.astimezone(tokyo).strftime("%a %d %b  %H:%M"))
    assert calendar.grid.zone == tokyo
    # ... and Today, refreshed when shown again: the studio's day and hours in Tokyo.
    window.activateWindow()  # the person is back at the front desk
    front_desk.wait_until(lambda: QApplication.activeWindow() is window)
    front_desk.shortcut("Ctrl+1")
    today = window.tabs["today"]
    front_desk.wait_until(lambda: today.board is not None and today.board.timezone == "Asia/Tokyo")
    assert today.board.day == datetime.now(tokyo).date()
    assert today.navigator.start == datetime.now(tokyo).date()
