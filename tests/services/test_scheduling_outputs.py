"""Scheduling outputs and bulk: the week's rows, the day sheet, iCalendar, a term's series."""

from __future__ import annotations

import io
from datetime import UTC, date, time, timedelta

import pytest
from icalendar import Calendar
from lesson_days import at, future_monday
from pydantic import ValidationError
from pypdf import PdfReader
from sqlalchemy import text

from studiosync_desktop.db import Database
from studiosync_desktop.errors import PermissionDenied
from studiosync_desktop.models import Lesson
from studiosync_desktop.reports.day_sheet import render_day_sheet
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.schemas.rows import LessonRow
from studiosync_desktop.services.clashes import BookingClash
from studiosync_desktop.services.ical_export import IcalExportService
from studiosync_desktop.services.lesson_rows import lesson_columns, lesson_names, lesson_rows_from
from studiosync_desktop.services.scheduling import SchedulingService


def _email_of(db: Database, teacher_id: object) -> str:
    with db.engine.begin() as c:
        return str(
            c.execute(
                text(
                    "SELECT u.email FROM teachers t JOIN users u ON u.id = t.user_id"
                    " WHERE t.id = :t"
                ),
                {"t": teacher_id},
            ).scalar_one()
        )


def test_week_rows_name_the_student_or_band_teacher_and_room(db, admin, lesson_studio) -> None:
    _svc, m, maya, bob, tom, _ana, band, room = lesson_studio
    mon = future_monday()
    m.lesson(maya, at(mon, 16), student_id=tom, room_id=room)
    m.lesson(bob, at(mon, 17), band_id=band)
    m.lesson(bob, at(mon + timedelta(days=7), 17), band_id=band)  # the week after
    rows = SchedulingService(db).week(admin, mon)
    assert [(r.student_name, r.teacher_name, r.room_name) for r in rows] == [
        ("Tom Ng", "Maya Chen", "Room B"),
        ("Velvet Strings", "Bob Bass", ""),
    ]
    assert rows[0].start == at(mon, 16) and rows[0].room_id == room


def test_trusted_lesson_rows_equal_validated_ones(db, admin, lesson_studio) -> None:
    _svc, m, maya, _bob, tom, _ana, _band, room = lesson_studio
    mon = future_monday()
    m.lesson(maya, at(mon, 16), student_id=tom, room_id=room)
    (row,) = SchedulingService(db).week(admin, mon)
    validated = LessonRow.model_validate(row.model_dump())
    assert row == validated and hash(row) == hash(validated)
    assert row.model_dump() == validated.model_dump()
    assert row.model_fields_set == validated.model_fields_set
    with pytest.raises(ValidationError):
        row.status = "completed"  # frozen, like any DTO


def test_week_rows_read_in_binary_equal_rows_read_the_ordinary_way(
    db, admin, lesson_studio
) -> None:
    """The week's statement is compiled once and read in binary as plain tuples
    (`together.Prepared`): the same rows, the same values and types, as SQLAlchemy's own
    execution of the same columns gives."""
    _svc, m, maya, bob, tom, _ana, band, room = lesson_studio
    mon = future_monday()
    m.lesson(maya, at(mon, 16), student_id=tom, room_id=room, rate="37.50")
    m.lesson(bob, at(mon, 17), band_id=band)
    m.lesson(bob, at(mon + timedelta(days=1), 9), room_id=room)  # a room only
    rows = SchedulingService(db).week(admin, mon)
    first, after = at(mon, 0) - timedelta(days=1), at(mon + timedelta(days=8), 0)
    with db.read_session() as s:
        plain = s.execute(
            lesson_columns(admin.studio_id)
            .where(Lesson.scheduled_start >= first, Lesson.scheduled_start < after)
            .order_by(Lesson.scheduled_start, Lesson.id)
        ).all()
        names = s.execute(
            lesson_names(admin.studio_id).statement, {"studio": admin.studio_id}
        ).all()
    expected = lesson_rows_from(plain, names)
    assert rows == expected and len(rows) == 3
    for got, want in zip(rows, expected, strict=True):
        assert {k: (type(v), str(v)) for k, v in got.__dict__.items()} == {
            k: (type(v), str(v)) for k, v in want.__dict__.items()
        }
    assert str(rows[0].rate) == "37.50" and rows[0].start.utcoffset() == timedelta(0)


def test_a_copied_week_row_keeps_the_others_fields_set(db, admin, lesson_studio) -> None:
    """The rows share one set of field names (`lesson_rows_from`): a copy with changes has
    its own, and the other rows' stay whole."""
    _svc, m, maya, _bob, tom, _ana, _band, room = lesson_studio
    mon = future_monday()
    m.lesson(maya, at(mon, 16), student_id=tom, room_id=room)
    m.lesson(maya, at(mon, 17), student_id=tom)
    first, second = SchedulingService(db).week(admin, mon)
    changed = first.model_copy(update={"status": "completed"})
    assert changed.status == "completed" and first.status == "scheduled"
    assert second.model_fields_set == set(LessonRow.model_fields)
    assert changed.model_fields_set == set(LessonRow.model_fields)


def test_day_sheet_has_one_page_per_teacher_with_names_and_times(db, admin, lesson_studio) -> None:
    _svc, m, maya, bob, tom, ana, _band, room = lesson_studio
    mon = future_monday()
    m.lesson(maya, at(mon, 16), student_id=tom, room_id=room)
    m.lesson(maya, at(mon, 17, 30), student_id=ana)
    m.lesson(bob, at(mon, 9), student_id=ana, room_id=room)
    m.lesson(bob, at(mon, 10), student_id=tom, status="cancelled")  # left off the sheet
    sheet = SchedulingService(db).day_sheet(admin, mon, "teacher")
    pdf = PdfReader(io.BytesIO(render_day_sheet(sheet)))
    assert len(pdf.pages) == 2
    bob_page, maya_page = (p.extract_text() for p in pdf.pages)
    assert "Bob Bass" in bob_page and "09:00" in bob_page and "Ana Ruiz" in bob_page
    assert "10:00" not in bob_page  # the cancelled lesson
    assert "Maya Chen" in maya_page and "Tom Ng" in maya_page and "Room B" in maya_page
    assert "16:00" in maya_page and "17:30" in maya_page
    assert "Harmony Music School" in maya_page and f"{mon:%B} {mon.day}, {mon.year}" in maya_page


def test_day_sheet_by_room_and_an_empty_day_still_print(db, admin, lesson_studio) -> None:
    _svc, m, maya, _bob, tom, _ana, _band, room = lesson_studio
    mon = future_monday()
    m.lesson(maya, at(mon, 16), student_id=tom, room_id=room)
    by_room = SchedulingService(db).day_sheet(admin, mon, "room")
    text_of = PdfReader(io.BytesIO(render_day_sheet(by_room))).pages[0].extract_text()
    assert "Room B" in text_of and "Maya Chen" in text_of
    empty = SchedulingService(db).day_sheet(admin, mon + timedelta(days=1))
    reader = PdfReader(io.BytesIO(render_day_sheet(empty)))
    assert len(reader.pages) == 1 and "No lessons on this day." in reader.pages[0].extract_text()


def test_ics_export_has_stable_uids_utc_times_and_marks_cancelled(db, admin, lesson_studio) -> None:
    _svc, m, maya, _bob, tom, ana, _band, room = lesson_studio
    mon = future_monday()
    first = m.lesson(maya, at(mon, 16), student_id=tom, room_id=room)
    gone = m.lesson(maya, at(mon, 17), student_id=ana, status="cancelled")
    service = IcalExportService(db)
    email = _email_of(db, maya)
    one = service.export(admin, teacher_email=email)
    two = service.export(admin, teacher_email=email.upper())
    assert one.person == "Maya Chen" and one.lessons == 2 and one.cancelled == 1
    events = {str(e["UID"]): e for e in Calendar.from_ical(one.data).walk("VEVENT")}
    again = {str(e["UID"]) for e in Calendar.from_ical(two.data).walk("VEVENT")}
    assert set(events) == again == {f"{first}@studiosync", f"{gone}@studiosync"}
    event = events[f"{first}@studiosync"]
    assert event.decoded("DTSTART") == at(mon, 16).astimezone(UTC)
    assert event.decoded("DTEND") == at(mon, 16, 30).astimezone(UTC)
    assert "Tom Ng" in str(event["SUMMARY"]) and "Room B" in str(event["LOCATION"])
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(events[f"{gone}@studiosync"]["STATUS"]) == "CANCELLED"
    assert b"DTSTART:" in one.data and b"Z\r\n" in one.data  # UTC, no floating times


def test_student_export_names_the_teacher_and_a_teacher_exports_only_their_own(
    db, admin, lesson_studio
) -> None:
    _svc, m, maya, bob, tom, _ana, _band, _room = lesson_studio
    mon = future_monday()
    m.lesson(maya, at(mon, 16), student_id=tom)
    m.lesson(bob, at(mon, 17), student_id=tom)
    export = IcalExportService(db).export(admin, student_email="tom@example.org")
    summaries = sorted(str(e["SUMMARY"]) for e in Calendar.from_ical(export.data).walk("VEVENT"))
    assert summaries == ["Lesson with Bob Bass", "Lesson with Maya Chen"]
    with db.engine.begin() as c:
        user_id = c.execute(text("SELECT user_id FROM teachers WHERE id = :t"), {"t": bob}).scalar()
    teacher = Actor(user_id=user_id, studio_id=admin.studio_id, role="teacher", name="Bob Bass")
    own = IcalExportService(db).export(teacher)
    assert own.person == "Bob Bass" and own.lessons == 1
    with pytest.raises(PermissionDenied):
        IcalExportService(db).export(teacher, teacher_id=maya)
    with pytest.raises(PermissionDenied):
        IcalExportService(db).export(teacher, student_id=tom)


def _term_item(teacher, student, day: date, hour: int, weeks: int = 10):  # type: ignore[no-untyped-def]
    return {
        "teacher_id": teacher,
        "student_id": student,
        "start_date": day,
        "end_date": day + timedelta(weeks=weeks - 1),
        "start_time": time(hour),
        "duration_minutes": 30,
    }


def test_a_term_of_series_is_created_in_one_step(db, admin, lesson_studio) -> None:
    _svc, _m, maya, bob, tom, ana, _band, _room = lesson_studio
    mon = future_monday()
    svc = SchedulingService(db)
    result = svc.create_term(
        admin,
        [
            _term_item(maya, tom, mon, 16),
            _term_item(bob, ana, mon, 16),
            _term_item(maya, ana, mon, 17),
        ],
    )
    assert result.created == 30 and [s.created for s in result.series] == [10, 10, 10]
    assert len(svc.week(admin, mon)) == 3
    assert len(svc.week(admin, mon + timedelta(weeks=9))) == 3


def test_a_term_refuses_series_that_clash_with_each_other_naming_both(
    db, admin, lesson_studio
) -> None:
    _svc, _m, maya, _bob, tom, ana, _band, _room = lesson_studio
    mon = future_monday()
    svc = SchedulingService(db)
    clashing = [_term_item(maya, tom, mon, 16), _term_item(maya, ana, mon, 16, weeks=2)]
    with pytest.raises(BookingClash) as err:
        svc.create_term(admin, clashing)
    assert "Maya Chen would be in two of the new series at once: series 1" in str(err.value)
    assert svc.week(admin, mon) == ()  # nothing half-written
    skipped = svc.create_term(admin, clashing, skip_clashes=True)
    assert [s.created for s in skipped.series] == [10, 0]
    assert len(skipped.series[1].skipped) == 2


def test_closing_a_day_can_cancel_its_lessons_in_the_same_step(db, admin, lesson_studio) -> None:
    _svc, m, maya, bob, tom, ana, _band, _room = lesson_studio
    mon = future_monday()
    m.lesson(maya, at(mon, 16), student_id=tom)
    m.lesson(bob, at(mon, 9), student_id=ana)
    m.lesson(bob, at(mon + timedelta(days=1), 9), student_id=ana)  # the next day stays
    svc = SchedulingService(db)
    closure = svc.add_closure(
        admin, {"closed_on": mon, "reason": "Snow day", "cancel_lessons": True}
    )
    assert closure.cancelled == 2
    assert {r.status for r in svc.week(admin, mon, 1)} == {"cancelled"}
    assert svc.week(admin, mon + timedelta(days=1), 1)[0].status == "scheduled"
    assert svc.credit_balance(admin, tom) == 1  # the studio cancelled: a make-up credit
    assert [c.closed_on for c in svc.closures(admin, mon, mon)] == [mon]
