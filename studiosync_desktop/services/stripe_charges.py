"""Charging a saved card, once: an attempt row, then a PaymentIntent created and confirmed.

Creating the PaymentIntent moves no money; only confirming it does, and it is confirmed only
once its id is kept on the attempt. So an attempt whose PaymentIntent is unknown charged
nothing, and every other one is settled by asking Stripe for that PaymentIntent: a charge that
went through is recorded, one never confirmed is canceled at Stripe, so it never can be.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from studiosync_desktop.db import Database
from studiosync_desktop.errors import Conflict, DatabaseUnavailable, NotFound, ValidationFailed
from studiosync_desktop.models import Invoice, PaymentMethod, StripeAttempt
from studiosync_desktop.money import to_minor_units
from studiosync_desktop.schemas.common import Actor, Frozen
from studiosync_desktop.schemas.stripe import ChargeResult
from studiosync_desktop.services.invoice_details import payer_of
from studiosync_desktop.services.ledger import label, log_event, payer_columns
from studiosync_desktop.services.stripe_attempts import (
    Attempt,
    Settled,
    begin,
    close,
    held_connection,
    record_money,
    set_stripe_id,
    studio_currency,
    tx,
)
from studiosync_desktop.services.stripe_client import (
    CHARGE_UNANSWERED,
    DATABASE_LOST_CHARGING,
    NOTHING_CHARGED,
    StripeRefused,
    StripeUnreachable,
    call,
    exponent,
    from_minor_units,
)

STILL_PROCESSING = (
    "Stripe is still processing the card payment of {amount}. It will be recorded when Stripe "
    "finishes; do not take another payment for this invoice until then."
)
NEEDS_THE_HOLDER = (
    "The card's bank wants the card holder to approve this payment, which cannot be done "
    "from the desk. Nothing was charged: send a pay link instead."
)
SURPLUS = "the balance changed while the card was being charged"


class Card(Frozen):
    """What a charge needs of the saved card and the invoice."""

    payment_method: str
    customer: str
    label: str
    number: str


def charge_card(
    db: Database, client: Any, actor: Actor, invoice_id: uuid.UUID, card_id: uuid.UUID
) -> ChargeResult:
    """Charges the balance due to a saved card, off-session, exactly once.

    An open attempt on the invoice (an earlier press whose answer was lost) is settled first:
    its PaymentIntent is retried with the same idempotency keys when it is for the same card
    and amount, else canceled if it was never confirmed. Only when it took no money is a new
    attempt made. A declined card raises Conflict with Stripe's reason."""
    for _ in range(2):
        with held_connection(db) as conn:
            start = _Start(actor, card_id)
            attempt, is_new = begin(conn, actor, invoice_id, "charge", start.find, start.new)
            card = start.card
            same = attempt.payment_method_id == card_id and attempt.amount == start.balance
            try:  # the attempt is written: from here Stripe may be asked
                if is_new:
                    return _charge_new(conn, client, actor, attempt, card)
                if not same:
                    card = card_of(conn, attempt)  # the card that earlier attempt was for
                settled = settle(conn, client, actor, attempt, card, resume=same)
            except DatabaseUnavailable as exc:
                raise DatabaseUnavailable(DATABASE_LOST_CHARGING) from exc
        if settled.status == "succeeded":
            return _result(attempt, card, settled)
        if settled.status == "open":
            raise StripeUnreachable(settled.sentence)
        if same and settled.status == "failed":
            raise Conflict(settled.sentence)
    raise Conflict("Another desk charged this invoice at the same moment. Look at it again.")


class _Start:
    """The checks and values of a new charge, made under the invoice's lock."""

    def __init__(self, actor: Actor, card_id: uuid.UUID) -> None:
        self.actor, self.card_id = actor, card_id
        self.balance = Decimal(0)
        self.currency = ""
        self.card: Card | None = None

    def find(self, s: Session, inv: Invoice) -> StripeAttempt | None:
        card = s.get(PaymentMethod, self.card_id)
        if card is None or not card.is_active or card.studio_id != self.actor.studio_id:
            raise NotFound("This saved card no longer exists.")
        owner = {k: getattr(card, k) for k in ("family_id", "band_id", "student_id")}
        if owner != payer_columns(payer_of(inv)):
            raise ValidationFailed(
                {"card_id": f"This card is not saved for the payer of {label(inv)}."}
            )
        if inv.status not in ("sent", "partial"):
            raise Conflict(f"{label(inv)} has no balance to charge.")
        self.balance = inv.total - inv.amount_paid
        self.currency = studio_currency(s, self.actor.studio_id)
        self.card = _card(card, label(inv))
        return s.scalars(
            select(StripeAttempt).where(
                StripeAttempt.invoice_id == inv.id,
                StripeAttempt.kind == "charge",
                StripeAttempt.status == "open",
            )
        ).one_or_none()

    def new(self, _s: Session, _inv: Invoice) -> dict[str, Any]:
        return {
            "amount": self.balance,
            "currency": self.currency,
            "payment_method_id": self.card_id,
        }


def _card(card: PaymentMethod, number: str) -> Card:
    return Card(
        payment_method=card.stripe_payment_method_id,
        customer=card.stripe_customer_id,
        label=f"{card.brand.title()} ending {card.last_four}",
        number=number,
    )


def card_of(conn: Connection, attempt: Attempt) -> Card:
    """The card an attempt charges, as it was (a card removed since is still known)."""
    with tx(conn) as s:
        card = s.get(PaymentMethod, attempt.payment_method_id)
        inv = s.get(Invoice, attempt.invoice_id)
        assert card is not None and inv is not None  # both are kept (ON DELETE RESTRICT)
        return _card(card, label(inv))


def _charge_new(
    conn: Connection, client: Any, actor: Actor, attempt: Attempt, card: Card | None
) -> ChargeResult:
    assert card is not None
    try:
        intent = _create(client, attempt, card)
    except StripeUnreachable as exc:
        # Creating moves no money, and this one will never be confirmed.
        close(conn, actor, attempt, "canceled", "Stripe could not be reached: nothing charged.")
        raise StripeUnreachable(NOTHING_CHARGED) from exc
    except Conflict as exc:
        close(conn, actor, attempt, "failed", str(exc))
        raise
    attempt = set_stripe_id(conn, actor, attempt, intent.id)
    settled = _settle_intent(
        conn, client, actor, attempt, card, _confirm(conn, client, actor, attempt, card)
    )
    settled = settled.model_copy(update={"earlier": False})
    if settled.status == "succeeded":
        return _result(attempt, card, settled)
    if settled.status == "open":
        raise StripeUnreachable(settled.sentence)
    raise Conflict(settled.sentence)


def _result(attempt: Attempt, card: Card | None, settled: Settled) -> ChargeResult:
    assert card is not None
    return ChargeResult(
        amount=settled.amount, currency=attempt.currency, card=card.label, earlier=settled.earlier
    )


def settle(
    conn: Connection,
    client: Any,
    actor: Actor,
    attempt: Attempt,
    card: Card | None,
    *,
    resume: bool,
) -> Settled:
    """Asks Stripe what became of an open charge and settles the row. With `resume` (the same
    desk action again) a PaymentIntent never confirmed is confirmed now, with the same key;
    without it (reconciliation, another card) it is canceled at Stripe."""
    card = card or card_of(conn, attempt)
    if attempt.stripe_id is None:
        if not resume:
            close(conn, actor, attempt, "canceled", "Never confirmed at Stripe: nothing charged.")
            return Settled(status="canceled", sentence=_nothing(attempt))
        attempt = set_stripe_id(conn, actor, attempt, _create(client, attempt, card).id)
    intent = _retrieve(client, attempt)
    earlier = True
    if intent.status == "requires_confirmation":
        if resume:
            intent, earlier = _confirm(conn, client, actor, attempt, card), False
        else:
            intent = _cancel(client, attempt)
    settled = _settle_intent(conn, client, actor, attempt, card, intent)
    return settled.model_copy(update={"earlier": earlier})


def _settle_intent(
    conn: Connection, client: Any, actor: Actor, attempt: Attempt, card: Card, intent: Any
) -> Settled:
    amount = f"{attempt.amount:,.2f} {attempt.currency}"
    status = intent.status
    if status == "succeeded":
        taken = from_minor_units(int(intent.amount_received or intent.amount), attempt.currency)
        done = record_money(conn, actor, attempt, taken, intent.id, SURPLUS)
        return Settled(
            status="succeeded",
            sentence=done or f"The card payment of {amount} was recorded already.",
            amount=taken,
        )
    if status in ("processing", "requires_capture"):
        return Settled(status="open", sentence=STILL_PROCESSING.format(amount=amount))
    if status == "requires_action":
        _cancel(client, attempt)
        close(conn, actor, attempt, "failed", NEEDS_THE_HOLDER)
        return Settled(status="failed", sentence=NEEDS_THE_HOLDER)
    if status == "requires_payment_method":
        error = getattr(intent, "last_payment_error", None)
        reason = getattr(error, "message", None) or "declined"
        sentence = f"The card ({card.label}) was declined: {reason}"
        close(conn, actor, attempt, "failed", sentence)
        return Settled(status="failed", sentence=sentence)
    close(conn, actor, attempt, "canceled", f"Canceled at Stripe ({status}): nothing charged.")
    return Settled(status="canceled", sentence=_nothing(attempt))


def _nothing(attempt: Attempt) -> str:
    return (
        f"The card payment of {attempt.amount:,.2f} {attempt.currency} started by "
        f"{attempt.started_by} did not reach Stripe: nothing was charged."
    )


def _create(client: Any, attempt: Attempt, card: Card) -> Any:
    """The PaymentIntent, unconfirmed; sent again with the same key it is the same one."""
    params: dict[str, Any] = {
        "amount": to_minor_units(attempt.amount, exponent(attempt.currency)),
        "currency": attempt.currency.lower(),
        "payment_method": card.payment_method,
        "payment_method_types": ["card"],
        "description": f"Invoice {card.number}",
        "metadata": {"invoice_id": str(attempt.invoice_id), "attempt_id": str(attempt.id)},
    }
    if card.customer:
        params["customer"] = card.customer
    return call(
        lambda: client.v1.payment_intents.create(
            params=params, options={"idempotency_key": attempt.key}
        ),
        NOTHING_CHARGED,
    )


def _confirm(conn: Connection, client: Any, actor: Actor, attempt: Attempt, card: Card) -> Any:
    """Confirming is what charges the card; a decline is recorded on the invoice's history."""
    import stripe

    try:
        return call(
            lambda: client.v1.payment_intents.confirm(
                attempt.stripe_id,
                params={"payment_method": card.payment_method, "off_session": True},
                options={"idempotency_key": f"{attempt.key}-confirm"},
            ),
            CHARGE_UNANSWERED,
        )
    except stripe.CardError as exc:
        reason = exc.user_message or str(exc.code or "declined")
        sentence = f"The card ({card.label}) was declined: {reason}"
        if close(conn, actor, attempt, "failed", sentence):
            with tx(conn) as s:
                log_event(s, actor, attempt.invoice_id, "card_declined", f"{card.label}: {reason}")
        raise Conflict(sentence) from exc
    except StripeRefused as exc:
        if exc.code != "payment_intent_unexpected_state":
            raise
        return _retrieve(client, attempt)  # confirmed meanwhile: what is it now?


def _retrieve(client: Any, attempt: Attempt) -> Any:
    return call(lambda: client.v1.payment_intents.retrieve(attempt.stripe_id), CHARGE_UNANSWERED)


def _cancel(client: Any, attempt: Attempt) -> Any:
    """Cancels a PaymentIntent that was never confirmed, so it never can be; one that went
    through meanwhile cannot be canceled, and is what Stripe then says it is."""
    try:
        return call(
            lambda: client.v1.payment_intents.cancel(
                attempt.stripe_id, options={"idempotency_key": f"{attempt.key}-cancel"}
            ),
            CHARGE_UNANSWERED,
        )
    except StripeRefused as exc:
        if exc.code != "payment_intent_unexpected_state":
            raise
        return _retrieve(client, attempt)
