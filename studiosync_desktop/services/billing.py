"""Billing reads: the invoices list, newest first, with the derived 'overdue'."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, and_, case, cast, func, literal, select, tuple_
from sqlalchemy.orm import aliased

from studiosync_desktop.db import Database
from studiosync_desktop.errors import ValidationFailed
from studiosync_desktop.models import Band, Family, Invoice, Student, Studio, User
from studiosync_desktop.schemas.common import Actor, Page
from studiosync_desktop.schemas.rows import InvoiceRow
from studiosync_desktop.services.permissions import require
from studiosync_desktop.services.reading import (
    check_limit,
    contains_pattern,
    decode_cursor,
    encode_cursor,
    full_name,
    ilike_any,
    parse_uuid,
)
from studiosync_desktop.vocabulary import INVOICE_STATUSES


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
        sort_date = func.coalesce(Invoice.issue_date, cast(Invoice.created_at, Date))
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
                sort_date.label("sort_date"),
            )
            .join(Studio, Studio.id == Invoice.studio_id)
            .outerjoin(Family, Family.id == Invoice.family_id)
            .outerjoin(Band, Band.id == Invoice.band_id)
            .outerjoin(Student, Student.id == Invoice.student_id)
            .outerjoin(student_user, student_user.id == Student.user_id)
            .where(Invoice.studio_id == actor.studio_id)
        )
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
        with self._db.read_session() as s:
            total = None
            if cursor is None:
                total = s.scalar(select(func.count()).select_from(query.subquery()))
            else:
                day, iid = decode_cursor(cursor, 2)
                try:
                    after_day = date.fromisoformat(day)
                except ValueError as exc:
                    raise ValidationFailed({"cursor": "This page position is not valid."}) from exc
                query = query.where(
                    tuple_(sort_date, Invoice.id)
                    < tuple_(literal(after_day), literal(parse_uuid(iid)))
                )
            query = query.order_by(sort_date.desc(), Invoice.id.desc()).limit(limit + 1)
            rows = s.execute(query).all()
            page = rows[:limit]
            next_cursor = (
                encode_cursor(page[-1].sort_date, page[-1].id) if len(rows) > limit else None
            )
            return Page[InvoiceRow](
                rows=tuple(
                    InvoiceRow(
                        id=r.id,
                        number=r.number,
                        payer_name=r.payer_name,
                        payer_kind=r.payer_kind,
                        status=r.status,
                        issue_date=r.issue_date,
                        due_date=r.due_date,
                        total=r.total,
                        amount_paid=r.amount_paid,
                        balance=r.balance,
                        is_overdue=r.is_overdue,
                    )
                    for r in page
                ),
                next_cursor=next_cursor,
                total=total,
            )
