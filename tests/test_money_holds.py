"""Money the desk cannot bend from psql (migration 0056): an issued invoice holds what it was
issued with, its lines stay on it, numbers are handed out once and in order, and account credit
comes only from a credit note, an overpayment or a refund to credit, each up to its amount.

Every attack is made with the desk's own login in psql, on invoices the app issued as that
login; the app's own billing, as the same login, still does all of its work (the last tests).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import psycopg
import pytest
from permission_world import NOW, PASSWORD, World
from sqlalchemy.engine import make_url
from test_other_studios_ids import Connect, connect, world

from studiosync_desktop.db import Database
from studiosync_desktop.embedded import libpq_dsn
from studiosync_desktop.errors import StudioSyncError
from studiosync_desktop.schemas.billing import Payer
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services import stripe_attempts
from studiosync_desktop.services.invoicing import InvoicingService
from studiosync_desktop.services.payments import PaymentService

__all__ = ["connect", "world"]  # the fixtures, shared with test_other_studios_ids

REFUSED = psycopg.errors.CheckViolation


@dataclass(frozen=True)
class Desk:
    """The app as the desk's login: its services, who acts, and two families of the studio."""

    db: Database
    actor: Actor
    invoicing: InvoicingService
    payments: PaymentService
    family: uuid.UUID
    other_family: uuid.UUID

    def draft(self, price: str = "100.00", family: uuid.UUID | None = None) -> uuid.UUID:
        payer = Payer(kind="family", id=family or self.family)
        iid = self.invoicing.create_draft(self.actor, payer)
        self.invoicing.add_line(self.actor, iid, {"description": "Lessons", "unit_price": price})
        return iid

    def sent(self, price: str = "100.00", family: uuid.UUID | None = None) -> uuid.UUID:
        iid = self.draft(price, family)
        self.invoicing.issue(self.actor, iid)
        return iid

    def paid(self, price: str = "100.00") -> uuid.UUID:
        iid = self.sent(price)
        self.payments.record(self.actor, iid, {"amount": price, "method": "cash"})
        return iid

    def credit(self, family: uuid.UUID | None = None) -> Decimal:
        return self.payments.account_credit(
            self.actor, Payer(kind="family", id=family or self.family)
        )


@pytest.fixture(scope="module")
def app(world: World, database_url: str) -> Iterator[Desk]:
    me = world.logins["desk"]
    url = make_url(database_url).set(username=me.login, password=PASSWORD)
    db = Database(url, pool_size=2, max_overflow=2)
    with psycopg.connect(libpq_dsn(database_url), user=me.login, password=PASSWORD) as conn:
        families = [
            r[0]
            for r in conn.execute(
                "SELECT id FROM families WHERE name LIKE 'Family %' ORDER BY name"
            ).fetchall()
        ]
    actor = Actor(user_id=me.user, studio_id=me.studio, role="desk", name="Dee Desk")
    yield Desk(db, actor, InvoicingService(db), PaymentService(db), families[0], families[1])
    db.dispose()


def one(conn: psycopg.Connection[Any], query: str, *params: Any) -> Any:
    row = conn.execute(query, params).fetchone()  # type: ignore[arg-type]
    return None if row is None else row[0]


def refused(conn: psycopg.Connection[Any], query: str, *params: Any) -> str:
    """Runs a statement that must be refused by a check; returns the server's message."""
    with pytest.raises(REFUSED) as caught, conn.transaction():
        conn.execute(query, params)  # type: ignore[arg-type]
    return str(caught.value)


def refused_by_commit(conn: psycopg.Connection[Any], query: str, *params: Any) -> str:
    """A statement refused when it runs or when its transaction commits (a check that waits
    for the end of the transaction); the connection is rolled back."""
    with pytest.raises(REFUSED) as caught:
        conn.execute(query, params)  # type: ignore[arg-type]
        conn.commit()
    conn.rollback()
    return str(caught.value)


# -- an issued invoice holds ------------------------------------------------------------------


@pytest.mark.parametrize("state", ["sent", "paid"])
def test_an_issued_invoice_never_goes_back_to_draft(
    connect: Connect, app: Desk, state: str
) -> None:
    """`invoices_keep_issued` spares drafts, and nothing stopped an issued invoice from being
    set back to draft: then deleted (its number gone), or rewritten and sent again: a paid
    invoice given a line of 500 was 'partial' with 780.00 due. Now a move back to draft is
    refused, so the delete stays refused too."""
    iid = app.paid("280.00") if state == "paid" else app.sent("280.00")
    desk = connect("desk")
    assert "issued" in refused(desk, "UPDATE invoices SET status = 'draft' WHERE id = %s", iid)
    with pytest.raises(psycopg.errors.InsufficientPrivilege), desk.transaction():
        desk.execute("DELETE FROM invoices WHERE id = %s", (iid,))
    with pytest.raises(REFUSED), desk.transaction():
        desk.execute("UPDATE invoices SET status = 'draft' WHERE id = %s", (iid,))
        desk.execute(
            "INSERT INTO invoice_line_items (studio_id, invoice_id, description, unit_price)"
            " VALUES (app_studio_id(), %s, 'extra', 500)",
            (iid,),
        )
        desk.execute("UPDATE invoices SET status = 'sent' WHERE id = %s", (iid,))
    assert one(desk, "SELECT total FROM invoices WHERE id = %s", iid) == Decimal("280.00")


FROZEN = {
    "discount": "subtotal + tax",
    "tax_rate": "50",
    "late_fee": "500",
    "family_id": "(SELECT id FROM families WHERE id <> family_id LIMIT 1)",
    "issue_date": "issue_date - 40",
    "due_date": "due_date + 365",
    "period_start": "DATE '2001-01-01'",
    "notes": "'Paid in full, nothing more is owed'",
    "credit_note_for_id": "(SELECT id FROM invoices i WHERE i.id <> invoices.id LIMIT 1)",
    "sent_at": "sent_at - interval '40 days'",
}


@pytest.mark.parametrize("column", sorted(FROZEN))
def test_what_an_issued_invoice_says_is_not_rewritten(
    connect: Connect, app: Desk, column: str
) -> None:
    """`invoices_compute_totals` stopped only a void invoice's return and a new number: the
    desk set the discount of a sent invoice to its whole amount (total 0.00, 'paid'), gave a
    paid invoice to another family, changed its tax rate or late fee, its dates and its notes.
    Refused now, whoever sets it."""
    iid = app.sent("120.00")
    desk = connect("desk")
    refused(desk, f"UPDATE invoices SET {column} = {FROZEN[column]} WHERE id = %s", iid)
    status, total = desk.execute(
        "SELECT status, total FROM invoices WHERE id = %s", (iid,)
    ).fetchone() or (None, None)
    assert (status, total) == ("sent", Decimal("120.00"))


def test_a_line_is_not_moved_off_an_issued_invoice(connect: Connect, app: Desk) -> None:
    """`invoice_lines_guard` asked only about the invoice a line moves TO: a line of a sent
    invoice moved onto a draft left the sent one cheaper (and its lesson billed on the draft).
    Now the invoice it leaves is asked too."""
    iid, draft = app.sent("75.00"), app.draft("10.00")
    desk = connect("desk")
    line = one(desk, "SELECT id FROM invoice_line_items WHERE invoice_id = %s", iid)
    refused(desk, "UPDATE invoice_line_items SET invoice_id = %s WHERE id = %s", draft, line)
    assert one(desk, "SELECT total FROM invoices WHERE id = %s", iid) == Decimal("75.00")


def test_a_paid_invoice_is_voided_only_once_its_payments_are_refunded(
    connect: Connect, app: Desk
) -> None:
    """Voiding gives an invoice's lessons back to be billed again; the app voids only an
    invoice with nothing paid on it ("refund the payments first"). The desk in psql voided a
    paid one: its lessons billable again and its payment still counted."""
    iid = app.paid("60.00")
    desk = connect("desk")
    refused(desk, "UPDATE invoices SET status = 'void', voided_at = now() WHERE id = %s", iid)


# -- numbers ----------------------------------------------------------------------------------


def _counter(conn: psycopg.Connection[Any], year: int) -> Any:
    return one(conn, "SELECT last_number FROM invoice_number_counters WHERE year = %s", year)


@pytest.mark.parametrize("to", ["last_number - 1", "0", "last_number + 5", "2147483647"])
def test_the_number_counter_never_goes_back_or_skips(connect: Connect, app: Desk, to: str) -> None:
    """The desk may write the counter (the app's issue does), and set it to anything: back, so
    the app handed out a number again (or failed every issue on the unique number), or ahead
    (gaps; at 2147483647 no invoice could be issued again). Now the counter moves only by the
    numbers the same transaction gives to invoices."""
    app.sent()
    desk = connect("desk")
    before = _counter(desk, NOW.year)
    refused_by_commit(
        desk, f"UPDATE invoice_number_counters SET last_number = {to} WHERE year = %s", NOW.year
    )
    assert _counter(desk, NOW.year) == before
    app.sent()  # the app still numbers on
    assert _counter(desk, NOW.year) == before + 1


def test_a_new_years_counter_starts_at_its_highest_number(connect: Connect, app: Desk) -> None:
    """After INV-2026-00164 was deleted, `INSERT INTO invoice_number_counters ... 163` made the
    app's reserve_numbers hand out 164 again, to another family; a counter started at 0 failed
    every issue on the unique number. A year's new counter starts at its highest number now.
    (Here a later year whose invoices the owner loaded without a counter, as the demo does.)"""
    year = NOW.year + 3
    owner = connect("owner")
    owner.execute(
        "INSERT INTO invoices (studio_id, family_id, status, invoice_number, issue_date)"
        " VALUES (%s, %s, 'sent', %s, %s)",
        (app.actor.studio_id, app.family, f"INV-{year}-00164", NOW.date()),
    )
    owner.commit()
    desk = connect("desk")
    for start in (163, 0, 9000):
        refused_by_commit(
            desk,
            "INSERT INTO invoice_number_counters (studio_id, year, last_number)"
            " VALUES (app_studio_id(), %s, %s)",
            year,
            start,
        )
    desk.execute(
        "INSERT INTO invoice_number_counters (studio_id, year, last_number)"
        " VALUES (app_studio_id(), %s, 164)",
        (year,),
    )


def test_a_draft_is_not_issued_with_a_number_the_counter_did_not_give(
    connect: Connect, app: Desk
) -> None:
    """Issued by hand with a number ahead of the counter, a draft took the number the app would
    give next: every issue after it failed on the unique number. And an invoice inserted as
    issued, or a draft holding a number, did the same."""
    draft = app.draft()
    desk = connect("desk")
    number = f"INV-{NOW.year}-{_counter(desk, NOW.year) + 1:05d}"
    refused(
        desk,
        "UPDATE invoices SET status = 'sent', invoice_number = %s, issue_date = current_date"
        " WHERE id = %s",
        number,
        draft,
    )
    refused(desk, "UPDATE invoices SET invoice_number = %s WHERE id = %s", number, draft)
    refused(
        desk,
        "INSERT INTO invoices (studio_id, family_id, status, invoice_number, issue_date)"
        " VALUES (app_studio_id(), %s, 'paid', %s, current_date)",
        app.family,
        number,
    )


def test_a_credit_note_is_for_no_more_than_its_invoice(connect: Connect, app: Desk) -> None:
    """The app credits at most what is left of an invoice; a draft credit note written by hand
    for 1000 against an invoice of 100, then issued, was a negative invoice of -1000."""
    iid = app.sent("100.00")
    desk = connect("desk")
    note = one(
        desk,
        "INSERT INTO invoices (studio_id, family_id, status, credit_note_for_id)"
        " VALUES (app_studio_id(), %s, 'draft', %s) RETURNING id",
        app.family,
        iid,
    )
    desk.execute(
        "INSERT INTO invoice_line_items (studio_id, invoice_id, description, unit_price)"
        " VALUES (app_studio_id(), %s, 'Credit', -1000)",
        (note,),
    )
    desk.commit()
    with pytest.raises(StudioSyncError, match="no more than is left"):
        app.invoicing.issue(app.actor, note)
    assert one(desk, "SELECT status FROM invoices WHERE id = %s", note) == "draft"


# -- account credit ---------------------------------------------------------------------------


def test_account_credit_is_not_made_from_nothing(connect: Connect, app: Desk) -> None:
    """`INSERT INTO account_credits ... 1000000, 'free money'` with no invoice or payment was
    accepted, then spent: an 'account_credit' payment and a negative credit paid an invoice.
    A credit now comes from a credit note, an overpayment or a refund to credit."""
    desk = connect("desk")
    refused(
        desk,
        "INSERT INTO account_credits (studio_id, family_id, amount, note)"
        " VALUES (app_studio_id(), %s, 1000000, 'free money')",
        app.family,
    )


def test_a_credit_note_gives_its_amount_of_credit_once(connect: Connect, app: Desk) -> None:
    """A credit note of 40 on a paid invoice gives 40 of credit (the app's row); the desk
    added the same again, and more, naming the note."""
    iid = app.paid("90.00")
    before = app.credit()
    app.invoicing.credit_note(app.actor, iid, {"amount": "40.00", "reason": "Sick day"})
    assert app.credit() == before + Decimal("40.00")
    desk = connect("desk")
    note = one(desk, "SELECT id FROM invoices WHERE credit_note_for_id = %s", iid)
    refused(
        desk,
        "INSERT INTO account_credits (studio_id, family_id, amount, invoice_id, note)"
        " VALUES (app_studio_id(), %s, 40, %s, 'again')",
        app.family,
        note,
    )


def test_an_old_payment_gives_no_overpayment_credit(connect: Connect, app: Desk) -> None:
    """An overpayment is kept as credit when the payment is taken; naming a payment taken
    yesterday (or any paid invoice's) made credit out of it as often as the desk liked."""
    iid = app.paid("50.00")
    desk = connect("desk")
    payment = one(desk, "SELECT id FROM payments WHERE invoice_id = %s", iid)
    refused(
        desk,
        "INSERT INTO account_credits (studio_id, family_id, amount, invoice_id, payment_id)"
        " VALUES (app_studio_id(), %s, 500, %s, %s)",
        app.family,
        iid,
        payment,
    )


def test_a_negative_credit_only_pays_an_invoice(connect: Connect, app: Desk) -> None:
    """A negative credit with nothing paid by it took a family's credit away (a desk could
    empty anyone's); a negative credit pays an invoice from credit, by the same amount."""
    iid = app.sent("30.00")
    app.payments.record(
        app.actor, iid, {"amount": "50.00", "method": "cash", "excess_as_credit": True}
    )
    assert app.credit() >= Decimal("20.00")
    desk = connect("desk")
    refused(
        desk,
        "INSERT INTO account_credits (studio_id, family_id, amount, invoice_id, note)"
        " VALUES (app_studio_id(), %s, -20, %s, 'gone')",
        app.family,
        iid,
    )


def test_an_invoice_is_not_paid_from_credit_it_never_used(connect: Connect, app: Desk) -> None:
    """A payment 'account_credit' 'completed' with no credit spent on it paid an invoice with
    nothing (and a day close leaves such payments out: no one counted it)."""
    iid = app.sent("45.00")
    desk = connect("desk")
    refused_by_commit(
        desk,
        "INSERT INTO payments (studio_id, invoice_id, amount, payment_method, status)"
        " VALUES (app_studio_id(), %s, 45, 'account_credit', 'completed')",
        iid,
    )
    assert one(desk, "SELECT status FROM invoices WHERE id = %s", iid) == "sent"


# -- found again after 0056 (0059) ------------------------------------------------------------


def test_a_credit_note_is_never_voided_so_its_credit_is_given_once(
    connect: Connect, app: Desk
) -> None:
    """With the app's own calls: credit_note(D, 100) then void(note), three times over: the
    payer's credit grew by 100 each time and D stayed paid (the "no more than is left" sum
    counts only notes that are not void, and a note has nothing paid on it). A credit note's
    credit is given when it is issued; the app refuses to void one, and so does the database."""
    iid = app.paid("100.00")
    before = app.credit()
    app.invoicing.credit_note(app.actor, iid, {"amount": "100.00", "reason": "Refund as credit"})
    desk = connect("desk")
    note = one(desk, "SELECT id FROM invoices WHERE credit_note_for_id = %s", iid)
    with pytest.raises(StudioSyncError, match="credit note"):
        app.invoicing.void(app.actor, note, {"reason": "Again"})
    refused(desk, "UPDATE invoices SET status = 'void', voided_at = now() WHERE id = %s", note)
    with pytest.raises(StudioSyncError, match="At most"):
        app.invoicing.credit_note(app.actor, iid, {"amount": "100.00", "reason": "Again"})
    assert app.credit() == before + Decimal("100.00")


def test_an_invoice_with_a_credit_note_is_not_voided(connect: Connect, app: Desk) -> None:
    """A credit note for all of an unpaid invoice settles it from the credit it gives; the desk
    refunded that payment back to credit and voided the original (nothing paid on it now): the
    80 of credit was free, and spent on another invoice. The original stays issued."""
    iid = app.sent("80.00")
    app.invoicing.credit_note(app.actor, iid, {"amount": "80.00", "reason": "Cancelled term"})
    from_credit = next(p for p in app.invoicing.detail(app.actor, iid).payments if p.amount)
    app.payments.refund(app.actor, from_credit.id, {"amount": "80.00", "reason": "Back"})
    with pytest.raises(StudioSyncError, match="credit note"):
        app.invoicing.void(app.actor, iid, {"reason": "Wrong family"})
    desk = connect("desk")
    refused(desk, "UPDATE invoices SET status = 'void', voided_at = now() WHERE id = %s", iid)


def test_a_number_is_not_written_with_more_zeros(connect: Connect, app: Desk) -> None:
    """`invoices_issue_rules` read the number as an integer: a draft sent as INV-2026-000216
    passed though INV-2026-00216 exists (the unique index compares text): two invoices with
    one number. A number is written exactly as the app writes it."""
    taken = one(connect("desk"), "SELECT invoice_number FROM invoices WHERE id = %s", app.sent())
    year, n = taken.split("-")[1], int(taken.split("-")[2])
    draft = app.draft()
    desk = connect("desk")
    for number in (f"INV-{year}-{n:06d}", f"INV-{year}-{n:09d}"):
        refused(
            desk,
            "UPDATE invoices SET status = 'sent', invoice_number = %s,"
            " issue_date = current_date, due_date = current_date WHERE id = %s",
            number,
            draft,
        )


def _while_open(
    first: psycopg.Connection[Any],
    second: psycopg.Connection[Any],
    work: Callable[[psycopg.Connection[Any]], None],
) -> BaseException | None:
    """A second desk does `work` and commits while the first desk's transaction is still open;
    then the first commits. Returns what the second desk's attempt raised (None: committed)."""
    outcome: list[BaseException | None] = [RuntimeError("did not finish")]

    def second_desk() -> None:
        try:
            work(second)
            second.commit()
            outcome[0] = None
        except BaseException as exc:  # noqa: BLE001 (the test reads the desk's outcome)
            second.rollback()
            outcome[0] = exc

    thread = threading.Thread(target=second_desk, daemon=True)
    thread.start()
    thread.join(2)  # unguarded, the second desk is done by now; guarded, it waits on the first
    first.commit()
    thread.join(30)
    assert not thread.is_alive(), "the second desk still waits after the first committed"
    return outcome[0]


def _credit_note_by_hand(
    conn: psycopg.Connection[Any], invoice: uuid.UUID, family: uuid.UUID, amount: str, year: int
) -> None:
    """A credit note as psql writes it: a draft with one negative line, a number from the
    year's counter (reserve_numbers' own statements), then sent."""
    note = one(
        conn,
        "INSERT INTO invoices (studio_id, family_id, status, credit_note_for_id)"
        " VALUES (app_studio_id(), %s, 'draft', %s) RETURNING id",
        family,
        invoice,
    )
    conn.execute(
        "INSERT INTO invoice_line_items (studio_id, invoice_id, description, unit_price)"
        " VALUES (app_studio_id(), %s, 'Credit', %s)",
        (note, -Decimal(amount)),
    )
    conn.execute(
        "INSERT INTO invoice_number_counters (studio_id, year, last_number)"
        " SELECT app_studio_id(), %(y)s, coalesce(max(substring(invoice_number"
        "   FROM '^INV-' || %(y)s || '-([0-9]+)$')::int), 0)"
        " FROM invoices WHERE studio_id = app_studio_id() ON CONFLICT DO NOTHING",
        {"y": year},
    )
    n = one(
        conn,
        "UPDATE invoice_number_counters SET last_number = last_number + 1"
        " WHERE studio_id = app_studio_id() AND year = %s RETURNING last_number",
        year,
    )
    conn.execute(
        "UPDATE invoices SET status = 'sent', invoice_number = %s, issue_date = current_date,"
        " due_date = current_date WHERE id = %s",
        (f"INV-{year}-{n:05d}", note),
    )


def test_two_desks_crediting_one_invoice_at_once_credit_no_more_than_it(
    connect: Connect, app: Desk
) -> None:
    """Two desks each issued a credit note of 60.00 on an invoice of 90.00 already credited
    30.00, at the same moment (numbers from two years' counters, so neither waits on the
    other's): each trigger summed without the other's note, and both committed: notes of 150.
    The original is locked before its notes are summed; the second desk waits, then is refused."""
    iid = app.sent("90.00")
    app.invoicing.credit_note(app.actor, iid, {"amount": "30.00", "reason": "Sick day"})
    first, second = connect("desk"), connect("desk")
    _credit_note_by_hand(first, iid, app.family, "60.00", NOW.year)
    late = _while_open(
        first, second, lambda c: _credit_note_by_hand(c, iid, app.family, "60.00", NOW.year + 5)
    )
    assert isinstance(late, REFUSED), late
    credited = one(
        connect("desk"),
        "SELECT sum(-total) FROM invoices WHERE credit_note_for_id = %s"
        " AND status NOT IN ('draft', 'void')",
        iid,
    )
    assert credited == Decimal("90.00")


def _new_family(connect: Connect, name: str) -> uuid.UUID:
    desk = connect("desk")
    family: uuid.UUID = one(
        desk,
        "INSERT INTO families (studio_id, name) VALUES (app_studio_id(), %s) RETURNING id",
        f"{name} {uuid.uuid4().hex[:6]}",
    )
    desk.commit()
    return family


def _spend_by_hand(
    conn: psycopg.Connection[Any], invoice: uuid.UUID, family: uuid.UUID, amount: str
) -> None:
    """A payment from account credit as psql writes it: the payment, and the credit it spends."""
    payment = one(
        conn,
        "INSERT INTO payments (studio_id, invoice_id, amount, payment_method, status)"
        " VALUES (app_studio_id(), %s, %s, 'account_credit', 'completed') RETURNING id",
        invoice,
        Decimal(amount),
    )
    conn.execute(
        "INSERT INTO account_credits (studio_id, family_id, amount, invoice_id, payment_id)"
        " VALUES (app_studio_id(), %s, %s, %s, %s)",
        (family, -Decimal(amount), invoice, payment),
    )


def test_two_desks_spending_one_credit_at_once_never_overspend(connect: Connect, app: Desk) -> None:
    """Two desks spent the same family's 30.00 of credit at once, 16.50 and 30.00 on two
    invoices: `account_credits_not_negative` summed without a lock (the app takes lock_payer,
    psql need not), both committed and the credit stood at -16.50. The check locks the payer's
    row before it sums: the second desk waits, then is refused."""
    fam = _new_family(connect, "Race family")
    app.payments.record(
        app.actor,
        app.sent("20.00", fam),
        {"amount": "50.00", "method": "cash", "excess_as_credit": True},
    )
    assert app.credit(fam) == Decimal("30.00")
    small, large = app.sent("16.50", fam), app.sent("30.00", fam)
    first, second = connect("desk"), connect("desk")
    _spend_by_hand(first, small, fam, "16.50")
    late = _while_open(first, second, lambda c: _spend_by_hand(c, large, fam, "30.00"))
    assert isinstance(late, REFUSED), late
    assert app.credit(fam) == Decimal("13.50")


@pytest.mark.parametrize(
    "undo",
    [
        "refunded_amount = 0, status = 'completed'",
        "status = 'completed'",
        "refunded_amount = refunded_amount / 2, status = 'partially_refunded'",
    ],
)
def test_a_refund_to_credit_is_not_taken_back(connect: Connect, app: Desk, undo: str) -> None:
    """A payment from credit refunded back to credit, then set back to refunded_amount 0 and
    'completed' in psql: the invoice was paid again and the credit kept. A refund only grows,
    and a refunded payment stays refunded."""
    fam = _new_family(connect, "Refund family")
    app.payments.record(
        app.actor,
        app.sent("20.00", fam),
        {"amount": "60.00", "method": "cash", "excess_as_credit": True},
    )
    iid = app.sent("40.00", fam)
    assert app.payments.apply_credit(app.actor, iid) == Decimal("40.00")
    from_credit = next(p for p in app.invoicing.detail(app.actor, iid).payments if p.amount)
    app.payments.refund(app.actor, from_credit.id, {"amount": "40.00", "reason": "Back"})
    desk = connect("desk")
    refused(desk, f"UPDATE payments SET {undo} WHERE id = %s", from_credit.id)
    assert app.invoicing.detail(app.actor, iid).status == "sent"
    assert app.credit(fam) == Decimal("40.00")


# -- the app's own billing, as the desk's login -----------------------------------------------


def test_the_desks_billing_still_does_all_its_work(app: Desk) -> None:
    """Drafts, terms, issuing in a batch, payments kept partly as credit, credit applied and
    refunded back to credit, credit notes, voiding, late fees, deleting a draft: as the desk's
    login, each as the app does it."""
    inv, pay, act = app.invoicing, app.payments, app.actor
    fam = app.other_family
    start = app.credit(fam)
    first, second = app.draft("80.00", fam), app.draft("20.00", fam)
    inv.set_terms(act, first, {"tax_rate_percent": "10", "discount": "8.00", "notes": "Terms"})
    numbers = inv.issue_many(act, [first, second])
    assert int(numbers[1][-5:]) == int(numbers[0][-5:]) + 1
    assert inv.detail(act, first).total == Decimal("72.00")  # lines not taxable
    pay.record(act, first, {"amount": "100.00", "method": "cash", "excess_as_credit": True})
    assert app.credit(fam) == start + Decimal("28.00")
    assert pay.apply_credit(act, second) == Decimal("20.00")
    credit_payment = next(p for p in inv.detail(act, second).payments if p.amount == 20)
    pay.refund(act, credit_payment.id, {"amount": "5.00", "reason": "Back to credit"})
    assert app.credit(fam) == start + Decimal("13.00")
    # A credit note on a paid invoice: all of it becomes credit.
    inv.credit_note(act, first, {"amount": "7.00", "reason": "Missed lesson"})
    assert app.credit(fam) == start + Decimal("20.00")
    # On an unpaid one: it settles the balance first.
    third = app.sent("50.00", fam)
    inv.credit_note(act, third, {"amount": "50.00", "reason": "Cancelled term"})
    assert inv.detail(act, third).status == "paid"
    fourth = app.sent("10.00", fam)
    inv.void(act, fourth, {"reason": "Wrong family"})
    assert inv.detail(act, fourth).status == "void"
    inv.delete_draft(act, app.draft("1.00", fam))


def test_late_fees_are_added_by_the_studios_policy(connect: Connect, app: Desk) -> None:
    """The late fee is the one amount an issued invoice may still take: once, the studio's
    fee, on an invoice overdue by the studio's days. Not another fee, and not before."""
    owner, desk = connect("owner"), connect("desk")
    iid = app.sent("60.00")
    owner.execute(
        "UPDATE studios SET settings = settings || %s WHERE id = %s",
        ('{"late_fee_amount": "15.00", "late_fee_after_days": 10}', app.actor.studio_id),
    )
    owner.commit()
    try:
        refused(desk, "UPDATE invoices SET late_fee = 15 WHERE id = %s", iid)  # not overdue
        owner.execute(
            "UPDATE invoices SET issue_date = current_date - 60, due_date = current_date - 46"
            " WHERE id = %s",
            (iid,),
        )
        owner.commit()
        refused(desk, "UPDATE invoices SET late_fee = 30 WHERE id = %s", iid)  # not the fee
        assert app.invoicing.apply_late_fees(app.actor) >= 1
        assert app.invoicing.detail(app.actor, iid).total == Decimal("75.00")
    finally:
        owner.execute(
            "UPDATE studios SET settings = settings - 'late_fee_amount' WHERE id = %s",
            (app.actor.studio_id,),
        )
        owner.commit()


def test_stripe_money_above_the_balance_becomes_credit(app: Desk) -> None:
    """A pay link paid after the desk took the money: Stripe's whole amount is kept as credit,
    and a link paying more than is due keeps the rest (the two ways Stripe adds credit)."""
    fam = app.other_family
    start = app.credit(fam)
    for desk_took in ("30.00", "100.00"):
        iid = app.sent("100.00", fam)
        with stripe_attempts.held_connection(app.db) as conn:
            attempt, _ = stripe_attempts.begin(
                conn,
                app.actor,
                iid,
                "pay_link",
                lambda _s, _inv: None,
                lambda _s, _inv: {"amount": Decimal("100.00"), "currency": "USD"},
            )
            app.payments.record(app.actor, iid, {"amount": desk_took, "method": "cash"})
            done = stripe_attempts.record_money(
                conn, app.actor, attempt, Decimal("100.00"), f"pi_{uuid.uuid4().hex}", "paid twice"
            )
        assert done is not None and "account credit" in done
    assert app.credit(fam) == start + Decimal("130.00")


def test_the_desk_generates_a_months_drafts_as_its_own_login(
    connect: Connect, app: Desk, database_url: str
) -> None:
    """As the desk's login (which may make no temporary tables since 0051, where generation
    staged its lessons and payers: "permission denied to create temporary tables"): the drafts
    are those the preview showed, and a second run bills nothing twice."""
    with psycopg.connect(libpq_dsn(database_url), autocommit=True) as owner:
        owner.execute(
            "UPDATE lessons SET status = 'completed'"
            " WHERE studio_id = %s AND student_id IS NOT NULL AND scheduled_end < now()",
            (app.actor.studio_id,),
        )
    month = NOW.date().replace(day=1)
    preview = app.invoicing.preview_month(app.actor, month)
    assert preview.rows, "the world has lessons to bill this month"
    made = app.invoicing.generate_month(app.actor, month)
    assert made.invoice_count == len(preview.rows)
    assert made.line_count == sum(r.lesson_count for r in preview.rows)
    assert made.total == sum(r.total for r in preview.rows)
    again = app.invoicing.generate_month(app.actor, month)
    assert (again.invoice_count, again.line_count) == (0, 0)
