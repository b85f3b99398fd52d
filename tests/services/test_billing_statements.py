"""Statements, aging, day close and the PDFs: the numbers add up and the text is extractable."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from factories import Maker
from pypdf import PdfReader

from studiosync_desktop.db import Database
from studiosync_desktop.reports.day_close_pdf import render_day_close
from studiosync_desktop.reports.invoice_pdf import render_invoice, render_invoices
from studiosync_desktop.reports.receipt_pdf import render_receipt
from studiosync_desktop.reports.statement_pdf import render_aging, render_statement
from studiosync_desktop.schemas.billing import Payer
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services.invoicing import InvoicingService
from studiosync_desktop.services.payments import PaymentService
from studiosync_desktop.services.statements import StatementService


def pdf_text(data: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


def test_statement_runs_the_balance_and_ages_what_is_owed(db: Database, admin: Actor) -> None:
    make = Maker(db, admin.studio_id)
    family = make.family("Chen family")
    payer = Payer(kind="family", id=family)
    today = datetime.now(UTC).date()
    # An old unpaid invoice (45 days past due) and a current one, with a cash payment.
    make.invoice(
        family_id=family,
        issue=today - timedelta(days=59),
        due=today - timedelta(days=45),
        total="120.00",
        number="INV-2020-00001",
    )
    inv = InvoicingService(db)
    iid = inv.create_draft(admin, payer)
    inv.add_line(admin, iid, {"description": "Lessons", "unit_price": "80.00"})
    inv.issue(admin, iid)
    PaymentService(db).record(admin, iid, {"amount": "100.00", "excess_as_credit": True})
    st = StatementService(db).statement(admin, payer)
    assert [e.kind for e in st.entries] == ["invoice", "invoice", "payment"]
    assert st.balance == Decimal("100.00")  # 120 + 80 - 100
    assert st.aging.days_31_60 == Decimal("120.00")
    assert st.aging.current == Decimal("0")
    assert st.account_credit == Decimal("20.00")
    text = pdf_text(render_statement(inv.letterhead(admin), st))
    assert "Chen family" in text and "$100.00" in text and "31-60 days" in text

    report = StatementService(db).aging_report(admin)
    assert [(r.payer.name, r.aging.total, r.account_credit) for r in report.rows] == [
        ("Chen family", Decimal("120.00"), Decimal("20.00"))
    ]
    assert "Chen family" in pdf_text(render_aging(inv.letterhead(admin), report))


def test_invoice_receipt_and_day_close_pdfs_carry_the_numbers(db: Database, admin: Actor) -> None:
    student = Maker(db, admin.studio_id).student("Sam", "Solo")
    inv, pay = InvoicingService(db), PaymentService(db)
    iid = inv.create_draft(admin, Payer(kind="student", id=student))
    inv.add_line(admin, iid, {"description": "Piano lessons", "unit_price": "19.99", "quantity": 3})
    inv.set_terms(admin, iid, {"tax_rate_percent": "8.25", "discount": "5.00"})
    inv.add_line(
        admin, iid, {"description": "Theory book", "unit_price": "12.50", "is_taxable": True}
    )
    number = inv.issue(admin, iid)
    pid = pay.record(admin, iid, {"amount": "20.00", "method": "check", "reference": "1042"})
    d = inv.detail(admin, iid)
    head = inv.letterhead(admin)
    text = pdf_text(render_invoice(head, d))
    for expected in (
        number,
        "Harmony Music School",
        "Piano lessons",
        "$59.97",
        "$1.03",
        "Balance due",
        f"${d.balance:,.2f}",
        "How to pay",
    ):
        assert expected in text, expected
    assert "Piano lessons" in pdf_text(render_invoices(head, [d, d]))
    receipt = pdf_text(render_receipt(head, d, pid))
    assert "$20.00" in receipt and number in receipt
    close = pay.day_close(admin, datetime.now(ZoneInfo("America/New_York")).date())
    assert "$20.00" in pdf_text(render_day_close(head, close))


def test_the_statement_is_addressed_like_the_invoice(db: Database, admin: Actor) -> None:
    from sqlalchemy import text

    make = Maker(db, admin.studio_id)
    family = make.family("Chen family")
    contact = make.person("Lin", "Chen")
    with db.engine.begin() as c:  # no billing email: the contact person's is used
        c.execute(
            text("UPDATE families SET primary_contact_id = :u, address = '1 Elm St' WHERE id = :f"),
            {"u": contact, "f": family},
        )
        email = c.execute(text("SELECT email FROM users WHERE id = :u"), {"u": contact}).scalar()
    payer = Payer(kind="family", id=family)
    inv = InvoicingService(db)
    iid = inv.create_draft(admin, payer)
    inv.add_line(admin, iid, {"description": "Lessons", "unit_price": "80.00"})
    inv.issue(admin, iid)
    detail = inv.detail(admin, iid)
    st = StatementService(db).statement(admin, payer)
    assert detail.billing_email == st.billing_email == email
    assert detail.billing_address == st.billing_address == "1 Elm St"
    assert st.payer.name == "Chen family"
