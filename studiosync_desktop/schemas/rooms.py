"""Practice rooms and their reservations: forms, the cost quote, free slots, unbilled bookings."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Literal

from pydantic import Field, field_validator, model_validator

from studiosync_desktop.money import round_cents
from studiosync_desktop.schemas.common import Frozen, Input

MAX_RESERVATION = timedelta(hours=12)
ReservationStatus = Literal["pending", "confirmed", "cancelled", "completed", "no_show"]

# Which status a reservation may move to from which (cancelled may be restored to pending).
STATUS_MOVES: dict[str, tuple[str, ...]] = {
    "pending": ("confirmed", "cancelled", "no_show"),
    "confirmed": ("cancelled", "completed", "no_show", "pending"),
    "cancelled": ("pending", "confirmed"),
    "completed": ("confirmed",),
    "no_show": ("confirmed", "completed"),
}


def reservation_cost(hourly_rate: Decimal, start: datetime, end: datetime) -> Decimal:
    """Duration x hourly rate, rounded half-up to the cent (the database computes the same)."""
    seconds = Decimal(int((end - start).total_seconds()))
    return round_cents(hourly_rate * seconds / Decimal(3600))


class RoomForm(Input):
    name: str = Field(min_length=1, max_length=100)
    capacity: int = Field(default=1, ge=1, le=1000)
    description: str = Field(default="", max_length=2000)
    equipment: str = Field(default="", max_length=2000)
    hourly_rate: Decimal = Field(default=Decimal("0"), ge=0, max_digits=12, decimal_places=2)
    is_active: bool = True


class RoomDetail(Frozen):
    id: uuid.UUID
    name: str
    capacity: int
    description: str
    equipment: str
    hourly_rate: Decimal
    is_active: bool

    def as_form(self) -> RoomForm:
        return RoomForm.model_validate(self.model_dump(exclude={"id"}))


class ReservationForm(Input):
    """A booking made at the desk on a person's behalf; times are timezone-aware."""

    room_id: uuid.UUID
    person_id: uuid.UUID
    start: datetime
    end: datetime
    status: Literal["pending", "confirmed"] = "confirmed"
    notes: str = Field(default="", max_length=2000)

    @field_validator("start", "end")
    @classmethod
    def _aware(cls, v: datetime) -> datetime:
        if v.tzinfo is None:
            raise ValueError("A time needs its time zone")
        return v

    @model_validator(mode="after")
    def _order(self) -> ReservationForm:
        if self.end <= self.start:
            raise ValueError("The end must be after the start.")
        if self.end - self.start > MAX_RESERVATION:
            raise ValueError("A reservation lasts 12 hours at most.")
        return self


class CostQuote(Frozen):
    room_name: str
    minutes: int
    hourly_rate: Decimal
    cost: Decimal


class FreeSlot(Frozen):
    room_id: uuid.UUID
    room_name: str
    start: datetime
    end: datetime
    cost: Decimal


class UnbilledReservation(Frozen):
    """A confirmed or completed reservation, unpaid and on no invoice yet: for billing."""

    id: uuid.UUID
    room_name: str
    person_id: uuid.UUID
    person_name: str
    student_id: uuid.UUID | None
    family_id: uuid.UUID | None
    start: datetime
    end: datetime
    total_cost: Decimal
