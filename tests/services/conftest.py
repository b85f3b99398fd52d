"""Fixtures of the service tests: a real SMTP server (aiosmtpd) the studio's email uses, and
the local Stripe server with the service pointed at it, an invoice and a saved card."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from factories import Maker
from lesson_days import LessonStudio
from lesson_days import lesson_studio as build_lesson_studio
from smtp_server import SmtpServer, smtp_server
from stripe_server import FakeStripe, save_card

from studiosync_desktop.db import Database
from studiosync_desktop.schemas.billing import Payer
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.schemas.stripe import SavedCard
from studiosync_desktop.services.invoicing import InvoicingService
from studiosync_desktop.services.payments import PaymentService
from studiosync_desktop.services.stripe_payments import StripePayments


@pytest.fixture
def server(memory_keyring: object) -> Iterator[SmtpServer]:
    """A real SMTP server for the test (the mail password, if any, in a memory keyring)."""
    with smtp_server() as running:
        yield running


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
def lesson_studio(db: Database, admin: Actor) -> LessonStudio:
    """The scheduling tests' teachers, students, band and room (tests/lesson_days.py)."""
    return build_lesson_studio(db, admin.studio_id)


@pytest.fixture
def card(sp: StripePayments, fake: FakeStripe, admin: Actor, invoice: dict[str, Any]) -> SavedCard:
    """A Visa ending 4242 saved for the invoice's payer (set up by QR, as the desk does)."""
    return save_card(sp, fake, admin, invoice["payer"])
