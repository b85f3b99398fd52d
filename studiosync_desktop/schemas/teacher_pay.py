"""Teacher pay: the pay policy, pay rules, pay runs, their lines and statements."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal, Self

from pydantic import Field, field_validator, model_validator

from studiosync_desktop.money import round_cents
from studiosync_desktop.schemas.billing import StudioLetterhead
from studiosync_desktop.schemas.common import Frozen, Input, Span

PayPeriodKind = Literal["weekly", "biweekly", "monthly"]
PayBasis = Literal["time", "percent", "flat"]
LessonType = Literal["private", "group", "ensemble", "online", "makeup"]
MAX_PAY = Decimal("99999999.99")


def _cents(value: Decimal) -> Decimal:
    if value != round_cents(value):
        raise ValueError("Use at most two decimals (cents)")
    return value


class PayPolicy(Input):
    """What pays, studio-wide: the period, and a percent of the lesson's pay for each kind of
    lesson that did not happen (0 pays nothing, 100 in full). Completed lessons pay in full."""

    period: PayPeriodKind = "monthly"
    period_anchor: Annotated[date, Span("past")] = date(2024, 1, 1)
    late_cancel_percent: Decimal = Field(default=Decimal(100), ge=0, le=100)
    no_show_percent: Decimal = Field(default=Decimal(100), ge=0, le=100)
    studio_cancel_percent: Decimal = Field(default=Decimal(0), ge=0, le=100)

    _two_decimals = field_validator(
        "late_cancel_percent", "no_show_percent", "studio_cancel_percent"
    )(_cents)


class PayRuleInput(Input):
    """A pay rule as an admin types it. No teacher: the studio's default; no lesson type:
    every type. Time: `amount` per `per_minutes` minutes; percent: of the lesson's rate."""

    teacher_id: uuid.UUID | None = None
    lesson_type: LessonType | None = None
    basis: PayBasis
    amount: Decimal = Field(ge=0, le=MAX_PAY)
    per_minutes: Literal[30, 45, 60] | None = None

    _two_decimals = field_validator("amount")(_cents)

    @model_validator(mode="after")
    def _fits_basis(self) -> Self:
        if self.basis == "percent" and self.amount > 100:
            raise ValueError("A percentage is at most 100")
        if self.basis == "time" and self.per_minutes is None:
            raise ValueError("Say per how many minutes (30, 45 or 60)")
        if self.basis != "time" and self.per_minutes is not None:
            object.__setattr__(self, "per_minutes", None)
        return self


class PayRuleRow(PayRuleInput):
    id: uuid.UUID
    teacher_name: str  # "Studio default" for the studio's rule
    text: str  # "40.00 per 60 min", "60% of the lesson's rate", "25.00 per lesson"


class ExtraLineInput(Input):
    """A line added by hand to a pay run: admin time, a bonus, a correction (may be negative)."""

    teacher_id: uuid.UUID
    amount: Decimal = Field(ge=-MAX_PAY, le=MAX_PAY)
    reason: str = Field(min_length=3, max_length=300)

    _two_decimals = field_validator("amount")(_cents)

    @field_validator("amount")
    @classmethod
    def _not_zero(cls, value: Decimal) -> Decimal:
        if value == 0:
            raise ValueError("An amount other than zero")
        return value


class PayPeriod(Frozen):
    start: date
    end: date
    kind: PayPeriodKind

    @property
    def label(self) -> str:
        if self.kind == "monthly":
            return f"{self.start:%B %Y}"
        first = f"{self.start:%b} {self.start.day}"
        if self.start.year != self.end.year:
            first += f", {self.start.year}"
        return f"{first} to {self.end:%b} {self.end.day}, {self.end.year}"


class PayLineRow(Frozen):
    """A line of a run, or of a preview (no id until the run is approved, except lines by hand)."""

    id: uuid.UUID | None
    teacher_id: uuid.UUID
    teacher_name: str
    kind: Literal["lesson", "adjustment", "extra"]
    lesson_id: uuid.UUID | None
    lesson_start: datetime | None
    minutes: int | None
    attendance: str | None
    description: str
    rate_text: str
    amount: Decimal
    reason: str


class TeacherPayTotal(Frozen):
    """One teacher's figures in a run: what the run summary and the payroll CSV show."""

    teacher_id: uuid.UUID
    teacher_name: str
    email: str
    lessons: int
    minutes: int
    lesson_pay: Decimal
    adjustments: Decimal
    extras: Decimal
    total: Decimal

    @property
    def hours(self) -> Decimal:
        return (Decimal(self.minutes) / 60).quantize(Decimal("0.01"))


class PayRunView(Frozen):
    """A period's pay: a preview (not approved yet: computed now, with lines added by hand),
    or an approved run's frozen lines."""

    period: PayPeriod
    run_id: uuid.UUID | None
    status: Literal["preview", "approved"]
    approved_at: datetime | None
    approved_by: str
    teachers: tuple[TeacherPayTotal, ...]
    lines: tuple[PayLineRow, ...]
    warnings: tuple[str, ...]
    # Lessons of teachers without a pay rule: approval waits until they have one.
    missing_rules: tuple[str, ...]
    currency: str
    timezone: str
    is_over: bool = True  # the period has ended (only then is it approved)
    anchor: date = date(2024, 1, 1)  # weekly periods count from this day (the policy's)

    @property
    def total(self) -> Decimal:
        return sum((t.total for t in self.teachers), Decimal(0))


class PayRunRow(Frozen):
    """A run in the list of runs."""

    id: uuid.UUID
    period: PayPeriod
    status: Literal["open", "approved"]
    approved_at: datetime | None
    teachers: int
    total: Decimal


class PayStatement(Frozen):
    """One teacher's statement of one run: what the statement PDF prints."""

    letterhead: StudioLetterhead
    period: PayPeriod
    approved_at: datetime | None
    teacher: TeacherPayTotal
    lines: tuple[PayLineRow, ...]


class PayRunSummary(Frozen):
    """A run's summary: what the run summary PDF prints."""

    letterhead: StudioLetterhead
    run: PayRunView
