"""Stripe through the official library against the local fake (Stripe's own sample objects)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from desks import race
from factories import Maker
from stripe_server import FakeStripe

from studiosync_desktop.db import Database
from studiosync_desktop.errors import Conflict, NotSetUp, ValidationFailed
from studiosync_desktop.money import to_minor_units
from studiosync_desktop.schemas.billing import Payer
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.schemas.stripe import SavedCard
from studiosync_desktop.services.invoicing import InvoicingService
from studiosync_desktop.services.payments import PaymentService
from studiosync_desktop.services.stripe_client import exponent, from_minor_units
from studiosync_desktop.services.stripe_payments import StripePayments


def test_minor_units_are_exact_for_every_exponent() -> None:
    assert to_minor_units(Decimal("19.99"), exponent("USD")) == 1999
    assert to_minor_units(Decimal("1999"), exponent("JPY")) == 1999
    assert to_minor_units(Decimal("1.234"), exponent("KWD")) == 1234
    assert from_minor_units(1999, "usd") == Decimal("19.99")


def test_pay_link_is_for_the_balance_and_is_recorded_once(
    db: Database, admin: Actor, fake: FakeStripe, invoice: dict[str, Any], sp: StripePayments
) -> None:
    link = sp.create_pay_link(admin, invoice["id"])
    assert link.amount == Decimal("99.99")  # the balance, never the total (119.99)
    assert fake.objects[link.session_id]["amount_total"] == 9999
    assert InvoicingService(db).detail(admin, invoice["id"]).pay_link_url == link.url
    assert sp.poll_pay_link(admin, invoice["id"]).status == "open"
    fake.complete_checkout(link.session_id)
    # Two desks poll at once, then one polls again: one payment.
    race(2, lambda _desk: sp.poll_pay_link(admin, invoice["id"]), timeout=20)
    d = InvoicingService(db).detail(admin, invoice["id"])
    assert (d.status, d.balance) == ("paid", Decimal("0.00"))
    stripe_payments = [p for p in d.payments if p.method == "stripe"]
    assert len(stripe_payments) == 1 and stripe_payments[0].amount == Decimal("99.99")
    assert d.pay_link_url == ""


def test_expired_session_records_nothing_and_clears_the_link(
    db: Database, admin: Actor, fake: FakeStripe, invoice: dict[str, Any], sp: StripePayments
) -> None:
    link = sp.create_pay_link(admin, invoice["id"])
    fake.expire_checkout(link.session_id)
    assert sp.poll_pay_link(admin, invoice["id"]).status == "expired"
    d = InvoicingService(db).detail(admin, invoice["id"])
    assert (d.balance, d.pay_link_url) == (Decimal("99.99"), "")
    assert [p.method for p in d.payments] == ["cash"]


def test_card_on_file_is_saved_and_charged_off_session(
    db: Database, admin: Actor, fake: FakeStripe, invoice: dict[str, Any], sp: StripePayments
) -> None:
    setup = sp.create_card_setup(admin, invoice["payer"])
    assert sp.finish_card_setup(admin, invoice["payer"], setup.session_id) is None  # not yet
    fake.complete_checkout(setup.session_id)
    card = sp.finish_card_setup(admin, invoice["payer"], setup.session_id)
    assert card is not None and (card.brand, card.last_four) == ("visa", "4242")
    assert sp.cards(admin, invoice["payer"]) == (card,)
    assert sp.charge_card(admin, invoice["id"], card.id).amount == Decimal("99.99")
    assert fake.charges[-1]["amount"] == 9999 and fake.charges[-1]["currency"] == "usd"
    assert InvoicingService(db).detail(admin, invoice["id"]).status == "paid"


def test_a_card_is_charged_only_for_its_own_payers_invoice(
    db: Database,
    admin: Actor,
    fake: FakeStripe,
    invoice: dict[str, Any],
    sp: StripePayments,
    card: SavedCard,
) -> None:
    other = Maker(db, admin.studio_id).family("Lee family")
    inv = InvoicingService(db)
    theirs = inv.create_draft(admin, Payer(kind="family", id=other, name="Lee family"))
    inv.add_line(admin, theirs, {"description": "Lessons", "unit_price": "50.00"})
    inv.issue(admin, theirs)
    charges = len(fake.charges)
    with pytest.raises(ValidationFailed, match="not saved for the payer"):
        sp.charge_card(admin, theirs, card.id)
    assert len(fake.charges) == charges  # Stripe was never asked
    assert InvoicingService(db).detail(admin, theirs).balance == Decimal("50.00")


def test_declined_card_shows_stripes_reason_and_records_nothing(
    db: Database,
    admin: Actor,
    fake: FakeStripe,
    invoice: dict[str, Any],
    sp: StripePayments,
    card: SavedCard,
) -> None:
    fake.declined_methods.update(o for o in fake.objects if o.startswith("pm_"))
    with pytest.raises(Conflict, match="insufficient funds"):
        sp.charge_card(admin, invoice["id"], card.id)
    d = InvoicingService(db).detail(admin, invoice["id"])
    assert (d.status, d.balance) == ("partial", Decimal("99.99"))
    assert d.events[-1].kind == "card_declined"


def test_network_failure_mid_charge_is_retried_with_the_same_key_and_charged_once(
    db: Database,
    admin: Actor,
    fake: FakeStripe,
    invoice: dict[str, Any],
    sp: StripePayments,
    card: SavedCard,
) -> None:
    fake.drop_next["/v1/payment_intents"] = 1
    fake.drop_next["/v1/payment_intents/"] = 1  # the confirm's answer is lost once
    assert sp.charge_card(admin, invoice["id"], card.id).amount == Decimal("99.99")
    create, confirm = fake.posts("/v1/payment_intents"), fake.posts("/v1/payment_intents/")
    assert len(set(create) - set(confirm)) == 1 and len(set(confirm)) == 1  # one key each
    assert len(fake.charges) == 1
    d = InvoicingService(db).detail(admin, invoice["id"])
    assert (d.status, len([p for p in d.payments if p.method == "stripe"])) == ("paid", 1)


def test_stripe_refund_goes_through_stripe_and_reopens_the_invoice(
    db: Database, admin: Actor, fake: FakeStripe, invoice: dict[str, Any], sp: StripePayments
) -> None:
    link = sp.create_pay_link(admin, invoice["id"])
    fake.complete_checkout(link.session_id)
    sp.poll_pay_link(admin, invoice["id"])
    payment = next(
        p
        for p in InvoicingService(db).detail(admin, invoice["id"]).payments
        if p.method == "stripe"
    )
    with pytest.raises(Conflict, match="through Stripe"):
        PaymentService(db).refund(admin, payment.id, {"amount": "10.00"})
    sp.refund(admin, payment.id, {"amount": "10.00", "reason": "Missed lesson"})
    assert fake.refunds[-1]["amount"] == 1000
    assert fake.refunds[-1]["payment_intent"] == payment.transaction_id
    d = InvoicingService(db).detail(admin, invoice["id"])
    assert (d.status, d.balance) == ("partial", Decimal("10.00"))


def test_without_a_key_stripe_explains_what_to_do(
    db: Database, admin: Actor, invoice: dict[str, Any]
) -> None:
    sp = StripePayments(db, secret=lambda _s: None)
    with pytest.raises(NotSetUp, match="No Stripe key"):
        sp.create_pay_link(admin, invoice["id"])
