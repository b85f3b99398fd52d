"""What the Stripe service hands the screens: links, saved cards, charges and what Stripe said."""

from __future__ import annotations

import uuid
from decimal import Decimal

from studiosync_desktop.schemas.common import Frozen


class PayLink(Frozen):
    """A Checkout Session for an invoice's balance (or for saving a card: amount 0).
    `status` is "paid" when the invoice's open link turned out to be paid already."""

    invoice_id: uuid.UUID
    session_id: str
    url: str
    amount: Decimal
    currency: str
    status: str = "open"


class PollResult(Frozen):
    """What Stripe says of a Checkout Session: open, paid (recorded once) or expired."""

    status: str
    recorded: bool = False
    amount: Decimal = Decimal(0)


class SavedCard(Frozen):
    id: uuid.UUID
    brand: str
    last_four: str


class ChargeResult(Frozen):
    """A card charge Stripe took and the studio recorded. `earlier` when the money came from
    an attempt started before (a press whose answer was lost), found and recorded now."""

    amount: Decimal
    currency: str
    card: str
    earlier: bool = False

    @property
    def sentence(self) -> str:
        if self.earlier:
            return (
                f"The earlier charge of {self.amount:,.2f} {self.currency} to the {self.card} "
                "went through at Stripe and is now recorded. Nothing more was charged."
            )
        return f"Charged {self.amount:,.2f} {self.currency} to the {self.card}."


class StripeCheck(Frozen):
    """After asking Stripe about an invoice's open attempts (or the studio's): what was settled
    now, and what is still waiting, each as a sentence for the desk."""

    settled: tuple[str, ...] = ()
    pending: tuple[str, ...] = ()
