"""Billing figures on the large studio: a month's generation, invoice PDFs, the tab's first page.

Every figure prefixed `billing_` so `python -m bench --only billing` runs them together.
"""

from __future__ import annotations

import statistics
import time
from datetime import date, timedelta

from sqlalchemy import text

from bench.core import Context, figure, service_time
from studiosync_desktop.reports.invoice_pdf import render_invoice
from studiosync_desktop.services.billing import BillingService
from studiosync_desktop.services.invoicing import InvoicingService
from studiosync_desktop.services.studio import StudioService

PDF_SAMPLE = 300


@figure("billing_generate_month_large", "s", 3.0)
def generate_month(ctx: Context) -> float:
    """Billing next month in advance for the large studio (1,200+ payers, every lesson a line).

    The demo has billed its completed lessons already, so the in-advance policy is switched on
    for the run; the drafts are thrown away after each run and the policy restored at the end.
    """
    db, _ = ctx.demo("large")
    actor = StudioService(db).default_actor()
    service = InvoicingService(db)
    first = ctx.today.replace(day=1)
    month = (first + timedelta(days=32)).replace(day=1)
    with db.session() as s:
        s.execute(
            text(
                "UPDATE studios SET settings = settings || "
                """'{"billing_policy": "in_advance", "sibling_discount_percent": "10"}'"""
            )
        )
    samples = []
    try:
        for _ in range(3):
            started = time.perf_counter()
            result = service.generate_month(actor, month)
            samples.append(time.perf_counter() - started)
            print(f"    {result.describe()}")
            _drop_drafts(db, month)
    finally:
        with db.session() as s:
            s.execute(
                text(
                    "UPDATE studios SET settings = settings || "
                    """'{"billing_policy": "pay_as_you_go", "sibling_discount_percent": "0"}'"""
                )
            )
    return statistics.median(samples)


def _drop_drafts(db: object, month: date) -> None:
    with db.session() as s:  # type: ignore[attr-defined]
        s.execute(
            text(
                "DELETE FROM invoice_line_items l USING invoices i WHERE l.invoice_id = i.id "
                "AND i.status = 'draft' AND i.period_start = :m"
            ),
            {"m": month},
        )
        s.execute(
            text("DELETE FROM invoices WHERE status = 'draft' AND period_start = :m"), {"m": month}
        )


@figure("billing_invoice_pdfs_per_second", "per s", 200.0)
def pdfs_per_second(ctx: Context) -> float:
    """Rendering issued invoices (real lines and payments) on one core; data fetched first."""
    db, _ = ctx.demo("large")
    actor = StudioService(db).default_actor()
    service = InvoicingService(db)
    page = BillingService(db).invoices(actor, limit=PDF_SAMPLE, status="paid")
    details = [service.detail(actor, r.id) for r in page.rows]
    head = service.letterhead(actor)
    render_invoice(head, details[0])  # warm the font and money-format caches
    started = time.perf_counter()
    for d in details:
        render_invoice(head, d)
    return len(details) / (time.perf_counter() - started)


@figure("billing_invoices_tab_first_page", "ms", 100.0)
def tab_first_page(ctx: Context) -> float:
    """The Invoices tab's first page (200 rows and the count) on three years of invoices."""
    db, _ = ctx.demo("large")
    actor = StudioService(db).default_actor()
    billing = BillingService(db)
    return service_time(lambda: billing.invoices(actor))


@figure("billing_invoices_tab_search", "ms", None)
def tab_search(ctx: Context) -> float:
    """Typing a family name in the tab's search box."""
    db, _ = ctx.demo("large")
    actor = StudioService(db).default_actor()
    billing = BillingService(db)
    return service_time(lambda: billing.invoices(actor, search="martinez"))
