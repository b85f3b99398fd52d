"""Days, times and the studio the scheduling tests book in: the `admin` studio's zone, a Monday
ahead, two teachers, two students, a band and a room."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from factories import Maker
from sqlalchemy import text

from studiosync_desktop.db import Database
from studiosync_desktop.services.scheduling import SchedulingService

NY = ZoneInfo("America/New_York")  # the `admin` fixture's studio time zone


def future_monday() -> date:
    """The Monday two weeks ahead: lessons there have not started, whatever today is."""
    today = datetime.now(NY).date()
    return today - timedelta(days=today.weekday()) + timedelta(weeks=2)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """`hour:minute` on `day`, in the studio's zone."""
    return datetime.combine(day, time(hour, minute), NY)


class LessonStudio(NamedTuple):
    """The scheduling tests' studio: two teachers, two students, a band and a room."""

    scheduling: SchedulingService
    make: Maker
    maya: uuid.UUID
    bob: uuid.UUID
    tom: uuid.UUID
    ana: uuid.UUID
    band: uuid.UUID
    room: uuid.UUID


def lesson_studio(db: Database, studio_id: uuid.UUID) -> LessonStudio:
    """Maya Chen and Bob Bass teach; Tom Ng (with an email) and Ana Ruiz learn; the Velvet
    Strings play; Room B is free."""
    m = Maker(db, studio_id)
    return LessonStudio(
        SchedulingService(db),
        m,
        m.teacher("Maya", "Chen"),
        m.teacher("Bob", "Bass"),
        m.student("Tom", "Ng", email="tom@example.org"),
        m.student("Ana", "Ruiz"),
        m.band("Velvet Strings"),
        m.room("Room B"),
    )


def begun_for_the_database(db: Database, lesson_id: uuid.UUID) -> None:
    """A screen test's clock may be the studio's noon while the server's is the real one, and
    a check-in waits for the lesson's start by the server's clock (migration 0058). A lesson
    that has not begun there moves to just after midnight of its own day, where the studio
    books nothing (no clash), so the desk's check-in at "noon" is one the database takes."""
    with db.session() as s:
        s.execute(
            text(
                "UPDATE lessons l SET scheduled_start = m.midnight + interval '5 minutes',"
                "  scheduled_end = m.midnight + interval '5 minutes'"
                "                  + (l.scheduled_end - l.scheduled_start)"
                " FROM (SELECT o.id, date_trunc('day', o.scheduled_start AT TIME ZONE st.timezone)"
                "              AT TIME ZONE st.timezone AS midnight"
                "         FROM lessons o JOIN studios st ON st.id = o.studio_id"
                "        WHERE o.id = :l) AS m"
                " WHERE l.id = m.id AND l.scheduled_start > now() + interval '15 minutes'"
            ),
            {"l": lesson_id},
        )
