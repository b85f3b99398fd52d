"""The fields of the Invoices tab's forms (add a line, record a payment, refund, credit, void)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from studiosync_desktop.schemas.billing import InvoiceDetail, PaymentRow, RefundCreate
from studiosync_desktop.ui.forms import Field
from studiosync_desktop.ui.table_model import money, words
from studiosync_desktop.zones import local

METHODS = (
    ("Cash", "cash"),
    ("Check", "check"),
    ("Card", "card"),
    ("Bank transfer", "bank_transfer"),
)

LINE_FIELDS = (
    Field("description", "&Description", hint="For example: Theory book, grade 2"),
    Field("quantity", "&Quantity", "number", value=1, low=1, high=10000),
    Field("unit_price", "Unit &price", "money", required=True),
    Field("is_taxable", "&Taxable", "flag"),
)

CREDIT_NOTE_FIELDS = (
    Field("amount", "&Amount to credit", "money", required=True),
    Field("reason", "&Reason"),
)

VOID_FIELDS = (Field("reason", "&Reason", hint="Shown on the invoice and in its history"),)


class RefundChoice(RefundCreate):
    """A refund with the payment it refunds, as the form gives it."""

    payment_id: uuid.UUID


def payment_fields(d: InvoiceDetail) -> tuple[Field, ...]:
    return (
        Field("amount", "&Amount", "money", value=d.balance, required=True),
        Field("method", "&Method", "choice", METHODS, value="cash"),
        Field("reference", "&Reference", hint="Check number or card slip, if any"),
        Field("notes", "N&otes"),
        Field(
            "excess_as_credit",
            "&Keep any extra as account credit",
            "flag",
            hint=f"Balance due: {money(d.balance)}",
        ),
    )


def refund_fields(payments: Sequence[PaymentRow], zone: str | None) -> tuple[Field, ...]:
    """The refundable payments to choose from (their days in the studio's `zone`), the last
    one's refundable amount first."""

    def day(p: PaymentRow) -> str:
        return f"{local(p.processed_at, zone):%b %-d} " if p.processed_at else ""

    choices = [
        (
            f"{day(p)}{words(p.method)} {money(p.amount)} (refundable {money(p.refundable)})",
            p.id,
        )
        for p in payments
    ]
    return (
        Field("payment_id", "&Payment", "choice", choices),
        Field("amount", "&Amount", "money", value=payments[-1].refundable, required=True),
        Field("reason", "&Reason"),
    )
