"""invoice_shares, kept by the database from invoice lines (0052), says what the lines say: after
any lines added, changed, moved to another lesson or deleted (one or several a statement), and
lessons given to another teacher, every invoice's rows are those the reports worked out from
the lines (figure_sql.invoice_shares), for both keys; and no login writes the table."""

from __future__ import annotations

import threading
import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest
from factories import Maker
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from studiosync_desktop.db import Database
from studiosync_desktop.embedded import libpq_dsn
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services.figure_sql import (
    INSTRUMENT_KEY,
    TEACHER_KEY,
    invoice_shares,
    kept_shares,
)
from studiosync_desktop.services.invoicing import InvoicingService

START = datetime(2030, 3, 4, 9, tzinfo=ZoneInfo("America/New_York"))
LESSONS = 10
INVOICES = 3

# One change of lines, as the strategy draws it; indexes are taken modulo what exists.
ADD = st.tuples(
    st.just("add"),
    st.integers(0, INVOICES - 1),
    st.lists(
        st.tuples(
            st.none() | st.integers(0, LESSONS - 1),
            st.integers(1, 3),
            st.decimals(-50, 200, places=2, allow_nan=False, allow_infinity=False),
        ),
        min_size=1,
        max_size=4,
    ),
)
PRICE = st.tuples(
    st.just("price"),
    st.integers(0, 30),
    st.decimals(-50, 200, places=2, allow_nan=False, allow_infinity=False),
)
MOVE = st.tuples(st.just("move"), st.integers(0, 30), st.none() | st.integers(0, LESSONS - 1))
DELETE = st.tuples(st.just("delete"), st.integers(0, 30))
CLEAR = st.tuples(st.just("clear"), st.integers(0, INVOICES - 1))
TEACH = st.tuples(st.just("teach"), st.integers(0, LESSONS - 1), st.integers(0, 2))
CHANGES = st.lists(st.one_of(ADD, ADD, PRICE, MOVE, DELETE, CLEAR, TEACH), max_size=12)


@pytest.fixture
def world(db: Database, admin: Actor) -> dict[str, Any]:
    make = Maker(db, admin.studio_id)
    teachers = [make.teacher("Ann", "Alto"), make.teacher("Ben", "Bass"), make.teacher("Cy", "Cor")]
    students = [
        make.student("Sam", "One", instrument="Piano"),
        make.student("Sue", "Two", instrument="Violin"),
        make.student("Sid", "Three", instrument=""),  # shared as 'Band or group'
    ]
    lessons = [
        make.lesson(teachers[n % 3], START + timedelta(hours=n), student_id=students[(n // 3) % 3])
        for n in range(LESSONS)
    ]
    family = make.family("The Ones")
    invoices = [
        make.invoice(family_id=family, status="draft", total="0.00") for _ in range(INVOICES)
    ]
    return {"teachers": teachers, "lessons": lessons, "invoices": invoices}


def _apply(
    conn: psycopg.Connection[Any], w: dict[str, Any], studio: uuid.UUID, change: Any
) -> None:
    lines = [r[0] for r in conn.execute("SELECT id FROM invoice_line_items ORDER BY id")]
    billed = {r[0] for r in conn.execute("SELECT lesson_id FROM invoice_line_items")}
    kind = change[0]
    if kind == "add":
        rows = []
        for lesson, quantity, price in change[2]:
            chosen = None if lesson is None else w["lessons"][lesson]
            if chosen in billed:  # a lesson is billed once: this one becomes a line of books
                chosen = None
            billed.add(chosen)
            rows.append((studio, w["invoices"][change[1]], "Line", quantity, price, chosen))
        values = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(rows))
        conn.execute(
            "INSERT INTO invoice_line_items"
            " (studio_id, invoice_id, description, quantity, unit_price, lesson_id)"
            f" VALUES {values}",
            [v for row in rows for v in row],
        )
    elif kind == "price" and lines:
        conn.execute(
            "UPDATE invoice_line_items SET unit_price = %s WHERE id = %s",
            (change[2], lines[change[1] % len(lines)]),
        )
    elif kind == "move" and lines:
        lesson = None if change[2] is None else w["lessons"][change[2]]
        if lesson not in billed:
            conn.execute(
                "UPDATE invoice_line_items SET lesson_id = %s WHERE id = %s",
                (lesson, lines[change[1] % len(lines)]),
            )
    elif kind == "delete" and lines:
        conn.execute(
            "DELETE FROM invoice_line_items WHERE id = %s", (lines[change[1] % len(lines)],)
        )
    elif kind == "clear":
        conn.execute(
            "DELETE FROM invoice_line_items WHERE invoice_id = %s", (w["invoices"][change[1]],)
        )
    elif kind == "teach":  # a substitute: the lesson's lines follow (0038), so do the shares
        conn.execute(
            "UPDATE lessons SET teacher_id = %s WHERE id = %s",
            (w["teachers"][change[2]], w["lessons"][change[1]]),
        )


def _rows(conn: psycopg.Connection[Any], sql: str) -> list[tuple[Any, ...]]:
    return sorted((tuple(str(v) for v in r) for r in conn.execute(sql)), key=repr)


def _as_kept_and_as_lines(conn: psycopg.Connection[Any]) -> None:
    for key in (TEACHER_KEY, INSTRUMENT_KEY):
        from_lines = f"WITH money AS (SELECT id AS invoice_id FROM invoices) {invoice_shares(key)}"
        assert _rows(conn, kept_shares(key)) == _rows(conn, from_lines), key


def test_the_kept_shares_are_what_the_lines_say_after_any_changes(
    db: Database, admin: Actor, world: dict[str, Any]
) -> None:
    url = libpq_dsn(db.url)

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    @given(changes=CHANGES)
    def check(changes: list[Any]) -> None:
        with psycopg.connect(url) as conn:
            for change in changes:
                _apply(conn, world, admin.studio_id, change)
                _as_kept_and_as_lines(conn)
            conn.rollback()

    check()


def test_an_issued_invoice_and_its_credit_note_keep_their_shares(
    db: Database, admin: Actor, world: dict[str, Any]
) -> None:
    invoice = world["invoices"][0]
    with db.session() as s:
        for n, (lesson, price) in enumerate(((0, "30.00"), (1, "20.00"), (None, "5.00"))):
            s.execute(
                text(
                    "INSERT INTO invoice_line_items"
                    " (studio_id, invoice_id, position, description, unit_price, lesson_id)"
                    " VALUES (:s, :i, :n, 'Line', :p, :l)"
                ),
                {
                    "s": admin.studio_id,
                    "i": invoice,
                    "n": n,
                    "p": Decimal(price),
                    "l": None if lesson is None else world["lessons"][lesson],
                },
            )
    invoicing = InvoicingService(db)
    invoicing.issue(admin, invoice)
    invoicing.credit_note(admin, invoice, {"amount": "10.00", "reason": "Snow"})
    with db.session() as s:
        parts = s.execute(
            text(
                "SELECT share_by, part, whole, largest FROM invoice_shares WHERE invoice_id = :i"
                " ORDER BY share_by, part DESC"
            ),
            {"i": invoice},
        ).all()
    assert [tuple(p) for p in parts] == [
        ("instrument", Decimal("50.00"), Decimal("55.00"), True),  # Piano (lessons 0 and 1)
        ("instrument", Decimal("5.00"), Decimal("55.00"), False),  # books
        ("teacher", Decimal("30.00"), Decimal("55.00"), True),  # Ann
        ("teacher", Decimal("20.00"), Decimal("55.00"), False),  # Ben
        ("teacher", Decimal("5.00"), Decimal("55.00"), False),  # books
    ]
    with psycopg.connect(libpq_dsn(db.url)) as conn:
        _as_kept_and_as_lines(conn)


def test_two_desks_changing_one_drafts_lines_at_once_leave_the_parts_of_both(
    db: Database, admin: Actor, world: dict[str, Any]
) -> None:
    """The second desk's statement waits for the first's invoice lock, then works the parts
    out again from both desks' lines (without the lock it kept only its own view)."""
    invoice, url = world["invoices"][0], libpq_dsn(db.url)
    add = (
        "INSERT INTO invoice_line_items (studio_id, invoice_id, description, unit_price,"
        " lesson_id) VALUES (%s, %s, 'Line', %s, %s)"
    )
    with psycopg.connect(url) as first, psycopg.connect(url) as second:
        first.execute(add, (admin.studio_id, invoice, Decimal("30.00"), world["lessons"][0]))
        done = threading.Event()

        def other_desk() -> None:
            second.execute(add, (admin.studio_id, invoice, Decimal("20.00"), world["lessons"][1]))
            second.commit()
            done.set()

        thread = threading.Thread(target=other_desk)
        thread.start()
        assert not done.wait(0.5)  # waiting for the first desk's invoice
        first.commit()
        thread.join(10)
        assert done.is_set()
    with psycopg.connect(url) as conn:
        _as_kept_and_as_lines(conn)
        teachers = conn.execute(
            "SELECT count(*) FROM invoice_shares WHERE invoice_id = %s AND share_by = 'teacher'",
            (invoice,),
        ).fetchone()
        assert teachers == (2,)
