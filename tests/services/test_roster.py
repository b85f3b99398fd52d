"""Roster: typo- and accent-tolerant search, add/edit/deactivate, validation, permissions."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from factories import Maker

from studiosync_desktop.db import Database
from studiosync_desktop.errors import NotFound, PermissionDenied, ValidationFailed
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.schemas.rows import StudentRow
from studiosync_desktop.services.roster import RosterService


@pytest.fixture
def roster(db: Database) -> RosterService:
    return RosterService(db)


@pytest.fixture
def maker(db: Database, admin: Actor) -> Maker:
    return Maker(db, admin.studio_id)


def names(page) -> list[str]:  # type: ignore[no-untyped-def]
    return [r.name for r in page.rows]


def test_search_tolerates_accents_and_typos(roster: RosterService, admin: Actor) -> None:
    roster.save_student(
        admin, {"first_name": "José", "last_name": "Álvarez", "instrument": "Cello"}
    )
    roster.save_student(admin, {"first_name": "John", "last_name": "Smith", "instrument": "Piano"})
    roster.save_student(admin, {"first_name": "Mia", "last_name": "Wong", "instrument": "Violin"})
    assert names(roster.students(admin, search="jose alvarez")) == ["José Álvarez"]
    assert names(roster.students(admin, search="alvares")) == ["José Álvarez"]
    assert "John Smith" in names(roster.students(admin, search="Jonh"))
    assert names(roster.students(admin, search="smiht"))[0] == "John Smith"
    assert names(roster.students(admin, search="violin")) == ["Mia Wong"]
    assert names(roster.students(admin, search="zzzz")) == []


def test_search_finds_phone_numbers_typed_without_punctuation(
    roster: RosterService, admin: Actor
) -> None:
    roster.save_student(
        admin, {"first_name": "Ana", "last_name": "Ruiz", "phone_number": "(312) 555-0147"}
    )
    roster.save_student(admin, {"first_name": "Ben", "last_name": "Ode"})
    assert names(roster.students(admin, search="3125550147")) == ["Ana Ruiz"]
    assert names(roster.students(admin, search="555-0147")) == ["Ana Ruiz"]


def test_all_four_views_search_and_page(roster: RosterService, admin: Actor, maker: Maker) -> None:
    for i in range(5):
        maker.family(f"Family {i:02d}")
    first = roster.families(admin, limit=2)
    assert first.total == 5 and len(first.rows) == 2 and first.next_cursor
    second = roster.families(admin, cursor=first.next_cursor, limit=2)
    assert [r.name for r in second.rows] == ["Family 02", "Family 03"]
    roster.save_teacher(
        admin,
        {
            "first_name": "Maya",
            "last_name": "Chen",
            "email": "maya@x.org",
            "specialties": ["Guitar", "Ukulele"],
            "hourly_rate": "60",
        },
    )
    assert [t.name for t in roster.teachers(admin, search="ukulele").rows] == ["Maya Chen"]
    roster.save_band(admin, {"name": "The Räucous"})
    assert [b.name for b in roster.bands(admin, search="raucous").rows] == ["The Räucous"]


def test_adding_a_student_with_a_taken_email_names_who_has_it(
    roster: RosterService, admin: Actor
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        roster.save_student(admin, {"first_name": "X", "email": "OWNER@harmony.example"})
    assert "Olivia Owner" in caught.value.fields["email"]


def test_student_form_rules_give_per_field_messages(roster: RosterService, admin: Actor) -> None:
    with pytest.raises(ValidationFailed) as caught:
        roster.save_student(
            admin,
            {
                "first_name": "",
                "email": "not-an-email",
                "phone_number": "12",
                "date_of_birth": (date.today() + timedelta(days=1)).isoformat(),
            },
        )
    assert set(caught.value.fields) == {"first_name", "email", "phone_number", "date_of_birth"}
    assert "today" in caught.value.fields["date_of_birth"]


def test_edit_then_deactivate_hides_the_student_until_show_inactive(
    roster: RosterService, admin: Actor, maker: Maker
) -> None:
    fam = maker.family("Lee family")
    saved = roster.save_student(admin, {"first_name": "Sam", "last_name": "Lee"})
    form = roster.student_form(admin, saved.id)
    roster.save_student(
        admin, form.model_copy(update={"family_id": fam, "instrument": "Cello"}), saved.id
    )
    row = roster.students(admin).rows[0]
    assert (row.family_name, row.instrument, row.email) == ("Lee family", "Cello", "")
    roster.set_active(admin, "students", saved.id, False)
    assert roster.students(admin).rows == ()
    assert [r.is_active for r in roster.students(admin, include_inactive=True).rows] == [False]
    assert roster.families(admin).rows[0].student_count == 0


def test_teachers_may_read_the_roster_but_not_change_it(
    roster: RosterService, admin: Actor
) -> None:
    teacher = admin.model_copy(update={"role": "teacher", "name": "Tess"})
    assert roster.students(teacher).rows == ()
    with pytest.raises(PermissionDenied):
        roster.save_family(teacher, {"name": "Nope"})


def test_another_studios_rows_are_not_found(
    roster: RosterService, admin: Actor, db: Database
) -> None:
    other = Maker.new_studio(db)
    their_family = other.family("Theirs")
    with pytest.raises(NotFound):
        roster.family_form(admin, their_family)
    with pytest.raises(ValidationFailed):
        roster.save_student(admin, {"first_name": "A", "family_id": their_family})


def test_a_students_page_gathers_lessons_family_invoices_and_loans(
    db: Database, admin: Actor, maker: Maker
) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from studiosync_desktop.services.people import PeopleService

    ny = ZoneInfo("America/New_York")
    teacher = maker.teacher("Maya", "Chen")
    fam = maker.family("Lee family")
    sam = maker.student("Sam", "Lee", instrument="Cello", family_id=fam, teacher_id=teacher)
    soon = datetime.now(ny).replace(microsecond=0) + timedelta(days=2)
    lesson = maker.lesson(teacher, soon, student_id=sam)
    maker.lesson(teacher, soon - timedelta(days=9), student_id=sam, status="completed")
    maker.invoice(family_id=fam, number="INV-9", total="120.00", paid="20.00", status="partial")
    people = PeopleService(db)
    page = people.page(admin, "students", sam)
    assert page.title == "Sam Lee"
    assert ("Family", "Lee family") in page.facts and ("Teacher", "Maya Chen") in page.facts
    sections = {s.title: s for s in page.sections}
    assert sections["Upcoming lessons"].lines[0].link == f"studiosync://lesson/{lesson}"
    assert len(sections["Past lessons"].lines) == 1
    [invoice] = sections["Invoices (student and family)"].lines
    assert invoice.text == "INV-9" and "balance 100.00" in invoice.detail
    assert invoice.detail.startswith("Partial")  # no due date: not overdue
    family = people.page(admin, "families", fam)
    assert ("Balance due", "100.00") in family.facts
    assert [line.text for line in family.sections[0].lines] == ["Sam Lee"]
    teacher_page = people.page(admin, "teachers", teacher)
    assert [line.text for line in teacher_page.sections[1].lines] == ["Sam Lee"]
    # A teacher's view leaves billing out.
    as_teacher = admin.model_copy(update={"role": "teacher"})
    assert "Invoices (student and family)" not in {
        s.title for s in people.page(as_teacher, "students", sam).sections
    }
    studio_today = datetime.now(ny).date()  # overdue as the studio's calendar says
    maker.invoice(family_id=fam, number="INV-10", due=studio_today - timedelta(days=1))
    maker.invoice(family_id=fam, number="INV-11", due=studio_today)
    again = {x.title: x for x in people.page(admin, "students", sam).sections}
    lines = {line.text: line.detail for line in again["Invoices (student and family)"].lines}
    assert lines["INV-10"].startswith("Overdue") and lines["INV-11"].startswith("Sent")


def test_a_student_search_gives_the_rows_and_order_of_the_full_list(
    roster: RosterService, admin: Actor, maker: Maker
) -> None:
    """The search's page is found before its families and teachers are named, its rows built
    without validation: the same rows, in the same order, as the list without a search."""
    tess = maker.teacher("Tess", "Stone")
    family = maker.family("Sosa family")
    maker.student("Sofia", "Sosa", family_id=family, teacher_id=tess)
    maker.student("Sam", "Sosa", family_id=family, email="student-1@no-email.invalid")
    maker.student("Sol", "Ames", instrument=" Cello ", teacher_id=tess)  # spaces: validated
    maker.student("Sol", "Ames", instrument="Sax")  # the same name: by id
    maker.student("Ava", "Stone", is_active=False)
    maker.student("Ben", "Ode", instrument="Drums")
    for include_inactive in (False, True):
        listed = roster.students(admin, include_inactive=include_inactive).rows
        for search in ("s", "so", "sosa", "sax", "ames"):
            found = roster.students(admin, search=search, include_inactive=include_inactive)
            rows = found.rows
            assert rows == tuple(StudentRow.model_validate(r.model_dump()) for r in rows)
            assert found.total == len(rows)
            if len(search) < 3:  # a short search is alphabetical, as the list is
                ids = {r.id for r in rows}
                assert rows == tuple(r for r in listed if r.id in ids)
            else:
                assert set(rows) <= set(listed)
    [sam, sofia] = roster.students(admin, search="sosa").rows[:2]
    assert (sam.name, sam.family_name, sam.teacher_name, sam.email) == (
        "Sam Sosa",
        "Sosa family",
        "",
        "",
    )
    assert sofia.teacher_name == "Tess Stone"
    assert sorted(r.instrument for r in roster.students(admin, search="ame").rows) == [
        "Cello",
        "Sax",
    ]
    assert len(roster.students(admin, search="s", limit=2).rows) == 2
