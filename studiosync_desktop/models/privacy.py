"""Privacy: requests about a person's data (exports, erasures), consents, and retention runs."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Identity, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.schema import CheckConstraint

from studiosync_desktop.models.base import (
    Base,
    IdMixin,
    StudioOwnedMixin,
    TimestampMixin,
    empty_json_object,
    one_of,
)
from studiosync_desktop.vocabulary import (
    CONSENT_KINDS,
    PRIVACY_REQUEST_KINDS,
    PRIVACY_REQUEST_STATUSES,
)


class PrivacyRequest(IdMixin, TimestampMixin, StudioOwnedMixin, Base):
    """A person's request about their data: an export (recorded when it is made) or an erasure
    (recorded when asked, carried out by an administrator). `reference` numbers the erased:
    "Former student 1234"."""

    __tablename__ = "privacy_requests"

    reference: Mapped[int] = mapped_column(BigInteger, Identity(always=True), unique=True)
    kind: Mapped[str] = mapped_column(String(10))
    person_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    # Who asked, in the desk's words ("her mother, by phone").
    asked_by: Mapped[str] = mapped_column(String(200), server_default="")
    asked_at: Mapped[datetime] = mapped_column(server_default=text("now()"))
    recorded_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    status: Mapped[str] = mapped_column(String(10), server_default="open")
    done_at: Mapped[datetime | None]
    done_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    outcome: Mapped[str] = mapped_column(Text, server_default="")

    __table_args__ = (
        CheckConstraint(one_of("kind", PRIVACY_REQUEST_KINDS), name="kind_allowed"),
        CheckConstraint(one_of("status", PRIVACY_REQUEST_STATUSES), name="status_allowed"),
        CheckConstraint("(status = 'open') = (done_at IS NULL)", name="done_when_closed"),
        # One erasure waits per person at a time.
        Index(
            "uq_privacy_requests_open_erasure",
            "person_id",
            unique=True,
            postgresql_where=text("kind = 'erasure' AND status = 'open'"),
        ),
        Index("ix_privacy_requests_studio_id_status", "studio_id", "status"),
    )


class Consent(IdMixin, StudioOwnedMixin, Base):
    """One consent given or withdrawn: the latest per person and kind is what holds."""

    __tablename__ = "consents"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    granted: Mapped[bool]
    # How it was given: "paper form", "email", "in person".
    source: Mapped[str] = mapped_column(String(200), server_default="")
    recorded_at: Mapped[datetime] = mapped_column(server_default=text("now()"))
    recorded_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(server_default=text("now()"))

    __table_args__ = (
        CheckConstraint(one_of("kind", CONSENT_KINDS), name="kind_allowed"),
        Index("ix_consents_user_id_kind_recorded_at", "user_id", "kind", "recorded_at"),
    )


class RetentionRun(IdMixin, StudioOwnedMixin, Base):
    """The day's retention round: what it removed or anonymised (one per studio and day)."""

    __tablename__ = "retention_runs"

    ran_on: Mapped[date]
    ran_at: Mapped[datetime] = mapped_column(server_default=text("now()"))
    ran_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    summary: Mapped[dict[str, Any]] = mapped_column(server_default=empty_json_object())

    __table_args__ = (UniqueConstraint("studio_id", "ran_on"),)


class AuditPause(Base):
    """The transactions of the privacy functions, whose scrubbing the audit trail must not
    copy (it would keep what is being erased). Written and read only by those functions."""

    __tablename__ = "audit_pauses"

    xact: Mapped[str] = mapped_column(String(30), primary_key=True)
