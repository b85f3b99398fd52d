"""No date breaks a screen: the database keeps every date within `limits`, a refused value is
a sentence next to its field, and the screens' reads are fine at both ends of the range."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from factories import Maker
from sqlalchemy import text

from studiosync_desktop import limits
from studiosync_desktop.db import Database
from studiosync_desktop.errors import ValidationFailed
from studiosync_desktop.schemas.billing import PaymentCreate
from studiosync_desktop.schemas.common import Actor, parse_input
from studiosync_desktop.services.container import Services
from studiosync_desktop.services.invoicing import InvoicingService
from studiosync_desktop.services.people import PeopleService
from studiosync_desktop.services.periods import check_period
from studiosync_desktop.services.rooms import RoomService
from studiosync_desktop.services.scheduling import SchedulingService

YEAR_1 = datetime(1, 1, 1, 16, tzinfo=UTC)
YEAR_9999 = datetime(9999, 12, 30, 16, tzinfo=UTC)


def test_the_owner_cannot_store_a_lesson_in_year_1(db: Database, admin: Actor) -> None:
    """Issue 13: a year-1 lesson made the student's page, the week and the room day raise
    OverflowError until someone deleted it in SQL. Now not even the owner can store one."""
    make = Maker(db, admin.studio_id)
    teacher = make.teacher()
    student = make.student("Tom", "Hale", teacher_id=teacher)
    lesson = make.lesson(teacher, datetime(2026, 3, 2, 16, tzinfo=UTC), student_id=student)
    for when in (YEAR_1, YEAR_9999):
        with pytest.raises(ValidationFailed) as caught, db.session() as s:
            s.execute(
                text("UPDATE lessons SET scheduled_start = :a, scheduled_end = :b WHERE id = :i"),
                {"a": when, "b": when + timedelta(hours=1), "i": lesson},
            )
        ((field, message),) = caught.value.fields.items()
        assert field in ("start", "end")
        assert message == "Type a date between 1 Jan 1900 and 31 Dec 2199"
    PeopleService(db).page(admin, "students", student)


def test_every_typed_date_is_kept_in_range_by_the_database(db: Database) -> None:
    for table, columns in sorted(limits.DATE_COLUMNS.items()):
        for column in columns:
            _kept_in_range(db, table, column)


def _kept_in_range(db: Database, table: str, column: str) -> None:
    with db.session() as s:
        validated = s.execute(
            text("SELECT convalidated FROM pg_constraint WHERE conname = :n"),
            {"n": f"ck_{table}_{column}_in_range"},
        ).scalar_one()
        kind = s.execute(
            text(
                "SELECT data_type FROM information_schema.columns"
                " WHERE table_name = :t AND column_name = :c"
            ),
            {"t": table, "c": column},
        ).scalar_one()
        assert validated
        check = next(c for c in limits.column_checks() if c.name == f"ck_{table}_{column}_in_range")
        expr = check.sql.replace(column, f"CAST(:v AS {kind})")
        for day in ("0001-01-01", "1899-12-31", "2200-01-01", "9999-12-31"):
            assert s.execute(text(f"SELECT {expr}"), {"v": day}).scalar_one() is False
        for day in (limits.FIRST_DAY, limits.LAST_DAY):
            assert s.execute(text(f"SELECT {expr}"), {"v": day.isoformat()}).scalar_one()


def test_a_text_longer_than_its_column_keeps_is_refused_next_to_its_field(
    db: Database, admin: Actor
) -> None:
    make = Maker(db, admin.studio_id)
    student = make.student("Tom", "Hale")
    with pytest.raises(ValidationFailed) as caught, db.session() as s:
        s.execute(
            text("UPDATE students SET notes = repeat('x', :n) WHERE id = :i"),
            {"n": limits.NOTE + 1, "i": student},
        )
    assert caught.value.fields == {"notes": f"Use at most {limits.NOTE:,} characters"}


def test_a_negative_quantity_is_refused_by_the_database(db: Database, admin: Actor) -> None:
    make = Maker(db, admin.studio_id)
    item = make.item("Violin 3/4", quantity=4, available=4)
    with pytest.raises(ValidationFailed) as caught, db.session() as s:
        s.execute(text("UPDATE inventory_items SET quantity = -1 WHERE id = :i"), {"i": item})
    assert set(caught.value.fields) in ({"quantity"}, {""})


@pytest.mark.parametrize("day", [limits.FIRST_DAY, limits.LAST_DAY])
def test_the_screens_read_lessons_at_either_end_of_the_range(
    db: Database, admin: Actor, day: date
) -> None:
    make = Maker(db, admin.studio_id)
    teacher = make.teacher()
    room = make.room("Room B")
    student = make.student("Tom", "Hale", teacher_id=teacher)
    hour = time(0, 0) if day == limits.FIRST_DAY else time(23, 0)
    start = datetime.combine(day, hour, tzinfo=UTC)
    make.lesson(teacher, start, student_id=student, room_id=room, minutes=30)

    page = PeopleService(db).page(admin, "students", student)
    assert page.title
    scheduling = SchedulingService(db)
    assert scheduling.week(admin, day - timedelta(days=3)) is not None
    assert scheduling.week(admin, day) is not None
    RoomService(db).day(admin, day)
    invoicing = InvoicingService(db)
    invoicing.preview_month(admin, day.replace(day=1))
    invoicing.generate_month(admin, day.replace(day=1))


def test_a_pasted_nul_is_refused_next_to_its_field(db: Database, admin: Actor) -> None:
    """It reached psycopg before, which refused it for the form as a whole, in its words."""
    services = Services.build(db)
    with pytest.raises(ValidationFailed) as caught:
        services.roster.save_student(admin, {"first_name": "Maya\x00", "notes": "ok"})
    assert caught.value.fields == {
        "first_name": "Remove the invisible NUL character that was pasted here"
    }


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("abc", "Type an amount, like 25.00"),
        ("12.345", "Use at most two decimals (cents)"),
        ("-1", "Type more than 0"),
        ("5000000", "Type at most 1,000,000.00"),
    ],
)
def test_a_refused_amount_is_said_in_a_receptionists_words(typed: str, said: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_input(PaymentCreate, {"amount": typed})
    assert caught.value.fields == {"amount": said}


@pytest.mark.parametrize(
    ("first", "last", "field"),
    [(date(9999, 1, 1), date(9999, 12, 31), "from"), (date(2199, 6, 1), date(9999, 1, 1), "to")],
)
def test_a_report_period_outside_the_kept_dates_is_refused(
    first: date, last: date, field: str
) -> None:
    """`studiosync report revenue --from 9999-01-01` raised OverflowError computing its months."""
    with pytest.raises(ValidationFailed) as caught:
        check_period(first, last)
    assert caught.value.fields == {field: "Type a date between 01 Jan 1900 and 31 Dec 2199."}
    check_period(date(2199, 6, 1), limits.LAST_DAY)


def test_a_month_to_invoice_near_year_9999_is_refused(db: Database, admin: Actor) -> None:
    """`studiosync invoices generate --month 9999-12` raised OverflowError."""
    invoicing = InvoicingService(db)
    with pytest.raises(ValidationFailed) as caught:
        invoicing.generate_month(admin, date(9999, 12, 1))
    assert set(caught.value.fields) == {"month"}
    with pytest.raises(ValidationFailed):
        invoicing.month_details(admin, date(9999, 12, 1))


def test_a_week_or_a_day_asked_for_near_year_9999_is_refused(db: Database, admin: Actor) -> None:
    """The week, the room day and 'studiosync calendars busy --from 9999-12-25' raised
    OverflowError computing the days' bounds."""
    for ask in (
        lambda: SchedulingService(db).week(admin, date(9999, 12, 25)),
        lambda: RoomService(db).day(admin, date(9999, 12, 31)),
        lambda: SchedulingService(db).week(admin, date(1, 1, 1)),
        lambda: SchedulingService(db).week_and_studio_busy(admin, date(9999, 12, 25)),
        lambda: SchedulingService(db).week_and_studio_busy(admin, date(1, 1, 1)),
    ):
        with pytest.raises(ValidationFailed) as caught:
            ask()
        assert caught.value.fields == {"day": "Choose a day from 01 Jan 1900 to 31 Dec 2199."}


def test_every_text_and_date_column_has_its_limit_or_a_reason(db: Database) -> None:
    """A new table's text or date column needs a line in limits.py (and a CHECK in its
    migration), or a reason in `limits.UNCHECKED`."""
    with db.session() as s:
        columns = s.execute(
            text(
                "SELECT c.table_name, c.column_name, c.data_type"
                " FROM information_schema.columns c JOIN information_schema.tables t"
                " USING (table_schema, table_name)"
                " WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'"
                " AND c.data_type IN ('text', 'date') AND c.is_generated = 'NEVER'"
            )
        ).all()
        checks = set(s.execute(text("SELECT conname FROM pg_constraint")).scalars())
    missing = []
    for table, column, kind in columns:
        if column in limits.UNCHECKED.get(table, ()):
            continue
        suffix = "length" if kind == "text" else "in_range"
        if f"ck_{table}_{column}_{suffix}" not in checks:
            missing.append(f"{table}.{column}")
    assert not missing, missing


def test_a_nul_the_driver_refuses_is_the_persons_sentence_and_nothing_else_is(
    db: Database,
) -> None:
    """psycopg refuses a NUL before the server sees it: said as the pasted character (only
    then: another error of the driver's own is the program's mistake, not the typing)."""
    with pytest.raises(ValidationFailed) as refused, db.session() as s:
        s.execute(text("SELECT CAST(:v AS text)"), {"v": "Ada\x00"})
    assert refused.value.fields == {
        "": "Remove the invisible NUL character that was pasted into one of the fields."
    }
    with db.session() as s:
        assert s.execute(text("SELECT 'still works'")).scalar_one() == "still works"
