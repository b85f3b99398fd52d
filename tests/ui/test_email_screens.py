"""Tools > Email and the Outbox, driven by keys, typed text and clicks, against a real SMTP
server (aiosmtpd) and the real database."""

from __future__ import annotations

import hashlib
import ssl
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from desk_driver import Desk
from factories import Maker, MemoryKeyring
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QListWidget, QPushButton, QTextBrowser
from smtp_server import SmtpServer, self_signed, smtp_server, use_server
from sqlalchemy import text

from studiosync_desktop.db import Database
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services.container import Services
from studiosync_desktop.services.email_outbox import OutboxService
from studiosync_desktop.services.email_settings import EmailSettingsService
from studiosync_desktop.services.studio import StudioService
from studiosync_desktop.ui.account_menus import AccountContext, AccountMenus
from studiosync_desktop.ui.dialogs.form_dialog import FormDialog
from studiosync_desktop.ui.main_window import MainWindow

Key = Qt.Key


@pytest.fixture
def server(memory_keyring: MemoryKeyring) -> Iterator[SmtpServer]:
    with smtp_server(login=("office@harmony.example", "right-password")) as running:
        yield running


@pytest.fixture
def menus(
    qtbot, window: MainWindow, services: Services, admin: Actor, tmp_path: Path
) -> AccountMenus:  # type: ignore[no-untyped-def]
    window.show()
    return AccountMenus(
        window,
        AccountContext(
            actor=admin,
            accounts=services.accounts,
            runner=window.runner,
            presenter=window.presenter,
            owner_url=None,
            shown_server="postgresql://server/studio",
            backup_folder=tmp_path,
            studio=services.studio,
            stripe=services.stripe,
            services=services,
        ),
    )


def choose(qtbot, menus: AccountMenus, label: str) -> FormDialog:  # type: ignore[no-untyped-def]
    """Tools > Email > `label`, as a click on the menu item does."""
    email = next(
        a.menu()
        for a in menus.tools_menu.actions()
        if a.text() == "&Email"  # type: ignore[union-attr]
    )
    action = next(a for a in email.actions() if a.text().replace("&", "") == label)
    menus.last_dialog = None
    action.trigger()
    qtbot.waitUntil(lambda: menus.last_dialog is not None and menus.last_dialog.isVisible())
    return menus.last_dialog  # type: ignore[no-any-return]


def retype(qtbot, field: QLineEdit, value: str) -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(field, Qt.MouseButton.LeftButton)
    field.selectAll()
    qtbot.keyClick(field, Key.Key_Backspace)
    qtbot.keyClicks(field, value)


def field(dialog: FormDialog, name: str) -> Any:
    return dialog.findChild(QLineEdit, f"field_{name}")


def error_under(dialog: FormDialog, name: str) -> str:
    label: QLabel = dialog.form.error(name)
    return label.text() if label.isVisible() else ""


def test_an_admin_sets_up_the_mail_server_and_the_test_email_says_the_servers_answer(
    qtbot, menus: AccountMenus, server: SmtpServer, db: Database, memory_keyring: MemoryKeyring
) -> None:  # type: ignore[no-untyped-def]
    dialog = choose(qtbot, menus, "Mail server…")
    retype(qtbot, field(dialog, "host"), server.host)
    port = dialog.findChild(object, "field_port")
    port.setFocus()
    port.selectAll()
    qtbot.keyClicks(port, str(server.port))
    security = dialog.findChild(object, "field_security")
    security.setFocus()
    qtbot.keyClick(security, Key.Key_End)  # None: not encrypted (a local test server)
    retype(qtbot, field(dialog, "username"), "office@harmony.example")
    retype(qtbot, field(dialog, "password"), "wrong-password")
    retype(qtbot, field(dialog, "from_address"), "office@harmony.example")
    retype(qtbot, dialog.findChild(QLineEdit, "field_test_to"), "me@harmony.example")

    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "535" in error_under(dialog, "password"), timeout=15000)
    assert error_under(dialog, "password").startswith("The server refused the login: 535")

    retype(qtbot, field(dialog, "password"), "right-password")
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "250" in dialog.test_answer.text(), timeout=15000)
    assert dialog.test_answer.text() == "Sent. The server answered: 250 2.0.0 Ok: queued as TEST"
    assert error_under(dialog, "password") == ""
    assert [r.recipients for r in server.received] == [["me@harmony.example"]]

    save = dialog.buttons.button(dialog.buttons.StandardButton.Save)
    with qtbot.waitSignal(dialog.accepted, timeout=15000):
        qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    with db.session() as s:
        row = s.execute(text("SELECT host, port, security, username FROM email_settings")).one()
    assert tuple(row) == (server.host, server.port, "none", "office@harmony.example")
    assert list(memory_keyring.secrets.values()) == ["right-password"]


def test_an_unreachable_server_is_said_next_to_its_name(
    qtbot, menus: AccountMenus, memory_keyring: MemoryKeyring, db: Database
) -> None:  # type: ignore[no-untyped-def]
    with smtp_server() as gone:
        port = gone.port
    dialog = choose(qtbot, menus, "Mail server…")
    retype(qtbot, field(dialog, "host"), "127.0.0.1")
    dialog.findChild(object, "field_port").setValue(port)
    retype(qtbot, field(dialog, "from_address"), "office@harmony.example")
    retype(qtbot, dialog.findChild(QLineEdit, "field_test_to"), "me@harmony.example")
    # As in a real, active window: Save is the button Enter presses elsewhere in the form.
    dialog.buttons.button(dialog.buttons.StandardButton.Save).setDefault(True)
    qtbot.keyClick(dialog.findChild(QLineEdit, "field_test_to"), Key.Key_Return)
    qtbot.waitUntil(lambda: "cannot be reached" in error_under(dialog, "host"), timeout=15000)
    assert dialog.isVisible()  # nothing typed is lost, and Enter tested without saving
    with db.session() as s:
        assert s.execute(text("SELECT count(*) FROM email_settings")).scalar_one() == 0


def test_a_template_mistake_is_said_under_its_field_and_the_preview_shows_the_email(
    qtbot, menus: AccountMenus, db: Database
) -> None:  # type: ignore[no-untyped-def]
    dialog = choose(qtbot, menus, "Templates…")
    preview = dialog.findChild(QTextBrowser, "template_preview")
    qtbot.waitUntil(lambda: "Harmony Music School" in preview.toPlainText(), timeout=15000)
    subject = field(dialog, "subject")
    retype(qtbot, subject, "Your bill {{ invoce_number }}")
    save = dialog.buttons.button(dialog.buttons.StandardButton.Save)
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "invoce_number" in error_under(dialog, "subject"), timeout=15000)
    assert "'invoce_number' is undefined" in error_under(dialog, "subject")

    retype(qtbot, subject, "Your bill {{ invoice_number }} from {{ studio_name }}")
    with qtbot.waitSignal(dialog.accepted, timeout=15000):
        qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    with db.session() as s:
        saved = s.execute(text("SELECT kind, subject FROM email_templates")).one()
    assert tuple(saved) == ("invoice", "Your bill {{ invoice_number }} from {{ studio_name }}")


@pytest.fixture
def refusing(memory_keyring: MemoryKeyring, db: Database) -> Iterator[SmtpServer]:
    with smtp_server() as running:
        running.handler.refuse_times = -1
        running.handler.refusal = "550 5.1.1 <gone@family.example>: mailbox unavailable"
        yield running


def queue(db: Database, admin: Actor, key: str, to: str) -> None:
    OutboxService(db).queue(
        admin,
        [
            {
                "kind": "invoice",
                "dedupe_key": key,
                "recipient": to,
                "subject": f"Invoice {key}",
                "text_body": f"Your invoice {key}.",
            }
        ],
    )


def outbox_status(db: Database, key: str) -> str:
    with db.session() as s:
        return str(
            s.execute(
                text("SELECT status FROM email_outbox WHERE dedupe_key = :k"), {"k": key}
            ).scalar_one()
        )


def test_the_desk_sees_a_failed_email_in_the_status_bar_and_resends_it_from_the_outbox(
    qtbot, refusing: SmtpServer, db: Database, desk: Desk
) -> None:  # type: ignore[no-untyped-def]
    admin = StudioService(db).default_actor()
    EmailSettingsService(db).save_account(
        admin,
        {
            "host": refusing.host,
            "port": refusing.port,
            "security": "none",
            "from_address": "office@demo.example",
        },
    )
    queue(db, admin, "INV-1", "gone@family.example")
    window = desk.window
    mail = window.mail
    assert mail is not None
    mail.tick()  # the background round (every minute; the first 5 s after start)
    status = window.findChild(object, "mail_status")
    desk.wait_until(lambda: status.isVisible() and "failed" in status.text(), timeout=20000)
    assert status.text() == "1 email failed: see the Outbox"

    desk.click(status)
    tab = window.tabs["outbox"]
    desk.wait_until(lambda: window.current_tab() is tab and tab.has_loaded)
    assert tab.model.rowCount() == 1
    answer = [tab.model.data(tab.model.index(0, c)) for c in range(tab.model.columnCount())]
    assert "550 5.1.1 <gone@family.example>: mailbox unavailable" in answer
    assert "Failed" in answer

    refusing.handler.refuse_times = 0  # the family fixed their mailbox
    desk.click(tab.table.viewport(), tab.table.visualRect(tab.model.index(0, 3)).center())
    desk.shortcut("Ctrl+R")
    desk.wait_until(lambda: outbox_status(db, "INV-1") == "queued")
    desk.click_button("Send now")
    desk.wait_until(lambda: outbox_status(db, "INV-1") == "sent", timeout=20000)
    assert [r.subject for r in refusing.received] == ["Invoice INV-1"]
    desk.wait_until(lambda: "Email: 1 sent." in window.statusBar().currentMessage())

    # A queued email is cancelled with Delete, and opened with Enter.
    with db.session() as s:
        queue(db, admin, "INV-2", "later@family.example")
        s.execute(
            text(
                "UPDATE email_outbox SET next_attempt_at = now() + interval '1 day'"
                " WHERE dedupe_key = 'INV-2'"
            )
        )
    desk.key(Key.Key_F5)
    desk.wait_until(lambda: tab.model.rowCount() == 2)
    desk.click(tab.table.viewport(), tab.table.visualRect(tab.model.index(0, 3)).center())
    desk.key(Key.Key_Delete)
    desk.wait_until(lambda: outbox_status(db, "INV-2") == "cancelled")
    desk.key(Key.Key_Return)
    desk.wait_until(lambda: tab.last_dialog is not None and tab.last_dialog.detail is not None)
    shown = tab.last_dialog.browser.toPlainText()
    assert "later@family.example" in shown and "Cancelled by" in shown
    assert desk.report("outbox-resend-and-cancel") <= 10
    tab.last_dialog.close()


def test_the_desk_sets_a_familys_email_wishes_from_the_students_page(
    qtbot, window: MainWindow, db: Database, admin: Actor
) -> None:  # type: ignore[no-untyped-def]
    from factories import Maker
    from PySide6.QtWidgets import QListWidget, QPushButton

    make = Maker(db, admin.studio_id)
    sam = make.student("Sam", "Lee", email="sam@lee.example")
    window.show()
    page = window.open_person_page("students", sam)
    qtbot.waitUntil(lambda: page.page is not None, timeout=10000)
    button = next(b for b in page.findChildren(QPushButton) if "Email preferences" in b.text())
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: getattr(page, "last_preferences", None) is not None, timeout=10000)
    dialog = page.last_preferences
    assert dialog.windowTitle() == "Email preferences: Sam Lee"
    kinds = dialog.findChild(QListWidget, "field_opted_out")
    reminders = next(
        kinds.item(i) for i in range(kinds.count()) if kinds.item(i).text() == "Lesson reminders"
    )
    qtbot.mouseClick(
        kinds.viewport(), Qt.MouseButton.LeftButton, pos=kinds.visualItemRect(reminders).center()
    )
    kinds.setCurrentItem(reminders)
    qtbot.keyClick(kinds, Key.Key_Space)  # untick: no lesson reminders for Sam
    retype(qtbot, field(dialog, "quiet_start"), "21:00")
    save = dialog.buttons.button(dialog.buttons.StandardButton.Save)
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(error_under(dialog, "quiet_end")), timeout=10000)
    assert error_under(dialog, "quiet_end") == "Please choose or fill this in."
    retype(qtbot, field(dialog, "quiet_end"), "07:30")
    with qtbot.waitSignal(dialog.accepted, timeout=10000):
        qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    with db.session() as s:
        row = s.execute(
            text("SELECT opted_out, quiet_start::text, quiet_end::text FROM email_preferences")
        ).one()
    assert tuple(row) == (["lesson_reminder"], "21:00:00", "07:30:00")


def test_a_window_closed_while_its_email_round_runs_takes_no_result(
    qtbot, services: Services, admin: Actor
) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QObject

    from studiosync_desktop.ui.error_presenter import ErrorPresenter
    from studiosync_desktop.ui.task_runner import TaskRunner

    runner = TaskRunner()
    window = MainWindow(
        services, admin, "test", runner=runner, presenter=ErrorPresenter(interactive=False)
    )
    assert window.mail is not None
    window.mail.tick()  # a round on a worker thread...
    with qtbot.waitSignal(window.destroyed, timeout=5000):
        window.deleteLater()  # ...while the person closes the window (logs out)
    runner.wait(10000)
    qtbot.wait(300)  # its result arrives for a window that is gone: nothing may break
    assert isinstance(runner, QObject)


def test_studio_news_is_written_and_sent_to_who_agreed_with_the_count_shown_first(
    qtbot, menus: AccountMenus, server: SmtpServer, db: Database, admin: Actor, services: Services
) -> None:  # type: ignore[no-untyped-def]
    from factories import Maker

    make = Maker(db, admin.studio_id)
    ada, _cy = make.person("Ada", "Reader"), make.person("Cy", "Never")
    services.privacy.record_consent(
        admin, {"user_id": ada, "kind": "marketing_email", "granted": True}
    )
    dialog = choose(qtbot, menus, "Send studio news…")
    assert (
        "Goes to 1 person" in dialog.intro.text() and "2 have not agreed" in dialog.intro.text()
    )  # Cy and the admin
    send = dialog.buttons.button(dialog.buttons.StandardButton.Save)
    qtbot.mouseClick(send, Qt.MouseButton.LeftButton)  # nothing typed yet
    assert error_under(dialog, "subject") and dialog.isVisible()
    retype(qtbot, field(dialog, "subject"), "Spring recital")
    body = dialog.form.editor("text")
    qtbot.mouseClick(body.viewport(), Qt.MouseButton.LeftButton)
    qtbot.keyClicks(body, "Saturday at three.")
    with qtbot.waitSignal(dialog.accepted, timeout=10000):
        qtbot.mouseClick(send, Qt.MouseButton.LeftButton)
    with db.session() as s:
        rows = s.execute(text("SELECT kind, subject, person_id FROM email_outbox")).all()
    assert [(r.kind, r.subject, r.person_id) for r in rows] == [("news", "Spring recital", ada)]


def tick(qtbot, box: QListWidget, name: str) -> None:  # type: ignore[no-untyped-def]
    """Keys to the kind's row, Space ticks it."""
    box.setFocus()
    row = next(i for i in range(box.count()) if box.item(i).text() == name)
    qtbot.keyClick(box, Key.Key_Home)
    for _ in range(row):
        qtbot.keyClick(box, Key.Key_Down)
    qtbot.keyClick(box, Key.Key_Space)


def test_turning_on_overdue_notices_says_how_many_go_at_once_and_saves_on_a_second_save(
    qtbot, menus: AccountMenus, server: SmtpServer, db: Database, admin: Actor
) -> None:  # type: ignore[no-untyped-def]
    use_server(db, admin, server, enabled_kinds=["invoice"], overdue_after_days=7)
    make = Maker(db, admin.studio_id)
    family = make.family("Chen family")
    today = date.today()
    for days in (8, 10, 20):  # overdue by the policy: three notices would go at once
        make.invoice(family_id=family, due=today - timedelta(days=days), total="50.00")
    make.invoice(family_id=family, due=today - timedelta(days=3))  # not yet by the policy
    make.invoice(family_id=family, due=today - timedelta(days=90))  # past its third notice
    make.invoice(family_id=family, due=today - timedelta(days=40), total="50.00", paid="50.00")

    dialog = choose(qtbot, menus, "What is sent…")
    kinds = dialog.findChild(QListWidget, "field_enabled_kinds")
    tick(qtbot, kinds, "Overdue notices")
    save = dialog.buttons.button(dialog.buttons.StandardButton.Save)
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    warning = dialog.findChild(QLabel, "at_once")
    qtbot.waitUntil(warning.isVisible, timeout=15000)
    assert warning.text().startswith("Turning this on sends 3 overdue notices at once")
    assert dialog.isVisible()

    def enabled() -> list[str]:
        with db.session() as s:
            return list(s.execute(text("SELECT enabled_kinds FROM email_settings")).scalar_one())

    assert enabled() == ["invoice"]  # nothing saved before the administrator agrees

    with qtbot.waitSignal(dialog.accepted, timeout=15000):
        qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    assert enabled() == ["invoice", "overdue_notice"]


def test_ticking_reminders_when_few_lessons_are_near_saves_at_once(
    qtbot, menus: AccountMenus, server: SmtpServer, db: Database, admin: Actor
) -> None:  # type: ignore[no-untyped-def]
    use_server(db, admin, server, enabled_kinds=["invoice"])
    make = Maker(db, admin.studio_id)
    teacher = make.teacher("Ana", "Ruiz")
    tom = make.student("Tom", "Chen", teacher_id=teacher, email="tom@chen.example")
    make.lesson(teacher, datetime.now(UTC) + timedelta(hours=5), student_id=tom)

    dialog = choose(qtbot, menus, "What is sent…")
    tick(qtbot, dialog.findChild(QListWidget, "field_enabled_kinds"), "Lesson reminders")
    with qtbot.waitSignal(dialog.accepted, timeout=15000):
        qtbot.mouseClick(
            dialog.buttons.button(dialog.buttons.StandardButton.Save), Qt.MouseButton.LeftButton
        )
    assert not dialog.findChild(QLabel, "at_once").isVisible()


def test_an_untrusted_certificate_is_said_next_to_the_security_field(
    qtbot, menus: AccountMenus, memory_keyring: MemoryKeyring, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    login = ("office@harmony.example", "right-password")
    cert = self_signed(tmp_path)
    with smtp_server(login=login, security="starttls", cert=cert) as secure:
        dialog = choose(qtbot, menus, "Mail server…")
        retype(qtbot, field(dialog, "host"), secure.host)
        port = dialog.findChild(object, "field_port")
        port.setFocus()
        port.selectAll()
        qtbot.keyClicks(port, str(secure.port))
        security = dialog.findChild(object, "field_security")
        security.setFocus()
        qtbot.keyClick(security, Key.Key_Home)  # STARTTLS (usually port 587)
        retype(qtbot, field(dialog, "username"), login[0])
        retype(qtbot, field(dialog, "password"), login[1])
        retype(qtbot, field(dialog, "from_address"), login[0])
        retype(qtbot, dialog.findChild(QLineEdit, "field_test_to"), "me@harmony.example")

        qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: error_under(dialog, "security") != "", timeout=15000)

    assert security.currentData() == "starttls"
    assert error_under(dialog, "security").startswith("The server's certificate is not trusted")
    assert error_under(dialog, "host") == "" and error_under(dialog, "password") == ""
    assert secure.received == []


def test_an_admin_trusts_the_studios_own_certificate_from_the_failed_test_and_saves_it(
    qtbot, menus: AccountMenus, memory_keyring: MemoryKeyring, tmp_path: Path, db: Database
) -> None:  # type: ignore[no-untyped-def]
    login = ("office@harmony.example", "right-password")
    cert = self_signed(tmp_path)
    der = ssl.PEM_cert_to_DER_cert(cert[0].read_text())
    expected = ":".join(f"{b:02X}" for b in hashlib.sha256(der).digest())
    with smtp_server(login=login, security="tls", cert=cert) as secure:
        dialog = choose(qtbot, menus, "Mail server…")
        trusted = dialog.findChild(QLabel, "trusted_fingerprint")
        assert trusted.text().startswith("None: only certificates of authorities")
        retype(qtbot, field(dialog, "host"), secure.host)
        port = dialog.findChild(object, "field_port")
        port.setFocus()
        port.selectAll()
        qtbot.keyClicks(port, str(secure.port))
        security = dialog.findChild(object, "field_security")
        security.setFocus()
        qtbot.keyClick(security, Key.Key_Down)  # TLS (usually port 465)
        retype(qtbot, field(dialog, "username"), login[0])
        retype(qtbot, field(dialog, "password"), login[1])
        retype(qtbot, field(dialog, "from_address"), login[0])
        retype(qtbot, dialog.findChild(QLineEdit, "field_test_to"), "me@harmony.example")
        assert not dialog.trust_button.isVisible()

        qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: dialog.trust_button.isVisible(), timeout=15000)
        assert security.currentData() == "tls"
        assert f"Its SHA-256 fingerprint is {expected}." in error_under(dialog, "security")
        assert secure.received == [] and secure.handler.logins == []

        qtbot.mouseClick(dialog.trust_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: "250" in dialog.test_answer.text(), timeout=15000)
        assert trusted.text() == f"SHA-256 {expected}"
        assert error_under(dialog, "security") == "" and not dialog.trust_button.isVisible()
        assert [r.recipients for r in secure.received] == [["me@harmony.example"]]

        save = dialog.buttons.button(dialog.buttons.StandardButton.Save)
        with qtbot.waitSignal(dialog.accepted, timeout=15000):
            qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
        with db.session() as s:
            assert s.scalar(text("SELECT trusted_certificate FROM email_settings")) == expected

        again = choose(qtbot, menus, "Mail server…")  # shown as saved; then no longer trusted
        assert again.findChild(QLabel, "trusted_fingerprint").text() == f"SHA-256 {expected}"
        qtbot.mouseClick(
            again.findChild(QPushButton, "forget_certificate"), Qt.MouseButton.LeftButton
        )
        with qtbot.waitSignal(again.accepted, timeout=15000):
            qtbot.mouseClick(
                again.buttons.button(again.buttons.StandardButton.Save), Qt.MouseButton.LeftButton
            )
    with db.session() as s:
        assert s.scalar(text("SELECT trusted_certificate FROM email_settings")) == ""
