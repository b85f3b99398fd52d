"""Lending and rooms: inventory items, checkout logs, practice rooms and room reservations."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text, UniqueConstraint, func, text
from sqlalchemy.dialects.postgresql import TSTZRANGE, UUID, ExcludeConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.schema import CheckConstraint

from studiosync_desktop.models.base import (
    Base,
    IdMixin,
    StudioOwnedMixin,
    TimestampMixin,
    one_of,
)
from studiosync_desktop.vocabulary import (
    CHECKOUT_STATUSES,
    ITEM_CATEGORIES,
    ITEM_CONDITIONS,
    ITEM_STATUSES,
    RESERVATION_STATUSES,
)


class InventoryItem(IdMixin, TimestampMixin, StudioOwnedMixin, Base):
    __tablename__ = "inventory_items"

    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(20), server_default="other")
    quantity: Mapped[int] = mapped_column(server_default=text("1"))
    available_quantity: Mapped[int] = mapped_column(server_default=text("1"))
    low_stock_threshold: Mapped[int] = mapped_column(server_default=text("2"))
    condition: Mapped[str] = mapped_column(String(20), server_default="good")
    status: Mapped[str] = mapped_column(String(20), server_default="available")
    location: Mapped[str] = mapped_column(String(200), server_default="")
    value: Mapped[Decimal] = mapped_column(server_default=text("0"))
    serial_number: Mapped[str] = mapped_column(String(100), server_default="")
    is_borrowable: Mapped[bool] = mapped_column(server_default=text("true"))
    max_checkout_days: Mapped[int] = mapped_column(server_default=text("14"))
    purchase_date: Mapped[date | None]
    last_maintenance: Mapped[date | None]
    notes: Mapped[str] = mapped_column(Text, server_default="")
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )

    __table_args__ = (
        CheckConstraint(one_of("category", ITEM_CATEGORIES), name="category_allowed"),
        CheckConstraint(one_of("condition", ITEM_CONDITIONS), name="condition_allowed"),
        CheckConstraint(one_of("status", ITEM_STATUSES), name="status_allowed"),
        CheckConstraint("quantity >= 0", name="quantity_not_negative"),
        CheckConstraint(
            "available_quantity BETWEEN 0 AND quantity", name="available_within_quantity"
        ),
        CheckConstraint("low_stock_threshold >= 0", name="threshold_not_negative"),
        CheckConstraint("value >= 0", name="value_not_negative"),
        CheckConstraint("max_checkout_days BETWEEN 1 AND 365", name="checkout_days_in_range"),
        Index("ix_inventory_items_serial_number", "studio_id", "serial_number"),
        Index("ix_inventory_items_studio_id_name", "studio_id", "name", "id"),
    )

    def is_low_stock(self) -> bool:
        return self.available_quantity <= self.low_stock_threshold


class CheckoutLog(IdMixin, TimestampMixin, StudioOwnedMixin, Base):
    """One lending of an inventory item; the borrower is a user (a student, or a teacher)."""

    __tablename__ = "checkout_logs"

    item_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("inventory_items.id", ondelete="RESTRICT"), index=True
    )
    student_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    quantity: Mapped[int] = mapped_column(server_default=text("1"))
    checkout_date: Mapped[datetime | None]
    due_date: Mapped[date | None]
    return_date: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(10), server_default="pending", index=True)
    condition_out: Mapped[str] = mapped_column(String(20), server_default="")
    condition_in: Mapped[str] = mapped_column(String(20), server_default="")
    notes: Mapped[str] = mapped_column(Text, server_default="")
    return_notes: Mapped[str] = mapped_column(Text, server_default="")
    approved_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    approved_at: Mapped[datetime | None]
    # A pending checkout that holds its stock already (the studio held stock from the request).
    held_on_request: Mapped[bool] = mapped_column(server_default=text("false"))

    item: Mapped[InventoryItem] = relationship()

    __table_args__ = (
        CheckConstraint(one_of("status", CHECKOUT_STATUSES), name="status_allowed"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint(
            "return_date IS NULL OR checkout_date IS NULL OR return_date >= checkout_date",
            name="return_after_checkout",
        ),
        Index(
            "ix_checkout_logs_studio_id_open",
            "studio_id",
            "status",
            "due_date",
            postgresql_where=text("status IN ('pending', 'approved')"),
        ),
    )


class PracticeRoom(IdMixin, TimestampMixin, StudioOwnedMixin, Base):
    """A room: booked by reservations and used by lessons alike."""

    __tablename__ = "practice_rooms"

    name: Mapped[str] = mapped_column(String(100))
    capacity: Mapped[int] = mapped_column(server_default=text("1"))
    description: Mapped[str] = mapped_column(Text, server_default="")
    equipment: Mapped[str] = mapped_column(Text, server_default="")
    hourly_rate: Mapped[Decimal] = mapped_column(server_default=text("0"))
    is_active: Mapped[bool] = mapped_column(server_default=text("true"))

    __table_args__ = (
        CheckConstraint("capacity > 0", name="capacity_positive"),
        CheckConstraint("hourly_rate >= 0", name="hourly_rate_not_negative"),
        UniqueConstraint("studio_id", "name"),
    )


# Every booking of a room, by a lesson or a reservation, kept by triggers on both tables; the
# exclusion constraint makes a double-booked room impossible whichever desk books first.
room_occupancy = Table(
    "room_occupancy",
    Base.metadata,
    Column("id", UUID(as_uuid=True), primary_key=True, server_default=func.gen_random_uuid()),
    Column("room_id", ForeignKey("practice_rooms.id", ondelete="CASCADE"), nullable=False),
    Column("during", TSTZRANGE, nullable=False),
    Column("lesson_id", ForeignKey("lessons.id", ondelete="CASCADE"), unique=True),
    Column("reservation_id", ForeignKey("room_reservations.id", ondelete="CASCADE"), unique=True),
    CheckConstraint("num_nonnulls(lesson_id, reservation_id) = 1", name="one_booking"),
    ExcludeConstraint(
        ("room_id", "="), ("during", "&&"), name="ex_room_occupancy_room_busy", using="gist"
    ),
)


class RoomReservation(IdMixin, TimestampMixin, StudioOwnedMixin, Base):
    """A practice-room booking for a person (a user: usually a student)."""

    __tablename__ = "room_reservations"

    room_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("practice_rooms.id", ondelete="RESTRICT"), index=True
    )
    student_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    start_time: Mapped[datetime] = mapped_column(index=True)
    end_time: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(10), server_default="pending")
    total_cost: Mapped[Decimal] = mapped_column(server_default=text("0"))
    is_paid: Mapped[bool] = mapped_column(server_default=text("false"))
    notes: Mapped[str] = mapped_column(Text, server_default="")
    booked_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )

    room: Mapped[PracticeRoom] = relationship()

    __table_args__ = (
        CheckConstraint(one_of("status", RESERVATION_STATUSES), name="status_allowed"),
        CheckConstraint("end_time > start_time", name="end_after_start"),
        CheckConstraint("total_cost >= 0", name="total_cost_not_negative"),
        Index("ix_room_reservations_room_id_start_time", "room_id", "start_time"),
    )
