"""Charge card and Pay by link from the Invoices tab, driven by keys and clicks against the local
Stripe server: the dialogs say what is true (Stripe not answering, no keyring on this PC), the
database holds one payment, and no traceback reaches the desk."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from factories import Maker, MemoryKeyring
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton
from stripe_server import FakeStripe, save_card

from studiosync_desktop.db import Database
from studiosync_desktop.schemas.billing import Payer
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services.container import Services
from studiosync_desktop.services.stripe_client import (
    CHARGE_UNANSWERED,
    KEYRING_SERVICE,
    NO_LINK_MADE,
)
from studiosync_desktop.services.stripe_payments import StripePayments
from studiosync_desktop.ui.dialogs.pay_link import ChargeCardDialog, PayLinkDialog
from studiosync_desktop.ui.error_presenter import ErrorPresenter
from studiosync_desktop.ui.main_window import MainWindow
from studiosync_desktop.ui.tabs.invoices import InvoicesTab
from studiosync_desktop.ui.task_runner import TaskRunner

Mod = Qt.KeyboardModifier
CONFIRM = "/v1/payment_intents/"


@pytest.fixture
def shown(presenter: ErrorPresenter) -> list[tuple[str, str]]:
    seen: list[tuple[str, str]] = []
    presenter.shown.connect(lambda kind, text: seen.append((kind, text)))
    return seen


def stripe_window(
    qtbot: Any, db: Database, admin: Actor, presenter: ErrorPresenter, fake: FakeStripe
) -> MainWindow:
    """The main window, its Stripe service reading the key from this PC's keyring (whatever
    the test made of it) and talking to the local Stripe server."""
    services = Services.build(db, stripe=StripePayments(db, api_base=fake.base))
    window = MainWindow(services, admin, "test", runner=TaskRunner(), presenter=presenter)
    qtbot.addWidget(window)
    return window


@pytest.fixture
def keyed(memory_keyring: MemoryKeyring, admin: Actor) -> MemoryKeyring:
    """This PC's keyring holds the studio's Stripe key, as Tools > Stripe key leaves it."""
    memory_keyring.set_password(KEYRING_SERVICE, f"stripe:{admin.studio_id}", "sk_test_desk")
    return memory_keyring


@pytest.fixture
def lee(db: Database, admin: Actor, fake_stripe: FakeStripe) -> dict[str, Any]:
    """The Lee family owes 99.99 on a sent invoice and has a Visa ending 4242 saved."""
    make = Maker(db, admin.studio_id)
    payer = Payer(kind="family", id=make.family("Lee family"), name="Lee family")
    services = Services.build(db)
    iid = services.invoicing.create_draft(admin, payer)
    services.invoicing.add_line(admin, iid, {"description": "Cello, May", "unit_price": "99.99"})
    number = services.invoicing.issue(admin, iid)
    sp = StripePayments(db, secret=lambda _s: "sk_test_desk", api_base=fake_stripe.base)
    save_card(sp, fake_stripe, admin, payer)
    return {"id": iid, "number": number}


@pytest.fixture
def window(
    qtbot: Any, db: Database, admin: Actor, presenter: ErrorPresenter, fake_stripe: FakeStripe
) -> Iterator[MainWindow]:
    w = stripe_window(qtbot, db, admin, presenter, fake_stripe)
    yield w
    w.runner.wait(10000)
    w.runner.forget()


def open_invoice(qtbot: Any, window: MainWindow, number: str) -> InvoicesTab:
    """Ctrl+3 (Invoices), typed into the search box, the invoice's detail on screen."""
    window.resize(1280, 800)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    tab = window.tabs["invoices"]
    assert isinstance(tab, InvoicesTab)
    qtbot.mouseClick(window.tab_widget.tabBar(), Qt.MouseButton.LeftButton, pos=tab_center(window))
    qtbot.waitUntil(lambda: tab.has_loaded and not tab.is_loading, timeout=10000)
    with qtbot.waitSignal(tab.detail_shown, timeout=10000):
        qtbot.mouseClick(tab.search, Qt.MouseButton.LeftButton)
        qtbot.keyClicks(tab.search, number)
    qtbot.waitUntil(lambda: tab.detail is not None and tab.detail.number == number, timeout=10000)
    qtbot.mouseClick(tab.table.viewport(), Qt.MouseButton.LeftButton, pos=row_center(tab))
    return tab


def tab_center(window: MainWindow) -> Any:
    bar = window.tab_widget.tabBar()
    index = window.tab_widget.indexOf(window.tabs["invoices"])
    return bar.tabRect(index).center()


def row_center(tab: InvoicesTab) -> Any:
    return tab.table.visualRect(tab.model.index(0, 1)).center()


def opened(qtbot: Any, tab: InvoicesTab, kind: type) -> Any:
    qtbot.waitUntil(lambda: any(d.isVisible() for d in tab.findChildren(kind)), timeout=10000)
    return next(d for d in tab.findChildren(kind) if d.isVisible())


def red_line(dialog: Any) -> str:
    return str(dialog.problem.text()) if dialog.problem.isVisible() else ""


def stripe_payments(window: MainWindow, admin: Actor, invoice_id: Any) -> list[Decimal]:
    d = window.services.invoicing.detail(admin, invoice_id)
    return [p.amount for p in d.payments if p.method == "stripe"]


def test_charge_card_when_stripe_does_not_answer_says_so_and_pressing_again_charges_once(
    qtbot: Any,
    window: MainWindow,
    admin: Actor,
    fake_stripe: FakeStripe,
    keyed: MemoryKeyring,
    lee: dict[str, Any],
    shown: list[tuple[str, str]],
) -> None:
    tab = open_invoice(qtbot, window, lee["number"])
    qtbot.keyClick(tab.table, Qt.Key.Key_K, Mod.ControlModifier | Mod.ShiftModifier)
    dialog = opened(qtbot, tab, ChargeCardDialog)
    qtbot.waitUntil(lambda: dialog.go.isEnabled(), timeout=10000)
    assert dialog.combo.currentText() == "Visa ending 4242"
    fake_stripe.drop_next[CONFIRM] = 3  # Stripe charges the card; every answer is lost

    qtbot.mouseClick(dialog.go, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: red_line(dialog) != "", timeout=30000)
    assert red_line(dialog) == CHARGE_UNANSWERED
    assert dialog.go.text().replace("&", "") == "Ask Stripe again" and dialog.go.isEnabled()
    assert len(fake_stripe.charges) == 1 and stripe_payments(window, admin, lee["id"]) == []

    qtbot.mouseClick(dialog.go, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=30000)
    assert len(fake_stripe.charges) == 1
    assert stripe_payments(window, admin, lee["id"]) == [Decimal("99.99")]
    qtbot.waitUntil(lambda: "went through at Stripe" in window.statusBar().currentMessage())
    qtbot.waitUntil(lambda: tab.detail is not None and tab.detail.status == "paid", timeout=10000)
    assert [kind for kind, _ in shown if kind == "crash"] == []


def test_pay_by_link_when_stripe_cannot_be_reached_says_nothing_was_charged_then_shows_one_link(
    qtbot: Any,
    window: MainWindow,
    fake_stripe: FakeStripe,
    keyed: MemoryKeyring,
    lee: dict[str, Any],
    shown: list[tuple[str, str]],
) -> None:
    tab = open_invoice(qtbot, window, lee["number"])
    fake_stripe.offline = True
    qtbot.keyClick(tab.table, Qt.Key.Key_K, Mod.ControlModifier)
    dialog = opened(qtbot, tab, PayLinkDialog)
    qtbot.waitUntil(lambda: red_line(dialog) != "", timeout=30000)
    assert red_line(dialog) == NO_LINK_MADE
    assert dialog.qr.text() == "No code to scan." and not dialog.intro.isVisible()
    texts = " ".join(label.text() for label in dialog.findChildren(QLabel))
    assert "refused" not in texts

    fake_stripe.offline = False
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    window.activateWindow()  # the desk is back on the window, the invoice still selected
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.mouseClick(tab.table.viewport(), Qt.MouseButton.LeftButton, pos=row_center(tab))
    qtbot.keyClick(tab.table, Qt.Key.Key_K, Mod.ControlModifier)
    again = opened(qtbot, tab, PayLinkDialog)
    qtbot.waitUntil(lambda: again.url.text().startswith("https://checkout.stripe.test/"))
    assert "Waiting for 99.99 USD" in again.state.text() and red_line(again) == ""
    sessions = [o for o in fake_stripe.objects.values() if o.get("object") == "checkout.session"]
    assert [s["id"] for s in sessions if s["mode"] == "payment"] == [again.link.session_id]
    assert [kind for kind, _ in shown if kind == "crash"] == []
    qtbot.keyClick(again, Qt.Key.Key_Escape)


def test_pay_by_link_without_a_keyring_is_a_sentence_and_stripe_is_not_asked(
    qtbot: Any,
    window: MainWindow,
    fake_stripe: FakeStripe,
    no_keyring: None,
    lee: dict[str, Any],
    shown: list[tuple[str, str]],
) -> None:
    tab = open_invoice(qtbot, window, lee["number"])
    asked = len(fake_stripe.requests)
    qtbot.keyClick(tab.table, Qt.Key.Key_K, Mod.ControlModifier)
    dialog = opened(qtbot, tab, PayLinkDialog)
    qtbot.waitUntil(lambda: red_line(dialog) != "", timeout=10000)
    assert red_line(dialog).startswith("This PC has no password store (system keyring)")
    assert "Stripe was not asked" in red_line(dialog)
    texts = " ".join(label.text() for label in dialog.findChildren(QLabel))
    assert "could not be reached" not in texts and "refused" not in texts
    assert len(fake_stripe.requests) == asked  # Stripe never asked
    assert shown == []  # no crash dialog, no message box on top
    close = next(
        b for b in dialog.findChildren(QPushButton) if b.text().replace("&", "") == "Close"
    )
    qtbot.mouseClick(close, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible())


def test_opening_an_invoice_whose_charge_answer_was_lost_records_it_and_says_so(
    qtbot: Any,
    window: MainWindow,
    db: Database,
    admin: Actor,
    fake_stripe: FakeStripe,
    keyed: MemoryKeyring,
    lee: dict[str, Any],
) -> None:
    card = window.services.stripe.cards(
        admin, window.services.invoicing.detail(admin, lee["id"]).payer
    )
    fake_stripe.drop_next[CONFIRM] = 3
    with pytest.raises(Exception, match="Stripe could not be reached"):
        window.services.stripe.charge_card(admin, lee["id"], card[0].id)  # another desk, earlier

    tab = open_invoice(qtbot, window, lee["number"])

    qtbot.waitUntil(
        lambda: "Stripe took the card payment of 99.99 USD" in window.statusBar().currentMessage(),
        timeout=30000,
    )
    qtbot.waitUntil(lambda: tab.detail is not None and tab.detail.status == "paid", timeout=10000)
    assert "waiting for Stripe" not in tab.browser.toPlainText()
    assert stripe_payments(window, admin, lee["id"]) == [Decimal("99.99")]
    assert len(fake_stripe.charges) == 1


def test_when_the_window_opens_a_charge_whose_answer_was_lost_is_recorded_and_said(
    qtbot: Any,
    window: MainWindow,
    admin: Actor,
    fake_stripe: FakeStripe,
    keyed: MemoryKeyring,
    lee: dict[str, Any],
) -> None:
    payer = window.services.invoicing.detail(admin, lee["id"]).payer
    (card,) = window.services.stripe.cards(admin, payer)
    fake_stripe.drop_next[CONFIRM] = 3
    with pytest.raises(Exception, match="Stripe could not be reached"):
        window.services.stripe.charge_card(admin, lee["id"], card.id)  # then the PC went off

    window.show()  # the app starts again: Today is in front, nobody opens the invoice

    qtbot.waitUntil(
        lambda: "Stripe took the card payment of 99.99 USD" in window.statusBar().currentMessage(),
        timeout=30000,
    )
    assert window.current_tab().key == "today"
    assert stripe_payments(window, admin, lee["id"]) == [Decimal("99.99")]
    assert len(fake_stripe.charges) == 1
