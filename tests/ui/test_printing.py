"""Printing: the app's PDFs drawn page by page on a printer, and a PC without one told so."""

from __future__ import annotations

import io
from pathlib import Path

from desk_driver import Desk
from pypdf import PdfReader
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QWidget

from studiosync_desktop.reports.day_sheet import render_day_sheet
from studiosync_desktop.ui.printing import NO_PRINTER, load_pdf, paint_pages


def test_every_page_of_a_pdf_reaches_the_printer(qtbot, tmp_path: Path, desk: Desk) -> None:  # type: ignore[no-untyped-def]
    sheet = desk.services.scheduling.day_sheet(desk.person.actor, desk_today(desk))
    pdf = render_day_sheet(sheet)
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    holder = QWidget()
    qtbot.addWidget(holder)
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)  # a real printer's path, to a file
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    assert paint_pages(load_pdf(pdf, holder), printer) == pages
    printed = PdfReader(tmp_path / "printed.pdf")
    assert len(printed.pages) == pages and printed.pages[0].images  # drawn, not blank


def desk_today(desk: Desk):  # type: ignore[no-untyped-def]
    from datetime import datetime

    return datetime.now(desk.window.tabs["calendar"].clock.zone or None).date()


def test_ctrl_p_on_a_pc_without_a_printer_saves_the_invoice_and_says_where(
    desk: Desk, documents_folder: Path
) -> None:
    invoices = desk.window.select_tab("invoices")
    desk.wait_until(lambda: invoices.has_loaded and invoices.model.rowCount() > 0)
    desk.wait_until(lambda: invoices.detail is not None)
    name = f"{invoices.detail.number or 'draft'}.pdf"  # the first row may be a draft
    desk.shortcut("Ctrl+P")
    desk.wait_until(lambda: NO_PRINTER in desk.window.statusBar().currentMessage())
    assert f"Saved {name}" in desk.window.statusBar().currentMessage()
    assert (documents_folder / name).read_bytes().startswith(b"%PDF")


def test_a_slip_kind_prints_on_its_own_paper_and_a_change_is_remembered(
    qtbot, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QSettings
    from PySide6.QtGui import QPageSize

    from studiosync_desktop.ui.printing import PrintSettings

    till = PrintSettings("slip-receipt")
    till.store = QSettings(str(tmp_path / "printing.ini"), QSettings.Format.IniFormat)
    printer = QPrinter()
    till.apply(printer)
    size = printer.pageLayout().pageSize().size(QPageSize.Unit.Millimeter)
    assert (round(size.width()), round(size.height())) == (80, 200)  # the till roll
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.A5))
    till.remember(printer)
    again = QPrinter()
    till.apply(again)
    size = again.pageLayout().pageSize().size(QPageSize.Unit.Millimeter)
    assert (round(size.width()), round(size.height())) == (148, 210)  # what was chosen last


def test_the_preview_shows_every_page_of_the_document(qtbot, desk: Desk) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtPrintSupport import QPrintPreviewWidget

    from studiosync_desktop.ui.printing import preview_dialog

    sheet = desk.services.scheduling.day_sheet(desk.person.actor, desk_today(desk))
    pdf = render_day_sheet(sheet)
    printer = QPrinter()
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    dialog = preview_dialog(desk.window, pdf, "day-sheet", printer)
    dialog.open()
    widget = dialog.findChild(QPrintPreviewWidget)
    widget.updatePreview()
    qtbot.waitUntil(lambda: widget.pageCount() == len(PdfReader(io.BytesIO(pdf)).pages))
    dialog.reject()
