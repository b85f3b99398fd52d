"""Inventory items and their lending: forms, filters, rows, totals and the checkout slip."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from studiosync_desktop import limits
from studiosync_desktop.schemas.common import Frozen, Input, Span
from studiosync_desktop.vocabulary import ITEM_CATEGORIES, ITEM_CONDITIONS, ITEM_STATUSES

Category = Literal["instrument", "equipment", "sheet-music", "accessories", "other"]
Condition = Literal["excellent", "good", "fair", "needs-repair"]
# 'checked-out' is set and cleared by the lending itself; a person chooses among these.
ChosenStatus = Literal["available", "maintenance", "retired"]

assert set(Category.__args__) == set(ITEM_CATEGORIES)  # type: ignore[attr-defined]
assert set(Condition.__args__) == set(ITEM_CONDITIONS)  # type: ignore[attr-defined]


class ItemForm(Input):
    """Add or edit an item. On add, the available quantity equals the quantity unless stated;
    on edit it follows the quantity (what is lent out stays lent out) and is not taken from here.
    """

    name: str = Field(min_length=1, max_length=200)
    category: Category = "other"
    quantity: int = Field(default=1, ge=0, le=limits.MAX_QUANTITY)
    available_quantity: int | None = Field(default=None, ge=0, le=limits.MAX_QUANTITY)
    low_stock_threshold: int = Field(default=2, ge=0, le=limits.MAX_QUANTITY)
    condition: Condition = "good"
    status: ChosenStatus = "available"
    location: str = Field(default="", max_length=200)
    value: Decimal = Field(
        default=Decimal("0"), ge=0, le=limits.MAX_AMOUNT, max_digits=12, decimal_places=2
    )
    serial_number: str = Field(default="", max_length=100)
    is_borrowable: bool = True
    max_checkout_days: int = Field(default=14, ge=1, le=365)
    purchase_date: Annotated[date | None, Span("past")] = None
    last_maintenance: Annotated[date | None, Span("past")] = None
    notes: str = Field(default="", max_length=5000)

    @model_validator(mode="after")
    def _available_within_quantity(self) -> ItemForm:
        if self.available_quantity is not None and self.available_quantity > self.quantity:
            raise ValueError("The available quantity cannot be more than the quantity.")
        return self


class ItemFilters(Input):
    search: str = Field(default="", max_length=limits.TITLE)
    category: str | None = None
    status: str | None = None
    condition: str | None = None
    low_stock: bool = False
    overdue: bool = False

    @field_validator("category")
    @classmethod
    def _category(cls, v: str | None) -> str | None:
        if v is not None and v not in ITEM_CATEGORIES:
            raise ValueError(f"Unknown category '{v}'")
        return v

    @field_validator("status")
    @classmethod
    def _status(cls, v: str | None) -> str | None:
        if v is not None and v not in ITEM_STATUSES:
            raise ValueError(f"Unknown status '{v}'")
        return v

    @field_validator("condition")
    @classmethod
    def _condition(cls, v: str | None) -> str | None:
        if v is not None and v not in ITEM_CONDITIONS:
            raise ValueError(f"Unknown condition '{v}'")
        return v


class ItemDetail(Frozen):
    id: uuid.UUID
    name: str
    category: str
    quantity: int
    available_quantity: int
    low_stock_threshold: int
    condition: str
    status: str
    location: str
    value: Decimal
    serial_number: str
    is_borrowable: bool
    max_checkout_days: int
    purchase_date: date | None
    last_maintenance: date | None
    notes: str
    is_low_stock: bool

    @property
    def lent_out(self) -> int:
        return self.quantity - self.available_quantity

    def as_form(self) -> ItemForm:
        return ItemForm.model_validate(
            self.model_dump(exclude={"id", "is_low_stock"})
            | {"status": self.status if self.status != "checked-out" else "available"}
        )


class InventoryTotals(Frozen):
    items: int
    units: int
    value: Decimal  # value x quantity, summed
    low_stock: int
    needs_repair: int
    pending: int
    overdue: int
    out: int


class PersonOption(Frozen):
    """Someone who can borrow: a student, parent or staff member of the studio."""

    id: uuid.UUID
    name: str
    email: str
    role: str


class CheckoutRequest(Input):
    """A request to borrow; `approve_now` lends at once (the desk hands the item over)."""

    item_id: uuid.UUID
    borrower_id: uuid.UUID
    quantity: int = Field(default=1, gt=0, le=limits.MAX_QUANTITY)
    due_date: date | None = None
    condition_out: Condition | Literal[""] = ""
    notes: str = Field(default="", max_length=2000)
    approve_now: bool = False


class ReturnForm(Input):
    # None: as it left (an Enter must never downgrade an excellent violin to good).
    condition_in: Condition | None = None
    return_notes: str = Field(default="", max_length=2000)
    to_maintenance: bool = False


CheckoutView = Literal["open", "all", "pending", "overdue", "out"]


class CheckoutRow(Frozen):
    id: uuid.UUID
    item_id: uuid.UUID
    item_name: str
    serial_number: str
    borrower_id: uuid.UUID
    borrower_name: str
    quantity: int
    status: str
    requested_at: datetime
    checkout_date: datetime | None
    due_date: date | None
    return_date: datetime | None
    is_overdue: bool
    condition_out: str  # as it left (the item's condition where an old row did not say)

    @property
    def shown_status(self) -> str:
        return "overdue" if self.is_overdue else self.status


class CheckoutSlip(Frozen):
    """Everything printed on a checkout slip."""

    checkout_id: uuid.UUID
    studio_name: str
    studio_logo: bytes | None = None  # on the full page (an 80 mm receipt prints text only)
    studio_address: str
    studio_phone: str
    studio_email: str
    item_name: str
    category: str
    serial_number: str
    barcode_value: str
    borrower_name: str
    borrower_email: str
    borrower_phone: str
    quantity: int
    checkout_date: datetime | None
    due_date: date | None
    condition_out: str
    notes: str
    status: str
    approved_by: str
    value: Decimal
    currency: str
    timezone: str


class ItemLabel(Frozen):
    item_id: uuid.UUID
    studio_name: str
    item_name: str
    serial_number: str
    barcode_value: str
    location: str


def barcode_value(serial_number: str, item_id: uuid.UUID) -> str:
    """What the barcode carries: the serial (asset) number, or the item's short id if none."""
    return serial_number.strip() or f"ITEM-{item_id.hex[:10].upper()}"
