"""Shared schema bases: frozen, strict DTOs, the acting user, and a page of rows."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Generic, TypeVar

import annotated_types
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    create_model,
    field_validator,
)

from studiosync_desktop import limits
from studiosync_desktop.errors import ValidationFailed
from studiosync_desktop.schemas.messages import field_message, too_long


class Frozen(BaseModel):
    """Immutable and strict: what crosses threads and layers."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


@dataclass(frozen=True)
class Span:
    """Which days a date field takes: a key of `limits.DAY_SPANS` (default: "booking")."""

    kind: str


# Control characters a person never means to type (pasted from elsewhere); tab and new line
# are kept, in notes and addresses.
_INVISIBLE = frozenset(chr(c) for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F))


class Input(Frozen):
    """What a person typed: besides each field's own rules, every text is at most its length
    (the field's own, or `limits.NOTE`) without NUL or invisible control characters, every
    date within its `Span` of today, and every number within `limits`' bounds."""

    @field_validator("*", mode="after")
    @classmethod
    def _within_limits(cls, value: Any, info: ValidationInfo) -> Any:
        field = cls.model_fields[info.field_name] if info.field_name else None
        metadata = field.metadata if field is not None else []
        return _check_value(value, metadata)


def _check_value(value: Any, metadata: list[Any]) -> Any:
    if isinstance(value, str):
        _check_text(value, _max_length(metadata) or limits.NOTE)
    elif isinstance(value, list | tuple) and any(isinstance(v, str) for v in value):
        if len(value) > limits.LIST_ITEMS:
            raise ValueError(f"Give at most {limits.LIST_ITEMS} entries")
        for item in value:
            if isinstance(item, str):
                _check_text(item, limits.LIST_ITEM)
    elif isinstance(value, datetime | date):
        span = next((m.kind for m in metadata if isinstance(m, Span)), "booking")
        _check_day(value.date() if isinstance(value, datetime) else value, span)
    elif isinstance(value, Decimal | int) and not isinstance(value, bool):
        _check_number(value, metadata)
    return value


def _max_length(metadata: list[Any]) -> int | None:
    return next((m.max_length for m in metadata if isinstance(m, annotated_types.MaxLen)), None)


def _bounded(metadata: list[Any]) -> bool:
    return any(isinstance(m, annotated_types.Le | annotated_types.Lt) for m in metadata)


def _check_number(value: Decimal | int, metadata: list[Any]) -> None:
    if _bounded(metadata):
        return
    if isinstance(value, Decimal) and abs(value) > limits.MAX_AMOUNT:
        raise ValueError(f"Type an amount of at most {limits.MAX_AMOUNT:,}")
    if isinstance(value, int) and abs(value) > limits.MAX_COUNT:
        raise ValueError(f"Type a number of at most {limits.MAX_COUNT:,}")


def typed_text(value: str, max_length: int = limits.NOTE) -> str:
    """`value` when it is text a person could have typed (no NUL or invisible control
    characters, at most `max_length`), else ValueError with the sentence to show: for a model
    that is not an `Input` (a report's request, whose days are any)."""
    _check_text(value, max_length)
    return value


def _check_text(value: str, max_length: int) -> None:
    if "\x00" in value:
        raise ValueError("Remove the invisible NUL character that was pasted here")
    if not _INVISIBLE.isdisjoint(value):
        raise ValueError("Remove the invisible control characters that were pasted here")
    if len(value) > max_length:
        raise ValueError(too_long(max_length, len(value)))


def _day(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def _check_day(day: date, kind: str) -> None:
    span = limits.DAY_SPANS[kind]
    today = date.today()
    first, last = span.first(today), span.last(today)
    if not first <= day <= last:
        raise ValueError(
            f"Type a {span.what} between {_day(first)} and {_day(last)}"
            if span.years_ahead is not None
            else f"Type a {span.what} between {_day(first)} and today"
        )


class Actor(Frozen):
    """Who is acting: every service call that reads or changes data takes one."""

    user_id: uuid.UUID
    studio_id: uuid.UUID
    role: str
    name: str
    # The studio's time zone as read at login, so a call spends no round trip on it (None:
    # each call reads it). A desk sees a changed time zone from its next login.
    timezone: str | None = None

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


# Plain arguments of service calls, as form fields (for `parse_value`).
Month = Annotated[date, Span("search")]  # any month the database may hold
FileName = Annotated[str, Field(max_length=255)]
MimeType = Annotated[str, Field(max_length=100)]
Title = Annotated[str, Field(max_length=limits.TITLE)]
ShortNote = Annotated[str, Field(max_length=limits.SHORT_NOTE)]


def parse_value(name: str, annotation: Any, value: Any) -> Any:
    """One plain argument of a service call (a month, a status, a file's name), checked as a
    form's field `name` of that type would be: the same rules and sentences as an `Input`."""
    model = _one_field(name, annotation)
    return getattr(parse_input(model, {name: value}), name)


@functools.cache
def _one_field(name: str, annotation: Any) -> type[Input]:
    model: type[Input] = create_model(  # type: ignore[call-overload]
        f"Argument_{name}", __base__=Input, **{name: (annotation, ...)}
    )
    return model


def validation_failed(exc: ValidationError) -> ValidationFailed:
    """A pydantic error as per-field messages a form can show next to its fields."""
    fields: dict[str, str] = {}
    for err in exc.errors():
        # The form's field: a list's entry or a nested part is shown next to the whole field.
        name = str(err["loc"][0]) if err["loc"] else ""
        fields.setdefault(name, field_message(err))
    return ValidationFailed(fields)


@dataclass(frozen=True)
class FieldLimits:
    """What a form's field may hold, as its widget shows it (a length, bounds, a day range)."""

    max_length: int | None = None
    low: Decimal | None = None
    high: Decimal | None = None
    first_day: date | None = None
    last_day: date | None = None


def field_limits(model: type[BaseModel], name: str, today: date | None = None) -> FieldLimits:
    """The limits `Input` checks for `model.name`, for the field that types it."""
    field = model.model_fields.get(name)
    if field is None:
        return FieldLimits()
    metadata = field.metadata
    at_least = next((m.ge for m in metadata if isinstance(m, annotated_types.Ge)), None)
    above = next((m.gt for m in metadata if isinstance(m, annotated_types.Gt)), None)
    low = at_least if above is None else above
    high = next((m.le for m in metadata if isinstance(m, annotated_types.Le)), None)
    kinds = _annotation_types(field.annotation)
    if list in kinds or tuple in kinds:
        return FieldLimits()
    if date in kinds or datetime in kinds:
        span = limits.DAY_SPANS[next((m.kind for m in metadata if isinstance(m, Span)), "booking")]
        day = today or date.today()
        return FieldLimits(first_day=span.first(day), last_day=span.last(day))
    if str in kinds:
        return FieldLimits(max_length=_max_length(metadata) or limits.NOTE)
    if Decimal in kinds and high is None:
        high = limits.MAX_AMOUNT
    return FieldLimits(
        low=None if low is None else Decimal(str(low)),
        high=None if high is None else Decimal(str(high)),
    )


def _annotation_types(annotation: Any) -> set[Any]:
    args = getattr(annotation, "__args__", None)
    if not args:
        return {annotation}
    out: set[Any] = {getattr(annotation, "__origin__", None)}
    for arg in args:
        out |= _annotation_types(arg)
    return out
