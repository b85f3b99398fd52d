"""Inventory and rooms on the large studio: the tab's first load, a barcode scan, a room day."""

from __future__ import annotations

from sqlalchemy import text

from bench.core import Context, figure, service_time
from studiosync_desktop.db import Database
from studiosync_desktop.services.inventory import InventoryService
from studiosync_desktop.services.rooms import RoomService
from studiosync_desktop.services.studio import StudioService

_analyzed: set[int] = set()


def _large(ctx: Context) -> Database:
    """The large demo, with planner statistics as a running server has them (autovacuum
    analyzes a freshly bulk-loaded table only a while later; a studio's server has long done so).
    """
    db, _ = ctx.demo("large")
    if id(db) not in _analyzed:
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
        _analyzed.add(id(db))
    return db


@figure("inventory_tab_first_load", "ms", 100.0)
def inventory_first_load(ctx: Context) -> float:
    """What the Inventory tab asks on its first load: a page of items, the totals, the open
    checkouts (pending, overdue, out), over the large studio's 5,000 items."""
    db = _large(ctx)
    actor = StudioService(db).default_actor()
    inventory = InventoryService(db)

    def load() -> None:
        inventory.items(actor)
        inventory.totals(actor)
        inventory.checkouts(actor, "open")

    return service_time(load)


@figure("inventory_barcode_lookup", "ms", 20.0)
def barcode_lookup(ctx: Context) -> float:
    """A scan: the exact serial number typed by the scanner, to the item's details."""
    db = _large(ctx)
    actor = StudioService(db).default_actor()
    inventory = InventoryService(db)
    codes = [f"RMS-{n:05d}" for n in (17, 1234, 2500, 4321, 4999)]
    found = [inventory.by_barcode(actor, code) for code in codes]
    assert all(item is not None for item in found), "the demo's serial numbers changed"
    index = iter(range(10**6))
    return service_time(lambda: inventory.by_barcode(actor, codes[next(index) % len(codes)]))


@figure("rooms_day_of_bookings", "ms", 50.0)
def room_day(ctx: Context) -> float:
    """One day of every room (the large studio's rooms), reservations and room lessons."""
    db = _large(ctx)
    actor = StudioService(db).default_actor()
    rooms = RoomService(db)
    return service_time(lambda: rooms.day(actor, ctx.today))
