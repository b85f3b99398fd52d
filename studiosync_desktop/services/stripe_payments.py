"""Stripe: pay by link (Checkout), card on file (setup + off-session charge), refunds, and
settling what was left open.

Every request that moves money is first a `stripe_attempts` row (see stripe_attempts): its id
makes the idempotency keys every retry reuses, and one left open (the app closed, the reply
lost) is settled by asking Stripe the next time anyone opens the invoice or the app starts.
Amounts go to Stripe in the currency's minor units, computed with Decimal.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, select

from studiosync_desktop.db import Database
from studiosync_desktop.errors import Conflict, NotSetUp, StudioSyncError
from studiosync_desktop.models import PaymentMethod, StripeAttempt
from studiosync_desktop.schemas.billing import Payer, RefundCreate, StripeKeyInput
from studiosync_desktop.schemas.common import Actor, parse_input
from studiosync_desktop.schemas.stripe import (
    ChargeResult,
    PayLink,
    PollResult,
    SavedCard,
    StripeCheck,
)
from studiosync_desktop.services import stripe_charges, stripe_links, stripe_refunds
from studiosync_desktop.services.ledger import payer_columns, payer_is
from studiosync_desktop.services.permissions import require
from studiosync_desktop.services.stripe_attempts import (
    Attempt,
    Settled,
    held_connection,
    hold_open,
    open_rows,
    started,
    studio_currency,
    to_attempt,
)
from studiosync_desktop.services.stripe_client import (
    IF_CHARGED,
    IF_REFUNDED,
    NO_CARD_SAVED,
    StripeUnreachable,
    call,
    keyring_secret,
    make_client,
    store_secret,
)


class StripePayments:
    def __init__(
        self,
        db: Database,
        *,
        secret: Callable[[uuid.UUID], str | None] = keyring_secret,
        api_base: str | None = None,
        max_network_retries: int = 2,
        return_url: str = "https://studiosync.app/paid",
    ) -> None:
        self._db = db
        self._secret = secret
        self._api_base = api_base
        self._retries = max_network_retries
        self._return_url = return_url

    def save_key(self, actor: Actor, data: StripeKeyInput | dict[str, Any]) -> None:
        """An administrator keeps the studio's Stripe secret key in this PC's keyring."""
        require(actor, "settings")
        key = parse_input(StripeKeyInput, data)
        store_secret(actor.studio_id, key.secret)

    def has_key(self, actor: Actor) -> bool:
        """Whether this PC holds the studio's key; NotSetUp (a sentence) without a keyring."""
        return bool(self._secret(actor.studio_id))

    def _client(self, actor: Actor) -> Any:
        return make_client(self._secret(actor.studio_id), self._api_base, self._retries)

    # --- pay by link --------------------------------------------------------------------

    def create_pay_link(self, actor: Actor, invoice_id: uuid.UUID) -> PayLink:
        """The Checkout Session for the balance due: the open one for this balance, or new."""
        require(actor, "billing")
        client = self._client(actor)
        return stripe_links.create_pay_link(self._db, client, actor, invoice_id, self._return_url)

    def poll_pay_link(
        self, actor: Actor, invoice_id: uuid.UUID, session_id: str | None = None
    ) -> PollResult:
        """Asks Stripe about the invoice's links; a paid one is recorded exactly once."""
        require(actor, "billing")
        client = self._client(actor)
        return stripe_links.poll_pay_link(self._db, client, actor, invoice_id, session_id)

    # --- card on file -------------------------------------------------------------------

    def create_card_setup(self, actor: Actor, payer: Payer) -> PayLink:
        """A Checkout Session in setup mode: the parent saves a card from their phone."""
        require(actor, "billing")
        client = self._client(actor)
        with self._db.read_session() as s:
            currency = studio_currency(s, actor.studio_id)
        customer = call(
            lambda: client.v1.customers.create(
                params={"name": payer.name, "metadata": {"payer": f"{payer.kind}:{payer.id}"}},
                options={"idempotency_key": f"customer-{payer.id}-{uuid.uuid4()}"},
            ),
            NO_CARD_SAVED,
        )
        session = call(
            lambda: client.v1.checkout.sessions.create(
                params={
                    "mode": "setup",
                    "currency": currency.lower(),
                    "customer": customer.id,
                    "success_url": self._return_url,
                    "cancel_url": self._return_url,
                    "metadata": {"payer": f"{payer.kind}:{payer.id}"},
                },
                options={"idempotency_key": f"setup-{payer.id}-{uuid.uuid4()}"},
            ),
            NO_CARD_SAVED,
        )
        return PayLink(
            invoice_id=payer.id,
            session_id=session.id,
            url=session.url or "",
            amount=Decimal(0),
            currency=currency,
        )

    def finish_card_setup(self, actor: Actor, payer: Payer, session_id: str) -> SavedCard | None:
        """Once the setup session is complete: keeps the payment method id, brand, last four."""
        require(actor, "billing")
        client = self._client(actor)
        session = call(lambda: client.v1.checkout.sessions.retrieve(session_id), NO_CARD_SAVED)
        if session.status == "expired":
            raise Conflict("The card setup link expired before a card was saved. Make a new one.")
        if session.status != "complete" or not session.setup_intent:
            return None
        intent_id = str(getattr(session.setup_intent, "id", session.setup_intent))
        intent = call(lambda: client.v1.setup_intents.retrieve(intent_id), NO_CARD_SAVED)
        pm_id = str(getattr(intent.payment_method, "id", intent.payment_method))
        pm = call(lambda: client.v1.payment_methods.retrieve(pm_id), NO_CARD_SAVED)
        card = pm.card
        with self._db.session() as s:
            existing = s.scalars(
                select(PaymentMethod).where(PaymentMethod.stripe_payment_method_id == pm.id)
            ).one_or_none()
            if existing is None:
                existing = PaymentMethod(
                    studio_id=actor.studio_id,
                    payment_type="card",
                    brand=str(card.brand if card else ""),
                    last_four=str(card.last4 if card else "0000"),
                    stripe_payment_method_id=pm.id,
                    stripe_customer_id=str(session.customer or ""),
                    is_default=True,
                    **payer_columns(payer),
                )
                s.add(existing)
                s.flush()
            return SavedCard(id=existing.id, brand=existing.brand, last_four=existing.last_four)

    def cards(self, actor: Actor, payer: Payer) -> tuple[SavedCard, ...]:
        require(actor, "billing")
        with self._db.read_session() as s:
            rows = s.scalars(
                select(PaymentMethod).where(
                    PaymentMethod.studio_id == actor.studio_id,
                    PaymentMethod.is_active,
                    payer_is(PaymentMethod, payer),
                )
            ).all()
            return tuple(SavedCard(id=r.id, brand=r.brand, last_four=r.last_four) for r in rows)

    def charge_card(self, actor: Actor, invoice_id: uuid.UUID, card_id: uuid.UUID) -> ChargeResult:
        """Charges the balance due to a saved card, off-session, exactly once (stripe_charges)."""
        require(actor, "billing")
        client = self._client(actor)
        return stripe_charges.charge_card(self._db, client, actor, invoice_id, card_id)

    # --- refunds ------------------------------------------------------------------------

    def refund(
        self, actor: Actor, payment_id: uuid.UUID, data: RefundCreate | dict[str, Any]
    ) -> str:
        """Refunds a Stripe payment through Stripe's Refund API, once, then records it."""
        require(actor, "billing")
        req = parse_input(RefundCreate, data)
        client = self._client(actor)
        return stripe_refunds.refund(self._db, client, actor, payment_id, req)

    # --- what was left open -------------------------------------------------------------

    def pending(self, actor: Actor, invoice_id: uuid.UUID | None = None) -> tuple[str, ...]:
        """The open attempts (of the invoice, or the studio) as sentences for the desk; reads
        only the database."""
        require(actor, "billing")
        where = [] if invoice_id is None else [StripeAttempt.invoice_id == invoice_id]
        with self._db.read_session() as s:
            attempts = [
                to_attempt(s, row)
                for row in open_rows(s, actor, *where)
                if row.kind != "pay_link" or row.stripe_id
            ]
            return tuple(_waiting(a, started(s, actor, a)) for a in attempts)

    def reconcile(self, actor: Actor, invoice_id: uuid.UUID | None = None) -> StripeCheck:
        """Asks Stripe about every open attempt no desk is at (of the invoice, or the whole
        studio at start-up) and settles each: money Stripe took is recorded once, what it did
        not take is closed. Never raises for Stripe or a missing key: what could not be
        settled stays pending, and is said."""
        require(actor, "billing")
        where = [] if invoice_id is None else [StripeAttempt.invoice_id == invoice_id]
        with self._db.read_session() as s:
            ids = [row.id for row in open_rows(s, actor, *where)]
        if not ids:
            return StripeCheck()
        try:
            client = self._client(actor)
        except NotSetUp:
            return StripeCheck(pending=self.pending(actor, invoice_id))
        settled: list[str] = []
        for attempt_id in ids:
            with held_connection(self._db) as conn:
                attempt = hold_open(conn, actor, attempt_id)
                if attempt is None:
                    continue  # another desk is at it, or settled it just now
                try:
                    outcome = self._settle(conn, client, actor, attempt)
                except StripeUnreachable:
                    break  # Stripe is not answering: the rest waits for the next time
                except StudioSyncError:
                    continue  # Stripe refused to say (an unknown object): left open, shown
            if outcome.status != "open" and outcome.sentence:
                settled.append(outcome.sentence)
        return StripeCheck(settled=tuple(settled), pending=self.pending(actor, invoice_id))

    def _settle(self, conn: Connection, client: Any, actor: Actor, attempt: Attempt) -> Settled:
        """An open attempt settled by asking Stripe what happened (never moving money)."""
        if attempt.kind == "charge":
            return stripe_charges.settle(conn, client, actor, attempt, None, resume=False)
        if attempt.kind == "refund":
            return stripe_refunds.settle(conn, client, actor, attempt, resume=False)
        return stripe_links.settle(conn, client, actor, attempt, self._return_url)


def _waiting(attempt: Attempt, when: str) -> str:
    amount = f"{attempt.amount:,.2f} {attempt.currency}"
    if attempt.kind == "charge":
        return f"A card payment of {amount}, {when}, is waiting for Stripe's answer. {IF_CHARGED}"
    if attempt.kind == "refund":
        return f"A refund of {amount}, {when}, is waiting for Stripe's answer. {IF_REFUNDED}"
    return (
        f"A pay link for {amount} is open ({when.replace('started', 'made')}): a payment "
        "through it is recorded here by itself."
    )
