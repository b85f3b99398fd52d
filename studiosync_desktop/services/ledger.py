"""The ledger both invoicing and payments write to: who pays, what happened to an invoice,
the payer's account credit, and the one refund path (a desk's or Stripe's).

Locks are taken in the billing lock order of `billing_locks` (the invoice, its payment, the
payer); `lock_payment` takes the first two for a refund."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from studiosync_desktop.errors import Conflict, NotFound, ValidationFailed
from studiosync_desktop.models import AccountCredit, Invoice, InvoiceEvent, Payment
from studiosync_desktop.schemas.billing import Payer, RefundCreate
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services.billing_locks import lock_invoice, lock_payer
from studiosync_desktop.services.invoice_details import payer_of


def payer_columns(payer: Payer) -> dict[str, uuid.UUID | None]:
    """The three payer columns of a row that belongs to `payer` (two of them empty)."""
    return {
        "family_id": payer.id if payer.kind == "family" else None,
        "band_id": payer.id if payer.kind == "band" else None,
        "student_id": payer.id if payer.kind == "student" else None,
    }


def payer_is(model: Any, payer: Payer) -> Any:
    """Rows of `model` (any table with one payer) that belong to `payer` (the ONE_PAYER
    check keeps the other two payer columns empty)."""
    return getattr(model, f"{payer.kind}_id") == payer.id


def label(inv: Invoice) -> str:
    """How a sentence names the invoice: its number, or "this draft"."""
    return inv.invoice_number or "this draft"


def log_event(s: Session, actor: Actor, invoice_id: uuid.UUID, kind: str, detail: str) -> None:
    """A line in the invoice's history (sent, paid, refunded, voided...)."""
    s.add(
        InvoiceEvent(
            studio_id=actor.studio_id,
            invoice_id=invoice_id,
            kind=kind,
            detail=detail,
            actor_id=actor.user_id,
        )
    )


def credit_balance(s: Session, payer: Payer) -> Decimal:
    """The payer's account credit: the sum of its credit rows."""
    value = s.scalar(
        select(func.coalesce(func.sum(AccountCredit.amount), 0)).where(
            payer_is(AccountCredit, payer)
        )
    )
    return Decimal(value or 0)


def add_credit(
    s: Session,
    actor: Actor,
    payer: Payer,
    amount: Decimal,
    invoice_id: uuid.UUID | None,
    payment_id: uuid.UUID | None,
    note: str,
) -> None:
    """Adds to the payer's account credit (the payer's row locked first: the lock order)."""
    lock_payer(s, payer)
    s.add(
        AccountCredit(
            studio_id=actor.studio_id,
            amount=amount,
            invoice_id=invoice_id,
            payment_id=payment_id,
            note=note,
            created_by_id=actor.user_id,
            **payer_columns(payer),
        )
    )
    s.flush()


def apply_credit_in(s: Session, actor: Actor, inv: Invoice) -> Decimal:
    """Pays what it can of a locked invoice from its payer's account credit; returns that."""
    payer = payer_of(inv)
    lock_payer(s, payer)
    available = credit_balance(s, payer)
    amount = min(available, inv.total - inv.amount_paid)
    if amount <= 0:
        return Decimal(0)
    pay = Payment(
        studio_id=actor.studio_id,
        invoice_id=inv.id,
        amount=amount,
        payment_method="account_credit",
        status="completed",
        processed_by_id=actor.user_id,
        processed_at=func.now(),
        notes="Paid from account credit",
    )
    s.add(pay)
    s.flush()
    s.add(
        AccountCredit(
            studio_id=actor.studio_id,
            amount=-amount,
            invoice_id=inv.id,
            payment_id=pay.id,
            note=f"Applied to {label(inv)}",
            created_by_id=actor.user_id,
            **payer_columns(payer),
        )
    )
    s.flush()
    log_event(s, actor, inv.id, "payment", f"{amount:,.2f} from account credit")
    s.refresh(inv)
    return amount


def lock_payment(s: Session, actor: Actor, payment_id: uuid.UUID) -> tuple[Invoice, Payment]:
    """A payment and its invoice, locked in the billing order: the invoice, then the payment."""
    invoice_id = s.scalar(
        select(Payment.invoice_id).where(
            Payment.id == payment_id, Payment.studio_id == actor.studio_id
        )
    )
    if invoice_id is None:
        raise NotFound("This payment no longer exists.")
    inv = lock_invoice(s, actor, invoice_id)
    payment = s.scalars(select(Payment).where(Payment.id == payment_id).with_for_update()).one()
    return inv, payment


def refund_locked(
    s: Session, actor: Actor, inv: Invoice, payment: Payment, req: RefundCreate
) -> None:
    """Refunds part or all of a locked payment of a locked invoice (`lock_payment`): the desk's
    refund and a refund Stripe made both end here."""
    if payment.status == "failed":
        raise Conflict("A failed payment took no money, so there is nothing to refund.")
    refundable = payment.amount - payment.refunded_amount
    if req.amount > refundable:
        raise ValidationFailed(
            {"amount": f"At most {refundable:,.2f} of this payment can still be refunded."}
        )
    payment.refunded_amount = payment.refunded_amount + req.amount
    payment.status = (
        "refunded" if payment.refunded_amount == payment.amount else "partially_refunded"
    )
    payment.refunded_at = func.now()
    if req.reason:
        payment.notes = f"{payment.notes} Refund: {req.reason}".strip()
    s.flush()
    if payment.payment_method == "account_credit":
        # Credit that paid the invoice goes back to the payer's account.
        add_credit(
            s, actor, payer_of(inv), req.amount, inv.id, payment.id, f"Refund on {label(inv)}"
        )
    log_event(s, actor, inv.id, "refund", f"{req.amount:,.2f} refunded. {req.reason}".strip())
