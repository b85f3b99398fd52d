"""One keyset pager for every list read a page at a time: sort keys, an opaque cursor, a page.

A page is `limit` rows after the cursor in the order of the sort keys (the last key unique,
usually the id); one row more is read to know whether there is a next page, whose cursor is the
last row's sort key. The cursor is opaque to the screens and read back typed: a cursor that was
tampered with or belongs to another list is refused with a sentence (`ValidationFailed` on
"cursor"), never a database error.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import Row, Select, func, literal, select, tuple_
from sqlalchemy.orm import Session

from studiosync_desktop.errors import ValidationFailed
from studiosync_desktop.schemas.common import Page

RowT = TypeVar("RowT")

MAX_PAGE = 1000
BAD_CURSOR = "This page position is not valid."


@dataclass(frozen=True)
class SortKey:
    """One column of a list's order, and how its value is read back from a cursor."""

    column: Any
    kind: Callable[[str], object] = str


def text_key(column: Any) -> SortKey:
    return SortKey(column, str)


def id_key(column: Any) -> SortKey:
    return SortKey(column, uuid.UUID)


def date_key(column: Any) -> SortKey:
    return SortKey(column, date.fromisoformat)


def time_key(column: Any) -> SortKey:
    return SortKey(column, datetime.fromisoformat)


def int_key(column: Any) -> SortKey:
    return SortKey(column, int)


def check_limit(limit: int) -> int:
    """A page holds 1 to MAX_PAGE rows."""
    if not 1 <= limit <= MAX_PAGE:
        raise ValidationFailed({"limit": f"A page holds between 1 and {MAX_PAGE} rows."})
    return limit


def encode_cursor(*key: object) -> str:
    """The last row's sort key as an opaque, URL-safe string."""
    values = [v.isoformat() if isinstance(v, date | datetime) else str(v) for v in key]
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, keys: Sequence[SortKey]) -> list[object]:
    """The sort key a cursor holds, each value as its key's type; anything else is refused."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values: Any = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed({"cursor": BAD_CURSOR}) from exc
    if not isinstance(values, list) or len(values) != len(keys):
        raise ValidationFailed({"cursor": BAD_CURSOR})
    try:
        return [key.kind(str(value)) for key, value in zip(keys, values, strict=True)]
    except (TypeError, ValueError) as exc:
        raise ValidationFailed({"cursor": BAD_CURSOR}) from exc


def read_page(
    s: Session,
    query: Select[*tuple[Any, ...]],
    keys: Sequence[SortKey],
    cursor: str | None,
    limit: int,
    to_row: Callable[[Row[Any]], RowT],
    *,
    descending: bool = False,
    count: bool = True,
) -> Page[RowT]:
    """One page of `query` in the order of `keys` (all ascending, or all `descending`).

    The first page also counts the rows of the whole list (`total`) unless `count` is off
    (then `total` is known only when the whole list fits on the first page).
    `to_row` makes each row's DTO; the rows also hold the sort key as `_k0`, `_k1`...
    """
    check_limit(limit)
    columns = [k.column for k in keys]
    query = query.add_columns(*(c.label(f"_k{i}") for i, c in enumerate(columns)))
    total = None
    if cursor is None:
        if count:
            total = s.scalar(select(func.count()).select_from(query.subquery()))
    else:
        after = tuple_(*(literal(v) for v in decode_cursor(cursor, keys)))
        query = query.where(tuple_(*columns) < after if descending else tuple_(*columns) > after)
    order = [c.desc() for c in columns] if descending else columns
    rows = s.execute(query.order_by(*order).limit(limit + 1)).all()
    page = rows[:limit]
    next_cursor = None
    if len(rows) > limit:
        last = page[-1]
        next_cursor = encode_cursor(*(getattr(last, f"_k{i}") for i in range(len(keys))))
    if cursor is None and next_cursor is None:
        total = len(page)  # the whole list is on its first page: its count is known anyway
    return Page[RowT](rows=tuple(to_row(r) for r in page), next_cursor=next_cursor, total=total)
