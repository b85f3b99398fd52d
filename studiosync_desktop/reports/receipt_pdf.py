"""A receipt for one payment: who paid what, how, for which invoice, and what is left."""

from __future__ import annotations

import io
import uuid

from reportlab.pdfgen.canvas import Canvas

from studiosync_desktop.reports.style import Sheet, money, page_size, short_day_of
from studiosync_desktop.schemas.billing import InvoiceDetail, StudioLetterhead
from studiosync_desktop.vocabulary import words


def render_receipt(studio: StudioLetterhead, inv: InvoiceDetail, payment_id: uuid.UUID) -> bytes:
    payment = next(p for p in inv.payments if p.id == payment_id)
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=page_size(studio.locale), pageCompression=0)
    c.setTitle(f"Receipt for {inv.number}")
    sheet = Sheet(c, studio.name, "RECEIPT", studio.theme_color, studio.logo)

    def fmt(v: object) -> str:
        return money(v, inv.currency, studio.locale)  # type: ignore[arg-type]

    for line in studio.address_lines:
        sheet.text(line, 9, muted=True)
    sheet.gap(12)
    sheet.text(f"Receipt R-{payment.id.hex[:10].upper()}", 11, bold=True)
    when = short_day_of(payment.processed_at, studio.timezone)
    sheet.text(f"Received from {inv.payer.name} on {when}", 10)
    sheet.gap()
    rows = [
        ["Invoice", inv.number or ""],
        ["Method", words(payment.method)],
        ["Amount received", fmt(payment.amount)],
    ]
    if payment.refunded_amount:
        rows.append(["Refunded", fmt(payment.refunded_amount)])
    if payment.transaction_id:
        rows.append(["Reference", payment.transaction_id])
    rows += [
        ["Invoice total", fmt(inv.total)],
        ["Paid so far", fmt(inv.amount_paid)],
        ["Balance due", fmt(inv.balance)],
    ]
    sheet.table(["", ""], rows, [2, 2], right={1})
    if payment.processed_by:
        sheet.text(f"Received by {payment.processed_by}. Thank you!", 9.5, muted=True)
    sheet.finish()
    c.save()
    return buffer.getvalue()
