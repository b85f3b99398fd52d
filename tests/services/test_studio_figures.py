"""The Home tab's figures, each checked against a small studio built by hand."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from factories import Maker
from sqlalchemy import text

from studiosync_desktop.db import Database
from studiosync_desktop.models import Invoice, InvoiceLineItem
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.schemas.figures import HomeFigures
from studiosync_desktop.services.invoicing import InvoicingService
from studiosync_desktop.services.payments import PaymentService
from studiosync_desktop.services.studio_figures import StudioFigures
from studiosync_desktop.services.teacher_pay import TeacherPayService

NY = ZoneInfo("America/New_York")
NOW = datetime(2030, 3, 15, 14, 0, tzinfo=NY)  # a Friday afternoon


def at(day: int, hour: int = 10, month: int = 3) -> datetime:
    return datetime.combine(date(2030, month, day), time(hour), NY)


def sql(db: Database, statement: str, **params: object) -> None:
    with db.session() as s:
        s.execute(text(statement), params)


def invoice_for(
    db: Database, admin: Actor, family: uuid.UUID, lines: list[tuple[uuid.UUID | None, str]]
) -> uuid.UUID:
    """An issued invoice of `lines` (lesson or None, amount), due on 1 March 2030."""
    with db.session() as s:
        inv = Invoice(studio_id=admin.studio_id, family_id=family, status="draft")
        s.add(inv)
        s.flush()
        for n, (lesson, amount) in enumerate(lines, start=1):
            s.add(
                InvoiceLineItem(
                    studio_id=admin.studio_id,
                    invoice_id=inv.id,
                    position=n,
                    description="Lesson" if lesson else "Books",
                    lesson_id=lesson,
                    unit_price=Decimal(amount),
                )
            )
        invoice_id = inv.id
    InvoicingService(db).issue(admin, invoice_id)
    sql(db, "UPDATE invoices SET due_date = '2030-03-01' WHERE id = :i", i=invoice_id)
    return invoice_id


def pay(
    db: Database, admin: Actor, invoice: uuid.UUID, amount: str, method: str, when: datetime
) -> uuid.UUID:
    PaymentService(db).record(admin, invoice, {"amount": amount, "method": method})
    with db.session() as s:
        pid: uuid.UUID = s.execute(
            text(
                "UPDATE payments SET processed_at = :w WHERE id = (SELECT id FROM payments "
                "WHERE invoice_id = :i ORDER BY created_at DESC, processed_at IS NULL LIMIT 1) "
                "RETURNING id"
            ),
            {"w": when, "i": invoice},
        ).scalar_one()
    return pid


@pytest.fixture
def studio(db: Database, admin: Actor) -> dict[str, uuid.UUID]:
    make = Maker(db, admin.studio_id)
    ann, ben = make.teacher("Ann", "Alto"), make.teacher("Ben", "Bass")
    s1 = make.student("Sam", "One", teacher_id=ann)
    s2 = make.student("Sue", "Two", teacher_id=ann)
    s3 = make.student("Sid", "Three", teacher_id=ben, is_active=False)
    s4 = make.student("Sal", "Four", is_active=False)
    for student, enrolled, left in (
        (s1, "2029-09-01", None),
        (s2, "2030-03-02", None),
        (s3, "2029-01-01", "2030-03-05"),
        (s4, "2029-01-01", "2030-02-20"),
    ):
        sql(
            db,
            "UPDATE students SET enrollment_date = :e, left_on = :l WHERE id = :s",
            e=enrolled,
            l=left,
            s=student,
        )

    def lesson(teacher: uuid.UUID, start: datetime, status: str, **extra: object) -> uuid.UUID:
        lid = make.lesson(teacher, start, student_id=s1, status=status)
        for column, value in extra.items():
            sql(db, f"UPDATE lessons SET {column} = :v WHERE id = :i", v=value, i=lid)
        return lid

    taught = lesson(ann, at(15, 10), "completed")  # today, checked in and taught
    lesson(ann, at(15, 16), "scheduled")  # today, later: not due yet
    lesson(ben, at(15, 11), "cancelled")  # today, cancelled: not counted
    lesson(ben, at(12), "no_show")
    lesson(ann, at(13), "cancelled", is_late_cancel=True, cancelled_on_behalf_of="student")
    lesson(ben, at(11), "cancelled", is_late_cancel=True, cancelled_on_behalf_of="studio")
    lesson(ann, at(14), "scheduled")  # yesterday, never marked
    lesson(ann, at(18), "scheduled")  # next week
    ben_taught = lesson(ben, at(5), "completed")  # last week
    lesson(ann, at(6), "cancelled")  # last week, cancelled in time
    lesson(ann, at(1, month=2), "completed")  # the 30 days before the last 30

    family = make.family("Chen family")
    books = invoice_for(db, admin, family, [(taught, "60.00"), (ben_taught, "40.00")])
    p1 = pay(db, admin, books, "70.00", "cash", at(3))
    pay(db, admin, books, "30.00", "card", at(10, month=2))
    PaymentService(db).refund(admin, p1, {"amount": "10.00"})
    sql(db, "UPDATE payments SET refunded_at = :w WHERE id = :p", w=at(10), p=p1)
    later = make.invoice(family_id=family, total="50.00", issue=date(2030, 3, 1))
    sql(db, "UPDATE invoices SET due_date = '2030-04-01' WHERE id = :i", i=later)

    room = make.room("Room A")
    person = make.person("Pat", "Practice")
    make.reservation(room, person, at(15, 9))
    make.reservation(room, person, at(15, 12), status="cancelled")
    item = make.item("Violin", quantity=5, available=2)
    lent = (("2030-03-15", "approved"), ("2030-03-14", "approved"), ("2030-03-14", "returned"))
    for due, status in lent:
        sql(
            db,
            "INSERT INTO checkout_logs (studio_id, item_id, student_id, due_date, status, "
            "checkout_date) VALUES (:st, :i, :s, :d, :x, now())",
            st=admin.studio_id,
            i=item,
            s=person,
            d=due,
            x=status,
        )
    return {"ann": ann, "ben": ben, "books": books}


def home(db: Database, actor: Actor) -> HomeFigures:
    return StudioFigures(db).home(actor, NOW)


def figure(h: HomeFigures, key: str) -> tuple[Decimal, Decimal | None, str]:
    f = next(f for f in (*h.glance, *h.figures) if f.key == key)
    assert f.counts  # every figure says what it counts
    return f.value, f.previous, f.detail


def test_today_at_a_glance_counts_lessons_rooms_lent_items_and_overdue_invoices(
    db: Database, admin: Actor, studio: dict[str, uuid.UUID]
) -> None:
    h = home(db, admin)
    assert figure(h, "lessons_today") == (2, None, "1 checked in")
    assert figure(h, "rooms_today")[0] == 1
    assert figure(h, "items_due") == (1, None, "1 overdue")
    assert figure(h, "invoices_overdue") == (1, None, "10.00 due")


def test_active_students_joined_and_left_are_by_enrolment_and_leaving_day(
    db: Database, admin: Actor, studio: dict[str, uuid.UUID]
) -> None:
    assert figure(home(db, admin), "active_students") == (2, 2, "+1 joined, \N{MINUS SIGN}1 left")


def test_lessons_this_week_are_monday_to_sunday_without_cancelled(
    db: Database, admin: Actor, studio: dict[str, uuid.UUID]
) -> None:
    # This week: today's two, the no-show on the 12th, the unmarked 14th; last week: the 5th.
    assert figure(home(db, admin), "lessons_week")[:2] == (4, 1)


def test_revenue_is_money_received_by_payment_date_less_refunds_by_refund_date(
    db: Database, admin: Actor, studio: dict[str, uuid.UUID]
) -> None:
    assert figure(home(db, admin), "revenue_month")[:2] == (Decimal("60.00"), Decimal("30.00"))


def test_outstanding_is_the_balance_of_sent_invoices_with_the_overdue_part(
    db: Database, admin: Actor, studio: dict[str, uuid.UUID]
) -> None:
    assert figure(home(db, admin), "outstanding") == (Decimal("60.00"), None, "10.00 overdue")


def test_attendance_counts_only_past_lessons_that_were_due_to_happen(
    db: Database, admin: Actor, studio: dict[str, uuid.UUID]
) -> None:
    # Due: taught today, the no-show, the student's late cancel, taught on the 5th (4);
    # not: later today, cancelled in time, the studio's late cancel, the unmarked 14th.
    rate, before, detail = figure(home(db, admin), "attendance_rate")
    assert (rate, before, detail) == (Decimal("50.0"), Decimal("100.0"), "2 of 4 due")


def test_charts_cover_twelve_calendar_months_and_tie_out_with_the_revenue(
    db: Database, admin: Actor, studio: dict[str, uuid.UUID]
) -> None:
    charts = {c.key: c for c in home(db, admin).charts}
    method = charts["revenue_method"]
    assert method.months[0] == date(2029, 4, 1) and method.months[-1] == date(2030, 3, 1)
    assert [method.total(i) for i in (10, 11)] == [Decimal("30.00"), Decimal("60.00")]
    by_name = {s.name: s.values[-2:] for s in method.series}
    assert by_name == {"Cash": (0, Decimal("60.00")), "Card": (Decimal("30.00"), 0)}
    by_teacher = StudioFigures(db).revenue_by_teacher(admin, NOW)
    teacher = {s.name: s.values[-2:] for s in by_teacher.series}
    # Shared 60:40 by the invoice's lesson lines: 70 - 10 in March, 30 in February.
    assert teacher == {
        "Ann Alto": (Decimal("18.00"), Decimal("36.00")),
        "Ben Bass": (Decimal("12.00"), Decimal("24.00")),
    }
    attendance = {s.name: s.values[-1] for s in charts["attendance"].series}
    assert attendance == {"Completed": 2, "Late-cancelled": 2, "Cancelled": 2, "No-show": 1}
    active = charts["active_students"].series[0].values
    assert active[-2:] == (2, 2)  # end of February: Sam and Sid; today: Sam and Sue


def test_a_payment_shared_among_teachers_keeps_every_cent(
    db: Database, admin: Actor, studio: dict[str, uuid.UUID]
) -> None:
    make = Maker(db, admin.studio_id)
    family = make.family("Odd family")
    student = make.student("Odd", "Thirds")
    a = make.lesson(studio["ann"], at(2, 9), student_id=student, status="completed")
    b = make.lesson(studio["ben"], at(2, 12), student_id=student, status="completed")
    thirds = invoice_for(db, admin, family, [(a, "10.00"), (b, "10.00"), (None, "10.00")])
    pay(db, admin, thirds, "10.00", "cash", at(4))
    charts = {c.key: c for c in home(db, admin).charts}
    by_teacher = StudioFigures(db).revenue_by_teacher(admin, NOW)
    shares = {s.name: s.values[-1] for s in by_teacher.series}
    assert sum(shares.values()) == charts["revenue_method"].total(11) == Decimal("70.00")
    assert shares["Not lessons"] == Decimal("3.33")


def test_a_teacher_sees_their_own_hours_students_and_lessons_to_mark(
    db: Database, admin: Actor, studio: dict[str, uuid.UUID]
) -> None:
    with db.session() as s:
        user = s.execute(
            text("SELECT user_id FROM teachers WHERE id = :t"), {"t": studio["ann"]}
        ).scalar_one()
    ann = Actor(user_id=user, studio_id=admin.studio_id, role="teacher", name="Ann Alto")
    h = home(db, ann)
    assert figure(h, "my_lessons_today")[0] == 2
    assert figure(h, "unmarked")[0] == 1  # the 14th
    assert figure(h, "my_lessons_week")[:2] == (3, 0)  # today's, the 14th; last week: none
    assert figure(h, "my_students")[0] == 2
    assert figure(h, "hours_month")[:2] == (Decimal("0.50"), Decimal("0.50"))
    assert {c.key for c in h.charts} == {"hours", "attendance"}
    pay = StudioFigures(db, TeacherPayService(db)).home(ann, NOW)
    mine = next(f for f in pay.figures if f.key == "my_pay")
    expected = TeacherPayService(db).pay_so_far(ann)
    assert mine.value == (expected.total if expected else 0) and mine.counts


def test_the_database_keeps_the_day_a_student_left(db: Database, admin: Actor) -> None:
    student = Maker(db, admin.studio_id).student("Lee", "Leaving")

    def left_on() -> date | None:
        with db.session() as s:
            day: date | None = s.execute(
                text("SELECT left_on FROM students WHERE id = :s"), {"s": student}
            ).scalar_one()
            return day

    assert left_on() is None
    sql(db, "UPDATE students SET is_active = false WHERE id = :s", s=student)
    assert left_on() == datetime.now(NY).date()
    sql(db, "UPDATE students SET left_on = '2030-01-31' WHERE id = :s", s=student)
    assert left_on() == date(2030, 1, 31)  # a correction while inactive
    sql(db, "UPDATE students SET is_active = true WHERE id = :s", s=student)
    assert left_on() is None
