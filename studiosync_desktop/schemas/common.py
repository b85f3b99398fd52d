"""Shared schema bases: frozen, strict DTOs, the acting user, and a page of rows."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from studiosync_desktop.errors import ValidationFailed


class Frozen(BaseModel):
    """Immutable and strict: what crosses threads and layers."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Actor(Frozen):
    """Who is acting: every service call that reads or changes data takes one."""

    user_id: uuid.UUID
    studio_id: uuid.UUID
    role: str
    name: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_staff_desk(self) -> bool:
        return self.role in ("admin", "desk")


RowT = TypeVar("RowT")


class Page(Frozen, Generic[RowT]):
    """One page of rows, and the key to ask for the next (keyset paging), if any."""

    rows: tuple[RowT, ...]
    next_cursor: str | None = None
    total: int | None = None


ModelT = TypeVar("ModelT", bound=BaseModel)


def parse_input(model: type[ModelT], data: ModelT | Mapping[str, Any]) -> ModelT:
    """`data` as `model` (the schema the dialog validates with; an instance passes through);
    a problem becomes ValidationFailed with a message per field."""
    if isinstance(data, model):
        return data
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise validation_failed(exc) from exc


def validation_failed(exc: ValidationError) -> ValidationFailed:
    """A pydantic error as per-field messages a form can show next to its fields."""
    fields: dict[str, str] = {}
    for err in exc.errors():
        name = ".".join(str(p) for p in err["loc"]) if err["loc"] else ""
        message = err["msg"].removeprefix("Value error, ")
        fields.setdefault(name, message[0].upper() + message[1:] if message else message)
    return ValidationFailed(fields)
