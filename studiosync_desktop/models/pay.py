"""Teacher pay: the studio's pay policy, pay rules, pay runs and their lines."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    ForeignKey,
    Index,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ExcludeConstraint
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.schema import CheckConstraint

from studiosync_desktop.models.base import Base, IdMixin, StudioOwnedMixin, TimestampMixin, one_of
from studiosync_desktop.vocabulary import (
    LESSON_TYPES,
    PAY_ATTENDANCE,
    PAY_BASES,
    PAY_LINE_KINDS,
    PAY_PERIODS,
    PAY_RUN_STATUSES,
)


class PaySettings(IdMixin, TimestampMixin, StudioOwnedMixin, Base):
    """The studio's pay policy: how long a pay period is, and what a missed lesson pays."""

    __tablename__ = "pay_settings"

    period: Mapped[str] = mapped_column(String(10), server_default="monthly")
    # Weekly and two-weekly periods start on this day's weekday, counted from this day.
    period_anchor: Mapped[date] = mapped_column(server_default=text("'2024-01-01'"))
    # Percent of the lesson's pay for each kind of lesson that did not happen (0: nothing).
    late_cancel_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2), server_default="100")
    no_show_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2), server_default="100")
    studio_cancel_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2), server_default="0")

    __table_args__ = (
        UniqueConstraint("studio_id"),
        CheckConstraint(one_of("period", PAY_PERIODS), name="period_allowed"),
        CheckConstraint(
            "late_cancel_percent BETWEEN 0 AND 100 AND no_show_percent BETWEEN 0 AND 100"
            " AND studio_cancel_percent BETWEEN 0 AND 100",
            name="percent_0_to_100",
        ),
    )


class PayRule(IdMixin, TimestampMixin, StudioOwnedMixin, Base):
    """How a lesson pays its teacher: the studio's default (no teacher) or one teacher's,
    for every lesson type (no type) or one. The most specific rule applies."""

    __tablename__ = "pay_rules"

    teacher_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("teachers.id", ondelete="CASCADE"), index=True
    )
    lesson_type: Mapped[str | None] = mapped_column(String(10))
    basis: Mapped[str] = mapped_column(String(10))
    # time: money per `per_minutes` minutes; percent: of the lesson's rate; flat: per lesson.
    amount: Mapped[Decimal]
    per_minutes: Mapped[int | None] = mapped_column(SmallInteger)

    __table_args__ = (
        UniqueConstraint(
            "studio_id", "teacher_id", "lesson_type", postgresql_nulls_not_distinct=True
        ),
        CheckConstraint(one_of("basis", PAY_BASES), name="basis_allowed"),
        CheckConstraint(
            f"lesson_type IS NULL OR {one_of('lesson_type', LESSON_TYPES)}",
            name="lesson_type_allowed",
        ),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
        CheckConstraint("basis <> 'percent' OR amount <= 100", name="percent_at_most_100"),
        CheckConstraint(
            "(basis = 'time') = (per_minutes IS NOT NULL)", name="per_minutes_for_time"
        ),
        CheckConstraint("per_minutes IS NULL OR per_minutes IN (30, 45, 60)", name="per_minutes"),
    )


class PayRun(IdMixin, TimestampMixin, StudioOwnedMixin, Base):
    """One pay period's run: open while extra lines are added, then approved (frozen)."""

    __tablename__ = "pay_runs"

    period_start: Mapped[date]
    period_end: Mapped[date]
    status: Mapped[str] = mapped_column(String(10), server_default="open")
    approved_at: Mapped[datetime | None]
    approved_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )

    __table_args__ = (
        UniqueConstraint("studio_id", "period_start"),
        ExcludeConstraint(
            ("studio_id", "="),
            (text("daterange(period_start, period_end, '[]')"), "&&"),
            name="ex_pay_runs_periods_overlap",
            using="gist",
        ),
        CheckConstraint(one_of("status", PAY_RUN_STATUSES), name="status_allowed"),
        CheckConstraint("period_end >= period_start", name="end_after_start"),
        CheckConstraint(
            "(status = 'approved') = (approved_at IS NOT NULL)", name="approved_has_time"
        ),
    )


class PayLine(IdMixin, TimestampMixin, StudioOwnedMixin, Base):
    """A line of a pay run: a lesson paid, an adjustment to one paid before, or a line
    added by hand with its reason. Frozen once the run is approved (a trigger)."""

    __tablename__ = "pay_lines"

    pay_run_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pay_runs.id", ondelete="CASCADE"))
    teacher_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("teachers.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(10))
    lesson_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("lessons.id", ondelete="RESTRICT"), index=True
    )
    # What the lesson was when the line was made (the statement shows it as paid).
    lesson_start: Mapped[datetime | None]
    minutes: Mapped[int | None]
    attendance: Mapped[str | None] = mapped_column(String(14))
    description: Mapped[str] = mapped_column(String(300), server_default="")
    rate_text: Mapped[str] = mapped_column(String(100), server_default="")
    amount: Mapped[Decimal]
    reason: Mapped[str] = mapped_column(Text, server_default="")
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )

    __table_args__ = (
        # Each lesson is paid at most once per run (to each teacher it paid: a substitute
        # and the teacher it was taken from may both have a line).
        UniqueConstraint("pay_run_id", "lesson_id", "teacher_id"),
        CheckConstraint(one_of("kind", PAY_LINE_KINDS), name="kind_allowed"),
        CheckConstraint(
            f"attendance IS NULL OR {one_of('attendance', PAY_ATTENDANCE)}",
            name="attendance_allowed",
        ),
        CheckConstraint("(kind = 'extra') = (lesson_id IS NULL)", name="lesson_unless_extra"),
        CheckConstraint("kind <> 'extra' OR length(trim(reason)) > 0", name="extra_has_reason"),
        Index("ix_pay_lines_teacher_id_pay_run_id", "teacher_id", "pay_run_id"),
    )
