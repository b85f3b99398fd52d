"""The form kit: fields described once, checked by the service's own schema, refusals under them.

One vocabulary of field kinds (`Kind`) serves every form: a `Field` describes one, `Form` lays
them out with a red line under each, validates what they hold with the shared pydantic schema,
runs the save on the task runner and shows the service's `ValidationFailed` under the fields
too (anything else goes to the error presenter). `FormDialog` (ui/dialogs/form_dialog.py) is
the one dialog around it. Dialogs laid out by hand reuse the error and submit parts:
`FieldErrors` (one `show_errors`), `schema_checked` and `refusal_handler` (one failure handler).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ValidationError
from PySide6.QtCore import QDate, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from studiosync_desktop.errors import StudioSyncError, ValidationFailed
from studiosync_desktop.schemas.common import validation_failed
from studiosync_desktop.ui.field_limits import clear_on_change, show_limits
from studiosync_desktop.ui.table_model import words
from studiosync_desktop.ui.widgets import DayField, error_label, field_holder

if TYPE_CHECKING:
    from studiosync_desktop.ui.error_presenter import ErrorPresenter
    from studiosync_desktop.ui.task_runner import TaskRunner

# What a field holds, and so which editor it gets:
# text: one line; notes: several lines; number: a whole number (spin box); money: an amount
# typed as text; choice: one of `choices`; flag: a tick box; day: a date typed as YYYY-MM-DD;
# clock: a time of day typed as 9, 930 or 9:30; calendar_day: a date with a calendar;
# list: comma-separated words; members: ticks in a list of `choices`.
Kind = Literal[
    "text",
    "notes",
    "number",
    "money",
    "choice",
    "flag",
    "day",
    "clock",
    "calendar_day",
    "list",
    "members",
]


@dataclass(frozen=True)
class Field:
    """One field of a form: the schema's field name, its label, its kind and where it starts."""

    name: str
    label: str
    kind: Kind = "text"
    choices: Sequence[tuple[str, Any]] = field(default_factory=tuple)  # (label, value)
    value: Any = None
    hint: str = ""  # a grey line under the field
    low: int = 0  # number: the range and step
    high: int = 100_000
    step: int = 1
    none: str | None = None  # choice: a first entry meaning "nobody / nothing" (None)
    required: bool = False  # money: an empty field is refused by the schema, not 0


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


def typed_money(text: str, blank: Any) -> Any:
    """An amount as typed ("1,250.50"); what is not one is left for the schema to name."""
    raw = text.strip().replace(",", "")
    if not raw:
        return blank
    try:
        return Decimal(raw)
    except InvalidOperation:
        return raw


def text_of(value: Any) -> str:
    """What a line shows for a value: nothing for None."""
    return "" if value is None else str(value)


def select_data(combo: QComboBox, value: Any) -> None:
    """Chooses the entry holding `value` (ids compared as text, as a form gives them back)."""
    for i in range(combo.count()):
        data = combo.itemData(i)
        if data == value or (value is not None and data is not None and str(data) == str(value)):
            combo.setCurrentIndex(i)
            return


# --- the error and submit parts, for every form --------------------------------------------


class FieldErrors:
    """A red line under each field, shown only when that field has a problem; messages about
    no field of the form go to `general` (when there is one)."""

    def __init__(self, general: QLabel | None = None, focus_first: bool = False) -> None:
        self.labels: dict[str, QLabel] = {}
        self.fields: dict[str, QWidget] = {}
        self.general = general
        self.focus_first = focus_first

    def attach(self, name: str, field: QWidget, label: QLabel) -> None:
        self.labels[name] = label
        self.fields[name] = field

    def add(self, form: QFormLayout, label: str, name: str, field: QWidget, page: QWidget) -> None:
        """A form row: `label`, then `field` with its red line under it."""
        message = error_label(page, name)
        self.attach(name, field, message)
        form.addRow(label, field_holder(page, field, message))

    def show(self, fields: Mapping[str, str], names: Iterable[str] | None = None) -> bool:
        """Shows the messages of `names` (every field's when None) and the rest in `general`;
        True when any field has one."""
        shown = False
        for name in self.labels if names is None else names:
            text = fields.get(name, "")
            self.labels[name].setText(text)
            self.labels[name].setVisible(bool(text))
            shown = shown or bool(text)
        if self.general is not None:
            rest = [m for k, m in fields.items() if k not in self.labels and m]
            self.general.setText("\n".join(rest))
            self.general.setVisible(bool(rest))
        if self.focus_first:
            first = next((n for n in self.labels if fields.get(n)), None)
            if first is not None:
                self.fields[first].setFocus()
        return shown


def schema_checked(
    schema: type[BaseModel], values: Mapping[str, Any], show: Callable[[dict[str, str]], Any]
) -> Any:
    """`values` as `schema` (the service's own) when they pass, the lines under the fields
    cleared; else None, with each message under its field."""
    try:
        obj = schema.model_validate(values)
    except ValidationError as exc:
        show(dict(validation_failed(exc).fields))
        return None
    show({})
    return obj


def refusal_handler(
    show: Callable[[dict[str, str]], Any],
    presenter: ErrorPresenter | None,
    parent: QWidget,
    settle: Callable[[], Any] | None = None,
    say: Callable[[str], Any] | None = None,
) -> Callable[[BaseException], None]:
    """What a form does when its save fails: `settle` (buttons back on), then the service's
    per-field refusals under the fields. Anything else goes to the error presenter; a form
    with a line of its own for sentences (`say`, a login's) says a StudioSyncError there, and
    without a presenter a bug is raised to the crash dialog."""

    def failed(exc: BaseException) -> None:
        if settle is not None:
            settle()
        if isinstance(exc, ValidationFailed):
            if presenter is not None:
                presenter.present(exc, parent=parent, inline=True)  # says it went inline
            show(dict(exc.fields))
        elif say is not None and isinstance(exc, StudioSyncError):
            say(str(exc))
        elif presenter is not None:
            presenter.present(exc, parent=parent)
        else:
            raise exc

    return failed


def grow_to_fit(window: QWidget) -> None:
    """The window grows (never shrinks) so that every line under a field shows whole: a long
    message wraps onto lines the window had no room for."""
    layout = window.layout()
    if layout is None or not window.isVisible():
        return
    width = window.width()
    need = layout.totalHeightForWidth(width) if layout.hasHeightForWidth() else -1
    need = max(need, layout.totalSizeHint().height())
    if need > window.height():
        window.resize(width, need)


# --- the form widget -----------------------------------------------------------------------


@dataclass
class _Row:
    widget: QWidget
    get: Callable[[], Any]
    put: Callable[[Any], None] | None
    sent: bool  # False: shown (with its red line) but not part of the schema's input


class Form(QWidget):
    """Fields in rows; `values()` -> `schema` -> `save(obj)` on a worker -> `saved(result)`."""

    saved = Signal(object)
    busy = Signal(bool)  # True while the save runs

    def __init__(
        self,
        schema: type[BaseModel],
        runner: TaskRunner,
        presenter: ErrorPresenter,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.schema = schema
        self.runner = runner
        self.presenter = presenter
        self.save: Callable[[Any], Any] | None = None
        self.extra: dict[str, Any] = {}  # sent with the fields' values
        self._rows: dict[str, _Row] = {}
        self.rows = QFormLayout(self)
        self.rows.setContentsMargins(0, 0, 0, 0)
        self.rows.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.errors = FieldErrors(error_label(self), focus_first=True)

    # --- building -----------------------------------------------------------------------

    def add(
        self,
        name: str,
        label: str,
        widget: QWidget,
        getter: Callable[[], Any],
        *,
        put: Callable[[Any], None] | None = None,
        hint: str = "",
        sent: bool = True,
    ) -> QWidget:
        """A row for `widget`, read by `getter` (and filled by `put`), its red line under it."""
        error = error_label(self, name)
        item: QWidget | QLayout = widget
        if hint:
            column = QVBoxLayout()
            column.setSpacing(2)
            column.addWidget(widget)
            note = QLabel(hint, self)
            note.setEnabled(False)  # the palette's muted text
            note.setWordWrap(True)
            column.addWidget(note)
            item = column
        holder = field_holder(self, item, error)
        holder.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        if hint:
            clear_on_change(widget, error)  # the holder's own clearing sees only line edits
        if isinstance(widget, QAbstractSpinBox | QCheckBox) or (
            isinstance(widget, QComboBox) and not widget.isEditable()
        ):
            row = holder.layout()
            assert row is not None
            row.setAlignment(widget, Qt.AlignmentFlag.AlignLeft)
        self.rows.addRow(label, holder)
        if not self._rows:
            # Typing starts in the first field, however the window is shown (without it, a
            # dialog shown before its window is active gives the keys to its default button).
            widget.setFocus()
        self._rows[name] = _Row(widget, getter, put, sent)
        self.errors.attach(name, widget, error)
        widget.setObjectName(f"field_{name}")
        show_limits(widget, self.schema, name)
        return widget

    def add_row(self, label: str, item: QWidget | QLayout) -> None:
        """A row that is no field of the schema (a button, a preview, a running total)."""
        self.rows.addRow(label, item)

    def add_fields(self, fields: Iterable[Field]) -> None:
        for f in fields:
            self.add_field(f)

    def add_field(self, f: Field) -> QWidget:
        """The editor of `f.kind`, starting at `f.value`."""
        v, h = f.value, f.hint
        if f.kind == "notes":
            return self.notes(f.name, f.label, v or "", hint=h)
        if f.kind == "number":
            return self.number(f.name, f.label, int(v or f.low), f.low, f.high, f.step, hint=h)
        if f.kind == "money":
            return self.money(f.name, f.label, v, required=f.required, hint=h)
        if f.kind == "choice":
            return self.choice(f.name, f.label, f.choices, v, none=f.none, hint=h)
        if f.kind == "flag":
            return self.flag(f.name, f.label, bool(v), hint=h)
        if f.kind == "day":
            return self.day(f.name, f.label, v, hint=h)
        if f.kind == "clock":
            return self.clock(f.name, f.label, v or time(9, 0))
        if f.kind == "calendar_day":
            return self.calendar_day(f.name, f.label, v or date.today())
        if f.kind == "list":
            return self.words_list(f.name, f.label, v or (), hint=h)
        if f.kind == "members":
            return self.members(f.name, f.label, f.choices, v or (), hint=h)
        return self.text(f.name, f.label, "" if v is None else str(v), hint=h)

    def text(
        self, name: str, label: str, value: str = "", placeholder: str = "", hint: str = ""
    ) -> QLineEdit:
        edit = QLineEdit(value, self)
        edit.setPlaceholderText(placeholder)
        self.add(name, label, edit, edit.text, put=lambda v: edit.setText(text_of(v)), hint=hint)
        return edit

    def notes(self, name: str, label: str, value: str = "", hint: str = "") -> QPlainTextEdit:
        edit = QPlainTextEdit(value, self)
        edit.setTabChangesFocus(True)
        edit.setFixedHeight(70)
        self.add(
            name, label, edit, edit.toPlainText, put=lambda v: edit.setPlainText(v or ""), hint=hint
        )
        return edit

    def number(
        self,
        name: str,
        label: str,
        value: int,
        low: int = 0,
        high: int = 100_000,
        step: int = 1,
        hint: str = "",
    ) -> QSpinBox:
        spin = QSpinBox(self)
        spin.setRange(low, high)
        spin.setSingleStep(step)
        spin.setValue(value)
        self.add(name, label, spin, spin.value, put=lambda v: spin.setValue(int(v or 0)), hint=hint)
        return spin

    def money(
        self,
        name: str,
        label: str,
        value: Decimal | str | None,
        required: bool = False,
        hint: str = "",
    ) -> QLineEdit:
        """An amount typed as text; empty is 0, or refused by the schema when `required`."""
        edit = QLineEdit(self)
        edit.setAlignment(Qt.AlignmentFlag.AlignRight)
        edit.setPlaceholderText("0.00")
        blank: Any = "" if required else Decimal(0)

        def put(v: Any) -> None:
            edit.setText("" if v is None else f"{Decimal(v):.2f}")

        put(value)
        self.add(name, label, edit, lambda: typed_money(edit.text(), blank), put=put, hint=hint)
        return edit

    def choice(
        self,
        name: str,
        label: str,
        values: Sequence[str | tuple[str, Any]],
        current: Any,
        none: str | None = None,
        hint: str = "",
    ) -> QComboBox:
        """One of `values`: (label, value) pairs, or plain values shown in words. With `none`,
        a first entry meaning nothing, and the list can be typed in to find one among many."""
        combo = QComboBox(self)
        if none is not None:
            combo.addItem(none, None)
            combo.setEditable(True)
            combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        for v in values:
            text, data = v if isinstance(v, tuple) else (words(v), v)
            combo.addItem(text, data)
        if current is not None:
            select_data(combo, current)

        def put(v: Any) -> None:
            if v is None:
                combo.setCurrentIndex(0)
            else:
                select_data(combo, v)

        self.add(name, label, combo, combo.currentData, put=put, hint=hint)
        return combo

    def flag(self, name: str, label: str, value: bool, text: str = "", hint: str = "") -> QCheckBox:
        box = QCheckBox(text, self)
        box.setChecked(value)
        self.add(name, label, box, box.isChecked, put=lambda v: box.setChecked(bool(v)), hint=hint)
        return box

    def day(
        self,
        name: str,
        label: str,
        value: date | None,
        optional: bool = True,
        hint: str = "",
    ) -> QLineEdit:
        """A date typed as YYYY-MM-DD (empty for none): fast from the keyboard."""
        edit = QLineEdit(value.isoformat() if value else "", self)
        if not hint:
            edit.setPlaceholderText("YYYY-MM-DD" + (" (optional)" if optional else ""))

        def put(v: Any) -> None:
            edit.setText(v.isoformat() if isinstance(v, date) else (v or ""))

        self.add(name, label, edit, lambda: edit.text().strip() or None, put=put, hint=hint)
        return edit

    def clock(self, name: str, label: str, value: time) -> QLineEdit:
        """A time of day typed as 9, 930, 09:30 or 9.30: fast from the keyboard."""
        edit = QLineEdit(f"{value:%H:%M}", self)
        edit.setPlaceholderText("HH:MM")
        edit.setMaximumWidth(edit.fontMetrics().horizontalAdvance("00:00") * 3)
        self.add(name, label, edit, lambda: typed_time(edit.text()))
        return edit

    def calendar_day(self, name: str, label: str, value: date, sent: bool = True) -> QDateEdit:
        edit = DayField(QDate(value.year, value.month, value.day), self)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("ddd dd MMM yyyy")
        self.add(name, label, edit, lambda: edit.date().toPython(), sent=sent)
        return edit

    def words_list(self, name: str, label: str, value: Sequence[str], hint: str = "") -> QLineEdit:
        """Words typed with commas between them ("piano, theory")."""
        edit = QLineEdit(", ".join(value), self)

        def get() -> list[str]:
            return [p for p in (t.strip() for t in edit.text().split(",")) if p]

        def put(v: Any) -> None:
            edit.setText(", ".join(str(x) for x in v or ()))

        self.add(name, label, edit, get, put=put, hint=hint)
        return edit

    def members(
        self,
        name: str,
        label: str,
        choices: Sequence[tuple[str, Any]],
        value: Iterable[Any],
        hint: str = "",
    ) -> QListWidget:
        """A list of people (or things) to tick."""
        members = QListWidget(self)
        members.setFixedHeight(150)
        for text, data in choices:
            item = QListWidgetItem(text, members)
            item.setData(Qt.ItemDataRole.UserRole, data)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)

        def get() -> list[Any]:
            return [
                members.item(i).data(Qt.ItemDataRole.UserRole)
                for i in range(members.count())
                if members.item(i).checkState() == Qt.CheckState.Checked
            ]

        def put(v: Any) -> None:
            chosen = {str(x) for x in v or ()}
            for i in range(members.count()):
                item = members.item(i)
                on = str(item.data(Qt.ItemDataRole.UserRole)) in chosen
                item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

        put(value)
        self.add(name, label, members, get, put=put, hint=hint)
        return members

    # --- reading and filling --------------------------------------------------------------

    def editor(self, name: str) -> QWidget:
        return self._rows[name].widget

    def error(self, name: str) -> QLabel:
        return self.errors.labels[name]

    def names(self) -> list[str]:
        return list(self._rows)

    def values(self) -> dict[str, Any]:
        sent = {k: row.get() for k, row in self._rows.items() if row.sent}
        return {**self.extra, **sent}

    def fill(self, data: BaseModel | Mapping[str, Any]) -> None:
        """Shows a record's values (an edit form); fields without a filler keep theirs."""
        found = data if isinstance(data, Mapping) else data.model_dump()
        for name, row in self._rows.items():
            if row.put is not None and name in found:
                row.put(found[name])

    # --- checking and saving --------------------------------------------------------------

    def show_errors(self, fields: Mapping[str, str]) -> None:
        self.errors.show(fields)
        if fields:
            QTimer.singleShot(0, lambda: grow_to_fit(self.window()))

    def validate(self) -> Any:
        """The schema's object, or None with the messages under the fields."""
        values = self.values()
        try:
            obj = self.schema.model_validate(values)
        except ValidationError as exc:
            fields = dict(validation_failed(exc).fields)
            for name in fields:
                if name in values and values[name] is None and name in self._rows:
                    # A person picker says why nobody is chosen (nobody or several match).
                    missing = getattr(self._rows[name].widget, "missing_text", None)
                    fields[name] = missing() if missing else "Please choose or fill this in."
            self.show_errors(fields)
            return None
        self.show_errors({})
        return obj

    def submit(self) -> None:
        # Save pressed before a person picker's lookup came back: save once it is here.
        for row in self._rows.values():
            widget = row.widget
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
        self.busy.emit(True)
        self.runner.run(
            lambda: save(obj),
            on_done=self._saved,
            on_error=refusal_handler(
                self.show_errors, self.presenter, self, lambda: self.busy.emit(False)
            ),
            key=f"form:{id(self)}",
        )

    def _submit_when_settled(self) -> None:
        sender = self.sender()
        if sender is not None:
            sender.settled.disconnect(self._submit_when_settled)  # type: ignore[attr-defined]
        self.submit()

    def _saved(self, result: Any) -> None:
        self.busy.emit(False)
        self.saved.emit(result)
