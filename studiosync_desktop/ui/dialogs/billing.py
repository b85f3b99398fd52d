"""Billing dialogs: a form validated by the service's own schema, and the generation preview."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import BaseModel, ValidationError
from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studiosync_desktop.errors import ValidationFailed
from studiosync_desktop.schemas.billing import GenerationPreview
from studiosync_desktop.schemas.common import validation_failed
from studiosync_desktop.ui.error_presenter import ErrorPresenter
from studiosync_desktop.ui.field_limits import clear_on_change, limit_span, show_limits
from studiosync_desktop.ui.table_model import money
from studiosync_desktop.ui.task_runner import TaskRunner
from studiosync_desktop.ui.widgets import error_label


@dataclass(frozen=True)
class Field:
    """One form field: the schema's field name, its label and its kind of editor."""

    name: str
    label: str
    kind: str = "text"  # text | money | int | combo | check | multiline
    choices: Sequence[tuple[str, Any]] = field(default_factory=tuple)
    value: Any = None
    hint: str = ""


class FormDialog(QDialog):
    """Fields, an error line under each, and OK: the schema validates first, then the
    service runs on the task runner; its per-field messages land next to the fields."""

    done_with = Signal(object)

    def __init__(
        self,
        title: str,
        schema: type[BaseModel],
        fields: Sequence[Field],
        submit: Callable[[Any], Callable[[], Any]],
        runner: TaskRunner,
        presenter: ErrorPresenter,
        parent: QWidget | None = None,
        intro: str = "",
        ok_text: str = "OK",
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.schema = schema
        self.submit = submit
        self.runner = runner
        self.presenter = presenter
        self.editors: dict[str, QWidget] = {}
        self.errors: dict[str, QLabel] = {}
        layout = QVBoxLayout(self)
        if intro:
            text = QLabel(intro, self)
            text.setWordWrap(True)
            layout.addWidget(text)
        self.setMinimumWidth(480)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for f in fields:
            editor = self._editor(f)
            self.editors[f.name] = editor
            error = error_label(self)
            self.errors[f.name] = error
            show_limits(editor, self.schema, f.name)
            clear_on_change(editor, error)
            box = QVBoxLayout()
            box.setSpacing(2)
            box.addWidget(editor)
            if f.hint:
                hint = QLabel(f.hint, self)
                hint.setEnabled(False)
                hint.setWordWrap(True)
                box.addWidget(hint)
            box.addWidget(error)
            label = QLabel(f.label, self)
            label.setBuddy(editor)
            form.addRow(label, box)
        layout.addLayout(form)
        self.form_error = error_label(self)
        layout.addWidget(self.form_error)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText(ok_text)
        self.buttons.accepted.connect(self.try_accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.result_value: Any = None

    def _editor(self, f: Field) -> QWidget:
        if f.kind == "combo":
            combo = QComboBox(self)
            for text, value in f.choices:
                combo.addItem(text, value)
            if f.value is not None:
                combo.setCurrentIndex(max(0, combo.findData(f.value)))
            return combo
        if f.kind == "check":
            check = QCheckBox(self)
            check.setChecked(bool(f.value))
            return check
        if f.kind == "int":
            spin = QSpinBox(self)
            spin.setRange(1, 10000)
            spin.setValue(int(f.value or 1))
            return spin
        if f.kind == "multiline":
            edit = QPlainTextEdit(self)
            edit.setPlainText(str(f.value or ""))
            edit.setTabChangesFocus(True)
            edit.setFixedHeight(edit.fontMetrics().height() * 4)
            return edit
        line = QLineEdit(self)
        if f.value is not None:
            line.setText(str(f.value))
        if f.kind == "money":
            line.setAlignment(Qt.AlignmentFlag.AlignRight)
            line.setPlaceholderText("0.00")
        return line

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, editor in self.editors.items():
            if isinstance(editor, QComboBox):
                out[name] = editor.currentData()
            elif isinstance(editor, QCheckBox):
                out[name] = editor.isChecked()
            elif isinstance(editor, QSpinBox):
                out[name] = editor.value()
            elif isinstance(editor, QPlainTextEdit):
                out[name] = editor.toPlainText()
            elif isinstance(editor, QLineEdit):
                text = editor.text().strip().replace(",", "")
                out[name] = text
        return out

    def show_errors(self, fields: dict[str, str]) -> None:
        for name, label in self.errors.items():
            message = fields.get(name, "")
            label.setText(message)
            label.setVisible(bool(message))
        rest = [m for k, m in fields.items() if k not in self.errors]
        self.form_error.setText(" ".join(rest))
        self.form_error.setVisible(bool(rest))
        for name in fields:
            if name in self.editors:
                self.editors[name].setFocus()
                break

    def try_accept(self) -> None:
        try:
            data = self.schema.model_validate(self.values())
        except ValidationError as exc:
            self.show_errors(validation_failed(exc).fields)
            return
        self.show_errors({})
        self.buttons.setEnabled(False)
        self.runner.run(
            self.submit(data), on_done=self._done, on_error=self._failed, key=f"form:{id(self)}"
        )

    def _done(self, result: Any) -> None:
        self.buttons.setEnabled(True)
        self.result_value = result
        self.done_with.emit(result)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.buttons.setEnabled(True)
        if isinstance(exc, ValidationFailed):
            self.show_errors(exc.fields)
        else:
            self.presenter.present(exc, parent=self)


class MonthDialog(QDialog):
    """Which month's issued invoices to print: the arrows or Page Up/Down change the month."""

    def __init__(self, month: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Print a month's invoices")
        form = QFormLayout(self)
        self.month = QDateEdit(QDate(month.year, month.month, 1), self)
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
        self.month = QDateEdit(QDate(month.year, month.month, 1), self)
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
