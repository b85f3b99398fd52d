"""An item label (62 x 29 mm, the common label-printer roll): name, location and barcode."""

from __future__ import annotations

import io

from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen.canvas import Canvas

from studiosync_desktop.reports.barcodes import draw_code128
from studiosync_desktop.schemas.inventory import ItemLabel

LABEL_SIZE = (62 * mm, 29 * mm)


def render_item_label(label: ItemLabel) -> bytes:
    width, height = LABEL_SIZE
    out = io.BytesIO()
    c = Canvas(out, pagesize=LABEL_SIZE)
    c.setTitle(f"Label - {label.item_name}")
    margin = 2.5 * mm
    name = simpleSplit(label.item_name, "Helvetica-Bold", 8, width - 2 * margin)[:1]
    c.setFont("Helvetica-Bold", 8)
    c.drawString(margin, height - margin - 7, name[0] if name else "")
    c.setFont("Helvetica", 6)
    where = f"{label.studio_name} · {label.location}" if label.location else label.studio_name
    c.drawString(margin, height - margin - 14, where[:60])
    draw_code128(
        c,
        label.barcode_value,
        margin,
        margin,
        width=width - 2 * margin,
        height=height - 2 * margin - 17,
        font_size=7,
    )
    c.showPage()
    c.save()
    return out.getvalue()
