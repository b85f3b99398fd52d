"""The statement dialog (Invoices tab, Ctrl+Shift+S) emails the statement by a click, to the
billing address, against a real SMTP server (aiosmtpd) and the real database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from factories import Maker, MemoryKeyring
from PySide6.QtCore import Qt
from smtp_server import SmtpServer, smtp_server, use_server
from sqlalchemy import text

from studiosync_desktop.db import Database
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services.container import Services
from studiosync_desktop.services.studio import StudioService
from studiosync_desktop.ui.dialogs.statement import StatementDialog
from studiosync_desktop.ui.main_window import MainWindow
from tests.ui.test_invoices import open_tab, sent_invoice


@pytest.fixture
def server(memory_keyring: MemoryKeyring) -> Iterator[SmtpServer]:
    with smtp_server() as running:
        yield running


def open_statement(qtbot, window: MainWindow, number: str) -> StatementDialog:  # type: ignore[no-untyped-def]
    tab = open_tab(qtbot, window)
    with qtbot.waitSignal(tab.detail_shown, timeout=10000):
        tab.focus_search()
        qtbot.keyClicks(tab.search, number)
    qtbot.keyClick(tab.search, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.ShiftModifier)  # fmt: skip
    qtbot.waitUntil(lambda: getattr(tab, "statement_dialog", None) is not None)
    dialog: StatementDialog = tab.statement_dialog
    qtbot.waitUntil(lambda: dialog.email_note.text() != "", timeout=10000)
    return dialog


def test_the_desk_emails_a_statement_from_its_dialog_once_a_day(
    qtbot,
    window: MainWindow,
    services: Services,
    admin: Actor,
    studio: Maker,
    server: SmtpServer,
    db: Database,
) -> None:  # type: ignore[no-untyped-def]
    use_server(db, admin, server)
    ivy = studio.student("Ivy", "Payne", email="ivy@payne.example")
    number = sent_invoice(services, admin, ivy, "80.00")

    dialog = open_statement(qtbot, window, number)
    assert dialog.email_note.text() == "To ivy@payne.example"
    assert "balance 80.00" in dialog.summary.text()
    qtbot.mouseClick(dialog.email_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.email_note.text().startswith("Queued to"), timeout=10000)
    qtbot.keyClick(dialog.email_button, Qt.Key.Key_Space)  # again: not queued twice
    qtbot.waitUntil(lambda: "already queued" in dialog.email_note.text(), timeout=10000)

    with db.session() as s:
        rows = s.execute(text("SELECT kind, recipient, status FROM email_outbox")).all()
    assert [tuple(r) for r in rows] == [("statement", "ivy@payne.example", "queued")]


def test_a_statement_emailed_after_another_desk_switched_billing_off_says_it_is_not_sent(
    qtbot,
    window: MainWindow,
    services: Services,
    admin: Actor,
    studio: Maker,
    server: SmtpServer,
    db: Database,
) -> None:  # type: ignore[no-untyped-def]
    use_server(db, admin, server)
    number = sent_invoice(
        services, admin, studio.student("Ivy", "Payne", email="ivy@payne.example"), "80.00"
    )
    dialog = open_statement(qtbot, window, number)
    StudioService(db).save_settings(admin, {"parts_off": ["billing"]})  # another desk

    qtbot.mouseClick(dialog.email_button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: dialog.email_note.text().startswith("Not sent"), timeout=10000)
    assert "does not use billing" in dialog.email_note.text()
    assert "Queued" not in dialog.email_note.text()
    with db.session() as s:
        rows = s.execute(text("SELECT kind, status, last_error FROM email_outbox")).all()
    assert [tuple(r)[:2] for r in rows] == [("statement", "skipped")]
    assert rows[0].last_error == dialog.email_note.text()


def test_a_payer_without_an_address_is_said_beside_the_button(
    qtbot, window: MainWindow, services: Services, admin: Actor, studio: Maker
) -> None:  # type: ignore[no-untyped-def]
    number = sent_invoice(
        services, admin, studio.student("Leo", "Nomail", email="leo.1@no-email.invalid"), "50.00"
    )

    dialog = open_statement(qtbot, window, number)

    assert dialog.email_note.text().startswith("No billing email for Leo Nomail")
    assert not dialog.email_button.isEnabled()
