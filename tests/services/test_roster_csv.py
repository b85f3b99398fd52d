"""Roster CSV: export round-trips; import previews per-row errors and is all-or-nothing."""

from __future__ import annotations

import pytest
from factories import Maker
from sqlalchemy import text

from studiosync_desktop.db import Database
from studiosync_desktop.errors import ValidationFailed
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services.roster import RosterService
from studiosync_desktop.services.roster_csv import COLUMNS, RosterCsvService

HEADER = ",".join(COLUMNS)


def test_export_then_import_gives_the_same_roster(db: Database, admin: Actor) -> None:
    maker = Maker(db, admin.studio_id)
    teacher = maker.teacher("Maya", "Chen")
    roster = RosterService(db)
    family = roster.save_family(
        admin, {"name": "Lee family", "billing_email": "lees@x.org", "phone_number": "3125550147"}
    ).id
    roster.save_student(
        admin,
        {
            "first_name": "Sam",
            "last_name": "Lee",
            "email": "sam@x.org",
            "instrument": "Cello",
            "specialties": ["Theory"],
            "date_of_birth": "2014-03-02",
            "family_id": family,
            "primary_teacher_id": teacher,
            "emergency_contact_name": "Kim Lee",
            "emergency_contact_phone": "(312) 555-0199",
            "notes": 'Left-handed, "needs" a, comma',
        },
    )
    gone = roster.save_student(admin, {"first_name": "José", "last_name": "Ávila"}).id
    roster.set_active(admin, "students", gone, False)
    service = RosterCsvService(db)
    exported = service.export_csv(admin)
    with db.engine.begin() as c:  # the roster leaves, as if moving to another system
        c.execute(text("DELETE FROM users WHERE role = 'student'"))
        c.execute(text("DELETE FROM families"))
    assert service.preview(admin, exported).ok
    assert service.import_csv(admin, exported) == 2
    assert service.export_csv(admin) == exported


def test_preview_lists_every_bad_row_and_import_writes_nothing(db: Database, admin: Actor) -> None:
    service = RosterCsvService(db)
    csv_text = "\n".join(
        [
            HEADER,
            "Ana,Ruiz,ana@x.org,,Violin,,,,,,,,Ruiz family,,,,yes",
            ",NoFirst,,,,,,,,,,,,,,,",
            "Bo,Dup,ana@x.org,12,,,2999-01-01,,,,,nobody@x.org,,,,,maybe",
            "Cy,Owner,OWNER@harmony.example,,,,,,,,,,,,,,",
        ]
    )
    preview = service.preview(admin, csv_text)
    assert not preview.ok and preview.error_count == 3
    errors = {r.line: dict(r.errors) for r in preview.rows}
    assert errors[2] == {}
    assert set(errors[3]) == {"first_name"}
    assert set(errors[4]) == {
        "email",
        "phone_number",
        "date_of_birth",
        "teacher_email",
        "is_active",
    }
    assert "line 2" in errors[4]["email"]
    assert "Olivia Owner" in errors[5]["email"]
    assert preview.new_families == ("Ruiz family",)
    with pytest.raises(ValidationFailed) as caught:
        service.import_csv(admin, csv_text)
    assert set(caught.value.fields) == {"line 3", "line 4", "line 5"}
    assert RosterService(db).students(admin, include_inactive=True).rows == ()
    assert RosterService(db).families(admin).rows == ()


def test_a_family_written_in_two_cases_is_one_new_family(db: Database, admin: Actor) -> None:
    service = RosterCsvService(db)
    csv_text = "\n".join(
        [
            HEADER,
            "Ana,Ruiz,,,Violin,,,,,,,,Ruiz family,,,,yes",
            "Leo,Ruiz,,,Cello,,,,,,,,ruiz FAMILY,,,,yes",
        ]
    )
    assert service.preview(admin, csv_text).new_families == ("Ruiz family",)
    service.import_csv(admin, csv_text)
    assert [f.name for f in RosterService(db).families(admin).rows] == ["Ruiz family"]


def test_unknown_columns_are_refused_before_anything_else(db: Database, admin: Actor) -> None:
    with pytest.raises(ValidationFailed, match="Unknown columns: shoe_size"):
        RosterCsvService(db).preview(admin, "first_name,shoe_size\nAna,38\n")
