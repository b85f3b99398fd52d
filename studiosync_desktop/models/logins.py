"""Staff logins' password verifiers, kept in the database so a restored backup keeps them."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Text, func
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.schema import CheckConstraint

from studiosync_desktop.models.base import Base


class LoginVerifier(Base):
    """A staff member's SCRAM verifier (what the server stores, never the password).

    Written only by the database's password functions (0019); no login may read it. A
    restore makes each person's login again from it (`services/restored_logins.py`).
    """

    __tablename__ = "login_verifiers"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    verifier: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())

    __table_args__ = (CheckConstraint("verifier LIKE 'SCRAM-SHA-256$%'", name="scram"),)
