"""A report as a PDF: the studio's name, the report's title and period, what it counts, the
chart drawn with ReportLab's own graphics, and the table (repeating its header on each page)."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from xml.sax.saxutils import escape

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer, TableStyle

from studiosync_desktop.reports.style import BOLD, FONT, page_size
from studiosync_desktop.schemas.reports import Cell, ReportChart, ReportColumn, ReportTable

# A PDF is for reading: beyond this many rows it says so, and the CSV or XLSX has them all.
PDF_ROWS = 3000
PALETTE = ("#3b6ea5", "#e07b39", "#59a14f", "#b05cc6", "#d94f4f", "#8c8c8c", "#edc948")


def cell_text(value: Cell, column: ReportColumn) -> str:
    if value is None:
        return ""
    if column.kind == "money" and isinstance(value, Decimal):
        return f"{value:,.2f}"
    if column.kind == "percent":
        return f"{value}%"
    if isinstance(value, date):
        return f"{value:%Y-%m-%d}"
    return str(value)


def chart_drawing(chart: ReportChart, width: float, height: float = 62 * mm) -> Drawing:
    drawing = Drawing(width, height)
    bars = VerticalBarChart()
    bars.x, bars.y = 32, 34
    bars.width, bars.height = width - 150, height - 52
    bars.data = [[float(v) for v in s.values] for s in chart.series] or [[0.0]]
    bars.categoryAxis.categoryNames = [c[:14] for c in chart.categories]
    bars.categoryAxis.labels.fontSize = 6
    bars.categoryAxis.labels.angle = 30 if len(chart.categories) > 8 else 0
    bars.categoryAxis.labels.boxAnchor = "ne" if len(chart.categories) > 8 else "n"
    bars.valueAxis.labels.fontSize = 7
    bars.valueAxis.valueMin = min(0.0, *(min(r) for r in bars.data))
    bars.categoryAxis.style = "stacked"
    for i in range(len(chart.series)):
        bars.bars[i].fillColor = colors.HexColor(PALETTE[i % len(PALETTE)])
        bars.bars[i].strokeColor = None
    drawing.add(bars)
    drawing.add(String(32, height - 10, chart.title, fontName=BOLD, fontSize=9))
    if len(chart.series) > 1:
        legend = Legend()
        legend.x, legend.y = width - 110, height - 24
        legend.fontSize = 7
        legend.columnMaximum = 12
        legend.colorNamePairs = [
            (colors.HexColor(PALETTE[i % len(PALETTE)]), s.name[:22])
            for i, s in enumerate(chart.series)
        ]
        drawing.add(legend)
    return drawing


def render_report(table: ReportTable, studio_name: str, locale: str = "en_US") -> bytes:
    buffer = io.BytesIO()
    size = landscape(page_size(locale)) if len(table.columns) > 6 else page_size(locale)
    doc = SimpleDocTemplate(
        buffer,
        pagesize=size,
        leftMargin=14 * mm,
        rightMargin=14 * mm,
        topMargin=14 * mm,
        bottomMargin=14 * mm,
        title=f"{table.title}, {table.first} to {table.last}",
        author=studio_name,
    )
    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontName=FONT, fontSize=8, leading=10)
    story: list[object] = [
        Paragraph(studio_name, styles["Normal"]),
        Paragraph(table.title, styles["Title"]),
        Paragraph(
            escape(
                f"{table.first:%d %B %Y} to {table.last:%d %B %Y}"
                + (f" \N{MIDDLE DOT} {table.narrowed}" if table.narrowed else "")
            ),
            styles["Normal"],
        ),
        Spacer(1, 3 * mm),
        Paragraph(table.counts, small),
        Spacer(1, 4 * mm),
    ]
    if table.chart is not None and table.chart.series:
        story += [chart_drawing(table.chart, doc.width), Spacer(1, 4 * mm)]
    rows = table.rows[:PDF_ROWS]
    data = [[c.title for c in table.columns]]
    data += [[cell_text(v, c) for v, c in zip(r, table.columns, strict=True)] for r in rows]
    if table.totals is not None:
        data.append([cell_text(v, c) for v, c in zip(table.totals, table.columns, strict=True)])
    grid = LongTable(data, repeatRows=1)
    style = [
        ("FONT", (0, 0), (-1, -1), FONT, 7.5),
        ("FONT", (0, 0), (-1, 0), BOLD, 7.5),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.grey),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f4f6f8")]),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
    for i, c in enumerate(table.columns):
        if c.kind in ("money", "count", "hours", "percent"):
            style.append(("ALIGN", (i, 0), (i, -1), "RIGHT"))
    if table.totals is not None:
        style += [
            ("FONT", (0, -1), (-1, -1), BOLD, 7.5),
            ("LINEABOVE", (0, -1), (-1, -1), 0.6, colors.grey),
        ]
    grid.setStyle(TableStyle(style))
    story.append(grid)
    if len(table.rows) > PDF_ROWS:
        story.append(
            Paragraph(
                f"The first {PDF_ROWS:,} of {len(table.rows):,} rows; the CSV or XLSX export "
                "has them all.",
                small,
            )
        )
    if not table.rows:
        story.append(Paragraph("Nothing in this period.", small))
    doc.build(story)
    return buffer.getvalue()
