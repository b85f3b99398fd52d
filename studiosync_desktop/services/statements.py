"""Statements of account (running balance and aging) and the studio's aging report."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Uuid, literal, select, text
from sqlalchemy.orm import Session

from studiosync_desktop.db import Database
from studiosync_desktop.errors import NotFound
from studiosync_desktop.models import Studio
from studiosync_desktop.schemas.billing import (
    Aging,
    AgingReport,
    AgingRow,
    Payer,
    Statement,
    StatementEntry,
)
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services.invoice_details import with_payer_contact
from studiosync_desktop.services.ledger import credit_balance, payer_columns
from studiosync_desktop.services.permissions import require
from studiosync_desktop.services.reading import studio_today

# Open invoices (sent or partly paid, not credit notes) by days past due, as of :today.
AGING_SQL = """
SELECT i.family_id, i.band_id, i.student_id,
       count(*) AS open_invoices,
       coalesce(sum(i.total - i.amount_paid) FILTER (WHERE :today - i.due_date <= 0), 0) AS b0,
       coalesce(sum(i.total - i.amount_paid)
                FILTER (WHERE :today - i.due_date BETWEEN 1 AND 30), 0) AS b1,
       coalesce(sum(i.total - i.amount_paid)
                FILTER (WHERE :today - i.due_date BETWEEN 31 AND 60), 0) AS b2,
       coalesce(sum(i.total - i.amount_paid)
                FILTER (WHERE :today - i.due_date BETWEEN 61 AND 90), 0) AS b3,
       coalesce(sum(i.total - i.amount_paid) FILTER (WHERE :today - i.due_date > 90), 0) AS b4
FROM invoices i
WHERE i.studio_id = :studio AND i.status IN ('sent', 'partial')
  AND i.total > i.amount_paid AND i.credit_note_for_id IS NULL
  {payer}
GROUP BY i.family_id, i.band_id, i.student_id
"""

PAYER_SQL = """
AND i.family_id IS NOT DISTINCT FROM CAST(:family_id AS uuid)
AND i.band_id IS NOT DISTINCT FROM CAST(:band_id AS uuid)
AND i.student_id IS NOT DISTINCT FROM CAST(:student_id AS uuid)
"""

# Money in and out of the payer's account, oldest first. Credit that pays an invoice, and
# a credit note's credit, move money inside the account: the credit note itself shows.
ENTRIES_SQL = f"""
SELECT i.issue_date AS day, 0 AS ord,
       CASE WHEN i.credit_note_for_id IS NULL THEN 'invoice' ELSE 'credit_note' END AS kind,
       i.invoice_number AS reference,
       CASE WHEN i.credit_note_for_id IS NULL
            THEN 'Invoice, due ' || to_char(i.due_date, 'Mon FMDD, YYYY')
            ELSE 'Credit note' END AS description,
       i.total AS amount, i.created_at AS at
FROM invoices i
WHERE i.studio_id = :studio AND i.status IN ('sent', 'partial', 'paid') {PAYER_SQL}
UNION ALL
SELECT (p.processed_at AT TIME ZONE :tz)::date, 1, 'payment', i.invoice_number,
       'Payment, ' || replace(p.payment_method, '_', ' '),
       -(p.amount + coalesce((SELECT sum(c.amount) FROM account_credits c
                               WHERE c.payment_id = p.id AND c.amount > 0), 0)),
       p.processed_at
FROM payments p JOIN invoices i ON i.id = p.invoice_id
WHERE p.studio_id = :studio AND p.payment_method <> 'account_credit'
  AND p.status IN ('completed', 'partially_refunded', 'refunded') {PAYER_SQL}
UNION ALL
SELECT (p.refunded_at AT TIME ZONE :tz)::date, 2, 'refund', i.invoice_number,
       'Refund, ' || replace(p.payment_method, '_', ' '), p.refunded_amount, p.refunded_at
FROM payments p JOIN invoices i ON i.id = p.invoice_id
WHERE p.studio_id = :studio AND p.payment_method <> 'account_credit'
  AND p.refunded_amount > 0 AND p.refunded_at IS NOT NULL {PAYER_SQL}
ORDER BY day, at, ord
"""


def _aging(r: Any) -> Aging:
    return Aging(current=r.b0, days_1_30=r.b1, days_31_60=r.b2, days_61_90=r.b3, over_90=r.b4)


def _studio(s: Session, actor: Actor) -> Studio:
    studio = s.get(Studio, actor.studio_id)
    if studio is None:
        raise NotFound("The studio no longer exists.")
    return studio


class StatementService:
    def __init__(self, db: Database) -> None:
        self._db = db

    def statement(self, actor: Actor, payer: Payer) -> Statement:
        require(actor, "billing")
        with self._db.read_session() as s:
            studio = _studio(s, actor)
            today = studio_today(s, actor)
            params: dict[str, Any] = {
                "studio": actor.studio_id,
                "tz": studio.timezone,
                "today": today,
                **payer_columns(payer),
            }
            ids = select(
                *(literal(v, type_=Uuid).label(k) for k, v in payer_columns(payer).items())
            ).subquery()
            who = s.execute(
                with_payer_contact(select(ids), ids.c.family_id, ids.c.band_id, ids.c.student_id)
            ).one()
            if who.payer_name is None:
                raise NotFound("This payer no longer exists.")
            running = Decimal(0)
            entries: list[StatementEntry] = []
            for r in s.execute(text(ENTRIES_SQL), params):
                running += r.amount
                entries.append(
                    StatementEntry(
                        day=r.day,
                        kind=r.kind,
                        reference=r.reference or "",
                        description=r.description,
                        charge=r.amount if r.amount > 0 else Decimal(0),
                        credit=-r.amount if r.amount < 0 else Decimal(0),
                        balance=running,
                    )
                )
            aging_row = s.execute(text(AGING_SQL.format(payer=PAYER_SQL)), params).one_or_none()
            return Statement(
                payer=payer.model_copy(update={"name": who.payer_name}),
                billing_email=who.email or "",
                billing_address=who.address or "",
                as_of=today,
                currency=studio.currency,
                entries=tuple(entries),
                aging=_aging(aging_row) if aging_row is not None else Aging(),
                account_credit=credit_balance(s, payer),
            )

    def aging_report(self, actor: Actor, as_of: date | None = None) -> AgingReport:
        """Every payer with an open balance, oldest debts first (one set-based query)."""
        require(actor, "billing")
        with self._db.read_session() as s:
            studio = _studio(s, actor)
            today = as_of or studio_today(s, actor)
            rows = s.execute(
                text(
                    f"""
                    SELECT a.*, coalesce(f.name, b.name,
                                         trim(u.first_name || ' ' || u.last_name)) AS name,
                           coalesce((SELECT sum(c.amount) FROM account_credits c
                                      WHERE c.family_id IS NOT DISTINCT FROM a.family_id
                                        AND c.band_id IS NOT DISTINCT FROM a.band_id
                                        AND c.student_id IS NOT DISTINCT FROM a.student_id),
                                    0) AS credit
                    FROM ({AGING_SQL.format(payer="")}) a
                    LEFT JOIN families f ON f.id = a.family_id
                    LEFT JOIN bands b ON b.id = a.band_id
                    LEFT JOIN students st ON st.id = a.student_id
                    LEFT JOIN users u ON u.id = st.user_id
                    ORDER BY a.b4 DESC, a.b3 DESC, a.b2 DESC, a.b1 DESC, name
                    """
                ),
                {"studio": actor.studio_id, "today": today},
            ).all()
            return AgingReport(
                as_of=today,
                currency=studio.currency,
                rows=tuple(
                    AgingRow(
                        payer=Payer(
                            kind="family" if r.family_id else "band" if r.band_id else "student",
                            id=r.family_id or r.band_id or r.student_id,
                            name=r.name or "",
                        ),
                        open_invoices=r.open_invoices,
                        aging=_aging(r),
                        account_credit=r.credit,
                    )
                    for r in rows
                ),
            )
