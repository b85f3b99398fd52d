"""Printing a document the app made as a PDF (ReportLab): the system's print preview, with
QtPdf drawing the PDF's pages, and the printer and paper remembered per kind of document.

Saving as PDF stays where it was (each screen's Save…); the print dialog's own "Print to
File (PDF)" also works. A PC without a printer gets a sentence, not an empty dialog.
"""

from __future__ import annotations

from contextlib import suppress

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRect, QSettings, QSize, QSizeF
from PySide6.QtGui import QPageSize, QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrinter, QPrinterInfo, QPrintPreviewDialog
from PySide6.QtWidgets import QDialog, QWidget

from studiosync_desktop.ui.documents import save_document

# The paper each kind of document is made for (millimetres), until the person chooses
# another: a page, or an 80 mm till roll for a slip printed as a receipt.
PAPER = {
    "invoice": (210.0, 297.0),
    "statement": (210.0, 297.0),
    "day-sheet": (210.0, 297.0),
    "slip-a4": (210.0, 297.0),
    "slip-letter": (215.9, 279.4),
    "slip-receipt": (80.0, 200.0),
}
NO_PRINTER = (
    "No printer is set up on this PC: add one in the system's printer settings, or save the "
    "PDF and print it from another PC."
)


def load_pdf(pdf: bytes, parent: QWidget) -> QPdfDocument:
    """The PDF's pages, ready to draw (kept alive by `parent`)."""
    buffer = QBuffer(parent)
    buffer.setData(QByteArray(pdf))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    document = QPdfDocument(parent)
    document.load(buffer)
    return document


def paint_pages(document: QPdfDocument, printer: QPrinter) -> int:
    """Draws every page of `document` on `printer`, each fitted to the page; the count."""
    painter = QPainter(printer)
    try:
        for index in range(document.pageCount()):
            if index:
                printer.newPage()
            area = painter.viewport()
            points = document.pagePointSize(index)
            scale = min(area.width() / points.width(), area.height() / points.height())
            size = QSize(int(points.width() * scale), int(points.height() * scale))
            image = document.render(index, size)
            painter.drawImage(QRect(area.x(), area.y(), size.width(), size.height()), image)
    finally:
        painter.end()
    return document.pageCount()


class PrintSettings:
    """The printer and paper last used for a kind of document, on this PC."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.store = QSettings("StudioSync", "printing")

    def apply(self, printer: QPrinter) -> None:
        name = str(self.store.value(f"{self.kind}/printer", "") or "")
        if name and name in QPrinterInfo.availablePrinterNames():
            printer.setPrinterName(name)
        width, height = PAPER.get(self.kind, PAPER["invoice"])
        kept = str(self.store.value(f"{self.kind}/paper_mm", "") or "")
        if "x" in kept:
            with suppress(ValueError):  # a damaged setting: the kind's own paper
                width, height = (float(v) for v in kept.split("x", 1))
        size = QPageSize(QSizeF(width, height), QPageSize.Unit.Millimeter)
        printer.setPageSize(size)

    def remember(self, printer: QPrinter) -> None:
        self.store.setValue(f"{self.kind}/printer", printer.printerName())
        size = printer.pageLayout().pageSize().size(QPageSize.Unit.Millimeter)
        self.store.setValue(f"{self.kind}/paper_mm", f"{size.width():.1f}x{size.height():.1f}")


def has_printer() -> bool:
    return bool(QPrinterInfo.availablePrinterNames())


def preview_dialog(
    parent: QWidget, pdf: bytes, kind: str, printer: QPrinter
) -> QPrintPreviewDialog:
    """The system's print preview of `pdf` on `printer` (its paper: the kind's, or the last
    chosen for that kind)."""
    PrintSettings(kind).apply(printer)
    document = load_pdf(pdf, parent)
    preview = QPrintPreviewDialog(printer, parent)
    preview.setWindowTitle("Print preview")
    preview.paintRequested.connect(lambda target: paint_pages(document, target))
    return preview


def print_pdf(parent: QWidget, pdf: bytes, kind: str) -> str:
    """The print preview of `pdf`; Print there sends it. Returns what happened, in words."""
    if not has_printer():
        return NO_PRINTER
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    preview = preview_dialog(parent, pdf, kind, printer)
    if preview.exec() != QDialog.DialogCode.Accepted:
        return "Not printed."
    PrintSettings(kind).remember(printer)
    return f"Sent to {printer.printerName() or 'the printer'}."


def print_or_save(parent: QWidget, pdf: bytes, kind: str, name: str) -> str:
    """The print preview; on a PC without a printer the PDF is saved in the documents folder
    as `name` instead. What happened, in words, for the status bar."""
    said = print_pdf(parent, pdf, kind)
    if said != NO_PRINTER:
        return said
    path = save_document(pdf, name)
    return f"{NO_PRINTER} Saved {path.name} in {path.parent}."
