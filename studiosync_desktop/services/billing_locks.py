"""The billing lock order, and one function per lock it names.

Two desks issuing, crediting, paying and refunding at once never wait on each other in a
circle because every transaction that needs several of these locks takes them in this order
(docs/decisions.md, "Two desks at once"):

1. the invoice rows it changes, FOR UPDATE, several in id order (`lock_invoice`,
   `lock_invoices`);
2. their payments, FOR UPDATE (a refund), then their Stripe attempt rows (`stripe_attempts`);
3. the payer's row (family, band or student), FOR UPDATE (`lock_payer`), before anything that
   refers to the payer is inserted: an insert's foreign-key check holds KEY SHARE on the payer,
   and two desks each holding it would block each other's FOR UPDATE;
4. the year's invoice number counter (`reserve_numbers`), last, held only until commit.

Generation takes its studio's advisory lock before all of these.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, select, text
from sqlalchemy.orm import Session

from studiosync_desktop.errors import NotFound
from studiosync_desktop.models import Band, Family, Invoice, Student
from studiosync_desktop.schemas.billing import Payer
from studiosync_desktop.schemas.common import Actor

PAYER_TABLES: dict[str, Any] = {"family": Family, "band": Band, "student": Student}


def lock_invoice(s: Session, actor: Actor, invoice_id: uuid.UUID) -> Invoice:
    """Step 1: the invoice row, locked until commit; two desks act on it one after the other."""
    inv = s.scalars(
        select(Invoice)
        .where(Invoice.id == invoice_id, Invoice.studio_id == actor.studio_id)
        .with_for_update()
    ).one_or_none()
    if inv is None:
        raise NotFound("This invoice no longer exists.")
    return inv


def lock_invoices(
    s: Session, actor: Actor, invoice_ids: Sequence[uuid.UUID]
) -> Sequence[Row[uuid.UUID, str, str | None]]:
    """Step 1 for several invoices: id, status and number of each, locked in id order so two
    desks locking overlapping sets queue up instead of each holding half."""
    return s.execute(
        select(Invoice.id, Invoice.status, Invoice.invoice_number)
        .where(Invoice.id.in_(invoice_ids), Invoice.studio_id == actor.studio_id)
        .order_by(Invoice.id)
        .with_for_update()
    ).all()


def lock_payer(s: Session, payer: Payer) -> None:
    """Step 3: the payer's row; their account credit changes one desk at a time."""
    table = PAYER_TABLES[payer.kind]
    s.execute(select(table.id).where(table.id == payer.id).with_for_update()).one()


def reserve_numbers(s: Session, studio_id: uuid.UUID, year: int, count: int) -> int:
    """Step 4, the last lock: the first of `count` consecutive numbers of the year. The counter
    row stays locked until commit, so another desk waits, and a rollback returns the numbers
    unused. The counter starts from the highest number already used that year."""
    s.execute(
        text(
            """
            INSERT INTO invoice_number_counters (studio_id, year, last_number)
            SELECT :studio, :year, coalesce(max(substring(invoice_number
                       FROM '^INV-' || :year || '-([0-9]+)$')::int), 0)
            FROM invoices WHERE studio_id = :studio
            ON CONFLICT (studio_id, year) DO NOTHING
            """
        ),
        {"studio": studio_id, "year": year},
    )
    last = s.execute(
        text(
            "UPDATE invoice_number_counters SET last_number = last_number + :n "
            "WHERE studio_id = :studio AND year = :year RETURNING last_number"
        ),
        {"studio": studio_id, "year": year, "n": count},
    ).scalar_one()
    return int(last) - count + 1
