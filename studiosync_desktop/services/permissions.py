"""Who may do what: checked by services first (friendly message), and again by the database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from studiosync_desktop.errors import Conflict, PermissionDenied
from studiosync_desktop.schemas.common import Actor

# What each staff role runs. Teachers see their own schedule, students, notes, goals and
# plans, the resource library and their own messages; nothing of billing.
AREAS: dict[str, frozenset[str]] = {
    "admin": frozenset(
        {
            "schedule",
            "roster",
            "billing",
            "inventory",
            "rooms",
            "resources",
            "messages",
            "settings",
            "users",
            "audit",
            "backup",
            "email",
            "pay",
        }
    ),
    "desk": frozenset(
        {"schedule", "roster", "billing", "inventory", "rooms", "resources", "messages", "email"}
    ),
    # "pay" for a teacher: their own pay statements (the database shows them nothing else).
    "teacher": frozenset({"schedule", "roster", "resources", "messages", "teaching", "pay"}),
}

AREA_NAMES = {
    "schedule": "the schedule",
    "roster": "the roster",
    "billing": "billing",
    "inventory": "the inventory",
    "rooms": "room bookings",
    "resources": "the resource library",
    "messages": "messages",
    "settings": "studio settings",
    "users": "staff accounts",
    "audit": "the audit trail",
    "backup": "backups",
    "teaching": "lesson notes",
    "email": "the studio's email",
    "pay": "teacher pay",
}


def can(actor: Actor, area: str) -> bool:
    return area in AREAS.get(actor.role, frozenset())


def require(actor: Actor, area: str) -> None:
    """Raises PermissionDenied with a message naming what the role may not use."""
    if not can(actor, area):
        raise PermissionDenied(
            f"{actor.name} ({actor.role}) may not use {AREA_NAMES.get(area, area)}."
        )


# A teacher may mark a lesson (and record its actual times) this long before its start: an
# early start, or a PC clock a little ahead of the server's. The database allows the same
# (migration 0015, lessons_teacher_rules).
MARK_EARLY = timedelta(minutes=15)


def may_mark(actor: Actor, starts: datetime) -> bool:
    """A teacher marks a lesson once it has started (the desk and admins at any time)."""
    return actor.role != "teacher" or starts <= datetime.now(UTC) + MARK_EARLY


def require_started(actor: Actor, starts: datetime, zone: ZoneInfo) -> None:
    """Says in words that a teacher marks a lesson once it has begun (the database agrees)."""
    if not may_mark(actor, starts):
        local = starts.astimezone(zone)
        raise Conflict(
            f"This lesson starts at {local:%H:%M} on {local:%a} {local.day} {local:%b}: "
            "mark it once it has started."
        )
