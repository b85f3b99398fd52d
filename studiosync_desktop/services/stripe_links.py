"""Pay by link, once per balance: one open Checkout Session per invoice and amount due.

A new link for the same balance is the same session. When the balance has changed, the old
links are expired at Stripe; one that was paid meanwhile (or is paid before Stripe hears of
the change) is still recorded, and what it paid above the balance becomes account credit.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from studiosync_desktop.db import Database
from studiosync_desktop.errors import Conflict, NotFound
from studiosync_desktop.models import Invoice, StripeAttempt
from studiosync_desktop.money import to_minor_units
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.schemas.stripe import PayLink, PollResult
from studiosync_desktop.services.billing_locks import lock_invoice
from studiosync_desktop.services.ledger import label, log_event
from studiosync_desktop.services.stripe_attempts import (
    Attempt,
    Settled,
    begin,
    close,
    held_connection,
    hold_open,
    open_rows,
    record_money,
    set_stripe_id,
    studio_currency,
    tx,
)
from studiosync_desktop.services.stripe_client import (
    NO_LINK_MADE,
    NOT_CHECKED,
    StripeRefused,
    StripeUnreachable,
    call,
    exponent,
    from_minor_units,
)


def create_pay_link(
    db: Database, client: Any, actor: Actor, invoice_id: uuid.UUID, return_url: str
) -> PayLink:
    """The Checkout Session for the balance due (never the total): the open one for this
    balance when there is one, else a new one. Links for another amount are expired first."""
    _expire_other_links(db, client, actor, invoice_id, return_url)
    for _ in range(3):
        with held_connection(db) as conn:
            start = _Start()
            attempt, is_new = begin(conn, actor, invoice_id, "pay_link", start.find, start.new)
            if not is_new and attempt.stripe_id:
                session = _retrieve(client, attempt, NO_LINK_MADE)
                if session.status == "open":
                    return _current(conn, actor, attempt, session)
                settled = settle_session(conn, client, actor, attempt, session, expire=False)
                if settled.status == "succeeded":
                    return PayLink(
                        invoice_id=invoice_id,
                        session_id=session.id,
                        url="",
                        amount=settled.amount,
                        currency=attempt.currency,
                        status="paid",
                    )
                continue  # expired: a new link
            try:  # a new session, or again the one whose answer was lost (same key, same one)
                session = _create(client, attempt, start.number, return_url)
            except Conflict as exc:
                close(conn, actor, attempt, "failed", str(exc))
                raise
            attempt = set_stripe_id(conn, actor, attempt, session.id)
            return _current(conn, actor, attempt, session)
    raise Conflict("The balance of this invoice keeps changing. Look at it again.")


class _Start:
    """Under the invoice's lock: the balance, and the open link for exactly that balance."""

    number = ""

    def find(self, s: Session, inv: Invoice) -> StripeAttempt | None:
        if inv.status not in ("sent", "partial") or inv.total - inv.amount_paid <= 0:
            raise Conflict(f"{label(inv)} has no balance to pay online.")
        self.number = label(inv)
        self.values = {
            "amount": inv.total - inv.amount_paid,
            "currency": studio_currency(s, inv.studio_id),
        }
        return s.scalars(
            select(StripeAttempt).where(
                StripeAttempt.invoice_id == inv.id,
                StripeAttempt.kind == "pay_link",
                StripeAttempt.status == "open",
                StripeAttempt.amount == self.values["amount"],
            )
        ).one_or_none()

    def new(self, _s: Session, _inv: Invoice) -> dict[str, Any]:
        return self.values


def _expire_other_links(
    db: Database, client: Any, actor: Actor, invoice_id: uuid.UUID, return_url: str
) -> None:
    """Open links for an amount that is no longer due: expired at Stripe, or recorded if paid.
    When Stripe cannot be reached they stay open and are settled later."""
    with db.read_session() as s:
        inv = s.get(Invoice, invoice_id)
        due = inv.total - inv.amount_paid if inv is not None else Decimal(0)
        ids = [
            r.id
            for r in open_rows(s, actor, StripeAttempt.invoice_id == invoice_id)
            if r.kind == "pay_link" and r.amount != due
        ]
    for attempt_id in ids:
        with held_connection(db) as conn:
            attempt = hold_open(conn, actor, attempt_id)
            if attempt is None:
                continue
            try:
                settle(conn, client, actor, attempt, return_url, expire=True)
            except StripeUnreachable:
                return


def settle(
    conn: Connection,
    client: Any,
    actor: Actor,
    attempt: Attempt,
    return_url: str,
    *,
    expire: bool | None = None,
) -> Settled:
    """Asks Stripe about a link's session and settles the row: paid is recorded once, expired
    is closed. With `expire` an open one is expired at Stripe (by default: when the invoice
    has nothing left to pay, or the link was never shown because Stripe's answer was lost;
    that session is found by sending its request again with the same key)."""
    if attempt.stripe_id is None:
        with tx(conn) as s:
            inv = s.get(Invoice, attempt.invoice_id)
            number = label(inv) if inv is not None else ""
        session = _create(client, attempt, number, return_url)
        attempt = set_stripe_id(conn, actor, attempt, session.id)
        return settle_session(conn, client, actor, attempt, session, expire=True)
    if expire is None:
        with tx(conn) as s:
            inv = s.get(Invoice, attempt.invoice_id)
            expire = inv is None or inv.status not in ("sent", "partial")
    session = _retrieve(client, attempt, NOT_CHECKED)
    return settle_session(conn, client, actor, attempt, session, expire=expire)


def settle_session(
    conn: Connection, client: Any, actor: Actor, attempt: Attempt, session: Any, *, expire: bool
) -> Settled:
    amount = f"{attempt.amount:,.2f} {attempt.currency}"
    if session.status == "complete" and session.payment_status == "paid":
        currency = (session.currency or attempt.currency).upper()
        paid = from_minor_units(int(session.amount_total or 0), currency)
        why = f"paid through a pay link for {amount} made before the balance changed"
        done = record_money(
            conn, actor, attempt, paid, str(session.payment_intent or session.id), why
        )
        return Settled(status="succeeded", sentence=done or "", amount=paid)
    if session.status == "expired":
        close(conn, actor, attempt, "expired", "The link expired unpaid.")
        return Settled(status="expired", sentence=f"The pay link for {amount} expired unpaid.")
    if session.status == "open" and expire:
        try:
            call(lambda: client.v1.checkout.sessions.expire(attempt.stripe_id), NOT_CHECKED)
        except StripeRefused:  # paid or expired meanwhile: whatever Stripe now says
            return settle_session(
                conn, client, actor, attempt, _retrieve(client, attempt, NOT_CHECKED), expire=False
            )
        close(conn, actor, attempt, "expired", "Expired at Stripe: the balance changed.")
        return Settled(status="expired", sentence=f"The old pay link for {amount} was closed.")
    return Settled(status="open", sentence="")


def poll_pay_link(
    db: Database, client: Any, actor: Actor, invoice_id: uuid.UUID, session_id: str | None
) -> PollResult:
    """Asks Stripe about the invoice's open links; a paid one is recorded exactly once,
    whichever desk polls first and however often. The result is about `session_id` (the link
    on the screen), or the invoice's latest link."""
    with db.read_session() as s:
        rows = list(
            s.scalars(
                select(StripeAttempt)
                .where(
                    StripeAttempt.studio_id == actor.studio_id,
                    StripeAttempt.invoice_id == invoice_id,
                    StripeAttempt.kind == "pay_link",
                    StripeAttempt.stripe_id.is_not(None),
                )
                .order_by(StripeAttempt.created_at)
            )
        )
    shown = next((r for r in rows if r.stripe_id == session_id), rows[-1] if rows else None)
    if shown is None:
        raise NotFound("This invoice has no pay link.")
    recorded, amount, unreachable = False, Decimal(0), False
    for row in rows:
        if row.status != "open":
            continue
        with held_connection(db) as conn:
            attempt = hold_open(conn, actor, row.id)
            if attempt is None:
                continue
            try:
                settled = settle(conn, client, actor, attempt, "", expire=False)
            except StripeUnreachable:
                unreachable = True
                continue
        if row.id == shown.id and settled.status == "succeeded":
            recorded, amount = bool(settled.sentence), settled.amount
    with db.read_session() as s:
        status = s.scalar(select(StripeAttempt.status).where(StripeAttempt.id == shown.id))
    if status == "succeeded":
        return PollResult(status="paid", recorded=recorded, amount=amount or shown.amount)
    if status == "open" and unreachable:
        raise StripeUnreachable(NOT_CHECKED)
    return PollResult(status="open" if status == "open" else "expired")


def _current(conn: Connection, actor: Actor, attempt: Attempt, session: Any) -> PayLink:
    """The link shown from now on: kept on the invoice (its detail shows the address)."""
    url = session.url or ""
    with tx(conn) as s:
        inv = lock_invoice(s, actor, attempt.invoice_id)
        if inv.pay_link_session_id != session.id:
            inv.pay_link_session_id, inv.pay_link_url = session.id, url
            log_event(
                s,
                actor,
                inv.id,
                "pay_link",
                f"Pay link for {attempt.amount:,.2f} {attempt.currency}",
            )
    return PayLink(
        invoice_id=attempt.invoice_id,
        session_id=session.id,
        url=url,
        amount=attempt.amount,
        currency=attempt.currency,
    )


def _create(client: Any, attempt: Attempt, number: str, return_url: str) -> Any:
    currency = attempt.currency
    return call(
        lambda: client.v1.checkout.sessions.create(
            params={
                "mode": "payment",
                "client_reference_id": str(attempt.invoice_id),
                "success_url": return_url,
                "cancel_url": return_url,
                "metadata": {
                    "invoice_id": str(attempt.invoice_id),
                    "number": number,
                    "attempt_id": str(attempt.id),
                },
                "line_items": [
                    {
                        "quantity": 1,
                        "price_data": {
                            "currency": currency.lower(),
                            "unit_amount": to_minor_units(attempt.amount, exponent(currency)),
                            "product_data": {"name": f"Invoice {number}"},
                        },
                    }
                ],
            },
            options={"idempotency_key": attempt.key},
        ),
        NO_LINK_MADE,
    )


def _retrieve(client: Any, attempt: Attempt, unanswered: str) -> Any:
    return call(lambda: client.v1.checkout.sessions.retrieve(attempt.stripe_id), unanswered)
