"""Room dialogs: add or edit a practice room; book one, with the cost shown before saving."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDate, QTime
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QWidget,
)

from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.schemas.rooms import (
    FreeSlot,
    ReservationForm,
    RoomDetail,
    RoomForm,
    reservation_cost,
)
from studiosync_desktop.services.container import Services
from studiosync_desktop.ui.dialogs.form_dialog import FormDialog
from studiosync_desktop.ui.error_presenter import ErrorPresenter
from studiosync_desktop.ui.table_model import money
from studiosync_desktop.ui.task_runner import TaskRunner
from studiosync_desktop.ui.widgets import PersonPicker, TimeField
from studiosync_desktop.zones import minutes_after


class RoomDialog(FormDialog):
    def __init__(
        self,
        services: Services,
        actor: Actor,
        runner: TaskRunner,
        presenter: ErrorPresenter,
        room: RoomDetail | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            "New practice room" if room is None else f"Edit {room.name}",
            RoomForm,
            runner,
            presenter,
            parent,
        )
        f = room.as_form() if room is not None else RoomForm(name="x")
        self.name = self.form.text("name", "&Name", "" if room is None else f.name)
        self.form.number("capacity", "&Capacity (people)", f.capacity, 1, 1000)
        self.form.money("hourly_rate", "Hourly &rate", f.hourly_rate)
        self.form.text("equipment", "&Equipment", f.equipment, "e.g. upright piano, music stand")
        self.form.notes("description", "&Description", f.description)
        self.form.flag("is_active", "", f.is_active, "&In use (can be booked)")
        rooms = services.rooms
        if room is None:
            self.form.save = lambda form: rooms.create_room(actor, form)
        else:
            room_id = room.id
            self.form.save = lambda form: rooms.update_room(actor, room_id, form)
        self.name.setFocus()


class ReservationDialog(FormDialog):
    """Book a room for someone: the cost updates as the room and times change."""

    def __init__(
        self,
        services: Services,
        actor: Actor,
        runner: TaskRunner,
        presenter: ErrorPresenter,
        rooms: Sequence[RoomDetail],
        zone: ZoneInfo,
        day: date,
        start: time = time(10, 0),
        minutes: int = 60,
        room_id: object = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("Book a practice room", ReservationForm, runner, presenter, parent)
        self.services, self.actor, self.zone = services, actor, zone
        self.rooms = [r for r in rooms if r.is_active]
        self.room = QComboBox(self)
        for r in self.rooms:
            self.room.addItem(f"{r.name}  ({money(r.hourly_rate)}/h, {r.capacity} people)", r.id)
        if room_id is not None:
            ids = [r.id for r in self.rooms]
            if room_id in ids:
                self.room.setCurrentIndex(ids.index(room_id))  # type: ignore[arg-type]
        self.form.add("room_id", "&Room", self.room, self.room.currentData)
        rooms_service = services.rooms
        self.person = PersonPicker(
            runner,
            presenter,
            lambda typed: rooms_service.people(actor, typed),
            lambda p: f"{p.name}  ·  {p.email}",
            self,
        )
        self.form.add("person_id", "&For", self.person, self.person.person_id)
        self.day = self.form.calendar_day("day", "&Day", day, sent=False)  # in start and end
        self.start_time = TimeField(self)
        self.start_time.setTime(QTime(start.hour, start.minute))
        self.form.add("start", "&Start", self.start_time, self._start)
        self.length = QSpinBox(self)
        self.length.setRange(15, 12 * 60)
        self.length.setSingleStep(15)
        self.length.setSuffix(" min")
        self.length.setValue(minutes)
        self.form.add("end", "&Length", self.length, self._end)
        self.form.choice("status", "S&tatus", ("confirmed", "pending"), "confirmed")
        self.form.notes("notes", "Notes", "")
        self.cost = QLabel(self)
        self.cost.setObjectName("cost")
        font = self.cost.font()
        font.setBold(True)
        self.cost.setFont(font)
        self.form.add_row("Cost", self.cost)
        # The next free slots of the wanted length, from the chosen day and time.
        finder = QHBoxLayout()
        self.find_button = QPushButton("Find &next free slots", self)
        self.find_button.clicked.connect(self.find_slots)
        finder.addWidget(self.find_button)
        finder.addStretch(1)
        self.form.add_row("", finder)
        self.slots = QListWidget(self)
        self.slots.setMaximumHeight(110)
        self.slots.hide()
        self.slots.itemActivated.connect(self._pick)
        self.slots.itemDoubleClicked.connect(self._pick)
        self.form.add_row("", self.slots)
        for signal in (
            self.room.currentIndexChanged,
            self.start_time.timeChanged,
            self.length.valueChanged,
        ):
            signal.connect(lambda *_a: self._update_cost())
        self.day.dateChanged.connect(lambda *_a: self._update_cost())
        self.form.save = lambda form: rooms_service.reserve(actor, form)
        self._update_cost()
        self.person.setFocus()

    # --- values -------------------------------------------------------------------------------

    def _start(self) -> datetime:
        t = self.start_time.time()
        d = self.day.date()
        return datetime(d.year(), d.month(), d.day(), t.hour(), t.minute(), tzinfo=self.zone)

    def _end(self) -> datetime:
        return minutes_after(self._start(), self.length.value())

    def _update_cost(self) -> None:
        index = self.room.currentIndex()
        if index < 0:
            self.cost.setText("Choose a room")
            return
        room = self.rooms[index]
        cost = reservation_cost(room.hourly_rate, self._start(), self._end())
        self.cost.setText(
            f"{money(cost)}  ({self.length.value()} min at {money(room.hourly_rate)} an hour)"
        )

    # --- people and free slots -------------------------------------------------------------------

    def find_slots(self) -> None:
        service, actor = self.services.rooms, self.actor
        minutes, after = self.length.value(), self._start()
        self.runner.run(
            lambda: service.next_free_slots(actor, minutes, after=after),
            on_done=self._show_slots,
            on_error=lambda exc: self.presenter.present(exc, parent=self),
            key=f"slots:{id(self)}",
        )

    def _show_slots(self, slots: tuple[FreeSlot, ...]) -> None:
        self.slots.clear()
        for slot in slots:
            a, b = slot.start.astimezone(self.zone), slot.end.astimezone(self.zone)
            item = QListWidgetItem(
                f"{a:%a %d %b  %H:%M}-{b:%H:%M}   {slot.room_name}   {money(slot.cost)}"
            )
            item.setData(256, slot)
            self.slots.addItem(item)
        if not slots:
            self.slots.addItem("No free slot of this length in the next 7 days.")
        self.slots.show()
        self.slots.setFocus()
        self.slots.setCurrentRow(0)

    def _pick(self, item: QListWidgetItem) -> None:
        slot = item.data(256)
        if not isinstance(slot, FreeSlot):
            return
        ids = [r.id for r in self.rooms]
        if slot.room_id in ids:
            self.room.setCurrentIndex(ids.index(slot.room_id))
        local = slot.start.astimezone(self.zone)
        self.day.setDate(QDate(local.year, local.month, local.day))
        self.start_time.setTime(QTime(local.hour, local.minute))
        self.person.setFocus()
