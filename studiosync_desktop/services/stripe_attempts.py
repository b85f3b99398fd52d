"""Stripe attempt rows: taken under the invoice's lock before Stripe is called, held by one desk
while it talks to Stripe, and settled once (the money recorded, or the attempt closed).

"Held" is a PostgreSQL session-level advisory lock on the attempt, taken in the transaction that
finds or writes the row and kept on that desk's own connection until it is done: a second desk
sees the lock and is told who is at it, and when the app or the network dies the server drops
the lock with the connection, so the next desk may settle the attempt by asking Stripe.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from studiosync_desktop.db import Database, translate_errors
from studiosync_desktop.errors import Conflict
from studiosync_desktop.models import Invoice, Payment, StripeAttempt, Studio, User
from studiosync_desktop.schemas.common import Actor, Frozen
from studiosync_desktop.services.billing_locks import lock_invoice
from studiosync_desktop.services.invoice_details import payer_of
from studiosync_desktop.services.ledger import add_credit, label, log_event
from studiosync_desktop.services.reading import full_name, studio_zone

# The advisory lock class of Stripe attempts (the second key is a hash of the attempt's id).
LOCK_CLASS = 7_351_013
BUSY = {
    "charge": "Another desk ({who}) is charging this invoice now. Nothing was sent to Stripe; "
    "wait until they finish, then look at the invoice again.",
    "pay_link": "Another desk ({who}) is making a pay link for this invoice now. Wait a "
    "moment, then press Pay by link again: it shows the same link.",
    "refund": "Another desk ({who}) is refunding this payment now. Nothing was sent to Stripe; "
    "wait until they finish, then look at the invoice again.",
}


class Settled(Frozen):
    """How an attempt stands after asking Stripe: succeeded (the money recorded), failed,
    canceled, expired or still open, with a sentence for the desk."""

    status: str
    sentence: str
    amount: Decimal = Decimal(0)
    earlier: bool = True


class Attempt(Frozen):
    """An attempt row as the code that talks to Stripe needs it."""

    id: uuid.UUID
    invoice_id: uuid.UUID
    kind: str
    status: str
    amount: Decimal
    currency: str
    payment_method_id: uuid.UUID | None
    payment_id: uuid.UUID | None
    stripe_id: str | None
    reason: str
    started_by: str
    started_at: datetime

    @property
    def key(self) -> str:
        """The idempotency key of the attempt's first request; every retry sends it again."""
        return f"studiosync-{self.kind}-{self.id}"


@contextmanager
def held_connection(db: Database) -> Iterator[Connection]:
    """A connection of its own for one attempt: the advisory lock taken on it says "a desk is
    at this attempt" until the block ends (or the connection dies with the app)."""
    with translate_errors(), db.engine.connect() as conn:
        try:
            yield conn
        finally:
            try:
                conn.rollback()
                conn.execute(text("SELECT pg_advisory_unlock_all()"))
                conn.commit()
            except DBAPIError:
                conn.invalidate()  # a broken connection is closed, and its locks with it


@contextmanager
def tx(conn: Connection) -> Iterator[Session]:
    """One transaction on the held connection."""
    with translate_errors(), Session(bind=conn, expire_on_commit=False) as s, s.begin():
        yield s


def studio_currency(s: Session, studio_id: uuid.UUID) -> str:
    return s.scalar(select(Studio.currency).where(Studio.id == studio_id)) or "USD"


def try_hold(s: Session, attempt_id: uuid.UUID) -> bool:
    """Takes the attempt's advisory lock for this connection; False when another desk has it."""
    return bool(
        s.scalar(select(func.pg_try_advisory_lock(LOCK_CLASS, func.hashtext(str(attempt_id)))))
    )


def to_attempt(s: Session, row: StripeAttempt) -> Attempt:
    who = None
    if row.created_by_id is not None:
        who = s.scalar(
            select(full_name(User.first_name, User.last_name)).where(User.id == row.created_by_id)
        )
    return Attempt(
        id=row.id,
        invoice_id=row.invoice_id,
        kind=row.kind,
        status=row.status,
        amount=row.amount,
        currency=row.currency,
        payment_method_id=row.payment_method_id,
        payment_id=row.payment_id,
        stripe_id=row.stripe_id,
        reason=row.reason,
        started_by=who or "someone",
        started_at=row.created_at,
    )


def open_rows(s: Session, actor: Actor, *where: Any) -> list[StripeAttempt]:
    return list(
        s.scalars(
            select(StripeAttempt)
            .where(
                StripeAttempt.studio_id == actor.studio_id, StripeAttempt.status == "open", *where
            )
            .order_by(StripeAttempt.created_at)
        )
    )


def begin(
    conn: Connection,
    actor: Actor,
    invoice_id: uuid.UUID,
    kind: str,
    find: Callable[[Session, Invoice], StripeAttempt | None],
    new: Callable[[Session, Invoice], dict[str, Any]],
) -> tuple[Attempt, bool]:
    """Under the invoice's lock: the open attempt `find` returns, held for this desk (another
    desk at it is refused with its name), or a new one with the values `new` checks and gives.
    Committed before Stripe is called. Returns the attempt and whether it is new."""
    with tx(conn) as s:
        inv = lock_invoice(s, actor, invoice_id)
        row = find(s, inv)
        if row is not None:
            if not try_hold(s, row.id):
                raise Conflict(BUSY[kind].format(who=to_attempt(s, row).started_by))
            return to_attempt(s, row), False
        row = StripeAttempt(
            studio_id=actor.studio_id,
            invoice_id=inv.id,
            kind=kind,
            created_by_id=actor.user_id,
            **new(s, inv),
        )
        s.add(row)
        s.flush()
        s.refresh(row)
        try_hold(s, row.id)
        return to_attempt(s, row), True


def hold_open(conn: Connection, actor: Actor, attempt_id: uuid.UUID) -> Attempt | None:
    """The attempt, held for this desk, if it is still open and no other desk is at it."""
    with tx(conn) as s:
        if not try_hold(s, attempt_id):
            return None
        # Read after the lock: a desk that just let go may have settled it.
        row = s.get(StripeAttempt, attempt_id, populate_existing=True)
        if row is None or row.status != "open" or row.studio_id != actor.studio_id:
            s.execute(select(func.pg_advisory_unlock(LOCK_CLASS, func.hashtext(str(attempt_id)))))
            return None
        return to_attempt(s, row)


def _locked_open(s: Session, actor: Actor, attempt: Attempt) -> tuple[Invoice, StripeAttempt]:
    """The invoice, then the attempt row, locked (services/billing_locks.py: the attempt after
    the invoice and its payments, before the payer)."""
    inv = lock_invoice(s, actor, attempt.invoice_id)
    row = s.scalars(
        select(StripeAttempt).where(StripeAttempt.id == attempt.id).with_for_update()
    ).one()
    return inv, row


def set_stripe_id(conn: Connection, actor: Actor, attempt: Attempt, stripe_id: str) -> Attempt:
    """Stripe named the object of the attempt: kept before anything else is asked of it."""
    with tx(conn) as s:
        _inv, row = _locked_open(s, actor, attempt)
        if row.status == "open" and row.stripe_id != stripe_id:
            row.stripe_id = stripe_id  # once kept, it never changes (migration 0020)
    return attempt.model_copy(update={"stripe_id": stripe_id})


def close(conn: Connection, actor: Actor, attempt: Attempt, status: str, outcome: str) -> bool:
    """Settles an open attempt without money (failed, canceled, expired); False if it was
    settled already. A pay link closed stops being the invoice's link."""
    with tx(conn) as s:
        inv, row = _locked_open(s, actor, attempt)
        if row.status != "open":
            return False
        settle_row(row, status, outcome)
        if row.stripe_id and inv.pay_link_session_id == row.stripe_id:
            inv.pay_link_session_id, inv.pay_link_url = "", ""
        return True


def record_money(
    conn: Connection,
    actor: Actor,
    attempt: Attempt,
    amount: Decimal,
    reference: str,
    why: str,
) -> str | None:
    """Records money Stripe took for an open attempt, exactly once (the attempt row, locked,
    and the unique transaction id both say so); None if it was recorded already. Money above
    the balance (paid meanwhile at the desk, or through an old link) becomes the payer's
    account credit with a note saying `why`. Returns what happened, as a sentence."""
    with tx(conn) as s:
        inv, row = _locked_open(s, actor, attempt)
        if row.status != "open":
            return None
        seen = s.scalar(select(Payment.id).where(Payment.transaction_id == reference))
        if seen is not None:  # recorded before attempts existed, or by the old code path
            settle_row(row, "succeeded", f"Recorded already ({reference})", seen)
            return None
        due = inv.total - inv.amount_paid if inv.status in ("sent", "partial") else Decimal(0)
        applied = min(amount, max(due, Decimal(0)))
        payment_id = None
        if applied > 0:
            payment = Payment(
                studio_id=actor.studio_id,
                invoice_id=inv.id,
                amount=applied,
                payment_method="stripe",
                transaction_id=reference,
                status="completed",
                notes=why if applied < amount else "",
                processed_by_id=row.created_by_id or actor.user_id,
                processed_at=func.now(),
            )
            s.add(payment)
            s.flush()
            payment_id = payment.id
        taken = f"{amount:,.2f} {attempt.currency}"
        detail, kept = f"{taken} via Stripe ({reference})", ""
        if amount > applied:
            surplus = amount - applied
            note = (
                f"{surplus:,.2f} of Stripe payment {reference} above what {label(inv)} owed: {why}"
            )
            add_credit(s, actor, payer_of(inv), surplus, inv.id, payment_id, note)
            kept = f"; {surplus:,.2f} kept as account credit ({why})"
        if inv.pay_link_session_id and inv.pay_link_session_id in (row.stripe_id, reference):
            inv.pay_link_session_id, inv.pay_link_url = "", ""
        settle_row(row, "succeeded", detail + kept, payment_id)
        log_event(s, actor, inv.id, "payment", detail + kept)
        what = "card payment" if attempt.kind == "charge" else "payment through the pay link"
        return f"Stripe took the {what} of {taken} for {label(inv)}: it is recorded{kept}."


def settle_row(
    row: StripeAttempt, status: str, outcome: str, payment_id: uuid.UUID | None = None
) -> None:
    """The one write that settles an attempt: all of it at once, since a settled row never
    changes again (migration 0020)."""
    row.status, row.outcome, row.settled_at = status, outcome, func.now()
    if payment_id is not None:
        row.payment_id = payment_id


def started(s: Session, actor: Actor, attempt: Attempt) -> str:
    """ "started 14:02 by Dana Desk" (on another day: "started Oct 3 14:02 ...")."""
    zone = studio_zone(s, actor)
    at = attempt.started_at.astimezone(zone)
    today = datetime.now(zone).date()
    when = f"{at:%H:%M}" if at.date() == today else f"{at:%b %-d %H:%M}"
    return f"started {when} by {attempt.started_by}"
