"""Billing reads: the invoices list, newest first, with the derived 'overdue'."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Select,
    and_,
    case,
    cast,
    func,
    literal,
    literal_column,
    select,
)
from sqlalchemy.orm import aliased

from studiosync_desktop.db import Database
from studiosync_desktop.errors import ValidationFailed
from studiosync_desktop.models import Band, Family, Invoice, Student, Studio, User
from studiosync_desktop.schemas.common import Actor, Page
from studiosync_desktop.schemas.rows import InvoiceRow
from studiosync_desktop.services.keyset_pager import check_limit, date_key, id_key, read_page
from studiosync_desktop.services.permissions import require
from studiosync_desktop.services.reading import (
    contains_pattern,
    full_name,
    ilike_any,
)
from studiosync_desktop.vocabulary import INVOICE_STATUSES


def invoice_day() -> Any:
    """The day an invoice is listed under (`models.billing.INVOICE_DAY`, which its index
    holds): the issue date, a draft's creation day in UTC (the desk's connections use UTC)."""
    utc: Any = literal_column("'UTC'")
    return func.coalesce(Invoice.issue_date, cast(func.timezone(utc, Invoice.created_at), Date))


class BillingService:
    def __init__(self, db: Database) -> None:
        self._db = db

    def invoices(
        self,
        actor: Actor,
        cursor: str | None = None,
        limit: int = 200,
        status: str | None = None,
        *,
        search: str = "",
        payer_kind: str | None = None,
        issued_from: date | None = None,
        issued_to: date | None = None,
    ) -> Page[InvoiceRow]:
        """Invoices, newest first (by issue date; drafts by the day they were created).

        `status` is one of the stored statuses, or 'overdue' (derived: sent or partial, a
        balance due, and the due date before today in the studio's time zone). `search` finds
        a number or a payer's name; `payer_kind` is family, band or student; the period is by
        issue date (drafts by their billing period).
        """
        require(actor, "billing")
        check_limit(limit)
        if status is not None and status not in (*INVOICE_STATUSES, "overdue"):
            raise ValidationFailed({"status": f"'{status}' is not an invoice status."})
        student_user = aliased(User, name="student_user")
        balance = Invoice.total - Invoice.amount_paid
        # Today where the studio is, not where this PC or the server is.
        studio_today = cast(func.timezone(Studio.timezone, func.now()), Date)
        overdue = and_(
            Invoice.status.in_(("sent", "partial")),
            balance > 0,
            Invoice.due_date.is_not(None),
            Invoice.due_date < studio_today,
        )
        sort_date = invoice_day()
        query = (
            select(
                Invoice.id,
                Invoice.invoice_number.label("number"),
                func.coalesce(
                    Family.name,
                    Band.name,
                    full_name(student_user.first_name, student_user.last_name),
                    literal(""),
                ).label("payer_name"),
                case(
                    (Invoice.family_id.is_not(None), literal("family")),
                    (Invoice.band_id.is_not(None), literal("band")),
                    else_=literal("student"),
                ).label("payer_kind"),
                Invoice.status,
                Invoice.issue_date,
                Invoice.due_date,
                Invoice.total,
                Invoice.amount_paid,
                balance.label("balance"),
                func.coalesce(overdue, False).label("is_overdue"),
            )
            .join(Studio, Studio.id == Invoice.studio_id)
            .outerjoin(Family, Family.id == Invoice.family_id)
            .outerjoin(Band, Band.id == Invoice.band_id)
            .outerjoin(Student, Student.id == Invoice.student_id)
            .outerjoin(student_user, student_user.id == Student.user_id)
            .where(Invoice.studio_id == actor.studio_id)
        )
        query = _filtered(
            query, student_user, overdue, search, payer_kind, issued_from, issued_to, status
        )
        with self._db.read_session() as s:
            return read_page(
                s,
                query,
                (date_key(sort_date), id_key(Invoice.id)),
                cursor,
                limit,
                lambda r: InvoiceRow.model_validate(r, from_attributes=True),
                descending=True,
                # No count of all invoices: on three years of them it cost more than the page.
                count=False,
            )


def _filtered(
    query: Select[Any],
    student_user: Any,
    overdue: ColumnElement[bool],
    search: str,
    payer_kind: str | None,
    issued_from: date | None,
    issued_to: date | None,
    status: str | None,
) -> Select[Any]:
    """The invoice list narrowed by what the desk typed and chose."""
    if search.strip():
        pattern = contains_pattern(search)
        query = query.where(
            ilike_any(
                pattern,
                Invoice.invoice_number,
                Family.name,
                Band.name,
                full_name(student_user.first_name, student_user.last_name),
            )
        )
    if payer_kind == "family":
        query = query.where(Invoice.family_id.is_not(None))
    elif payer_kind == "band":
        query = query.where(Invoice.band_id.is_not(None))
    elif payer_kind == "student":
        query = query.where(Invoice.student_id.is_not(None))
    elif payer_kind is not None:
        raise ValidationFailed({"payer_kind": "Choose family, band or student."})
    period_day = func.coalesce(Invoice.issue_date, Invoice.period_start)
    if issued_from is not None:
        query = query.where(period_day >= issued_from)
    if issued_to is not None:
        query = query.where(period_day <= issued_to)
    if status == "overdue":
        query = query.where(overdue)
    elif status is not None:
        query = query.where(Invoice.status == status)
    return query
