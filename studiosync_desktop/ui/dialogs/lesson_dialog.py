"""The lesson dialog: book or edit a lesson or series, change its status, cancel, notes."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

import shiboken6
from PySide6.QtCore import QDate, QTime, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from studiosync_desktop.errors import NeedsConfirmation
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.schemas.scheduling import (
    BookingChoices,
    CreditRow,
    LessonDetail,
    LessonInput,
    SeriesInput,
    SeriesResult,
    SeriesScope,
)
from studiosync_desktop.schemas.studio import StudioSettings
from studiosync_desktop.services.clashes import BookingClash
from studiosync_desktop.services.container import Services
from studiosync_desktop.services.permissions import can, marks_from, may_mark, may_reopen
from studiosync_desktop.ui import lesson_words as words
from studiosync_desktop.ui.dialogs.cancel_lesson import CancelLessonDialog
from studiosync_desktop.ui.error_presenter import ErrorPresenter
from studiosync_desktop.ui.field_limits import limit_span, show_limits
from studiosync_desktop.ui.forms import FieldErrors, refusal_handler, schema_checked
from studiosync_desktop.ui.task_runner import TaskRunner
from studiosync_desktop.ui.widgets import (
    DayField,
    PersonPicker,
    TimeField,
    error_label,
    field_holder,
)
from studiosync_desktop.vocabulary import TEACHER_NOTICES
from studiosync_desktop.zones import minutes_after

REPEATS = (("Once", None), ("Every week", "weekly"), ("Every two weeks", "biweekly"),
           ("Every month (same weekday)", "monthly"))  # fmt: skip
TYPES = ("private", "group", "ensemble", "online", "makeup")
SCOPES = (("This lesson only", "this"), ("This and following lessons", "following"),
          ("The whole series", "all"))  # fmt: skip
ACTIONS = (("in_progress", "Check &in"), ("completed", "Co&mplete"), ("no_show", "&No-show"),
           ("cancel", "&Cancel lesson…"), ("reopen", "Reopen"), ("delete", "Delete"))  # fmt: skip
TELL_DESK = (("tell", "Tell the des&k"),)


class KnownStudent(NamedTuple):
    """An existing lesson's student, shown as chosen in the picker (no lookup needed)."""

    id: uuid.UUID
    name: str


def closest_students(found: tuple[Any, ...], typed: str) -> tuple[Any, ...]:
    """The roster's search forgives typos ("Isak" finds Isaac); when some names contain what
    was typed, only those are offered ("Isaac Co" is Isaac Cox alone, chosen at once)."""
    plain = typed.strip().casefold()
    contained = tuple(s for s in found if plain and plain in s.name.casefold())
    return contained or found


def student_label(student: Any) -> str:
    """How the picker lists a student: name, instrument and own teacher."""
    about = [
        x for x in (getattr(student, "instrument", ""), getattr(student, "teacher_name", "")) if x
    ]
    return f"{student.name}  ({', '.join(about)})" if about else str(student.name)


class LessonDialog(QDialog):
    """`changed` is emitted after any saved change; the tab reloads its week. `said` is the
    one line the window's status bar shows about it; `lesson_saved` the lesson as saved."""

    changed = Signal()
    said = Signal(str)
    lesson_saved = Signal(object)  # the LessonDetail booked or changed

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
        self.resize(560, 580)
        # A booking's teacher follows the chosen student's own teacher, unless the desk
        # booked in a teacher's column or chose the teacher by hand.
        self._teacher_given = teacher_id is not None
        tabs = QTabWidget(self)
        tabs.addTab(self._form_page(), "&Lesson")
        self.status_label = QLabel("", self)
        self.status_label.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Close, self
        )
        self.buttons.accepted.connect(self.save)
        # Set once the desk has read why the time is outside hours and saves again.
        self.outside_confirmed = False
        self.buttons.rejected.connect(self.reject)
        actions = self._action_row()
        if detail is not None:
            tabs.addTab(self._notes_page(), "Notes and &goals")
        layout = QVBoxLayout(self)
        layout.addWidget(self.status_label)
        layout.addWidget(tabs, 1)
        layout.addLayout(actions)
        layout.addWidget(self.buttons)

        self.student.chosen_changed.connect(self._student_chosen)
        self.teacher.activated.connect(self._teacher_chosen_by_hand)
        self._fill(start, teacher_id, room_id)
        self.student.setFocus()  # a booking starts with who comes; the teacher follows

    def _form_page(self) -> QWidget:
        """The lesson's fields, each with its Alt key on its label."""
        page = QWidget(self)
        self.errors = FieldErrors()
        self._make_fields(self.choices)
        self._lay_out_form(QFormLayout(page))
        return page

    def _make_fields(self, choices: BookingChoices) -> None:
        """The booking's fields: the student looked up as typed, the studio's teachers, bands
        and rooms from the lists."""

        def combo(items: tuple[Any, ...], none: str | None) -> QComboBox:
            box = QComboBox(self)
            if none is not None:
                box.addItem(none, None)
            for c in items:
                box.addItem(f"{c.name}  ({c.detail})" if c.detail else c.name, c.id)
            return box

        roster, actor = self.services.roster, self.actor
        self.student = PersonPicker(
            self.runner,
            self.presenter,
            lambda typed: closest_students(
                roster.students(actor, search=typed, limit=20).rows, typed
            ),
            student_label,
            self,
        )
        self.student.edit.setPlaceholderText("type a student's name (a typo is fine)")
        self.teacher = combo(choices.teachers, None)
        self.band = combo(choices.bands, "— none —")
        self.room = combo(choices.rooms, "— none —")
        self.kind = QComboBox(self)
        for t in TYPES:
            self.kind.addItem("make-up" if t == "makeup" else t, t)
        self.date = DayField(self)
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("ddd d MMM yyyy")
        self.time = TimeField(self)
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
        self.until = DayField(self)
        self.until.setCalendarPopup(True)
        self.until.setDisplayFormat("ddd d MMM yyyy")
        self.scope = QComboBox(self)
        for text, value in SCOPES:
            self.scope.addItem(text, value)
        self.credits = QLabel("", self)

    def _lay_out_form(self, form: QFormLayout) -> None:
        """The fields in rows, each with the line that says what is wrong with it."""
        repeat_row = QHBoxLayout()
        repeat_row.addWidget(self.repeat, 1)
        repeat_row.addWidget(self.until_on)
        repeat_row.addWidget(self.until)

        def row(label: str, widget: QWidget | QHBoxLayout, field: str | None = None) -> None:
            err = error_label(self) if field else None
            holder = field_holder(form.parentWidget() or self, widget, err)
            if field and err is not None:
                self.errors.attach(field, holder, err)
            form.addRow(label, holder)

        row("&Student", self.student, "student_id")
        form.addRow("", self.credits)
        row("&Teacher", self.teacher, "teacher_id")
        row("&Band", self.band, "band_id")
        row("&Room", self.room, "room_id")
        row("T&ype", self.kind, "lesson_type")
        row("&Date", self.date, "start")
        row("St&arts at", self.time, "end")
        row("&Length", self.minutes, "duration_minutes")
        row("Rat&e", self.rate, "rate")
        row("L&ocation", self.location, "location")
        if self.detail is None:
            row("Re&peats", repeat_row, "end_date")
        elif self.detail.recurring_pattern_id is not None:
            row("A&pply to", self.scope, "scope")
        if self.detail is None or self.detail.recurring_pattern_id is None:
            self.scope.hide()  # not in the form: it floated over the dialog's first line
        self.form_error = error_label(self)
        form.addRow(self.form_error)
        self.errors.general = self.form_error  # what is about no one field
        show_limits(self.location, LessonInput, "location")
        show_limits(self.rate, LessonInput, "rate")
        if self.detail is None:  # a lesson on file keeps its day, however old: the schema says why
            limit_span(self.date)
            limit_span(self.until)

    # --- filling and reading the form ---------------------------------------------------

    def _fill(
        self, start: datetime | None, teacher_id: uuid.UUID | None, room_id: uuid.UUID | None
    ) -> None:
        d = self.detail
        if d is not None:
            self._select(self.teacher, d.teacher_id)
            if d.student_id is not None:
                self.student.show_chosen(KnownStudent(d.student_id, d.student_name))
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
            self._enable_actions(d)
        else:
            self.minutes.setValue(self.choices.default_minutes)
            if teacher_id is not None:
                self._select(self.teacher, teacher_id)
            if room_id is not None:
                self._select(self.room, room_id)
        start = start or datetime.now(self.zone).replace(minute=0, second=0, microsecond=0)
        local = start.astimezone(self.zone)
        self.date.setDate(QDate(local.year, local.month, local.day))
        self.time.setTime(QTime(local.hour, local.minute))
        self.until.setDate(self.date.date().addDays(7 * 12))
        self._show_credits()

    def _enable_actions(self, d: LessonDetail) -> None:
        """What can be done to the lesson now, and when a check-in opens if not yet."""
        scheduled, desk = d.status == "scheduled", self.actor.is_staff_desk
        checked_in = d.status == "in_progress"
        # Anyone checks a student in, or marks the lesson, from a quarter of an hour before
        # its start (the database refuses earlier: a check-in two days ahead left the lesson
        # stuck); booking, cancelling and deleting are the desk's (refused to a teacher's login
        # too). A check-in is never stuck: completed, a no-show, or taken back (Reopen).
        begun = may_mark(d.start)
        teacher = self.actor.role == "teacher"
        for key, button in self.action_buttons.items():
            button.setEnabled(
                {
                    "in_progress": scheduled and begun,
                    "completed": (scheduled or checked_in) and begun,
                    "no_show": (scheduled or (checked_in and not teacher)) and begun,
                    "cancel": scheduled and desk,
                    "reopen": may_reopen(self.actor, d.status),
                    "delete": d.status in ("scheduled", "cancelled") and desk,
                    "tell": True,
                }[key]
            )
        opens = marks_from(d.start).astimezone(self.zone)
        when = f"{opens:%H:%M}"
        if opens.date() != datetime.now(self.zone).date():
            when += f" on {opens:%a} {opens.day} {opens:%b}"
        for key in ("in_progress", "completed", "no_show"):
            wait = "From " + when if key == "in_progress" else "Once the lesson has started"
            self.action_buttons[key].setToolTip("" if begun else wait)
        if scheduled and not begun:
            self.status_label.setText(
                f"{self.status_label.text()}<br>You can check in from {when}."
            )
        if checked_in and may_reopen(self.actor, d.status):
            self.action_buttons["reopen"].setToolTip("Take the check-in back: scheduled again")
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(scheduled and desk)

    @staticmethod
    def _select(box: QComboBox, value: object) -> None:
        # Not findData: it compares Python objects by identity, and the lesson's ids come from
        # another query than the lists' (an existing lesson showed the first teacher, no student).
        index = next((i for i in range(box.count()) if box.itemData(i) == value), 0)
        box.setCurrentIndex(index)

    def _student_chosen(self, student: Any) -> None:
        own = getattr(student, "teacher_id", None)
        if self.detail is None and not self._teacher_given and own is not None:
            self._select(self.teacher, own)
        self._show_credits()

    def _teacher_chosen_by_hand(self, _index: int) -> None:
        self._teacher_given = True

    def _show_credits(self) -> None:
        student = self.student.person_id()
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
            "student_id": self.student.person_id(),
            "band_id": self.band.currentData(),
            "room_id": self.room.currentData(),
            "lesson_type": self.kind.currentData(),
            "start": start,
            "end": minutes_after(start, self.minutes.value()),
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

    def show_errors(self, fields: Mapping[str, str]) -> None:
        self.errors.show(fields)

    # --- saving ---------------------------------------------------------------------------

    def save(self) -> None:
        """Validates with the service's own schema first; then one call, off the GUI thread."""
        if self.student.is_searching():  # Save pressed before the student lookup came back
            self.student.settled.connect(self._save_when_settled)
            self.student.search_now()
            return
        series = self.detail is None and self.repeat.currentData() is not None
        scope: SeriesScope = (
            self.scope.currentData() if self.detail and self.detail.recurring_pattern_id else "this"
        )
        as_series = series or scope in ("following", "all")
        data: Any = (
            schema_checked(SeriesInput, self.series_input(), self.show_errors)
            if as_series
            else schema_checked(LessonInput, self.lesson_input(), self.show_errors)
        )
        if data is None:
            return
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

        self._run(
            call(False),
            retry_skipping=call(True) if as_series else None,
            describe=words.booked if detail is None else words.saved,
        )

    def _save_when_settled(self) -> None:
        self.student.settled.disconnect(self._save_when_settled)
        self.save()

    def _run(
        self,
        fn: Callable[[], Any],
        retry_skipping: Callable[[], Any] | None = None,
        describe: Callable[[LessonDetail, ZoneInfo], str] = words.marked,
    ) -> None:
        self.setEnabled(False)

        def done(result: object) -> None:
            self.setEnabled(True)
            self.said.emit(self._what_happened(result, describe))
            lesson = result[0] if isinstance(result, tuple) else result
            if isinstance(lesson, LessonDetail):
                self.lesson_saved.emit(lesson)
            self.changed.emit()
            self.accept()

        refused = refusal_handler(self.show_errors, self.presenter, self)

        def failed(exc: BaseException) -> None:
            self.setEnabled(True)
            if isinstance(exc, BookingClash) and retry_skipping is not None:
                if self.ask_skip(exc):
                    self._run(retry_skipping, describe=describe)
                return
            if isinstance(exc, NeedsConfirmation):
                self.ask_outside(exc)
                return
            refused(exc)  # under the fields, without a message box on top; else the presenter

        self.runner.run(fn, on_done=done, on_error=failed)

    def ask_outside(self, exc: NeedsConfirmation) -> None:
        """Outside hours or over an outside event: said under the form; Save again books it
        anyway (recorded with the lesson)."""
        self.outside_confirmed = True
        self.show_errors({"": f"{exc}\nSave again to book it anyway (your confirmation is kept)."})
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText("Book &anyway")

    def _what_happened(
        self, result: object, describe: Callable[[LessonDetail, ZoneInfo], str]
    ) -> str:
        if isinstance(result, LessonDetail):
            return describe(result, self.zone)
        if isinstance(result, tuple):  # a cancellation and the credit it earned
            return words.cancelled(result[0], result[1], self.zone)
        if isinstance(result, SeriesResult):
            skipped = len(result.skipped) + result.closures_skipped
            left = f", {skipped} skipped (clashes or closures)" if skipped else ""
            return f"Booked {result.created} lesson{'' if result.created == 1 else 's'}{left}."
        if self.detail is not None:  # deleted
            return words.deleted(self.detail, self.zone)
        return ""

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
        """Check in, Complete, No-show, Cancel, Reopen, Delete; a teacher's Tell the desk."""
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
            menu.addAction(title, partial(self.tell_desk, kind))
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
            self._ask_to_cancel()
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

    def _ask_to_cancel(self) -> None:
        """The reason and who it is for in one form; then what it did, with its credit."""
        assert self.detail is not None
        d = self.detail
        about = f"{words.who(d)} with {d.teacher_name}, {words.when(d, self.zone)}."
        form = CancelLessonDialog(about, self)
        self.cancel_form = form
        sched, actor, lesson_id = self.services.scheduling, self.actor, d.id

        def cancel() -> tuple[LessonDetail, CreditRow | None]:
            done = sched.cancel(actor, lesson_id, form.cancel_input())
            earned = sched.credits(actor, done.student_id) if done.student_id is not None else ()
            return done, next((c for c in earned if c.source_lesson_id == lesson_id), None)

        def answered(result: int) -> None:
            if result == QDialog.DialogCode.Accepted:
                self._run(cancel)

        form.finished.connect(answered)
        form.open()
        self.runner.run(
            self.services.studio.info,
            actor,
            on_done=lambda info: self._foresee_credit(form, info.settings),
            on_error=lambda _exc: None,  # the policy in general stays; the result says it all
        )

    def _foresee_credit(self, form: CancelLessonDialog, settings: StudioSettings) -> None:
        """The cancel form says what cancelling now does about a credit, for whom it is for."""
        detail, zone = self.detail, self.zone
        if detail is None or not shiboken6.isValid(form) or not form.isVisible():
            return
        form.foresee(
            lambda party: words.credit_forecast(detail, party, settings, datetime.now(UTC), zone)
        )

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
        if not (can(self.actor, "teaching") or self.actor.is_admin):
            # The desk reads a lesson's note; its teacher or an admin writes it (the service
            # refused the desk's save only after it had typed the whole note).
            for box in (self.summary, self.homework):
                box.setReadOnly(True)
            self.topics.setReadOnly(True)
            for widget in (self.to_student, self.to_parent, self.plan):
                widget.setEnabled(False)
            save.hide()
            form.addRow(QLabel("The lesson's teacher or an admin writes its note.", page))
        assert self.detail is not None
        sched, actor, d = self.services.scheduling, self.actor, self.detail
        self.runner.run(
            sched.lesson_note, actor, d.id, on_done=self._show_note, on_error=lambda _e: None
        )
        if d.student_id is not None:
            self.runner.run(
                sched.goals, actor, d.student_id, on_done=self._show_goals, on_error=lambda _e: None
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
