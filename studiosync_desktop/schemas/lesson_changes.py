"""A calendar change to one lesson, as undo and redo know it: the lesson before and after."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from studiosync_desktop.schemas.common import Frozen
from studiosync_desktop.zones import zone_of

# What undo puts back: everything a move, a resize, a cancellation, a status or the lesson
# dialog's "this lesson only" can change (not the version, nor the names shown).
RESTORED = (
    "start",
    "end",
    "rate",
    "teacher_id",
    "room_id",
    "student_id",
    "band_id",
    "location",
    "lesson_type",
    "status",
    "actual_start",
    "actual_end",
    "cancellation_reason",
    "cancelled_on_behalf_of",
)
STATUS_DONE = {
    "in_progress": "checked in",
    "completed": "marked taught",
    "no_show": "marked a no-show",
    "scheduled": "put back to scheduled",
}


class LessonState(Frozen):
    """One lesson at one moment, with its version (`updated_at`, set by the database on every
    change: a different version means someone changed the lesson)."""

    id: uuid.UUID
    version: datetime
    who: str  # the student's or the band's name, as the desk says it
    start: datetime
    end: datetime
    rate: Decimal
    teacher_id: uuid.UUID
    room_id: uuid.UUID | None
    student_id: uuid.UUID | None
    band_id: uuid.UUID | None
    location: str
    lesson_type: str
    status: str
    actual_start: datetime | None
    actual_end: datetime | None
    cancellation_reason: str
    cancelled_on_behalf_of: str | None

    def same_as(self, other: LessonState) -> bool:
        return all(getattr(self, f) == getattr(other, f) for f in RESTORED)


class LessonChange(Frozen):
    """What one change did to one lesson; undo puts `before` back while the lesson is still
    at `after.version`."""

    before: LessonState
    after: LessonState
    timezone: str  # the studio's, for saying when

    @property
    def lesson_id(self) -> uuid.UUID:
        return self.before.id

    def reversed(self) -> LessonChange:
        """The same change the other way round: what undoing this one does."""
        return LessonChange(before=self.after, after=self.before, timezone=self.timezone)

    def describe(self) -> str:
        """The change in the desk's words: "moved Sam Lee's lesson from Mon 14:00 to 15:00"."""
        zone = zone_of(self.timezone)
        a, b = self.before, self.after
        whose = f"{a.who}'s lesson" if a.who else "the room booking"
        when = f"{a.start.astimezone(zone):%a %d %b %H:%M}"
        if a.status != b.status:
            if b.status == "cancelled":
                return f"cancelled {whose} of {when}"
            if a.status == "cancelled":
                return f"brought back {whose} of {when}"
            done = STATUS_DONE.get(b.status, f"marked {b.status}")
            return f"{done} {a.who or whose} ({when})"
        if (a.start, a.end) != (b.start, b.end):
            new = b.start.astimezone(zone)
            if b.end - b.start != a.end - a.start:
                return (
                    f"changed {whose} of {when} to {new:%H:%M}\N{EN DASH}"
                    f"{b.end.astimezone(zone):%H:%M}"
                )
            day = "" if new.date() == a.start.astimezone(zone).date() else f"{new:%a %d %b} "
            return f"moved {whose} from {when} to {day}{new:%H:%M}"
        return f"changed {whose} of {when}"
