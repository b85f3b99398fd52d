"""The audit trail: every change to a business table, written by database triggers."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Identity, Index, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.schema import CheckConstraint

from studiosync_desktop.models.base import Base


class AuditEntry(Base):
    """One changed row: who (login role and person), what (table, row, action), old and new.

    Only the database owner can change or delete these rows; admins may read their studio's.
    """

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    at: Mapped[datetime] = mapped_column(server_default=func.now())
    studio_id: Mapped[uuid.UUID | None]
    db_role: Mapped[str] = mapped_column(String(63))
    user_id: Mapped[uuid.UUID | None]
    table_name: Mapped[str] = mapped_column(String(63))
    row_id: Mapped[uuid.UUID | None]
    action: Mapped[str] = mapped_column(String(6))
    old: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    new: Mapped[dict[str, Any] | None] = mapped_column(JSONB)

    __table_args__ = (
        CheckConstraint("action IN ('insert', 'update', 'delete')", name="action_allowed"),
        Index("ix_audit_log_table_name_row_id", "table_name", "row_id"),
        Index("ix_audit_log_at", "at"),
        Index("ix_audit_log_user_id_at", "user_id", "at"),
    )
