"""The one line the status bar says after a lesson was booked, changed or cancelled."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from studiosync_desktop.schemas.scheduling import CreditRow, LessonDetail
from studiosync_desktop.schemas.studio import StudioSettings

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


def credit_forecast(
    detail: LessonDetail, party: str, settings: StudioSettings, now: datetime, zone: ZoneInfo
) -> str:
    """What cancelling now for `party` will do about a make-up credit (the same rules as the
    database's cancellation), for the desk to tell the family before confirming."""
    if detail.student_id is None:
        return "A band's or a room's lesson earns no make-up credit."
    if detail.lesson_type == "makeup":
        return "A make-up lesson earns no make-up credit of its own."
    late = detail.start < now + timedelta(hours=settings.cancellation_notice_hours)
    if party == "student":
        earns = settings.makeup_for_student_notice and not late
        why = (
            f"less than {settings.cancellation_notice_hours} hours' notice"
            if late
            else "the studio gives none for a student's cancellation"
        )
    else:
        earns = settings.makeup_for_teacher_cancel
        why = "the studio gives none for its own or a teacher's cancellation"
    if not earns:
        return f"No make-up credit: {why}."
    until = now.astimezone(zone).date() + timedelta(days=settings.makeup_credit_days)
    return (
        f"{detail.student_name} gets a make-up credit, usable until "
        f"{until:%a} {until.day} {until:%b %Y}."
    )
