"""Billing dialogs: the month to print, and the generation preview (its forms are FormDialogs)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studiosync_desktop.schemas.billing import GenerationPreview
from studiosync_desktop.ui.error_presenter import ErrorPresenter
from studiosync_desktop.ui.field_limits import limit_span
from studiosync_desktop.ui.table_model import money
from studiosync_desktop.ui.task_runner import TaskRunner
from studiosync_desktop.ui.widgets import DayField


class MonthDialog(QDialog):
    """Which month's issued invoices to print: the arrows or Page Up/Down change the month."""

    def __init__(self, month: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Print a month's invoices")
        form = QFormLayout(self)
        self.month = DayField(QDate(month.year, month.month, 1), self)
        self.month.setDisplayFormat("MMMM yyyy")
        self.month.setCurrentSection(QDateEdit.Section.MonthSection)
        label = QLabel("&Month:", self)
        label.setBuddy(self.month)
        form.addRow(label, self.month)
        hint = QLabel("Every invoice issued in that month, in one PDF.", self)
        hint.setEnabled(False)
        form.addRow(hint)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        buttons.addButton("&Save PDF…", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.month.setFocus()

    def chosen(self) -> date:
        chosen = self.month.date()
        return date(chosen.year(), chosen.month(), 1)


class GenerateDialog(QDialog):
    """'Generate invoices for <month>': the preview (payers, lessons, totals) comes first;
    nothing is written until Generate is pressed."""

    generated = Signal(object)

    def __init__(
        self,
        preview: Callable[[date], Callable[[], GenerationPreview]],
        generate: Callable[[date], Callable[[], Any]],
        month: date,
        runner: TaskRunner,
        presenter: ErrorPresenter,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Generate invoices")
        self.resize(720, 520)
        self._preview, self._generate = preview, generate
        self.runner, self.presenter = runner, presenter
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.month = DayField(QDate(month.year, month.month, 1), self)
        limit_span(self.month)
        self.month.setDisplayFormat("MMMM yyyy")
        self.month.setCalendarPopup(False)
        label = QLabel("&Month:", self)
        label.setBuddy(self.month)
        form.addRow(label, self.month)
        layout.addLayout(form)
        self.policy = QLabel("", self)
        self.policy.setWordWrap(True)
        layout.addWidget(self.policy)
        self.table = QTableWidget(0, 6, self)
        self.table.setHorizontalHeaderLabels(
            ["Payer", "Billed to", "Lessons", "Subtotal", "Discount", "Total"]
        )
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(False)
        for column, width in enumerate((250, 80, 70, 90, 90, 90)):
            self.table.setColumnWidth(column, width)
        layout.addWidget(self.table, 1)
        self.summary = QLabel("Loading the preview…", self)
        layout.addWidget(self.summary)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.go = self.buttons.addButton("&Generate drafts", QDialogButtonBox.ButtonRole.AcceptRole)
        self.go.setEnabled(False)
        self.buttons.accepted.connect(self.run_generate)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.month.dateChanged.connect(lambda _d: self.load())
        self.last_preview: GenerationPreview | None = None
        self.load()

    def chosen_month(self) -> date:
        d = self.month.date()
        return date(d.year(), d.month(), 1)

    def load(self) -> None:
        self.go.setEnabled(False)
        self.summary.setText("Loading the preview…")
        self.runner.run(
            self._preview(self.chosen_month()),
            on_done=self.show_preview,
            on_error=lambda e: self.presenter.present(e, parent=self),
            key=f"preview:{id(self)}",
        )

    def show_preview(self, p: GenerationPreview) -> None:
        self.last_preview = p
        policy = (
            "completed lessons of the month (pay as you go)"
            if p.policy == "pay_as_you_go"
            else "scheduled lessons of the month (billing in advance)"
        )
        self.policy.setText(
            f"Bills the {policy} not on an invoice yet, {p.period_start:%b %-d} to "
            f"{p.period_end:%b %-d, %Y}. One draft per payer; nothing is written until you "
            "press Generate."
        )
        self.table.setRowCount(len(p.rows))
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        for i, r in enumerate(p.rows):
            name = r.payer.name + ("  (adds to draft)" if r.adds_to_draft else "")
            cells = [
                (name, None),
                (r.payer.kind.title(), None),
                (str(r.lesson_count), right),
                (money(r.subtotal), right),
                (money(r.discount), right),
                (money(r.total), right),
            ]
            for j, (text, align) in enumerate(cells):
                item = QTableWidgetItem(text)
                if align is not None:
                    item.setTextAlignment(align)
                self.table.setItem(i, j, item)
        if p.rows:
            self.summary.setText(
                f"{p.invoice_count:,} invoice(s), {p.line_count:,} lesson(s), "
                f"{money(p.total)} in total."
            )
        else:
            self.summary.setText("Nothing to bill: every lesson of this month is invoiced.")
        self.go.setEnabled(bool(p.rows))

    def run_generate(self) -> None:
        self.go.setEnabled(False)
        self.summary.setText("Generating…")
        self.runner.run(
            self._generate(self.chosen_month()),
            on_done=self._generated,
            on_error=self._failed,
            key=f"generate:{id(self)}",
        )

    def _generated(self, result: Any) -> None:
        self.generated.emit(result)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.go.setEnabled(True)
        self.presenter.present(exc, parent=self)
