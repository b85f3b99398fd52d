"""iCalendar export of a teacher's or a student's lessons, for their own calendar app."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from studiosync_desktop.db import Database
from studiosync_desktop.schemas.common import Actor, Frozen
from studiosync_desktop.schemas.rows import LessonRow
from studiosync_desktop.services.scheduling import SchedulingService
from studiosync_desktop.services.studio import StudioService

UID_DOMAIN = "studiosync"
PRODID = "-//StudioSync//StudioSync Desktop//EN"
TYPE_WORDS = {"private": "Lesson", "group": "Group lesson", "ensemble": "Ensemble",
              "online": "Online lesson", "makeup": "Make-up lesson"}  # fmt: skip


class IcsExport(Frozen):
    """What to save: a suggested file name, the calendar file and what it holds."""

    filename: str
    data: bytes
    person: str
    lessons: int
    cancelled: int


def lesson_uid(lesson_id: uuid.UUID) -> str:
    """Stable across exports, so a calendar app updates an event instead of duplicating it."""
    return f"{lesson_id}@{UID_DOMAIN}"


def render_ics(
    rows: Sequence[LessonRow],
    *,
    person: str,
    studio_name: str,
    for_teacher: bool,
    stamp: datetime | None = None,
) -> bytes:
    """The lessons as VEVENTs with times in UTC; cancelled ones stay, as STATUS:CANCELLED, so
    a calendar that imported them earlier takes them off instead of keeping a stale event."""
    from icalendar import Calendar, Event  # loaded on the first export, not at start-up

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", f"{person} · {studio_name}")
    stamp = stamp or datetime.now(UTC).replace(microsecond=0)
    for row in rows:
        event = Event()
        event.add("uid", lesson_uid(row.id))
        event.add("dtstamp", stamp)
        event.add("dtstart", row.start.astimezone(UTC))
        event.add("dtend", row.end.astimezone(UTC))
        kind = TYPE_WORDS.get(row.lesson_type, "Lesson")
        if for_teacher:
            summary = f"{kind}: {row.student_name or 'room booking'}"
        else:
            summary = f"{kind} with {row.teacher_name}"
        if row.status == "no_show":
            summary += " (no-show)"
        event.add("summary", summary)
        where = ", ".join(x for x in (row.room_name, studio_name) if x)
        event.add("location", where)
        event.add(
            "description",
            f"Teacher: {row.teacher_name}\nStudent: {row.student_name or '-'}\n"
            f"Room: {row.room_name or '-'}",
        )
        event.add("status", "CANCELLED" if row.status == "cancelled" else "CONFIRMED")
        event.add("transp", "TRANSPARENT" if row.status == "cancelled" else "OPAQUE")
        cal.add_component(event)
    return bytes(cal.to_ical())


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "lessons"


class IcalExportService:
    def __init__(self, db: Database) -> None:
        self._scheduling = SchedulingService(db)
        self._studio = StudioService(db)

    def export(
        self,
        actor: Actor,
        *,
        teacher_email: str | None = None,
        student_email: str | None = None,
        teacher_id: uuid.UUID | None = None,
        student_id: uuid.UUID | None = None,
    ) -> IcsExport:
        """A teacher's or a student's lessons (the past 90 days and all coming ones)."""
        person, rows = self._scheduling.person_lessons(
            actor,
            teacher_email=teacher_email,
            student_email=student_email,
            teacher_id=teacher_id,
            student_id=student_id,
        )
        studio = self._studio.info(actor)
        for_teacher = (
            bool(teacher_email)
            or teacher_id is not None
            or (actor.role == "teacher" and not student_email and student_id is None)
        )
        return IcsExport(
            filename=f"{_slug(person)}-lessons.ics",
            data=render_ics(rows, person=person, studio_name=studio.name, for_teacher=for_teacher),
            person=person,
            lessons=len(rows),
            cancelled=sum(1 for r in rows if r.status == "cancelled"),
        )
