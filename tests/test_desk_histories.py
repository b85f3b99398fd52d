"""Random histories of several desks on one studio: after every step the books still add up.

Hypothesis draws a history: steps of one to three desk operations (book or cancel a lesson or a
practice room, lend or take back an instrument, issue an invoice, take a payment, refund, credit
note, apply credit); the operations of one step run at the same moment, each desk on its own
connection. After every step the invariants below are checked in SQL against what is stored.
A desk may be refused with a sentence (a clash, too little stock, nothing left to refund);
anything else (a database error, a traceback) fails the history.

CI runs three histories of up to 25 steps with a fixed seed. A longer, random run:
`STUDIOSYNC_DESK_HISTORIES=200 pytest tests/test_desk_histories.py` (examples; 40 steps each).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from desks import desk_databases, race
from factories import Maker
from hypothesis import HealthCheck, Phase, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import text

from studiosync_desktop.db import Database
from studiosync_desktop.errors import StudioSyncError
from studiosync_desktop.models import Base
from studiosync_desktop.schemas.billing import Payer
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services.container import Services
from studiosync_desktop.services.figure_sql import (
    INSTRUMENT_KEY,
    TEACHER_KEY,
    invoice_shares,
    kept_shares,
)
from studiosync_desktop.services.studio import StudioService

DESKS = 3
NY = ZoneInfo("America/New_York")
LONG_RUN = int(os.environ.get("STUDIOSYNC_DESK_HISTORIES", "0"))
SETTINGS = settings(
    max_examples=LONG_RUN or 3,
    stateful_step_count=40 if LONG_RUN else 25,
    derandomize=not LONG_RUN,  # CI: the same histories every run
    # CI reports the first failing history whole; the long run also shrinks it.
    phases=list(Phase) if LONG_RUN else [Phase.explicit, Phase.generate],
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
# Line prices and payments (large first: drawn numbers lean small), credit notes and refunds.
PRICES = ("99.99", "40.00", "25.50", "10.00")
SMALL = ("10.00", "25.50", "40.00")


@dataclass
class Studio:
    """One studio's people, rooms and items, and what the history has made so far."""

    admin: Actor
    teachers: list[uuid.UUID]
    students: list[uuid.UUID]
    payers: list[Payer]
    people: list[uuid.UUID]
    rooms: list[uuid.UUID]
    items: list[uuid.UUID]
    first_slot: datetime
    made: dict[str, list[uuid.UUID]] = field(default_factory=dict)

    def record(self, made: tuple[str, uuid.UUID] | None) -> None:
        if made is not None:
            self.made.setdefault(made[0], []).append(made[1])

    def pick(self, kind: str, n: int) -> uuid.UUID | None:
        ids = self.made.get(kind, [])
        return ids[n % len(ids)] if ids else None

    def slot(self, n: int, minutes: int) -> dict[str, datetime]:
        """One of eight half-hour starts of one afternoon: bookings often overlap."""
        start = self.first_slot + timedelta(minutes=30 * (n % 8))
        return {"start": start, "end": start + timedelta(minutes=minutes)}


def _empty(db: Database) -> None:
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with db.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} CASCADE"))


def _studio(db: Database) -> Studio:
    _empty(db)
    admin = StudioService(db).set_up(
        {
            "studio_name": "Harmony Music School",
            "timezone": "America/New_York",
            "currency": "USD",
            "tax_rate_percent": "8.25",
            "admin_email": "owner@harmony.example",
            "admin_first_name": "Olivia",
            "admin_last_name": "Owner",
        }
    )
    make = Maker(db, admin.studio_id)
    family = make.family("Chen family")
    students = [
        make.student("Maya", "Chen", family_id=family),
        make.student("Leo", "Chen", family_id=family),
        make.student("Sam", "Solo"),
    ]
    services = Services.build(db)
    items = [
        services.inventory.create_item(admin, {"name": f"Violin {n}", "quantity": n}).id
        for n in (1, 3)
    ]
    day = datetime.now(NY).date() + timedelta(days=60)
    studio = Studio(
        admin=admin,
        teachers=[make.teacher("Tess", "Keys"), make.teacher("Tom", "Bass")],
        students=students,
        payers=[Payer(kind="family", id=family), Payer(kind="student", id=students[2])],
        people=[make.person("Pat", "Practice"), make.person("Ria", "Rehearse")],
        rooms=[make.room("Room A"), make.room("Room B")],
        items=items,
        first_slot=datetime(day.year, day.month, day.day, 15, tzinfo=NY),
    )
    # Last month's invoices, sent: the desks' billing starts from some history.
    for n in range(4):
        studio.record(invoice(services, studio, [n % 3, n, n, 1]))
    return studio


# --- what a desk does: (services, studio, four drawn numbers) -> (kind made, id) or None -----

Made = tuple[str, uuid.UUID] | None


def book_lesson(sv: Services, st_: Studio, n: list[int]) -> Made:
    lesson = sv.scheduling.create_lesson(
        st_.admin,
        {
            "teacher_id": st_.teachers[n[0] % 2],
            "student_id": st_.students[n[1] % 3],
            "room_id": st_.rooms[n[2] % 2] if n[2] % 3 else None,
            **st_.slot(n[3], 30 + 30 * (n[0] % 2)),
        },
    )
    return ("lesson", lesson.id)


def cancel_lesson(sv: Services, st_: Studio, n: list[int]) -> Made:
    lesson = st_.pick("lesson", n[0])
    if lesson is not None:
        sv.scheduling.cancel(st_.admin, lesson, {"reason": "Sick"})
    return None


def book_room(sv: Services, st_: Studio, n: list[int]) -> Made:
    booked = sv.rooms.reserve(
        st_.admin,
        {
            "room_id": st_.rooms[n[0] % 2],
            "person_id": st_.people[n[1] % 2],
            **st_.slot(n[2], 30 + 30 * (n[3] % 2)),
        },
    )
    return ("reservation", booked.id)


def cancel_room(sv: Services, st_: Studio, n: list[int]) -> Made:
    booking = st_.pick("reservation", n[0])
    if booking is not None:
        sv.rooms.set_status(st_.admin, booking, "cancelled")
    return None


def lend(sv: Services, st_: Studio, n: list[int]) -> Made:
    out = sv.inventory.request(
        st_.admin,
        {
            "item_id": st_.items[n[0] % 2],
            "borrower_id": st_.people[n[1] % 2],
            "quantity": 1 + n[2] % 2,
            "approve_now": True,
        },
    )
    return ("checkout", out.id)


def take_back(sv: Services, st_: Studio, n: list[int]) -> Made:
    checkout = st_.pick("checkout", n[0])
    if checkout is not None:
        sv.inventory.return_item(st_.admin, checkout)
    return None


def invoice(sv: Services, st_: Studio, n: list[int]) -> Made:
    # Mostly the family (several children, many invoices): desks meet on one payer.
    draft = sv.invoicing.create_draft(st_.admin, st_.payers[0 if n[0] % 3 else 1])
    for k in range(1 + n[1] % 2):
        sv.invoicing.add_line(
            st_.admin,
            draft,
            {
                "description": "Lessons",
                "unit_price": PRICES[(n[2] + k) % 4],
                "is_taxable": bool(k),
            },
        )
    if n[3] % 4 == 0:  # now and then a draft stays a draft
        return ("draft", draft)
    sv.invoicing.issue(st_.admin, draft)
    return ("invoice", draft)


def pay(sv: Services, st_: Studio, n: list[int]) -> Made:
    inv = st_.pick("invoice", n[0])
    if inv is None:
        return None
    paid = sv.payments.record(
        st_.admin,
        inv,
        {"amount": PRICES[n[1] % 4], "method": "cash", "excess_as_credit": bool(n[2] % 2)},
    )
    return ("payment", paid)


def refund(sv: Services, st_: Studio, n: list[int]) -> Made:
    payment = st_.pick("payment", n[0])
    if payment is not None:
        sv.payments.refund(st_.admin, payment, {"amount": SMALL[n[1] % 2], "reason": "Back"})
    return None


def credit_note(sv: Services, st_: Studio, n: list[int]) -> Made:
    inv = st_.pick("invoice", n[0])
    if inv is not None:
        sv.invoicing.credit_note(
            st_.admin, inv, {"amount": SMALL[n[1] % 3], "reason": "Lesson missed"}
        )
    return None


def apply_credit(sv: Services, st_: Studio, n: list[int]) -> Made:
    inv = st_.pick("invoice", n[0])
    if inv is not None:
        sv.payments.apply_credit(st_.admin, inv)
    return None


AREAS: dict[str, tuple[Callable[[Services, Studio, list[int]], Made], ...]] = {
    "lessons": (book_lesson, cancel_lesson),
    "rooms": (book_room, cancel_room, book_lesson),
    "lending": (lend, take_back),
    "billing": (invoice, pay, refund, credit_note, apply_credit),
    # Issuing and credit notes at once: where two desks used to deadlock.
    "corrections": (invoice, credit_note),
}
OPERATIONS = {f.__name__: f for area in AREAS.values() for f in area}
NUMBERS = st.lists(st.integers(0, 50), min_size=4, max_size=4)


def operations(names: list[str]) -> st.SearchStrategy[tuple[str, list[int]]]:
    return st.tuples(st.sampled_from(sorted(names)), NUMBERS)


# A step: desks busy anywhere, or all at one counter (an area's operations).
anywhere = st.lists(operations(list(OPERATIONS)), min_size=1, max_size=DESKS)
one_area = st.sampled_from(sorted(AREAS)).flatmap(
    lambda area: st.lists(operations([f.__name__ for f in AREAS[area]]), min_size=2, max_size=DESKS)
)


# --- the invariants, in SQL over what is stored: each query lists what breaks one ------------

# The reports' sharing worked out from every invoice's lines (figure_sql.invoice_shares).
LINES_OF_EVERY_INVOICE = "WITH money AS (SELECT id AS invoice_id FROM invoices)"
# Shares by teacher (a uuid) and by instrument (text) in one list.
AS_TEXT = (
    "(SELECT invoice_id, key::text, kept, part, whole, is_largest, largest::text, largest_kept"
    " FROM ({}) x)"
)

INVARIANTS = {
    "stock within bounds and equal to what is held": """
        SELECT i.name FROM inventory_items i
        WHERE i.available_quantity NOT BETWEEN 0 AND i.quantity
           OR i.available_quantity <> i.quantity - (
                SELECT coalesce(sum(c.quantity), 0) FROM checkout_logs c
                WHERE c.item_id = i.id
                  AND (c.status = 'approved' OR (c.status = 'pending' AND c.held_on_request)))
    """,
    "no teacher, student or room in two lessons at once": """
        SELECT a.id FROM lessons a JOIN lessons b ON a.id < b.id
         AND tstzrange(a.scheduled_start, a.scheduled_end)
             && tstzrange(b.scheduled_start, b.scheduled_end)
         AND (a.teacher_id = b.teacher_id OR a.student_id = b.student_id
              OR a.room_id = b.room_id)
        WHERE a.status IN ('scheduled', 'in_progress', 'completed')
          AND b.status IN ('scheduled', 'in_progress', 'completed')
    """,
    "no room booked twice": """
        WITH used AS (
            SELECT id, room_id, tstzrange(start_time, end_time) AS during
            FROM room_reservations WHERE status IN ('pending', 'confirmed')
            UNION ALL
            SELECT id, room_id, tstzrange(scheduled_start, scheduled_end) FROM lessons
            WHERE room_id IS NOT NULL AND status IN ('scheduled', 'in_progress', 'completed'))
        SELECT a.id FROM used a JOIN used b
          ON a.id < b.id AND a.room_id = b.room_id AND a.during && b.during
    """,
    "invoice totals are lines minus discount plus tax": """
        SELECT i.invoice_number FROM invoices i
        CROSS JOIN LATERAL (
            SELECT coalesce(sum(quantity * unit_price), 0) AS sub,
                   coalesce(sum(quantity * unit_price) FILTER (WHERE is_taxable), 0) AS taxable
            FROM invoice_line_items WHERE invoice_id = i.id) l
        WHERE i.subtotal <> l.sub
           OR i.tax <> round(l.taxable * i.tax_rate / 100, 2)
           OR i.total <> l.sub - i.discount + i.tax + i.late_fee
    """,
    "amount paid is payments minus refunds": """
        SELECT i.invoice_number FROM invoices i
        WHERE i.amount_paid <> (
                SELECT coalesce(sum(p.amount - p.refunded_amount), 0) FROM payments p
                WHERE p.invoice_id = i.id
                  AND p.status IN ('completed', 'partially_refunded', 'refunded'))
           OR i.amount_paid > greatest(i.total, 0)
    """,
    "account credit never below zero": """
        SELECT coalesce(family_id, band_id, student_id) FROM account_credits
        GROUP BY family_id, band_id, student_id HAVING sum(amount) < 0
    """,
    "invoice numbers of a year have no gap": """
        SELECT y FROM (
            SELECT split_part(invoice_number, '-', 2) AS y,
                   count(*) AS n, max(split_part(invoice_number, '-', 3)::int) AS top
            FROM invoices WHERE invoice_number IS NOT NULL GROUP BY 1) x
        WHERE n <> top
        UNION ALL
        SELECT invoice_number FROM invoices
        WHERE (status = 'draft') <> (invoice_number IS NULL)
    """,
    "each invoice's kept parts are what its lines say": " UNION ALL ".join(
        f"({AS_TEXT.format(a)} EXCEPT ALL {AS_TEXT.format(b)})"
        for key in (TEACHER_KEY, INSTRUMENT_KEY)
        for a, b in (
            (kept_shares(key), f"{LINES_OF_EVERY_INVOICE} {invoice_shares(key)}"),
            (f"{LINES_OF_EVERY_INVOICE} {invoice_shares(key)}", kept_shares(key)),
        )
    ),
}


class DeskHistory(RuleBasedStateMachine):
    """Several desks on one studio; each step runs one to three operations at once."""

    def __init__(self, db: Database, desks: list[Services]) -> None:
        super().__init__()
        self.db = db
        self.desks = desks
        self.studio = _studio(db)

    @rule(step=one_area)
    def desks_at_one_counter(self, step: list[tuple[str, list[int]]]) -> None:
        self.desks_act_at_once(step)

    @rule(step=anywhere)
    def desks_anywhere(self, step: list[tuple[str, list[int]]]) -> None:
        self.desks_act_at_once(step)

    def desks_act_at_once(self, step: list[tuple[str, list[int]]]) -> None:
        def act(i: int) -> Made:
            name, numbers = step[i]
            # Each desk starts from its own record: desks at one counter serve different people.
            return OPERATIONS[name](self.desks[i], self.studio, [numbers[0] + i, *numbers[1:]])

        for (name, _), result in zip(step, race(len(step), act), strict=True):
            event(f"{name}: {type(result).__name__ if isinstance(result, Exception) else 'done'}")
            if isinstance(result, StudioSyncError):
                continue  # refused with a sentence: a clash, no stock, nothing to refund...
            if isinstance(result, BaseException):
                raise AssertionError(f"{name} failed with {result!r}") from result
            self.studio.record(result)

    @invariant()
    def the_books_add_up(self) -> None:
        with self.db.engine.connect() as c:
            broken = {
                name: [str(r[0]) for r in c.execute(text(sql))] for name, sql in INVARIANTS.items()
            }
        assert {k: v for k, v in broken.items() if v} == {}


@pytest.fixture
def desk_services(database_url: str) -> Iterator[list[Services]]:
    with desk_databases(database_url, DESKS) as dbs:
        yield [Services.build(d) for d in dbs]


@pytest.mark.timeout(0 if LONG_RUN else 300)
def test_random_histories_of_several_desks_keep_the_books(
    db: Database, desk_services: list[Services]
) -> None:
    run_state_machine_as_test(lambda: DeskHistory(db, desk_services), settings=SETTINGS)


def test_each_invariant_finds_what_it_guards(db: Database) -> None:
    """Every invariant query is a real check: broken by hand in SQL, each one reports."""
    studio = _studio(db)
    sv = Services.build(db)
    inv = sv.invoicing.create_draft(studio.admin, studio.payers[0])
    sv.invoicing.add_line(studio.admin, inv, {"description": "Lessons", "unit_price": "50.00"})
    sv.invoicing.issue(studio.admin, inv)
    book_lesson(sv, studio, [0, 0, 1, 0])
    sv.rooms.reserve(
        studio.admin,
        {"room_id": studio.rooms[0], "person_id": studio.people[0], **studio.slot(4, 30)},
    )
    breakage = {
        "stock within bounds and equal to what is held": [
            "ALTER TABLE inventory_items DISABLE TRIGGER USER",
            "UPDATE inventory_items SET available_quantity = available_quantity - 1",
        ],
        "no teacher, student or room in two lessons at once": [
            "ALTER TABLE lessons DISABLE TRIGGER USER",
            "ALTER TABLE lessons DROP CONSTRAINT ex_lessons_teacher_busy",
            "INSERT INTO lessons (studio_id, teacher_id, student_id, scheduled_start,"
            " scheduled_end, teacher_busy) SELECT studio_id, teacher_id, student_id,"
            " scheduled_start, scheduled_end, teacher_busy FROM lessons",
        ],
        "no room booked twice": [
            "ALTER TABLE room_reservations DISABLE TRIGGER USER",
            "INSERT INTO room_reservations (studio_id, room_id, student_id, start_time,"
            " end_time, status) SELECT studio_id, room_id, student_id, start_time, end_time,"
            " status FROM room_reservations",
        ],
        "account credit never below zero": [
            "ALTER TABLE account_credits DISABLE TRIGGER USER",
            "INSERT INTO account_credits (studio_id, family_id, amount, note)"
            " SELECT studio_id, id, -5, 'Taken by hand' FROM families",
        ],
        "invoice totals are lines minus discount plus tax": [
            "ALTER TABLE invoices DISABLE TRIGGER USER",
            "UPDATE invoices SET subtotal = subtotal + 1, total = total + 1",
        ],
        "amount paid is payments minus refunds": [
            "ALTER TABLE invoices DISABLE TRIGGER USER",
            "UPDATE invoices SET amount_paid = 1",
        ],
        "invoice numbers of a year have no gap": [
            "ALTER TABLE invoices DISABLE TRIGGER USER",
            "UPDATE invoices SET invoice_number = invoice_number || '0'",
        ],
        "each invoice's kept parts are what its lines say": [
            "ALTER TABLE invoice_line_items DISABLE TRIGGER USER",
            "UPDATE invoice_line_items SET unit_price = unit_price + 1",
        ],
    }
    for name, statements in breakage.items():
        with db.engine.connect() as c:
            for statement in statements:
                c.execute(text(statement))
            found = list(c.execute(text(INVARIANTS[name])))
            c.rollback()
        assert found, name
