"""The readable summary of a person's data export: who, what the studio keeps, table by table."""

from __future__ import annotations

import io

from reportlab.pdfgen.canvas import Canvas

from studiosync_desktop.reports.style import Sheet, page_size, wrap
from studiosync_desktop.schemas.billing import StudioLetterhead
from studiosync_desktop.schemas.privacy import ExportSummary
from studiosync_desktop.zones import local

# A section prints this many rows; the JSON beside it holds them all.
ROWS_PRINTED = 200


def render_export_summary(studio: StudioLetterhead, summary: ExportSummary) -> bytes:
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=page_size(studio.locale), pageCompression=0)
    c.setTitle(f"What {studio.name} keeps about {summary.name}")
    sheet = Sheet(c, studio.name, "YOUR DATA", studio.theme_color, studio.logo)
    sheet.text(summary.name, 15, bold=True)
    sheet.text(
        f"{summary.role}. Exported on"
        f" {local(summary.exported_at, studio.timezone):%d %b %Y at %H:%M} "
        f"by {summary.exported_by}.",
        9,
        muted=True,
    )
    sheet.gap()
    for label, value in summary.facts:
        for n, line in enumerate(
            wrap(value, "Helvetica", 10, sheet.width - 2 * sheet.margin - 150)
        ):
            sheet.need(14)
            if n == 0:
                sheet.c.setFont("Helvetica", 9)
                sheet.c.setFillColorRGB(0.42, 0.45, 0.5)
                sheet.c.drawString(sheet.margin, sheet.y, label)
            sheet.c.setFont("Helvetica", 10)
            sheet.c.setFillColorRGB(0.12, 0.14, 0.18)
            sheet.c.drawString(sheet.margin + 150, sheet.y, line)
            sheet.y -= 14
    sheet.gap(10)
    sheet.text(
        "Everything below is also in data.json, in full, for a computer to read.", 9, muted=True
    )
    for section in summary.sections:
        sheet.gap(6)
        count = f" ({section.total})" if section.total else ""
        sheet.text(section.title + count, 11, bold=True)
        if not section.total:
            sheet.text("Nothing kept.", 9, muted=True)
            continue
        if not section.headers:  # links between records only (a band membership)
            sheet.text(f"{section.total} kept, listed in data.json.", 9, muted=True)
            continue
        shown = [list(r) for r in section.rows[:ROWS_PRINTED]]
        sheet.table(list(section.headers), shown, [1.0] * len(section.headers))
        if section.total > len(shown):
            sheet.text(f"… and {section.total - len(shown)} more in data.json.", 9, muted=True)
    sheet.finish()
    c.save()
    return buffer.getvalue()
