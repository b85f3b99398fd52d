# ruff: noqa: E501  (the fixed XML parts of the file read best on one line each)
"""A one-sheet XLSX written row by row into its ZIP as the rows come (nothing kept in memory).

XlsxWriter, the library tried first, spent about 30 microseconds a cell here (a year of
lessons, a million cells, took half a minute); a sheet of plain values needs only a few
fixed parts and one XML line per row, which this writes in a tenth of that time. Numbers are
written exactly as the Decimal reads (never through a float), dates as Excel day numbers."""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

EPOCH = date(1899, 12, 30)  # Excel's day 0 (with its 1900 leap-year quirk already folded in)
# Cell styles of styles.xml: 0 plain, 1 a day, 2 money, 3 a header (bold), 4 one decimal.
PLAIN, DAY, MONEY, HEADER, DECIMAL1 = 0, 1, 2, 3, 4
KIND_STYLES = {"date": DAY, "money": MONEY, "hours": MONEY, "percent": DECIMAL1}

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>
</Types>"""
ROOT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""
WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>
</Relationships>"""
WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets>
</workbook>"""
STYLES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></numFmts>
<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>
<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="5">
<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>
<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="4" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>
<xf numFmtId="2" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
</cellXfs>
</styleSheet>"""
SHEET_START = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>
<cols>{cols}</cols><sheetData>"""
SHEET_END = "</sheetData></worksheet>"


def _cell(value: object, style: int) -> str:
    if value is None:
        return "<c/>"
    if isinstance(value, bool):
        return f'<c t="b"><v>{int(value)}</v></c>'
    if isinstance(value, Decimal | int):
        return f'<c s="{style}"><v>{value}</v></c>'
    if isinstance(value, date):
        return f'<c s="{DAY}"><v>{(value - EPOCH).days}</v></c>'
    text = escape(str(value))
    return f'<c t="inlineStr" s="{style}"><is><t xml:space="preserve">{text}</t></is></c>'


def sheet_rows(
    titles: list[str], styles: list[int], rows: Iterable[tuple[object, ...]], note: str = ""
) -> Iterator[str]:
    """The sheet's XML rows: `note` on a line of its own when given, the header (bold), then
    one line per row."""
    if note:
        yield "<row>" + _cell(note, PLAIN) + "</row>"
    yield "<row>" + "".join(_cell(t, HEADER) for t in titles) + "</row>"
    for row in rows:
        yield "<row>" + "".join(_cell(v, s) for v, s in zip(row, styles, strict=False)) + "</row>"


def write_xlsx(
    path: Path,
    sheet_name: str,
    widths: list[int],
    rows: Iterable[str],
) -> None:
    """`rows` are the XML lines of `sheet_rows` (the caller counts them as they pass)."""
    cols = "".join(
        f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>'
        for i, w in enumerate(widths, start=1)
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", ROOT_RELS)
        z.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        z.writestr("xl/workbook.xml", WORKBOOK.format(name=escape(sheet_name, {'"': "&quot;"})))
        z.writestr("xl/styles.xml", STYLES)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(SHEET_START.format(cols=cols).encode())
            chunk: list[str] = []
            for line in rows:
                chunk.append(line)
                if len(chunk) >= 500:
                    sheet.write("".join(chunk).encode())
                    chunk.clear()
            sheet.write(("".join(chunk) + SHEET_END).encode())
