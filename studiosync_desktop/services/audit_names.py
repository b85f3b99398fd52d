"""The audit trail in names: a changed reference shows whom or what it points at ("Room B",
"Ana Ruiz", "INV-2026-00042"), not its id, read in one query per kind of record on a page."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import text
from sqlalchemy.orm import Session

from studiosync_desktop.models import Base
from studiosync_desktop.schemas.accounts import AuditRow

# How each kind of record is named (the record's id is :ids); people by their person row.
PERSON = "trim(u.first_name || ' ' || u.last_name)"
NAMES = {
    "users": f"SELECT u.id, {PERSON} FROM users u WHERE u.id = ANY(:ids)",
    "students": (
        f"SELECT s.id, {PERSON} FROM students s JOIN users u ON u.id = s.user_id"
        " WHERE s.id = ANY(:ids)"
    ),
    "teachers": (
        f"SELECT t.id, {PERSON} FROM teachers t JOIN users u ON u.id = t.user_id"
        " WHERE t.id = ANY(:ids)"
    ),
    "families": "SELECT id, name FROM families WHERE id = ANY(:ids)",
    "bands": "SELECT id, name FROM bands WHERE id = ANY(:ids)",
    "practice_rooms": "SELECT id, name FROM practice_rooms WHERE id = ANY(:ids)",
    "inventory_items": "SELECT id, name FROM inventory_items WHERE id = ANY(:ids)",
    "resources": "SELECT id, title FROM resources WHERE id = ANY(:ids)",
    "lesson_plans": "SELECT id, title FROM lesson_plans WHERE id = ANY(:ids)",
    "invoices": (
        "SELECT id, coalesce(invoice_number, 'a draft invoice') FROM invoices WHERE id = ANY(:ids)"
    ),
}


def _references() -> dict[tuple[str, str], str]:
    """(table, column) -> the table its foreign key points at, for the kinds named above."""
    found: dict[tuple[str, str], str] = {}
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            for key in column.foreign_keys:
                target = key.column.table.name
                if target in NAMES:
                    found[(table.name, column.name)] = target
    return found


REFERENCES = _references()


def _wanted(rows: Iterable[AuditRow]) -> dict[str, set[uuid.UUID]]:
    wanted: dict[str, set[uuid.UUID]] = {}
    for row in rows:
        for name, *values in row.changes:
            target = REFERENCES.get((row.table_name, name))
            for value in values if target else ():
                try:
                    wanted.setdefault(target, set()).add(uuid.UUID(value))  # type: ignore[arg-type]
                except ValueError:
                    continue  # empty, or not an id
    return wanted


def with_names(s: Session, rows: tuple[AuditRow, ...]) -> tuple[AuditRow, ...]:
    """The rows with each referenced id replaced by its record's name (ids the reader may not
    see, or of records since deleted, stay as they were)."""
    names: dict[str, str] = {}
    for target, ids in _wanted(rows).items():
        found = s.execute(text(NAMES[target]), {"ids": list(ids)})
        names.update({str(i): n for i, n in found if n})
    if not names:
        return rows
    return tuple(_named(row, names) for row in rows)


def _named(row: AuditRow, names: dict[str, str]) -> AuditRow:
    def shown(name: str, value: str) -> str:
        return names.get(value, value) if (row.table_name, name) in REFERENCES else value

    changes = tuple((n, shown(n, old), shown(n, new)) for n, old, new in row.changes)
    return row if changes == row.changes else row.model_copy(update={"changes": changes})
