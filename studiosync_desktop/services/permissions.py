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


# A lesson may be checked in or marked (and a teacher record its actual times) this long
# before its start: an early start, or a PC clock a little ahead of the server's. The database
# allows the same (migration 0015, lessons_teacher_rules; 0058, lessons_marked_once_started).
MARK_EARLY = timedelta(minutes=15)


def has_started(starts: datetime) -> bool:
    """The lesson has begun (or begins within MARK_EARLY: an early start, a clock ahead)."""
    return starts <= datetime.now(UTC) + MARK_EARLY


def marks_from(starts: datetime) -> datetime:
    """When a lesson starting at `starts` may be checked in or marked, by anyone."""
    return starts - MARK_EARLY


def may_mark(starts: datetime) -> bool:
    """Anyone checks a student in, or marks a lesson taught or a no-show, once it has begun
    (MARK_EARLY before its start): the database agrees (migrations 0029 and 0058,
    lessons_marked_once_started). A check-in two days early left the lesson stuck."""
    return has_started(starts)


def require_started(starts: datetime, zone: ZoneInfo, status: str | None = None) -> None:
    """Says in words that a lesson is marked once it has begun (the database agrees)."""
    if not may_mark(starts):
        local = starts.astimezone(zone)
        when = f"it starts at {local:%H:%M} on {local:%a} {local.day} {local:%b}"
        if status == "in_progress":
            raise Conflict(
                f"This lesson has not started yet ({when}): the student can be checked in "
                f"from {marks_from(starts).astimezone(zone):%H:%M}."
            )
        what = {"completed": "marked taught", "no_show": "marked a no-show"}.get(
            status or "", "marked"
        )
        raise Conflict(
            f"This lesson has not started yet ({when}): it can be {what} once it has started."
        )


def may_reopen(actor: Actor, status: str) -> bool:
    """Admins reopen any marked or cancelled lesson; the desk takes back a check-in."""
    return status != "scheduled" and (
        actor.is_admin or (actor.role == "desk" and status == "in_progress")
    )
