"""The invoice PDF: letterhead, payer, lines, totals, payments, instructions and pay-link QR."""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from reportlab.pdfgen.canvas import Canvas

from studiosync_desktop.reports.style import (
    ALERT,
    BOLD,
    FONT,
    INK,
    MUTED,
    RULE,
    ZEBRA,
    draw_logo,
    draw_qr,
    hex_rgb,
    long_date,
    money,
    page_size,
    set_ink,
    short_date,
    short_day_of,
    wrap,
)
from studiosync_desktop.schemas.billing import InvoiceDetail, StudioLetterhead
from studiosync_desktop.vocabulary import words

MARGIN = 48.0
ROW_H = 18.0


def render_invoice(studio: StudioLetterhead, invoice: InvoiceDetail) -> bytes:
    """One invoice as PDF bytes (text extractable)."""
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=page_size(studio.locale), pageCompression=0)
    draw_invoice(c, studio, invoice)
    c.save()
    return buffer.getvalue()


def render_invoices(studio: StudioLetterhead, invoices: Iterable[InvoiceDetail]) -> bytes:
    """Many invoices in one PDF, each starting on a new page (the month's batch print)."""
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=page_size(studio.locale), pageCompression=0)
    any_page = False
    for invoice in invoices:
        draw_invoice(c, studio, invoice)
        any_page = True
    if not any_page:
        c.setFont(FONT, 12)
        c.drawString(MARGIN, page_size(studio.locale)[1] - 2 * MARGIN, "No invoices to print.")
        c.showPage()
    c.save()
    return buffer.getvalue()


@dataclass
class _Sheet:
    """One invoice being drawn: the canvas, what it shows, and the page it is on."""

    c: Canvas
    studio: StudioLetterhead
    inv: InvoiceDetail
    width: float
    height: float
    accent: tuple[float, float, float]
    page: int = 1

    @property
    def col_qty(self) -> float:
        return self.width - MARGIN - 200

    @property
    def col_price(self) -> float:
        return self.width - MARGIN - 90

    @property
    def col_amount(self) -> float:
        return self.width - MARGIN

    def fmt(self, amount: Decimal) -> str:
        return money(amount, self.inv.currency, self.studio.locale)

    def next_page(self) -> float:
        """Ends this page with its footer; the top of the next one."""
        _footer(self.c, self.studio, self.inv, self.width, self.page)
        self.c.showPage()
        self.page += 1
        return self.height - MARGIN - 20


def draw_invoice(c: Canvas, studio: StudioLetterhead, inv: InvoiceDetail) -> None:
    width, height = c._pagesize
    c.setTitle(f"Invoice {inv.number or 'draft'}: {studio.name}")
    c.setAuthor(studio.name)
    sheet = _Sheet(c, studio, inv, width, height, hex_rgb(studio.theme_color))
    y = _header(c, studio, inv, width, height, sheet.accent)
    y = _bill_to(sheet, y)
    y = _lines(sheet, y)
    y = _totals(sheet, y)
    y = _payments_received(sheet, y)
    y = _how_to_pay(sheet, y)
    if inv.notes:
        set_ink(c, MUTED)
        c.setFont(FONT, 9)
        c.drawString(MARGIN, y, inv.notes[:150])
    _footer(c, studio, inv, width, sheet.page)
    c.showPage()


def _bill_to(sheet: _Sheet, y: float) -> float:
    """Bill to, and the period."""
    c, inv, width = sheet.c, sheet.inv, sheet.width
    set_ink(c, MUTED)
    c.setFont(BOLD, 8)
    c.drawString(MARGIN, y, "BILL TO")
    if inv.period_start and inv.period_end:
        c.drawString(width / 2, y, "FOR")
    y -= 14
    set_ink(c, INK)
    c.setFont(BOLD, 11)
    c.drawString(MARGIN, y, inv.payer.name)
    if inv.period_start and inv.period_end:
        c.setFont(FONT, 10)
        c.drawString(
            width / 2,
            y,
            f"Lessons and services, {short_date(inv.period_start)} to {short_date(inv.period_end)}",
        )
    c.setFont(FONT, 9.5)
    for text in [*inv.billing_address.splitlines(), inv.billing_email]:
        if text.strip():
            y -= 13
            c.drawString(MARGIN, y, text.strip())
    return y - 26


def _table_head(sheet: _Sheet, y: float) -> float:
    c = sheet.c
    c.setFillColorRGB(*sheet.accent)
    c.rect(MARGIN, y - 6, sheet.width - 2 * MARGIN, ROW_H, stroke=0, fill=1)
    c.setFillColorRGB(1, 1, 1)
    c.setFont(BOLD, 9)
    c.drawString(MARGIN + 6, y, "Description")
    c.drawRightString(sheet.col_qty, y, "Qty")
    c.drawRightString(sheet.col_price, y, "Unit price")
    c.drawRightString(sheet.col_amount - 6, y, "Amount")
    return y - ROW_H


def _lines(sheet: _Sheet, y: float) -> float:
    """The lines, in zebra rows, the head repeated on each new page."""
    c, inv, width = sheet.c, sheet.inv, sheet.width
    desc_width = sheet.col_qty - MARGIN - 40
    y = _table_head(sheet, y)
    c.setFont(FONT, 9.5)
    for i, line in enumerate(inv.lines):
        if y < MARGIN + 60:
            y = _table_head(sheet, sheet.next_page())
            c.setFont(FONT, 9.5)
        if i % 2:
            set_ink(c, ZEBRA)
            c.rect(MARGIN, y - 6, width - 2 * MARGIN, ROW_H, stroke=0, fill=1)
        set_ink(c, INK)
        text = line.description
        while c.stringWidth(text, FONT, 9.5) > desc_width and len(text) > 4:
            text = text[:-2]
        if text != line.description:
            text = text.rstrip() + "…"
        c.drawString(MARGIN + 6, y, text)
        c.drawRightString(sheet.col_qty, y, str(line.quantity))
        c.drawRightString(sheet.col_price, y, sheet.fmt(line.unit_price))
        c.drawRightString(sheet.col_amount - 6, y, sheet.fmt(line.total))
        y -= ROW_H
    if not inv.lines:
        set_ink(c, MUTED)
        c.drawString(MARGIN + 6, y, "No lines.")
        y -= ROW_H
    c.setStrokeColorRGB(*RULE)
    c.line(MARGIN, y + 10, width - MARGIN, y + 10)
    return y


def _totals(sheet: _Sheet, y: float) -> float:
    """Totals, right-aligned, and the balance due in the accent colour."""
    c, inv = sheet.c, sheet.inv
    needed = 20 + 15 * 7 + 40 + 15 * len(inv.payments) + 110
    if y - needed < MARGIN:
        y = sheet.next_page()
    y -= 8
    totals: list[tuple[str, Decimal, bool]] = [("Subtotal", inv.subtotal, False)]
    if inv.discount:
        totals.append(("Discount", -inv.discount, False))
    if inv.tax or inv.tax_rate_percent:
        totals.append((f"Tax ({inv.tax_rate_percent.normalize():f}%)", inv.tax, False))
    if inv.late_fee:
        totals.append(("Late fee", inv.late_fee, False))
    totals.append(("Total", inv.total, True))
    if inv.amount_paid:
        totals.append(("Paid", -inv.amount_paid, False))
    label_x, col_amount = sheet.col_price - 10, sheet.col_amount
    for label, amount, bold in totals:
        set_ink(c, INK)
        c.setFont(BOLD if bold else FONT, 10)
        c.drawRightString(label_x, y, label)
        c.drawRightString(col_amount - 6, y, sheet.fmt(amount))
        y -= 15
    y -= 6
    c.setFillColorRGB(*sheet.accent)
    c.rect(label_x - 120, y - 8, col_amount - label_x + 120, 24, stroke=0, fill=1)
    c.setFillColorRGB(1, 1, 1)
    c.setFont(BOLD, 12)
    c.drawRightString(label_x, y, "Balance due")
    c.drawRightString(col_amount - 6, y, sheet.fmt(inv.balance))
    return y - 34


def _payments_received(sheet: _Sheet, y: float) -> float:
    c = sheet.c
    paid = [p for p in sheet.inv.payments if p.status != "failed"]
    if not paid:
        return y
    set_ink(c, MUTED)
    c.setFont(BOLD, 8)
    c.drawString(MARGIN, y, "PAYMENTS RECEIVED")
    y -= 14
    c.setFont(FONT, 9.5)
    set_ink(c, INK)
    for p in paid:
        when = short_day_of(p.processed_at, sheet.studio.timezone)
        refunded = f" (refunded {sheet.fmt(p.refunded_amount)})" if p.refunded_amount else ""
        c.drawString(MARGIN, y, f"{when}  {words(p.method)}{refunded}")
        c.drawRightString(sheet.col_amount - 6, y, sheet.fmt(p.amount))
        y -= 14
    return y - 10


def _how_to_pay(sheet: _Sheet, y: float) -> float:
    """How to pay, with the pay-by-link QR, while a balance is due."""
    c, inv, studio, width = sheet.c, sheet.inv, sheet.studio, sheet.width
    if inv.status in ("void", "paid") or inv.balance <= 0:
        return y
    box_h = 96.0 if inv.pay_link_url else 64.0
    set_ink(c, ZEBRA)
    c.roundRect(MARGIN, y - box_h + 12, width - 2 * MARGIN, box_h, 6, stroke=0, fill=1)
    text_w = width - 2 * MARGIN - (110 if inv.pay_link_url else 20)
    set_ink(c, INK)
    c.setFont(BOLD, 10)
    c.drawString(MARGIN + 10, y - 4, "How to pay")
    c.setFont(FONT, 9.5)
    ty = y - 18
    instructions = studio.payment_instructions
    if inv.number:
        instructions += f" Reference: {inv.number}."
    for text in wrap(instructions, FONT, 9.5, text_w)[:4]:
        c.drawString(MARGIN + 10, ty, text)
        ty -= 12
    if inv.pay_link_url:
        c.setFont(BOLD, 9.5)
        c.drawString(MARGIN + 10, ty - 4, "Pay online: scan the code or visit")
        c.setFont(FONT, 8)
        c.drawString(MARGIN + 10, ty - 16, inv.pay_link_url[:110])
        draw_qr(c, inv.pay_link_url, width - MARGIN - 92, y - box_h + 16, 88)
    return y - box_h - 8


def _header(
    c: Canvas,
    studio: StudioLetterhead,
    inv: InvoiceDetail,
    width: float,
    height: float,
    accent: tuple[float, float, float],
) -> float:
    top = height - MARGIN
    c.setFillColorRGB(*accent)
    c.rect(0, height - 8, width, 8, stroke=0, fill=1)
    x = MARGIN
    used = draw_logo(c, studio.logo, x, top, 54)
    if used:
        x += used + 12
    set_ink(c, INK)
    c.setFont(BOLD, 16)
    c.drawString(x, top - 14, studio.name)
    c.setFont(FONT, 9)
    set_ink(c, MUTED)
    y = top - 28
    # The contact details stop short of the dates on the right (a long email and website
    # go on a line each rather than run under them).
    room = width - MARGIN - 190 - x
    contact: list[str] = []
    for part in (p for p in (studio.phone, studio.email, studio.website) if p):
        joined = f"{contact[-1]}  ·  {part}" if contact else part
        if contact and c.stringWidth(joined, FONT, 9) <= room:
            contact[-1] = joined
        else:
            contact.append(part)
    for text in [*studio.address_lines, *contact]:
        if text:
            c.drawString(x, y, text)
            y -= 11
    # The document's name and its numbers, on the right.
    kind = "CREDIT NOTE" if inv.credit_note_for else "INVOICE"
    right = width - MARGIN
    c.setFillColorRGB(*accent)
    c.setFont(BOLD, 22)
    c.drawRightString(right, top - 18, kind)
    set_ink(c, INK)
    c.setFont(BOLD, 11)
    c.drawRightString(right, top - 36, inv.number or "DRAFT (not yet issued)")
    c.setFont(FONT, 9.5)
    ry = top - 52
    rows = [("Issued", long_date(inv.issue_date)), ("Due", long_date(inv.due_date))]
    if inv.credit_note_for:
        rows.append(("For invoice", inv.credit_note_for))
    for label, value in rows:
        if value != "-":
            set_ink(c, MUTED)
            c.drawRightString(right - 110, ry, label)
            set_ink(c, INK)
            c.drawRightString(right, ry, value)
            ry -= 13
    stamp = {"paid": "PAID", "void": "VOID"}.get(inv.status) or (
        "OVERDUE" if inv.is_overdue else ""
    )
    if stamp:
        c.saveState()
        c.setFillColorRGB(*(ALERT if stamp != "PAID" else (0.18, 0.55, 0.3)))
        c.setFont(BOLD, 14)
        c.drawRightString(right, ry - 6, stamp)
        c.restoreState()
        ry -= 20
    y = min(y, ry) - 22
    c.setStrokeColorRGB(*RULE)
    c.line(MARGIN, y + 10, width - MARGIN, y + 10)
    return y - 8


def _footer(
    c: Canvas, studio: StudioLetterhead, inv: InvoiceDetail, width: float, page: int
) -> None:
    set_ink(c, MUTED)
    c.setFont(FONT, 8)
    c.drawString(MARGIN, MARGIN / 2, f"{studio.name}  ·  Thank you for making music with us.")
    c.drawRightString(width - MARGIN, MARGIN / 2, f"{inv.number or 'Draft'}  ·  page {page}")
