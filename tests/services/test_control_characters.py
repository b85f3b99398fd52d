"""The database refuses invisible control characters in every text a person types (migration
0035), whoever writes it: each such column has the check, and a refusal is a sentence next to
its field."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from factories import Maker
from sqlalchemy import text

from studiosync_desktop import limits
from studiosync_desktop.db import Database
from studiosync_desktop.errors import ValidationFailed
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services.container import Services

# What the schemas refuse too: each C0 control character but tab, new line and carriage
# return; and DEL.
REFUSED = [chr(c) for c in (*range(0x01, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F)]
KEPT = ["\t", "\n", "\r", "\u202e", "\u200f", "مايا", "😀", "\x80", "\u2028"]


def _text_columns(db: Database) -> list[tuple[str, str]]:
    with db.session() as s:
        return [
            (t, c)
            for t, c in s.execute(
                text(
                    "SELECT c.table_name, c.column_name FROM information_schema.columns c"
                    " JOIN information_schema.tables t USING (table_schema, table_name)"
                    " WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'"
                    " AND c.data_type IN ('text', 'character varying')"
                    " AND c.is_generated = 'NEVER' AND c.table_name <> 'alembic_version'"
                )
            ).all()
        ]


def test_every_text_column_refuses_control_characters_or_is_a_machine_column(
    db: Database,
) -> None:
    """A new text column needs the check in its migration, or a reason in limits.NOT_TYPED."""
    columns = _text_columns(db)
    with db.session() as s:
        checks = dict(
            s.execute(
                text(
                    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
                    " WHERE contype = 'c' AND convalidated"
                )
            ).all()
        )
    missing = []
    for table, column in columns:
        if column in limits.NOT_TYPED.get(table, ()):
            continue
        definition = checks.get(limits.control_free_check_name(table, column), "")
        if limits.CONTROL_FREE_FUNCTION not in definition:
            missing.append(f"{table}.{column}")
    assert not missing, missing
    # And the exemptions name real columns, so the list says what it is.
    exempt = {(t, c) for t, cs in limits.NOT_TYPED.items() for c in cs}
    assert exempt <= set(columns), exempt - set(columns)


def test_every_json_column_refuses_control_characters_or_is_a_machine_column(
    db: Database,
) -> None:
    """A JSON column's strings are typed too (0044): it needs the check, or a reason."""
    with db.session() as s:
        columns = s.execute(
            text(
                "SELECT c.table_name, c.column_name FROM information_schema.columns c"
                " JOIN information_schema.tables t USING (table_schema, table_name)"
                " WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'"
                " AND c.data_type IN ('json', 'jsonb', 'ARRAY')"
            )
        ).all()
        checks = dict(
            s.execute(
                text(
                    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
                    " WHERE contype = 'c' AND convalidated"
                )
            ).all()
        )
    assert columns
    missing = [
        f"{table}.{column}"
        for table, column in columns
        if column not in limits.NOT_TYPED_JSON.get(table, ())
        and limits.CONTROL_FREE_JSON_FUNCTION
        not in checks.get(limits.control_free_check_name(table, column), "")
    ]
    assert not missing, missing
    exempt = {(t, c) for t, cs in limits.NOT_TYPED_JSON.items() for c in cs}
    assert exempt <= {tuple(c) for c in columns}


def test_the_json_check_looks_at_every_string_and_key_at_any_depth(db: Database) -> None:
    with db.session() as s:

        def passes(value: str) -> bool:
            return bool(
                s.execute(
                    text(f"SELECT {limits.CONTROL_FREE_JSON_FUNCTION}(CAST(:v AS jsonb))"),
                    {"v": value},
                ).scalar_one()
            )

        for c in REFUSED:
            escaped = f"\\u{ord(c):04x}"
            for shape in ('["{}"]', '{{"a": {{"b": ["x{}"]}}}}', '{{"{}": 1}}', '"{}"'):
                assert not passes(shape.format(escaped)), (c, shape)
        for c in KEPT:
            assert passes(json.dumps({"k": [c, {c: c}]})), c
        assert passes("[]") and passes("{}") and passes("5") and passes("null")


def test_the_check_refuses_each_control_character_and_keeps_every_other_text(
    db: Database,
) -> None:
    with db.session() as s:

        def passes(value: str) -> bool:
            return bool(
                s.execute(
                    text(f"SELECT {limits.CONTROL_FREE_FUNCTION}(:v)"), {"v": value}
                ).scalar_one()
            )

        assert [c for c in REFUSED if passes(f"Maya{c}Chen")] == []
        assert all(passes(f"Maya{c}Chen") for c in KEPT)
        assert passes("") and passes("Maya Chen")


def test_a_control_character_written_past_the_schemas_is_refused_next_to_its_field(
    db: Database, admin: Actor
) -> None:
    """A notification's title is the app's own text (no form): the database still refuses a
    bell in it, and the desk gets the sentence for that field, and nothing is written."""
    services = Services.build(db)
    with pytest.raises(ValidationFailed) as caught:
        services.notifications.notify(admin, [admin.user_id], "Lesson\x07moved", "Tuesday")
    assert caught.value.fields == {"title": limits.CONTROL_MESSAGE}
    with db.session() as s:
        assert s.execute(text("SELECT count(*) FROM notifications")).scalar_one() == 0
    assert services.notifications.notify(admin, [admin.user_id], "Lesson\tmoved", "Tue\nday")


def test_the_owner_cannot_store_an_escape_sequence_in_a_students_notes(
    db: Database, admin: Actor
) -> None:
    make = Maker(db, admin.studio_id)
    student = make.student("Tom", "Hale")
    with pytest.raises(ValidationFailed) as caught, db.session() as s:
        s.execute(
            text("UPDATE students SET notes = :n WHERE id = :i"),
            {"n": "\x1b[31mred", "i": student},
        )
    assert caught.value.fields == {"notes": limits.CONTROL_MESSAGE}
    with pytest.raises(ValidationFailed) as caught, db.session() as s:
        s.execute(
            text("UPDATE users SET first_name = :n WHERE id = (SELECT user_id FROM students)"),
            {"n": "To\x7fm"},
        )
    assert caught.value.fields == {"first_name": limits.CONTROL_MESSAGE}


def test_a_refused_reason_is_said_next_to_the_reason_field_of_its_form(
    db: Database, admin: Actor
) -> None:
    """The cancel form's field is `reason`; the column is `cancellation_reason`."""
    make = Maker(db, admin.studio_id)
    teacher = make.teacher()
    student = make.student("Tom", "Hale", teacher_id=teacher)
    lesson = make.lesson(teacher, datetime(2026, 3, 2, 16, tzinfo=UTC), student_id=student)
    with pytest.raises(ValidationFailed) as caught, db.session() as s:
        s.execute(
            text("UPDATE lessons SET cancellation_reason = :r WHERE id = :i"),
            {"r": "Snow\x07", "i": lesson},
        )
    assert caught.value.fields == {"reason": limits.CONTROL_MESSAGE}
