"""The resource library: files, links and physical items, and the lending of the latter."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import BigInteger, Column, ForeignKey, Index, LargeBinary, String, Table, Text, text
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship
from sqlalchemy.schema import CheckConstraint

from studiosync_desktop.models.base import (
    Base,
    IdMixin,
    StudioOwnedMixin,
    TimestampMixin,
    empty_json_array,
    one_of,
)
from studiosync_desktop.vocabulary import (
    MAX_RESOURCE_FILE_BYTES,
    RESOURCE_CHECKOUT_STATUSES,
    RESOURCE_TYPES,
)

if TYPE_CHECKING:
    from studiosync_desktop.models.core import Student

resource_shares = Table(
    "resource_shares",
    Base.metadata,
    Column("resource_id", ForeignKey("resources.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "student_id", ForeignKey("students.id", ondelete="CASCADE"), primary_key=True, index=True
    ),
)


class Resource(IdMixin, TimestampMixin, StudioOwnedMixin, Base):
    """A library entry. Files live in the database so every desk of the studio sees them."""

    __tablename__ = "resources"

    uploaded_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, server_default="")
    resource_type: Mapped[str] = mapped_column(String(10), index=True)
    file: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    file_name: Mapped[str] = mapped_column(String(255), server_default="")
    file_size: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    mime_type: Mapped[str] = mapped_column(String(100), server_default="")
    external_url: Mapped[str] = mapped_column(String(2000), server_default="")
    tags: Mapped[list[str]] = mapped_column(server_default=empty_json_array())
    category: Mapped[str] = mapped_column(String(100), server_default="")
    is_physical_item: Mapped[bool] = mapped_column(server_default=text("false"))
    quantity_total: Mapped[int] = mapped_column(server_default=text("0"))
    quantity_available: Mapped[int] = mapped_column(server_default=text("0"))
    is_lendable: Mapped[bool] = mapped_column(server_default=text("false"))
    checkout_duration_days: Mapped[int] = mapped_column(server_default=text("14"))
    is_public: Mapped[bool] = mapped_column(server_default=text("false"))

    shared_with_students: Mapped[list[Student]] = relationship(secondary=resource_shares)

    __table_args__ = (
        CheckConstraint(one_of("resource_type", RESOURCE_TYPES), name="type_allowed"),
        CheckConstraint("quantity_total >= 0", name="quantity_total_not_negative"),
        CheckConstraint(
            "quantity_available BETWEEN 0 AND quantity_total", name="available_within_total"
        ),
        CheckConstraint(
            f"file_size BETWEEN 0 AND {MAX_RESOURCE_FILE_BYTES}", name="file_size_limit"
        ),
        CheckConstraint("file IS NULL OR octet_length(file) = file_size", name="file_size_matches"),
        CheckConstraint("checkout_duration_days BETWEEN 1 AND 365", name="duration_in_range"),
        CheckConstraint("jsonb_typeof(tags) = 'array'", name="tags_is_array"),
        Index("ix_resources_studio_id_is_public", "studio_id", "is_public"),
    )


class ResourceCheckout(IdMixin, TimestampMixin, StudioOwnedMixin, Base):
    __tablename__ = "resource_checkouts"

    resource_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("resources.id", ondelete="RESTRICT"), index=True
    )
    student_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("students.id", ondelete="RESTRICT"), index=True
    )
    quantity: Mapped[int] = mapped_column(server_default=text("1"))
    status: Mapped[str] = mapped_column(String(12), server_default="checked_out")
    checked_out_at: Mapped[datetime] = mapped_column(server_default=text("now()"))
    due_date: Mapped[date | None]
    returned_at: Mapped[datetime | None]
    checkout_notes: Mapped[str] = mapped_column(Text, server_default="")
    return_notes: Mapped[str] = mapped_column(Text, server_default="")

    __table_args__ = (
        CheckConstraint(one_of("status", RESOURCE_CHECKOUT_STATUSES), name="status_allowed"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint(
            "returned_at IS NULL OR returned_at >= checked_out_at", name="return_after_checkout"
        ),
    )
