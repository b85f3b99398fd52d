"""Refunding a Stripe payment, once: an attempt row with its own idempotency key, written before
Stripe is asked; a refund whose answer was lost is found at Stripe by that attempt's id."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from studiosync_desktop.db import Database
from studiosync_desktop.errors import Conflict, DatabaseUnavailable, NotFound, ValidationFailed
from studiosync_desktop.models import Invoice, Payment, StripeAttempt
from studiosync_desktop.money import to_minor_units
from studiosync_desktop.schemas.billing import RefundCreate
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services.ledger import lock_payment, refund_locked
from studiosync_desktop.services.stripe_attempts import (
    Attempt,
    Settled,
    begin,
    close,
    held_connection,
    set_stripe_id,
    settle_row,
    studio_currency,
    tx,
)
from studiosync_desktop.services.stripe_client import (
    DATABASE_LOST_REFUNDING,
    REFUND_UNANSWERED,
    StripeUnreachable,
    call,
    exponent,
)


def refund(
    db: Database, client: Any, actor: Actor, payment_id: uuid.UUID, req: RefundCreate
) -> str:
    """Refunds all or part of a Stripe payment through Stripe, then records it; returns what
    happened. An open refund of the payment (an earlier press whose answer was lost) is looked
    up at Stripe first: made, it is recorded and nothing more is refunded."""
    with db.read_session() as s:
        invoice_id = s.scalar(
            select(Payment.invoice_id).where(
                Payment.id == payment_id, Payment.studio_id == actor.studio_id
            )
        )
    if invoice_id is None:
        raise NotFound("This payment no longer exists.")
    for _ in range(2):
        with held_connection(db) as conn:
            start, same = _Start(payment_id, req), False
            attempt, is_new = begin(conn, actor, invoice_id, "refund", start.find, start.new)
            try:  # the attempt is written: from here Stripe may be asked
                if is_new:
                    settled = _refund_new(conn, client, actor, attempt, start.reference)
                    settled = settled.model_copy(update={"earlier": False})
                else:
                    same = attempt.amount == req.amount
                    settled = settle(conn, client, actor, attempt, resume=same)
            except DatabaseUnavailable as exc:
                raise DatabaseUnavailable(DATABASE_LOST_REFUNDING) from exc
        if settled.status == "succeeded" and not settled.earlier:
            return settled.sentence
        if settled.status == "succeeded":
            return (
                f"The earlier refund of {attempt.amount:,.2f} {attempt.currency} went through at "
                "Stripe and is now recorded. Nothing more was refunded: check the balance and "
                "refund again if more is due."
            )
        if settled.status == "open":
            raise StripeUnreachable(REFUND_UNANSWERED)
        if is_new or same:
            raise Conflict(settled.sentence)
    raise Conflict("Another desk refunded this payment at the same moment. Look at it again.")


class _Start:
    """Under the invoice's lock, then the payment's: what may still be refunded."""

    def __init__(self, payment_id: uuid.UUID, req: RefundCreate) -> None:
        self.payment_id, self.req = payment_id, req
        self.reference = ""
        self.currency = ""

    def find(self, s: Session, inv: Invoice) -> StripeAttempt | None:
        payment = s.scalars(
            select(Payment).where(Payment.id == self.payment_id).with_for_update()
        ).one()
        if payment.payment_method != "stripe" or not payment.transaction_id:
            raise Conflict("Only a Stripe payment is refunded through Stripe.")
        self.reference, self.currency = payment.transaction_id, studio_currency(s, inv.studio_id)
        open_refund = s.scalars(
            select(StripeAttempt).where(
                StripeAttempt.payment_id == payment.id,
                StripeAttempt.kind == "refund",
                StripeAttempt.status == "open",
            )
        ).one_or_none()
        refundable = payment.amount - payment.refunded_amount
        if open_refund is None and self.req.amount > refundable:
            raise ValidationFailed(
                {"amount": f"At most {refundable:,.2f} of this payment can still be refunded."}
            )
        return open_refund

    def new(self, _s: Session, _inv: Invoice) -> dict[str, Any]:
        return {
            "amount": self.req.amount,
            "currency": self.currency,
            "payment_id": self.payment_id,
            "reason": self.req.reason,
        }


def _refund_new(
    conn: Connection, client: Any, actor: Actor, attempt: Attempt, reference: str
) -> Settled:
    try:
        made = _create(client, attempt, reference)
    except Conflict as exc:  # Stripe said no (already refunded, say): nothing happened
        close(conn, actor, attempt, "failed", str(exc))
        raise
    attempt = set_stripe_id(conn, actor, attempt, made.id)
    return _settle_refund(conn, actor, attempt, made)


def settle(
    conn: Connection, client: Any, actor: Actor, attempt: Attempt, *, resume: bool
) -> Settled:
    """Asks Stripe about an open refund (by its id, or by the attempt's id in the refunds of
    the payment) and settles the row. Not found: with `resume` (the same refund pressed again)
    it is sent again with the same key; without, it never reached Stripe and is closed."""
    reference = _reference(conn, attempt)
    made = _retrieve(client, attempt) if attempt.stripe_id else _find(client, attempt, reference)
    if made is None:
        if not resume:
            close(conn, actor, attempt, "canceled", "Never reached Stripe: nothing refunded.")
            return Settled(
                status="canceled",
                sentence=f"The refund of {attempt.amount:,.2f} {attempt.currency} started by "
                f"{attempt.started_by} did not reach Stripe: nothing was refunded.",
            )
        made = _create(client, attempt, reference)
        attempt = set_stripe_id(conn, actor, attempt, made.id)
        return _settle_refund(conn, actor, attempt, made).model_copy(update={"earlier": False})
    if attempt.stripe_id is None:
        attempt = set_stripe_id(conn, actor, attempt, made.id)
    return _settle_refund(conn, actor, attempt, made)


def _settle_refund(conn: Connection, actor: Actor, attempt: Attempt, made: Any) -> Settled:
    amount = f"{attempt.amount:,.2f} {attempt.currency}"
    if made.status in ("succeeded", "pending"):
        done = record_refund(conn, actor, attempt)
        return Settled(
            status="succeeded",
            sentence=done or f"The refund of {amount} was recorded already.",
            amount=attempt.amount,
        )
    if made.status in ("failed", "canceled"):
        reason = getattr(made, "failure_reason", None) or made.status
        sentence = f"Stripe could not refund {amount}: {str(reason).replace('_', ' ')}."
        close(conn, actor, attempt, "failed", sentence)
        return Settled(status="failed", sentence=sentence)
    return Settled(status="open", sentence=REFUND_UNANSWERED)


def record_refund(conn: Connection, actor: Actor, attempt: Attempt) -> str | None:
    """Records a refund Stripe made, once (the attempt row, locked, says whether it is).
    Locks in the billing order: the invoice, its payment, then the attempt row."""
    with tx(conn) as s:
        assert attempt.payment_id is not None  # a refund attempt always names its payment
        inv, payment = lock_payment(s, actor, attempt.payment_id)
        row = s.scalars(
            select(StripeAttempt).where(StripeAttempt.id == attempt.id).with_for_update()
        ).one()
        if row.status != "open":
            return None
        req = RefundCreate(amount=attempt.amount, reason=attempt.reason)
        refund_locked(s, actor, inv, payment, req)
        settle_row(row, "succeeded", f"Refunded at Stripe ({row.stripe_id})")
        return f"Refunded {attempt.amount:,.2f} {attempt.currency} through Stripe."


def _reference(conn: Connection, attempt: Attempt) -> str:
    with tx(conn) as s:
        reference = s.scalar(select(Payment.transaction_id).where(Payment.id == attempt.payment_id))
    return reference or ""


def _create(client: Any, attempt: Attempt, reference: str) -> Any:
    return call(
        lambda: client.v1.refunds.create(
            params={
                "payment_intent": reference,
                "amount": to_minor_units(attempt.amount, exponent(attempt.currency)),
                "metadata": {"attempt_id": str(attempt.id)},
            },
            options={"idempotency_key": attempt.key},
        ),
        REFUND_UNANSWERED,
    )


def _retrieve(client: Any, attempt: Attempt) -> Any:
    return call(lambda: client.v1.refunds.retrieve(attempt.stripe_id), REFUND_UNANSWERED)


def _find(client: Any, attempt: Attempt, reference: str) -> Any:
    """The refund this attempt made, among the payment's refunds at Stripe, or None."""
    page = call(
        lambda: client.v1.refunds.list(params={"payment_intent": reference, "limit": 100}),
        REFUND_UNANSWERED,
    )
    for made in page.data:
        metadata = made.metadata.to_dict() if made.metadata else {}
        if metadata.get("attempt_id") == str(attempt.id):
            return made
    return None
