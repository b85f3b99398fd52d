"""A series books each of its dates once: never again what the desk cancelled or moved away.

Found at the desk: the first desk login on the demo booked a new lesson beside each of the 13
cancelled future lessons ("Snow day" and a scheduled lesson at Hannah Miller's 14:00). The
demo's series had no `generated_until`, and `extend_series` skipped only clashes; a moved
lesson did not remember its old slot, so it came back too (migration 0058).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from lesson_days import LessonStudio, at, future_monday
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from studiosync_desktop.db import Database
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services.demo import DemoService
from studiosync_desktop.services.scheduling import SchedulingService

DOUBLE_BOOKED = """
SELECT count(*) FROM lessons a JOIN lessons b
    ON a.recurring_pattern_id = b.recurring_pattern_id
   AND a.scheduled_start = b.scheduled_start AND a.id <> b.id
 WHERE a.status = 'cancelled' AND b.status = 'scheduled'
"""


def series(teacher: uuid.UUID, student: uuid.UUID, start: date, **kw: Any) -> dict[str, Any]:
    return {
        "teacher_id": teacher,
        "student_id": student,
        "start_date": start,
        "start_time": time(16),
        "duration_minutes": 30,
        **kw,
    }


def scalar(db: Database, sql: str, **params: Any) -> Any:
    with db.engine.connect() as c:
        return c.execute(text(sql), params).scalar()


def on_day(db: Database, pattern: uuid.UUID, day: date) -> list[tuple[str, datetime]]:
    """The lessons of the series that start on `day` (New York), whatever their status."""
    with db.engine.connect() as c:
        rows = c.execute(
            text(
                "SELECT status, scheduled_start FROM lessons WHERE recurring_pattern_id = :p"
                " AND CAST(scheduled_start AT TIME ZONE 'America/New_York' AS date) = :d"
                " ORDER BY scheduled_start"
            ),
            {"p": pattern, "d": day},
        ).all()
    return [(r.status, r.scheduled_start) for r in rows]


def forget_how_far(db: Database) -> None:
    """As the demo left its series (and as anyone could set it back): no `generated_until`."""
    with db.engine.begin() as c:
        c.execute(text("UPDATE recurring_patterns SET generated_until = NULL"))


def test_extending_after_a_cancel_books_nothing_at_the_cancelled_date(
    lesson_studio: LessonStudio, admin: Actor, db: Database
) -> None:
    """Attack: cancel a coming lesson of a series ("Snow day"), then the series' generated_until
    goes missing (the demo's) and a desk starts: the cancelled date came back as a new
    scheduled lesson beside the cancelled one."""
    svc, _m, maya, _bob, tom, _ana, _band, _room = lesson_studio
    mon = future_monday()
    made = svc.create_series(admin, series(maya, tom, mon, end_date=mon + timedelta(weeks=5)))
    second = svc.week(admin, mon, 42, student_id=tom)[1]
    svc.cancel(admin, second.id, {"reason": "Snow day", "on_behalf_of": "studio"})
    forget_how_far(db)
    assert svc.extend_series(admin) == 0
    assert [s for s, _ in on_day(db, made.pattern_id, mon + timedelta(weeks=1))] == ["cancelled"]
    assert scalar(db, DOUBLE_BOOKED) == 0


def test_extending_after_a_move_books_nothing_at_the_old_slot(
    lesson_studio: LessonStudio, admin: Actor, db: Database
) -> None:
    """Attack: move a lesson of a series to Tuesday, then extend with generated_until missing:
    the old Monday slot was booked again (the moved lesson did not remember it)."""
    svc, _m, maya, _bob, tom, _ana, _band, _room = lesson_studio
    mon = future_monday()
    made = svc.create_series(admin, series(maya, tom, mon, end_date=mon + timedelta(weeks=5)))
    third = svc.week(admin, mon, 42, student_id=tom)[2]
    tue = mon + timedelta(weeks=2, days=1)
    svc.move_lesson(admin, third.id, at(tue, 10), at(tue, 10, 30))
    forget_how_far(db)
    assert svc.extend_series(admin) == 0
    assert on_day(db, made.pattern_id, mon + timedelta(weeks=2)) == []
    assert [s for s, _ in on_day(db, made.pattern_id, tue)] == ["scheduled"]


def test_editing_the_whole_series_keeps_a_cancelled_date_cancelled(
    lesson_studio: LessonStudio, admin: Actor, db: Database
) -> None:
    """Attack: cancel one coming lesson, then edit the whole series (a new room, the same
    time): the edit booked the cancelled date again."""
    svc, _m, maya, _bob, tom, _ana, _band, room = lesson_studio
    mon = future_monday()
    data = series(maya, tom, mon, end_date=mon + timedelta(weeks=5))
    made = svc.create_series(admin, data)
    lessons = svc.week(admin, mon, 42, student_id=tom)
    svc.cancel(admin, lessons[3].id, {"reason": "Snow day", "on_behalf_of": "studio"})
    svc.edit_series(admin, lessons[0].id, {**data, "room_id": room}, "all")
    kept = [s for s, _ in on_day(db, made.pattern_id, mon + timedelta(weeks=3))]
    assert kept == ["cancelled"]
    assert len(svc.week(admin, mon, 42, student_id=tom)) == 6  # five scheduled, one cancelled


def test_splitting_a_series_keeps_a_cancelled_date_cancelled(
    lesson_studio: LessonStudio, admin: Actor, db: Database
) -> None:
    """Attack: cancel the fourth lesson, then change "this and following" from the second to
    17:00: the new series booked the cancelled date at 17:00."""
    svc, _m, maya, _bob, tom, _ana, _band, _room = lesson_studio
    mon = future_monday()
    data = series(maya, tom, mon, end_date=mon + timedelta(weeks=5))
    svc.create_series(admin, data)
    lessons = svc.week(admin, mon, 42, student_id=tom)
    svc.cancel(admin, lessons[3].id, {"reason": "Holiday", "on_behalf_of": "student"})
    result = svc.edit_series(
        admin, lessons[1].id, {**data, "start_time": time(17), "start_date": mon}, "following"
    )
    assert result.created == 4  # weeks 2, 3, 5 and 6: week 4 stays cancelled
    week4 = on_day(db, result.pattern_id, mon + timedelta(weeks=3))
    assert [s for s, _ in week4] == ["cancelled"]
    assert forget_how_far(db) is None and svc.extend_series(admin) == 0


def test_the_database_refuses_a_second_lesson_for_one_date_of_a_series(
    lesson_studio: LessonStudio, admin: Actor, db: Database
) -> None:
    """Attack: past the service, insert a lesson for a date the series already had (a
    cancelled one): refused by the database (uq_lessons_series_occurrence)."""
    svc, _m, maya, _bob, tom, _ana, _band, _room = lesson_studio
    mon = future_monday()
    made = svc.create_series(admin, series(maya, tom, mon, end_date=mon + timedelta(weeks=2)))
    first = svc.week(admin, mon, 7, student_id=tom)[0]
    svc.cancel(admin, first.id, {"reason": "Snow day", "on_behalf_of": "studio"})
    refused = pytest.raises(IntegrityError, match="uq_lessons_series_occurrence")
    with refused, db.engine.begin() as c:
        c.execute(
            text(
                "INSERT INTO lessons (studio_id, teacher_id, student_id, scheduled_start,"
                " scheduled_end, recurring_pattern_id, occurrence_date)"
                " SELECT studio_id, teacher_id, student_id, scheduled_start, scheduled_end,"
                " recurring_pattern_id, occurrence_date FROM lessons WHERE id = :l"
            ),
            {"l": first.id},
        )
    assert scalar(db, "SELECT occurrence_date FROM lessons WHERE id = :l", l=first.id) == mon
    assert made.created == 3


def test_the_demo_then_a_desk_start_books_no_duplicate(db: Database) -> None:
    """Attack (as found): the demo on an empty database, then the desk logs in (the window's
    start-up runs extend_series): every cancelled coming lesson was booked again."""
    DemoService(db).build("small")
    with db.engine.connect() as c:
        desk = c.execute(
            text(
                "SELECT u.id, u.studio_id, u.first_name FROM users u"
                " WHERE u.role = 'desk' ORDER BY u.created_at LIMIT 1"
            )
        ).one()
    actor = Actor(user_id=desk.id, studio_id=desk.studio_id, role="desk", name=desk.first_name)
    cancelled = scalar(
        db, "SELECT count(*) FROM lessons WHERE status = 'cancelled' AND scheduled_start > now()"
    )
    assert cancelled > 0  # the demo has coming cancelled lessons to keep
    SchedulingService(db).extend_series(actor)
    assert scalar(db, DOUBLE_BOOKED) == 0
    same_date = """
        SELECT count(*) FROM (SELECT 1 FROM lessons WHERE recurring_pattern_id IS NOT NULL
         GROUP BY recurring_pattern_id, CAST(scheduled_start AT TIME ZONE :z AS date)
        HAVING count(*) > 1) AS twice
    """
    zone = scalar(db, "SELECT timezone FROM studios")
    assert scalar(db, same_date, z=zone) == 0
    # The demo's series say how far they were booked, as the app's own do.
    assert scalar(db, "SELECT count(*) FROM recurring_patterns WHERE generated_until IS NULL") == 0
