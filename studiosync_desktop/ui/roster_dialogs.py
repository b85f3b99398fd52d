"""Add/edit dialogs of the roster: one form per kind, validated by the service's own schema.

The dialog validates with the same pydantic schema the service uses and shows each message
under its field; saving runs on the task runner, and a message from the service (a taken
email) lands under its field too. Nothing is written unless everything is valid.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from studiosync_desktop.errors import ValidationFailed
from studiosync_desktop.schemas.common import validation_failed
from studiosync_desktop.schemas.roster import (
    BandInput,
    Choice,
    FamilyInput,
    RosterChoices,
    RosterKind,
    StudentInput,
    TeacherInput,
)
from studiosync_desktop.ui.error_presenter import ErrorPresenter
from studiosync_desktop.ui.field_limits import clear_on_change, show_limits
from studiosync_desktop.ui.task_runner import TaskRunner
from studiosync_desktop.ui.widgets import error_label


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str = "text"  # text, multiline, date, choice, money, int, bool, list, members
    choices: str = ""  # which RosterChoices list, for choice and members
    hint: str = ""


FORMS: dict[RosterKind, tuple[type[BaseModel], tuple[Field, ...]]] = {
    "students": (
        StudentInput,
        (
            Field("first_name", "&First name *"),
            Field("last_name", "&Last name"),
            Field("email", "&Email", hint="optional for young students"),
            Field("phone_number", "&Phone"),
            Field("instrument", "&Instrument"),
            Field("specialties", "Other s&ubjects", "list", hint="comma-separated"),
            Field("date_of_birth", "&Date of birth", "date", hint="YYYY-MM-DD"),
            Field("family_id", "Fa&mily", "choice", "families"),
            Field("primary_teacher_id", "&Teacher", "choice", "teachers"),
            Field("emergency_contact_name", "Emer&gency contact"),
            Field("emergency_contact_phone", "Emergency p&hone"),
            Field("enrollment_date", "E&nrolled on", "date", hint="YYYY-MM-DD, today if empty"),
            Field("notes", "N&otes", "multiline"),
        ),
    ),
    "families": (
        FamilyInput,
        (
            Field("name", "&Name *"),
            Field("primary_contact_id", "Billing &contact", "choice", "people"),
            Field("billing_email", "Billing &email"),
            Field("phone_number", "&Phone"),
            Field("address", "&Address", "multiline"),
        ),
    ),
    "teachers": (
        TeacherInput,
        (
            Field("first_name", "&First name *"),
            Field("last_name", "&Last name"),
            Field("email", "&Email *"),
            Field("phone_number", "&Phone"),
            Field("specialties", "&Specialties", "list", hint="comma-separated"),
            Field("hourly_rate", "Hourly &rate", "money"),
            Field("booking_buffer_minutes", "&Buffer between lessons (min)", "int"),
            Field("is_accepting_students", "&Accepting new students", "bool"),
            Field("bio", "B&io", "multiline"),
        ),
    ),
    "bands": (
        BandInput,
        (
            Field("name", "&Name *"),
            Field("primary_contact_id", "&Contact", "choice", "people"),
            Field("email", "&Email"),
            Field("phone_number", "&Phone"),
            Field("address", "&Address"),
            Field("city", "Cit&y"),
            Field("state", "S&tate"),
            Field("postal_code", "P&ostal code"),
            Field("country", "Co&untry"),
            Field("member_ids", "&Members", "members", "student_users"),
            Field("notes", "No&tes", "multiline"),
        ),
    ),
}

TITLES = {"students": "student", "families": "family", "teachers": "teacher", "bands": "band"}


class RosterDialog(QDialog):
    """Add (row_id None) or edit one student, family, teacher or band."""

    def __init__(
        self,
        kind: RosterKind,
        choices: RosterChoices,
        save: Callable[[BaseModel, uuid.UUID | None], Any],
        runner: TaskRunner,
        presenter: ErrorPresenter,
        initial: BaseModel | None = None,
        row_id: uuid.UUID | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.kind = kind
        self.schema, self.fields = FORMS[kind]
        self._save = save
        self._runner = runner
        self._presenter = presenter
        self.row_id = row_id
        self.result_value: Any = None
        noun = TITLES[kind]
        self.setWindowTitle(f"Edit {noun}" if row_id else f"Add a {noun}")
        self.setObjectName(f"roster_dialog_{kind}")
        self.resize(520, 640 if kind == "students" else 480)
        self.widgets: dict[str, QWidget] = {}
        self.errors: dict[str, QLabel] = {}
        form_host = QWidget(self)
        form = QFormLayout(form_host)
        for f in self.fields:
            widget = self._widget(f, choices)
            self.widgets[f.name] = widget
            error = error_label(form_host, f.name)
            self.errors[f.name] = error
            show_limits(widget, self.schema, f.name)
            clear_on_change(widget, error)
            box = QVBoxLayout()
            box.setSpacing(2)
            box.addWidget(widget)
            if f.hint:
                hint = QLabel(f.hint, form_host)
                hint.setEnabled(False)
                box.addWidget(hint)
            box.addWidget(error)
            label = QLabel(f.label, form_host)
            label.setBuddy(widget)
            form.addRow(label, box)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(form_host)
        self.form_error = error_label(self)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.form_error)
        layout.addWidget(self.buttons)
        if initial is not None:
            self.fill(initial)

    # --- widgets ----------------------------------------------------------------------------

    def _widget(self, f: Field, choices: RosterChoices) -> QWidget:
        if f.kind == "multiline":
            edit = QPlainTextEdit(self)
            edit.setTabChangesFocus(True)
            edit.setFixedHeight(70)
            return edit
        if f.kind == "choice":
            combo = QComboBox(self)
            combo.addItem("(none)", None)
            for c in getattr(choices, f.choices):
                combo.addItem(c.label, str(c.id))  # str: Qt compares it by value
            combo.setEditable(True)  # type to find among many families
            combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
            return combo
        if f.kind == "int":
            spin = QSpinBox(self)
            spin.setRange(0, 240)
            spin.setSingleStep(5)
            return spin
        if f.kind == "bool":
            check = QCheckBox(self)
            check.setChecked(True)
            return check
        if f.kind == "members":
            members = QListWidget(self)
            members.setFixedHeight(150)
            people: Sequence[Choice] = getattr(choices, f.choices)
            for c in people:
                item = QListWidgetItem(c.label, members)
                item.setData(Qt.ItemDataRole.UserRole, str(c.id))
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Unchecked)
            return members
        line = QLineEdit(self)
        if f.kind == "money":
            line.setPlaceholderText("0.00")
        return line

    def fill(self, data: BaseModel) -> None:
        for f in self.fields:
            value = getattr(data, f.name)
            widget = self.widgets[f.name]
            if isinstance(widget, QPlainTextEdit):
                widget.setPlainText(value or "")
            elif isinstance(widget, QComboBox):
                index = widget.findData(str(value)) if value is not None else 0
                widget.setCurrentIndex(max(index, 0))
            elif isinstance(widget, QSpinBox):
                widget.setValue(int(value or 0))
            elif isinstance(widget, QCheckBox):
                widget.setChecked(bool(value))
            elif isinstance(widget, QListWidget):
                chosen = {str(v) for v in value or ()}
                for i in range(widget.count()):
                    item = widget.item(i)
                    on = item.data(Qt.ItemDataRole.UserRole) in chosen
                    item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
            elif isinstance(widget, QLineEdit):
                if isinstance(value, list | tuple):
                    widget.setText(", ".join(str(v) for v in value))
                else:
                    widget.setText("" if value is None else str(value))

    def values(self) -> dict[str, Any]:
        """What the form holds, as the schema's input (strings are parsed by pydantic)."""
        out: dict[str, Any] = {}
        for f in self.fields:
            widget = self.widgets[f.name]
            if isinstance(widget, QPlainTextEdit):
                out[f.name] = widget.toPlainText()
            elif isinstance(widget, QComboBox):
                out[f.name] = widget.currentData()
            elif isinstance(widget, QSpinBox):
                out[f.name] = widget.value()
            elif isinstance(widget, QCheckBox):
                out[f.name] = widget.isChecked()
            elif isinstance(widget, QListWidget):
                out[f.name] = [
                    widget.item(i).data(Qt.ItemDataRole.UserRole)
                    for i in range(widget.count())
                    if widget.item(i).checkState() == Qt.CheckState.Checked
                ]
            elif isinstance(widget, QLineEdit):
                text = widget.text().strip()
                if f.kind == "list":
                    out[f.name] = [p for p in (t.strip() for t in text.split(",")) if p]
                elif f.kind in ("date",):
                    out[f.name] = text or None
                elif f.kind == "money":
                    out[f.name] = text or "0"
                else:
                    out[f.name] = text
        return out

    # --- saving -----------------------------------------------------------------------------

    def show_errors(self, fields: dict[str, str]) -> None:
        for name, label in self.errors.items():
            message = fields.get(name, "")
            label.setText(message)
            label.setVisible(bool(message))
        rest = [m for k, m in fields.items() if k not in self.errors]
        self.form_error.setText("\n".join(rest))
        self.form_error.setVisible(bool(rest))
        for f in self.fields:
            if f.name in fields:
                self.widgets[f.name].setFocus()
                break

    def submit(self) -> None:
        try:
            data = self.schema.model_validate(self.values())
        except ValidationError as exc:
            self.show_errors(validation_failed(exc).fields)
            return
        self.show_errors({})
        self.buttons.setEnabled(False)
        self._runner.run(
            self._save,
            data,
            self.row_id,
            on_done=self._saved,
            on_error=self._failed,
            key=f"roster-dialog:{id(self)}",
        )

    def _saved(self, result: Any) -> None:
        self.buttons.setEnabled(True)
        self.result_value = result
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.buttons.setEnabled(True)
        if isinstance(exc, ValidationFailed):
            self.show_errors(exc.fields)
            return
        self._presenter.present(exc, parent=self)
