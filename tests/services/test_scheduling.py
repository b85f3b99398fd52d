"""Scheduling service: bookings, friendly conflicts, status rules, cancels, series, credits."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from desks import race_desks
from lesson_days import NY, at, future_monday
from sqlalchemy import text

from studiosync_desktop.db import Database
from studiosync_desktop.errors import Conflict, PermissionDenied, ValidationFailed
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services.clashes import BookingClash
from studiosync_desktop.services.recurrence import occurrence_dates
from studiosync_desktop.services.scheduling import SchedulingService
from studiosync_desktop.services.studio import StudioService
from studiosync_desktop.zones import minutes_after


def lesson(teacher, start, minutes=30, **kw):  # type: ignore[no-untyped-def]
    return {"teacher_id": teacher, "start": start, "end": start + timedelta(minutes=minutes), **kw}


def test_rate_defaults_from_teacher_hourly_rate_and_can_be_overridden(lesson_studio, admin) -> None:
    svc, _m, maya, _bob, tom, _ana, _band, _room = lesson_studio
    mon = future_monday()
    made = svc.create_lesson(admin, lesson(maya, at(mon, 16), 45, student_id=tom))
    assert made.rate == Decimal("45.00")  # 60/h for 45 minutes
    other = svc.create_lesson(admin, lesson(maya, at(mon, 17), 30, student_id=tom, rate="20"))
    assert other.rate == Decimal("20.00")


def test_double_booked_teacher_is_refused_with_who_where_when(lesson_studio, admin) -> None:
    svc, _m, maya, _bob, tom, ana, _band, _room = lesson_studio
    mon = future_monday()
    svc.create_lesson(admin, lesson(maya, at(mon, 16), student_id=tom))
    with pytest.raises(BookingClash) as err:
        svc.create_lesson(admin, lesson(maya, at(mon, 16, 15), student_id=ana))
    assert "Maya Chen already has a lesson with Tom Ng 16:00-16:30 on Mon" in str(err.value)


def test_touching_lessons_are_fine_but_the_buffer_is_kept(lesson_studio, admin, db) -> None:
    svc, _m, maya, _bob, tom, ana, _band, _room = lesson_studio
    mon = future_monday()
    svc.create_lesson(admin, lesson(maya, at(mon, 16), student_id=tom))
    svc.create_lesson(admin, lesson(maya, at(mon, 16, 30), student_id=ana))
    from sqlalchemy import text

    bob = _m.teacher("Bob", "Bass")
    with db.engine.begin() as c:
        c.execute(text("UPDATE teachers SET booking_buffer_minutes = 10 WHERE id = :t"), {"t": bob})
    svc.create_lesson(admin, lesson(bob, at(mon, 9), student_id=tom))
    with pytest.raises(BookingClash, match="too close"):
        svc.create_lesson(admin, lesson(bob, at(mon, 9, 35), student_id=ana))


def test_student_and_room_clashes_name_the_other_booking(lesson_studio, admin) -> None:
    svc, m, maya, _bob, tom, _ana, _band, room = lesson_studio
    mon = future_monday()
    bob = m.teacher("Bob", "Bass")
    svc.create_lesson(admin, lesson(maya, at(mon, 16), student_id=tom, room_id=room))
    with pytest.raises(BookingClash) as err:
        svc.create_lesson(admin, lesson(bob, at(mon, 16), student_id=tom, room_id=room))
    text_ = str(err.value)
    assert "Tom Ng already has a lesson with Maya Chen 16:00-16:30" in text_
    assert "Room B is already booked 16:00-16:30" in text_
    m.reservation(room, m.person("Pia", "Practice"), at(mon, 12))
    with pytest.raises(BookingClash, match="by Pia Practice"):
        svc.create_lesson(admin, lesson(bob, at(mon, 12, 30), room_id=room))


def test_cancelled_lessons_do_not_block(lesson_studio, admin) -> None:
    svc, _m, maya, _bob, tom, ana, _band, _room = lesson_studio
    mon = future_monday()
    first = svc.create_lesson(admin, lesson(maya, at(mon, 16), student_id=tom))
    svc.cancel(admin, first.id, {"reason": "Sick", "on_behalf_of": "student"})
    assert svc.create_lesson(admin, lesson(maya, at(mon, 16), student_id=ana)).status == "scheduled"


def test_status_rules_and_reopen_by_admin_only(lesson_studio, admin, db) -> None:
    svc, _m, maya, _bob, tom, _ana, _band, _room = lesson_studio
    made = svc.create_lesson(admin, lesson(maya, at(future_monday(), 16), student_id=tom))
    with pytest.raises(Conflict, match=r"has not started yet .*: it can be marked taught once"):
        svc.set_status(admin, made.id, "completed")  # next week's lesson is not taught yet
    with db.session() as s:
        s.execute(
            text("UPDATE lessons SET scheduled_start = now() - interval '1 hour',"
                 " scheduled_end = now() - interval '30 minutes' WHERE id = :l"),
            {"l": made.id},
        )  # fmt: skip
    made = svc.lesson(admin, made.id)
    assert svc.set_status(admin, made.id, "in_progress").status == "in_progress"
    desk = admin.model_copy(update={"role": "desk"})
    assert svc.reopen(desk, made.id).status == "scheduled"  # the desk takes a check-in back
    assert svc.set_status(desk, made.id, "in_progress").status == "in_progress"
    assert svc.set_status(admin, made.id, "completed").status == "completed"
    with pytest.raises(Conflict, match="can't become a no-show"):
        svc.set_status(admin, made.id, "no_show")
    with pytest.raises(Conflict, match="only scheduled lessons move"):
        svc.move_lesson(
            admin, made.id, made.start + timedelta(hours=1), made.end + timedelta(hours=1)
        )
    with pytest.raises(PermissionDenied):
        svc.reopen(desk, made.id)
    assert svc.reopen(admin, made.id).status == "scheduled"


def test_cancel_records_who_why_late_and_earns_a_credit_by_policy(lesson_studio, admin) -> None:
    svc, _m, maya, _bob, tom, _ana, _band, _room = lesson_studio
    soon = datetime.now(NY).replace(second=0, microsecond=0) + timedelta(hours=3)
    late = svc.create_lesson(admin, lesson(maya, soon, student_id=tom))
    done = svc.cancel(admin, late.id, {"reason": "Forgot", "on_behalf_of": "student"})
    assert done.is_late_cancel and done.cancelled_by_name == "Olivia Owner"
    assert done.cancellation_reason == "Forgot" and done.makeup_credits == 0
    early = svc.create_lesson(admin, lesson(maya, at(future_monday(), 16), student_id=tom))
    done = svc.cancel(admin, early.id, {"reason": "Trip", "on_behalf_of": "student"})
    assert not done.is_late_cancel and done.makeup_credits == 1
    assert svc.credit_balance(admin, tom) == 1


def test_makeup_lesson_uses_a_credit_and_refuses_without_one(lesson_studio, admin) -> None:
    svc, _m, maya, _bob, tom, _ana, _band, _room = lesson_studio
    mon = future_monday()
    first = svc.create_lesson(admin, lesson(maya, at(mon, 16), student_id=tom))
    svc.cancel(admin, first.id, {"reason": "Teacher ill", "on_behalf_of": "teacher"})
    makeup = svc.create_lesson(
        admin, lesson(maya, at(mon, 18), student_id=tom, lesson_type="makeup")
    )
    assert makeup.makeup_credits == 0
    with pytest.raises(ValidationFailed, match="no make-up credit"):
        svc.create_lesson(admin, lesson(maya, at(mon, 19), student_id=tom, lesson_type="makeup"))
    svc.cancel(admin, makeup.id, {"reason": "Again", "on_behalf_of": "studio"})
    assert svc.credit_balance(admin, tom) == 1  # given back, not doubled


def test_batch_cancel_cancels_the_whole_window_in_one_step(lesson_studio, admin) -> None:
    svc, _m, maya, _bob, tom, ana, _band, _room = lesson_studio
    mon = future_monday()
    svc.create_lesson(admin, lesson(maya, at(mon, 9), student_id=tom))
    svc.create_lesson(admin, lesson(maya, at(mon, 15), student_id=ana))
    svc.create_lesson(admin, lesson(maya, at(mon + timedelta(days=1), 9), student_id=ana))
    result = svc.batch_cancel(
        admin, {"start": at(mon, 0), "end": at(mon + timedelta(days=1), 0), "reason": "Snow day"}
    )
    assert (result.cancelled, result.credits_issued) == (2, 2)
    statuses = [r.status for r in svc.week(admin, mon)]
    assert statuses == ["cancelled", "cancelled", "scheduled"]


def test_monthly_dates_take_the_same_weekday_occurrence() -> None:
    # Second Tuesday of each month from 10 March 2026.
    march, june = date(2026, 3, 1), date(2026, 6, 30)
    days = occurrence_dates("monthly", date(2026, 3, 10), 1, 2, march, june)
    assert days == [date(2026, 3, 10), date(2026, 4, 14), date(2026, 5, 12), date(2026, 6, 9)]
    last = occurrence_dates("monthly", date(2026, 3, 31), 1, 5, march, date(2026, 5, 31))
    assert last == [date(2026, 3, 31), date(2026, 4, 28), date(2026, 5, 26)]
    every_two = occurrence_dates(
        "biweekly", date(2026, 3, 2), 0, None, date(2026, 3, 3), date(2026, 4, 1)
    )
    assert every_two == [date(2026, 3, 16), date(2026, 3, 30)]


def series(teacher, student, start: date, **kw):  # type: ignore[no-untyped-def]
    return {
        "teacher_id": teacher,
        "student_id": student,
        "start_date": start,
        "start_time": time(16),
        "duration_minutes": 30,
        **kw,
    }


def test_series_reports_clashes_then_skips_them_and_closures(lesson_studio, admin) -> None:
    svc, _m, maya, _bob, tom, ana, _band, _room = lesson_studio
    mon = future_monday()
    svc.create_lesson(admin, lesson(maya, at(mon + timedelta(weeks=1), 16), student_id=ana))
    svc.add_closure(admin, {"closed_on": mon + timedelta(weeks=2), "reason": "Holiday"})
    data = series(maya, tom, mon, end_date=mon + timedelta(weeks=5))
    preview = svc.preview_series(admin, data)
    assert (preview.occurrences, preview.closures_skipped, len(preview.clashes)) == (5, 1, 1)
    assert "Maya Chen already has a lesson with Ana Ruiz" in preview.clashes[0].message
    with pytest.raises(BookingClash):
        svc.create_series(admin, data)
    assert len(svc.week(admin, mon, 42, student_id=tom)) == 0  # nothing half-written
    result = svc.create_series(admin, data, skip_clashes=True)
    assert (result.created, len(result.skipped), result.closures_skipped) == (4, 1, 1)


def test_open_ended_series_runs_to_the_horizon_and_extends(lesson_studio, admin, db) -> None:
    svc, _m, maya, _bob, tom, _ana, _band, _room = lesson_studio
    result = svc.create_series(admin, series(maya, tom, future_monday()))
    assert 13 <= result.created <= 15  # 16 weeks ahead from today, starting in two weeks
    from sqlalchemy import text

    with db.engine.begin() as c:
        c.execute(text("UPDATE recurring_patterns SET generated_until = generated_until - 21"))
        c.execute(
            text(
                "DELETE FROM lessons WHERE scheduled_start > (SELECT max(scheduled_start) "
                "FROM lessons) - interval '20 days'"
            )
        )
    assert svc.extend_series(admin) == 3
    assert svc.extend_series(admin) == 0


def test_extending_many_series_books_them_in_one_insert_and_skips_a_clash(
    lesson_studio, admin, db
) -> None:
    svc, m, maya, _bob, tom, ana, _band, _room = lesson_studio
    leo = m.teacher("Leo", "Park")
    mon = future_monday()
    for teacher, student, hour in ((maya, tom, 16), (maya, ana, 17), (leo, tom, 18)):
        svc.create_series(admin, series(teacher, student, mon, start_time=time(hour)))
    from sqlalchemy import event, text

    with db.engine.begin() as c:  # three weeks of every series go back to be booked again
        c.execute(text("UPDATE recurring_patterns SET generated_until = generated_until - 21"))
        last = c.execute(text("SELECT max(scheduled_start) FROM lessons")).scalar_one()
        c.execute(
            text("DELETE FROM lessons WHERE scheduled_start > :t - interval '20 days'"), {"t": last}
        )
    # Meanwhile a one-off lesson took Maya's 17:00 slot on the last of those Mondays.
    last_monday = last.astimezone(NY).date() - timedelta(days=last.astimezone(NY).weekday())
    svc.create_lesson(admin, lesson(maya, at(last_monday, 17), student_id=m.student("Zoe", "Li")))
    inserts: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().startswith("INSERT INTO lessons"):
            inserts.append(statement)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        assert svc.extend_series(admin) == 3 * 3 - 1
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    assert len(inserts) == 1
    assert svc.extend_series(admin) == 0


def test_a_series_without_a_rate_follows_the_teachers_rate_whichever_way_it_was_made(
    lesson_studio, admin, db
) -> None:
    svc, m, maya, _bob, tom, ana, _band, _room = lesson_studio
    mon = future_monday()
    svc.create_series(admin, series(maya, tom, mon))  # one at a time, teacher's rate
    svc.create_term(admin, [series(maya, ana, mon, start_time=time(17))])  # in a term
    svc.create_series(admin, series(maya, m.student("Zoe", "Li"), mon, start_time=time(18),
                                    rate="25"))  # fmt: skip
    from sqlalchemy import text

    with db.engine.begin() as c:  # the teacher's rate goes up; the last weeks are booked again
        c.execute(text("UPDATE teachers SET hourly_rate = 80 WHERE id = :t"), {"t": maya})
        c.execute(text("UPDATE recurring_patterns SET generated_until = generated_until - 21"))
        last = c.execute(text("SELECT max(scheduled_start) FROM lessons")).scalar_one()
        c.execute(
            text("DELETE FROM lessons WHERE scheduled_start > :t - interval '20 days'"), {"t": last}
        )
        cutoff = last - timedelta(days=20)
    assert svc.extend_series(admin) == 9
    new = [r for r in svc.week(admin, cutoff.date(), 30) if r.start > cutoff]
    rates = {r.start.astimezone(NY).hour: r.rate for r in new}
    assert rates == {16: Decimal("40.00"), 17: Decimal("40.00"), 18: Decimal("25.00")}


def test_edit_following_splits_and_end_series_removes_only_coming(lesson_studio, admin) -> None:
    svc, _m, maya, _bob, tom, _ana, _band, _room = lesson_studio
    mon = future_monday()
    data = series(maya, tom, mon, end_date=mon + timedelta(weeks=5))
    made = svc.create_series(admin, data)
    lessons = svc.week(admin, mon, 42, student_id=tom)
    third = lessons[2]
    result = svc.edit_series(
        admin, third.id, {**data, "start_time": time(17), "start_date": mon}, "following"
    )
    assert result.pattern_id != made.pattern_id and result.created == 4
    hours = [r.start.astimezone(NY).hour for r in svc.week(admin, mon, 42, student_id=tom)]
    assert hours == [16, 16, 17, 17, 17, 17]
    removed = svc.end_series(admin, result.pattern_id, mon + timedelta(weeks=3))
    assert removed == 2
    assert len(svc.week(admin, mon, 42, student_id=tom)) == 4


def test_teacher_sees_only_their_own_schedule(lesson_studio, admin, db) -> None:
    svc, m, maya, _bob, tom, ana, _band, _room = lesson_studio
    mon = future_monday()
    bob = m.teacher("Bob", "Bass")
    svc.create_lesson(admin, lesson(maya, at(mon, 16), student_id=tom))
    svc.create_lesson(admin, lesson(bob, at(mon, 16), student_id=ana))
    from sqlalchemy import text

    with db.engine.begin() as c:
        user_id = c.execute(text("SELECT user_id FROM teachers WHERE id = :t"), {"t": bob}).scalar()
    teacher = Actor(user_id=user_id, studio_id=admin.studio_id, role="teacher", name="Bob Bass")
    assert [r.teacher_name for r in svc.week(teacher, mon)] == ["Bob Bass"]
    with pytest.raises(PermissionDenied):
        svc.create_lesson(teacher, lesson(bob, at(mon, 18), student_id=ana))


def test_lesson_note_is_written_and_read_back(lesson_studio, admin) -> None:
    svc, _m, maya, _bob, tom, _ana, _band, _room = lesson_studio
    made = svc.create_lesson(admin, lesson(maya, at(future_monday(), 16), student_id=tom))
    svc.save_lesson_note(
        admin, made.id, {"summary": "Scales", "topics_covered": ["C major"], "homework": "Daily"}
    )
    note = svc.lesson_note(admin, made.id)
    assert (note.summary, note.topics_covered, note.homework) == ("Scales", ("C major",), "Daily")


def test_twenty_desks_booking_the_same_slot_one_wins_the_rest_get_the_clash(
    lesson_studio, admin, database_url
) -> None:
    _svc, m, maya, _bob, _tom, _ana, _band, room = lesson_studio
    students = [m.student(f"S{i}", "Desk") for i in range(20)]
    start = at(future_monday(), 10)

    def desk(db: Database, i: int) -> str:
        own = SchedulingService(db)
        try:
            own.create_lesson(admin, lesson(maya, start, student_id=students[i], room_id=room))
            result = "ok"
        except BookingClash as exc:
            result = "clash" if "Maya Chen already has a lesson" in str(exc) else str(exc)
        except Conflict as exc:
            result = f"conflict: {exc}"
        return result

    outcomes = race_desks(database_url, 20, desk)
    assert outcomes.count("ok") == 1
    assert outcomes.count("clash") == 19, outcomes


def test_a_series_over_the_night_the_clocks_go_back_keeps_each_lessons_length(
    lesson_studio, admin, db: Database
) -> None:  # type: ignore[no-untyped-def]
    """A lesson at 01:30 on that night lasts its 30 minutes (to the second 01:00), not 90."""
    svc, _m, maya, _bob, tom, _ana, _band, _room = lesson_studio
    StudioService(db).save_settings(admin, {"series_horizon_weeks": 104})  # a year ahead
    fall_back = date(2027, 11, 7)  # the first Sunday of November: 02:00 EDT is 01:00 EST
    data = series(maya, tom, fall_back - timedelta(weeks=1), start_time=time(1, 30))
    data |= {"end_date": fall_back + timedelta(weeks=1), "accept_outside": True}
    assert svc.create_series(admin, data).created == 3
    with db.session() as s:
        lengths = s.execute(
            text(
                "SELECT scheduled_end - scheduled_start FROM lessons WHERE student_id = :t"
                " ORDER BY scheduled_start"
            ),
            {"t": tom},
        ).scalars()
        assert list(lengths) == [timedelta(minutes=30)] * 3
    assert minutes_after(at(fall_back, 1, 30), 30).astimezone(NY).fold == 1  # the second 01:00
