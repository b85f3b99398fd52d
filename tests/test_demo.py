"""The demo studio: believable, consistent, and already true to every rule later issues enforce."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import text

from studiosync_desktop.db import Database
from studiosync_desktop.errors import Conflict, ValidationFailed
from studiosync_desktop.models import Base
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.schemas.demo import DemoSummary
from studiosync_desktop.services.demo import DemoService, builder

TODAY = date(2026, 3, 18)
NOT_CANCELLED = "('scheduled', 'in_progress', 'completed')"


@pytest.fixture
def demo(db: Database) -> DemoSummary:
    return DemoService(db).build("small", today=TODAY)


def scalar(db: Database, sql: str, **params: Any) -> Any:
    with db.engine.connect() as conn:
        return conn.execute(text(sql), params).scalar()


def column(db: Database, sql: str) -> set[Any]:
    with db.engine.connect() as conn:
        return set(conn.execute(text(sql)).scalars())


def test_small_demo_has_a_believable_studio(demo: DemoSummary) -> None:
    c = demo.counts
    assert c["studios"] == 1
    assert c["teachers"] == 8
    assert c["students"] == 120
    assert c["families"] == 70
    assert c["bands"] == 3
    assert c["practice_rooms"] == 6
    assert 10 <= c["band_members"] <= 20
    assert 100 <= c["recurring_patterns"] <= 125
    assert 1_200 <= c["lessons"] <= 2_200
    assert 100 <= c["invoices"] <= 400
    assert c["invoice_line_items"] >= c["invoices"]
    for table in (
        "payments",
        "inventory_items",
        "checkout_logs",
        "room_reservations",
        "resources",
        "resource_shares",
        "resource_checkouts",
        "message_threads",
        "thread_participants",
        "messages",
        "message_reads",
        "notifications",
        "lesson_notes",
        "student_goals",
        "lesson_plans",
        "payment_methods",
    ):
        assert c[table] > 0, table
    assert demo.seconds > 0


def test_staff_logins_to_be_exist(db: Database, demo: DemoSummary) -> None:
    with db.engine.connect() as conn:
        rows = dict(
            conn.execute(
                text("SELECT email, role FROM users WHERE email LIKE '%@demo.studiosync.example'")
            ).all()
        )
        teachers = conn.execute(
            text(
                "SELECT count(*) FROM teachers t JOIN users u ON u.id = t.user_id "
                "WHERE u.email IN ('teacher1@demo.studiosync.example', "
                "'teacher2@demo.studiosync.example')"
            )
        ).scalar()
        studio = conn.execute(text("SELECT name, timezone, currency, settings FROM studios")).one()
    assert rows == {
        "admin@demo.studiosync.example": "admin",
        "desk@demo.studiosync.example": "desk",
        "teacher1@demo.studiosync.example": "teacher",
        "teacher2@demo.studiosync.example": "teacher",
    }
    assert teachers == 2
    assert studio.name == "Riverside Music School"
    assert studio.timezone == "America/Chicago"
    assert studio.currency == "USD"
    assert studio.settings["tax_rate_percent"] == "0"


def test_every_status_is_represented(db: Database, demo: DemoSummary) -> None:
    assert column(db, "SELECT status FROM lessons") == {
        "completed",
        "cancelled",
        "no_show",
        "scheduled",
    }
    assert column(db, "SELECT status FROM invoices") == {
        "draft",
        "sent",
        "partial",
        "paid",
        "void",
    }
    assert column(db, "SELECT status FROM checkout_logs") == {
        "pending",
        "approved",
        "returned",
        "rejected",
        "cancelled",
    }
    assert column(db, "SELECT status FROM room_reservations") == {
        "pending",
        "confirmed",
        "completed",
        "cancelled",
        "no_show",
    }
    assert column(db, "SELECT category FROM inventory_items") == {
        "instrument",
        "equipment",
        "sheet-music",
        "accessories",
        "other",
    }
    assert column(db, "SELECT condition FROM inventory_items") == {
        "excellent",
        "good",
        "fair",
        "needs-repair",
    }
    assert column(db, "SELECT status FROM inventory_items") == {
        "available",
        "checked-out",
        "maintenance",
        "retired",
    }
    overdue_invoices = scalar(
        db,
        "SELECT count(*) FROM invoices WHERE status IN ('sent', 'partial') "
        "AND total > amount_paid AND due_date < :today",
        today=TODAY,
    )
    overdue_loans = scalar(
        db,
        "SELECT count(*) FROM checkout_logs WHERE status = 'approved' AND due_date < :today",
        today=TODAY,
    )
    assert overdue_invoices > 0
    assert overdue_loans > 0
    assert (
        scalar(
            db,
            "SELECT count(*) FROM lessons WHERE status = 'cancelled' AND cancellation_reason = ''",
        )
        == 0
    )
    assert column(db, "SELECT is_public FROM resources") == {True, False}
    assert (
        scalar(
            db, "SELECT count(*) FROM resources WHERE resource_type = 'link' AND external_url <> ''"
        )
        > 0
    )
    assert scalar(db, "SELECT count(*) FROM resources WHERE is_physical_item AND is_lendable") > 0


def test_past_lessons_are_mostly_completed_and_future_ones_scheduled(
    db: Database, demo: DemoSummary
) -> None:
    past = "scheduled_start < CAST(:today AS date)"
    completed = scalar(
        db, f"SELECT avg((status = 'completed')::int) FROM lessons WHERE {past}", today=TODAY
    )
    assert completed > 0.85
    assert (
        scalar(
            db,
            "SELECT count(*) FROM lessons WHERE scheduled_start >= CAST(:today AS date) + 1 "
            "AND status NOT IN ('scheduled', 'cancelled')",
            today=TODAY,
        )
        == 0
    )
    assert (
        scalar(
            db, f"SELECT count(*) FROM lessons WHERE {past} AND status = 'scheduled'", today=TODAY
        )
        == 0
    )


def test_no_teacher_is_in_two_lessons_or_inside_their_buffer(
    db: Database, demo: DemoSummary
) -> None:
    clashes = scalar(
        db,
        f"""
        WITH busy AS (
            SELECT l.id, l.teacher_id,
                   -- The buffer follows each lesson: the next may start once it has passed.
                   tstzrange(l.scheduled_start,
                             l.scheduled_end + make_interval(mins => t.booking_buffer_minutes))
                       AS during
            FROM lessons l JOIN teachers t ON t.id = l.teacher_id
            WHERE l.status IN {NOT_CANCELLED}
        )
        SELECT count(*) FROM busy a JOIN busy b
          ON a.teacher_id = b.teacher_id AND a.id < b.id AND a.during && b.during
        """,
    )
    assert clashes == 0


def test_no_student_or_band_member_is_in_two_lessons_at_once(
    db: Database, demo: DemoSummary
) -> None:
    clashes = scalar(
        db,
        f"""
        WITH attendance AS (
            SELECT l.id, s.user_id, tstzrange(l.scheduled_start, l.scheduled_end) AS during
            FROM lessons l JOIN students s ON s.id = l.student_id
            WHERE l.status IN {NOT_CANCELLED}
            UNION ALL
            SELECT l.id, m.user_id, tstzrange(l.scheduled_start, l.scheduled_end)
            FROM lessons l JOIN band_members m ON m.band_id = l.band_id
            WHERE l.status IN {NOT_CANCELLED}
        )
        SELECT count(*) FROM attendance a JOIN attendance b
          ON a.user_id = b.user_id AND a.id < b.id AND a.during && b.during
        """,
    )
    assert clashes == 0
    assert scalar(db, "SELECT count(*) FROM lessons WHERE band_id IS NOT NULL") > 0


def test_no_room_holds_two_bookings_at_once(db: Database, demo: DemoSummary) -> None:
    clashes = scalar(
        db,
        f"""
        WITH booking AS (
            SELECT id, room_id, tstzrange(scheduled_start, scheduled_end) AS during
            FROM lessons WHERE room_id IS NOT NULL AND status IN {NOT_CANCELLED}
            UNION ALL
            SELECT id, room_id, tstzrange(start_time, end_time)
            FROM room_reservations WHERE status IN ('pending', 'confirmed')
        )
        SELECT count(*) FROM booking a JOIN booking b
          ON a.room_id = b.room_id AND a.id < b.id AND a.during && b.during
        """,
    )
    assert clashes == 0
    # Lessons and live reservations do share rooms, so the check above means something.
    assert scalar(db, "SELECT count(DISTINCT room_id) FROM lessons") > 1
    assert scalar(db, "SELECT count(*) FROM room_reservations WHERE status = 'confirmed'") > 0


def test_reservation_cost_is_duration_times_rate_rounded_half_up(
    db: Database, demo: DemoSummary
) -> None:
    wrong = scalar(
        db,
        """
        SELECT count(*) FROM room_reservations r JOIN practice_rooms p ON p.id = r.room_id
        WHERE r.total_cost <> round(
            p.hourly_rate * CAST(extract(epoch FROM r.end_time - r.start_time) AS numeric)
            / 3600, 2)
        """,
    )
    assert wrong == 0
    # 80 minutes at 15.00 is 20.00: the odd durations are there.
    assert (
        scalar(
            db,
            "SELECT count(*) FROM room_reservations "
            "WHERE end_time - start_time = interval '80 minutes'",
        )
        > 0
    )


def test_inventory_stock_adds_up(db: Database, demo: DemoSummary) -> None:
    wrong = scalar(
        db,
        """
        SELECT count(*) FROM inventory_items i
        LEFT JOIN (SELECT item_id, sum(quantity) AS out FROM checkout_logs
                   WHERE status = 'approved' GROUP BY item_id) c ON c.item_id = i.id
        WHERE i.available_quantity <> i.quantity - coalesce(c.out, 0)
           OR (i.status = 'checked-out') <> (i.available_quantity = 0 AND i.status NOT IN
                                              ('maintenance', 'retired'))
        """,
    )
    assert wrong == 0
    wrong_resources = scalar(
        db,
        """
        SELECT count(*) FROM resources r
        LEFT JOIN (SELECT resource_id, sum(quantity) AS out FROM resource_checkouts
                   WHERE status = 'checked_out' GROUP BY resource_id) c ON c.resource_id = r.id
        WHERE r.is_physical_item AND r.quantity_available <> r.quantity_total - coalesce(c.out, 0)
        """,
    )
    assert wrong_resources == 0


def test_invoices_add_up_to_the_cent(db: Database, demo: DemoSummary) -> None:
    wrong_totals = scalar(
        db,
        """
        SELECT count(*) FROM invoices i
        LEFT JOIN (SELECT invoice_id, sum(total_price) AS s FROM invoice_line_items
                   GROUP BY invoice_id) l ON l.invoice_id = i.id
        WHERE i.subtotal <> coalesce(l.s, 0)
           OR i.total <> i.subtotal - i.discount + i.tax + i.late_fee
        """,
    )
    wrong_paid = scalar(
        db,
        """
        SELECT count(*) FROM invoices i
        LEFT JOIN (SELECT invoice_id, sum(amount - refunded_amount) AS s FROM payments
                   WHERE status = 'completed' GROUP BY invoice_id) p ON p.invoice_id = i.id
        WHERE i.amount_paid <> coalesce(p.s, 0)
           OR (i.status = 'paid' AND i.amount_paid <> i.total)
           OR (i.status = 'partial' AND NOT (i.amount_paid > 0 AND i.amount_paid < i.total))
           OR (i.status IN ('draft', 'sent', 'void') AND i.amount_paid <> 0)
        """,
    )
    assert wrong_totals == 0
    assert wrong_paid == 0


def test_invoice_numbers_run_per_year_without_gaps_and_drafts_have_none(
    db: Database, demo: DemoSummary
) -> None:
    assert (
        scalar(
            db,
            "SELECT count(*) FROM invoices WHERE (status = 'draft') <> (invoice_number IS NULL)",
        )
        == 0
    )
    assert (
        scalar(
            db,
            "SELECT count(*) FROM invoices WHERE invoice_number IS NOT NULL "
            "AND invoice_number !~ ('^INV-' || extract(year FROM issue_date) || '-[0-9]{5}$')",
        )
        == 0
    )
    gaps = scalar(
        db,
        """
        SELECT count(*) FROM (
            SELECT substr(invoice_number, 5, 4) AS year,
                   max(substr(invoice_number, 10)::int) AS top, count(*) AS n,
                   count(DISTINCT invoice_number) AS distinct_n
            FROM invoices WHERE invoice_number IS NOT NULL GROUP BY 1
        ) y WHERE top <> n OR distinct_n <> n
        """,
    )
    assert gaps == 0


def test_each_completed_lesson_is_billed_once_to_the_right_payer(
    db: Database, demo: DemoSummary
) -> None:
    assert (
        scalar(
            db,
            "SELECT count(*) FROM (SELECT lesson_id FROM invoice_line_items "
            "WHERE lesson_id IS NOT NULL GROUP BY lesson_id HAVING count(*) > 1) d",
        )
        == 0
    )
    wrong_payer = scalar(
        db,
        """
        SELECT count(*) FROM invoice_line_items li
        JOIN invoices i ON i.id = li.invoice_id
        JOIN lessons l ON l.id = li.lesson_id
        LEFT JOIN students s ON s.id = l.student_id
        WHERE l.status <> 'completed'
           OR (l.band_id IS NOT NULL AND i.band_id IS DISTINCT FROM l.band_id)
           OR (l.band_id IS NULL AND s.family_id IS NOT NULL
               AND i.family_id IS DISTINCT FROM s.family_id)
           OR (l.band_id IS NULL AND s.family_id IS NULL
               AND i.student_id IS DISTINCT FROM l.student_id)
        """,
    )
    assert wrong_payer == 0
    assert column(db, "SELECT num_nonnulls(family_id, band_id, student_id) FROM invoices") == {1}
    for payer in ("family_id", "band_id", "student_id"):
        assert scalar(db, f"SELECT count(*) FROM invoices WHERE {payer} IS NOT NULL") > 0


def test_emails_are_unique_whatever_their_case(db: Database, demo: DemoSummary) -> None:
    assert scalar(db, "SELECT count(*) - count(DISTINCT lower(email)) FROM users") == 0
    assert scalar(db, "SELECT count(*) FROM users WHERE email !~ '^[a-z0-9.]+@[a-z0-9.-]+$'") == 0


def test_the_demo_is_the_same_for_the_same_day(db: Database, demo: DemoSummary) -> None:
    with db.engine.connect() as conn:
        fingerprint = conn.execute(
            text("SELECT count(*), sum(total), sum(amount_paid) FROM invoices")
        ).one()
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with db.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} CASCADE"))
    again = DemoService(db).build("small", today=TODAY)
    with db.engine.connect() as conn:
        assert (
            conn.execute(text("SELECT count(*), sum(total), sum(amount_paid) FROM invoices")).one()
            == fingerprint
        )
    assert again.counts == demo.counts


def test_a_non_empty_database_is_refused(db: Database, admin: Actor) -> None:
    service = DemoService(db)
    assert not service.is_empty()
    with pytest.raises(Conflict, match="already holds a studio \\(Harmony Music School\\)"):
        service.build("small", today=TODAY)
    assert scalar(db, "SELECT count(*) FROM studios") == 1


def test_an_unknown_size_is_refused(db: Database) -> None:
    with pytest.raises(ValidationFailed):
        DemoService(db).build("huge")


def test_a_failing_build_leaves_nothing_behind(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(builder, "STEPS", (*builder.STEPS[:-1], broken))
    service = DemoService(db)
    assert service.is_empty()
    with pytest.raises(RuntimeError, match="disk full"):
        service.build("small", today=TODAY)
    for table in Base.metadata.sorted_tables:
        assert scalar(db, f"SELECT count(*) FROM {table.name}") == 0, table.name
    assert service.is_empty()
