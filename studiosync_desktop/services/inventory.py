"""Inventory reads: the items list, searched and paged by name."""

from __future__ import annotations

from sqlalchemy import func, literal, select, tuple_

from studiosync_desktop.db import Database
from studiosync_desktop.models import InventoryItem
from studiosync_desktop.schemas.common import Actor, Page
from studiosync_desktop.schemas.rows import ItemRow
from studiosync_desktop.services.permissions import require
from studiosync_desktop.services.reading import (
    check_limit,
    contains_pattern,
    decode_cursor,
    encode_cursor,
    ilike_any,
    parse_uuid,
)


class InventoryService:
    def __init__(self, db: Database) -> None:
        self._db = db

    def items(
        self, actor: Actor, search: str = "", cursor: str | None = None, limit: int = 200
    ) -> Page[ItemRow]:
        """Items by name; `search` matches name, serial number or location."""
        require(actor, "inventory")
        check_limit(limit)
        query = select(
            InventoryItem.id,
            InventoryItem.name,
            InventoryItem.category,
            InventoryItem.quantity,
            InventoryItem.available_quantity,
            InventoryItem.condition,
            InventoryItem.status,
            InventoryItem.location,
            InventoryItem.serial_number,
            InventoryItem.value,
            (InventoryItem.available_quantity <= InventoryItem.low_stock_threshold).label(
                "is_low_stock"
            ),
        ).where(InventoryItem.studio_id == actor.studio_id)
        if search.strip():
            query = query.where(
                ilike_any(
                    contains_pattern(search),
                    InventoryItem.name,
                    InventoryItem.serial_number,
                    InventoryItem.location,
                )
            )
        with self._db.read_session() as s:
            total = None
            if cursor is None:
                total = s.scalar(select(func.count()).select_from(query.subquery()))
            else:
                name, iid = decode_cursor(cursor, 2)
                query = query.where(
                    tuple_(InventoryItem.name, InventoryItem.id)
                    > tuple_(literal(name), literal(parse_uuid(iid)))
                )
            query = query.order_by(InventoryItem.name, InventoryItem.id).limit(limit + 1)
            rows = s.execute(query).all()
            page = rows[:limit]
            next_cursor = encode_cursor(page[-1].name, page[-1].id) if len(rows) > limit else None
            return Page[ItemRow](
                rows=tuple(ItemRow.model_validate(r, from_attributes=True) for r in page),
                next_cursor=next_cursor,
                total=total,
            )
