"""A moment is shown, printed and defaulted on the studio's day, not UTC's: a payment taken at
21:29 in Chicago is on the 6th on its receipt, though the database hands it over as the 7th
(found by a receptionist in the evening). The studio is put on a zone where today is another
day than UTC's, whatever the hour the test runs."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from factories import Maker
from sqlalchemy import text
from test_billing_statements import pdf_text

from studiosync_desktop.db import Database
from studiosync_desktop.reports.invoice_pdf import render_invoice
from studiosync_desktop.reports.receipt_pdf import render_receipt
from studiosync_desktop.reports.style import short_date
from studiosync_desktop.schemas.billing import Payer
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services.invoicing import InvoicingService
from studiosync_desktop.services.payments import PaymentService
from studiosync_desktop.services.roster import RosterService
from studiosync_desktop.ui.tabs.invoices import detail_html
from studiosync_desktop.zones import local, zone_of


def another_day_zone() -> str:
    """A zone whose today is not UTC's at this hour (UTC-12 before noon, UTC+14 after 10)."""
    return "Etc/GMT+12" if datetime.now(UTC).hour < 12 else "Etc/GMT-14"


@pytest.fixture
def studio_day(db: Database, admin: Actor) -> Iterator[tuple[Actor, date]]:
    """The studio on another day than UTC's; its actor and its today."""
    zone = another_day_zone()
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE studios SET timezone = :z"), {"z": zone})
    today = datetime.now(zone_of(zone)).date()
    assert today != datetime.now(UTC).date()
    yield admin.model_copy(update={"timezone": zone}), today


def test_a_payment_is_on_the_studios_day_on_its_receipt_invoice_and_detail(
    db: Database, studio_day: tuple[Actor, date]
) -> None:
    actor, today = studio_day
    student = Maker(db, actor.studio_id).student("Ada", "King")
    inv, pay = InvoicingService(db), PaymentService(db)
    iid = inv.create_draft(actor, Payer(kind="student", id=student))
    inv.add_line(actor, iid, {"description": "Piano lessons", "unit_price": "65.00"})
    inv.issue(actor, iid)
    pid = pay.record(actor, iid, {"amount": "65.00", "method": "cash"})
    detail, head = inv.detail(actor, iid), inv.letterhead(actor)
    on_the_day, utc_day = short_date(today), short_date(datetime.now(UTC).date())
    receipt = pdf_text(render_receipt(head, detail, pid))
    assert f"on {on_the_day}" in receipt and utc_day not in receipt
    assert on_the_day in pdf_text(render_invoice(head, detail))
    pane = detail_html(detail, lambda moment: local(moment, actor.timezone))
    assert f"{today:%b} {today.day}, {today.year}" in pane and " UTC" not in pane


def test_a_student_enrolled_without_a_date_is_enrolled_on_the_studios_today(
    db: Database, studio_day: tuple[Actor, date]
) -> None:
    actor, today = studio_day
    saved = RosterService(db).save_student(actor, {"first_name": "Noa", "last_name": "Reyes"})
    with db.session() as s:
        enrolled = s.execute(
            text("SELECT enrollment_date FROM students WHERE id = :i"), {"i": saved.id}
        ).scalar_one()
    assert enrolled == today
