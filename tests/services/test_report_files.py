"""Report files: CSV, XLSX read back with openpyxl, PDF read with pypdf; a stopped export
leaves nothing; `studiosync report` lists and writes every report."""

from __future__ import annotations

import csv
import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader

from studiosync_desktop.cli import main
from studiosync_desktop.db import Database
from studiosync_desktop.errors import ValidationFailed
from studiosync_desktop.reports.report_pdf import render_report
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.schemas.reports import ReportColumn
from studiosync_desktop.services.report_files import ExportCancelled, write_rows, write_table
from studiosync_desktop.services.studio_reports import ReportService
from studiosync_desktop.services.teacher_pay import TeacherPayService
from tests.services.test_studio_figures import NOW, studio  # noqa: F401 (the fixture)

SPRING = {"first": date(2030, 2, 1), "last": date(2030, 3, 31)}


def test_revenue_as_csv_xlsx_and_pdf_says_the_same_numbers(
    db: Database,
    admin: Actor,
    studio: dict[str, uuid.UUID],  # noqa: F811
    tmp_path: Path,
) -> None:
    table = ReportService(db, TeacherPayService(db)).run(
        admin, {"name": "revenue", "group": "teacher", **SPRING}, NOW
    )
    pdf = lambda t: render_report(t, t.studio_name, t.locale)  # noqa: E731
    for suffix in (".csv", ".xlsx", ".pdf"):
        assert write_table(tmp_path / f"revenue{suffix}", table, pdf) == len(table.rows)
    with (tmp_path / "revenue.csv").open(encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    assert rows[0] == [c.title for c in table.columns]
    assert rows[-1][0] == "Total" and rows[-1][-1] == "90.00"
    sheet = openpyxl.load_workbook(tmp_path / "revenue.xlsx").active
    assert sheet is not None
    assert [c.value for c in sheet[1]] == [c.title for c in table.columns]
    assert sheet.cell(row=len(table.rows) + 2, column=len(table.columns)).value == 90.0
    text = "".join(p.extract_text() for p in PdfReader(tmp_path / "revenue.pdf").pages)
    assert "Revenue" in text and "Net received per month" in text and "Ann Alto" in text


def test_a_narrowed_report_says_its_filters_on_the_first_line_of_csv_and_xlsx(
    db: Database,
    admin: Actor,
    studio: dict[str, uuid.UUID],  # noqa: F811
    tmp_path: Path,
) -> None:
    """As the PDF says them under its title: a file passed on must not read as the whole
    studio's. The rows and totals follow the titles as in a file without filters."""
    asked = {"name": "revenue", "group": "teacher", "instrument": "Piano", "payer": " Chen "}
    table = ReportService(db, TeacherPayService(db)).run(admin, {**asked, **SPRING}, NOW)
    said = (
        "Instrument: Piano \N{MIDDLE DOT} Payer: name has "
        "\N{LEFT DOUBLE QUOTATION MARK}Chen\N{RIGHT DOUBLE QUOTATION MARK}"
    )
    assert table.narrowed == said and table.rows
    pdf = lambda t: render_report(t, t.studio_name, t.locale)  # noqa: E731
    for suffix in (".csv", ".xlsx"):
        assert write_table(tmp_path / f"piano{suffix}", table, pdf) == len(table.rows)
    with (tmp_path / "piano.csv").open(encoding="utf-8-sig") as f:
        first, titles, *rows = list(csv.reader(f))
    assert first == [said] and titles == [c.title for c in table.columns]
    assert len(rows) == len(table.rows) + 1 and rows[-1][0] == "Total"
    sheet = openpyxl.load_workbook(tmp_path / "piano.xlsx").active
    assert sheet is not None
    assert sheet["A1"].value == said and sheet["B1"].value is None
    assert [c.value for c in sheet[2]] == [c.title for c in table.columns]
    assert sheet.max_row == 2 + len(table.rows) + 1


def test_a_filter_with_a_pasted_control_character_is_refused_next_to_its_field(
    db: Database, admin: Actor
) -> None:
    """Said on the files' first line, it would make an XLSX that no spreadsheet opens."""
    reports = ReportService(db, TeacherPayService(db))
    for field in ("payer", "instrument"):
        with pytest.raises(ValidationFailed) as refused:
            reports.run(admin, {"name": "revenue", field: "Ch\x01en", **SPRING}, NOW)
        assert refused.value.fields == {
            field: "Remove the invisible control characters that were pasted here"
        }
        with pytest.raises(ValidationFailed):
            reports.narrowed(admin, {"name": "lessons", field: "\x1b", **SPRING})


def test_a_stopped_export_leaves_no_file(tmp_path: Path) -> None:
    columns = (ReportColumn(key="n", title="N", kind="count"),)
    rows = ((i,) for i in range(10_000))
    with pytest.raises(ExportCancelled):
        write_rows(tmp_path / "big.xlsx", "Big", columns, rows, progress=lambda n: n < 4000)
    assert list(tmp_path.iterdir()) == []


def test_a_file_of_another_kind_is_refused_with_the_kinds(tmp_path: Path) -> None:
    with pytest.raises(ValidationFailed) as refused:
        write_rows(tmp_path / "r.docx", "R", (), iter(()))
    assert ".csv, .xlsx, .pdf" in refused.value.fields["output"]


def test_studiosync_report_lists_and_writes_each_format(
    database_url: str,
    db: Database,
    admin: Actor,
    studio: dict[str, uuid.UUID],  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--database", database_url, "report", "--list"]) == 0
    listed = capsys.readouterr().out
    for name in ("revenue", "outstanding", "attendance", "students", "teachers", "pay"):
        assert name in listed
    period = ["--from", "2030-02-01", "--to", "2030-03-31"]
    for name, suffix in (("financial", ".csv"), ("lessons", ".xlsx"), ("teachers", ".pdf")):
        out = tmp_path / f"{name}{suffix}"
        assert main(["--database", database_url, "report", name, *period, "-o", str(out)]) == 0
        assert out.stat().st_size > 0
    lessons = openpyxl.load_workbook(tmp_path / "lessons.xlsx").active
    assert lessons is not None and lessons.max_row == 1 + 11  # the 11 lessons of the spring
    with (tmp_path / "financial.csv").open(encoding="utf-8-sig") as f:
        amounts = [Decimal(r["Amount"]) for r in csv.DictReader(f)]
    assert sum(amounts) == Decimal("140.00")
    payer = tmp_path / "nobody.csv"
    argv = ["report", "financial", *period, "--payer", "Nobody", "-o", str(payer)]
    assert main(["--database", database_url, *argv]) == 0
    with payer.open(encoding="utf-8-sig") as f:
        said, titles, *rows = list(csv.reader(f))
    assert said == [
        "Payer: name has \N{LEFT DOUBLE QUOTATION MARK}Nobody\N{RIGHT DOUBLE QUOTATION MARK}"
    ]
    assert "Amount" in titles and rows == []  # no payer has that name
    cello = tmp_path / "cello.xlsx"
    argv = ["report", "lessons", *period, "--instrument", "Cello", "-o", str(cello)]
    assert main(["--database", database_url, *argv]) == 0
    sheet = openpyxl.load_workbook(cello).active
    assert sheet is not None and sheet.max_row == 2  # Sam plays the piano: no rows
    assert sheet["A1"].value == "Instrument: Cello"
