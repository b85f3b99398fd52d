"""The one keyset pager: every paged list refuses a forged cursor with a sentence, and a list
paged by a mixed sort key (rank, day, id) returns every row once."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from factories import Maker
from sqlalchemy import text

from studiosync_desktop.db import Database
from studiosync_desktop.errors import ValidationFailed
from studiosync_desktop.schemas.accounts import AuditFilters
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services.accounts import AccountService
from studiosync_desktop.services.billing import BillingService
from studiosync_desktop.services.email_outbox import OutboxService
from studiosync_desktop.services.inventory import InventoryService
from studiosync_desktop.services.keyset_pager import (
    BAD_CURSOR,
    decode_cursor,
    encode_cursor,
    id_key,
    int_key,
    text_key,
)
from studiosync_desktop.services.resources import ResourceService
from studiosync_desktop.services.roster import RosterService

PagedList = Callable[[Database, Actor, str], Any]

# Each paged list, called with a cursor (the desk's own screens only ever pass one it was given).
LISTS: dict[str, PagedList] = {
    "students": lambda db, a, c: RosterService(db).students(a, cursor=c),
    "families": lambda db, a, c: RosterService(db).families(a, cursor=c),
    "invoices": lambda db, a, c: BillingService(db).invoices(a, cursor=c),
    "items": lambda db, a, c: InventoryService(db).items(a, cursor=c),
    "checkouts": lambda db, a, c: InventoryService(db).checkouts(a, "all", cursor=c),
    "resources": lambda db, a, c: ResourceService(db).resources(a, cursor=c),
    "outbox": lambda db, a, c: OutboxService(db).page(a, cursor=c),
    "audit": lambda db, a, c: AccountService(db).audit(a, cursor=c),
}

# Cursors a person could paste or a bug could pass: not base64, not JSON, the wrong number of
# values, values of the wrong type in every position.
FORGED = [
    "not-a-cursor!",
    encode_cursor(),
    encode_cursor("not-a-number"),
    encode_cursor("a", "b", "c", "d"),
    encode_cursor("x", "not-a-date-or-id"),
    encode_cursor("x", "2026-13-45", "not-an-id"),
    "W10",  # base64 of "[]"
    "eyJhIjogMX0",  # base64 of '{"a": 1}'
]


@pytest.mark.parametrize("name", sorted(LISTS))
@pytest.mark.parametrize("cursor", FORGED)
def test_a_forged_cursor_is_refused_with_a_sentence_by_every_paged_list(
    db: Database, admin: Actor, name: str, cursor: str
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        LISTS[name](db, admin, cursor)
    assert refused.value.fields == {"cursor": BAD_CURSOR}


def test_a_cursor_is_read_back_as_its_keys_types() -> None:
    row = uuid.uuid4()
    keys = (int_key(None), text_key(None), id_key(None))
    assert decode_cursor(encode_cursor(2, "Chen", row), keys) == [2, "Chen", row]
    with pytest.raises(ValidationFailed):
        decode_cursor(encode_cursor("two", "Chen", row), keys)


def test_checkouts_page_by_rank_due_day_and_id_and_return_each_once(
    db: Database, admin: Actor
) -> None:
    make = Maker(db, admin.studio_id)
    borrower = make.person("Ana", "Ruiz")
    item = make.item("Music stand", quantity=50, available=50)
    service = InventoryService(db)
    made = []
    for n in range(12):
        loan = service.request(
            admin, {"item_id": item, "borrower_id": borrower, "approve_now": n % 3 != 0}
        )
        if n % 3 == 2:
            service.return_item(admin, loan.id)
        made.append(loan.id)
    seen: list[uuid.UUID] = []
    cursor = None
    while True:
        page = service.checkouts(admin, "all", cursor=cursor, limit=5)
        seen += [r.id for r in page.rows]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) and sorted(seen) == sorted(made)
    statuses = [r.status for r in service.checkouts(admin, "all", limit=100).rows]
    assert statuses == sorted(statuses, key=["pending", "approved", "returned"].index)


def test_the_audit_trail_pages_newest_first_each_change_once(db: Database, admin: Actor) -> None:
    make = Maker(db, admin.studio_id)
    for n in range(7):
        make.family(f"Family {n}")
    accounts = AccountService(db)
    everything = accounts.audit(admin, AuditFilters(table_name="families", limit=1000)).rows
    assert len(everything) >= 7
    seen: list[int] = []
    cursor = None
    while True:
        page = accounts.audit(admin, AuditFilters(table_name="families", limit=3), cursor)
        seen += [r.id for r in page.rows]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == [r.id for r in everything] == sorted(seen, reverse=True)


def test_the_audit_trail_names_the_room_and_people_a_change_points_at(
    db: Database, admin: Actor
) -> None:
    from studiosync_desktop.services.accounts import AccountService
    from studiosync_desktop.ui.audit_columns import changes_text

    make = Maker(db, admin.studio_id)
    room_a, room_b = make.room("Room A"), make.room("Room B")
    with db.session() as s:
        s.execute(
            text(
                "INSERT INTO room_reservations (studio_id, room_id, student_id, start_time,"
                " end_time, status, total_cost) SELECT :st, :r, id, now() + interval '1 day',"
                " now() + interval '1 day 1 hour', 'confirmed', 15 FROM users WHERE id = :u"
            ),
            {"st": admin.studio_id, "r": room_a, "u": admin.user_id},
        )
        s.execute(text("UPDATE room_reservations SET room_id = :b"), {"b": room_b})
    page = AccountService(db).audit(admin)
    moved = next(
        r for r in page.rows if r.table_name == "room_reservations" and r.action == "update"
    )
    assert changes_text(moved) == "Room: Room A \N{RIGHTWARDS ARROW} Room B"
    added = next(
        r for r in page.rows if r.table_name == "room_reservations" and r.action == "insert"
    )
    assert "Student: Olivia Owner" in changes_text(added) and str(
        admin.user_id
    ) not in changes_text(added)
