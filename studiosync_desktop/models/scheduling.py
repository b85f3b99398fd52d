"""Scheduling extras: studio closures (holidays) and the make-up credits of students."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.schema import CheckConstraint

from studiosync_desktop.models.base import Base, IdMixin, StudioOwnedMixin, TimestampMixin


class StudioClosure(IdMixin, TimestampMixin, StudioOwnedMixin, Base):
    """A day the studio is closed: no series generates a lesson on it."""

    __tablename__ = "studio_closures"

    closed_on: Mapped[date]
    reason: Mapped[str] = mapped_column(String(200), server_default="")

    __table_args__ = (UniqueConstraint("studio_id", "closed_on"),)


class MakeupCredit(IdMixin, TimestampMixin, StudioOwnedMixin, Base):
    """Earned by a qualifying cancellation, used by booking a make-up lesson, or expired.

    One credit per cancelled lesson (`source_lesson_id` unique); one make-up lesson uses one
    credit (`used_by_lesson_id` unique). "Expired" is derived from `expires_on`, never stored.
    """

    __tablename__ = "makeup_credits"

    student_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("students.id", ondelete="CASCADE"), index=True
    )
    source_lesson_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("lessons.id", ondelete="CASCADE"), unique=True
    )
    earned_at: Mapped[datetime] = mapped_column(server_default=func.now())
    expires_on: Mapped[date]
    used_by_lesson_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("lessons.id", ondelete="SET NULL"), unique=True
    )

    __table_args__ = (
        CheckConstraint(
            "used_by_lesson_id IS NULL OR used_by_lesson_id <> source_lesson_id",
            name="not_used_by_its_source",
        ),
    )
