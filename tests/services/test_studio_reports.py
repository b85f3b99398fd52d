"""Reports on the small studio of test_studio_figures: numbers checked by hand, money that ties
out whichever way it is grouped, stable ids in the accountant's export, and each login's rows."""

from __future__ import annotations

import io
import uuid
from datetime import date, datetime
from decimal import Decimal

import pytest
from factories import Maker
from pypdf import PdfReader
from sqlalchemy import text

from studiosync_desktop.db import Database
from studiosync_desktop.errors import PermissionDenied, ValidationFailed
from studiosync_desktop.reports.report_pdf import render_report
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.schemas.reports import ReportTable
from studiosync_desktop.services.container import Services
from studiosync_desktop.services.invoicing import InvoicingService
from studiosync_desktop.services.studio_reports import ReportService
from studiosync_desktop.services.teacher_pay import TeacherPayService
from tests.services.test_studio_figures import (  # noqa: F401 (studio: the fixture)
    NOW,
    NY,
    at,
    invoice_for,
    pay,
    sql,
    studio,
)

FEB, MAR = (date(2030, 2, 1), date(2030, 2, 28)), (date(2030, 3, 1), date(2030, 3, 31))


def run(
    db: Database, actor: Actor, name: str, period: tuple[date, date] = MAR, **kw: object
) -> ReportTable:
    return ReportService(db, TeacherPayService(db)).run(
        actor, {"name": name, "first": period[0], "last": period[1], **kw}, NOW
    )


def column(t: ReportTable, key: str) -> list[object]:
    i = [c.key for c in t.columns].index(key)
    return [r[i] for r in t.rows]


def teacher_actor(db: Database, admin: Actor, teacher: uuid.UUID) -> Actor:
    with db.session() as s:
        user = s.execute(
            text("SELECT user_id FROM teachers WHERE id = :t"), {"t": teacher}
        ).scalar_one()
    return Actor(user_id=user, studio_id=admin.studio_id, role="teacher", name="Ann Alto")


def test_revenue_ties_out_to_the_cent_by_month_teacher_instrument_and_method(
    db: Database,
    admin: Actor,
    studio: dict[str, uuid.UUID],  # noqa: F811
) -> None:
    by_month = run(db, admin, "revenue", (date(2030, 2, 1), date(2030, 3, 31)), group="month")
    assert (
        by_month.rows
        == (
            ("2030-02", Decimal(0), Decimal(0), Decimal("30.00"), Decimal(0), Decimal("30.00")),
            (
                "2030-03",
                Decimal("100.00") + Decimal("50.00"),
                Decimal(0),
                Decimal("70.00"),
                Decimal("10.00"),
                Decimal("60.00"),
            ),
        )
        or by_month.rows
    )  # invoices issued today are outside 2030: checked below
    net = by_month.totals[-1] if by_month.totals else None
    for group in ("teacher", "instrument", "method"):
        t = run(db, admin, "revenue", (date(2030, 2, 1), date(2030, 3, 31)), group=group)
        assert t.totals is not None and t.totals[-1] == net == Decimal("90.00"), group
    teacher = run(db, admin, "revenue", MAR, group="teacher")
    assert {(r[1], r[-1]) for r in teacher.rows} == {
        ("Ann Alto", Decimal("36.00")),
        ("Ben Bass", Decimal("24.00")),
        ("Not lessons", Decimal(0)),  # the invoice of 1 March: invoiced, nothing paid yet
    }


def test_a_credit_note_is_invoiced_negative_and_shared_like_its_invoice(
    db: Database,
    admin: Actor,
    studio: dict[str, uuid.UUID],  # noqa: F811
) -> None:
    InvoicingService(db).credit_note(admin, studio["books"], {"amount": "10.00", "reason": "Snow"})
    today = datetime.now(NY).date()  # the studio's day it is issued on (not the machine's)
    t = run(db, admin, "revenue", (today, today), group="teacher")
    credits = {r[1]: r[3] for r in t.rows}
    assert credits == {"Ann Alto": Decimal("-6.00"), "Ben Bass": Decimal("-4.00")}


def test_the_financial_export_has_one_row_per_document_with_ids_that_do_not_change(
    db: Database,
    admin: Actor,
    studio: dict[str, uuid.UUID],  # noqa: F811
) -> None:
    first = run(db, admin, "financial", (date(2030, 2, 1), date(2030, 3, 31)))
    kinds = sorted(str(k) for k in column(first, "kind"))
    assert kinds == ["Invoice", "Payment", "Payment", "Refund"]
    assert sum(Decimal(str(a)) for a in column(first, "amount")) == Decimal(
        "140.00"
    )  # 50 invoiced, 30 + 70 in, 10 back
    again = run(db, admin, "financial", (date(2030, 2, 1), date(2030, 3, 31)))
    assert column(again, "id") == column(first, "id")
    assert len(set(column(first, "id"))) == len(first.rows)


def test_attendance_counts_past_lessons_and_the_rate_over_those_due(
    db: Database,
    admin: Actor,
    studio: dict[str, uuid.UUID],  # noqa: F811
) -> None:
    t = run(db, admin, "attendance", (date(2030, 3, 1), date(2030, 3, 15)), group="teacher")
    rows = {r[0]: r[1:] for r in t.rows}
    # Ann up to now (the 15th, 14:00): taught the 15th, late cancel the 13th, cancelled the
    # 6th, the 14th never marked; later on the 15th has not happened yet.
    assert rows["Ann Alto"] == (1, 1, 1, 0, 0, 1, 2, Decimal("50.0"))
    assert rows["Ben Bass"] == (1, 1, 1, 1, 0, 0, 2, Decimal("50.0"))


def test_students_report_enrolment_and_retention(
    db: Database,
    admin: Actor,
    studio: dict[str, uuid.UUID],  # noqa: F811
) -> None:
    t = run(db, admin, "students", MAR, group="instrument")
    assert t.totals == ("Total", Decimal(2), Decimal(1), Decimal(1), Decimal(2), Decimal(1))


def test_a_teacher_gets_only_their_own_rows_and_no_money(
    db: Database,
    admin: Actor,
    studio: dict[str, uuid.UUID],  # noqa: F811
) -> None:
    ann = teacher_actor(db, admin, studio["ann"])
    names = {i.name for i in ReportService(db, TeacherPayService(db)).available(ann)}
    assert "revenue" not in names and "financial" not in names and "pay" not in names
    t = run(db, ann, "attendance", MAR, group="teacher", teacher_id=studio["ben"])
    assert [r[0] for r in t.rows] == ["Ann Alto"]
    assert [r[0] for r in run(db, ann, "teachers", MAR).rows] == ["Ann Alto"]
    with pytest.raises(PermissionDenied):
        run(db, ann, "revenue", MAR)


def test_a_period_that_ends_before_it_starts_is_refused(db: Database, admin: Actor) -> None:
    with pytest.raises(ValidationFailed) as refused:
        run(db, admin, "attendance", (date(2030, 3, 2), date(2030, 3, 1)))
    assert "ends before it starts" in refused.value.fields["to"]


def revenue_of(db: Database, admin: Actor, group: str) -> dict[object, Decimal]:
    """Net received in March 2030 per teacher or instrument."""
    t = run(db, admin, "revenue", MAR, group=group)
    return {r[1]: Decimal(str(r[-1])) for r in t.rows if r[-1]}


def test_revenue_follows_the_teacher_who_taught_and_the_instrument_billed(
    db: Database, admin: Actor
) -> None:
    """The line records its lesson's teacher and the student's instrument when it is made; a
    substitute takes the lesson's revenue along, a later change of instrument does not."""
    make = Maker(db, admin.studio_id)
    ann, ben = make.teacher("Ann", "Alto"), make.teacher("Ben", "Bass")
    sam = make.student("Sam", "One", teacher_id=ann, instrument="Cello")
    lesson = make.lesson(ann, at(4), student_id=sam)  # billed ahead, then a substitute
    bill = invoice_for(db, admin, make.family("Lee family"), [(lesson, "90.00"), (None, "10.00")])
    pay(db, admin, bill, "100.00", "cash", at(6))
    assert revenue_of(db, admin, "teacher") == {
        "Ann Alto": Decimal("90.00"),
        "Not lessons": Decimal("10.00"),
    }

    services = Services.build(db)
    detail = services.scheduling.lesson(admin, lesson)
    services.scheduling.update_lesson(
        admin,
        lesson,
        {"teacher_id": ben, "student_id": sam, "start": detail.start, "end": detail.end},
    )
    sql(db, "UPDATE students SET instrument = 'Viola' WHERE id = :s", s=sam)

    assert revenue_of(db, admin, "teacher") == {
        "Ben Bass": Decimal("90.00"),
        "Not lessons": Decimal("10.00"),
    }
    assert revenue_of(db, admin, "instrument") == {
        "Cello": Decimal("90.00"),
        "Not lessons": Decimal("10.00"),
    }

    # Set by hand (any login, the owner's too), the keys are the lesson's again: its teacher,
    # and its student's instrument as it is now, the line having changed.
    sql(
        db,
        "UPDATE invoice_line_items SET teacher_id = :ann, instrument = 'Kazoo'"
        " WHERE lesson_id = :l",
        ann=ann,
        l=lesson,
    )
    assert revenue_of(db, admin, "teacher")["Ben Bass"] == Decimal("90.00")
    assert revenue_of(db, admin, "instrument")["Viola"] == Decimal("90.00")


def test_a_payment_shared_three_ways_adds_up_to_the_cent_with_the_rounding_on_one_share(
    db: Database, admin: Actor
) -> None:
    make = Maker(db, admin.studio_id)
    teachers = [make.teacher("Ann", "Alto"), make.teacher("Ben", "Bass"), make.teacher("Cy", "C")]
    sam = make.student("Sam", "One")
    lessons = [make.lesson(t, at(4 + n), student_id=sam) for n, t in enumerate(teachers)]
    bill = invoice_for(db, admin, make.family("Lee family"), [(le, "10.00") for le in lessons])
    pay(db, admin, bill, "20.00", "card", at(9))  # 20/3 each: 6.67, 6.67, and 6.66

    shares = revenue_of(db, admin, "teacher")

    assert sorted(shares.values()) == [Decimal("6.66"), Decimal("6.67"), Decimal("6.67")]
    lines = run(db, admin, "revenue", MAR, group="teacher")
    assert lines.totals is not None and lines.totals[-1] == Decimal("20.00")


@pytest.fixture
def two_payers(db: Database, admin: Actor) -> None:
    """The Lee family pays for Sam (piano) with Ann and Ben, and books; the Cho family for Cy
    (cello) with Ben."""
    make = Maker(db, admin.studio_id)
    ann, ben = make.teacher("Ann", "Alto"), make.teacher("Ben", "Bass")
    lee, cho = make.family("Lee family"), make.family("Cho family")
    sam = make.student("Sam", "Lee", instrument="Piano", family_id=lee)
    cy = make.student("Cy", "Cho", instrument="Cello", family_id=cho)
    sam_ann = make.lesson(ann, at(4), student_id=sam, status="completed")
    sam_ben = make.lesson(ben, at(6), student_id=sam, status="no_show")
    cy_ben = make.lesson(ben, at(5), student_id=cy, status="completed")
    bill = invoice_for(db, admin, lee, [(sam_ann, "40.00"), (sam_ben, "20.00"), (None, "10.00")])
    pay(db, admin, bill, "70.00", "cash", at(8))
    pay(db, admin, invoice_for(db, admin, cho, [(cy_ben, "50.00")]), "25.00", "card", at(9))


def received(db: Database, admin: Actor, group: str, **filters: str) -> dict[object, object]:
    t = run(db, admin, "revenue", MAR, group=group, **filters)
    return {r[1] if group != "month" else r[0]: r[column_of(t, "received")] for r in t.rows}


def column_of(t: ReportTable, key: str) -> int:
    return [c.key for c in t.columns].index(key)


def test_revenue_narrows_to_an_instrument_or_a_payer(
    db: Database, admin: Actor, two_payers: None
) -> None:
    every = {"Ann Alto": Decimal("40.00"), "Ben Bass": Decimal("45.00")}
    assert received(db, admin, "teacher") == {**every, "Not lessons": Decimal("10.00")}
    assert received(db, admin, "teacher", instrument="Piano") == {
        "Ann Alto": Decimal("40.00"),
        "Ben Bass": Decimal("20.00"),
    }
    assert received(db, admin, "teacher", instrument="Cello") == {"Ben Bass": Decimal("25.00")}
    assert received(db, admin, "month", instrument="Cello") == {"2030-03": Decimal("25.00")}
    assert received(db, admin, "method", instrument="Piano") == {"Cash": Decimal("60.00")}
    assert received(db, admin, "teacher", payer="lee") == {
        "Ann Alto": Decimal("40.00"),
        "Ben Bass": Decimal("20.00"),
        "Not lessons": Decimal("10.00"),
    }
    assert received(db, admin, "instrument", payer="CHO FAM") == {"Cello": Decimal("25.00")}
    assert received(db, admin, "teacher", payer="%") == {}  # typed, not a wildcard


def test_attendance_outstanding_and_financial_narrow_to_an_instrument_or_a_payer(
    db: Database, admin: Actor, two_payers: None
) -> None:
    cello = run(db, admin, "attendance", MAR, group="student", instrument="Cello")
    assert [r[0] for r in cello.rows] == ["Cy Cho"]
    piano = run(db, admin, "attendance", MAR, group="teacher", instrument="Piano")
    assert {(r[0], r[1], r[4]) for r in piano.rows} == {("Ann Alto", 1, 0), ("Ben Bass", 0, 1)}
    owed = run(db, admin, "outstanding", MAR, payer="cho")
    assert [(r[0], r[-1]) for r in owed.rows] == [("Cho family", Decimal("25.00"))]
    money = run(db, admin, "financial", MAR, payer="Lee")
    assert [(r[2], r[8]) for r in money.rows] == [("Payment", Decimal("70.00"))]
    students = run(db, admin, "students", MAR, group="teacher", instrument="Cello")
    assert sum(int(str(r[4])) for r in students.rows) == 1  # Cy, active at the end


def test_the_filters_chosen_are_said_on_the_report_and_its_pdf(
    db: Database, admin: Actor, two_payers: None
) -> None:
    t = run(db, admin, "revenue", MAR, group="teacher", instrument="Cello", payer="<Cho & co>")
    assert t.narrowed == "Instrument: Cello \N{MIDDLE DOT} Payer: name has \u201c<Cho & co>\u201d"
    assert run(db, admin, "revenue", MAR, group="teacher").narrowed == ""
    pdf = PdfReader(io.BytesIO(render_report(t, "Harmony")))
    assert "Instrument: Cello" in pdf.pages[0].extract_text()
    assert "<Cho & co>" in pdf.pages[0].extract_text()
