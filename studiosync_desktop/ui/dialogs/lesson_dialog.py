"""The lesson dialog: book or edit a lesson or series, change its status, cancel, notes."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from PySide6.QtCore import QDate, QTime, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from studiosync_desktop.schemas.common import Actor, validation_failed
from studiosync_desktop.schemas.scheduling import (
    BookingChoices,
    LessonDetail,
    LessonInput,
    SeriesInput,
)
from studiosync_desktop.services.clashes import BookingClash
from studiosync_desktop.services.container import Services
from studiosync_desktop.services.outside_hours import NeedsConfirmation
from studiosync_desktop.services.permissions import may_mark
from studiosync_desktop.ui.error_presenter import ErrorPresenter
from studiosync_desktop.ui.task_runner import TaskRunner
from studiosync_desktop.ui.widgets import error_label, field_holder
from studiosync_desktop.vocabulary import TEACHER_NOTICES

REPEATS = (("Once", None), ("Every week", "weekly"), ("Every two weeks", "biweekly"),
           ("Every month (same weekday)", "monthly"))  # fmt: skip
TYPES = ("private", "group", "ensemble", "online", "makeup")
SCOPES = (("This lesson only", "this"), ("This and following lessons", "following"),
          ("The whole series", "all"))  # fmt: skip
ACTIONS = (("in_progress", "S&tart"), ("completed", "Co&mplete"), ("no_show", "&No-show"),
           ("cancel", "&Cancel lesson…"), ("reopen", "Re&open"), ("delete", "&Delete"))  # fmt: skip
TELL_DESK = (("tell", "Tell the des&k"),)


class LessonDialog(QDialog):
    """`changed` is emitted after any saved change; the tab reloads its week."""

    changed = Signal()

    def __init__(
        self,
        services: Services,
        actor: Actor,
        runner: TaskRunner,
        presenter: ErrorPresenter,
        choices: BookingChoices,
        zone: ZoneInfo,
        *,
        start: datetime | None = None,
        detail: LessonDetail | None = None,
        teacher_id: uuid.UUID | None = None,
        room_id: uuid.UUID | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.services, self.actor, self.runner, self.presenter = services, actor, runner, presenter
        self.choices, self.zone, self.detail = choices, zone, detail
        self.setWindowTitle("Lesson" if detail else "Book a lesson")
        self.resize(560, 560)
        # The tabs and the page before the fields: the Tab key follows the order widgets are made.
        tabs = QTabWidget(self)
        form_page = QWidget(self)
        self.errors: dict[str, QLabel] = {}
        self._make_fields(choices)
        self._lay_out_form(QFormLayout(form_page), detail)
        tabs.addTab(form_page, "&Lesson")

        self.status_label = QLabel("", self)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Close, self
        )
        self.buttons.accepted.connect(self.save)
        # Set once the desk has read why the time is outside hours and saves again.
        self.outside_confirmed = False
        self.buttons.rejected.connect(self.reject)
        actions = self._action_row()
        if detail is not None:
            tabs.addTab(self._notes_page(), "N&otes and goals")
        layout = QVBoxLayout(self)
        layout.addWidget(self.status_label)
        layout.addWidget(tabs, 1)
        layout.addLayout(actions)
        layout.addWidget(self.buttons)

        self.student.currentIndexChanged.connect(self._student_changed)
        self._fill(start, teacher_id, room_id)

    def _make_fields(self, choices: BookingChoices) -> None:
        """The booking's fields, from the studio's teachers, students, bands and rooms."""

        def combo(items: tuple[Any, ...], none: str | None) -> QComboBox:
            box = QComboBox(self)
            if none is not None:
                box.addItem(none, None)
            for c in items:
                box.addItem(f"{c.name}  ({c.detail})" if c.detail else c.name, c.id)
            return box

        self.teacher = combo(choices.teachers, None)
        self.student = combo(choices.students, "— none —")
        self.band = combo(choices.bands, "— none —")
        self.room = combo(choices.rooms, "— none —")
        self.kind = QComboBox(self)
        for t in TYPES:
            self.kind.addItem("make-up" if t == "makeup" else t, t)
        self.date = QDateEdit(self)
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("ddd d MMM yyyy")
        self.time = QTimeEdit(self)
        self.time.setDisplayFormat("HH:mm")
        self.minutes = QSpinBox(self)
        self.minutes.setRange(5, 480)
        self.minutes.setSingleStep(15)
        self.minutes.setSuffix(" min")
        self.rate = QLineEdit(self)
        self.rate.setPlaceholderText("teacher's rate times the length")
        self.location = QLineEdit(self)
        self.repeat = QComboBox(self)
        for text, value in REPEATS:
            self.repeat.addItem(text, value)
        self.until_on = QCheckBox("until", self)
        self.until = QDateEdit(self)
        self.until.setCalendarPopup(True)
        self.until.setDisplayFormat("ddd d MMM yyyy")
        self.scope = QComboBox(self)
        for text, value in SCOPES:
            self.scope.addItem(text, value)
        self.credits = QLabel("", self)

    def _lay_out_form(self, form: QFormLayout, detail: LessonDetail | None) -> None:
        """The fields in rows, each with the line that says what is wrong with it."""
        repeat_row = QHBoxLayout()
        repeat_row.addWidget(self.repeat, 1)
        repeat_row.addWidget(self.until_on)
        repeat_row.addWidget(self.until)

        def row(label: str, widget: QWidget | QHBoxLayout, field: str | None = None) -> None:
            err = error_label(self) if field else None
            if field and err is not None:
                self.errors[field] = err
            form.addRow(label, field_holder(form.parentWidget() or self, widget, err))

        row("&Teacher", self.teacher, "teacher_id")
        row("&Student", self.student, "student_id")
        row("", self.credits)
        row("&Band", self.band, "band_id")
        row("&Room", self.room, "room_id")
        row("T&ype", self.kind, "lesson_type")
        row("&Date", self.date, "start")
        row("St&arts at", self.time, "end")
        row("&Length", self.minutes, "duration_minutes")
        row("Rat&e", self.rate, "rate")
        row("L&ocation", self.location, "location")
        if detail is None:
            row("Re&peats", repeat_row, "end_date")
        elif detail.recurring_pattern_id is not None:
            row("A&pply to", self.scope, "scope")
        self.form_error = error_label(self)
        form.addRow(self.form_error)
        self.errors[""] = self.form_error

    # --- filling and reading the form ---------------------------------------------------

    def _fill(
        self, start: datetime | None, teacher_id: uuid.UUID | None, room_id: uuid.UUID | None
    ) -> None:
        d = self.detail
        if d is not None:
            self._select(self.teacher, d.teacher_id)
            self._select(self.student, d.student_id)
            self._select(self.band, d.band_id)
            self._select(self.room, d.room_id)
            self._select(self.kind, d.lesson_type)
            start = d.start
            self.minutes.setValue(int((d.end - d.start).total_seconds() // 60))
            self.rate.setText(str(d.rate))
            self.location.setText(d.location)
            words = d.status.replace("_", " ")
            who = d.student_name or d.band_name or d.room_name
            text = f"<b>{who}</b> with {d.teacher_name}: {words}"
            if d.status == "cancelled":
                late = " (late cancel)" if d.is_late_cancel else ""
                by = d.cancelled_on_behalf_of or "studio"
                text += f"{late} by {d.cancelled_by_name} for the {by}: {d.cancellation_reason}"
            self.status_label.setText(text)
            for unused in (self.repeat, self.until_on, self.until):  # a new lesson's "repeats"
                unused.hide()
            scheduled, desk = d.status == "scheduled", self.actor.is_staff_desk
            # A teacher marks their lesson once it has started; booking, cancelling and
            # deleting are the desk's (the database refuses them to a teacher's login too).
            started = may_mark(self.actor, d.start)
            for key, button in self.action_buttons.items():
                button.setEnabled(
                    {
                        "in_progress": scheduled and started,
                        "completed": d.status in ("scheduled", "in_progress") and started,
                        "no_show": scheduled and started,
                        "cancel": scheduled and desk,
                        "reopen": not scheduled and self.actor.is_admin,
                        "delete": d.status in ("scheduled", "cancelled") and desk,
                        "tell": True,
                    }[key]
                )
            hint = "" if started else "Once the lesson has started"
            for key in ("in_progress", "completed", "no_show"):
                self.action_buttons[key].setToolTip(hint)
            self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(scheduled and desk)
        else:
            self.minutes.setValue(30)
            if teacher_id is not None:
                self._select(self.teacher, teacher_id)
            if room_id is not None:
                self._select(self.room, room_id)
        start = start or datetime.now(self.zone).replace(minute=0, second=0, microsecond=0)
        local = start.astimezone(self.zone)
        self.date.setDate(QDate(local.year, local.month, local.day))
        self.time.setTime(QTime(local.hour, local.minute))
        self.until.setDate(self.date.date().addDays(7 * 12))
        self._student_changed()

    @staticmethod
    def _select(box: QComboBox, value: object) -> None:
        # Not findData: it compares Python objects by identity, and the lesson's ids come from
        # another query than the lists' (an existing lesson showed the first teacher, no student).
        index = next((i for i in range(box.count()) if box.itemData(i) == value), 0)
        box.setCurrentIndex(index)

    def _student_changed(self) -> None:
        student = self.student.currentData()
        if student is None:
            self.credits.setText("")
            return
        self.credits.setText("Make-up credits: …")
        self.runner.run(
            self.services.scheduling.credit_balance,
            self.actor,
            student,
            on_done=lambda n: self.credits.setText(
                f"Make-up credits available: {n}" if n else "No make-up credits available"
            ),
            on_error=lambda _exc: self.credits.setText(""),
            key=f"credits:{id(self)}",
        )

    def _start(self) -> datetime:
        d, t = self.date.date(), self.time.time()
        return datetime(d.year(), d.month(), d.day(), t.hour(), t.minute(), tzinfo=self.zone)

    def _rate(self) -> Decimal | str | None:
        text = self.rate.text().strip()
        if not text:
            return None
        try:
            return Decimal(text)
        except InvalidOperation:
            return text  # pydantic says what is wrong with it

    def lesson_input(self) -> dict[str, Any]:
        start = self._start()
        rate = self._rate()
        if self.detail is not None and rate == self.detail.rate:
            minutes = int((self.detail.end - self.detail.start).total_seconds() // 60)
            if (
                minutes != self.minutes.value()
                or self.teacher.currentData() != self.detail.teacher_id
            ):
                rate = None  # a new length or teacher: the default rate follows
        return {
            "teacher_id": self.teacher.currentData(),
            "student_id": self.student.currentData(),
            "band_id": self.band.currentData(),
            "room_id": self.room.currentData(),
            "lesson_type": self.kind.currentData(),
            "start": start,
            "end": start + timedelta(minutes=self.minutes.value()),
            "location": self.location.text(),
            "accept_outside": self.outside_confirmed,
            "rate": rate,
        }

    def series_input(self) -> dict[str, Any]:
        data = self.lesson_input()
        start = data.pop("start")
        data.pop("end")
        until = self.until.date()
        return {
            **data,
            "frequency": self.repeat.currentData() or "weekly",
            "start_date": start.date(),
            "start_time": start.time(),
            "duration_minutes": self.minutes.value(),
            "end_date": until.toPython() if self.until_on.isChecked() else None,
        }

    def show_errors(self, fields: dict[str, str]) -> None:
        for key, label in self.errors.items():
            label.setText(fields.get(key, ""))
            label.setVisible(bool(fields.get(key)))
        unplaced = [v for k, v in fields.items() if k not in self.errors]
        if unplaced:
            self.form_error.setText("\n".join([fields.get("", ""), *unplaced]).strip())
            self.form_error.setVisible(True)

    # --- saving ---------------------------------------------------------------------------

    def save(self) -> None:
        """Validates with the service's own schema first; then one call, off the GUI thread."""
        series = self.detail is None and self.repeat.currentData() is not None
        scope = (
            self.scope.currentData() if self.detail and self.detail.recurring_pattern_id else "this"
        )
        as_series = series or scope in ("following", "all")
        try:
            data: Any = (
                SeriesInput.model_validate(self.series_input())
                if as_series
                else LessonInput.model_validate(self.lesson_input())
            )
        except ValidationError as exc:
            self.show_errors(validation_failed(exc).fields)
            return
        self.show_errors({})
        sched = self.services.scheduling
        actor = self.actor
        detail = self.detail

        def call(skip: bool) -> Callable[[], Any]:
            if detail is None and as_series:
                return lambda: sched.create_series(actor, data, skip_clashes=skip)
            if detail is None:
                return lambda: sched.create_lesson(actor, data)
            if as_series:
                return lambda: sched.edit_series(actor, detail.id, data, scope, skip_clashes=skip)
            return lambda: sched.update_lesson(actor, detail.id, data)

        self._run(call(False), retry_skipping=call(True) if as_series else None)

    def _run(self, fn: Callable[[], Any], retry_skipping: Callable[[], Any] | None = None) -> None:
        self.setEnabled(False)

        def done(_result: object) -> None:
            self.setEnabled(True)
            self.changed.emit()
            self.accept()

        def failed(exc: BaseException) -> None:
            self.setEnabled(True)
            if isinstance(exc, BookingClash) and retry_skipping is not None:
                if self.ask_skip(exc):
                    self._run(retry_skipping)
                return
            if isinstance(exc, NeedsConfirmation):
                self.ask_outside(exc)
                return
            fields = self.presenter.present(exc, parent=self, inline=True)
            if fields:  # under the fields, without a message box on top
                self.show_errors(fields)

        self.runner.run(fn, on_done=done, on_error=failed)

    def ask_outside(self, exc: NeedsConfirmation) -> None:
        """Outside hours or over an outside event: said under the form; Save again books it
        anyway (recorded with the lesson)."""
        self.outside_confirmed = True
        self.show_errors({"": f"{exc}\nSave again to book it anyway (your confirmation is kept)."})
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText("Book &anyway")

    def ask_skip(self, exc: BookingClash) -> bool:
        """A series clashes: skip those occurrences, or cancel the whole series."""
        if not self.presenter.interactive:
            self.show_errors({"": f"These lessons clash:\n{exc}"})
            return False
        answer = QMessageBox.question(
            self,
            "Some lessons of this series clash",
            f"{len(exc.clashes)} lesson(s) can't be booked:\n\n{exc}\n\n"
            "Skip those and book the rest? (No: book nothing.)",
        )
        return answer == QMessageBox.StandardButton.Yes

    def _action_row(self) -> QHBoxLayout:
        """Start, Complete, No-show, Cancel, Reopen, Delete; a teacher's Tell the desk."""
        actions = QHBoxLayout()
        self.action_buttons: dict[str, QPushButton] = {}
        if self.detail is None:
            return actions
        keys = ACTIONS + (TELL_DESK if self.actor.role == "teacher" else ())
        for key, text in keys:
            button = QPushButton(text, self)
            if key == "tell":
                button.setMenu(self._tell_menu(button))
            else:
                button.clicked.connect(lambda _=False, k=key: self.act(k))
            actions.addWidget(button)
            self.action_buttons[key] = button
        return actions

    def _tell_menu(self, button: QPushButton) -> QMenu:
        """What a teacher may tell the front desk about this lesson: a few fixed notices."""
        menu = QMenu(button)
        for kind, title in TEACHER_NOTICES.items():
            menu.addAction(title, lambda k=kind: self.tell_desk(k))
        return menu

    def tell_desk(self, kind: str) -> None:
        assert self.detail is not None
        notices, actor, lesson_id = self.services.notifications, self.actor, self.detail.id

        header = self.status_label.text().split("<br>")[0]

        def told(count: int) -> None:
            said = TEACHER_NOTICES[kind]
            news = "Told the front desk" if count else "The front desk was already told"
            self.status_label.setText(f"{header}<br>{news}: {said}.")

        self.runner.run(
            notices.tell_desk, actor, lesson_id, kind, on_done=told,
            on_error=lambda exc: self.presenter.present(exc, parent=self),
        )  # fmt: skip

    def act(self, key: str) -> None:
        assert self.detail is not None
        sched, actor, lesson_id = self.services.scheduling, self.actor, self.detail.id
        if key == "cancel":
            reason, ok = QInputDialog.getText(self, "Cancel lesson", "Reason:")
            if not ok or not reason.strip():
                return
            party, ok = QInputDialog.getItem(
                self, "Cancel lesson", "Cancelled for:", ["studio", "teacher", "student"], 2, False
            )
            if ok:
                self._run(
                    lambda: sched.cancel(
                        actor, lesson_id, {"reason": reason, "on_behalf_of": party}
                    )
                )
        elif key == "reopen":
            self._run(lambda: sched.reopen(actor, lesson_id))
        elif key == "delete":
            if (
                not self.presenter.interactive
                or QMessageBox.question(self, "Delete lesson", "Delete this lesson for good?")
                == QMessageBox.StandardButton.Yes
            ):
                self._run(lambda: sched.delete_lesson(actor, lesson_id))
        else:
            self._run(lambda: sched.set_status(actor, lesson_id, key))

    # --- notes ------------------------------------------------------------------------------

    def _notes_page(self) -> QWidget:
        page = QWidget(self)
        form = QFormLayout(page)
        self.summary = QPlainTextEdit(page)
        self.topics = QLineEdit(page)
        self.topics.setPlaceholderText("comma separated")
        self.homework = QPlainTextEdit(page)
        self.to_student = QCheckBox("Student can see it", page)
        self.to_parent = QCheckBox("Parent can see it", page)
        self.goals = QLabel("", page)
        self.goals.setWordWrap(True)
        self.plan = QComboBox(page)
        self.plan.addItem("— no plan —", None)
        for c in self.choices.plans:
            self.plan.addItem(c.name, c.id)
        self._select(self.plan, self.detail.lesson_plan_id if self.detail else None)
        save = QPushButton("Save &note", page)
        save.clicked.connect(self.save_note)
        form.addRow("Summary", self.summary)
        form.addRow("Topics", self.topics)
        form.addRow("Homework", self.homework)
        form.addRow(self.to_student)
        form.addRow(self.to_parent)
        form.addRow("Lesson plan", self.plan)
        form.addRow("Goals", self.goals)
        form.addRow(save)
        assert self.detail is not None
        sched, actor, d = self.services.scheduling, self.actor, self.detail
        self.runner.run(
            sched.lesson_note, actor, d.id, on_done=self._show_note, on_error=lambda e: None
        )
        if d.student_id is not None:
            self.runner.run(
                sched.goals, actor, d.student_id, on_done=self._show_goals, on_error=lambda e: None
            )
        return page

    def _show_note(self, note: Any) -> None:
        self.summary.setPlainText(note.summary)
        self.topics.setText(", ".join(note.topics_covered))
        self.homework.setPlainText(note.homework)
        self.to_student.setChecked(note.visible_to_student)
        self.to_parent.setChecked(note.visible_to_parent)

    def _show_goals(self, goals: Any) -> None:
        self.goals.setText(
            "\n".join(f"{g.title}: {g.progress_percentage}% ({g.status})" for g in goals)
            or "No goals yet."
        )

    def save_note(self) -> None:
        assert self.detail is not None
        sched, actor, lesson_id = self.services.scheduling, self.actor, self.detail.id
        note = {
            "summary": self.summary.toPlainText(),
            "topics_covered": [t.strip() for t in self.topics.text().split(",") if t.strip()],
            "homework": self.homework.toPlainText(),
            "visible_to_student": self.to_student.isChecked(),
            "visible_to_parent": self.to_parent.isChecked(),
        }
        plan = self.plan.currentData()

        def work() -> None:
            sched.save_lesson_note(actor, lesson_id, note)
            sched.attach_plan(actor, lesson_id, plan)

        self.runner.run(
            work,
            on_done=lambda _r: self.status_label.setText("Note saved."),
            on_error=lambda exc: self.presenter.present(exc, parent=self),
        )
