"""Row DTOs from our own typed columns, made without pydantic's per-field validation.

A week of the large studio is ~1,900 lesson rows and a roster page 200: validating values the
database has already typed cost as much as reading them. Each DTO is what `model_construct`
makes, without its per-field loop: `__new__` and its four slots set. Every row gives every
field, so the rows share one set of their names (nothing changes it in place: the rows are
frozen, and `model_copy(update=...)` copies it first).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel

ModelT = TypeVar("ModelT", bound=BaseModel)


def row_maker(model: type[ModelT]) -> Callable[[dict[str, Any]], ModelT]:
    """Makes a `model` from a dict holding each of its fields, as the database typed them."""
    new = model.__new__
    fields = set(model.model_fields)
    set_attribute = object.__setattr__

    def make(values: dict[str, Any]) -> ModelT:
        row = new(model)
        set_attribute(row, "__dict__", values)
        set_attribute(row, "__pydantic_fields_set__", fields)
        set_attribute(row, "__pydantic_extra__", None)
        set_attribute(row, "__pydantic_private__", None)
        return row

    return make
