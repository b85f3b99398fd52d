"""The checkout slip: one page (A4 or Letter) or a receipt-width strip per lent item."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Literal

from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen.canvas import Canvas

from studiosync_desktop.reports.barcodes import draw_code128
from studiosync_desktop.reports.style import INK, MUTED, RULE, draw_logo, wrap
from studiosync_desktop.schemas.inventory import CheckoutSlip
from studiosync_desktop.vocabulary import words
from studiosync_desktop.zones import zone_of

PageKind = Literal["a4", "letter", "receipt"]

TERMS = (
    "The borrower keeps the item safe and dry, uses it only for music study, and returns it "
    "by the due date in the condition it was lent. Loss or damage beyond normal wear may be "
    "charged at repair or replacement cost (value shown above). Late returns may delay further "
    "loans. Please bring this slip back with the item."
)


def _local(value: datetime | None, zone: str) -> str:
    if value is None:
        return "-"
    return value.astimezone(zone_of(zone)).strftime("%a %d %b %Y, %H:%M")


def render_checkout_slip(slip: CheckoutSlip, page: PageKind = "a4") -> bytes:
    """PDF bytes of the slip."""
    buffer = io.BytesIO()
    if page == "receipt":
        _receipt(slip, buffer)
    else:
        _full_page(slip, buffer, A4 if page == "a4" else LETTER)
    return buffer.getvalue()


def _reference(slip: CheckoutSlip) -> str:
    return f"CO-{slip.checkout_id.hex[:8].upper()}"


def _full_page(slip: CheckoutSlip, out: io.BytesIO, size: tuple[float, float]) -> None:
    width, height = size
    c = Canvas(out, pagesize=size)
    c.setTitle(f"Checkout slip {_reference(slip)} - {slip.item_name}")
    c.setAuthor(slip.studio_name)
    margin = 18 * mm
    right = width - margin
    y = _slip_head(c, slip, margin, right, height - margin)
    y = _item(c, slip, margin, right, y)
    y = _borrower_and_dates(c, slip, margin, right, y)
    _terms_and_signatures(c, slip, margin, right, y)
    c.showPage()
    c.save()


def _slip_head(c: Canvas, slip: CheckoutSlip, margin: float, right: float, y: float) -> float:
    """The studio, and what this paper is."""
    used = draw_logo(c, slip.studio_logo, margin, y, 46)
    x = margin + (used + 12 if used else 0)
    c.setFillColorRGB(*INK)
    c.setFont("Helvetica-Bold", 18)
    c.drawString(x, y - 14, slip.studio_name)
    c.setFont("Helvetica", 9.5)
    c.setFillColorRGB(*MUTED)
    contact = " · ".join(p for p in (slip.studio_phone, slip.studio_email) if p)
    line_y = y - 30
    room = right - 150 - x  # short of the slip's title and reference on the right
    for text in (slip.studio_address, contact):
        for line in wrap(text, "Helvetica", 9.5, room) if text else ():
            c.drawString(x, line_y, line)
            line_y -= 12
    if used:
        line_y = min(line_y, y - 50)  # below the logo
    c.setFillColorRGB(*INK)
    c.setFont("Helvetica-Bold", 15)
    c.drawRightString(right, y - 14, "CHECKOUT SLIP")
    c.setFont("Helvetica", 9.5)
    c.drawRightString(right, y - 30, f"Reference {_reference(slip)}")
    if slip.status == "returned":
        c.setFillColorRGB(0.1, 0.5, 0.2)
        c.drawRightString(right, y - 42, "Returned (reprint)")
        c.setFillColorRGB(*INK)
    y = min(line_y, y - 46) - 8
    _rule(c, margin, right, y)
    return y


def _item(c: Canvas, slip: CheckoutSlip, margin: float, right: float, y: float) -> float:
    """The item, with its barcode."""
    y -= 26
    c.setFont("Helvetica-Bold", 14)
    c.drawString(margin, y, slip.item_name)
    code_w, code_h = 62 * mm, 20 * mm
    draw_code128(
        c, slip.barcode_value, right - code_w, y - code_h + 12, width=code_w, height=code_h
    )
    y -= 20
    y = _pairs(
        c,
        margin,
        y,
        [
            ("Category", words(slip.category)),
            ("Serial / asset no.", slip.serial_number or "-"),
            ("Quantity", str(slip.quantity)),
            ("Condition out", words(slip.condition_out) or "-"),
            ("Value", f"{slip.currency} {slip.value:,.2f}"),
        ],
    )
    y -= 8
    _rule(c, margin, right, y)
    return y


def _borrower_and_dates(
    c: Canvas, slip: CheckoutSlip, margin: float, right: float, y: float
) -> float:
    """Who, and when it comes back; the notes."""
    y -= 22
    col2 = margin + (right - margin) / 2
    _heading(c, margin, y, "Borrower")
    _heading(c, col2, y, "Dates")
    y -= 16
    left_end = _pairs(
        c,
        margin,
        y,
        [
            ("Name", slip.borrower_name),
            ("Email", slip.borrower_email or "-"),
            ("Phone", slip.borrower_phone or "-"),
        ],
    )
    right_end = _pairs(
        c,
        col2,
        y,
        [
            ("Checked out", _local(slip.checkout_date, slip.timezone)),
            ("Due back", slip.due_date.strftime("%a %d %b %Y") if slip.due_date else "-"),
            ("Approved by", slip.approved_by or "-"),
        ],
        bold_row=1,
    )
    y = min(left_end, right_end) - 8
    if slip.notes:
        _heading(c, margin, y - 8, "Notes")
        y = _paragraph(c, slip.notes, margin, y - 22, right - margin, 10)
    _rule(c, margin, right, y)
    return y


def _terms_and_signatures(
    c: Canvas, slip: CheckoutSlip, margin: float, right: float, y: float
) -> None:
    """The terms of loan, the two signature lines, and the footer."""
    y -= 22
    _heading(c, margin, y, "Terms of loan")
    y = _paragraph(c, TERMS, margin, y - 15, right - margin, 9.5)
    y -= 46
    half = (right - margin - 20 * mm) / 2
    for x, who in ((margin, "Borrower signature"), (margin + half + 20 * mm, "Staff signature")):
        c.setStrokeColorRGB(*INK)
        c.line(x, y, x + half, y)
        c.setFont("Helvetica", 9)
        c.setFillColorRGB(*MUTED)
        c.drawString(x, y - 12, f"{who}                          Date")
        c.setFillColorRGB(*INK)
    y -= 44
    c.setFont("Helvetica", 8)
    c.setFillColorRGB(*MUTED)
    c.drawString(
        margin,
        margin - 6,
        f"{slip.studio_name} · {_reference(slip)} · Scan the barcode at the desk to find the item.",
    )


def _receipt(slip: CheckoutSlip, out: io.BytesIO) -> None:
    """80 mm wide, as long as it needs: for the desk's receipt printer."""
    width = 80 * mm
    margin = 4 * mm
    inner = width - 2 * margin
    lines: list[tuple[str, str, float]] = []  # (font, text, size)

    def add(text: str, font: str = "Helvetica", size: float = 8.5) -> None:
        for part in simpleSplit(text, font, size, inner) or [""]:
            lines.append((font, part, size))

    add(slip.studio_name, "Helvetica-Bold", 11)
    if slip.studio_address:
        add(slip.studio_address)
    if slip.studio_phone:
        add(slip.studio_phone)
    add(f"CHECKOUT SLIP  {_reference(slip)}", "Helvetica-Bold", 9.5)
    add(slip.item_name, "Helvetica-Bold", 10)
    add(f"Serial: {slip.serial_number or '-'}   Qty: {slip.quantity}")
    add(f"Condition out: {words(slip.condition_out) or '-'}")
    add(f"Borrower: {slip.borrower_name}")
    add(f"Contact: {' / '.join(p for p in (slip.borrower_phone, slip.borrower_email) if p) or '-'}")
    add(f"Out: {_local(slip.checkout_date, slip.timezone)}")
    add(
        f"DUE BACK: {slip.due_date.strftime('%a %d %b %Y') if slip.due_date else '-'}",
        "Helvetica-Bold",
        10,
    )
    if slip.notes:
        add(f"Notes: {slip.notes}")
    add(TERMS, "Helvetica", 7)
    code_h = 16 * mm
    height = margin * 2 + sum(s + 3 for _, _, s in lines) + code_h + 80
    c = Canvas(out, pagesize=(width, height))
    c.setTitle(f"Checkout slip {_reference(slip)}")
    y = height - margin
    for font, text, size in lines:
        y -= size + 3
        c.setFont(font, size)
        c.drawString(margin, y, text)
    y -= code_h + 6
    draw_code128(c, slip.barcode_value, margin, y, width=inner, height=code_h, font_size=8)
    for who in ("Borrower", "Staff"):
        y -= 30
        c.line(margin, y, width - margin, y)
        c.setFont("Helvetica", 7.5)
        c.drawString(margin, y - 9, f"{who} signature")
    c.showPage()
    c.save()


def _rule(c: Canvas, x1: float, x2: float, y: float) -> None:
    c.setStrokeColorRGB(*RULE)
    c.setLineWidth(0.8)
    c.line(x1, y, x2, y)
    c.setStrokeColorRGB(*INK)


def _heading(c: Canvas, x: float, y: float, text: str) -> None:
    c.setFont("Helvetica-Bold", 10.5)
    c.setFillColorRGB(*INK)
    c.drawString(x, y, text.upper())


def _pairs(
    c: Canvas, x: float, y: float, pairs: list[tuple[str, str]], bold_row: int | None = None
) -> float:
    for i, (label, value) in enumerate(pairs):
        c.setFont("Helvetica", 9.5)
        c.setFillColorRGB(*MUTED)
        c.drawString(x, y, label)
        c.setFillColorRGB(*INK)
        c.setFont("Helvetica-Bold" if i == bold_row else "Helvetica", 10.5)
        c.drawString(x + 32 * mm, y, value)
        y -= 15
    return y


def _paragraph(c: Canvas, text: str, x: float, y: float, width: float, size: float) -> float:
    c.setFont("Helvetica", size)
    c.setFillColorRGB(*INK)
    for line in simpleSplit(text, "Helvetica", size, width):
        c.drawString(x, y, line)
        y -= size + 3.5
    return y - 4
