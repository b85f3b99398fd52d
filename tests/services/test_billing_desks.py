"""Several desks issuing, crediting and paying one payer's invoices at the same moment."""

from __future__ import annotations

import logging
import uuid
from decimal import Decimal

import pytest
from desks import failures, race_desks
from factories import Maker
from sqlalchemy import text

from studiosync_desktop.db import Database
from studiosync_desktop.errors import StudioSyncError
from studiosync_desktop.schemas.billing import Payer
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services.invoicing import InvoicingService
from studiosync_desktop.services.payments import PaymentService


def _sent(inv: InvoicingService, admin: Actor, payer: Payer, price: str = "100.00") -> uuid.UUID:
    iid = _draft(inv, admin, payer, price)
    inv.issue(admin, iid)
    return iid


def _draft(inv: InvoicingService, admin: Actor, payer: Payer, price: str = "100.00") -> uuid.UUID:
    iid = inv.create_draft(admin, payer)
    inv.add_line(admin, iid, {"description": "Lessons", "unit_price": price})
    return iid


def _numbers(db: Database) -> list[int]:
    with db.read_session() as s:
        rows = s.execute(text("SELECT invoice_number FROM invoices WHERE invoice_number > ''"))
        return sorted(int(n.rsplit("-", 1)[1]) for (n,) in rows)


@pytest.mark.parametrize("run", range(3))
def test_eight_desks_mixing_issue_and_credit_note_never_deadlock(
    database_url: str, db: Database, admin: Actor, caplog: pytest.LogCaptureFixture, run: int
) -> None:
    """One payer, eight desks: half issue a draft, half credit a sent invoice, all at once.
    Every desk succeeds, the numbers have no gap, and the server broke no deadlock (a rerun
    by the retry mechanism would hide one from the outcome, so its log is checked too)."""
    family = Maker(db, admin.studio_id).family(f"Race family {run}")
    payer = Payer(kind="family", id=family)
    inv = InvoicingService(db)
    sent = [_sent(inv, admin, payer) for _ in range(4)]
    drafts = [_draft(inv, admin, payer) for _ in range(4)]

    def desk(own: Database, i: int) -> str:
        service = InvoicingService(own)
        if i % 2:
            return service.issue(admin, drafts[i // 2])
        return service.credit_note(admin, sent[i // 2], {"amount": "40.00", "reason": "Sick"})

    with caplog.at_level(logging.INFO, logger="studiosync_desktop"):
        results = race_desks(database_url, 8, desk)
    assert failures(results) == []
    assert not [r for r in caplog.records if "deadlock" in r.getMessage().lower()]
    assert _numbers(db) == list(range(1, 13))
    credit = PaymentService(db).account_credit(admin, payer)
    # Each credit note settles its unpaid original (100.00 due) in full: nothing left over.
    assert credit == Decimal("0.00")


def test_desks_paying_and_crediting_one_payer_keep_its_credit_exact(
    database_url: str, db: Database, admin: Actor
) -> None:
    """Overpayments (kept as credit), credit notes and 'apply credit' of one payer at once:
    nothing fails with a database error and the credit ledger adds up."""
    student = Maker(db, admin.studio_id).student("Ann", "Ledger")
    payer = Payer(kind="student", id=student)
    inv = InvoicingService(db)
    sent = [_sent(inv, admin, payer, "50.00") for _ in range(6)]

    def desk(own: Database, i: int) -> object:
        if i % 3 == 0:
            return PaymentService(own).record(
                admin, sent[i], {"amount": "80.00", "method": "cash", "excess_as_credit": True}
            )
        if i % 3 == 1:
            return InvoicingService(own).credit_note(
                admin, sent[i], {"amount": "50.00", "reason": "Refund"}
            )
        return PaymentService(own).apply_credit(admin, sent[i])

    results = race_desks(database_url, 6, desk)
    assert all(isinstance(r, StudioSyncError) or not isinstance(r, BaseException) for r in results)
    with db.read_session() as s:
        ledger = s.execute(
            text("SELECT coalesce(sum(amount), 0) FROM account_credits WHERE student_id = :s"),
            {"s": student},
        ).scalar_one()
        applied = s.execute(
            text(
                "SELECT coalesce(sum(amount), 0) FROM payments "
                "WHERE payment_method = 'account_credit'"
            )
        ).scalar_one()
    # In: two overpayments of 30.00 and two credit notes of 50.00. Out: every payment made
    # from credit (each credit note first settles its own invoice, then 'apply credit').
    assert ledger == Decimal("160.00") - applied
    assert ledger >= 0
