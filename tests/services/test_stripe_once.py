"""A card is charged once, a refund made once, a pay link made once: against the local Stripe
server with its faults (replies lost after the work, connections refused, a slow Stripe), two
desks at once, and the app closed while Stripe had the money."""

from __future__ import annotations

import threading
import time
import uuid
from decimal import Decimal
from typing import Any

import pytest
from desks import race_desks
from factories import Maker
from sqlalchemy import select, text
from stripe_server import FakeStripe, save_card

from studiosync_desktop.db import Database
from studiosync_desktop.errors import Conflict, DatabaseUnavailable
from studiosync_desktop.models import AccountCredit, Payment, StripeAttempt
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.schemas.stripe import ChargeResult, SavedCard
from studiosync_desktop.services.invoicing import InvoicingService
from studiosync_desktop.services.payments import PaymentService
from studiosync_desktop.services.stripe_client import (
    CHARGE_UNANSWERED,
    NO_LINK_MADE,
    NOTHING_CHARGED,
    REFUND_UNANSWERED,
    StripeUnreachable,
)
from studiosync_desktop.services.stripe_payments import StripePayments

CONFIRM = "/v1/payment_intents/"  # .../pi_x/confirm and .../cancel (create is /v1/payment_intents)
ALL_TRIES = 3  # the first request and the library's two retries


def stripe_payments(db: Database, fake: FakeStripe) -> StripePayments:
    return StripePayments(db, secret=lambda _s: "sk_test_local", api_base=fake.base)


def stripe_rows(db: Database, invoice_id: uuid.UUID) -> list[tuple[str, str, Decimal]]:
    with db.read_session() as s:
        rows = s.execute(
            select(StripeAttempt.kind, StripeAttempt.status, StripeAttempt.amount)
            .where(StripeAttempt.invoice_id == invoice_id)
            .order_by(StripeAttempt.created_at)
        ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def stripe_payments_of(db: Database, admin: Actor, invoice_id: uuid.UUID) -> list[Decimal]:
    d = InvoicingService(db).detail(admin, invoice_id)
    return [p.amount for p in d.payments if p.method == "stripe"]


def confirms(fake: FakeStripe) -> list[str | None]:
    return [k for k in fake.posts(CONFIRM) if k and k.endswith("-confirm")]


def test_all_retries_dropped_then_the_desk_presses_again_charges_once_and_records_once(
    db: Database,
    admin: Actor,
    sp: StripePayments,
    fake: FakeStripe,
    invoice: dict[str, Any],
    card: SavedCard,
) -> None:
    fake.drop_next[CONFIRM] = ALL_TRIES  # Stripe charges, every answer is lost
    with pytest.raises(StripeUnreachable) as refused:
        sp.charge_card(admin, invoice["id"], card.id)
    assert str(refused.value) == CHARGE_UNANSWERED
    assert len(fake.charges) == 1
    assert stripe_payments_of(db, admin, invoice["id"]) == []  # not recorded: Stripe never said
    assert stripe_rows(db, invoice["id"]) == [("charge", "open", Decimal("99.99"))]
    assert "waiting for Stripe" in sp.pending(admin, invoice["id"])[0]

    again = sp.charge_card(admin, invoice["id"], card.id)

    assert again == ChargeResult(
        amount=Decimal("99.99"), currency="USD", card="Visa ending 4242", earlier=True
    )
    assert len(fake.charges) == 1  # one charge at Stripe
    assert stripe_payments_of(db, admin, invoice["id"]) == [Decimal("99.99")]
    assert InvoicingService(db).detail(admin, invoice["id"]).status == "paid"
    assert stripe_rows(db, invoice["id"]) == [("charge", "succeeded", Decimal("99.99"))]
    assert len(fake.posts("/v1/payment_intents")) - len(fake.posts(CONFIRM)) == 1  # one created
    assert len(set(confirms(fake))) == 1 and len(confirms(fake)) == ALL_TRIES  # one key


def test_a_confirm_that_never_reached_stripe_is_sent_again_with_the_same_key(
    db: Database,
    admin: Actor,
    sp: StripePayments,
    fake: FakeStripe,
    invoice: dict[str, Any],
    card: SavedCard,
) -> None:
    fake.refuse_next[CONFIRM] = ALL_TRIES
    with pytest.raises(StripeUnreachable, match="If the card was charged"):
        sp.charge_card(admin, invoice["id"], card.id)
    assert fake.charges == []
    assert sp.charge_card(admin, invoice["id"], card.id).earlier is False
    assert len(fake.charges) == 1 and len(set(confirms(fake))) == 1
    assert stripe_payments_of(db, admin, invoice["id"]) == [Decimal("99.99")]


def test_when_the_charge_cannot_be_created_nothing_is_charged_and_the_desk_is_told_so(
    db: Database,
    admin: Actor,
    sp: StripePayments,
    fake: FakeStripe,
    invoice: dict[str, Any],
    card: SavedCard,
) -> None:
    fake.refuse_next["/v1/payment_intents"] = ALL_TRIES
    with pytest.raises(StripeUnreachable) as refused:
        sp.charge_card(admin, invoice["id"], card.id)
    assert str(refused.value) == NOTHING_CHARGED
    assert stripe_rows(db, invoice["id"]) == [("charge", "canceled", Decimal("99.99"))]
    assert sp.pending(admin, invoice["id"]) == ()
    assert sp.charge_card(admin, invoice["id"], card.id).amount == Decimal("99.99")
    assert len(fake.charges) == 1


def test_two_desks_charging_at_once_charge_once_and_the_second_is_told_who(
    database_url: str,
    db: Database,
    admin: Actor,
    fake: FakeStripe,
    invoice: dict[str, Any],
    card: SavedCard,
) -> None:
    make = Maker(db, admin.studio_id)
    desks = [
        Actor(user_id=make.staff(first, "Desk"), studio_id=admin.studio_id, role="desk", name=n)
        for first, n in (("Dana", "Dana Desk"), ("Dev", "Dev Desk"))
    ]
    fake.delay[CONFIRM] = 1.0  # the first desk is still waiting on Stripe when the second presses

    outcomes = race_desks(
        database_url,
        2,
        lambda own, i: stripe_payments(own, fake).charge_card(desks[i], invoice["id"], card.id),
    )

    results = {desk.name: outcome for desk, outcome in zip(desks, outcomes, strict=True)}
    charged = [name for name, r in results.items() if isinstance(r, ChargeResult)]
    refused = {name: r for name, r in results.items() if isinstance(r, Conflict)}
    assert len(charged) == 1 and len(refused) == 1, results
    (loser, error), (winner,) = next(iter(refused.items())), charged
    assert str(error).startswith(f"Another desk ({winner}) is charging this invoice now.")
    assert len(fake.charges) == 1
    assert len(fake.posts("/v1/payment_intents")) - len(fake.posts(CONFIRM)) == 1  # loser: none
    assert stripe_payments_of(db, admin, invoice["id"]) == [Decimal("99.99")]
    assert loser != winner


def test_stripe_charged_but_the_reply_was_lost_and_the_app_restarted_is_recorded_once(
    database_url: str,
    db: Database,
    admin: Actor,
    sp: StripePayments,
    fake: FakeStripe,
    invoice: dict[str, Any],
    card: SavedCard,
) -> None:
    fake.drop_next[CONFIRM] = ALL_TRIES
    with pytest.raises(StripeUnreachable):
        sp.charge_card(admin, invoice["id"], card.id)

    restarted = Database(database_url)  # the app started again: a new engine, a new service
    try:
        check = stripe_payments(restarted, fake).reconcile(admin)
        again = stripe_payments(restarted, fake).reconcile(admin)
    finally:
        restarted.dispose()

    assert check.settled == (
        f"Stripe took the card payment of 99.99 USD for {invoice['number']}: it is recorded.",
    )
    assert check.pending == () and again.settled == ()
    assert stripe_payments_of(db, admin, invoice["id"]) == [Decimal("99.99")]
    assert len(fake.charges) == 1


def test_a_charge_never_confirmed_is_canceled_at_stripe_when_settled_later(
    db: Database,
    admin: Actor,
    sp: StripePayments,
    fake: FakeStripe,
    invoice: dict[str, Any],
    card: SavedCard,
) -> None:
    fake.refuse_next[CONFIRM] = ALL_TRIES  # created, then the confirm never arrives
    with pytest.raises(StripeUnreachable):
        sp.charge_card(admin, invoice["id"], card.id)
    check = sp.reconcile(admin, invoice["id"])
    assert check.settled and "nothing was charged" in check.settled[0]
    intent = next(o for o in fake.objects.values() if o.get("object") == "payment_intent")
    assert intent["status"] == "canceled"  # it can never take money now
    assert fake.charges == [] and stripe_payments_of(db, admin, invoice["id"]) == []
    assert stripe_rows(db, invoice["id"]) == [("charge", "canceled", Decimal("99.99"))]


def test_while_stripe_is_down_the_open_charge_stays_pending_and_is_said(
    db: Database,
    admin: Actor,
    sp: StripePayments,
    fake: FakeStripe,
    invoice: dict[str, Any],
    card: SavedCard,
) -> None:
    fake.drop_next[CONFIRM] = ALL_TRIES
    with pytest.raises(StripeUnreachable):
        sp.charge_card(admin, invoice["id"], card.id)
    fake.offline = True
    down = sp.reconcile(admin, invoice["id"])
    assert down.settled == () and "do not take another payment" in down.pending[0]
    fake.offline = False
    assert len(sp.reconcile(admin, invoice["id"]).settled) == 1
    assert stripe_payments_of(db, admin, invoice["id"]) == [Decimal("99.99")]


def test_a_refund_retried_after_a_dropped_reply_refunds_once(
    db: Database,
    admin: Actor,
    sp: StripePayments,
    fake: FakeStripe,
    invoice: dict[str, Any],
    card: SavedCard,
) -> None:
    sp.charge_card(admin, invoice["id"], card.id)
    (payment_id,) = [
        p.id
        for p in InvoicingService(db).detail(admin, invoice["id"]).payments
        if p.method == "stripe"
    ]
    fake.drop_next["/v1/refunds"] = ALL_TRIES
    with pytest.raises(StripeUnreachable) as lost:
        sp.refund(admin, payment_id, {"amount": "10.00", "reason": "Missed lesson"})
    assert str(lost.value) == REFUND_UNANSWERED
    assert len(fake.refunds) == 1
    assert InvoicingService(db).detail(admin, invoice["id"]).balance == Decimal("0.00")

    said = sp.refund(admin, payment_id, {"amount": "10.00", "reason": "Missed lesson"})

    assert said.startswith("The earlier refund of 10.00 USD went through at Stripe")
    assert len(fake.refunds) == 1  # refunded once
    d = InvoicingService(db).detail(admin, invoice["id"])
    assert (d.status, d.balance) == ("partial", Decimal("10.00"))
    assert stripe_rows(db, invoice["id"])[-1] == ("refund", "succeeded", Decimal("10.00"))


def test_a_refund_left_open_is_recorded_at_start_up_and_one_that_never_arrived_is_closed(
    db: Database,
    admin: Actor,
    sp: StripePayments,
    fake: FakeStripe,
    invoice: dict[str, Any],
    card: SavedCard,
) -> None:
    sp.charge_card(admin, invoice["id"], card.id)
    (payment_id,) = [
        p.id
        for p in InvoicingService(db).detail(admin, invoice["id"]).payments
        if p.method == "stripe"
    ]
    fake.drop_next["/v1/refunds"] = ALL_TRIES
    with pytest.raises(StripeUnreachable):
        sp.refund(admin, payment_id, {"amount": "10.00"})
    assert len(sp.reconcile(admin).settled) == 1
    assert InvoicingService(db).detail(admin, invoice["id"]).balance == Decimal("10.00")

    fake.refuse_next["/v1/refunds"] = ALL_TRIES
    with pytest.raises(StripeUnreachable):
        sp.refund(admin, payment_id, {"amount": "5.00"})
    check = sp.reconcile(admin)
    assert "nothing was refunded" in check.settled[0]
    assert len(fake.refunds) == 1
    assert InvoicingService(db).detail(admin, invoice["id"]).balance == Decimal("10.00")


def test_a_new_pay_link_for_the_same_balance_is_the_same_session(
    db: Database, admin: Actor, sp: StripePayments, fake: FakeStripe, invoice: dict[str, Any]
) -> None:
    first = sp.create_pay_link(admin, invoice["id"])
    second = sp.create_pay_link(admin, invoice["id"])
    assert (second.session_id, second.url) == (first.session_id, first.url)
    assert len(fake.posts("/v1/checkout/sessions")) == 1


def test_a_pay_link_whose_answer_was_lost_is_the_same_session_when_asked_again(
    db: Database, admin: Actor, sp: StripePayments, fake: FakeStripe, invoice: dict[str, Any]
) -> None:
    fake.drop_next["/v1/checkout/sessions"] = ALL_TRIES
    with pytest.raises(StripeUnreachable) as lost:
        sp.create_pay_link(admin, invoice["id"])
    assert str(lost.value) == NO_LINK_MADE
    link = sp.create_pay_link(admin, invoice["id"])
    sessions = [o for o in fake.objects.values() if o.get("object") == "checkout.session"]
    assert [s["id"] for s in sessions] == [link.session_id]  # one session at Stripe, not two


def test_a_payment_through_an_old_link_after_the_balance_changed_becomes_credit_with_a_note(
    db: Database, admin: Actor, sp: StripePayments, fake: FakeStripe, invoice: dict[str, Any]
) -> None:
    old = sp.create_pay_link(admin, invoice["id"])  # for 99.99
    PaymentService(db).record(admin, invoice["id"], {"amount": "20.00", "method": "cash"})
    fake.complete_checkout(old.session_id)  # the parent pays 99.99 through the old link
    polled = sp.poll_pay_link(admin, invoice["id"], old.session_id)
    assert (polled.status, polled.recorded, polled.amount) == ("paid", True, Decimal("99.99"))
    d = InvoicingService(db).detail(admin, invoice["id"])
    assert (d.status, d.balance, d.account_credit) == ("paid", Decimal("0.00"), Decimal("20.00"))
    assert stripe_payments_of(db, admin, invoice["id"]) == [Decimal("79.99")]
    with db.read_session() as s:
        note = s.scalar(select(AccountCredit.note).where(AccountCredit.invoice_id == invoice["id"]))
    assert note is not None and "pay link for 99.99 USD made before the balance changed" in note


def test_a_new_balance_closes_the_old_link_at_stripe_and_makes_a_new_one(
    db: Database, admin: Actor, sp: StripePayments, fake: FakeStripe, invoice: dict[str, Any]
) -> None:
    old = sp.create_pay_link(admin, invoice["id"])
    PaymentService(db).record(admin, invoice["id"], {"amount": "20.00", "method": "cash"})
    new = sp.create_pay_link(admin, invoice["id"])
    assert new.session_id != old.session_id and new.amount == Decimal("79.99")
    assert fake.objects[old.session_id]["status"] == "expired"
    assert [(k, st) for k, st, _a in stripe_rows(db, invoice["id"])] == [
        ("pay_link", "expired"),
        ("pay_link", "open"),
    ]
    assert InvoicingService(db).detail(admin, invoice["id"]).pay_link_url == new.url


def test_an_old_link_paid_before_the_new_one_is_asked_for_is_recorded_not_replaced(
    db: Database, admin: Actor, sp: StripePayments, fake: FakeStripe, invoice: dict[str, Any]
) -> None:
    old = sp.create_pay_link(admin, invoice["id"])
    PaymentService(db).record(admin, invoice["id"], {"amount": "20.00", "method": "cash"})
    fake.complete_checkout(old.session_id)
    with pytest.raises(Conflict, match="no balance to pay online"):
        sp.create_pay_link(admin, invoice["id"])
    assert stripe_payments_of(db, admin, invoice["id"]) == [Decimal("79.99")]
    with db.read_session() as s:
        assert s.scalar(select(Payment.transaction_id).where(Payment.payment_method == "stripe"))


def test_a_paid_invoice_s_open_link_is_closed_at_stripe_when_settled(
    db: Database, admin: Actor, sp: StripePayments, fake: FakeStripe, invoice: dict[str, Any]
) -> None:
    link = sp.create_pay_link(admin, invoice["id"])
    PaymentService(db).record(admin, invoice["id"], {"amount": "99.99", "method": "cash"})
    closed = sp.reconcile(admin, invoice["id"]).settled
    assert closed == ("The old pay link for 99.99 USD was closed.",)
    assert fake.objects[link.session_id]["status"] == "expired"


def test_a_lost_charge_found_after_cash_was_taken_is_recorded_and_the_rest_kept_as_credit(
    db: Database,
    admin: Actor,
    sp: StripePayments,
    fake: FakeStripe,
    invoice: dict[str, Any],
    card: SavedCard,
) -> None:
    fake.drop_next[CONFIRM] = ALL_TRIES
    with pytest.raises(StripeUnreachable):
        sp.charge_card(admin, invoice["id"], card.id)  # 99.99 taken by Stripe, answer lost
    PaymentService(db).record(admin, invoice["id"], {"amount": "20.00", "method": "cash"})
    again = sp.charge_card(admin, invoice["id"], card.id)  # for 79.99 now: not the same charge
    assert (again.amount, again.earlier) == (Decimal("99.99"), True)
    assert len(fake.charges) == 1
    d = InvoicingService(db).detail(admin, invoice["id"])
    assert (d.status, d.account_credit) == ("paid", Decimal("20.00"))
    assert stripe_payments_of(db, admin, invoice["id"]) == [Decimal("79.99")]


def test_pressing_charge_with_another_card_settles_the_earlier_charge_on_its_own_card(
    db: Database,
    admin: Actor,
    sp: StripePayments,
    fake: FakeStripe,
    invoice: dict[str, Any],
    card: SavedCard,
) -> None:
    other = save_card(sp, fake, admin, invoice["payer"], ("mastercard", "5555"))
    assert other.last_four == "5555"
    [method] = [
        o
        for o in fake.objects.values()
        if o.get("object") == "payment_method" and o["card"]["last4"] == "5555"
    ]
    fake.refuse_next[CONFIRM] = ALL_TRIES  # the Visa's charge never reaches Stripe
    with pytest.raises(StripeUnreachable):
        sp.charge_card(admin, invoice["id"], card.id)
    result = sp.charge_card(admin, invoice["id"], other.id)
    assert (result.card, result.earlier) == ("Mastercard ending 5555", False)
    assert [c["payment_method"] for c in fake.charges] == [method["id"]]  # only the Mastercard
    visa = next(o for o in fake.objects.values() if o.get("object") == "payment_intent")
    assert visa["status"] == "canceled"  # the Visa's can never be confirmed now
    assert stripe_payments_of(db, admin, invoice["id"]) == [Decimal("99.99")]


def test_the_database_lost_while_stripe_charges_is_said_and_the_charge_recorded_once_later(
    database_url: str,
    db: Database,
    admin: Actor,
    sp: StripePayments,
    fake: FakeStripe,
    invoice: dict[str, Any],
    card: SavedCard,
) -> None:
    desk = Database(database_url, application_name="desk-cut-off")
    fake.delay[CONFIRM] = 1.0  # Stripe is charging when the desk's network drops

    def cut_off() -> None:
        time.sleep(0.5)
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE application_name = 'desk-cut-off'"
                )
            )

    cutter = threading.Thread(target=cut_off)
    cutter.start()
    try:
        with pytest.raises(DatabaseUnavailable) as lost:
            stripe_payments(desk, fake).charge_card(admin, invoice["id"], card.id)
    finally:
        cutter.join()
        desk.dispose()
    assert "If the card was charged, it will be recorded" in str(lost.value)
    assert len(fake.charges) == 1 and stripe_payments_of(db, admin, invoice["id"]) == []
    assert len(sp.reconcile(admin).settled) == 1
    assert stripe_payments_of(db, admin, invoice["id"]) == [Decimal("99.99")]
