"""Billing services against the real database: generation, numbering, totals, payments."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import psycopg
import pytest
from desks import failures, race, race_desks
from factories import Maker
from sqlalchemy import select, text, update

from studiosync_desktop.db import Database
from studiosync_desktop.errors import Conflict, StudioSyncError, ValidationFailed
from studiosync_desktop.models import Invoice, InvoiceLineItem, Studio
from studiosync_desktop.money import round_cents
from studiosync_desktop.schemas.billing import Payer
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services.billing import BillingService
from studiosync_desktop.services.invoicing import InvoicingService
from studiosync_desktop.services.payments import PaymentService

MONTH = date(2026, 9, 1)


def at(day: int, hour: int = 16) -> datetime:
    # 16:00 UTC is noon in New York: the lesson is on the same day either way.
    return datetime(2026, 9, day, hour, tzinfo=UTC)


def set_settings(db: Database, actor: Actor, **values: Any) -> None:
    with db.session() as s:
        studio = s.get(Studio, actor.studio_id)
        assert studio is not None
        studio.settings = {**studio.settings, **{k: str(v) for k, v in values.items()}}


@pytest.fixture
def studio(db: Database, admin: Actor) -> dict[str, Any]:
    """A family of two siblings, a band, and a student billed alone; completed lessons."""
    make = Maker(db, admin.studio_id)
    teacher = make.teacher("Tess", "Keys")
    family = make.family("Chen family")
    maya = make.student("Maya", "Chen", family_id=family)
    leo = make.student("Leo", "Chen", family_id=family)
    solo = make.student("Sam", "Solo")
    band = make.band("The Tritones")
    lessons = [
        make.lesson(teacher, at(1), student_id=maya, status="completed", rate="45.00"),
        make.lesson(teacher, at(8), student_id=maya, status="completed", rate="45.00"),
        make.lesson(teacher, at(2), student_id=leo, status="completed", rate="40.00"),
        make.lesson(teacher, at(3), student_id=solo, status="completed", rate="50.00"),
        make.lesson(teacher, at(4), band_id=band, status="completed", rate="90.00"),
        # Not billed under pay as you go: still scheduled, or cancelled.
        make.lesson(teacher, at(20), student_id=solo, status="scheduled", rate="50.00"),
        make.lesson(teacher, at(21), student_id=solo, status="cancelled", rate="50.00"),
    ]
    return {
        "make": make,
        "teacher": teacher,
        "family": family,
        "maya": maya,
        "leo": leo,
        "solo": solo,
        "band": band,
        "lessons": lessons,
    }


def sent_invoice(db: Database, admin: Actor, payer: Payer, *prices: str) -> uuid.UUID:
    inv = InvoicingService(db)
    iid = inv.create_draft(admin, payer)
    for price in prices or ("100.00",):
        inv.add_line(admin, iid, {"description": "Lessons", "unit_price": price})
    inv.issue(admin, iid)
    return iid


def test_preview_writes_nothing_and_matches_generation(
    db: Database, admin: Actor, studio: dict[str, Any]
) -> None:
    inv = InvoicingService(db)
    preview = inv.preview_month(admin, MONTH)
    assert {(r.payer.name, r.lesson_count, r.subtotal) for r in preview.rows} == {
        ("Chen family", 3, Decimal("130.00")),
        ("Sam Solo", 1, Decimal("50.00")),
        ("The Tritones", 1, Decimal("90.00")),
    }
    assert BillingService(db).invoices(admin).total == 0
    result = inv.generate_month(admin, MONTH)
    assert (result.invoice_count, result.line_count, result.total) == (
        3,
        5,
        Decimal("270.00"),
    )
    assert result.total == preview.total


def test_generating_twice_bills_nothing_twice(
    db: Database, admin: Actor, studio: dict[str, Any]
) -> None:
    inv = InvoicingService(db)
    inv.generate_month(admin, MONTH)
    again = inv.generate_month(admin, MONTH)
    assert again.invoice_count == 0
    assert inv.preview_month(admin, MONTH).rows == ()
    # A lesson completed later joins the payer's existing draft for the month.
    studio["make"].lesson(
        studio["teacher"], at(15), student_id=studio["solo"], status="completed", rate="50.00"
    )
    later = inv.generate_month(admin, MONTH)
    assert (later.invoice_count, later.line_count) == (1, 1)
    rows = BillingService(db).invoices(admin).rows
    assert len(rows) == 3
    solo = next(r for r in rows if r.payer_name == "Sam Solo")
    assert solo.total == Decimal("100.00")


def test_database_refuses_a_lesson_on_two_invoices(
    db: Database, admin: Actor, studio: dict[str, Any]
) -> None:
    inv = InvoicingService(db)
    inv.generate_month(admin, MONTH)
    other = inv.create_draft(admin, Payer(kind="student", id=studio["solo"]))
    with pytest.raises(Conflict, match="already on an invoice"), db.session() as s:
        s.add(
            InvoiceLineItem(
                studio_id=admin.studio_id,
                invoice_id=other,
                description="sneaky",
                unit_price=Decimal("50"),
                lesson_id=studio["lessons"][3],
            )
        )


def test_void_invoice_keeps_its_number_and_frees_its_lessons(
    db: Database, admin: Actor, studio: dict[str, Any]
) -> None:
    inv = InvoicingService(db)
    inv.generate_month(admin, MONTH)
    solo = next(r for r in BillingService(db).invoices(admin).rows if r.payer_name == "Sam Solo")
    number = inv.issue(admin, solo.id)
    inv.void(admin, solo.id, {"reason": "Billed to the wrong payer"})
    detail = inv.detail(admin, solo.id)
    assert (detail.number, detail.status) == (number, "void")
    assert not detail.is_overdue
    again = inv.generate_month(admin, MONTH)
    assert (again.invoice_count, again.line_count) == (1, 1)
    with pytest.raises(ValidationFailed), db.session() as s:
        s.execute(update(Invoice).where(Invoice.id == solo.id).values(status="sent"))


def test_sibling_discount_and_tax_rounded_once(
    db: Database, admin: Actor, studio: dict[str, Any]
) -> None:
    set_settings(db, admin, sibling_discount_percent="10", tax_rate_percent="8.875")
    inv = InvoicingService(db)
    inv.generate_month(admin, MONTH)
    chen = next(r for r in BillingService(db).invoices(admin).rows if r.payer_name == "Chen family")
    detail = inv.detail(admin, chen.id)
    # Leo (the second child) gets 10% off his 40.00; tax on 130.00 at 8.875% = 11.5375.
    assert detail.discount == Decimal("4.00")
    assert detail.tax == Decimal("11.54")
    assert detail.total == Decimal("137.54")
    assert [line.total for line in detail.lines] == [
        Decimal("45.00"),
        Decimal("40.00"),
        Decimal("45.00"),
    ]


def test_in_advance_bills_the_scheduled_lessons(
    db: Database, admin: Actor, studio: dict[str, Any]
) -> None:
    set_settings(db, admin, billing_policy="in_advance")
    preview = InvoicingService(db).preview_month(admin, MONTH)
    solo = next(r for r in preview.rows if r.payer.name == "Sam Solo")
    assert solo.lesson_count == 2  # the completed and the scheduled one, not the cancelled


def test_numbers_are_sequential_per_year_and_drafts_have_none(
    db: Database, admin: Actor, studio: dict[str, Any]
) -> None:
    inv = InvoicingService(db)
    inv.generate_month(admin, MONTH)
    rows = BillingService(db).invoices(admin, status="draft").rows
    assert all(r.number is None for r in rows)
    numbers = inv.issue_many(admin, [r.id for r in rows])
    year = datetime.now(UTC).year  # the studio's today; New York is never a year off for long
    assert numbers[0].startswith("INV-")
    assert [int(n.rsplit("-", 1)[1]) for n in numbers] == [1, 2, 3]
    assert all(n.split("-")[1] in (str(year), str(year - 1), str(year + 1)) for n in numbers)
    with pytest.raises(Conflict, match="already been sent"):
        inv.issue(admin, rows[0].id)


def test_numbering_continues_after_existing_numbers(db: Database, admin: Actor) -> None:
    make = Maker(db, admin.studio_id)
    student = make.student("Ann", "Old")
    inv = InvoicingService(db)
    first = inv.issue(
        admin,
        _draft_with_line(inv, admin, student),
    )
    year = int(first.split("-")[1])
    make.invoice(student_id=student, number=f"INV-{year}-00041")
    with db.session() as s:
        s.execute(text("DELETE FROM invoice_number_counters"))
    nxt = inv.issue(admin, _draft_with_line(inv, admin, student))
    assert nxt == f"INV-{year}-00042"


def _draft_with_line(inv: InvoicingService, admin: Actor, student: uuid.UUID) -> uuid.UUID:
    iid = inv.create_draft(admin, Payer(kind="student", id=student))
    inv.add_line(admin, iid, {"description": "Theory book", "unit_price": "12.50"})
    return iid


def test_sent_invoice_lines_are_frozen_in_the_service_and_the_database(
    db: Database, admin: Actor, studio: dict[str, Any]
) -> None:
    inv = InvoicingService(db)
    iid = sent_invoice(db, admin, Payer(kind="student", id=studio["solo"]))
    with pytest.raises(Conflict, match="frozen"):
        inv.add_line(admin, iid, {"description": "More", "unit_price": "1.00"})
    with pytest.raises(ValidationFailed), db.session() as s:
        s.execute(
            update(InvoiceLineItem)
            .where(InvoiceLineItem.invoice_id == iid)
            .values(unit_price=Decimal("1"))
        )


def _expected(lines: list[tuple[str, bool]], rate: str, discount: str, paid: str) -> Decimal:
    sub = sum((Decimal(p) for p, _ in lines), Decimal(0))
    taxable = sum((Decimal(p) for p, t in lines if t), Decimal(0))
    total = sub - Decimal(discount) + round_cents(taxable * Decimal(rate) / 100)
    return total - Decimal(paid)


def test_stored_totals_follow_lines_tax_and_payments_in_every_order(
    db: Database, admin: Actor, studio: dict[str, Any]
) -> None:
    inv, pay = InvoicingService(db), PaymentService(db)
    steps: dict[str, Callable[[uuid.UUID], None]] = {
        "line": lambda i: (
            inv.add_line(
                admin, i, {"description": "Book", "unit_price": "19.99", "is_taxable": True}
            )
            and None
        ),
        "tax": lambda i: inv.set_terms(admin, i, {"tax_rate_percent": "7.25", "discount": "3.00"}),
        "remove": lambda i: inv.remove_line(admin, inv.detail(admin, i).lines[0].id),
    }
    for order in itertools.permutations(steps):
        iid = inv.create_draft(admin, Payer(kind="student", id=studio["solo"]))
        inv.add_line(admin, iid, {"description": "Lesson", "unit_price": "45.00"})
        inv.add_line(
            admin, iid, {"description": "Strings", "unit_price": "8.35", "is_taxable": True}
        )
        for step in order:
            steps[step](iid)
            d = inv.detail(admin, iid)
            lines = [(str(li.total), li.is_taxable) for li in d.lines]
            assert d.balance == _expected(lines, str(d.tax_rate_percent), str(d.discount), "0")
        inv.issue(admin, iid)
        d = inv.detail(admin, iid)
        half = round_cents(d.total / 2)
        pid = pay.record(admin, iid, {"amount": str(half), "method": "cash"})
        pay.record(admin, iid, {"amount": str(d.total - half), "method": "card"})
        assert inv.detail(admin, iid).status == "paid"
        pay.refund(admin, pid, {"amount": "1.01"})
        d = inv.detail(admin, iid)
        assert (d.status, d.balance, d.amount_paid) == (
            "partial",
            Decimal("1.01"),
            d.total - Decimal("1.01"),
        )
    with db.read_session() as s:
        bad = s.execute(
            text(
                """
                SELECT count(*) FROM invoices i
                 WHERE subtotal <> (SELECT coalesce(sum(total_price), 0)
                                      FROM invoice_line_items WHERE invoice_id = i.id)
                 OR amount_paid <> (SELECT coalesce(sum(amount - refunded_amount), 0) FROM payments
                    WHERE invoice_id = i.id AND status <> 'failed')
                """
            )
        ).scalar_one()
    assert bad == 0


def test_direct_sql_cannot_store_wrong_totals(db: Database, admin: Actor) -> None:
    student = Maker(db, admin.studio_id).student("Ann", "Direct")
    iid = sent_invoice(db, admin, Payer(kind="student", id=student), "30.00")
    with db.session() as s:
        s.execute(update(Invoice).where(Invoice.id == iid).values(subtotal=1, total=1))
    with db.read_session() as s:
        inv = s.get(Invoice, iid)
        assert inv is not None
        assert (inv.subtotal, inv.total) == (Decimal("30.00"), Decimal("30.00"))


def test_overpayment_is_refused_with_the_balance_or_kept_as_credit(
    db: Database, admin: Actor, studio: dict[str, Any]
) -> None:
    payer = Payer(kind="family", id=studio["family"])
    pay, inv = PaymentService(db), InvoicingService(db)
    first = sent_invoice(db, admin, payer, "80.00")
    pay.record(admin, first, {"amount": "30.00"})
    with pytest.raises(ValidationFailed) as err:
        pay.record(admin, first, {"amount": "60.00"})
    assert "50.00" in err.value.fields["amount"]
    pay.record(admin, first, {"amount": "60.00", "excess_as_credit": True})
    assert inv.detail(admin, first).status == "paid"
    assert pay.account_credit(admin, payer) == Decimal("10.00")
    second = sent_invoice(db, admin, payer, "25.00")
    assert pay.apply_credit(admin, second) == Decimal("10.00")
    d = inv.detail(admin, second)
    assert (d.status, d.balance, d.account_credit) == ("partial", Decimal("15.00"), Decimal("0"))
    with pytest.raises(Conflict, match="no account credit"):
        pay.apply_credit(admin, second)


def test_refund_turns_paid_into_partial_and_is_capped(
    db: Database, admin: Actor, studio: dict[str, Any]
) -> None:
    pay, inv = PaymentService(db), InvoicingService(db)
    iid = sent_invoice(db, admin, Payer(kind="student", id=studio["solo"]), "50.00")
    pid = pay.record(admin, iid, {"amount": "50.00", "method": "check", "reference": "1042"})
    pay.refund(admin, pid, {"amount": "20.00", "reason": "Lesson cancelled by teacher"})
    d = inv.detail(admin, iid)
    assert (d.status, d.balance) == ("partial", Decimal("20.00"))
    assert d.payments[0].status == "partially_refunded"
    with pytest.raises(ValidationFailed, match=r"30\.00"):
        pay.refund(admin, pid, {"amount": "30.01"})
    pay.refund(admin, pid, {"amount": "30.00"})
    d = inv.detail(admin, iid)
    assert (d.status, d.balance, d.payments[0].status) == ("sent", Decimal("50.00"), "refunded")
    assert [e.kind for e in d.events][-3:] == ["payment", "refund", "refund"]


def test_void_needs_refund_first_and_credit_note_settles_the_balance(
    db: Database, admin: Actor, studio: dict[str, Any]
) -> None:
    pay, inv = PaymentService(db), InvoicingService(db)
    payer = Payer(kind="student", id=studio["solo"])
    iid = sent_invoice(db, admin, payer, "100.00")
    pay.record(admin, iid, {"amount": "70.00"})
    with pytest.raises(Conflict, match="refund the payments"):
        inv.void(admin, iid, {"reason": "wrong"})
    number = inv.credit_note(admin, iid, {"amount": "40.00", "reason": "Two lessons missed"})
    d = inv.detail(admin, iid)
    assert (d.status, d.balance) == ("paid", Decimal("0.00"))
    assert pay.account_credit(admin, payer) == Decimal("10.00")
    note = inv.detail_by_number(admin, number)
    assert (note.total, note.status, note.credit_note_for) == (
        Decimal("-40.00"),
        "paid",
        d.number,
    )
    with pytest.raises(ValidationFailed, match=r"60\.00"):
        inv.credit_note(admin, iid, {"amount": "60.01", "reason": "too much"})


def test_overdue_is_derived_in_the_studio_time_zone(db: Database, admin: Actor) -> None:
    make = Maker(db, admin.studio_id)
    student = make.student("Olive", "Late")
    today = datetime.now(UTC).date()
    make.invoice(
        student_id=student,
        status="sent",
        issue=today - timedelta(days=40),
        due=today - timedelta(days=26),
        total="60.00",
    )
    rows = BillingService(db).invoices(admin, status="overdue").rows
    assert len(rows) == 1 and rows[0].is_overdue


def test_late_fee_is_added_once(db: Database, admin: Actor) -> None:
    set_settings(db, admin, late_fee_amount="15.00", late_fee_after_days=10)
    make = Maker(db, admin.studio_id)
    student = make.student("Olive", "Late")
    today = datetime.now(UTC).date()
    iid = make.invoice(
        student_id=student,
        status="sent",
        issue=today - timedelta(days=60),
        due=today - timedelta(days=46),
        total="60.00",
    )
    inv = InvoicingService(db)
    assert inv.apply_late_fees(admin) == 1
    assert inv.apply_late_fees(admin) == 0
    assert inv.detail(admin, iid).total == Decimal("75.00")


def test_day_close_totals_by_method_and_staff(
    db: Database, admin: Actor, studio: dict[str, Any]
) -> None:
    pay = PaymentService(db)
    payer = Payer(kind="student", id=studio["solo"])
    a = sent_invoice(db, admin, payer, "40.00")
    b = sent_invoice(db, admin, payer, "25.00")
    pay.record(admin, a, {"amount": "40.00", "method": "cash"})
    pid = pay.record(admin, b, {"amount": "30.00", "method": "card", "excess_as_credit": True})
    pay.refund(admin, pid, {"amount": "5.00"})
    with db.read_session() as s:
        from studiosync_desktop.services.reading import studio_zone

        today = datetime.now(studio_zone(s, admin)).date()
    close = pay.day_close(admin, today)
    by = {m.method: m for m in close.by_method}
    assert by["cash"].received == Decimal("40.00")
    assert (by["card"].received, by["card"].refunded) == (Decimal("30.00"), Decimal("5.00"))
    assert close.total == Decimal("65.00") and close.cash == Decimal("40.00")
    assert close.by_staff[0].name == "Olivia Owner"


def test_teacher_may_not_bill(db: Database, admin: Actor) -> None:
    teacher = admin.model_copy(update={"role": "teacher"})
    with pytest.raises(StudioSyncError, match="may not use billing"):
        InvoicingService(db).preview_month(teacher, MONTH)


# --- two desks at once, on separate connections ------------------------------------------


def test_two_desks_issuing_at_once_get_gap_free_numbers(
    database_url: str, db: Database, admin: Actor
) -> None:
    make = Maker(db, admin.studio_id)
    student = make.student("Ann", "Race")
    inv = InvoicingService(db)
    drafts = [_draft_with_line(inv, admin, student) for _ in range(8)]
    numbers = race_desks(
        database_url, 8, lambda own, i: InvoicingService(own).issue(admin, drafts[i])
    )
    assert failures(numbers) == []
    assert sorted(int(str(n).rsplit("-", 1)[1]) for n in numbers) == list(range(1, 9))


def test_two_desks_cannot_overpay_one_invoice(
    database_url: str, db: Database, admin: Actor
) -> None:
    student = Maker(db, admin.studio_id).student("Ann", "Twice")
    iid = sent_invoice(db, admin, Payer(kind="student", id=student), "100.00")
    results = race_desks(
        database_url, 2, lambda own, _i: PaymentService(own).record(admin, iid, {"amount": "70.00"})
    )
    errors = failures(results)
    assert len(errors) == 1
    assert any(isinstance(e, ValidationFailed) and "30.00" in str(e) for e in errors)
    d = InvoicingService(db).detail(admin, iid)
    assert (d.amount_paid, d.status) == (Decimal("70.00"), "partial")


def test_two_desks_generating_at_once_bill_each_lesson_once(
    database_url: str, db: Database, admin: Actor, studio: dict[str, Any]
) -> None:
    results = race_desks(
        database_url, 3, lambda own, _i: InvoicingService(own).generate_month(admin, MONTH)
    )
    assert failures(results) == []
    with db.read_session() as s:
        lines = s.scalars(select(InvoiceLineItem.lesson_id)).all()
    assert len(lines) == len(set(lines)) == 5


def test_billed_once_holds_on_raw_connections_too(
    database_url: str, db: Database, admin: Actor, studio: dict[str, Any]
) -> None:
    """Two psycopg connections insert the same lesson on two drafts: one is refused."""
    inv = InvoicingService(db)
    payer = Payer(kind="student", id=studio["solo"])
    drafts = [inv.create_draft(admin, payer) for _ in range(2)]
    lesson = studio["lessons"][3]
    dsn = database_url.replace("postgresql+psycopg://", "postgresql://")

    def insert(i: int) -> None:
        with psycopg.connect(dsn) as conn:
            conn.execute(
                "INSERT INTO invoice_line_items (studio_id, invoice_id, description, unit_price,"
                " lesson_id) VALUES (%s, %s, 'Lesson', 50, %s)",
                (admin.studio_id, drafts[i], lesson),
            )

    errors = race(2, insert)
    assert sum(isinstance(e, psycopg.errors.UniqueViolation) for e in errors) == 1
