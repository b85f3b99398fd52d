"""Money: invoices, their lines, payments and saved payment methods."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Column,
    Computed,
    FetchedValue,
    ForeignKey,
    Index,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.schema import CheckConstraint

from studiosync_desktop.models.base import (
    Base,
    IdMixin,
    StudioOwnedMixin,
    TimestampMixin,
    one_of,
)
from studiosync_desktop.vocabulary import (
    INVOICE_STATUSES,
    PAYMENT_METHOD_TYPES,
    PAYMENT_METHODS,
    PAYMENT_STATUSES,
)

ONE_PAYER = "num_nonnulls(family_id, band_id, student_id) = 1"


class PayerMixin:
    """Exactly one payer: a family, a band or a student (checked by `ONE_PAYER`)."""

    family_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("families.id", ondelete="RESTRICT")
    )
    band_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("bands.id", ondelete="RESTRICT"))
    student_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("students.id", ondelete="RESTRICT")
    )


# The day an invoice is listed under: its issue date, a draft's creation day (UTC, so the
# expression can be indexed; the desk's connections use UTC).
INVOICE_DAY = "coalesce(issue_date, (created_at AT TIME ZONE 'UTC')::date)"


class Invoice(IdMixin, TimestampMixin, StudioOwnedMixin, PayerMixin, Base):
    """A bill to one payer. Drafts have no number; the number is assigned on sending."""

    __tablename__ = "invoices"

    invoice_number: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(10), server_default="draft")
    issue_date: Mapped[date | None]
    due_date: Mapped[date | None] = mapped_column(index=True)
    period_start: Mapped[date | None]
    period_end: Mapped[date | None]
    subtotal: Mapped[Decimal] = mapped_column(server_default=text("0"))
    discount: Mapped[Decimal] = mapped_column(server_default=text("0"))
    tax: Mapped[Decimal] = mapped_column(server_default=text("0"))
    late_fee: Mapped[Decimal] = mapped_column(server_default=text("0"))
    total: Mapped[Decimal] = mapped_column(server_default=text("0"))
    amount_paid: Mapped[Decimal] = mapped_column(server_default=text("0"))
    notes: Mapped[str] = mapped_column(Text, server_default="")
    void_reason: Mapped[str] = mapped_column(Text, server_default="")
    credit_note_for_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("invoices.id", ondelete="RESTRICT")
    )
    # The tax rate the invoice was written with: the totals trigger recomputes tax from it.
    tax_rate: Mapped[Decimal] = mapped_column(Numeric(5, 2), server_default=text("0"))
    sent_at: Mapped[datetime | None]
    voided_at: Mapped[datetime | None]
    # The Stripe Checkout Session paying the balance due, and its address (shown as a QR).
    pay_link_url: Mapped[str] = mapped_column(Text, server_default="")
    pay_link_session_id: Mapped[str] = mapped_column(String(255), server_default="")

    lines: Mapped[list[InvoiceLineItem]] = relationship(
        back_populates="invoice", order_by="InvoiceLineItem.position"
    )
    payments: Mapped[list[Payment]] = relationship(back_populates="invoice")

    __table_args__ = (
        CheckConstraint(one_of("status", INVOICE_STATUSES), name="status_allowed"),
        CheckConstraint(ONE_PAYER, name="one_payer"),
        CheckConstraint("amount_paid >= 0", name="amount_paid_not_negative"),
        CheckConstraint("discount >= 0 AND late_fee >= 0", name="discount_fee_not_negative"),
        CheckConstraint("tax_rate BETWEEN 0 AND 100", name="tax_rate_0_to_100"),
        CheckConstraint("amount_paid <= greatest(total, 0)", name="not_overpaid"),
        CheckConstraint("total = subtotal - discount + tax + late_fee", name="total_adds_up"),
        CheckConstraint("status = 'draft' OR invoice_number IS NOT NULL", name="issued_has_number"),
        CheckConstraint(
            "due_date IS NULL OR issue_date IS NULL OR due_date >= issue_date",
            name="due_after_issue",
        ),
        CheckConstraint(
            "period_end IS NULL OR period_start IS NULL OR period_end >= period_start",
            name="period_end_after_start",
        ),
        UniqueConstraint("studio_id", "invoice_number"),
        Index("ix_invoices_band_id_status", "band_id", "status"),
        Index("ix_invoices_family_id_status", "family_id", "status"),
        Index("ix_invoices_student_id_status", "student_id", "status"),
        # The Invoices tab's order, newest first (services/billing.py `invoice_day`): its first
        # page and each "Show more" read 201 index entries instead of sorting every invoice.
        Index("ix_invoices_studio_id_day_id", "studio_id", text(INVOICE_DAY), "id"),
    )

    def balance_due(self) -> Decimal:
        return self.total - self.amount_paid

    def is_overdue(self, today: date) -> bool:
        return (
            self.status in ("sent", "partial")
            and self.balance_due() > 0
            and self.due_date is not None
            and self.due_date < today
        )


class InvoiceLineItem(IdMixin, TimestampMixin, StudioOwnedMixin, Base):
    """One line; `total_price` is computed by the database as quantity x unit_price."""

    __tablename__ = "invoice_line_items"

    invoice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(server_default=text("0"))
    description: Mapped[str] = mapped_column(String(300))
    quantity: Mapped[int] = mapped_column(server_default=text("1"))
    unit_price: Mapped[Decimal]
    total_price: Mapped[Decimal] = mapped_column(Computed("quantity * unit_price", persisted=True))
    is_taxable: Mapped[bool] = mapped_column(server_default=text("false"))
    lesson_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("lessons.id", ondelete="RESTRICT"), index=True
    )
    reservation_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("room_reservations.id", ondelete="RESTRICT"), index=True
    )
    # The lesson / reservation while the invoice is not void (a trigger keeps them): unique, so
    # the database bills a lesson at most once, and a void invoice's lessons may be billed again.
    billed_lesson_id: Mapped[uuid.UUID | None] = mapped_column(
        unique=True, server_default=FetchedValue(), server_onupdate=FetchedValue()
    )
    billed_reservation_id: Mapped[uuid.UUID | None] = mapped_column(
        unique=True, server_default=FetchedValue(), server_onupdate=FetchedValue()
    )
    # A lesson line's teacher and student's instrument, recorded by the database from the
    # lesson (a lesson given to another teacher takes its lines along): what revenue by
    # teacher or instrument adds up without a join through lessons (0038).
    teacher_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("teachers.id"), server_default=FetchedValue(), server_onupdate=FetchedValue()
    )
    instrument: Mapped[str | None] = mapped_column(
        String(100), server_default=FetchedValue(), server_onupdate=FetchedValue()
    )

    invoice: Mapped[Invoice] = relationship(back_populates="lines")

    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        # An invoice's lines, with what sharing its money needs (an index-only read).
        Index(
            "ix_invoice_line_items_invoice_keys",
            "invoice_id",
            "teacher_id",
            postgresql_include=["instrument", "lesson_id", "total_price"],
        ),
    )


# What sharing an invoice's money among its teachers (or instruments) needs, kept by the
# database from the invoice's lines on every change of them (0052): one row per part (the
# lines of one teacher, or of one instrument: `share_by`), with the invoice's line total (`whole`)
# and the key of its largest part, which takes the rounding (ties by key). A report joins each
# payment to one or two rows instead of grouping and ranking the lines of every invoice paid.
SHARE_BY = ("teacher", "instrument")
invoice_shares = Table(
    "invoice_shares",
    Base.metadata,
    Column("id", UUID(as_uuid=True), primary_key=True, server_default=func.gen_random_uuid()),
    Column("studio_id", ForeignKey("studios.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("invoice_id", ForeignKey("invoices.id", ondelete="CASCADE"), nullable=False),
    Column("share_by", String(10), nullable=False),
    Column("teacher_id", UUID(as_uuid=True)),
    Column("instrument", String(100)),
    Column("part", Numeric, nullable=False),
    Column("whole", Numeric, nullable=False),
    Column("largest", Boolean, nullable=False),
    Column("largest_teacher_id", UUID(as_uuid=True)),
    Column("largest_instrument", String(100)),
    CheckConstraint(one_of("share_by", SHARE_BY), name="share_by_allowed"),
    CheckConstraint(
        "share_by = 'teacher' OR (teacher_id IS NULL AND largest_teacher_id IS NULL)",
        name="teacher_key_by_teacher",
    ),
    CheckConstraint(
        "share_by = 'instrument' OR (instrument IS NULL AND largest_instrument IS NULL)",
        name="instrument_key_by_instrument",
    ),
    UniqueConstraint(
        "invoice_id", "share_by", "teacher_id", "instrument", postgresql_nulls_not_distinct=True
    ),
)


class Payment(IdMixin, TimestampMixin, StudioOwnedMixin, Base):
    __tablename__ = "payments"

    invoice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("invoices.id", ondelete="RESTRICT"))
    amount: Mapped[Decimal]
    refunded_amount: Mapped[Decimal] = mapped_column(server_default=text("0"))
    payment_method: Mapped[str] = mapped_column(String(20))
    transaction_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    status: Mapped[str] = mapped_column(String(20), server_default="completed")
    notes: Mapped[str] = mapped_column(Text, server_default="")
    processed_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    processed_at: Mapped[datetime | None]
    refunded_at: Mapped[datetime | None]

    invoice: Mapped[Invoice] = relationship(back_populates="payments")

    __table_args__ = (
        CheckConstraint(one_of("payment_method", PAYMENT_METHODS), name="method_allowed"),
        CheckConstraint(one_of("status", PAYMENT_STATUSES), name="status_allowed"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("refunded_amount BETWEEN 0 AND amount", name="refund_within_amount"),
        Index("ix_payments_invoice_id_status", "invoice_id", "status"),
    )


class PaymentMethod(IdMixin, TimestampMixin, StudioOwnedMixin, PayerMixin, Base):
    """A saved card or bank account: only Stripe's reference, the brand and the last four."""

    __tablename__ = "payment_methods"

    payment_type: Mapped[str] = mapped_column(String(20), server_default="card")
    brand: Mapped[str] = mapped_column(String(30), server_default="")
    last_four: Mapped[str] = mapped_column(String(4))
    stripe_payment_method_id: Mapped[str] = mapped_column(String(255), unique=True)
    stripe_customer_id: Mapped[str] = mapped_column(String(255), server_default="")
    is_default: Mapped[bool] = mapped_column(server_default=text("false"))
    is_active: Mapped[bool] = mapped_column(server_default=text("true"))

    __table_args__ = (
        CheckConstraint(one_of("payment_type", PAYMENT_METHOD_TYPES), name="type_allowed"),
        CheckConstraint(ONE_PAYER, name="one_payer"),
        CheckConstraint("last_four ~ '^[0-9]{4}$'", name="last_four_digits"),
    )


class InvoiceNumberCounter(Base):
    """The last invoice number issued per studio and year: locked (FOR UPDATE) while issuing,
    so numbers have no gaps and no repeats whichever desk issues; a rollback gives it back."""

    __tablename__ = "invoice_number_counters"

    studio_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("studios.id", ondelete="CASCADE"), primary_key=True
    )
    year: Mapped[int] = mapped_column(primary_key=True)
    last_number: Mapped[int] = mapped_column(server_default=text("0"))

    __table_args__ = (CheckConstraint("last_number >= 0", name="last_number_not_negative"),)


class AccountCredit(IdMixin, StudioOwnedMixin, PayerMixin, Base):
    """A payer's account credit ledger: + an overpayment or a credit note, - credit applied."""

    __tablename__ = "account_credits"

    amount: Mapped[Decimal]
    invoice_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("invoices.id", ondelete="RESTRICT"), index=True
    )
    payment_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("payments.id", ondelete="RESTRICT"), index=True
    )
    note: Mapped[str] = mapped_column(Text, server_default="")
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    __table_args__ = (
        CheckConstraint(ONE_PAYER, name="one_payer"),
        CheckConstraint("amount <> 0", name="amount_not_zero"),
        Index("ix_account_credits_payer", "family_id", "band_id", "student_id"),
    )


class InvoiceEvent(IdMixin, StudioOwnedMixin, Base):
    """The history of an invoice: created, lines changed, sent, paid, refunded, voided."""

    __tablename__ = "invoice_events"

    invoice_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("invoices.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(30))
    detail: Mapped[str] = mapped_column(Text, server_default="")
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(server_default=func.now())
