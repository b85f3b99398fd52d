"""A person's data export holds every table's rows about them and nobody else's."""

from __future__ import annotations

import io
import json
import re
import uuid
import zipfile
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from privacy_world import PrivacyWorld, Someone
from pypdf import PdfReader
from sqlalchemy import text

from studiosync_desktop.db import Database
from studiosync_desktop.embedded import libpq_dsn
from studiosync_desktop.errors import NotFound, PermissionDenied
from studiosync_desktop.models import Base
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services.privacy_export import PrivacyExportService
from studiosync_desktop.services.privacy_scope import ACTOR_COLUMNS, DERIVED, PERSON_KEYS, SCOPES

PEOPLE = ("users", "students", "teachers", "families")


@pytest.fixture
def world(db: Database, admin: Actor, database_url: str) -> Iterator[dict[str, Any]]:
    with psycopg.connect(libpq_dsn(database_url)) as conn:
        w = PrivacyWorld(conn, admin.studio_id, admin.user_id)
        ada = w.student("Ada", "Lovelace", "+1 312 555 0101")
        bo = w.student("Bo", "Nakamura", "+1 312 555 0102")
        parent = w.parent_of(ada, "Petra", "+1 312 555 0103")
        w.plans()
        conn.commit()
    yield {"ada": ada, "bo": bo, "parent": parent, "teacher": w.teacher}


def _export(db: Database, actor: Actor, who: Someone) -> tuple[dict[str, Any], zipfile.ZipFile]:
    done = PrivacyExportService(db).export(actor, who.user)
    archive = zipfile.ZipFile(io.BytesIO(done.data))
    return json.loads(archive.read("data.json")), archive


def _ids(rows: list[dict[str, Any]], table: str) -> set[Any]:
    key = {
        "band_members": "band_id",
        "thread_participants": "user_id",
        "message_reads": "message_id",
        "resource_shares": "student_id",
        "email_preferences": "user_id",
        "booking_overrides": "lesson_id",
    }.get(table, "id")
    return {str(r[key]) for r in rows}


def _owned_by(db: Database, table: str, user: uuid.UUID) -> set[str]:
    with db.session() as s:
        return {
            str(i)
            for i in s.scalars(text(f"SELECT id FROM {table} WHERE user_id = :u"), {"u": user})
        }


def test_every_table_of_the_models_says_whether_it_holds_data_about_a_person() -> None:
    tables = {t.name for t in Base.metadata.sorted_tables}
    assert tables - set(SCOPES) == set(), "tables missing from privacy_scope.SCOPES"
    assert set(SCOPES) - tables == set(), "SCOPES names tables that do not exist"
    for name, scope in SCOPES.items():
        assert scope.where is not None or scope.why, name


def test_every_column_pointing_at_a_person_is_considered_by_the_export() -> None:
    """A new column referring to a user, student, teacher or family must either find the
    rows about that person (in the table's scope) or record who acted (ACTOR_COLUMNS)."""
    missed = []
    for table in Base.metadata.sorted_tables:
        scope = SCOPES[table.name]
        for column in table.columns:
            targets = {fk.column.table.name for fk in column.foreign_keys}
            qualified = f"{table.name}.{column.name}"
            if not targets & set(PEOPLE) or {column.name, qualified} & ACTOR_COLUMNS:
                continue
            if qualified in PERSON_KEYS or table.name in DERIVED:
                continue
            if scope.where is None or (
                column.name not in scope.where
                and not (column.primary_key and "t.id" in scope.where)
            ):
                missed.append(f"{table.name}.{column.name}")
    assert missed == []


def test_the_export_holds_every_tables_rows_about_the_person_and_nobody_elses(
    db: Database, admin: Actor, world: dict[str, Any]
) -> None:
    covered: set[str] = set()
    for key in ("ada", "parent", "teacher"):
        who: Someone = world[key]
        data, archive = _export(db, admin, who)
        tables = data["tables"]
        for table, scope in SCOPES.items():
            if scope.where is None or table == "audit_log":
                continue
            got = _ids(tables[table], table)
            want = {str(i) for i in who.mine.get(table, set())}
            if table == "privacy_requests":
                want = got if want <= got else want  # the export itself is recorded
            if table == "notifications":  # the database raises some (a new message for them)
                want |= _owned_by(db, "notifications", who.user)
            assert got == want, f"{key}: {table}: exported {got - want} extra, missed {want - got}"
            if got:
                covered.add(table)
        # The audit trail: changes to their own records only.
        own = {str(who.user), str(who.student), str(who.teacher)} | {
            str(f) for f in who.mine.get("families", set())
        }
        assert tables["audit_log"], key
        assert {r["row_id"] for r in tables["audit_log"]} <= own
        covered.add("audit_log")
        whole = archive.read("data.json").decode()
        other: Someone = world["bo"]
        traces = [other.name, other.email, other.phone]
        if key != "teacher":  # a teacher's lessons refer to their students by id, nothing more
            traces += [str(other.user), str(other.student)]
        for trace in traces:
            assert trace not in whole, f"{key}'s export holds {trace!r} of someone else"
        assert {"README.txt", "summary.pdf", "data.json"} <= set(archive.namelist())
    scoped = {t for t, s in SCOPES.items() if s.where is not None}
    assert scoped - covered == set(), "the test world has no row in these tables"


def test_the_summary_pdf_reads_as_the_persons_data_and_the_export_is_audited(
    db: Database, admin: Actor, world: dict[str, Any]
) -> None:
    ada: Someone = world["ada"]
    _data, archive = _export(db, admin, ada)
    pdf = PdfReader(io.BytesIO(archive.read("summary.pdf")))
    words = " ".join(page.extract_text() for page in pdf.pages)
    for expected in ("Ada Lovelace", "YOUR DATA", "Lessons", "Invoices", "Ada likes jazz"):
        assert expected in words
    assert "Teacher only" not in words  # a note not shown to the student stays the studio's
    # A lesson reads by when it is, in the studio's time, not as a database timestamp.
    assert "Scheduled start" in words and re.search(r"\d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}", words)
    assert not re.search(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}", words) and "+00:00" not in words
    with db.session() as s:
        logged = s.execute(
            text(
                "SELECT a.new->>'recorded_by_id', a.new->>'kind' FROM audit_log a"
                " WHERE a.table_name = 'privacy_requests' AND a.action = 'insert'"
                " AND (a.new->>'person_id')::uuid = :p"
                " AND a.new->>'kind' = 'export' AND a.new->>'recorded_by_id' IS NOT NULL"
            ),
            {"p": ada.user},
        ).all()
    assert [(r[0], r[1]) for r in logged] == [(str(admin.user_id), "export")]


def test_a_desk_exports_a_student_but_not_a_colleague(
    db: Database, admin: Actor, world: dict[str, Any]
) -> None:
    desk = admin.model_copy(update={"role": "desk", "name": "Dee Desk"})
    data, _ = _export(db, desk, world["ada"])
    assert data["person"] == "Ada Lovelace"
    with pytest.raises(PermissionDenied, match="administrator"):
        PrivacyExportService(db).export(desk, world["teacher"].user)
    teacher = admin.model_copy(update={"role": "teacher"})
    with pytest.raises(PermissionDenied):
        PrivacyExportService(db).export(teacher, world["ada"].user)
    with pytest.raises(NotFound):
        PrivacyExportService(db).export(admin, uuid.uuid4())


def test_the_command_line_writes_the_same_zip_and_says_so(
    db: Database,
    admin: Actor,
    world: dict[str, Any],
    database_url: str,
    tmp_path: Any,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from studiosync_desktop.cli import main

    out = tmp_path / "ada.zip"
    ada: Someone = world["ada"]
    assert (
        main(
            [
                "privacy",
                "export",
                "--email",
                ada.email.upper(),
                "-o",
                str(out),
                "--database",
                database_url,
            ]
        )
        == 0
    )
    assert "records about Ada Lovelace" in capsys.readouterr().out
    data = json.loads(zipfile.ZipFile(out).read("data.json"))
    assert data["person"] == "Ada Lovelace" and data["tables"]["lessons"]
    assert (
        main(
            [
                "privacy",
                "export",
                "--email",
                "nobody@x.org",
                "-o",
                str(out),
                "--database",
                database_url,
            ]
        )
        == 2
    )
    assert "Nobody with the email nobody@x.org" in capsys.readouterr().err
