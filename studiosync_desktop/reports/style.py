"""The look every printed page shares: inks, fonts, money and dates in the studio's locale."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from babel.numbers import format_currency
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.utils import ImageReader, simpleSplit
from reportlab.pdfgen.canvas import Canvas

from studiosync_desktop.zones import local

INK = (0.12, 0.14, 0.18)
MUTED = (0.42, 0.45, 0.5)
RULE = (0.82, 0.84, 0.88)
ZEBRA = (0.96, 0.97, 0.98)
ALERT = (0.78, 0.16, 0.16)
FONT = "Helvetica"
BOLD = "Helvetica-Bold"

# Letter where the studio's locale prints on it (North America); A4 everywhere else.
LETTER_REGIONS = {"US", "CA", "MX", "PH", "CL", "CO", "VE"}


def page_size(locale: str) -> tuple[float, float]:
    region = locale.replace("-", "_").split("_")[-1].upper()
    size = LETTER if region in LETTER_REGIONS else A4
    return (float(size[0]), float(size[1]))


def hex_rgb(value: str) -> tuple[float, float, float]:
    v = value.lstrip("#")
    try:
        return (int(v[0:2], 16) / 255, int(v[2:4], 16) / 255, int(v[4:6], 16) / 255)
    except (ValueError, IndexError):
        return (0.23, 0.43, 0.65)


@lru_cache(maxsize=4096)
def _money(amount: Decimal, currency: str, locale: str) -> str:
    try:
        return str(format_currency(amount, currency, locale=locale))
    except (ValueError, LookupError):
        return f"{currency} {amount:,.2f}"


def money(amount: Decimal, currency: str, locale: str) -> str:
    """1234.5 USD en_US -> '$1,234.50'; de_DE EUR -> '1.234,50 €' (Decimal, never float)."""
    return _money(Decimal(amount), currency, locale)


def long_date(day: date | None) -> str:
    return f"{day:%B} {day.day}, {day.year}" if day else "-"


def short_date(day: date | None) -> str:
    return f"{day:%b} {day.day}, {day.year}" if day else "-"


def short_day_of(moment: datetime | None, timezone: str) -> str:
    """The day a moment fell on where the studio is (a payment at 21:29 in Chicago is not
    the next day's, whatever UTC says)."""
    return short_date(local(moment, timezone).date()) if moment else ""


@lru_cache(maxsize=8)
def _image(data: bytes) -> ImageReader | None:
    try:
        return ImageReader(io.BytesIO(data))
    except Exception:  # noqa: BLE001 (an image no reader understands is printed as no logo)
        return None


def draw_logo(c: Canvas, logo: bytes | None, x: float, top: float, max_h: float) -> float:
    """Draws the logo with its top-left at (x, top); returns the width used (0 if none)."""
    if not logo:
        return 0.0
    img = _image(logo)
    if img is None:
        return 0.0
    w, h = img.getSize()
    scale = max_h / h
    c.drawImage(img, x, top - h * scale, w * scale, h * scale, mask="auto")
    return float(w * scale)


def draw_qr(c: Canvas, data: str, x: float, y: float, size: float) -> None:
    """A QR code (segno) as filled squares: crisp at any zoom, no image needed."""
    import segno

    qr = segno.make(data, error="m")
    matrix = list(qr.matrix)
    n = len(matrix) + 8  # the quiet zone of 4 modules on each side
    cell = size / n
    c.setFillColorRGB(1, 1, 1)
    c.rect(x, y, size, size, stroke=0, fill=1)
    c.setFillColorRGB(0, 0, 0)
    for r, row in enumerate(matrix):
        for col, dark in enumerate(row):
            if dark:
                c.rect(
                    x + (col + 4) * cell, y + size - (r + 5) * cell, cell, cell, stroke=0, fill=1
                )


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    lines: list[str] = simpleSplit(text, font, size, width)
    return lines or [""]


def set_ink(c: Canvas, rgb: Any) -> None:
    c.setFillColorRGB(*rgb)


class Sheet:
    """A simple report page: letterhead, a title, then tables that flow onto new pages."""

    margin = 48.0
    row_h = 16.0

    def __init__(
        self,
        c: Canvas,
        studio_name: str,
        title: str,
        accent: str = "#3b6ea5",
        logo: bytes | None = None,
    ) -> None:
        self.c = c
        self.logo = logo
        self.studio_name = studio_name
        self.title = title
        self.accent = hex_rgb(accent)
        self.width, self.height = c._pagesize
        self.page = 0
        self.y = 0.0
        self.new_page()

    def new_page(self) -> None:
        c = self.c
        if self.page:
            self.footer()
            c.showPage()
        self.page += 1
        c.setFillColorRGB(*self.accent)
        c.rect(0, self.height - 8, self.width, 8, stroke=0, fill=1)
        # The studio's logo at the top left, its name beside it.
        used = draw_logo(c, self.logo, self.margin, self.height - self.margin + 12, 30)
        set_ink(c, INK)
        c.setFont(BOLD, 14)
        name_x = self.margin + (used + 10 if used else 0)
        c.drawString(name_x, self.height - self.margin - 6, self.studio_name)
        c.setFillColorRGB(*self.accent)
        c.setFont(BOLD, 16)
        c.drawRightString(self.width - self.margin, self.height - self.margin - 6, self.title)
        self.y = self.height - self.margin - 34

    def footer(self) -> None:
        set_ink(self.c, MUTED)
        self.c.setFont(FONT, 8)
        self.c.drawString(self.margin, self.margin / 2, f"{self.studio_name}  ·  {self.title}")
        self.c.drawRightString(self.width - self.margin, self.margin / 2, f"page {self.page}")

    def need(self, height: float) -> None:
        if self.y - height < self.margin:
            self.new_page()

    def text(self, value: str, size: float = 10, bold: bool = False, muted: bool = False) -> None:
        self.need(size + 4)
        set_ink(self.c, MUTED if muted else INK)
        self.c.setFont(BOLD if bold else FONT, size)
        self.c.drawString(self.margin, self.y, value)
        self.y -= size + 4

    def gap(self, points: float = 8) -> None:
        self.y -= points

    def table(
        self,
        headers: list[str],
        rows: list[list[str]],
        widths: list[float],
        right: set[int] | None = None,
        bold_last: bool = False,
    ) -> None:
        """Columns of the given relative widths across the page; numbers right-aligned."""
        right = right or set()
        usable = self.width - 2 * self.margin
        scale = usable / sum(widths)
        xs = [self.margin]
        for w in widths:
            xs.append(xs[-1] + w * scale)

        def head() -> None:
            self.c.setFillColorRGB(*self.accent)
            self.c.rect(self.margin, self.y - 5, usable, self.row_h, stroke=0, fill=1)
            self.c.setFillColorRGB(1, 1, 1)
            self.c.setFont(BOLD, 8.5)
            for i, h in enumerate(headers):
                self._cell(h, xs, i, i in right)
            self.y -= self.row_h

        self.need(self.row_h * 2)
        head()
        for n, row in enumerate(rows):
            if self.y - self.row_h < self.margin:
                self.new_page()
                head()
            last = bold_last and n == len(rows) - 1
            if n % 2:
                set_ink(self.c, ZEBRA)
                self.c.rect(self.margin, self.y - 5, usable, self.row_h, stroke=0, fill=1)
            set_ink(self.c, INK)
            self.c.setFont(BOLD if last else FONT, 9)
            for i, value in enumerate(row):
                self._cell(value, xs, i, i in right)
            self.y -= self.row_h
        self.y -= 6

    def _cell(self, value: str, xs: list[float], i: int, right: bool) -> None:
        if right:
            self.c.drawRightString(xs[i + 1] - 4, self.y, value)
        else:
            limit = xs[i + 1] - xs[i] - 8
            font, size = self.c._fontname, self.c._fontsize
            while value and self.c.stringWidth(value, font, size) > limit:
                value = value[:-2] + "…" if len(value) > 2 else ""
            self.c.drawString(xs[i] + 4, self.y, value)

    def finish(self) -> None:
        self.footer()
        self.c.showPage()
