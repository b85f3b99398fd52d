"""Statement of account (running balance, aging) and the studio's aging report."""

from __future__ import annotations

import io

from reportlab.pdfgen.canvas import Canvas

from studiosync_desktop.reports.style import Sheet, money, page_size, short_date
from studiosync_desktop.schemas.billing import (
    AGING_BUCKETS,
    AgingReport,
    Statement,
    StudioLetterhead,
)
from studiosync_desktop.vocabulary import words


def render_statement(studio: StudioLetterhead, st: Statement) -> bytes:
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=page_size(studio.locale), pageCompression=0)
    c.setTitle(f"Statement: {st.payer.name}")
    sheet = Sheet(c, studio.name, "STATEMENT", studio.theme_color, studio.logo)

    def fmt(v: object) -> str:
        return money(v, st.currency, studio.locale)  # type: ignore[arg-type]

    sheet.text(st.payer.name, 12, bold=True)
    for line in [*st.billing_address.splitlines(), st.billing_email]:
        if line.strip():
            sheet.text(line.strip(), 9.5, muted=True)
    sheet.gap()
    sheet.text(f"Statement date: {short_date(st.as_of)}", 10)
    sheet.text(f"Balance: {fmt(st.balance)}", 12, bold=True)
    if st.account_credit:
        sheet.text(f"Account credit available: {fmt(st.account_credit)}", 10)
    sheet.gap()
    sheet.table(
        ["Date", "Reference", "Description", "Charges", "Credits", "Balance"],
        [
            [
                short_date(e.day),
                e.reference,
                e.description,
                fmt(e.charge) if e.charge else "",
                fmt(e.credit) if e.credit else "",
                fmt(e.balance),
            ]
            for e in st.entries
        ]
        or [["", "", "No activity yet.", "", "", ""]],
        [1.1, 1.3, 2.6, 1.1, 1.1, 1.1],
        right={3, 4, 5},
    )
    sheet.gap()
    sheet.text("Aging of what is owed", 10, bold=True)
    sheet.table(
        [*AGING_BUCKETS, "Total due"],
        [[*(fmt(b) for b in st.aging.buckets), fmt(st.aging.total)]],
        [1, 1, 1, 1, 1, 1],
        right={0, 1, 2, 3, 4, 5},
    )
    sheet.text(studio.payment_instructions[:160], 8.5, muted=True)
    sheet.finish()
    c.save()
    return buffer.getvalue()


def render_aging(studio: StudioLetterhead, report: AgingReport) -> bytes:
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=page_size(studio.locale), pageCompression=0)
    c.setTitle("Aging report")
    sheet = Sheet(c, studio.name, "AGING REPORT", studio.theme_color, studio.logo)

    def fmt(v: object) -> str:
        return money(v, report.currency, studio.locale)  # type: ignore[arg-type]

    sheet.text(f"Open balances as of {short_date(report.as_of)}, by days past due", 10)
    sheet.gap()
    t = report.totals
    rows = [
        [
            r.payer.name,
            words(r.payer.kind),
            *(fmt(b) if b else "" for b in r.aging.buckets),
            fmt(r.aging.total),
        ]
        for r in report.rows
    ]
    rows.append(["Total", "", *(fmt(b) for b in t.buckets), fmt(t.total)])
    sheet.table(
        ["Payer", "Kind", *AGING_BUCKETS, "Total"],
        rows,
        [2.4, 0.8, 1, 1, 1, 1, 1, 1.1],
        right={2, 3, 4, 5, 6, 7},
        bold_last=True,
    )
    sheet.finish()
    c.save()
    return buffer.getvalue()
