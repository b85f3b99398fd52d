"""Staff accounts, logins and the audit trail."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import EmailStr, Field, field_validator

from studiosync_desktop.schemas.common import Frozen, Input, Span

STAFF_ROLE_PATTERN = "^(admin|desk|teacher)$"
MIN_PASSWORD = 10


def _strong_enough(value: str) -> str:
    if len(value) < MIN_PASSWORD:
        raise ValueError(f"Use at least {MIN_PASSWORD} characters")
    if value.strip() != value or "\x00" in value:
        raise ValueError("No spaces at the ends and no control characters")
    return value


class StaffInvite(Input):
    """An admin invites a staff member with a one-time password."""

    email: EmailStr
    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(default="", max_length=100)
    role: str = Field(pattern=STAFF_ROLE_PATTERN)
    password: str

    _pw = field_validator("password")(_strong_enough)


class PasswordChange(Input):
    new_password: str
    repeat: str

    _pw = field_validator("new_password")(_strong_enough)

    @field_validator("repeat")
    @classmethod
    def _same(cls, value: str, info: Any) -> str:
        if value != info.data.get("new_password"):
            raise ValueError("The two passwords differ")
        return value


class StaffRow(Frozen):
    id: uuid.UUID
    name: str
    email: str
    role: str
    login_role: str | None
    is_active: bool
    must_change_password: bool
    last_login: datetime | None


class AuditFilters(Input):
    user_id: uuid.UUID | None = None
    table_name: str | None = None
    row_id: uuid.UUID | None = None
    day_from: Annotated[date | None, Span("search")] = None
    day_to: Annotated[date | None, Span("search")] = None
    limit: int = Field(default=200, ge=1, le=1000)


class AuditRow(Frozen):
    id: int
    at: datetime
    who: str
    db_role: str
    table_name: str
    row_id: uuid.UUID | None
    action: str
    changes: tuple[tuple[str, str, str], ...]
    """(field, old, new) for updates; (field, '', new) for inserts; (field, old, '') for deletes."""
