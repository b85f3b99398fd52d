"""Finding people and invoices by typing (the command palette's look-up), misspellings forgiven."""

from __future__ import annotations

import pytest
from factories import Maker

from studiosync_desktop.db import Database
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services.container import Services


@pytest.fixture
def services(db: Database) -> Services:
    return Services.build(db)


@pytest.fixture
def studio(db: Database, admin: Actor) -> Maker:
    m = Maker(db, admin.studio_id)
    turner = m.family("Turner family")
    m.student("Isabella", "Turner", instrument="Violin", family_id=turner)
    m.student("Isaac", "Cox", instrument="Cello")
    m.teacher("Maya", "Chen")
    m.invoice(family_id=turner, number="INV-2026-00042", total="80.00")
    m.invoice(family_id=m.family("Other family"), number="INV-2026-00043")
    return m


def test_a_misspelled_name_finds_the_person_first_and_the_familys_invoices(
    services: Services, admin: Actor, studio: Maker
) -> None:
    found = services.quick_find.find(admin, "Isabela Turnr")
    assert found.people[0].name == "Isabella Turner"
    assert found.people[0].kind == "students" and "Violin" in found.people[0].detail
    assert [i.number for i in found.invoices] == ["INV-2026-00042"]


def test_an_invoice_is_found_by_part_of_its_number(
    services: Services, admin: Actor, studio: Maker
) -> None:
    found = services.quick_find.find(admin, "00043")
    assert [i.number for i in found.invoices] == ["INV-2026-00043"]


def test_one_letter_asks_nothing_and_a_teacher_finds_no_invoices(
    db: Database, services: Services, admin: Actor, studio: Maker
) -> None:
    assert services.quick_find.find(admin, " I ").people == ()
    from sqlalchemy import text

    with db.session() as s:
        user = s.execute(text("SELECT user_id FROM teachers LIMIT 1")).scalar_one()
    teacher = Actor(user_id=user, studio_id=admin.studio_id, role="teacher", name="Maya Chen")
    assert services.quick_find.find(teacher, "Turner").invoices == ()
