"""End-of-day close: the day's takings by method and by staff member; what the drawer holds."""

from __future__ import annotations

import io

from reportlab.pdfgen.canvas import Canvas

from studiosync_desktop.reports.style import Sheet, money, page_size, short_date
from studiosync_desktop.schemas.billing import DayClose, StudioLetterhead
from studiosync_desktop.vocabulary import words
from studiosync_desktop.zones import zone_of


def render_day_close(studio: StudioLetterhead, close: DayClose) -> bytes:
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=page_size(studio.locale), pageCompression=0)
    c.setTitle(f"Day close {close.day.isoformat()}")
    sheet = Sheet(c, studio.name, "DAY CLOSE", studio.theme_color, studio.logo)
    zone = zone_of(studio.timezone)

    def fmt(v: object) -> str:
        return money(v, close.currency, studio.locale)  # type: ignore[arg-type]

    sheet.text(f"Payments taken on {short_date(close.day)}", 11, bold=True)
    sheet.text(f"Cash drawer should hold: {fmt(close.cash)} (plus the opening float)", 12, True)
    sheet.gap()
    rows = [
        [words(m.method), str(m.count), fmt(m.received), fmt(m.refunded), fmt(m.net)]
        for m in close.by_method
    ]
    rows.append(["Total", str(sum(m.count for m in close.by_method)), "", "", fmt(close.total)])
    sheet.table(
        ["Method", "Payments", "Received", "Refunded", "Net"],
        rows,
        [2, 1, 1.3, 1.3, 1.3],
        right={1, 2, 3, 4},
        bold_last=True,
    )
    sheet.text("By staff member", 10, bold=True)
    sheet.table(
        ["Staff", "Payments", "Received"],
        [[s.name, str(s.count), fmt(s.received)] for s in close.by_staff]
        or [["Nobody took a payment.", "", ""]],
        [3, 1, 1.5],
        right={1, 2},
    )
    sheet.text("Payments", 10, bold=True)
    sheet.table(
        ["Time", "Method", "Taken by", "Amount"],
        [
            [
                p.processed_at.astimezone(zone).strftime("%H:%M") if p.processed_at else "",
                words(p.method),
                p.processed_by,
                fmt(p.amount),
            ]
            for p in close.payments
        ]
        or [["", "", "No payments.", ""]],
        [1, 1.5, 2.5, 1.3],
        right={3},
    )
    sheet.gap(20)
    sheet.text("Counted by: ____________________     Checked by: ____________________", 10)
    sheet.finish()
    c.save()
    return buffer.getvalue()
