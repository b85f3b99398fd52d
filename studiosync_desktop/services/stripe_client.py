"""The Stripe library set up for the studio: its key from this PC's keyring, amounts in minor
units, and what Stripe says (or does not say) turned into true sentences for the desk."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from studiosync_desktop import config
from studiosync_desktop.errors import Conflict, NotSetUp, StudioSyncError

if TYPE_CHECKING:  # the library loads on the first payment, not at start-up
    import stripe

KEYRING_SERVICE = "StudioSync"
# ISO 4217 minor-unit exponents that are not 2 (Stripe's zero- and three-decimal currencies).
ZERO_DECIMAL = (
    *("BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA"),
    *("PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF"),
)
EXPONENTS = {
    **dict.fromkeys(ZERO_DECIMAL, 0),
    **dict.fromkeys(("BHD", "JOD", "KWD", "OMR", "TND"), 3),
}

NO_KEY = (
    "No Stripe key is set up for this studio on this PC. An administrator adds it with "
    "Tools > Stripe key (it is kept in this PC's password store)."
)
NO_STORE_FOR_KEY = (
    "This PC has no password store (system keyring), so it cannot hold the studio's Stripe "
    "key and Stripe was not asked. Take card payments and pay links on a desk PC that has one, "
    "or record the payment by hand (Record payment). To use Stripe here, install and unlock a "
    "password store (GNOME Keyring or KWallet on Linux), then an administrator adds the key "
    "with Tools > Stripe key."
)
NO_STORE_TO_KEEP = (
    "This PC has no password store (system keyring) to keep the key in, so it was not saved. "
    "Install and unlock one (GNOME Keyring or KWallet on Linux), then add the key again."
)
KEY_REFUSED = "Stripe refused the studio's key: an administrator checks it in Tools > Stripe key."

# What the desk is told when Stripe does not answer, by what was at stake.
IF_CHARGED = (
    "If the card was charged, it will be recorded when Stripe answers; do not take another "
    "payment for this invoice until then."
)
IF_REFUNDED = (
    "If the money was refunded, it will be recorded when Stripe answers; do not refund this "
    "payment again until then."
)
CHARGE_UNANSWERED = f"Stripe could not be reached. {IF_CHARGED}"
DATABASE_LOST_CHARGING = (
    "The studio database could not be reached while Stripe was being asked. If the card was "
    "charged, it will be recorded when the database is back; do not take another payment for "
    "this invoice until then."
)
DATABASE_LOST_REFUNDING = (
    "The studio database could not be reached while Stripe was being asked. If the money was "
    "refunded, it will be recorded when the database is back; do not refund this payment "
    "again until then."
)
NOTHING_CHARGED = (
    "Stripe could not be reached, so nothing was charged. Check the internet connection "
    "and try again."
)
REFUND_UNANSWERED = f"Stripe could not be reached. {IF_REFUNDED}"
NO_LINK_MADE = (
    "Stripe could not be reached, so no pay link can be shown yet and nothing was charged. "
    "Check the internet connection and try again: it will be the same link."
)
NO_CARD_SAVED = (
    "Stripe could not be reached, so no card was saved yet. Check the internet connection "
    "and try again."
)
NOT_CHECKED = (
    "Stripe could not be reached to check for the payment. A payment made meanwhile is "
    "recorded when Stripe answers; checking again in a few seconds."
)


class StripeUnreachable(StudioSyncError):
    """Stripe did not answer (no connection, a lost reply, an error on Stripe's side): what it
    did is unknown until it is asked again. The message says what that means for the money."""


class StripeRefused(Conflict):
    """Stripe answered no to a request (not a declined card); `code` is Stripe's error code."""

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.code = code


def exponent(currency: str) -> int:
    return EXPONENTS.get(currency.upper(), 2)


def from_minor_units(amount: int, currency: str) -> Decimal:
    return Decimal(amount).scaleb(-exponent(currency))


def keyring_secret(studio_id: uuid.UUID) -> str | None:
    """The studio's Stripe secret key from this PC's keyring (never a file, never a log)."""
    try:
        return config.read_secret(f"stripe:{studio_id}", KEYRING_SERVICE)
    except NotSetUp as exc:
        raise NotSetUp(NO_STORE_FOR_KEY) from exc


def store_secret(studio_id: uuid.UUID, secret: str) -> None:
    if not config.set_secret(f"stripe:{studio_id}", secret, KEYRING_SERVICE):
        raise NotSetUp(NO_STORE_TO_KEEP)


def make_client(key: str | None, api_base: str | None, retries: int) -> stripe.StripeClient:
    if not key:
        raise NotSetUp(NO_KEY)
    import stripe

    kw: dict[str, Any] = {"max_network_retries": retries}
    api_base = api_base or config.stripe_api_base()
    if api_base:
        kw["base_addresses"] = {"api": api_base}
    return stripe.StripeClient(key, **kw)


def call(fn: Callable[[], Any], unanswered: str) -> Any:
    """A Stripe request. `unanswered` is what the desk is told when Stripe cannot be reached
    (after the library's own retries, which reuse the request's idempotency key). A declined
    card stays a CardError: the caller records it and names Stripe's reason."""
    import stripe

    try:
        return fn()
    except stripe.CardError:
        raise
    except (stripe.APIConnectionError, stripe.RateLimitError) as exc:
        raise StripeUnreachable(unanswered) from exc
    except (stripe.AuthenticationError, stripe.PermissionError) as exc:
        raise NotSetUp(KEY_REFUSED) from exc
    except stripe.InvalidRequestError as exc:
        message = exc.user_message or getattr(exc.error, "message", None) or str(exc)
        raise StripeRefused(f"Stripe refused the request: {message}", str(exc.code or "")) from exc
    except stripe.StripeError as exc:  # an error on Stripe's side: the outcome is unknown
        raise StripeUnreachable(unanswered) from exc
