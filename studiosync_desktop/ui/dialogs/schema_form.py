"""A dialog whose fields are checked by the service's own pydantic schema, messages next to them.

Saving runs the service call on the task runner; a `ValidationFailed` from the service lands
next to its fields too, other errors go to the error presenter, and the dialog stays open so
nothing typed is lost. Nothing is half-written: each service call is one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, time
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import BaseModel, ValidationError
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from studiosync_desktop.errors import ValidationFailed
from studiosync_desktop.schemas.common import validation_failed
from studiosync_desktop.ui.error_presenter import ErrorPresenter
from studiosync_desktop.ui.field_limits import show_limits
from studiosync_desktop.ui.table_model import words
from studiosync_desktop.ui.task_runner import TaskRunner
from studiosync_desktop.ui.widgets import error_label, field_holder


def typed_time(text: str) -> time | str:
    """9 -> 09:00, 930 -> 09:30, 9.30 or 9:30 -> 09:30; anything else is left for the schema
    to name."""
    digits = text.strip().replace(".", ":").replace("h", ":")
    hours, _, minutes = digits.partition(":")
    if not minutes and hours.isdigit() and len(hours) in (3, 4):
        hours, minutes = hours[:-2], hours[-2:]
    try:
        return time(int(hours), int(minutes or 0))
    except ValueError:
        return text


class SchemaDialog(QDialog):
    """Fields in a form; `values()` -> `schema` -> `save(obj)` on a worker -> `result`."""

    def __init__(
        self,
        title: str,
        schema: type[BaseModel],
        runner: TaskRunner,
        presenter: ErrorPresenter,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.schema = schema
        self.runner = runner
        self.presenter = presenter
        self.result_value: Any = None
        self.save: Callable[[Any], Any] | None = None
        self.extra: dict[str, Any] = {}
        self._fields: dict[str, tuple[QWidget, Callable[[], Any], QLabel]] = {}
        layout = QVBoxLayout(self)
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        self.intro.hide()
        layout.addWidget(self.intro)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        layout.addLayout(self.form)
        self.general_error = error_label(self)
        layout.addWidget(self.general_error)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(460)

    # --- building ---------------------------------------------------------------------------

    def set_intro(self, text: str) -> None:
        self.intro.setText(text)
        self.intro.setVisible(bool(text))

    def add(self, name: str, label: str, widget: QWidget, getter: Callable[[], Any]) -> QWidget:
        error = error_label(self, name)
        holder = field_holder(self, widget, error)
        holder.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        if isinstance(widget, QAbstractSpinBox | QCheckBox) or (
            isinstance(widget, QComboBox) and not widget.isEditable()
        ):
            row = holder.layout()
            assert row is not None
            row.setAlignment(widget, Qt.AlignmentFlag.AlignLeft)
        self.form.addRow(label, holder)
        self._fields[name] = (widget, getter, error)
        widget.setObjectName(f"field_{name}")
        show_limits(widget, self.schema, name)
        return widget

    def text(self, name: str, label: str, value: str = "", placeholder: str = "") -> QLineEdit:
        edit = QLineEdit(value, self)
        edit.setPlaceholderText(placeholder)
        self.add(name, label, edit, edit.text)
        return edit

    def notes(self, name: str, label: str, value: str = "") -> QPlainTextEdit:
        edit = QPlainTextEdit(value, self)
        edit.setTabChangesFocus(True)
        edit.setFixedHeight(70)
        self.add(name, label, edit, edit.toPlainText)
        return edit

    def number(
        self, name: str, label: str, value: int, low: int = 0, high: int = 100_000
    ) -> QSpinBox:
        spin = QSpinBox(self)
        spin.setRange(low, high)
        spin.setValue(value)
        self.add(name, label, spin, spin.value)
        return spin

    def money(self, name: str, label: str, value: Decimal) -> QLineEdit:
        edit = QLineEdit(f"{value:.2f}", self)
        edit.setAlignment(Qt.AlignmentFlag.AlignRight)

        def get() -> Any:
            raw = edit.text().strip().replace(",", "")
            try:
                return Decimal(raw or "0")
            except InvalidOperation:
                return raw  # the schema names the problem

        self.add(name, label, edit, get)
        return edit

    def choice(
        self, name: str, label: str, values: Sequence[str], current: str | None
    ) -> QComboBox:
        combo = QComboBox(self)
        for v in values:
            combo.addItem(words(v), v)
        if current is not None and current in values:
            combo.setCurrentIndex(list(values).index(current))
        self.add(name, label, combo, combo.currentData)
        return combo

    def flag(self, name: str, label: str, value: bool, text: str = "") -> QCheckBox:
        box = QCheckBox(text, self)
        box.setChecked(value)
        self.add(name, label, box, box.isChecked)
        return box

    def day(self, name: str, label: str, value: date | None, optional: bool = True) -> QLineEdit:
        """A date typed as YYYY-MM-DD (empty for none): fast from the keyboard."""
        edit = QLineEdit(value.isoformat() if value else "", self)
        edit.setPlaceholderText("YYYY-MM-DD" + (" (optional)" if optional else ""))
        self.add(name, label, edit, lambda: edit.text().strip() or None)
        return edit

    def clock(self, name: str, label: str, value: time) -> QLineEdit:
        """A time of day typed as 9, 930, 09:30 or 9.30: fast from the keyboard."""
        edit = QLineEdit(f"{value:%H:%M}", self)
        edit.setPlaceholderText("HH:MM")
        edit.setMaximumWidth(edit.fontMetrics().horizontalAdvance("00:00") * 3)
        self.add(name, label, edit, lambda: typed_time(edit.text()))
        return edit

    def calendar_day(self, name: str, label: str, value: date) -> QDateEdit:
        edit = QDateEdit(QDate(value.year, value.month, value.day), self)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("ddd dd MMM yyyy")
        self.add(name, label, edit, lambda: edit.date().toPython())
        return edit

    # --- checking and saving ------------------------------------------------------------------

    def values(self) -> dict[str, Any]:
        return {**self.extra, **{k: getter() for k, (_w, getter, _e) in self._fields.items()}}

    def show_errors(self, fields: dict[str, str]) -> None:
        general: list[str] = []
        for name, (_w, _g, label) in self._fields.items():
            message = fields.get(name, "")
            label.setText(message)
            label.setVisible(bool(message))
        for name, message in fields.items():
            if name not in self._fields:
                general.append(message)
        self.general_error.setText("\n".join(general))
        self.general_error.setVisible(bool(general))
        first = next((n for n in self._fields if n in fields), None)
        if first is not None:
            self._fields[first][0].setFocus()

    def validate(self) -> Any:
        values = self.values()
        try:
            obj = self.schema.model_validate(values)
        except ValidationError as exc:
            fields = validation_failed(exc).fields
            for name in fields:
                if name in values and values[name] is None and name in self._fields:
                    # A person picker says why nobody is chosen (nobody or several match).
                    missing = getattr(self._fields[name][0], "missing_text", None)
                    fields[name] = missing() if missing else "Please choose or fill this in."
            self.show_errors(fields)
            return None
        self.show_errors({})
        return obj

    def submit(self) -> None:
        # Save pressed before a person picker's lookup came back: save once it is here.
        for widget, _getter, _error in self._fields.values():
            if getattr(widget, "is_searching", lambda: False)():
                widget.settled.connect(  # type: ignore[attr-defined]
                    self._submit_when_settled, Qt.ConnectionType.UniqueConnection
                )
                widget.search_now()  # type: ignore[attr-defined]
                return
        obj = self.validate()
        if obj is None or self.save is None:
            return
        save = self.save
        self.buttons.setEnabled(False)
        self.runner.run(
            lambda: save(obj),
            on_done=self._saved,
            on_error=self._failed,
            key=f"dialog:{id(self)}",
        )

    def _submit_when_settled(self) -> None:
        sender = self.sender()
        if sender is not None:
            sender.settled.disconnect(self._submit_when_settled)  # type: ignore[attr-defined]
        self.submit()

    def _saved(self, result: Any) -> None:
        self.buttons.setEnabled(True)
        self.result_value = result
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.buttons.setEnabled(True)
        if isinstance(exc, ValidationFailed):
            self.show_errors(exc.fields)
            return
        self.presenter.present(exc, parent=self)
