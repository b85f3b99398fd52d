"""Teacher pay on a small studio built by hand: every figure checked to the cent."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from desks import race
from factories import Maker
from sqlalchemy import text

from studiosync_desktop.db import Database
from studiosync_desktop.errors import Conflict, PermissionDenied, ValidationFailed
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.schemas.teacher_pay import PayPeriod
from studiosync_desktop.services.accounts import AccountService
from studiosync_desktop.services.teacher_pay import TeacherPayService
from tests.test_security_roles import PASSWORD, email_of, login_database


@dataclass
class Studio:
    make: Maker
    pay: TeacherPayService
    period: PayPeriod  # last month: over, so it may be approved
    ana: uuid.UUID  # paid by the hour (the studio's default): 40.00 per 60 min
    ben: uuid.UUID  # paid 60% of each lesson's rate, and 30.00 flat for group lessons
    student: uuid.UUID

    def at(self, day: int, hour: int = 15) -> datetime:
        start = self.period.start + timedelta(days=day)
        return datetime(start.year, start.month, start.day, hour, tzinfo=UTC)

    def lesson(
        self, teacher: uuid.UUID, day: int, status: str = "completed", **kw: Any
    ) -> uuid.UUID:
        hour = 15 if teacher == self.ana else 18  # one student, never two lessons at once
        return self.make.lesson(
            teacher, self.at(day, hour), student_id=self.student, status=status, **kw
        )


def set_lesson(db: Database, lesson: uuid.UUID, **values: Any) -> None:
    sets = ", ".join(f"{k} = :{k}" for k in values)
    with db.session() as s:
        s.execute(text(f"UPDATE lessons SET {sets} WHERE id = :id"), {**values, "id": lesson})


@pytest.fixture
def studio(db: Database, admin: Actor) -> Studio:
    make = Maker(db, admin.studio_id)
    pay = TeacherPayService(db)
    ana, ben = make.teacher("Ana", "Ruiz"), make.teacher("Ben", "Okafor")
    pay.save_policy(
        admin,
        {"period": "monthly", "late_cancel_percent": "50", "no_show_percent": "100"},
    )
    pay.save_rule(admin, {"basis": "time", "amount": "40.00", "per_minutes": 60})
    pay.save_rule(admin, {"teacher_id": ben, "basis": "percent", "amount": "60"})
    pay.save_rule(
        admin, {"teacher_id": ben, "lesson_type": "group", "basis": "flat", "amount": "30.00"}
    )
    student = make.student("Maya", "Chen", teacher_id=ana)
    return Studio(make, pay, pay.period(admin), ana, ben, student)


def totals(view: Any) -> dict[str, Decimal]:
    return {t.teacher_name: t.total for t in view.teachers}


def test_each_rule_and_attendance_pays_what_the_policy_says(
    studio: Studio, admin: Actor, db: Database
) -> None:
    studio.lesson(studio.ana, 1, minutes=45)  # 45 min at 40/h: 30.00
    studio.lesson(studio.ana, 2, status="no_show", minutes=30)  # no-show pays 100%: 20.00
    late = studio.lesson(studio.ana, 3, status="cancelled", minutes=60)
    set_lesson(db, late, is_late_cancel=True, cancelled_on_behalf_of="student")  # 50%: 20.00
    closed = studio.lesson(studio.ana, 4, status="cancelled", minutes=60)
    set_lesson(db, closed, is_late_cancel=True, cancelled_on_behalf_of="studio")  # 0%
    studio.lesson(studio.ana, 5, status="cancelled")  # with notice: nothing
    studio.lesson(studio.ben, 1, rate="45.00")  # 60% of 45.00: 27.00
    studio.lesson(studio.ben, 2, rate="33.33")  # 60% of 33.33 = 19.998: 20.00
    group = studio.lesson(studio.ben, 3, rate="80.00")
    set_lesson(db, group, lesson_type="group")  # flat 30.00
    studio.lesson(studio.ben, 6, status="scheduled")  # past, not marked: a warning, not paid

    view = studio.pay.view(admin, studio.period, all_lines=True)

    assert view.status == "preview"
    assert totals(view) == {"Ana Ruiz": Decimal("70.00"), "Ben Okafor": Decimal("77.00")}
    ana = next(t for t in view.teachers if t.teacher_name == "Ana Ruiz")
    assert (ana.lessons, ana.minutes) == (3, 45)  # hours taught count completed lessons only
    assert view.total == Decimal("147.00")
    assert view.warnings == (
        "Ben Okafor: 1 past lesson of this period not marked yet"
        " (paid in a later run once marked).",
    )
    rates = {line.rate_text for line in view.lines}
    assert "40.00 per 60 min, paid at 50%" in rates
    assert "60% of 45.00" in rates and "30.00 per lesson" in rates


def test_approval_freezes_the_lines_and_a_later_change_is_an_adjustment_next_run(
    studio: Studio, admin: Actor, db: Database
) -> None:
    taught = studio.lesson(studio.ana, 1)  # 30 min: 20.00
    moved = studio.lesson(studio.ana, 2)  # 20.00, then given to Ben (a substitute)
    approved = studio.pay.approve(admin, studio.period)
    assert approved.status == "approved" and approved.total == Decimal("40.00")
    assert approved.approved_by == "Olivia Owner"

    with db.session() as s:  # the lesson ran 60 minutes after all; Ben taught the other
        s.execute(
            text(
                "UPDATE lessons SET scheduled_end = scheduled_start + interval '60 min'"
                " WHERE id = :i"
            ),
            {"i": taught},
        )
    set_lesson(db, moved, teacher_id=studio.ben)
    history = AccountService(db).history(admin, "lessons", moved)
    assert ("teacher_id", "Ana Ruiz", "Ben Okafor") in history[0].changes  # who took it

    again = studio.pay.view(admin, studio.period)
    assert again.status == "approved" and again.total == Decimal("40.00")  # never rewritten

    following = PayPeriod(
        start=studio.period.end + timedelta(days=1),
        end=(studio.period.end + timedelta(days=32)).replace(day=1) - timedelta(days=1),
        kind="monthly",
    )
    nxt = studio.pay.view(admin, following, all_lines=True)
    adjustments = sorted((line.teacher_name, line.amount) for line in nxt.lines)
    assert adjustments == [
        ("Ana Ruiz", Decimal("-20.00")),  # paid back: Ben taught it
        ("Ana Ruiz", Decimal("20.00")),  # the 30 minutes more
        ("Ben Okafor", Decimal("27.00")),  # 60% of 45.00
    ]
    assert {line.kind for line in nxt.lines} == {"adjustment"}
    assert any("taught by Ben Okafor" in line.description for line in nxt.lines)


def test_an_approved_run_cannot_be_changed_or_deleted_even_by_the_owner(
    studio: Studio, admin: Actor, db: Database
) -> None:
    studio.lesson(studio.ana, 1)
    run = studio.pay.approve(admin, studio.period)
    for sql in (
        "UPDATE pay_lines SET amount = 999 WHERE pay_run_id = :r",
        "DELETE FROM pay_lines WHERE pay_run_id = :r",
        "UPDATE pay_runs SET status = 'open', approved_at = NULL WHERE id = :r",
        "DELETE FROM pay_runs WHERE id = :r",
    ):
        with pytest.raises(ValidationFailed, match=r"approved|frozen"), db.session() as s:
            s.execute(text(sql), {"r": run.run_id})
    with pytest.raises(Conflict, match="approved by Olivia Owner"):
        studio.pay.add_extra_line(
            admin, studio.period, {"teacher_id": studio.ana, "amount": "5", "reason": "Late bonus"}
        )
    assert studio.pay.view(admin, studio.period).total == Decimal("20.00")


def test_a_line_by_hand_needs_a_reason_and_is_paid_with_the_run(
    studio: Studio, admin: Actor
) -> None:
    studio.lesson(studio.ana, 1)
    with pytest.raises(ValidationFailed) as refused:
        studio.pay.add_extra_line(
            admin, studio.period, {"teacher_id": studio.ana, "amount": "25.00", "reason": ""}
        )
    assert "reason" in refused.value.fields
    with pytest.raises(ValidationFailed) as zero:
        studio.pay.add_extra_line(
            admin, studio.period, {"teacher_id": studio.ana, "amount": "0", "reason": "Nothing"}
        )
    assert "amount" in zero.value.fields
    studio.pay.add_extra_line(
        admin,
        studio.period,
        {"teacher_id": studio.ana, "amount": "25.00", "reason": "Recital evening"},
    )
    studio.pay.add_extra_line(
        admin,
        studio.period,
        {"teacher_id": studio.ben, "amount": "-10.00", "reason": "Overpaid in March"},
    )
    run = studio.pay.approve(admin, studio.period)
    assert totals(run) == {"Ana Ruiz": Decimal("45.00"), "Ben Okafor": Decimal("-10.00")}
    csv_text = studio.pay.payroll_csv(admin, studio.period)
    header, first, second = csv_text.strip().split("\r\n")
    assert header.startswith("period_start,period_end,teacher_id,teacher_name,email,lessons,hours")
    assert first.endswith(",1,0.50,20.00,0.00,25.00,45.00") and str(studio.ana) in first
    assert second.endswith(",0,0.00,0.00,0.00,-10.00,-10.00")


def test_approval_waits_for_a_rule_for_every_paid_lesson(studio: Studio, admin: Actor) -> None:
    [default] = [r for r in studio.pay.rules(admin) if r.teacher_id is None]
    studio.pay.delete_rule(admin, default.id)
    studio.lesson(studio.ana, 1)
    with pytest.raises(Conflict, match=r"Set a pay rule .* for: Ana Ruiz"):
        studio.pay.approve(admin, studio.period)
    with pytest.raises(Conflict, match="already a pay rule"):
        studio.pay.save_rule(admin, {"teacher_id": studio.ben, "basis": "flat", "amount": "1"})


def test_the_current_period_is_approved_only_once_it_is_over(studio: Studio, admin: Actor) -> None:
    current = PayPeriod(
        start=studio.period.end + timedelta(days=1),
        end=(studio.period.end + timedelta(days=32)).replace(day=1) - timedelta(days=1),
        kind="monthly",
    )
    with pytest.raises(Conflict, match="approve it once it is over"):
        studio.pay.approve(admin, current)


def test_two_admins_approving_at_once_make_one_run_paid_once(
    studio: Studio, admin: Actor, db: Database
) -> None:
    for day in range(1, 11):
        studio.lesson(studio.ana, day)
    results = race(2, lambda _i: studio.pay.approve(admin, studio.period).total)
    outcomes = [str(r) if isinstance(r, Conflict) else r for r in results]
    assert Decimal("200.00") in outcomes
    assert any(isinstance(o, str) and "was approved by Olivia Owner" in o for o in outcomes)
    with db.session() as s:
        assert s.execute(text("SELECT count(*), sum(amount) FROM pay_lines")).one() == (
            10,
            Decimal("200.00"),
        )


def test_a_teacher_sees_only_their_own_statement_and_cannot_touch_pay_in_psql(
    studio: Studio, admin: Actor, db: Database, database_url: str
) -> None:
    studio.lesson(studio.ana, 1)
    studio.lesson(studio.ben, 1)
    run = studio.pay.approve(admin, studio.period)
    login = AccountService(db).invite(
        admin,
        {
            "first_name": "Ana",
            "email": email_of(db, studio.ana),
            "role": "teacher",
            "password": PASSWORD,
        },
    )
    as_ana = login_database(database_url, login)
    try:
        ana = Actor(
            user_id=_user_of(db, studio.ana),
            studio_id=admin.studio_id,
            role="teacher",
            name="Ana Ruiz",
        )
        pay = TeacherPayService(as_ana)
        assert run.run_id is not None
        mine = pay.statement(ana, run.run_id, studio.ana)
        assert mine.teacher.total == Decimal("20.00") and len(mine.lines) == 1
        with pytest.raises(PermissionDenied):
            pay.statement(ana, run.run_id, studio.ben)
        assert [r.total for r in pay.runs(ana)] == [Decimal("20.00")]
        with as_ana.session() as s:  # the database agrees, whatever the app does
            assert s.execute(text("SELECT count(*) FROM pay_lines")).scalar_one() == 1
            assert s.execute(text("SELECT count(*) FROM pay_rules")).scalar_one() == 1
        for sql in (
            "UPDATE pay_rules SET amount = 500",
            "INSERT INTO pay_rules (studio_id, teacher_id, basis, amount) "
            "SELECT studio_id, id, 'flat', 500 FROM teachers",
            "UPDATE pay_lines SET amount = 500",
            "UPDATE pay_runs SET status = 'open'",
            "DELETE FROM pay_runs",
        ):
            with pytest.raises(PermissionDenied), as_ana.session() as s:
                s.execute(text(sql))
        with pytest.raises(PermissionDenied):
            pay.approve(ana, studio.period)
    finally:
        as_ana.dispose()


def _user_of(db: Database, teacher: uuid.UUID) -> uuid.UUID:
    with db.session() as s:
        return uuid.UUID(
            str(
                s.execute(
                    text("SELECT user_id FROM teachers WHERE id = :t"), {"t": teacher}
                ).scalar_one()
            )
        )


def test_the_statement_and_run_summary_pdfs_say_what_was_paid(
    studio: Studio, admin: Actor, db: Database
) -> None:
    import io

    from pypdf import PdfReader

    from studiosync_desktop.reports.pay_pdf import render_run_summary, render_statement

    studio.lesson(studio.ana, 1, minutes=45)
    studio.lesson(studio.ben, 2, rate="45.00")
    studio.pay.add_extra_line(
        admin, studio.period, {"teacher_id": studio.ana, "amount": "25.00", "reason": "Open day"}
    )
    run = studio.pay.approve(admin, studio.period)
    assert run.run_id is not None
    statement = render_statement(studio.pay.statement(admin, run.run_id, studio.ana))
    words = PdfReader(io.BytesIO(statement)).pages[0].extract_text()
    for expected in (
        "PAY STATEMENT",
        "Ana Ruiz",
        "Maya Chen",
        "45 min",
        "40.00 per 60 min",
        "Open day",
        "$30.00",
        "$25.00",
        "$55.00",
        studio.period.label,
    ):
        assert expected in words, expected
    summary = render_run_summary(studio.pay.summary(admin, studio.period))
    words = PdfReader(io.BytesIO(summary)).pages[0].extract_text()
    for expected in (
        "PAY RUN",
        "Ana Ruiz",
        "Ben Okafor",
        "$55.00",
        "$27.00",
        "$82.00",
        "Approved by Olivia Owner",
    ):
        assert expected in words, expected
