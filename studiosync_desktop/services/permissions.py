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


# Marks that only a lesson that has begun can have, whoever sets them (migration 0029,
# lessons_marked_once_started): "taught" or "did not come" before the start is a slip.
AFTER_START_MARKS = frozenset({"completed", "no_show"})


def has_started(starts: datetime) -> bool:
    """The lesson has begun (or begins within MARK_EARLY: an early start, a clock ahead)."""
    return starts <= datetime.now(UTC) + MARK_EARLY


def may_mark(actor: Actor, starts: datetime, status: str | None = None) -> bool:
    """A teacher marks a lesson once it has started; anyone marks it taught or a no-show only
    once it has started (the desk checks a student in early at any time)."""
    if has_started(starts):
        return True
    return actor.role != "teacher" and status not in AFTER_START_MARKS


def require_started(
    actor: Actor, starts: datetime, zone: ZoneInfo, status: str | None = None
) -> None:
    """Says in words that a lesson is marked once it has begun (the database agrees)."""
    if not may_mark(actor, starts, status):
        local = starts.astimezone(zone)
        what = {"completed": "marked taught", "no_show": "marked a no-show"}.get(
            status or "", "marked"
        )
        raise Conflict(
            f"This lesson has not started yet (it starts at {local:%H:%M} on {local:%a} "
            f"{local.day} {local:%b}): it can be {what} once it has started."
        )
