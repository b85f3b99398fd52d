"""The resource library: files in the database with a size limit, sharing, lending copies."""

from __future__ import annotations

import pytest
from desks import failures, race_desks
from factories import Maker
from sqlalchemy import text

from studiosync_desktop.db import Database
from studiosync_desktop.errors import Conflict, ValidationFailed
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services.resources import ResourceService
from studiosync_desktop.vocabulary import MAX_RESOURCE_FILE_BYTES


@pytest.fixture
def make(db: Database, admin: Actor) -> Maker:
    return Maker(db, admin.studio_id)


@pytest.fixture
def lib(db: Database) -> ResourceService:
    return ResourceService(db)


PDF = b"%PDF-1.4\n%%EOF\n"


def test_a_file_is_stored_and_read_back_by_every_desk(lib: ResourceService, admin: Actor):
    row = lib.create(
        admin,
        {"title": "C Major Scale", "resource_type": "pdf", "tags": "scales, piano"},
        file_name="c-major.pdf",
        file_data=PDF,
        mime_type="application/pdf",
    )
    assert (row.file_size, row.tags) == (len(PDF), ("scales", "piano"))
    stored = lib.file(admin, row.id)
    assert (stored.file_name, stored.data) == ("c-major.pdf", PDF)
    assert [r.title for r in lib.resources(admin, search="piano").rows] == ["C Major Scale"]


def test_a_file_over_the_limit_is_refused_clearly(lib: ResourceService, admin: Actor):
    big = b"\0" * (MAX_RESOURCE_FILE_BYTES + 1)
    with pytest.raises(ValidationFailed) as exc:
        lib.create(admin, {"title": "Concert video"}, file_name="concert.mp4", file_data=big)
    assert (
        "concert.mp4 is 50.0 MB; the library accepts files up to 50.0 MB"
        in (exc.value.fields["file"])
    )
    assert lib.resources(admin).total == 0


def test_links_need_an_address(lib: ResourceService, admin: Actor):
    with pytest.raises(ValidationFailed, match="web address"):
        lib.create(admin, {"title": "Theory", "resource_type": "link"})


def test_sharing_sets_exactly_the_chosen_students(lib: ResourceService, admin: Actor, make: Maker):
    sam, ana = make.student("Sam", "Lee"), make.student("Ana", "Ruiz")
    row = lib.create(admin, {"title": "Practice log"}, file_name="log.pdf", file_data=PDF)
    assert lib.share(admin, row.id, [sam, ana]).shared_count == 2
    assert lib.share(admin, row.id, [ana]).shared_count == 1
    assert [p.name for p in lib.shared_with(admin, row.id)] == ["Ana Ruiz"]


def test_lending_copies_balances_and_refuses_clearly(
    db: Database, lib: ResourceService, admin: Actor, make: Maker
):
    sam = make.student("Sam", "Lee")
    book = lib.create(
        admin, {"title": "Suzuki Book 1", "resource_type": "physical", "quantity_total": 2}
    )
    first = lib.lend(admin, {"resource_id": book.id, "student_id": sam})
    lib.lend(admin, {"resource_id": book.id, "student_id": sam})
    with pytest.raises(ValidationFailed) as exc:
        lib.lend(admin, {"resource_id": book.id, "student_id": sam})
    assert exc.value.fields["quantity"] == "No copies available of Suzuki Book 1."
    lib.return_copy(admin, first.id, "Fine")
    with pytest.raises(Conflict, match="returned already"):
        lib.return_copy(admin, first.id)
    out = lib.checkouts(admin, book.id)
    lib.mark_lost(admin, out[0].id, "Left on the bus")
    row = lib.resources(admin, search="Suzuki").rows[0]
    assert (row.quantity_total, row.quantity_available) == (1, 1)
    not_physical = lib.create(admin, {"title": "Scale PDF"}, file_name="s.pdf", file_data=PDF)
    with pytest.raises(Conflict, match="not a physical copy"):
        lib.lend(admin, {"resource_id": not_physical.id, "student_id": sam})


def test_desks_lending_and_returning_copies_at_once_never_drift(
    database_url: str, db: Database, lib: ResourceService, admin: Actor, make: Maker
):
    sam = make.student("Sam", "Lee")
    book = lib.create(
        admin, {"title": "Real Book", "resource_type": "physical", "quantity_total": 3}
    )

    def desk(own: Database, n: int) -> None:
        service = ResourceService(own)
        for k in range(6):
            try:
                lent = service.lend(admin, {"resource_id": book.id, "student_id": sam})
                if (n + k) % 2:
                    service.return_copy(admin, lent.id)
            except (ValidationFailed, Conflict):
                pass

    assert failures(race_desks(database_url, 8, desk)) == []
    with db.engine.connect() as c:
        out = c.execute(
            text(
                "SELECT coalesce(sum(quantity), 0) FROM resource_checkouts "
                "WHERE resource_id = :r AND status = 'checked_out'"
            ),
            {"r": book.id},
        ).scalar_one()
    row = lib.resources(admin, search="Real Book").rows[0]
    assert row.quantity_available == row.quantity_total - out
    assert 0 <= row.quantity_available <= row.quantity_total
