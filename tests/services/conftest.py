"""Fixtures of the service tests: a real SMTP server (aiosmtpd) the studio's email uses, and
the local Stripe server with the service pointed at it, an invoice and a saved card."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from factories import Maker
from stripe_server import FakeStripe

from studiosync_desktop.db import Database
from studiosync_desktop.schemas.billing import Payer
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.schemas.stripe import SavedCard
from studiosync_desktop.services.email_settings import EmailSettingsService
from studiosync_desktop.services.invoicing import InvoicingService
from studiosync_desktop.services.payments import PaymentService
from studiosync_desktop.services.stripe_payments import StripePayments
from tests.smtp_server import SmtpServer, smtp_server


@pytest.fixture
def server(memory_keyring: object) -> Iterator[SmtpServer]:
    """A real SMTP server for the test (the mail password, if any, in a memory keyring)."""
    with smtp_server() as running:
        yield running


def use_server(db: Database, admin: Actor, server: SmtpServer, **policy: Any) -> None:
    """The studio sends through `server` (no login, no encryption), with `policy` if given."""
    settings = EmailSettingsService(db)
    settings.save_account(
        admin,
        {
            "host": server.host,
            "port": server.port,
            "security": "none",
            "from_address": "office@harmony.example",
            "from_name": "Harmony Music School",
        },
    )
    if policy:
        settings.save_policy(admin, policy)


@pytest.fixture
def fake(fake_stripe: FakeStripe) -> FakeStripe:
    return fake_stripe


@pytest.fixture
def sp(db: Database, fake: FakeStripe) -> StripePayments:
    """Stripe payments against the local server (the key is injected; the app's is in the
    keyring)."""
    return StripePayments(db, secret=lambda _s: "sk_test_local", api_base=fake.base)


@pytest.fixture
def invoice(db: Database, admin: Actor) -> dict[str, Any]:
    """INV for the Chen family: 119.99, of which 20.00 paid in cash; 99.99 due."""
    make = Maker(db, admin.studio_id)
    family = make.family("Chen family")
    inv = InvoicingService(db)
    iid = inv.create_draft(admin, Payer(kind="family", id=family, name="Chen family"))
    inv.add_line(admin, iid, {"description": "Lessons", "unit_price": "100.00"})
    inv.add_line(admin, iid, {"description": "Book", "unit_price": "19.99"})
    number = inv.issue(admin, iid)
    PaymentService(db).record(admin, iid, {"amount": "20.00", "method": "cash"})
    return {
        "id": iid,
        "number": number,
        "payer": Payer(kind="family", id=family, name="Chen family"),
    }


@pytest.fixture
def card(sp: StripePayments, fake: FakeStripe, admin: Actor, invoice: dict[str, Any]) -> SavedCard:
    """A Visa ending 4242 saved for the invoice's payer (set up by QR, as the desk does)."""
    setup = sp.create_card_setup(admin, invoice["payer"])
    fake.complete_checkout(setup.session_id)
    saved = sp.finish_card_setup(admin, invoice["payer"], setup.session_id)
    assert saved is not None
    return saved
