"""A report's rows as a file: CSV (UTF-8 with a BOM, so spreadsheets read the accents), XLSX
(XlsxWriter in constant-memory mode: rows go to disk as they come, so a year of lessons never
sits in memory) or PDF (reports/report_pdf.py). Long exports report progress and can stop."""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal
from pathlib import Path

from studiosync_desktop.errors import ValidationFailed
from studiosync_desktop.schemas.reports import Cell, ReportColumn, ReportTable

FORMATS = (".csv", ".xlsx", ".pdf")
# Called every PROGRESS_EVERY rows with the count so far; returning False stops the export.
Progress = Callable[[int], bool]
PROGRESS_EVERY = 2000


class ExportCancelled(Exception):
    """The person stopped the export; the half-written file was removed."""


def file_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ValidationFailed(
            {"output": f"A report is saved as {', '.join(FORMATS)}; '{path.name}' is none."}
        )
    return suffix


def csv_cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}" if value == value.quantize(Decimal("0.01")) else str(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def write_rows(
    path: Path,
    title: str,
    columns: tuple[ReportColumn, ...],
    rows: Iterable[tuple[Cell, ...]],
    totals: tuple[Cell, ...] | None = None,
    progress: Progress | None = None,
) -> int:
    """Writes CSV or XLSX to `path` (through a temporary file: a stopped or failed export leaves
    nothing behind); returns the number of rows."""
    kind = file_format(path)
    partial = path.with_name(f".{path.name}.part")
    try:
        if kind == ".csv":
            count = _csv(partial, columns, rows, totals, progress)
        else:
            count = _xlsx(partial, title, columns, rows, totals, progress)
        os.replace(partial, path)
        return count
    finally:
        partial.unlink(missing_ok=True)


def _tick(progress: Progress | None, count: int) -> None:
    if progress is not None and count % PROGRESS_EVERY == 0 and progress(count) is False:
        raise ExportCancelled(f"Stopped after {count:,} rows; nothing was saved.")


def _csv(
    path: Path,
    columns: tuple[ReportColumn, ...],
    rows: Iterable[tuple[Cell, ...]],
    totals: tuple[Cell, ...] | None,
    progress: Progress | None,
) -> int:
    count = 0
    with path.open("w", newline="", encoding="utf-8-sig") as f:
        out = csv.writer(f)
        out.writerow([c.title for c in columns])
        for row in rows:
            out.writerow([csv_cell(v) for v in row])
            count += 1
            _tick(progress, count)
        if totals is not None:
            out.writerow([csv_cell(v) for v in totals])
    return count


def _xlsx(
    path: Path,
    title: str,
    columns: tuple[ReportColumn, ...],
    rows: Iterable[tuple[Cell, ...]],
    totals: tuple[Cell, ...] | None,
    progress: Progress | None,
) -> int:
    import xlsxwriter  # only when a spreadsheet is asked for

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "in_memory": False})
    try:
        sheet = book.add_worksheet(title[:31].replace("/", "-"))
        bold = book.add_format({"bold": True})
        formats = {
            "money": book.add_format({"num_format": "#,##0.00"}),
            "hours": book.add_format({"num_format": "0.00"}),
            "percent": book.add_format({"num_format": "0.0"}),
            "date": book.add_format({"num_format": "yyyy-mm-dd"}),
        }
        for i, c in enumerate(columns):
            sheet.write_string(0, i, c.title, bold)
            sheet.set_column(i, i, 38 if c.kind == "id" else 14 if c.kind != "text" else 22)
        kinds = [formats.get(c.kind) for c in columns]
        count = 0
        for count, row in enumerate(rows, start=1):
            _xlsx_row(sheet, count, row, kinds)
            _tick(progress, count)
        if totals is not None:
            _xlsx_row(sheet, count + 1, totals, kinds, bold)
        sheet.freeze_panes(1, 0)
    finally:
        book.close()
    return count


def _xlsx_row(
    sheet: object, r: int, row: tuple[Cell, ...], kinds: list[object], bold: object = None
) -> None:
    write = sheet.write  # type: ignore[attr-defined]
    for i, value in enumerate(row):
        if value is None:
            continue
        if isinstance(value, Decimal):
            write(r, i, float(value), kinds[i])  # XLSX stores numbers as doubles
        elif isinstance(value, date):
            sheet.write_datetime(r, i, value, kinds[i])  # type: ignore[attr-defined]
        elif isinstance(value, int):
            write(r, i, value, bold)
        else:
            sheet.write_string(r, i, value, bold)  # type: ignore[attr-defined]


def write_table(path: Path, table: ReportTable, pdf: Callable[[ReportTable], bytes]) -> int:
    """A report already read (its table) to CSV, XLSX or PDF (`pdf` renders it)."""
    if file_format(path) == ".pdf":
        path.write_bytes(pdf(table))
        return len(table.rows)
    return write_rows(path, table.title, table.columns, table.rows, table.totals)
