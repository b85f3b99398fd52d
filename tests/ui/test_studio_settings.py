"""An administrator's studio settings: details printed on paper, policies, the Stripe key."""

from __future__ import annotations

from pathlib import Path

import pytest
from factories import MemoryKeyring
from PySide6.QtWidgets import QCheckBox, QLineEdit, QMainWindow, QSpinBox
from sqlalchemy import text

from studiosync_desktop.db import Database
from studiosync_desktop.errors import PermissionDenied, ValidationFailed
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services.stripe_payments import StripePayments, keyring_secret
from studiosync_desktop.services.studio import StudioService
from studiosync_desktop.ui.account_menus import AccountContext, AccountMenus
from studiosync_desktop.ui.dialogs.form_dialog import FormDialog
from studiosync_desktop.ui.error_presenter import ErrorPresenter
from studiosync_desktop.ui.task_runner import TaskRunner


@pytest.fixture
def menus(qtbot, db: Database, admin: Actor, tmp_path: Path) -> AccountMenus:  # type: ignore[no-untyped-def]
    window = QMainWindow()
    qtbot.addWidget(window)
    return AccountMenus(
        window,
        AccountContext(
            actor=admin,
            accounts=None,  # type: ignore[arg-type]
            runner=TaskRunner(),
            presenter=ErrorPresenter(interactive=False),
            owner_url=None,
            shown_server="postgresql://server/studio",
            backup_folder=tmp_path,
            studio=StudioService(db),
            stripe=StripePayments(db),
        ),
    )


def _opened(qtbot, menus: AccountMenus, action) -> FormDialog:  # type: ignore[no-untyped-def]
    menus.last_dialog = None
    action()
    qtbot.waitUntil(lambda: menus.last_dialog is not None, timeout=10000)
    dialog = menus.last_dialog
    assert isinstance(dialog, FormDialog)
    return dialog


def _field(dialog: FormDialog, name: str):  # type: ignore[no-untyped-def]
    return dialog.form.editor(name)


def test_the_details_printed_on_invoices_are_edited_with_messages_next_to_fields(
    qtbot, menus: AccountMenus, db: Database, admin: Actor
) -> None:  # type: ignore[no-untyped-def]
    titles = [a.text() for a in menus.tools_menu.actions()]  # type: ignore[union-attr]
    assert {"Studio &details…", "Studio &policies…", "&Stripe key…"} <= set(titles)
    dialog = _opened(qtbot, menus, menus.edit_details)
    assert _field(dialog, "name").text() == "Harmony Music School"
    _field(dialog, "email").setText("office at harmony")
    _field(dialog, "timezone").setText("Mars/Olympus")
    dialog.submit()
    assert "email address" in dialog.form.error("email").text()
    assert "time zone" in dialog.form.error("timezone").text()
    _field(dialog, "email").setText("office@harmony.example")
    _field(dialog, "timezone").setText("Europe/London")
    _field(dialog, "address").setText("12 Chapel Street")
    with qtbot.waitSignal(dialog.accepted, timeout=10000):
        dialog.submit()
    details = StudioService(db).details(admin)
    assert (details.email, details.address) == ("office@harmony.example", "12 Chapel Street")
    assert StudioService(db).info(admin).timezone == "Europe/London"


def test_policies_are_saved_and_keys_the_form_does_not_show_are_kept(
    qtbot, menus: AccountMenus, db: Database, admin: Actor
) -> None:  # type: ignore[no-untyped-def]
    with db.engine.begin() as c:
        c.execute(text('UPDATE studios SET settings = settings || \'{"locale": "en_GB"}\''))
    dialog = _opened(qtbot, menus, menus.edit_policies)
    notice = _field(dialog, "cancellation_notice_hours")
    assert isinstance(notice, QSpinBox) and notice.value() == 24
    notice.setValue(48)
    taxable = _field(dialog, "lessons_taxable")
    assert isinstance(taxable, QCheckBox)
    taxable.setChecked(False)
    late_fee = _field(dialog, "late_fee_amount")
    assert isinstance(late_fee, QLineEdit)
    late_fee.setText("-5")
    dialog.submit()
    assert dialog.form.error("late_fee_amount").isVisible()  # refused next to the field
    late_fee.setText("7.50")
    with qtbot.waitSignal(dialog.accepted, timeout=10000):
        dialog.submit()
    settings = StudioService(db).info(admin).settings
    assert settings.cancellation_notice_hours == 48 and not settings.lessons_taxable
    assert str(settings.late_fee_amount) == "7.50" and settings.locale == "en_GB"


def test_only_an_administrator_changes_the_studio(db: Database, admin: Actor) -> None:
    desk = admin.model_copy(update={"role": "desk"})
    with pytest.raises(PermissionDenied):
        StudioService(db).save_settings(desk, {"idle_lock_minutes": 1})
    with pytest.raises(ValidationFailed) as refused:
        StudioService(db).save_details(admin, {"name": "X", "timezone": "UTC"})
    assert "name" in refused.value.fields


def test_the_stripe_key_goes_to_this_pcs_keyring_and_a_publishable_key_is_refused(
    qtbot, menus: AccountMenus, admin: Actor, memory_keyring: MemoryKeyring
) -> None:  # type: ignore[no-untyped-def]
    dialog = _opened(qtbot, menus, menus.edit_stripe_key)
    assert "No key is set yet" in dialog.intro.text()
    secret = _field(dialog, "secret")
    assert isinstance(secret, QLineEdit) and secret.echoMode() == QLineEdit.EchoMode.Password
    secret.setText("pk_live_publishable")
    dialog.submit()
    assert "starts with sk_" in dialog.form.error("secret").text()
    assert memory_keyring.secrets == {}
    secret.setText("sk_test_studio_key")
    with qtbot.waitSignal(dialog.accepted, timeout=10000):
        dialog.submit()
    assert keyring_secret(admin.studio_id) == "sk_test_studio_key"
    again = _opened(qtbot, menus, menus.edit_stripe_key)
    assert "a new one replaces it" in again.intro.text()


def test_the_stripe_key_on_a_pc_without_a_keyring_is_a_sentence_not_a_crash(
    qtbot, menus: AccountMenus, no_keyring: None
) -> None:  # type: ignore[no-untyped-def]
    seen: list[tuple[str, str]] = []
    menus.ctx.presenter.shown.connect(lambda kind, message: seen.append((kind, message)))
    menus.edit_stripe_key()
    qtbot.waitUntil(lambda: bool(seen), timeout=10000)
    assert seen[0][0] == "message" and "no password store" in seen[0][1]
    assert menus.last_dialog is None
