"""The studio, its policies, and what the first-start wizard asks."""

from __future__ import annotations

import re
import uuid
import zoneinfo
from datetime import time
from decimal import Decimal

from pydantic import ConfigDict, Field, ValidationInfo, field_validator

from studiosync_desktop.schemas.common import Frozen, Input
from studiosync_desktop.schemas.contact import check_email, check_optional_email, check_phone
from studiosync_desktop.vocabulary import STUDIO_PARTS


def _check_timezone(value: str) -> str:
    if value not in zoneinfo.available_timezones():
        raise ValueError("Choose a time zone from the list (for example Europe/London)")
    return value


class StudioSettings(Input):
    """Studio policies, stored in `studios.settings`; every key has the default a studio expects.

    Keys a newer desk wrote that this version does not know are ignored when read (and kept
    when saved: `StudioService.save_settings`)."""

    model_config = ConfigDict(extra="ignore", frozen=True, str_strip_whitespace=True)

    tax_rate_percent: Decimal = Field(default=Decimal("0"), ge=0, le=100)
    invoice_due_days: int = Field(default=14, ge=0, le=365)
    billing_policy: str = Field(default="pay_as_you_go", pattern="^(pay_as_you_go|in_advance)$")
    sibling_discount_percent: Decimal = Field(default=Decimal("0"), ge=0, le=100)
    late_fee_amount: Decimal = Field(default=Decimal("0"), ge=0)
    late_fee_percent: Decimal = Field(default=Decimal("0"), ge=0, le=100)
    late_fee_after_days: int = Field(default=30, ge=0)
    cancellation_notice_hours: int = Field(default=24, ge=0, le=24 * 14)
    series_horizon_weeks: int = Field(default=16, ge=1, le=104)
    makeup_credit_days: int = Field(default=90, ge=1, le=730)
    makeup_for_teacher_cancel: bool = True
    makeup_for_student_notice: bool = True
    stock_held_from: str = Field(default="approval", pattern="^(approval|request)$")
    idle_lock_minutes: int = Field(default=15, ge=0, le=24 * 60)
    locale: str = "en_US"
    # Retention (months; 0: kept for good): the daily round removes messages, notifications
    # and audit entries older than this, and anonymises students who left this long ago.
    retention_messages_months: int = Field(default=0, ge=0, le=600)
    retention_notifications_months: int = Field(default=0, ge=0, le=600)
    retention_audit_months: int = Field(default=0, ge=0, le=600)
    retention_former_students_months: int = Field(default=0, ge=0, le=600)
    # Billing: whether generated lesson lines carry tax, and what every invoice says about paying.
    lessons_taxable: bool = True
    payment_instructions: str = Field(
        default="Pay at the front desk (cash, check or card), by bank transfer, or online "
        "with the link on this invoice. Please quote the invoice number.",
        max_length=1000,
    )
    # The parts the studio does not use (vocabulary.STUDIO_PARTS): gone for everyone.
    parts_off: tuple[str, ...] = ()
    # New lessons and series last this long unless changed.
    default_lesson_minutes: int = Field(default=45, ge=5, le=480)
    # Opening hours: the calendar's rows and the search for a free time stay within them.
    opens_at: time = time(8, 0)
    closes_at: time = time(22, 0)
    # A drag or resize on the calendar lands on this grid (minutes): 5 or 15.
    snap_minutes: int = 15

    @field_validator("parts_off")
    @classmethod
    def _known_parts(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [part for part in value if part not in STUDIO_PARTS]
        if unknown:
            raise ValueError(f"StudioSync has no part called {unknown[0]!r}")
        return tuple(part for part in STUDIO_PARTS if part in value)

    @field_validator("snap_minutes")
    @classmethod
    def _a_known_grid(cls, value: int) -> int:
        if value not in (5, 15):
            raise ValueError("Choose 5 or 15 minutes")
        return value

    @field_validator("opens_at", "closes_at")
    @classmethod
    def _on_the_quarter(cls, value: time) -> time:
        if value.minute % 15 or value.second or value.microsecond:
            raise ValueError("Choose a time on the quarter hour, like 08:00 or 21:30")
        return value

    @field_validator("closes_at")
    @classmethod
    def _after_opening(cls, value: time, info: ValidationInfo) -> time:
        opens = info.data.get("opens_at")
        if opens is not None and value <= opens:
            raise ValueError(f"The studio must close after it opens ({opens:%H:%M})")
        return value

    def uses(self, part: str) -> bool:
        """Whether the studio uses this part (vocabulary.STUDIO_PARTS)."""
        return part not in self.parts_off


class StudioSetup(Input):
    """The first-start wizard: the studio and its first admin."""

    studio_name: str = Field(min_length=2, max_length=200)
    timezone: str = "UTC"
    currency: str = Field(default="USD", pattern="^[A-Z]{3}$")
    tax_rate_percent: Decimal = Field(default=Decimal("0"), ge=0, le=100)
    admin_email: str = Field(max_length=254)  # checked as an address (not EmailStr: see contact)
    admin_first_name: str = Field(min_length=1, max_length=100)
    admin_last_name: str = Field(default="", max_length=100)

    _tz = field_validator("timezone")(_check_timezone)
    _email = field_validator("admin_email")(check_email)


class StudioDetails(Input):
    """What the studio is called and where it is: printed on invoices, statements and slips.
    (The currency is chosen once, at setup: invoices already issued are in it.)"""

    name: str = Field(min_length=2, max_length=200)
    email: str = Field(default="", max_length=254)
    phone: str = Field(default="", max_length=40)
    website: str = Field(default="", max_length=300)
    address: str = Field(default="", max_length=300)
    city: str = Field(default="", max_length=120)
    state: str = Field(default="", max_length=120)
    postal_code: str = Field(default="", max_length=20)
    country: str = Field(default="", max_length=120)
    timezone: str = "UTC"

    _tz = field_validator("timezone")(_check_timezone)
    _email = field_validator("email")(check_optional_email)
    _phone = field_validator("phone")(check_phone)


class StudioInfo(Frozen):
    id: uuid.UUID
    name: str
    timezone: str
    currency: str
    settings: StudioSettings


class StudioBranding(Frozen):
    """How the studio looks: its name and logo in the window's header and on every PDF and
    email, in its accent colour."""

    name: str
    logo: bytes | None = None
    logo_mime_type: str = ""
    theme_color: str = "#3b6ea5"


def check_colour(value: str) -> str:
    """An accent colour as #RRGGBB (what the database keeps)."""
    value = value.strip()
    if not re.fullmatch(r"#[0-9A-Fa-f]{6}", value):
        raise ValueError("Choose a colour as #RRGGBB, like #3b6ea5")
    return value.lower()
