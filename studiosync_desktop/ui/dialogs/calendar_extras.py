"""The Calendar tab's smaller dialogs: studio closures, the day sheet and the calendar export."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.schemas.scheduling import BookingChoices, Closure, ClosureInput
from studiosync_desktop.services.container import Services
from studiosync_desktop.ui.error_presenter import ErrorPresenter
from studiosync_desktop.ui.field_limits import limit_span, show_limits
from studiosync_desktop.ui.forms import FieldErrors, refusal_handler, schema_checked
from studiosync_desktop.ui.task_runner import TaskRunner
from studiosync_desktop.ui.widgets import DayField


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _pydate(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


class ClosuresDialog(QDialog):
    """The studio's closed days (holidays): series make no lessons on them."""

    changed = Signal()
    loaded = Signal()

    def __init__(
        self,
        services: Services,
        actor: Actor,
        runner: TaskRunner,
        presenter: ErrorPresenter,
        today: date,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Studio closures")
        self.services, self.actor, self.runner, self.presenter = services, actor, runner, presenter
        self.today = today
        self.closures: tuple[Closure, ...] = ()
        intro = QLabel(
            "Days the studio is closed. Recurring lessons are not booked on them. Lessons "
            "already booked that day are cancelled only if you tick the box below.",
            self,
        )
        intro.setWordWrap(True)
        self.list = QListWidget(self)
        self.list.setAccessibleName("Closed days")
        self.date = DayField(_qdate(today), self)
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("ddd d MMM yyyy")
        self.reason = QLineEdit(self)
        self.reason.setPlaceholderText("e.g. Thanksgiving")
        self.cancel_lessons = QCheckBox("&Cancel the lessons booked that day", self)
        self.cancel_lessons.setToolTip(
            "Cancelled by the studio: students get make-up credits as the studio's policy says"
        )
        self.outcome = QLabel("", self)
        self.outcome.setWordWrap(True)
        self.add_button = QPushButton("&Add closed day", self)
        self.add_button.clicked.connect(self.add)
        self.remove_button = QPushButton("&Remove", self)
        self.remove_button.setToolTip("Reopen the selected day (Delete)")
        self.remove_button.clicked.connect(self.remove)
        QShortcut(QKeySequence(Qt.Key.Key_Delete), self.list).activated.connect(self.remove)
        self.errors = FieldErrors()
        limit_span(self.date)
        show_limits(self.reason, ClosureInput, "reason")
        form = QFormLayout()
        self.errors.add(form, "&Date", "closed_on", self.date, self)
        self.errors.add(form, "R&eason", "reason", self.reason, self)
        form.addRow("", self.cancel_lessons)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addStretch(1)
        buttons.addWidget(self.remove_button)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.list, 1)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.outcome)
        layout.addWidget(close)
        self.resize(440, 460)
        editable = actor.is_staff_desk
        for w in (
            self.date, self.reason, self.cancel_lessons, self.add_button, self.remove_button
        ):  # fmt: skip
            w.setEnabled(editable)
        self.reload()

    def reload(self) -> None:
        first, last = self.today - timedelta(days=31), self.today + timedelta(days=366)
        self.runner.run(
            self.services.scheduling.closures,
            self.actor,
            first,
            last,
            on_done=self._show,
            on_error=lambda exc: self.presenter.present(exc, parent=self),
            key=f"closures:{id(self)}",
        )

    def _show(self, closures: tuple[Closure, ...]) -> None:
        self.closures = closures
        self.list.clear()
        for c in closures:
            text = f"{c.closed_on:%a %d %b %Y}" + (f"  —  {c.reason}" if c.reason else "")
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, c.id)
            if c.closed_on < self.today:
                item.setForeground(self.palette().placeholderText())
            self.list.addItem(item)
        if not closures:
            self.list.addItem(QListWidgetItem("No closed days in the coming year."))
        self.loaded.emit()

    def show_errors(self, fields: dict[str, str]) -> None:
        self.errors.show(fields)

    def add(self) -> None:
        data = {
            "closed_on": _pydate(self.date.date()),
            "reason": self.reason.text().strip(),
            "cancel_lessons": self.cancel_lessons.isChecked(),
        }
        if schema_checked(ClosureInput, data, self.show_errors) is None:
            return  # the service's own schema, checked here first

        def done(c: Closure) -> None:
            n = c.cancelled
            self.outcome.setText(
                f"Closed on {c.closed_on:%a %d %b %Y}."
                + (f" {n} lesson{'s' if n != 1 else ''} cancelled." if n else "")
            )
            self.reason.clear()
            self.cancel_lessons.setChecked(False)
            self.changed.emit()
            self.reload()

        self.runner.run(
            self.services.scheduling.add_closure,
            self.actor,
            data,
            on_done=done,
            on_error=refusal_handler(self.show_errors, self.presenter, self),
        )

    def remove(self) -> None:
        item = self.list.currentItem()
        closure_id = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        if not isinstance(closure_id, uuid.UUID):
            return

        def done(_r: object) -> None:
            self.changed.emit()
            self.reload()

        self.runner.run(
            self.services.scheduling.remove_closure,
            self.actor,
            closure_id,
            on_done=done,
            on_error=refusal_handler(self.show_errors, self.presenter, self),
        )


class DaySheetDialog(QDialog):
    """Which day, and one page per teacher or per room."""

    def __init__(self, day: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Print day sheet")
        self.date = DayField(_qdate(day), self)
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("dddd d MMMM yyyy")
        limit_span(self.date, "search")
        self.by = QComboBox(self)
        self.by.addItem("One page per teacher", "teacher")
        self.by.addItem("One page per room", "room")
        form = QFormLayout()
        form.addRow("&Day", self.date)
        form.addRow("&Pages", self.by)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Save PDF…")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def choice(self) -> tuple[date, str]:
        return _pydate(self.date.date()), str(self.by.currentData())


class CalendarExportDialog(QDialog):
    """Whose lessons to export: a teacher or a student (a teacher account: their own)."""

    def __init__(
        self,
        choices: BookingChoices,
        actor: Actor,
        preselect: uuid.UUID | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export to calendar (.ics)")
        intro = QLabel(
            "Saves the lessons of the past 90 days and all coming ones as an .ics file, for "
            "Google Calendar, Outlook or Apple Calendar. Exporting again updates the same "
            "events; cancelled lessons are marked cancelled.",
            self,
        )
        intro.setWordWrap(True)
        self.person = QComboBox(self)
        self.person.setEditable(False)
        if actor.role == "teacher":
            self.person.addItem("My schedule", ("teacher", None))
        else:
            for c in choices.teachers:
                self.person.addItem(f"Teacher: {c.name}", ("teacher", c.id))
            for c in choices.students:
                self.person.addItem(f"Student: {c.name}", ("student", c.id))
        if preselect is not None:
            for i in range(self.person.count()):
                if self.person.itemData(i)[1] == preselect:
                    self.person.setCurrentIndex(i)
                    break
        form = QFormLayout()
        form.addRow("&Whose lessons", self.person)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Save .ics…")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.resize(460, 160)

    def choice(self) -> tuple[str, uuid.UUID | None]:
        kind, person = self.person.currentData()
        return str(kind), person

    def label(self) -> str:
        return self.person.currentText().split(": ", 1)[-1]


def export_kwargs(kind: str, person: uuid.UUID | None) -> dict[str, Any]:
    return {"teacher_id": person} if kind == "teacher" else {"student_id": person}
