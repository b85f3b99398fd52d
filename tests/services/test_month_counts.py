"""The calendar's month: lessons counted per studio day, split for the colours."""

from __future__ import annotations

from datetime import timedelta

from factories import Maker
from lesson_days import at, future_monday
from sqlalchemy import text

from studiosync_desktop.db import Database
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services.scheduling import SchedulingService


def _teacher_actor(db: Database, admin: Actor, teacher: object) -> Actor:
    with db.engine.begin() as c:
        user = c.execute(text("SELECT user_id FROM teachers WHERE id = :t"), {"t": teacher})
        user = user.scalar()
    return Actor(user_id=user, studio_id=admin.studio_id, role="teacher", name="Maya")


def test_a_month_counts_each_days_lessons_by_teacher_instrument_and_status(
    db: Database, admin: Actor
) -> None:
    m = Maker(db, admin.studio_id)
    maya, bob = m.teacher("Maya", "Chen"), m.teacher("Bob", "Bass")
    tom = m.student("Tom", "Ng", instrument="Cello")
    ana = m.student("Ana", "Ruiz", instrument="")
    band = m.band("Velvet Strings")
    mon = future_monday()
    m.lesson(maya, at(mon, 16), student_id=tom)
    m.lesson(maya, at(mon, 17), student_id=ana)
    m.lesson(bob, at(mon, 18), band_id=band)
    m.lesson(bob, at(mon, 19), student_id=tom, status="cancelled")
    m.lesson(bob, at(mon, 23, 30), student_id=tom)  # 23:30 in New York: Monday, not Tuesday (UTC)
    m.lesson(maya, at(mon + timedelta(days=2), 9), student_id=tom)
    days = SchedulingService(db).month(admin, mon, 7)
    assert [d.day for d in days] == [mon, mon + timedelta(days=2)]
    monday = days[0]
    assert (monday.held, monday.cancelled) == (4, 1)
    assert dict(monday.by_teacher) == {maya: 2, bob: 2}
    assert dict(monday.by_instrument) == {"Cello": 2, "": 1, "Band": 1}
    assert dict(monday.by_status) == {"scheduled": 4, "cancelled": 1}
    assert monday.by_instrument[0] == ("Cello", 2)  # most first
    # Filtered like the week: Bob's only; a teacher sees their own whatever is asked.
    (bobs,) = SchedulingService(db).month(admin, mon, 1, teacher_id=bob)
    assert (bobs.held, bobs.cancelled) == (2, 1)
    mine = SchedulingService(db).month(_teacher_actor(db, admin, maya), mon, 7, teacher_id=bob)
    assert [(d.day, d.held, dict(d.by_teacher)) for d in mine] == [
        (mon, 2, {maya: 2}),
        (mon + timedelta(days=2), 1, {maya: 1}),
    ]
