"""Billing DTOs: what the invoice screens, dialogs, PDFs and the CLI send and receive."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import Field, field_validator

from studiosync_desktop import limits
from studiosync_desktop.money import round_cents
from studiosync_desktop.schemas.common import Frozen, Input
from studiosync_desktop.schemas.rows import PayerKind

# What a desk records by hand; 'stripe' and 'account_credit' are recorded by the app itself.
DESK_METHODS = ("cash", "check", "card", "bank_transfer")
MAX_AMOUNT = limits.MAX_AMOUNT


def _cents(value: Decimal) -> Decimal:
    if value != round_cents(value):
        raise ValueError("Use at most two decimals (cents)")
    return value


class Payer(Frozen):
    kind: PayerKind
    id: uuid.UUID
    name: str = ""


# --- editing and life cycle ---------------------------------------------------------------


class LineCreate(Input):
    """A line added by hand to a draft: a book, an instrument rental, room time."""

    description: str = Field(min_length=1, max_length=300)
    quantity: int = Field(default=1, ge=1, le=limits.MAX_QUANTITY)
    unit_price: Decimal = Field(ge=-MAX_AMOUNT, le=MAX_AMOUNT)
    is_taxable: bool = False

    _c = field_validator("unit_price")(_cents)


class DraftTerms(Input):
    """The editable money terms of a draft: tax rate, discount, late fee and notes."""

    tax_rate_percent: Decimal = Field(ge=0, le=100, decimal_places=2)
    discount: Decimal = Field(default=Decimal("0"), ge=0, le=MAX_AMOUNT)
    notes: str = Field(default="", max_length=2000)

    _c = field_validator("discount")(_cents)


class VoidRequest(Input):
    reason: str = Field(min_length=3, max_length=500)


class CreditNoteRequest(Input):
    """A correction after sending: a negative invoice for `amount`, referring to the original."""

    amount: Decimal = Field(gt=0, le=MAX_AMOUNT)
    reason: str = Field(min_length=3, max_length=300)

    _c = field_validator("amount")(_cents)


# --- payments -------------------------------------------------------------------------------


class PaymentCreate(Input):
    amount: Decimal = Field(gt=0, le=MAX_AMOUNT)
    method: Literal["cash", "check", "card", "bank_transfer"] = "cash"
    reference: str = Field(default="", max_length=255)
    notes: str = Field(default="", max_length=1000)
    # Above the balance due: keep the rest as account credit for the payer (else refused).
    excess_as_credit: bool = False

    _c = field_validator("amount")(_cents)


class RefundCreate(Input):
    amount: Decimal = Field(gt=0, le=MAX_AMOUNT)
    reason: str = Field(default="", max_length=500)

    _c = field_validator("amount")(_cents)


# --- reads ----------------------------------------------------------------------------------


class LineRow(Frozen):
    id: uuid.UUID
    position: int
    description: str
    quantity: int
    unit_price: Decimal
    total: Decimal
    is_taxable: bool
    lesson_id: uuid.UUID | None


class PaymentRow(Frozen):
    id: uuid.UUID
    invoice_id: uuid.UUID
    amount: Decimal
    refunded_amount: Decimal
    method: str
    status: str
    transaction_id: str | None
    notes: str
    processed_by: str
    processed_at: datetime | None

    @property
    def refundable(self) -> Decimal:
        return self.amount - self.refunded_amount if self.status != "failed" else Decimal(0)


class EventRow(Frozen):
    at: datetime
    kind: str
    detail: str
    actor_name: str


class InvoiceDetail(Frozen):
    """One invoice with everything its detail pane and its PDF show."""

    id: uuid.UUID
    number: str | None
    status: str
    is_overdue: bool
    payer: Payer
    billing_email: str
    billing_address: str
    issue_date: date | None
    due_date: date | None
    period_start: date | None
    period_end: date | None
    subtotal: Decimal
    discount: Decimal
    tax_rate_percent: Decimal
    tax: Decimal
    late_fee: Decimal
    total: Decimal
    amount_paid: Decimal
    balance: Decimal
    notes: str
    void_reason: str
    credit_note_for: str | None
    pay_link_url: str
    lines: tuple[LineRow, ...]
    payments: tuple[PaymentRow, ...]
    events: tuple[EventRow, ...]
    account_credit: Decimal
    currency: str

    @property
    def is_draft(self) -> bool:
        return self.status == "draft"


class StudioLetterhead(Frozen):
    """What a printed page says about the studio."""

    name: str
    address_lines: tuple[str, ...]
    email: str
    phone: str
    website: str
    logo: bytes | None
    currency: str
    locale: str
    timezone: str
    theme_color: str
    payment_instructions: str


class PreviewRow(Frozen):
    payer: Payer
    lesson_count: int
    subtotal: Decimal
    discount: Decimal
    tax: Decimal
    total: Decimal
    adds_to_draft: bool


class GenerationPreview(Frozen):
    """What 'Generate invoices' would write, before anything is written."""

    period_start: date
    period_end: date
    policy: str
    rows: tuple[PreviewRow, ...]

    @property
    def invoice_count(self) -> int:
        return len(self.rows)

    @property
    def line_count(self) -> int:
        return sum(r.lesson_count for r in self.rows)

    @property
    def total(self) -> Decimal:
        return sum((r.total for r in self.rows), Decimal(0))


class GenerationResult(Frozen):
    period_start: date
    period_end: date
    invoice_count: int
    line_count: int
    total: Decimal

    def describe(self) -> str:
        if not self.invoice_count:
            return f"Nothing new to bill for {self.period_start:%B %Y}."
        return (
            f"{self.invoice_count:,} draft invoice(s) for {self.period_start:%B %Y}: "
            f"{self.line_count:,} lesson(s), {self.total:,.2f} in total."
        )


class MethodTotal(Frozen):
    method: str
    count: int
    received: Decimal
    refunded: Decimal

    @property
    def net(self) -> Decimal:
        return self.received - self.refunded


class StaffTotal(Frozen):
    name: str
    count: int
    received: Decimal


class DayClose(Frozen):
    """The day's takings by method and by staff member: what the cash drawer must hold."""

    day: date
    currency: str
    by_method: tuple[MethodTotal, ...]
    by_staff: tuple[StaffTotal, ...]
    payments: tuple[PaymentRow, ...]

    @property
    def total(self) -> Decimal:
        return sum((m.net for m in self.by_method), Decimal(0))

    @property
    def cash(self) -> Decimal:
        return sum((m.net for m in self.by_method if m.method == "cash"), Decimal(0))


AGING_BUCKETS = ("Current", "1-30 days", "31-60 days", "61-90 days", "Over 90 days")


class Aging(Frozen):
    """What is owed, by how long past its due date."""

    current: Decimal = Decimal(0)
    days_1_30: Decimal = Decimal(0)
    days_31_60: Decimal = Decimal(0)
    days_61_90: Decimal = Decimal(0)
    over_90: Decimal = Decimal(0)

    @property
    def buckets(self) -> tuple[Decimal, ...]:
        return (self.current, self.days_1_30, self.days_31_60, self.days_61_90, self.over_90)

    @property
    def total(self) -> Decimal:
        return sum(self.buckets, Decimal(0))


class StatementEntry(Frozen):
    day: date
    kind: str  # invoice | credit_note | payment | refund
    reference: str
    description: str
    charge: Decimal
    credit: Decimal
    balance: Decimal


class Statement(Frozen):
    """A payer's account: invoices, payments and refunds with a running balance, and aging."""

    payer: Payer
    billing_email: str
    billing_address: str
    as_of: date
    currency: str
    entries: tuple[StatementEntry, ...]
    aging: Aging
    account_credit: Decimal

    @property
    def balance(self) -> Decimal:
        return self.entries[-1].balance if self.entries else Decimal(0)


class AgingRow(Frozen):
    payer: Payer
    open_invoices: int
    aging: Aging
    account_credit: Decimal


class AgingReport(Frozen):
    as_of: date
    currency: str
    rows: tuple[AgingRow, ...]

    @property
    def totals(self) -> Aging:
        sums = [sum((r.aging.buckets[i] for r in self.rows), Decimal(0)) for i in range(5)]
        return Aging(
            current=sums[0],
            days_1_30=sums[1],
            days_31_60=sums[2],
            days_61_90=sums[3],
            over_90=sums[4],
        )


def stripe_key_problem(secret: str) -> str | None:
    """Why `secret` cannot be the studio's Stripe secret key, or None."""
    if not secret.startswith(("sk_", "rk_")) or len(secret) < 8 or " " in secret:
        return "A Stripe secret key starts with sk_ (or rk_ for a restricted key)"
    return None


class StripeKeyInput(Input):
    """The studio's Stripe secret key, typed by an administrator (kept in the keyring)."""

    secret: str

    @field_validator("secret")
    @classmethod
    def _a_secret_key(cls, value: str) -> str:
        problem = stripe_key_problem(value)
        if problem:
            raise ValueError(problem)
        return value
