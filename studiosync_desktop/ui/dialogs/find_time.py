"""Find a time: who, how long, where; the best free options; Enter books the chosen one."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from studiosync_desktop.schemas.common import Actor, validation_failed
from studiosync_desktop.schemas.find_time import SlotOption, SlotQuery
from studiosync_desktop.schemas.scheduling import BookingChoices, Choice
from studiosync_desktop.services.container import Services
from studiosync_desktop.ui.dialogs.lesson_dialog import closest_students, student_label
from studiosync_desktop.ui.error_presenter import ErrorPresenter
from studiosync_desktop.ui.field_limits import limit_span
from studiosync_desktop.ui.table_model import Column, RowTableModel
from studiosync_desktop.ui.task_runner import TaskRunner
from studiosync_desktop.ui.widgets import DayField, PersonPicker, error_label

ANY_TEACHER = "any"


def combo_of(parent: QWidget, items: tuple[Choice, ...], first: tuple[str, Any]) -> QComboBox:
    box = QComboBox(parent)
    box.addItem(*first)
    for c in items:
        box.addItem(f"{c.name}  ({c.detail})" if c.detail else c.name, c.id)
    return box


def select_data(box: QComboBox, value: object) -> None:
    """Selects the item holding `value` (findData does not compare Python objects)."""
    for i in range(box.count()):
        if box.itemData(i) == value:
            box.setCurrentIndex(i)
            return


class FindTimeDialog(QDialog):
    """The desk's "when can this student have a lesson?" (and "when is Room B free?")."""

    found = Signal()
    book_requested = Signal(object)  # the chosen SlotOption, with the query's student or band

    def __init__(
        self,
        services: Services,
        actor: Actor,
        runner: TaskRunner,
        presenter: ErrorPresenter,
        choices: BookingChoices,
        zone: ZoneInfo,
        today: date,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Find a time")
        self.services, self.actor, self.runner, self.presenter = services, actor, runner, presenter
        self.zone = zone
        self.generation = 0
        roster = services.roster
        # The student as every booking dialog takes one: typed, looked up, a typo forgiven.
        self.student = PersonPicker(
            runner,
            presenter,
            lambda typed: closest_students(
                roster.students(actor, search=typed, limit=20).rows, typed
            ),
            student_label,
            self,
        )
        self.student.edit.setPlaceholderText("type a student's name (or leave empty for a band)")
        self.band = combo_of(self, choices.bands, ("— none —", None))
        self.teacher = combo_of(self, choices.teachers, ("Any teacher of the instrument", None))
        self.teacher.insertItem(1, "Any teacher", ANY_TEACHER)
        self.instrument = QLineEdit(self)
        self.instrument.setPlaceholderText("e.g. Piano (for any teacher of it)")
        self.room = combo_of(self, choices.rooms, ("— no room needed —", None))
        self.minutes = QSpinBox(self)
        self.minutes.setRange(15, 240)
        self.minutes.setSingleStep(15)
        self.minutes.setValue(30)
        self.minutes.setSuffix(" min")
        self.first = DayField(QDate(today.year, today.month, today.day), self)
        self.first.setCalendarPopup(True)
        self.first.setDisplayFormat("ddd d MMM yyyy")
        limit_span(self.first)
        self.days = QSpinBox(self)
        self.days.setRange(1, 62)
        self.days.setValue(28)
        self.days.setSuffix(" days")
        self.error = error_label(self)
        self.search = QPushButton("Fi&nd", self)
        self.search.setDefault(True)
        self.search.clicked.connect(self.look)
        form = QFormLayout()
        form.addRow("&Student", self.student)
        form.addRow("&Band", self.band)
        form.addRow("&Teacher", self.teacher)
        form.addRow("&Instrument", self.instrument)
        form.addRow("&Room", self.room)
        form.addRow("&Length", self.minutes)
        when = QWidget(self)
        row = QHBoxLayout(when)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.first)
        row.addWidget(QLabel("for", when))
        row.addWidget(self.days)
        first_label = QLabel("&From", self)
        first_label.setBuddy(self.first)  # Alt+F reaches the first day
        form.addRow(first_label, when)
        when.setFocusProxy(self.first)
        self.model: RowTableModel[SlotOption] = RowTableModel(self._columns(), parent=self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAccessibleName("Free times found")
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.activated.connect(lambda index: self.choose(index.row()))
        self.summary = QLabel("Choose who and how long, then Find (Enter).", self)
        self.book = QPushButton("Boo&k the selected time…", self)
        self.book.clicked.connect(lambda: self.choose(self.table.currentIndex().row()))
        self.book.setEnabled(actor.is_staff_desk)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.search)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.book)
        self.resize(720, 640)

    def _columns(self) -> list[Column[SlotOption]]:
        zone = self.zone

        def day(o: SlotOption) -> str:
            at = o.start.astimezone(zone)
            return f"{at:%a} {at.day} {at:%b}"

        def hours(o: SlotOption) -> str:
            return f"{o.start.astimezone(zone):%H:%M}-{o.end.astimezone(zone):%H:%M}"

        return [
            Column("Day", day),
            Column("Time", hours),
            Column("Teacher", lambda o: o.teacher_name),
            Column("Room", lambda o: o.room_name),
            Column("Why", lambda o: o.note),
        ]

    def query(self) -> dict[str, Any]:
        teacher = self.teacher.currentData()
        return {
            "student_id": self.student.person_id(),
            "band_id": self.band.currentData(),
            "teacher_id": teacher if isinstance(teacher, uuid.UUID) else None,
            "any_teacher": teacher == ANY_TEACHER,
            "instrument": self.instrument.text(),
            "room_id": self.room.currentData(),
            "minutes": self.minutes.value(),
            "first_day": self.first.date().toPython(),
            "days": self.days.value(),
        }

    def look(self) -> None:
        """One search off the GUI thread; a newer search wins over an older answer."""
        try:
            query = SlotQuery.model_validate(self.query())
        except ValidationError as exc:
            fields = validation_failed(exc).fields
            self.error.setText("\n".join(v for v in fields.values() if v))
            self.error.setVisible(True)
            return
        self.error.setVisible(False)
        self.generation += 1
        generation = self.generation
        self.summary.setText("Looking…")

        def done(options: tuple[SlotOption, ...]) -> None:
            if generation != self.generation:
                return
            self.model.set_rows(options)
            self.summary.setText(
                f"{len(options)} free time(s), best first. Enter books the selected one."
                if options
                else "Nothing free in these days: try more days, another length or teacher."
            )
            if options:
                self.table.selectRow(0)
                self.table.setFocus()
            self.found.emit()

        def failed(exc: BaseException) -> None:
            self.summary.setText("")
            fields = self.presenter.present(exc, parent=self, inline=True)
            if fields:
                self.error.setText("\n".join(v for v in fields.values() if v))
                self.error.setVisible(True)

        self.runner.run(
            self.services.find_time.find, self.actor, query, on_done=done, on_error=failed
        )

    def choose(self, row: int) -> None:
        if row < 0 or row >= self.model.rowCount() or not self.actor.is_staff_desk:
            return
        option = self.model.row_at(row)
        if option.teacher_id is None:
            return  # a room's free stretch: booked from Room bookings
        self.book_requested.emit(option)

    def keyPressEvent(self, event: Any) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.table.hasFocus():
            self.choose(self.table.currentIndex().row())
            return
        super().keyPressEvent(event)
