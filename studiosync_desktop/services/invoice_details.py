"""Invoices as their detail pane and PDFs show them, read in bulk: one query per part (the
invoices with their payers' contacts, the lines, the payments, the history, the payers'
account credit) whether it is one invoice or the month's 1,400 (batch print, invoice emails)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from studiosync_desktop.errors import NotFound
from studiosync_desktop.models import (
    AccountCredit,
    Band,
    Family,
    Invoice,
    InvoiceEvent,
    InvoiceLineItem,
    Payment,
    Student,
    Studio,
    User,
)
from studiosync_desktop.schemas.billing import EventRow, InvoiceDetail, LineRow, Payer, PaymentRow
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services.reading import full_name, studio_today


def payer_of(row: Any) -> Payer:
    if row.family_id is not None:
        return Payer(kind="family", id=row.family_id)
    if row.band_id is not None:
        return Payer(kind="band", id=row.band_id)
    return Payer(kind="student", id=row.student_id)


def with_payer_contact(query: Any, family_id: Any, band_id: Any, student_id: Any) -> Any:
    """`query` with the payer's payer_name, email and address, as invoices and statements
    print them: a family's billing email, else a band's, else the contact person's, else the
    student's own; a family's address, else a band's address and city."""
    student_user = aliased(User, name="student_user")
    contact = aliased(User, name="contact")
    return (
        query.add_columns(
            func.coalesce(
                Family.name, Band.name, full_name(student_user.first_name, student_user.last_name)
            ).label("payer_name"),
            func.coalesce(
                func.nullif(Family.billing_email, ""),
                func.nullif(Band.email, ""),
                contact.email,
                student_user.email,
                "",
            ).label("email"),
            func.coalesce(
                func.nullif(Family.address, ""),
                func.nullif(
                    func.concat_ws(", ", func.nullif(Band.address, ""), func.nullif(Band.city, "")),
                    "",
                ),
                "",
            ).label("address"),
        )
        .outerjoin(Family, Family.id == family_id)
        .outerjoin(Band, Band.id == band_id)
        .outerjoin(Student, Student.id == student_id)
        .outerjoin(student_user, student_user.id == Student.user_id)
        .outerjoin(
            contact,
            contact.id == func.coalesce(Family.primary_contact_id, Band.primary_contact_id),
        )
    )


def payment_rows(s: Session, *where: Any) -> tuple[PaymentRow, ...]:
    rows = list(
        s.execute(
            select(Payment, full_name(User.first_name, User.last_name).label("who"))
            .outerjoin(User, User.id == Payment.processed_by_id)
            .where(*where)
            .order_by(Payment.processed_at, Payment.id)
        ).all()
    )
    return tuple(
        PaymentRow(
            id=p.id,
            invoice_id=p.invoice_id,
            amount=p.amount,
            refunded_amount=p.refunded_amount,
            method=p.payment_method,
            status=p.status,
            transaction_id=p.transaction_id,
            notes=p.notes,
            processed_by=who or "",
            processed_at=p.processed_at,
        )
        for p, who in rows
    )


def load_detail(s: Session, actor: Actor, invoice_id: uuid.UUID) -> InvoiceDetail:
    """The invoice, its payer, lines, payments, history and the payer's account credit."""
    found = load_details(s, actor, [invoice_id])
    if invoice_id not in found:
        raise NotFound("This invoice no longer exists.")
    return found[invoice_id]


def load_details(
    s: Session, actor: Actor, invoice_ids: Sequence[uuid.UUID], history: bool = True
) -> dict[uuid.UUID, InvoiceDetail]:
    """Each invoice of the studio among `invoice_ids` (those gone are left out); without
    `history` its events are not read (a PDF does not print them)."""
    ids = list(dict.fromkeys(invoice_ids))
    if not ids:
        return {}
    original = aliased(Invoice, name="original")
    today = studio_today(s, actor)
    query = select(Invoice, Studio.currency, original.invoice_number.label("original_number"))
    heads = s.execute(
        with_payer_contact(
            query.join(Studio, Studio.id == Invoice.studio_id),
            Invoice.family_id,
            Invoice.band_id,
            Invoice.student_id,
        )
        .outerjoin(original, original.id == Invoice.credit_note_for_id)
        .where(Invoice.id.in_(ids), Invoice.studio_id == actor.studio_id)
    ).all()
    lines: dict[uuid.UUID, list[LineRow]] = defaultdict(list)
    for li in s.scalars(
        select(InvoiceLineItem)
        .where(InvoiceLineItem.invoice_id.in_(ids))
        .order_by(InvoiceLineItem.invoice_id, InvoiceLineItem.position, InvoiceLineItem.id)
    ):
        lines[li.invoice_id].append(
            LineRow(
                id=li.id,
                position=li.position,
                description=li.description,
                quantity=li.quantity,
                unit_price=li.unit_price,
                total=li.total_price,
                is_taxable=li.is_taxable,
                lesson_id=li.lesson_id,
            )
        )
    payments: dict[uuid.UUID, list[PaymentRow]] = defaultdict(list)
    for p in payment_rows(s, Payment.invoice_id.in_(ids)):
        payments[p.invoice_id].append(p)
    events = _events(s, ids) if history else {}
    credit = _credits(s, [r[0] for r in heads])
    out: dict[uuid.UUID, InvoiceDetail] = {}
    for r in heads:
        inv: Invoice = r[0]
        payer = payer_of(inv).model_copy(update={"name": r.payer_name or ""})
        out[inv.id] = InvoiceDetail(
            id=inv.id,
            number=inv.invoice_number,
            status=inv.status,
            is_overdue=inv.is_overdue(today),
            payer=payer,
            billing_email=r.email or "",
            billing_address=r.address or "",
            issue_date=inv.issue_date,
            due_date=inv.due_date,
            period_start=inv.period_start,
            period_end=inv.period_end,
            subtotal=inv.subtotal,
            discount=inv.discount,
            tax_rate_percent=inv.tax_rate,
            tax=inv.tax,
            late_fee=inv.late_fee,
            total=inv.total,
            amount_paid=inv.amount_paid,
            balance=inv.balance_due(),
            notes=inv.notes,
            void_reason=inv.void_reason,
            credit_note_for=r.original_number,
            pay_link_url=inv.pay_link_url,
            lines=tuple(lines[inv.id]),
            payments=tuple(payments[inv.id]),
            events=tuple(events.get(inv.id, ())),
            account_credit=credit.get(_payer_key(inv), Decimal(0)),
            currency=r.currency,
        )
    return out


def _events(s: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, list[EventRow]]:
    out: dict[uuid.UUID, list[EventRow]] = defaultdict(list)
    for e, who in s.execute(
        select(InvoiceEvent, full_name(User.first_name, User.last_name).label("who"))
        .outerjoin(User, User.id == InvoiceEvent.actor_id)
        .where(InvoiceEvent.invoice_id.in_(ids))
        .order_by(InvoiceEvent.invoice_id, InvoiceEvent.at, InvoiceEvent.id)
    ):
        out[e.invoice_id].append(
            EventRow(at=e.at, kind=e.kind, detail=e.detail, actor_name=who or "")
        )
    return out


def _payer_key(row: Any) -> tuple[Any, Any, Any]:
    return (row.family_id, row.band_id, row.student_id)


def _credits(s: Session, invoices: list[Invoice]) -> dict[tuple[Any, Any, Any], Decimal]:
    """Each payer's account credit balance (the ledger's sum), for these invoices' payers."""
    keys = {_payer_key(inv) for inv in invoices}
    if not keys:
        return {}
    columns = (AccountCredit.family_id, AccountCredit.band_id, AccountCredit.student_id)
    families = [k[0] for k in keys if k[0]]
    bands = [k[1] for k in keys if k[1]]
    students = [k[2] for k in keys if k[2]]
    rows = s.execute(
        select(*columns, func.coalesce(func.sum(AccountCredit.amount), 0))
        .where(
            AccountCredit.family_id.in_(families)
            | AccountCredit.band_id.in_(bands)
            | AccountCredit.student_id.in_(students)
        )
        .group_by(*columns)
    ).all()
    return {(f, b, st): Decimal(total) for f, b, st, total in rows}
