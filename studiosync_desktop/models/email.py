"""Email: the outbox (one row per message meaning), its attachments, the studio's mail
settings and templates, and each person's email preferences."""

from __future__ import annotations

import uuid
from datetime import datetime, time
from typing import Any

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.schema import CheckConstraint

from studiosync_desktop.models.base import (
    Base,
    IdMixin,
    StudioOwnedMixin,
    TimestampMixin,
    empty_json_array,
    empty_json_object,
    one_of,
)
from studiosync_desktop.vocabulary import EMAIL_KINDS, EMAIL_STATUSES, SMTP_SECURITY


class EmailMessage(IdMixin, TimestampMixin, StudioOwnedMixin, Base):
    """One email. `dedupe_key` names what it means ("invoice:<id>", "lesson-reminder:<lesson>:
    <person>"), unique per studio, so the same email can never be queued twice. It is written
    (`composed`) after it is queued: the recipient, subject, bodies and attachments."""

    __tablename__ = "email_outbox"

    kind: Mapped[str] = mapped_column(String(40))
    dedupe_key: Mapped[str] = mapped_column(String(300))
    # The record it is about (an invoice, a lesson, a payment...) and whose preferences apply.
    about_id: Mapped[uuid.UUID | None]
    person_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    details: Mapped[dict[str, Any]] = mapped_column(server_default=empty_json_object())
    composed: Mapped[bool] = mapped_column(server_default=text("false"))
    recipient: Mapped[str] = mapped_column(String(254), server_default="")
    subject: Mapped[str] = mapped_column(String(300), server_default="")
    text_body: Mapped[str] = mapped_column(Text, server_default="")
    html_body: Mapped[str] = mapped_column(Text, server_default="")
    message_id: Mapped[str] = mapped_column(String(300), server_default="")
    status: Mapped[str] = mapped_column(String(20), server_default="queued")
    attempts: Mapped[int] = mapped_column(server_default=text("0"))
    # Left in 'sending' by a desk that stopped mid-send: retried once, with the same Message-ID.
    recovered: Mapped[bool] = mapped_column(server_default=text("false"))
    next_attempt_at: Mapped[datetime] = mapped_column(server_default=text("now()"))
    last_error: Mapped[str] = mapped_column(Text, server_default="")
    sent_at: Mapped[datetime | None]
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )

    __table_args__ = (
        UniqueConstraint("studio_id", "dedupe_key"),
        CheckConstraint(one_of("kind", EMAIL_KINDS), name="kind_allowed"),
        CheckConstraint(one_of("status", EMAIL_STATUSES), name="status_allowed"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        Index(
            "ix_email_outbox_studio_id_status_next_attempt_at",
            "studio_id",
            "status",
            "next_attempt_at",
        ),
        Index("ix_email_outbox_studio_id_created_at", "studio_id", "created_at"),
        Index("ix_email_outbox_about_id", "about_id"),
    )


class EmailAttachment(IdMixin, StudioOwnedMixin, Base):
    """A file sent with an email (an invoice PDF), as the bytes that were sent."""

    __tablename__ = "email_attachments"

    message_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("email_outbox.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100), server_default="application/pdf")
    content: Mapped[bytes] = mapped_column(LargeBinary)
    # Shown inside the HTML body (the studio's logo, `cid:<content_id>`) rather than attached.
    content_id: Mapped[str] = mapped_column(String(100), server_default="")


# Empty, or 32 pairs of upper-case hexadecimal digits joined by colons.
TRUSTED_CERTIFICATE_FORM = "trusted_certificate ~ '^([0-9A-F]{2}(:[0-9A-F]{2}){31})?$'"


class EmailSettings(TimestampMixin, Base):
    """The studio's mail account (the password is in each sending PC's keyring, never here)
    and its email policies."""

    __tablename__ = "email_settings"

    studio_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("studios.id", ondelete="CASCADE"), primary_key=True
    )
    host: Mapped[str] = mapped_column(String(253), server_default="")
    port: Mapped[int] = mapped_column(server_default=text("587"))
    security: Mapped[str] = mapped_column(String(10), server_default="starttls")
    username: Mapped[str] = mapped_column(String(254), server_default="")
    from_address: Mapped[str] = mapped_column(String(254), server_default="")
    from_name: Mapped[str] = mapped_column(String(200), server_default="")
    # The SHA-256 fingerprint ('AB:CD:...') of the one certificate an administrator trusted
    # for a server with a self-signed or private certificate; '' = the system's authorities.
    trusted_certificate: Mapped[str] = mapped_column(String(95), server_default="")
    # Which kinds go out by themselves (an empty list: none yet).
    enabled_kinds: Mapped[list[str]] = mapped_column(server_default=empty_json_array())
    reminder_hours: Mapped[int] = mapped_column(server_default=text("24"))
    overdue_after_days: Mapped[int] = mapped_column(server_default=text("7"))
    overdue_every_days: Mapped[int] = mapped_column(server_default=text("7"))
    overdue_max_notices: Mapped[int] = mapped_column(server_default=text("3"))
    makeup_warning_days: Mapped[int] = mapped_column(server_default=text("7"))
    item_due_warning_days: Mapped[int] = mapped_column(server_default=text("2"))
    max_attempts: Mapped[int] = mapped_column(server_default=text("5"))
    # The last problem the sender met with the server itself (unreachable, login refused).
    last_problem: Mapped[str] = mapped_column(Text, server_default="")
    last_problem_at: Mapped[datetime | None]

    __table_args__ = (
        CheckConstraint(one_of("security", SMTP_SECURITY), name="security_allowed"),
        CheckConstraint("port BETWEEN 1 AND 65535", name="port_in_range"),
        CheckConstraint(TRUSTED_CERTIFICATE_FORM, name="trusted_certificate_is_a_fingerprint"),
        CheckConstraint("reminder_hours BETWEEN 1 AND 168", name="reminder_hours_in_range"),
        CheckConstraint("overdue_after_days BETWEEN 0 AND 365", name="overdue_after_in_range"),
        CheckConstraint("overdue_every_days BETWEEN 1 AND 365", name="overdue_every_in_range"),
        CheckConstraint("overdue_max_notices BETWEEN 0 AND 20", name="overdue_max_in_range"),
        CheckConstraint("makeup_warning_days BETWEEN 1 AND 90", name="makeup_warning_in_range"),
        CheckConstraint("item_due_warning_days BETWEEN 0 AND 30", name="item_warning_in_range"),
        CheckConstraint("max_attempts BETWEEN 1 AND 20", name="max_attempts_in_range"),
        CheckConstraint("jsonb_typeof(enabled_kinds) = 'array'", name="enabled_kinds_is_array"),
    )


class EmailTemplate(IdMixin, TimestampMixin, StudioOwnedMixin, Base):
    """An administrator's wording of one kind of email (the built-in one when there is none)."""

    __tablename__ = "email_templates"

    kind: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text, server_default="")

    __table_args__ = (
        UniqueConstraint("studio_id", "kind"),
        CheckConstraint(one_of("kind", EMAIL_KINDS), name="kind_allowed"),
    )


class EmailPreference(TimestampMixin, StudioOwnedMixin, Base):
    """What one person receives: the kinds they opted out of, quiet hours (studio time)
    during which nothing is sent to them, and their own lesson-reminder lead time."""

    __tablename__ = "email_preferences"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    opted_out: Mapped[list[str]] = mapped_column(server_default=empty_json_array())
    quiet_start: Mapped[time | None]
    quiet_end: Mapped[time | None]
    reminder_hours: Mapped[int | None]

    __table_args__ = (
        CheckConstraint("jsonb_typeof(opted_out) = 'array'", name="opted_out_is_array"),
        CheckConstraint(
            "reminder_hours IS NULL OR reminder_hours BETWEEN 1 AND 168",
            name="reminder_hours_in_range",
        ),
        CheckConstraint(
            "(quiet_start IS NULL) = (quiet_end IS NULL)", name="quiet_hours_both_or_none"
        ),
    )
