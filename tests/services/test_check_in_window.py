"""A check-in waits for the lesson (a quarter of an hour before its start), and a lesson in
progress is never stuck: the desk completes it, marks it a no-show or takes it back.

Found at the desk: Start on Tuesday's lesson, two days ahead, said "Checked in Caleb Okafor";
the lesson was then "in progress" with every button but Reopen (admins') disabled.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from lesson_days import NY, LessonStudio, at, future_monday
from sqlalchemy import text

from studiosync_desktop.db import Database
from studiosync_desktop.errors import Conflict, PermissionDenied
from studiosync_desktop.schemas.common import Actor


def lesson(teacher, start, minutes=30, **kw):  # type: ignore[no-untyped-def]
    return {"teacher_id": teacher, "start": start, "end": start + timedelta(minutes=minutes), **kw}


def status(db: Database, lesson_id: object) -> str:
    with db.engine.connect() as c:
        found: str = c.execute(
            text("SELECT status FROM lessons WHERE id = :l"), {"l": lesson_id}
        ).scalar_one()
    return found


def test_the_desk_checks_in_from_a_quarter_hour_before_the_start(
    lesson_studio: LessonStudio, admin: Actor, db: Database
) -> None:
    """Attack: the desk checks in a lesson two days ahead: refused, in a sentence saying from
    when; 20 minutes ahead still refused, 10 minutes ahead checked in."""
    svc, _m, maya, bob, tom, ana, _band, _room = lesson_studio
    desk = admin.model_copy(update={"role": "desk"})
    ahead = svc.create_lesson(desk, lesson(maya, at(future_monday(), 14), student_id=tom))
    with pytest.raises(Conflict, match=r"the student can be checked in from 13:45\."):
        svc.set_status(desk, ahead.id, "in_progress")
    assert status(db, ahead.id) == "scheduled"
    now = datetime.now(NY).replace(second=0, microsecond=0)
    soonish = svc.create_lesson(desk, lesson(bob, now + timedelta(minutes=20), student_id=ana))
    with pytest.raises(Conflict, match="checked in from"):
        svc.set_status(desk, soonish.id, "in_progress")
    soon = svc.create_lesson(desk, lesson(maya, now + timedelta(minutes=10), student_id=tom))
    assert svc.set_status(desk, soon.id, "in_progress").status == "in_progress"


def test_a_lesson_in_progress_is_never_stuck_for_the_desk(
    lesson_studio: LessonStudio, admin: Actor, db: Database
) -> None:
    """Attack: a lesson checked in days ahead (as the old rule let the desk, and as such rows
    may still be on file): the desk takes the check-in back; a checked-in lesson that has
    begun is marked a no-show by the desk, or completed."""
    svc, _m, maya, _bob, tom, ana, _band, _room = lesson_studio
    desk = admin.model_copy(update={"role": "desk"})
    stuck = svc.create_lesson(desk, lesson(maya, at(future_monday(), 14), student_id=tom))
    with db.engine.begin() as c:  # the state the old rule left behind (owner's bulk load)
        c.execute(text("SET LOCAL studiosync.audit = 'off'"))
        c.execute(
            text("UPDATE lessons SET status = 'in_progress', actual_start = now() WHERE id = :l"),
            {"l": stuck.id},
        )
    with pytest.raises(Conflict, match="marked taught once it has started"):
        svc.set_status(desk, stuck.id, "completed")
    back = svc.reopen(desk, stuck.id)
    assert back.status == "scheduled" and status(db, stuck.id) == "scheduled"

    now = datetime.now(NY).replace(second=0, microsecond=0)
    begun = svc.create_lesson(desk, lesson(maya, now + timedelta(minutes=5), student_id=ana))
    svc.set_status(desk, begun.id, "in_progress")
    assert svc.set_status(desk, begun.id, "no_show").status == "no_show"
    with pytest.raises(PermissionDenied, match="only an administrator can reopen"):
        svc.reopen(desk, begun.id)  # a mark is taken back by an admin, as before
    assert svc.reopen(admin, begun.id).status == "scheduled"
    svc.set_status(desk, begun.id, "in_progress")
    assert svc.set_status(desk, begun.id, "completed").status == "completed"
