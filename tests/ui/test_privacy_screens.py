"""Privacy on screen: a person's page exports their data and records consents and an erasure
request by clicks and typing; an administrator carries the erasure out from Tools."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from factories import Maker
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton
from sqlalchemy import text

from studiosync_desktop.db import Database
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services.container import Services
from studiosync_desktop.ui.account_menus import AccountContext, AccountMenus
from studiosync_desktop.ui.main_window import MainWindow


def _button(parent, text: str) -> QPushButton:  # type: ignore[no-untyped-def]
    found = [b for b in parent.findChildren(QPushButton) if b.text() == text and b.isVisible()]
    assert found, f"no visible button {text!r}"
    return found[0]


def _click(qtbot, button: QPushButton) -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_a_person_page_exports_records_consent_and_asks_for_erasure_then_an_admin_erases(
    qtbot,  # type: ignore[no-untyped-def]
    window: MainWindow,
    studio: Maker,
    services: Services,
    admin: Actor,
    db: Database,
    tmp_path: Path,
) -> None:
    with db.session() as s:
        sam = s.scalar(
            text(
                "SELECT s.id FROM students s JOIN users u ON u.id = s.user_id"
                " WHERE u.first_name = 'Sam'"
            )
        )
        s.execute(
            text(
                "UPDATE lessons SET status = 'cancelled', cancelled_at = now()"
                " WHERE student_id = :s AND scheduled_end > now()"
            ),
            {"s": sam},
        )
    window.show()
    page = window.open_person_page("students", sam)
    qtbot.waitUntil(lambda: page.page is not None, timeout=10000)
    assert "Consents" in page.browser.toPlainText()
    # Export: the ZIP goes where the desk says.
    assert page.privacy is not None
    target = tmp_path / "sam.zip"
    page.privacy.ask_save_path = lambda _suggested: target
    _click(qtbot, _button(page, "E&xport data…"))
    qtbot.waitUntil(target.exists, timeout=20000)
    data = json.loads(zipfile.ZipFile(target).read("data.json"))
    assert data["person"] == "Sam Lee"
    assert "records about Sam Lee" in page.status.text()
    # A consent, by choosing and typing.
    _click(qtbot, _button(page, "Co&nsents…"))
    qtbot.waitUntil(lambda: page.privacy.last_dialog is not None, timeout=10000)
    dialog = page.privacy.last_dialog
    kind = dialog.form.editor("kind")
    kind.setCurrentIndex(kind.findData("recital_photos"))
    qtbot.keyClicks(dialog.form.editor("source"), "paper form")
    _click(qtbot, dialog.buttons.button(dialog.buttons.StandardButton.Save))
    qtbot.waitUntil(lambda: "Photos at recitals" in page.browser.toPlainText(), timeout=10000)
    # The erasure request: an empty "who asked" is refused next to the field.
    page.privacy.last_dialog = None
    _click(qtbot, _button(page, "Ask to e&rase…"))
    qtbot.waitUntil(lambda: page.privacy.last_dialog is not None, timeout=10000)
    ask = page.privacy.last_dialog
    _click(qtbot, ask.buttons.button(ask.buttons.StandardButton.Save))
    assert ask.isVisible() and ask.form.error("asked_by").text()
    qtbot.keyClicks(ask.form.editor("asked_by"), "His father, by phone")
    _click(qtbot, ask.buttons.button(ask.buttons.StandardButton.Save))
    qtbot.waitUntil(lambda: "administrators' queue" in page.status.text(), timeout=10000)
    # The administrator's queue, from the Tools menu.
    menus = AccountMenus(
        window,
        AccountContext(
            actor=admin,
            accounts=services.accounts,
            runner=window.runner,
            presenter=window.presenter,
            owner_url=None,
            shown_server="x",
            backup_folder=tmp_path,
            studio=services.studio,
            services=services,
        ),
    )
    action = next(a for a in menus.tools_menu.actions() if a.text() == "Pri&vacy requests…")
    action.trigger()
    queue = menus.last_dialog
    qtbot.waitUntil(lambda: queue.table.rowCount() >= 1, timeout=10000)
    assert queue.table.item(0, 3).text() == "His father, by phone"
    asked: list[str] = []
    queue.confirm = lambda title, body: asked.append(body) or True
    _click(qtbot, queue.erase_button)
    qtbot.waitUntil(lambda: "is now Former student" in queue.status.text(), timeout=20000)
    assert "cannot be undone" in asked[0]
    with db.session() as s:
        assert (
            s.scalar(
                text("SELECT count(*) FROM users WHERE first_name = 'Sam' AND last_name = 'Lee'")
            )
            == 0
        )
