"""Row DTOs of the five main tabs: flat, frozen, built inside the service's session."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from studiosync_desktop.schemas.common import Frozen
from studiosync_desktop.vocabulary import lending_refusal

PayerKind = Literal["family", "band", "student"]


class LessonRow(Frozen):
    id: uuid.UUID
    start: datetime
    end: datetime
    teacher_id: uuid.UUID
    teacher_name: str
    # The student's name, or the band's when the lesson teaches a band ('' for a room-only slot).
    student_name: str
    room_name: str
    status: str
    lesson_type: str
    rate: Decimal
    # For the calendar grid (day view per room, filters); defaults keep older callers working.
    room_id: uuid.UUID | None = None
    student_id: uuid.UUID | None = None
    band_id: uuid.UUID | None = None
    # The student's instrument ("Band" for a band's lesson): the calendar colours by it.
    instrument: str = ""


class StudentRow(Frozen):
    id: uuid.UUID
    name: str
    email: str
    phone: str
    instrument: str
    family_name: str
    teacher_name: str
    is_active: bool
    teacher_id: uuid.UUID | None = None  # their own teacher: a booking follows it
    photo: bytes | None = None  # the list-sized copy (64 px JPEG), when they have a photo


class InvoiceRow(Frozen):
    id: uuid.UUID
    number: str | None
    payer_name: str
    payer_kind: PayerKind
    status: str
    issue_date: date | None
    due_date: date | None
    total: Decimal
    amount_paid: Decimal
    balance: Decimal
    is_overdue: bool


class ItemRow(Frozen):
    id: uuid.UUID
    name: str
    category: str
    quantity: int
    available_quantity: int
    condition: str
    status: str
    location: str
    serial_number: str
    value: Decimal
    is_low_stock: bool
    is_borrowable: bool

    @property
    def lending_refusal(self) -> str:
        """Why it can't be lent now ("" when it can)."""
        return lending_refusal(self.name, self.status, self.is_borrowable, self.available_quantity)


class ReservationRow(Frozen):
    id: uuid.UUID
    room_id: uuid.UUID
    room_name: str
    person_name: str
    start: datetime
    end: datetime
    status: str
    total_cost: Decimal
    is_paid: bool


class RoomRow(Frozen):
    id: uuid.UUID
    name: str
    capacity: int
    hourly_rate: Decimal
    is_active: bool


class RoomDay(Frozen):
    """One day of the practice rooms: the rooms, their reservations and the lessons using them."""

    day: date
    rooms: tuple[RoomRow, ...]
    reservations: tuple[ReservationRow, ...]
    lessons: tuple[LessonRow, ...]
