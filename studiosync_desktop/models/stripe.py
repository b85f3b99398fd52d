"""Stripe attempts: each card charge, pay link and refund, written down before Stripe is asked."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.schema import CheckConstraint

from studiosync_desktop.models.base import Base, IdMixin, StudioOwnedMixin, TimestampMixin, one_of

ATTEMPT_KINDS = ("charge", "pay_link", "refund")
# open: Stripe may have done it or may still do it; the rest are settled for good.
ATTEMPT_STATUSES = ("open", "succeeded", "failed", "canceled", "expired")


def _open(kind: str) -> object:
    return text(f"kind = '{kind}' AND status = 'open'")


class StripeAttempt(IdMixin, TimestampMixin, StudioOwnedMixin, Base):
    """One request that moves money through Stripe. The row is committed under the invoice's
    lock before Stripe is called; its id makes the idempotency keys, so every retry of it is
    the same request to Stripe, and while it is open nobody starts another of its kind on the
    invoice (or, for a refund, on the payment). An open row left behind (the app closed, the
    reply lost) is settled later by asking Stripe what happened."""

    __tablename__ = "stripe_attempts"

    invoice_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("invoices.id", ondelete="RESTRICT"), index=True
    )
    kind: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10), server_default="open")
    amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3))
    # The saved card a charge uses.
    payment_method_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("payment_methods.id", ondelete="RESTRICT")
    )
    # A refund's payment; for a charge or a pay link, the payment it recorded.
    payment_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("payments.id", ondelete="RESTRICT"), index=True
    )
    # Stripe's PaymentIntent, Checkout Session or Refund, once Stripe has named it.
    stripe_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    reason: Mapped[str] = mapped_column(Text, server_default="")
    outcome: Mapped[str] = mapped_column(Text, server_default="")
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    settled_at: Mapped[datetime | None]

    __table_args__ = (
        CheckConstraint(one_of("kind", ATTEMPT_KINDS), name="kind_allowed"),
        CheckConstraint(one_of("status", ATTEMPT_STATUSES), name="status_allowed"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("(status = 'open') = (settled_at IS NULL)", name="settled_when_closed"),
        CheckConstraint("kind <> 'charge' OR payment_method_id IS NOT NULL", name="charge_card"),
        CheckConstraint("kind <> 'refund' OR payment_id IS NOT NULL", name="refund_payment"),
        # At most one card charge open per invoice, one pay link per invoice and balance,
        # one refund per payment: what makes "charged once" true under concurrency.
        Index(
            "uq_stripe_attempts_open_charge",
            "invoice_id",
            unique=True,
            postgresql_where=_open("charge"),
        ),
        Index(
            "uq_stripe_attempts_open_pay_link",
            "invoice_id",
            "amount",
            unique=True,
            postgresql_where=_open("pay_link"),
        ),
        Index(
            "uq_stripe_attempts_open_refund",
            "payment_id",
            unique=True,
            postgresql_where=_open("refund"),
        ),
    )
