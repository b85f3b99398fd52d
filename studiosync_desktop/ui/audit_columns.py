"""The audit trail's columns (when, who, table, action, changes): its tab and a row's history."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from studiosync_desktop.ui.table_model import Column, plain, words

if TYPE_CHECKING:
    from studiosync_desktop.schemas.accounts import AuditRow
    from studiosync_desktop.ui.studio_clock import StudioClock

ACTION_WORDS = {"insert": "Added", "update": "Changed", "delete": "Deleted"}


def field_label(name: str) -> str:
    """'room_id' -> 'room', 'scheduled_start' -> 'scheduled start' (the UI capitalises)."""
    return name.removesuffix("_id").replace("_", " ")


def _value(text: str, clock: StudioClock | None) -> str:
    """Timestamps as the studio's local time; everything else as stored."""
    if clock is not None and len(text) >= 19 and text[4] == "-" and text[10] == "T":
        try:
            return plain(clock.local(datetime.fromisoformat(text)))
        except ValueError:
            return text
    return text


def is_login(row: AuditRow) -> bool:
    """Logging in stamps users.last_login: shown as a login, not as a change of the person."""
    return row.action == "update" and [c[0] for c in row.changes] == ["last_login"]


def action_text(row: AuditRow) -> str:
    return "Logged in" if is_login(row) else ACTION_WORDS.get(row.action, row.action)


def changes_text(row: AuditRow, limit: int = 8, clock: StudioClock | None = None) -> str:
    """'status: scheduled → cancelled; notes: → Sick' (the first few changed fields)."""
    if is_login(row):
        return ""
    parts = []
    for field, raw_old, raw_new in row.changes[:limit]:
        name = field_label(field).capitalize()
        old, new = _value(raw_old, clock), _value(raw_new, clock)
        if row.action == "insert":
            parts.append(f"{name}: {new}")
        elif row.action == "delete":
            parts.append(f"{name}: {old}")
        else:
            parts.append(f"{name}: {old or '(empty)'} \N{RIGHTWARDS ARROW} {new or '(empty)'}")
    more = len(row.changes) - limit
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")


def who_text(row: AuditRow) -> str:
    """The person; a change made outside any staff login says so (the owner, a script)."""
    if row.who == row.db_role and not row.db_role.startswith("ss_"):
        return f"Owner connection ({row.db_role})"
    return row.who


def audit_columns(clock: StudioClock, with_table: bool = True) -> list[Column[AuditRow]]:
    columns: list[Column[AuditRow]] = [
        Column("When", lambda r: clock.local(r.at), width=170),
        Column("Who", who_text, width=160),
    ]
    if with_table:
        columns.append(Column("Table", lambda r: words(r.table_name), width=140))
    columns += [
        Column("Action", action_text, width=90),
        Column("Changes", lambda r: changes_text(r, clock=clock), width=500),
    ]
    return columns
