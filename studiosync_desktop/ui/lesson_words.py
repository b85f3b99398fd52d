"""The one line the status bar says after a lesson was booked, changed or cancelled."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from studiosync_desktop.schemas.scheduling import CreditRow, LessonDetail

DONE = {
    "in_progress": "Checked in",
    "completed": "Marked taught:",
    "no_show": "Marked a no-show:",
    "scheduled": "Reopened",
}


def when(detail: LessonDetail, zone: ZoneInfo) -> str:
    """Mon 7 Dec 16:30-17:00"""
    start, end = detail.start.astimezone(zone), detail.end.astimezone(zone)
    return f"{start:%a} {start.day} {start:%b} {start:%H:%M}\N{EN DASH}{end:%H:%M}"


def who(detail: LessonDetail) -> str:
    return detail.student_name or detail.band_name or "the lesson"


def booked(detail: LessonDetail, zone: ZoneInfo) -> str:
    room = f" in {detail.room_name}" if detail.room_name else ""
    return f"Booked {who(detail)} with {detail.teacher_name}, {when(detail, zone)}{room}."


def saved(detail: LessonDetail, zone: ZoneInfo) -> str:
    room = f" in {detail.room_name}" if detail.room_name else ""
    return f"Saved {who(detail)}'s lesson: {when(detail, zone)} with {detail.teacher_name}{room}."


def marked(detail: LessonDetail, zone: ZoneInfo) -> str:
    done = DONE.get(detail.status, "Marked")
    return f"{done} {who(detail)}, {when(detail, zone)}."


def deleted(detail: LessonDetail, zone: ZoneInfo) -> str:
    return f"Deleted {who(detail)}'s lesson of {when(detail, zone)}."


def cancelled(detail: LessonDetail, credit: CreditRow | None, zone: ZoneInfo) -> str:
    """What a cancellation did, the make-up credit first (the family will ask)."""
    line = f"Cancelled {who(detail)}'s lesson of {when(detail, zone)}"
    if credit is not None:
        usable = credit.expires_on
        total = detail.makeup_credits
        return (
            f"{line}: a make-up credit for {detail.student_name}, usable until "
            f"{usable:%a} {usable.day} {usable:%b %Y} ({total} available)."
        )
    if detail.student_id is None:
        return f"{line}."
    why = " (a late cancellation)" if detail.is_late_cancel else ""
    return f"{line}: no make-up credit{why}."
