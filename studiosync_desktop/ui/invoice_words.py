"""The one line the status bar says after an action changed an invoice: what was taken,
sent, refunded or voided, and the balance it left."""

from __future__ import annotations

from studiosync_desktop.schemas.billing import InvoiceDetail
from studiosync_desktop.schemas.rows import InvoiceRow
from studiosync_desktop.ui.table_model import money, words

METHOD_WORDS = {"stripe": "by card through Stripe", "bank_transfer": "by bank transfer"}


def as_row(d: InvoiceDetail) -> InvoiceRow:
    """The list's row of an invoice just changed (the list keeps it where it was)."""
    return InvoiceRow(
        id=d.id,
        number=d.number,
        payer_name=d.payer.name,
        payer_kind=d.payer.kind,
        status=d.status,
        issue_date=d.issue_date,
        due_date=d.due_date,
        total=d.total,
        amount_paid=d.amount_paid,
        balance=d.balance,
        is_overdue=d.is_overdue,
    )


def balance_words(d: InvoiceDetail) -> str:
    if d.status == "void":
        return "it is void"
    if d.balance <= 0 and d.status == "paid":
        return "balance now 0.00, paid in full"
    return f"balance now {money(d.balance)} {d.currency}"


def change_line(before: InvoiceDetail, after: InvoiceDetail) -> str:
    """What the action did to the invoice, in one sentence."""
    name = after.number or f"the draft for {after.payer.name}"
    known = {p.id: p for p in before.payments}
    taken = [p for p in after.payments if p.id not in known and p.status != "failed"]
    refunded = sum(p.refunded_amount for p in after.payments) - sum(
        p.refunded_amount for p in before.payments
    )
    if taken:
        parts = [
            f"{money(p.amount)} {METHOD_WORDS.get(p.method, words(p.method).lower())}"
            for p in taken
        ]
        what = f"Took {' and '.join(parts)} from {after.payer.name} on {name}"
    elif refunded > 0:
        what = f"Refunded {money(refunded)} to {after.payer.name} on {name}"
    elif before.status == "draft" and after.status != "draft":
        what = f"Sent {name} to {after.payer.name}"
    elif after.status == "void" and before.status != "void":
        what = f"Voided {name}"
    elif after.amount_paid > before.amount_paid:
        what = f"Applied {money(after.amount_paid - before.amount_paid)} of credit to {name}"
    else:
        what = f"Saved {name}"
    return f"{what}: {balance_words(after)}."
