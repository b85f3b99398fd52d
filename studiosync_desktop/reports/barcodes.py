"""Code 128 barcodes drawn on a ReportLab canvas (what a desk's USB scanner reads back)."""

from __future__ import annotations

from reportlab.graphics.barcode.code128 import Code128
from reportlab.pdfgen.canvas import Canvas


def draw_code128(
    canvas: Canvas,
    value: str,
    x: float,
    y: float,
    *,
    width: float,
    height: float,
    caption: bool = True,
    font_size: float = 9,
) -> None:
    """A Code 128 barcode of `value` fitted into `width` (quiet zones included) with its
    bottom-left at (x, y); `caption` prints the value under the bars for a human to read."""
    text_h = font_size + 3 if caption else 0
    probe = Code128(value, barWidth=1, barHeight=height - text_h, quiet=True)
    bar_width = min(width / probe.width, 1.6)  # never wider than a scanner likes
    code = Code128(value, barWidth=bar_width, barHeight=height - text_h, quiet=True)
    left = x + (width - code.width) / 2
    code.drawOn(canvas, left, y + text_h)
    if caption:
        canvas.setFont("Courier", font_size)
        canvas.drawCentredString(x + width / 2, y + 1, value)
