"""A report's rows as a file: CSV (UTF-8 with a BOM, so spreadsheets read the accents), XLSX
(services/xlsx_stream.py: rows go into the file as they come, so a year of lessons never sits
in memory) or PDF (reports/report_pdf.py). Long exports report progress and can stop.

A report narrowed by its filters says so on its first line in every format, as the PDF does
under its title ("Instrument: Piano · Payer: name has “Ng”"): a file passed on without it
would read as the whole studio's."""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

from studiosync_desktop.errors import ValidationFailed
from studiosync_desktop.schemas.reports import Cell, ReportColumn, ReportTable
from studiosync_desktop.services.xlsx_stream import KIND_STYLES, PLAIN, sheet_rows, write_xlsx

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
    narrowed: str = "",
) -> int:
    """Writes CSV or XLSX to `path` (through a temporary file: a stopped or failed export leaves
    nothing behind); returns the number of rows. `narrowed` (the filters in words, as
    `ReportTable.narrowed`) is the first line when given, above the column titles."""
    kind = file_format(path)
    partial = path.with_name(f".{path.name}.part")
    try:
        if kind == ".csv":
            count = _csv(partial, columns, rows, totals, progress, narrowed)
        else:
            count = _xlsx(partial, title, columns, rows, totals, progress, narrowed)
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
    narrowed: str,
) -> int:
    count = 0
    with path.open("w", newline="", encoding="utf-8-sig") as f:
        out = csv.writer(f)
        if narrowed:
            out.writerow([narrowed])
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
    narrowed: str,
) -> int:
    count = 0

    def counted() -> Iterator[tuple[Cell, ...]]:
        nonlocal count
        for row in rows:
            yield row
            count += 1
            _tick(progress, count)
        if totals is not None:
            yield totals

    styles = [KIND_STYLES.get(c.kind, PLAIN) for c in columns]
    write_xlsx(
        path,
        title[:31].replace("/", "-"),
        [38 if c.kind == "id" else 14 if c.kind != "text" else 22 for c in columns],
        sheet_rows([c.title for c in columns], styles, counted(), narrowed),
    )
    return count


def write_table(path: Path, table: ReportTable, pdf: Callable[[ReportTable], bytes]) -> int:
    """A report already read (its table) to CSV, XLSX or PDF (`pdf` renders it)."""
    if file_format(path) == ".pdf":
        path.write_bytes(pdf(table))
        return len(table.rows)
    return write_rows(
        path, table.title, table.columns, table.rows, table.totals, narrowed=table.narrowed
    )
