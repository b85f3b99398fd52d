"""Erasure: a person is anonymised everywhere, for good, while the books still add up."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import psycopg
import pytest
from privacy_world import NOW, PrivacyWorld, Someone
from sqlalchemy import text

from studiosync_desktop.db import Database
from studiosync_desktop.embedded import libpq_dsn
from studiosync_desktop.errors import Conflict, PermissionDenied, ValidationFailed
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.scram import scram_verifier
from studiosync_desktop.services.people import PeopleService
from studiosync_desktop.services.privacy import PrivacyService
from studiosync_desktop.services.who_acts import login_role_name

TEXT_COLUMNS = """
SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c
  JOIN information_schema.tables t USING (table_schema, table_name)
 WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
   AND c.data_type IN ('text', 'character varying', 'jsonb', 'ARRAY', 'USER-DEFINED')
"""
BOOKS = """
SELECT (SELECT count(*) FROM invoices
         WHERE total <> subtotal - discount + tax + late_fee) AS bad_totals,
       (SELECT count(*) FROM invoices i WHERE i.status <> 'draft' AND i.amount_paid <>
         (SELECT coalesce(sum(p.amount - p.refunded_amount), 0) FROM payments p
           WHERE p.invoice_id = i.id AND p.status IN ('completed', 'partially_refunded')))
           AS bad_paid,
       (SELECT coalesce(sum(total), 0) FROM invoices) AS billed,
       (SELECT coalesce(sum(amount), 0) FROM payments) AS received,
       (SELECT coalesce(sum(amount), 0) FROM account_credits) AS credit,
       (SELECT count(*) FROM invoices) AS invoices,
       (SELECT count(*) FROM payments) AS payments,
       (SELECT count(*) FROM invoice_line_items) AS lines
"""


def everywhere(db: Database, needle: str) -> list[str]:
    """Every text, character and JSON column of every table that holds `needle`."""
    found = []
    with db.session() as s:
        for table, column, _kind in s.execute(text(TEXT_COLUMNS)).all():
            hit = s.scalar(
                text(f'SELECT count(*) FROM "{table}" WHERE "{column}"::text ILIKE :n'),
                {"n": f"%{needle}%"},
            )
            if hit:
                found.append(f"{table}.{column} ({hit})")
        roles = s.scalars(
            text("SELECT rolname FROM pg_roles WHERE rolname ILIKE :n"), {"n": f"%{needle}%"}
        ).all()
    return found + [f"pg_roles: {r}" for r in roles]


@pytest.fixture
def world(db: Database, admin: Actor, database_url: str) -> Iterator[dict[str, Any]]:
    with psycopg.connect(libpq_dsn(database_url)) as conn:
        w = PrivacyWorld(conn, admin.studio_id, admin.user_id)
        ada = w.student("Ada", "Lovelace", "+1 312 555 0101")
        bo = w.student("Bo", "Nakamura", "+1 312 555 0102")
        parent = w.parent_of(ada, "Petra", "+1 312 555 0103")
        shared = w.parent_of(bo, "Sam", bo.phone)  # Bo uses the family's phone
        conn.commit()
        yield {"ada": ada, "bo": bo, "parent": parent, "shared": shared, "w": w, "conn": conn}


def _ask(db: Database, admin: Actor, who: Someone) -> Any:
    service = PrivacyService(db)
    request = service.ask_erasure(admin, {"person_id": who.user, "asked_by": "Her mother"})
    return service, request


def test_erasure_leaves_no_trace_of_the_person_and_the_books_still_add_up(
    db: Database, admin: Actor, world: dict[str, Any]
) -> None:
    ada: Someone = world["ada"]
    with db.session() as s:
        books = s.execute(text(BOOKS)).one()
    assert everywhere(db, "Ada Lovelace")  # the world does hold her, everywhere
    service, request = _ask(db, admin, ada)
    shown = service.erase(admin, request)
    assert shown.startswith("Former student ")
    for trace in ("Ada Lovelace", ada.email, ada.phone, "Ada likes jazz", "2012-01-15"):
        assert everywhere(db, trace) == [], trace
    with db.session() as s:
        after = s.execute(text(BOOKS)).one()
        assert after == books and after.bad_totals == 0 and after.bad_paid == 0
        # The money records keep her lessons, now under her new name.
        line = s.scalar(
            text(
                "SELECT description FROM invoice_line_items WHERE invoice_id IN"
                " (SELECT id FROM invoices WHERE student_id = :s)"
            ),
            {"s": ada.student},
        )
    assert line == f"Lesson: {shown} with Tomas Teach"
    # Everyone else keeps theirs.
    bo: Someone = world["bo"]
    assert everywhere(db, "Bo Nakamura") and everywhere(db, bo.email)
    page = PeopleService(db).page(admin, "students", ada.student)
    assert page.title == shown and "(inactive)" in page.subtitle
    rows = service.requests(admin)
    done = next(r for r in rows if r.id == request)
    assert done.status == "done" and done.person == shown and done.asked_by == "Her mother"


def test_a_phone_shared_with_the_family_stays_on_the_parents_record(
    db: Database, admin: Actor, world: dict[str, Any]
) -> None:
    bo: Someone = world["bo"]
    service, request = _ask(db, admin, bo)
    service.erase(admin, request)
    left = everywhere(db, bo.phone)
    assert left and all(c.startswith(("users.", "families.")) for c in left), left
    with db.session() as s:
        assert (
            s.scalar(
                text("SELECT phone_number FROM users WHERE id = :p"), {"p": world["shared"].user}
            )
            == bo.phone
        )
        assert s.scalar(text("SELECT phone_number FROM users WHERE id = :p"), {"p": bo.user}) == ""
    assert everywhere(db, "Bo Nakamura") == []


def test_erasure_is_refused_with_the_reason_while_lessons_items_or_money_are_open(
    db: Database, admin: Actor, world: dict[str, Any]
) -> None:
    ada: Someone = world["ada"]
    w: PrivacyWorld = world["w"]
    coming = NOW + timedelta(days=3)
    w.add(
        None,
        "lessons",
        teacher_id=w.teacher.teacher,
        student_id=ada.student,
        scheduled_start=coming,
        scheduled_end=coming + timedelta(minutes=45),
    )
    w.add(None, "checkout_logs", item_id=w.item, student_id=ada.user, status="approved")
    inv = w.add(None, "invoices", student_id=ada.student, status="draft")
    w.add(None, "invoice_line_items", invoice_id=inv, unit_price=25, description="Book")
    w.conn.execute(
        "UPDATE invoices SET status = 'sent', invoice_number = 'INV-2099-00001',"
        " issue_date = current_date WHERE id = %s",
        (inv,),
    )
    w.conn.commit()
    service, request = _ask(db, admin, ada)
    why = service.blockers(admin, ada.user)
    assert any("1 coming lesson" in b for b in why)
    assert any("an item lent out (Viola)" in b for b in why)
    assert any("balance of 25.00 USD" in b for b in why)
    with pytest.raises(Conflict, match="coming lesson"):
        service.erase(admin, request)
    assert everywhere(db, "Ada Lovelace")  # nothing was half done
    queue = service.requests(admin, open_only=True)
    assert [r.blockers for r in queue] == [why]


def test_only_an_administrator_erases_and_a_second_request_is_named(
    db: Database, admin: Actor, world: dict[str, Any]
) -> None:
    service, request = _ask(db, admin, world["ada"])
    desk = admin.model_copy(update={"role": "desk"})
    with pytest.raises(PermissionDenied):
        service.erase(desk, request)
    with pytest.raises(Conflict, match="already asked for"):
        service.ask_erasure(desk, {"person_id": world["ada"].user, "asked_by": "Her father"})
    with pytest.raises(ValidationFailed):
        service.ask_erasure(desk, {"person_id": world["bo"].user, "asked_by": ""})
    service.erase(admin, request)
    with pytest.raises(Conflict, match="done already"):
        service.erase(admin, request)


def test_a_staff_members_login_goes_with_them_and_a_desk_login_may_not_erase(
    db: Database, admin: Actor, world: dict[str, Any], database_url: str
) -> None:
    conn: psycopg.Connection[Any] = world["conn"]
    w: PrivacyWorld = world["w"]
    dana = w.person("Dana", "Desk", "desk", "+1 312 555 0199")
    database = conn.execute("SELECT current_database()").fetchone()[0]  # type: ignore[index]
    login = login_role_name(dana.email, database)
    conn.execute(
        "SELECT studiosync_create_login(%s, %s, %s, 'desk')",
        (dana.user, login, scram_verifier("desk-password-2030")),
    )
    conn.commit()
    service, request = _ask(db, admin, dana)
    # As herself, the desk's login may record requests but the database refuses the erasure.
    with (
        psycopg.connect(libpq_dsn(database_url), user=login, password="desk-password-2030") as own,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        own.execute("SELECT studiosync_erase_person(%s)", (request,))
    with db.session() as s:  # her changes are in the audit trail under her login
        s.execute(
            text(
                "INSERT INTO audit_log (studio_id, db_role, table_name, action)"
                " VALUES (:s, :r, 'lessons', 'update')"
            ),
            {"s": admin.studio_id, "r": login},
        )
    service.erase(admin, request)
    assert everywhere(db, login) == []
    assert everywhere(db, "Dana Desk") == []


def test_the_daily_retention_round_removes_what_passed_its_time_once_a_day(
    db: Database, admin: Actor, world: dict[str, Any]
) -> None:
    from studiosync_desktop.services.studio import StudioService

    ada: Someone = world["ada"]
    w: PrivacyWorld = world["w"]
    old = NOW - timedelta(days=100)
    thread = w.add(None, "message_threads", subject="Old news", created_at=old)
    w.add(
        None,
        "messages",
        thread_id=thread,
        sender_id=admin.user_id,
        content="An old secret",
        created_at=old,
    )
    w.conn.execute("UPDATE notifications SET created_at = %s", (old,))
    w.conn.execute(
        "UPDATE students SET is_active = false, created_at = %s WHERE id = %s", (old, ada.student)
    )
    w.conn.execute(
        "UPDATE lessons SET scheduled_start = scheduled_start - interval '100 days',"
        " scheduled_end = scheduled_end - interval '100 days'"
        " WHERE student_id = %s",
        (ada.student,),
    )
    w.conn.execute("UPDATE invoices SET created_at = %s WHERE student_id = %s", (old, ada.student))
    w.conn.commit()
    service = PrivacyService(db)
    assert service.run_retention(admin) == {}  # nothing is removed until a period is set
    with db.session() as s:
        s.execute(text("DELETE FROM retention_runs"))
    settings = StudioService(db).info(admin).settings.model_dump()
    settings.update(
        retention_messages_months=2,
        retention_notifications_months=2,
        retention_former_students_months=2,
    )
    StudioService(db).save_settings(admin, settings)
    did = service.run_retention(admin)
    assert did is not None and did["messages"] >= 1 and did["former_students"] == 1
    assert did["notifications"] >= 1
    assert service.run_retention(admin) is None  # once a day
    assert everywhere(db, "An old secret") == []  # the audit trail did not keep it either
    assert everywhere(db, "Ada Lovelace") == []
    assert everywhere(db, "Bo Nakamura")  # Bo still studies here
    runs = service.retention_runs(admin)
    assert runs[0].describe().startswith("Retention: removed ")
    assert "anonymised 1 former student" in runs[0].describe()
