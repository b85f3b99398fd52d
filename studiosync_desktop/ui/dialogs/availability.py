"""Working hours (the week and dated exceptions) and outside calendars, from the Calendar tab."""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import available_timezones

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studiosync_desktop.schemas.availability import (
    WEEKDAY_NAMES,
    ExceptionRow,
    FeedRow,
    WeekHours,
)
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.schemas.rows import LessonRow
from studiosync_desktop.schemas.scheduling import BookingChoices
from studiosync_desktop.services.container import Services
from studiosync_desktop.ui.documents import ask_open_path
from studiosync_desktop.ui.error_presenter import ErrorPresenter
from studiosync_desktop.ui.field_limits import limit_span
from studiosync_desktop.ui.task_runner import TaskRunner
from studiosync_desktop.ui.widgets import DayField, error_label
from studiosync_desktop.zones import local


def parse_ranges(text: str) -> list[dict[str, str]]:
    """ "09:00-12:00, 13:00-17:00" as ranges (the schema checks them); "" is none."""
    out = []
    for part in text.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        start, _, end = part.partition("-")
        out.append({"start": start.strip(), "end": end.strip()})
    return out


def _date_edit(parent: QWidget, day: date) -> QDateEdit:
    edit = DayField(QDate(day.year, day.month, day.day), parent)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("ddd d MMM yyyy")
    limit_span(edit)
    return edit


# Each day's Alt key, none taken twice in the dialog (&Teacher, &From, R&eason, &Save…).
WEEKDAY_LABELS = {
    "Monday": "&Monday",
    "Tuesday": "T&uesday",
    "Wednesday": "&Wednesday",
    "Thursday": "T&hursday",
    "Friday": "Fri&day",
    "Saturday": "Saturda&y",
    "Sunday": "Su&nday",
}


class HoursDialog(QDialog):
    """A teacher's working week, one line a day, and their dated exceptions (time off)."""

    changed = Signal()
    loaded = Signal()
    open_lesson = Signal(object)  # a lesson to move: the calendar opens it

    def __init__(
        self,
        services: Services,
        actor: Actor,
        runner: TaskRunner,
        presenter: ErrorPresenter,
        choices: BookingChoices,
        today: date,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Working hours")
        self.services, self.actor, self.runner, self.presenter = services, actor, runner, presenter
        self.affected: tuple[LessonRow, ...] = ()
        self.last_reason = ""  # the reason of the time off just added: the cancellations'
        self.teacher = QComboBox(self)
        for c in choices.teachers:
            self.teacher.addItem(c.name, c.id)
        self.teacher.currentIndexChanged.connect(self.load)
        self.days: list[QLineEdit] = []
        week = QFormLayout()
        week.addRow("&Teacher", self.teacher)
        for name in WEEKDAY_NAMES:
            edit = QLineEdit(self)
            edit.setPlaceholderText("not working (e.g. 09:00-12:00, 13:00-17:00)")
            edit.setAccessibleName(f"{name} hours")
            edit.setEnabled(False)  # until the teacher's week is read (typing is not lost)
            self.days.append(edit)
            week.addRow(WEEKDAY_LABELS[name], edit)
        # Their own zone: an outside calendar's floating times are read in it.
        self.zone = QComboBox(self)
        self.zone.setEditable(True)
        self.zone.addItem("")
        self.zone.addItems(sorted(available_timezones()))
        zone_edit = self.zone.lineEdit()
        assert zone_edit is not None  # an editable box has one
        zone_edit.setPlaceholderText("the studio's (type e.g. Europe/Berlin)")
        self.zone.setToolTip("Floating times in this teacher's outside calendars are read here")
        self.zone.setEnabled(False)
        week.addRow("Time &zone", self.zone)
        self.week_error = error_label(self)
        self.save_week = QPushButton("&Save the week", self)
        self.save_week.clicked.connect(self.save)
        self.first, self.last = _date_edit(self, today), _date_edit(self, today)
        self.other_hours = QLineEdit(self)
        self.other_hours.setPlaceholderText("empty: time off; or other hours, e.g. 14:00-18:00")
        self.reason = QLineEdit(self)
        self.reason.setPlaceholderText("e.g. On tour")
        self.add = QPushButton("&Add", self)
        self.add.clicked.connect(self.add_exception)
        self.exceptions = QListWidget(self)
        self.exceptions.setAccessibleName("Dated exceptions")
        self.remove = QPushButton("&Remove the selected", self)
        self.remove.clicked.connect(self.remove_exception)
        self.exception_error = error_label(self)
        self.outside = QListWidget(self)
        self.outside.setAccessibleName("Lessons now outside working hours")
        self.outside_label = QLabel("", self)
        self.outside_label.setWordWrap(True)
        self.cancel_them = QPushButton("&Cancel these lessons (the studio's doing)", self)
        self.cancel_them.clicked.connect(self.cancel_outside)
        self.open_one = QPushButton("&Open the selected lesson to move it", self)
        self.open_one.clicked.connect(self.open_selected)
        self._lay_out(week)
        self._show_outside(())
        if actor.role == "teacher":
            self.runner.run(services.availability.own_teacher, actor, on_done=self._only_own)
        else:
            self.load()

    def _lay_out(self, week: QFormLayout) -> None:
        layout = QVBoxLayout(self)
        layout.addLayout(week)
        layout.addWidget(self.week_error)
        layout.addWidget(self.save_week)
        box = QGroupBox("Dated exceptions: time off, or other hours for some days", self)
        form = QFormLayout(box)
        span = QHBoxLayout()
        span.addWidget(self.first)
        span.addWidget(QLabel("to", box))
        span.addWidget(self.last)
        first_label = QLabel("&From", box)
        first_label.setBuddy(self.first)  # Alt+F reaches the first day
        form.addRow(first_label, span)
        form.addRow("Hours &instead", self.other_hours)
        form.addRow("R&eason", self.reason)
        form.addRow("", self.add)
        form.addRow(self.exception_error)
        form.addRow(self.exceptions)
        form.addRow("", self.remove)
        layout.addWidget(box)
        layout.addWidget(self.outside_label)
        layout.addWidget(self.outside)
        buttons = QHBoxLayout()
        buttons.addWidget(self.cancel_them)
        buttons.addWidget(self.open_one)
        layout.addLayout(buttons)
        self.resize(620, 760)

    def _only_own(self, teacher_id: uuid.UUID | None) -> None:
        for i in reversed(range(self.teacher.count())):
            if self.teacher.itemData(i) != teacher_id:
                self.teacher.removeItem(i)
        self.load()

    @property
    def teacher_id(self) -> uuid.UUID | None:
        value = self.teacher.currentData()
        return value if isinstance(value, uuid.UUID) else None

    def load(self) -> None:
        teacher = self.teacher_id
        if teacher is None:
            return
        for edit in self.days:
            edit.setEnabled(False)
        svc = self.services.availability

        def read() -> tuple[WeekHours, tuple[ExceptionRow, ...], str | None]:
            return (
                svc.week_hours(self.actor, teacher),
                svc.exceptions(self.actor, teacher),
                svc.teacher_zone(self.actor, teacher),
            )

        self.runner.run(read, on_done=self._show, on_error=self._failed)

    def _show(self, found: tuple[WeekHours, tuple[ExceptionRow, ...], str | None]) -> None:
        week, exceptions, zone = found
        self.zone.setCurrentText(zone or "")
        self.zone.setEnabled(True)
        for edit, ranges in zip(self.days, week.days, strict=True):
            edit.setText(", ".join(r.label() for r in ranges))
            edit.setEnabled(True)
        self.exceptions.clear()
        for e in exceptions:
            item = QListWidgetItem(e.describe(), self.exceptions)
            item.setData(Qt.ItemDataRole.UserRole, e.id)
        self.loaded.emit()

    def _failed(self, exc: BaseException) -> None:
        fields = self.presenter.present(exc, parent=self, inline=True)
        if fields:
            self.week_error.setText("\n".join(v for v in fields.values() if v))
            self.week_error.setVisible(True)

    def save(self) -> None:
        teacher = self.teacher_id
        if teacher is None:
            return
        week = {"days": [parse_ranges(e.text()) for e in self.days]}
        zone = self.zone.currentText().strip()
        if zone and zone not in available_timezones():  # said before anything is saved
            self.week_error.setText(f"{zone} is not a time zone (e.g. Europe/Berlin).")
            self.week_error.setVisible(True)
            return
        self.week_error.setVisible(False)
        svc, actor = self.services.availability, self.actor

        def work() -> None:
            svc.set_week_hours(actor, teacher, week)
            svc.set_teacher_zone(actor, teacher, zone)

        def done(_result: object) -> None:
            self.changed.emit()
            self.load()

        self.runner.run(work, on_done=done, on_error=self._failed)

    def add_exception(self) -> None:
        teacher = self.teacher_id
        if teacher is None:
            return
        data = {
            "teacher_id": teacher,
            "first_day": self.first.date().toPython(),
            "last_day": self.last.date().toPython(),
            "hours": parse_ranges(self.other_hours.text()),
            "reason": self.reason.text(),
        }
        self.exception_error.setVisible(False)

        def done(result: tuple[ExceptionRow, tuple[LessonRow, ...]]) -> None:
            self.last_reason = result[0].reason
            self.reason.clear()
            self.other_hours.clear()
            self._show_outside(result[1])
            self.changed.emit()
            self.load()

        def failed(exc: BaseException) -> None:
            fields = self.presenter.present(exc, parent=self, inline=True)
            if fields:
                self.exception_error.setText("\n".join(v for v in fields.values() if v))
                self.exception_error.setVisible(True)

        self.runner.run(
            self.services.availability.add_exception, self.actor, data,
            on_done=done, on_error=failed,
        )  # fmt: skip

    def remove_exception(self) -> None:
        item = self.exceptions.currentItem()
        if item is None:
            return
        exception_id = item.data(Qt.ItemDataRole.UserRole)
        self.runner.run(
            self.services.availability.remove_exception, self.actor, exception_id,
            on_done=self._removed, on_error=self._failed,
        )  # fmt: skip

    def _removed(self, _result: object) -> None:
        self.changed.emit()
        self.load()

    def _show_outside(self, lessons: tuple[LessonRow, ...]) -> None:
        self.affected = lessons
        self.outside.clear()
        for r in lessons:
            start = local(r.start, self.actor.timezone)
            text = f"{start:%a %d %b %H:%M} {r.student_name or r.room_name}"
            item = QListWidgetItem(text, self.outside)
            item.setData(Qt.ItemDataRole.UserRole, r.id)
        desk = self.actor.is_staff_desk
        self.outside_label.setText(
            f"{len(lessons)} booked lesson(s) fall outside the hours now: cancel them (students"
            " get make-up credits as the studio's policy says) or open one to move it."
            if lessons
            else ""
        )
        for w in (self.outside, self.outside_label, self.cancel_them, self.open_one):
            w.setVisible(bool(lessons))
        self.cancel_them.setEnabled(desk)

    def cancel_outside(self) -> None:
        ids = [r.id for r in self.affected]
        reason = self.last_reason or "The teacher is away"

        def done(_result: Any) -> None:
            self._show_outside(())
            self.changed.emit()

        self.runner.run(
            self.services.availability.cancel_for_time_off, self.actor, ids, reason,
            on_done=done, on_error=self._failed,
        )  # fmt: skip

    def open_selected(self) -> None:
        item = self.outside.currentItem() or self.outside.item(0)
        if item is not None:
            self.open_lesson.emit(item.data(Qt.ItemDataRole.UserRole))


class FeedsDialog(QDialog):
    """Outside calendars: add by address or file, turn on or off, sync now, see errors."""

    changed = Signal()
    loaded = Signal()

    def __init__(
        self,
        services: Services,
        actor: Actor,
        runner: TaskRunner,
        presenter: ErrorPresenter,
        choices: BookingChoices,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Outside calendars")
        self.services, self.actor, self.runner, self.presenter = services, actor, runner, presenter
        self.rows: tuple[FeedRow, ...] = ()
        self.list = QListWidget(self)
        self.list.setAccessibleName("Outside calendars")
        self.name = QLineEdit(self)
        self.name.setPlaceholderText("e.g. Maya's gigs")
        self.url = QLineEdit(self)
        self.url.setPlaceholderText("https://… or webcal://… (the calendar's secret address)")
        self.owner = QComboBox(self)
        if actor.role != "teacher":
            self.owner.addItem("Whole studio (e.g. holidays)", None)
        for c in choices.teachers:
            self.owner.addItem(c.name, ("teacher", c.id))
        if actor.role != "teacher":
            for c in choices.rooms:
                self.owner.addItem(f"Room: {c.name}", ("room", c.id))
        self.error = error_label(self)
        add = QPushButton("&Add by address", self)
        add.clicked.connect(self.add_url)
        from_file = QPushButton("&Import a file…", self)
        from_file.clicked.connect(self.add_file)
        self.sync = QPushButton("&Sync now", self)
        self.sync.clicked.connect(self.sync_now)
        self.toggle = QPushButton("Turn &on/off", self)
        self.toggle.clicked.connect(self.toggle_selected)
        self.remove = QPushButton("&Remove", self)
        self.remove.clicked.connect(self.remove_selected)
        form = QFormLayout()
        form.addRow("&Name", self.name)
        form.addRow("A&ddress", self.url)
        form.addRow("&Whose", self.owner)
        adding = QHBoxLayout()
        adding.addWidget(add)
        adding.addWidget(from_file)
        form.addRow("", adding)
        actions = QHBoxLayout()
        for b in (self.sync, self.toggle, self.remove):
            actions.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addWidget(self.list, 1)
        layout.addLayout(actions)
        layout.addLayout(form)
        layout.addWidget(self.error)
        self.resize(680, 520)
        self.load()

    def load(self) -> None:
        self.runner.run(
            self.services.calendars.feeds, self.actor, on_done=self._show, on_error=self._failed
        )

    def _show(self, rows: tuple[FeedRow, ...]) -> None:
        self.rows = rows
        keep = self.list.currentRow()
        self.list.clear()
        for r in rows:
            state = "on" if r.enabled else "off"
            synced = (
                f"synced {local(r.last_synced_at, self.actor.timezone):%a %d %b %H:%M},"
                f" {r.event_count} busy times"
                if r.last_synced_at
                else "never synced"
            )
            source = "from a file" if r.from_file else synced
            if r.has_address and not r.url:  # a teacher's secret address: not this desk's
                source += " (synced on the teacher's or an administrator's desk)"
            line = f"{r.name} · {r.owner} · {state} · {source}"
            if r.last_error:
                line += f"\n    Last try failed: {r.last_error}"
            QListWidgetItem(line, self.list)
        self.list.setCurrentRow(min(max(keep, 0), len(rows) - 1))
        self.loaded.emit()

    def _failed(self, exc: BaseException) -> None:
        fields = self.presenter.present(exc, parent=self, inline=True)
        if fields:
            self.error.setText("\n".join(v for v in fields.values() if v))
            self.error.setVisible(True)

    def _owner(self) -> dict[str, Any]:
        owner = self.owner.currentData()
        if owner is None:
            return {}
        kind, value = owner
        return {"teacher_id": value} if kind == "teacher" else {"room_id": value}

    def _selected(self) -> FeedRow | None:
        row = self.list.currentRow()
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def _after_change(self, _result: object = None) -> None:
        self.error.setVisible(False)
        self.changed.emit()
        self.load()

    def add_url(self) -> None:
        data = {"name": self.name.text() or "Calendar", "url": self.url.text(), **self._owner()}
        calendars, actor = self.services.calendars, self.actor

        def add_and_sync() -> object:
            feed = calendars.add_feed(actor, data)
            return calendars.sync(actor, [feed.id])

        self.runner.run(add_and_sync, on_done=self._after_change, on_error=self._failed)

    def add_file(self) -> None:
        path = ask_open_path(self, "Import a calendar", "iCalendar (*.ics)")
        if path:
            self.import_path(path)

    def import_path(self, path: Path) -> None:
        data = {"name": self.name.text() or path.stem, **self._owner()}
        self.runner.run(
            lambda: self.services.calendars.import_file(self.actor, data, path.read_bytes()),
            on_done=self._after_change, on_error=self._failed,
        )  # fmt: skip

    def sync_now(self) -> None:
        feed = self._selected()
        ids = [feed.id] if feed is not None else None
        self.runner.run(
            self.services.calendars.sync, self.actor, ids,
            on_done=self._after_change, on_error=self._failed,
        )  # fmt: skip

    def toggle_selected(self) -> None:
        feed = self._selected()
        if feed is not None:
            self.runner.run(
                self.services.calendars.set_enabled, self.actor, feed.id, not feed.enabled,
                on_done=self._after_change, on_error=self._failed,
            )  # fmt: skip

    def remove_selected(self) -> None:
        feed = self._selected()
        if feed is not None:
            self.runner.run(
                self.services.calendars.remove_feed, self.actor, feed.id,
                on_done=self._after_change, on_error=self._failed,
            )  # fmt: skip
