"""Payments: record at the desk, refund, account credit, and the end-of-day close."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, select

from studiosync_desktop.db import Database
from studiosync_desktop.errors import Conflict, ValidationFailed
from studiosync_desktop.models import (
    AccountCredit,
    Payment,
    Studio,
    User,
)
from studiosync_desktop.schemas.billing import (
    DayClose,
    MethodTotal,
    Payer,
    PaymentCreate,
    RefundCreate,
    StaffTotal,
)
from studiosync_desktop.schemas.common import Actor, parse_input
from studiosync_desktop.services.billing_locks import lock_invoice
from studiosync_desktop.services.invoice_details import payer_of, payment_rows
from studiosync_desktop.services.ledger import (
    add_credit,
    apply_credit_in,
    credit_balance,
    label,
    lock_payment,
    log_event,
    refund_locked,
)
from studiosync_desktop.services.permissions import require
from studiosync_desktop.services.reading import full_name, local_day_bounds, studio_zone
from studiosync_desktop.services.unit_of_work import unit_of_work

COUNTED = ("completed", "partially_refunded", "refunded")


class PaymentService:
    def __init__(self, db: Database) -> None:
        self._db = db

    @unit_of_work
    def record(
        self, actor: Actor, invoice_id: uuid.UUID, data: PaymentCreate | dict[str, Any]
    ) -> uuid.UUID:
        """A desk payment. The invoice row is locked, so two desks can't overpay it; an amount
        above the balance is refused (with the balance) unless the rest is kept as credit."""
        require(actor, "billing")
        pay = parse_input(PaymentCreate, data)
        with self._db.session() as s:
            inv = lock_invoice(s, actor, invoice_id)
            if inv.status == "draft":
                raise Conflict("Send this draft first: payments go against a sent invoice.")
            if inv.status == "void":
                raise Conflict(f"{label(inv)} is void and takes no payments.")
            balance = inv.total - inv.amount_paid
            if balance <= 0:
                raise Conflict(f"{label(inv)} is already paid in full.")
            if pay.amount > balance and not pay.excess_as_credit:
                raise ValidationFailed(
                    {
                        "amount": f"The balance due on {label(inv)} is {balance:,.2f}. "
                        "Take at most that, or keep the rest as account credit."
                    }
                )
            applied = min(pay.amount, balance)
            notes = " ".join(p for p in (pay.reference and f"Ref {pay.reference}.", pay.notes) if p)
            row = Payment(
                studio_id=actor.studio_id,
                invoice_id=inv.id,
                amount=applied,
                payment_method=pay.method,
                status="completed",
                notes=notes,
                processed_by_id=actor.user_id,
                processed_at=func.now(),
            )
            s.add(row)
            s.flush()
            detail = f"{applied:,.2f} by {pay.method.replace('_', ' ')}"
            if pay.amount > applied:
                excess = pay.amount - applied
                add_credit(
                    s, actor, payer_of(inv), excess, inv.id, row.id, f"Overpayment of {label(inv)}"
                )
                detail += f"; {excess:,.2f} kept as account credit"
            log_event(s, actor, inv.id, "payment", detail)
            return row.id

    @unit_of_work
    def apply_credit(self, actor: Actor, invoice_id: uuid.UUID) -> Decimal:
        """Pays the invoice from the payer's account credit, as far as it goes."""
        require(actor, "billing")
        with self._db.session() as s:
            inv = lock_invoice(s, actor, invoice_id)
            if inv.status not in ("sent", "partial"):
                raise Conflict(f"{label(inv)} has no balance that credit could pay.")
            amount = apply_credit_in(s, actor, inv)
            if amount <= 0:
                raise Conflict("This payer has no account credit.")
            return amount

    def refund(
        self, actor: Actor, payment_id: uuid.UUID, data: RefundCreate | dict[str, Any]
    ) -> None:
        """Refunds all or part of a desk payment; the invoice's status follows (paid -> partial).
        Stripe payments are refunded through Stripe (StripePayments.refund)."""
        require(actor, "billing")
        req = parse_input(RefundCreate, data)
        with self._db.session() as s:
            inv, payment = lock_payment(s, actor, payment_id)
            if payment.payment_method == "stripe":
                raise Conflict(
                    "A Stripe payment is refunded through Stripe: use Refund via Stripe."
                )
            refund_locked(s, actor, inv, payment, req)

    def account_credit(self, actor: Actor, payer: Payer) -> Decimal:
        require(actor, "billing")
        with self._db.read_session() as s:
            return credit_balance(s, payer)

    def day_close(self, actor: Actor, day: date) -> DayClose:
        """The day's payments (in the studio's time zone) by method and by staff member."""
        require(actor, "billing")
        with self._db.read_session() as s:
            zone = studio_zone(s, actor)
            starts, ends = local_day_bounds(zone, day)
            cur = s.scalar(select(Studio.currency).where(Studio.id == actor.studio_id)) or "USD"
            # Money taken today: payments processed today (with any overpayment kept as credit).
            excess = (
                select(func.coalesce(func.sum(AccountCredit.amount), 0))
                .where(AccountCredit.payment_id == Payment.id, AccountCredit.amount > 0)
                .correlate(Payment)
                .scalar_subquery()
            )
            taken = and_(
                Payment.studio_id == actor.studio_id,
                Payment.processed_at >= starts,
                Payment.processed_at < ends,
                Payment.status.in_(COUNTED),
                Payment.payment_method != "account_credit",
            )
            received = s.execute(
                select(
                    Payment.payment_method,
                    func.count(),
                    func.sum(Payment.amount + excess),
                )
                .where(taken)
                .group_by(Payment.payment_method)
            ).all()
            refunded = s.execute(
                select(Payment.payment_method, func.sum(Payment.refunded_amount))
                .where(
                    Payment.studio_id == actor.studio_id,
                    Payment.refunded_at >= starts,
                    Payment.refunded_at < ends,
                    Payment.payment_method != "account_credit",
                )
                .group_by(Payment.payment_method)
            ).all()
            refunds = {m: Decimal(a or 0) for m, a in refunded}
            got = {m: (int(n), Decimal(a or 0)) for m, n, a in received}
            by_method = tuple(
                MethodTotal(
                    method=m,
                    count=got.get(m, (0, Decimal(0)))[0],
                    received=got.get(m, (0, Decimal(0)))[1],
                    refunded=refunds.get(m, Decimal(0)),
                )
                for m in sorted(set(got) | set(refunds))
            )
            staff = s.execute(
                select(
                    func.coalesce(full_name(User.first_name, User.last_name), "Unknown"),
                    func.count(),
                    func.sum(Payment.amount + excess),
                )
                .outerjoin(User, User.id == Payment.processed_by_id)
                .where(taken)
                .group_by(User.first_name, User.last_name)
                .order_by(User.first_name, User.last_name)
            ).all()
            return DayClose(
                day=day,
                currency=cur,
                by_method=by_method,
                by_staff=tuple(
                    StaffTotal(name=n or "Unknown", count=int(c), received=Decimal(a or 0))
                    for n, c, a in staff
                ),
                payments=payment_rows(s, taken),
            )
