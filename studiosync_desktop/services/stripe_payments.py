"""Stripe: pay by link (Checkout), card on file (setup + off-session charge), refunds.

Amounts go to Stripe in the currency's minor units, computed with Decimal. Every attempt the
receptionist makes carries its own idempotency key, which the library reuses when it retries
a request after a network failure, so a charge cut off mid-way happens once.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from studiosync_desktop.db import Database
from studiosync_desktop.errors import Conflict, NotFound, StudioSyncError, ValidationFailed
from studiosync_desktop.models import Invoice, Payment, PaymentMethod, Studio
from studiosync_desktop.money import to_minor_units
from studiosync_desktop.schemas.billing import Payer, RefundCreate, StripeKeyInput
from studiosync_desktop.schemas.common import Actor, Frozen, parse_input
from studiosync_desktop.services.invoicing import (
    label,
    lock_invoice,
    log_event,
    payer_columns,
    payer_is,
    payer_of,
)
from studiosync_desktop.services.payments import PaymentService, add_credit
from studiosync_desktop.services.permissions import require

if TYPE_CHECKING:  # the library loads on the first payment, not at start-up
    import stripe

KEYRING_SERVICE = "StudioSync"
# ISO 4217 minor-unit exponents that are not 2 (Stripe's zero- and three-decimal currencies).
EXPONENTS = {
    **dict.fromkeys(
        (
            [
                "BIF",
                "CLP",
                "DJF",
                "GNF",
                "JPY",
                "KMF",
                "KRW",
                "MGA",
                "PYG",
                "RWF",
                "UGX",
                "VND",
                "VUV",
                "XAF",
                "XOF",
                "XPF",
            ]
        ),
        0,
    ),
    **dict.fromkeys((["BHD", "JOD", "KWD", "OMR", "TND"]), 3),
}


def exponent(currency: str) -> int:
    return EXPONENTS.get(currency.upper(), 2)


def from_minor_units(amount: int, currency: str) -> Decimal:
    return Decimal(amount).scaleb(-exponent(currency))


def keyring_secret(studio_id: uuid.UUID) -> str | None:
    """The studio's Stripe secret key from the system keyring (never a file, never a log)."""
    import keyring

    value: str | None = keyring.get_password(KEYRING_SERVICE, f"stripe:{studio_id}")
    return value


def store_secret(studio_id: uuid.UUID, secret: str) -> None:
    import keyring

    keyring.set_password(KEYRING_SERVICE, f"stripe:{studio_id}", secret)


class PayLink(Frozen):
    invoice_id: uuid.UUID
    session_id: str
    url: str
    amount: Decimal
    currency: str


class PollResult(Frozen):
    """What Stripe says of a Checkout Session: open, paid (recorded once) or expired."""

    status: str
    recorded: bool = False
    amount: Decimal = Decimal(0)


class SavedCard(Frozen):
    id: uuid.UUID
    brand: str
    last_four: str


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
        import keyring.errors

        try:
            store_secret(actor.studio_id, key.secret)
        except keyring.errors.KeyringError as exc:
            raise Conflict(f"This PC has no password store to keep the key in ({exc}).") from exc

    def has_key(self, actor: Actor) -> bool:
        return bool(self._secret(actor.studio_id))

    def _client(self, actor: Actor) -> stripe.StripeClient:
        key = self._secret(actor.studio_id)
        if not key:
            raise Conflict(
                "No Stripe key is set up for this studio on this PC. An administrator adds "
                "it with Tools > Stripe key (it is kept in the system keyring)."
            )
        import stripe

        kw: dict[str, Any] = {"max_network_retries": self._retries}
        if self._api_base:
            kw["base_addresses"] = {"api": self._api_base}
        return stripe.StripeClient(key, **kw)

    @staticmethod
    def _currency(s: Session, studio_id: uuid.UUID) -> str:
        return s.scalar(select(Studio.currency).where(Studio.id == studio_id)) or "USD"

    # --- pay by link --------------------------------------------------------------------

    def create_pay_link(self, actor: Actor, invoice_id: uuid.UUID) -> PayLink:
        """A Checkout Session for the balance due (never the total), stored on the invoice."""
        require(actor, "billing")
        client = self._client(actor)
        with self._db.session() as s:
            inv = lock_invoice(s, actor, invoice_id)
            if inv.status not in ("sent", "partial"):
                raise Conflict(f"{label(inv)} has no balance to pay online.")
            balance = inv.total - inv.amount_paid
            currency = self._currency(s, actor.studio_id)
            minor = to_minor_units(balance, exponent(currency))
            session = _call(
                lambda: client.v1.checkout.sessions.create(
                    params={
                        "mode": "payment",
                        "client_reference_id": str(inv.id),
                        "success_url": self._return_url,
                        "cancel_url": self._return_url,
                        "metadata": {"invoice_id": str(inv.id), "number": label(inv)},
                        "line_items": [
                            {
                                "quantity": 1,
                                "price_data": {
                                    "currency": currency.lower(),
                                    "unit_amount": minor,
                                    "product_data": {"name": f"Invoice {label(inv)}"},
                                },
                            }
                        ],
                    },
                    options={"idempotency_key": f"paylink-{inv.id}-{uuid.uuid4()}"},
                )
            )
            inv.pay_link_session_id = session.id
            inv.pay_link_url = session.url or ""
            log_event(s, actor, inv.id, "pay_link", f"Pay link for {balance:,.2f} {currency}")
            return PayLink(
                invoice_id=inv.id,
                session_id=session.id,
                url=inv.pay_link_url,
                amount=balance,
                currency=currency,
            )

    def poll_pay_link(self, actor: Actor, invoice_id: uuid.UUID) -> PollResult:
        """Asks Stripe about the invoice's session; a paid one is recorded exactly once,
        whichever desk polls first and however often (the transaction id is unique)."""
        require(actor, "billing")
        with self._db.read_session() as s:
            session_id = s.scalar(
                select(Invoice.pay_link_session_id).where(
                    Invoice.id == invoice_id, Invoice.studio_id == actor.studio_id
                )
            )
        if not session_id:
            raise NotFound("This invoice has no pay link.")
        client = self._client(actor)
        session = _call(lambda: client.v1.checkout.sessions.retrieve(session_id))
        if session.status == "expired":
            with self._db.session() as s:
                inv = lock_invoice(s, actor, invoice_id)
                if inv.pay_link_session_id == session_id:
                    inv.pay_link_session_id = ""
                    inv.pay_link_url = ""
                    log_event(s, actor, inv.id, "pay_link", "Pay link expired unpaid")
            return PollResult(status="expired")
        if session.status != "complete" or session.payment_status != "paid":
            return PollResult(status="open")
        currency = (session.currency or "usd").upper()
        amount = from_minor_units(int(session.amount_total or 0), currency)
        reference = str(session.payment_intent or session.id)
        recorded = self._record_stripe(actor, invoice_id, amount, reference, "Paid online")
        return PollResult(status="paid", recorded=recorded, amount=amount)

    def _record_stripe(
        self, actor: Actor, invoice_id: uuid.UUID, amount: Decimal, reference: str, note: str
    ) -> bool:
        """Records money Stripe took; False if it was already recorded. Money above the
        balance (paid at the desk meanwhile) is kept as account credit, never lost."""
        with self._db.session() as s:
            inv = lock_invoice(s, actor, invoice_id)
            seen = s.scalar(select(Payment.id).where(Payment.transaction_id == reference))
            if seen is not None:
                return False
            balance = max(inv.total - inv.amount_paid, Decimal(0))
            applied = min(amount, balance)
            payment_id: uuid.UUID | None = None
            if applied > 0:
                payment_id = s.execute(
                    insert(Payment)
                    .values(
                        studio_id=actor.studio_id,
                        invoice_id=inv.id,
                        amount=applied,
                        payment_method="stripe",
                        transaction_id=reference,
                        status="completed",
                        notes=note,
                        processed_by_id=actor.user_id,
                        processed_at=func.now(),
                    )
                    .on_conflict_do_nothing(index_elements=["transaction_id"])
                    .returning(Payment.id)
                ).scalar_one_or_none()
                if payment_id is None:
                    return False
            if amount > applied:
                add_credit(
                    s,
                    actor,
                    payer_of(inv),
                    amount - applied,
                    inv.id,
                    payment_id,
                    f"Stripe {reference} above the balance of {label(inv)}",
                )
            inv.pay_link_session_id = ""
            inv.pay_link_url = ""
            s.flush()
            log_event(s, actor, inv.id, "payment", f"{amount:,.2f} via Stripe ({reference})")
            return True

    # --- card on file -------------------------------------------------------------------

    def create_card_setup(self, actor: Actor, payer: Payer) -> PayLink:
        """A Checkout Session in setup mode: the parent saves a card from their phone."""
        require(actor, "billing")
        client = self._client(actor)
        with self._db.read_session() as s:
            currency = self._currency(s, actor.studio_id)
        customer = _call(
            lambda: client.v1.customers.create(
                params={"name": payer.name, "metadata": {"payer": f"{payer.kind}:{payer.id}"}},
                options={"idempotency_key": f"customer-{payer.id}-{uuid.uuid4()}"},
            )
        )
        session = _call(
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
            )
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
        session = _call(lambda: client.v1.checkout.sessions.retrieve(session_id))
        if session.status == "expired":
            raise Conflict("The card setup link expired before a card was saved. Make a new one.")
        if session.status != "complete" or not session.setup_intent:
            return None
        intent_id = str(getattr(session.setup_intent, "id", session.setup_intent))
        intent = _call(lambda: client.v1.setup_intents.retrieve(intent_id))
        pm_id = str(getattr(intent.payment_method, "id", intent.payment_method))
        pm = _call(lambda: client.v1.payment_methods.retrieve(pm_id))
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

    def charge_card(
        self, actor: Actor, invoice_id: uuid.UUID, card_id: uuid.UUID, attempt: str | None = None
    ) -> Decimal:
        """Charges the balance due to a saved card, off-session. `attempt` is this attempt's
        idempotency key (a new one per press of the button; the library reuses it on retry).
        A declined card raises Conflict with Stripe's reason and records nothing as paid."""
        require(actor, "billing")
        client = self._client(actor)
        with self._db.read_session() as s:
            inv = s.get(Invoice, invoice_id)
            card = s.get(PaymentMethod, card_id)
            if inv is None or inv.studio_id != actor.studio_id:
                raise NotFound("This invoice no longer exists.")
            if card is None or not card.is_active or card.studio_id != actor.studio_id:
                raise NotFound("This saved card no longer exists.")
            owner = {k: getattr(card, k) for k in ("family_id", "band_id", "student_id")}
            if owner != payer_columns(payer_of(inv)):
                raise ValidationFailed(
                    {"card_id": f"This card is not saved for the payer of {label(inv)}."}
                )
            if inv.status not in ("sent", "partial"):
                raise Conflict(f"{label(inv)} has no balance to charge.")
            balance = inv.total - inv.amount_paid
            currency = self._currency(s, actor.studio_id)
            number = label(inv)
            pm_id, customer = card.stripe_payment_method_id, card.stripe_customer_id
            card_label = f"{card.brand} ending {card.last_four}"
        key = attempt or f"charge-{invoice_id}-{uuid.uuid4()}"
        import stripe

        try:
            intent = _call(
                lambda: client.v1.payment_intents.create(
                    params={
                        "amount": to_minor_units(balance, exponent(currency)),
                        "currency": currency.lower(),
                        "customer": customer or None,  # type: ignore[typeddict-item]
                        "payment_method": pm_id,
                        "off_session": True,
                        "confirm": True,
                        "description": f"Invoice {number}",
                        "metadata": {"invoice_id": str(invoice_id)},
                    },
                    options={"idempotency_key": key},
                )
            )
        except stripe.CardError as exc:
            reason = exc.user_message or str(exc.code or "declined")
            with self._db.session() as s:
                log_event(s, actor, invoice_id, "card_declined", f"{card_label}: {reason}")
            raise Conflict(f"The card ({card_label}) was declined: {reason}") from exc
        if intent.status != "succeeded":
            raise Conflict(f"Stripe did not take the payment (status: {intent.status}).")
        amount = from_minor_units(int(intent.amount_received or intent.amount), currency)
        self._record_stripe(actor, invoice_id, amount, intent.id, f"Charged {card_label}")
        return amount

    # --- refunds ------------------------------------------------------------------------

    def refund(
        self,
        actor: Actor,
        payment_id: uuid.UUID,
        data: RefundCreate | dict[str, Any],
        attempt: str | None = None,
    ) -> None:
        """Refunds a Stripe payment through Stripe's Refund API, then records it."""
        require(actor, "billing")
        req = parse_input(RefundCreate, data)
        client = self._client(actor)
        with self._db.session() as s:
            invoice_id = s.scalar(
                select(Payment.invoice_id).where(
                    Payment.id == payment_id, Payment.studio_id == actor.studio_id
                )
            )
            if invoice_id is None:
                raise NotFound("This payment no longer exists.")
            inv = lock_invoice(s, actor, invoice_id)
            payment = s.scalars(
                select(Payment).where(Payment.id == payment_id).with_for_update()
            ).one()
            if payment.payment_method != "stripe" or not payment.transaction_id:
                raise Conflict("Only a Stripe payment is refunded through Stripe.")
            refundable = payment.amount - payment.refunded_amount
            if req.amount > refundable:
                raise ValidationFailed(
                    {"amount": f"At most {refundable:,.2f} of this payment can still be refunded."}
                )
            currency = self._currency(s, actor.studio_id)
            reference = payment.transaction_id
            # The invoice and payment rows stay locked while Stripe refunds: no double refund.
            _call(
                lambda: client.v1.refunds.create(
                    params={
                        "payment_intent": reference,
                        "amount": to_minor_units(req.amount, exponent(currency)),
                    },
                    options={"idempotency_key": attempt or f"refund-{payment_id}-{uuid.uuid4()}"},
                )
            )
            PaymentService._refund_locked(s, actor, inv, payment, req)


def _call(fn: Callable[[], Any]) -> Any:
    """A Stripe call; its errors become messages a receptionist can act on (a declined card
    stays a CardError: the caller records it and names Stripe's reason)."""
    import stripe

    try:
        return fn()
    except stripe.CardError:
        raise
    except stripe.APIConnectionError as exc:
        raise StudioSyncError(
            "Stripe could not be reached. Nothing was charged twice; try again in a moment."
        ) from exc
    except stripe.AuthenticationError as exc:
        raise Conflict("Stripe refused the studio's key: check it in Tools > Stripe key.") from exc
    except stripe.InvalidRequestError as exc:
        raise Conflict(f"Stripe refused the request: {exc.user_message or exc}") from exc
    except stripe.StripeError as exc:
        raise StudioSyncError(f"Stripe reported a problem: {exc.user_message or exc}") from exc
