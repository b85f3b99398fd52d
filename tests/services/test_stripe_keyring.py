"""Stripe on a PC without a keyring: a sentence saying what to do, and Stripe is not asked."""

from __future__ import annotations

import re
from typing import Any

import pytest
from stripe_server import FakeStripe

from studiosync_desktop.db import Database
from studiosync_desktop.errors import NotSetUp
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.schemas.stripe import SavedCard
from studiosync_desktop.services.stripe_client import StripeUnreachable
from studiosync_desktop.services.stripe_payments import StripePayments

NO_STORE = re.escape("This PC has no password store (system keyring)")


def test_without_a_keyring_every_stripe_action_says_what_to_do_and_asks_stripe_nothing(
    db: Database,
    admin: Actor,
    fake: FakeStripe,
    invoice: dict[str, Any],
    card: SavedCard,
    no_keyring: None,
) -> None:
    asked = len(fake.requests)
    sp = StripePayments(db, api_base=fake.base)  # the key from this PC's keyring, as the app
    actions = [
        lambda: sp.has_key(admin),
        lambda: sp.create_pay_link(admin, invoice["id"]),
        lambda: sp.poll_pay_link(admin, invoice["id"]),
        lambda: sp.charge_card(admin, invoice["id"], card.id),
        lambda: sp.create_card_setup(admin, invoice["payer"]),
    ]
    for action in actions:
        with pytest.raises(NotSetUp, match=NO_STORE) as said:
            action()
        assert "Stripe was not asked" in str(said.value)
    with pytest.raises(NotSetUp, match=r"no password store .* so it was not saved"):
        sp.save_key(admin, {"secret": "sk_test_new"})
    assert len(fake.requests) == asked


def test_open_attempts_stay_pending_and_are_said_on_a_pc_without_a_keyring(
    db: Database,
    admin: Actor,
    sp: StripePayments,
    fake: FakeStripe,
    invoice: dict[str, Any],
    card: SavedCard,
    no_keyring: None,
) -> None:
    fake.drop_next["/v1/payment_intents/"] = 3
    with pytest.raises(StripeUnreachable):
        sp.charge_card(admin, invoice["id"], card.id)  # on a desk PC with the key
    here = StripePayments(db, api_base=fake.base)  # this PC reads its (missing) keyring
    check = here.reconcile(admin)
    assert check.settled == () and "is waiting for Stripe's answer" in check.pending[0]
