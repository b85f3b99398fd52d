"""Undo and redo of one desk's calendar changes, against the database."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from factories import Maker
from sqlalchemy import text

from studiosync_desktop.db import Database
from studiosync_desktop.errors import Conflict, NotFound, PermissionDenied
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.schemas.lesson_changes import LessonChange
from studiosync_desktop.services.container import Services

NY = ZoneInfo("America/New_York")
SOON = datetime.now(NY).replace(hour=15, minute=0, second=0, microsecond=0) + timedelta(days=9)


@pytest.fixture
def services(db: Database) -> Services:
    return Services.build(db)


@pytest.fixture
def made(db: Database, admin: Actor) -> dict[str, object]:
    m = Maker(db, admin.studio_id)
    maya = m.teacher("Maya", "Chen")
    sam = m.student("Sam", "Lee")
    lesson = m.lesson(maya, SOON, student_id=sam, rate="30.00")
    return {"maker": m, "maya": maya, "sam": sam, "lesson": lesson}


def recorder(services: Services) -> list[LessonChange]:
    heard: list[LessonChange] = []
    services.journal.listen(lambda _actor, change: heard.append(change))
    return heard


def lesson_row(db: Database, lesson_id: object) -> dict[str, object]:
    with db.session() as s:
        return dict(
            s.execute(
                text(
                    "SELECT scheduled_start, scheduled_end, rate, status, cancelled_at,"
                    " updated_at FROM lessons WHERE id = :l"
                ),
                {"l": lesson_id},
            )
            .mappings()
            .one()
        )


def credits_of(db: Database, lesson_id: object) -> int:
    with db.session() as s:
        return int(
            s.execute(
                text("SELECT count(*) FROM makeup_credits WHERE source_lesson_id = :l"),
                {"l": lesson_id},
            ).scalar_one()
        )


def test_a_move_is_recorded_and_undo_puts_the_time_and_rate_back_and_redo_moves_it_again(
    db: Database, admin: Actor, services: Services, made: dict[str, object]
) -> None:
    heard = recorder(services)
    lesson = made["lesson"]
    services.scheduling.move_lesson(
        admin, lesson, SOON + timedelta(hours=1), SOON + timedelta(hours=1, minutes=45)
    )  # type: ignore[arg-type]
    [change] = heard
    assert (
        change.describe()
        == f"changed Sam Lee's lesson of {SOON:%a %d %b %H:%M} to 16:00\N{EN DASH}16:45"
    )
    moved = lesson_row(db, lesson)
    assert moved["rate"] != Decimal("30.00")  # a longer lesson costs more

    undone = services.undo.revert(admin, change)
    back = lesson_row(db, lesson)
    assert (back["scheduled_start"], back["scheduled_end"]) == (SOON, SOON + timedelta(minutes=30))
    assert back["rate"] == Decimal("30.00")
    assert undone.after.version == back["updated_at"]
    assert heard == [change]  # undo is not a new change of the desk

    services.undo.revert(admin, undone)  # redo
    assert lesson_row(db, lesson)["scheduled_start"] == SOON + timedelta(hours=1)


def test_undo_is_refused_and_writes_nothing_once_another_desk_changed_the_lesson(
    db: Database, admin: Actor, services: Services, made: dict[str, object]
) -> None:
    heard = recorder(services)
    lesson = made["lesson"]
    services.scheduling.move_lesson(
        admin, lesson, SOON + timedelta(hours=1), SOON + timedelta(hours=1, minutes=30)
    )  # type: ignore[arg-type]
    other_desk = Services.build(db)
    room = made["maker"].room("Room B")  # type: ignore[attr-defined]
    detail = other_desk.scheduling.lesson(admin, lesson)  # type: ignore[arg-type]
    other_desk.scheduling.update_lesson(
        admin,
        lesson,  # type: ignore[arg-type]
        {
            "teacher_id": detail.teacher_id,
            "student_id": detail.student_id,
            "room_id": room,
            "start": detail.start,
            "end": detail.end,
        },
    )
    before = lesson_row(db, lesson)
    with pytest.raises(Conflict) as refused:
        services.undo.revert(admin, heard[0])
    assert "Sam Lee's lesson was changed again at" in str(refused.value)
    assert "undoing would overwrite that change" in str(refused.value)
    assert lesson_row(db, lesson) == before
    assert len(heard) == 1  # the other desk's change is not this desk's to undo


def test_undoing_a_cancellation_takes_its_make_up_credit_back_and_redo_cancels_again(
    db: Database, admin: Actor, services: Services, made: dict[str, object]
) -> None:
    heard = recorder(services)
    lesson = made["lesson"]
    services.scheduling.cancel(admin, lesson, {"reason": "Teacher ill", "on_behalf_of": "teacher"})  # type: ignore[arg-type]
    assert credits_of(db, lesson) == 1
    [change] = heard
    assert change.describe().startswith("cancelled Sam Lee's lesson of")

    undone = services.undo.revert(admin, change)
    row = lesson_row(db, lesson)
    assert (row["status"], row["cancelled_at"], credits_of(db, lesson)) == ("scheduled", None, 0)
    assert undone.describe().startswith("brought back Sam Lee's lesson of")

    services.undo.revert(admin, undone)
    assert lesson_row(db, lesson)["status"] == "cancelled" and credits_of(db, lesson) == 1


def test_undoing_a_cancellation_whose_credit_was_used_is_refused(
    db: Database, admin: Actor, services: Services, made: dict[str, object]
) -> None:
    heard = recorder(services)
    lesson = made["lesson"]
    services.scheduling.cancel(admin, lesson, {"reason": "Teacher ill", "on_behalf_of": "teacher"})  # type: ignore[arg-type]
    services.scheduling.create_lesson(
        admin,
        {
            "teacher_id": made["maya"],
            "student_id": made["sam"],
            "lesson_type": "makeup",
            "start": SOON + timedelta(days=1),
            "end": SOON + timedelta(days=1, minutes=30),
        },
    )
    with pytest.raises(Conflict, match="make-up credit that was used"):
        services.undo.revert(admin, heard[0])
    assert lesson_row(db, lesson)["status"] == "cancelled"


def test_undo_of_a_move_is_refused_when_the_old_time_was_booked_since(
    db: Database, admin: Actor, services: Services, made: dict[str, object]
) -> None:
    heard = recorder(services)
    lesson = made["lesson"]
    services.scheduling.move_lesson(
        admin, lesson, SOON + timedelta(hours=2), SOON + timedelta(hours=2, minutes=30)
    )  # type: ignore[arg-type]
    made["maker"].lesson(made["maya"], SOON, student_id=made["maker"].student("Ana", "Ruiz"))  # type: ignore[attr-defined]
    with pytest.raises(Conflict, match="Sam Lee's lesson can't go back: Maya Chen"):
        services.undo.revert(admin, heard[0])
    assert lesson_row(db, lesson)["scheduled_start"] == SOON + timedelta(hours=2)


def begun(db: Database, lesson: object) -> None:
    """The lesson began an hour ago: it may now be marked taught or a no-show."""
    with db.session() as s:
        s.execute(
            text(
                "UPDATE lessons SET scheduled_start = now() - interval '1 hour',"
                " scheduled_end = now() - interval '30 minutes' WHERE id = :l"
            ),
            {"l": lesson},
        )


def test_a_check_in_is_undone_to_scheduled_and_a_billed_lesson_stays(
    db: Database, admin: Actor, services: Services, made: dict[str, object]
) -> None:
    lesson = made["lesson"]
    begun(db, lesson)
    heard = recorder(services)
    services.scheduling.set_status(admin, lesson, "in_progress")  # type: ignore[arg-type]
    assert heard[-1].describe().startswith("checked in Sam Lee")
    undone = services.undo.revert(admin, heard[-1])
    assert lesson_row(db, lesson)["status"] == "scheduled"
    assert undone.after.actual_start is None

    services.scheduling.set_status(admin, lesson, "completed")  # type: ignore[arg-type]
    maker = made["maker"]
    invoice = maker.invoice(student_id=made["sam"], status="draft", total="0.00")  # type: ignore[attr-defined]
    with db.session() as s:
        s.execute(
            text(
                "INSERT INTO invoice_line_items (studio_id, invoice_id, position, description,"
                " quantity, unit_price, lesson_id) VALUES (:s, :i, 1, 'Lesson', 1, 30, :l)"
            ),
            {"s": admin.studio_id, "i": invoice, "l": lesson},
        )
    with pytest.raises(Conflict, match="on an invoice"):
        services.undo.revert(admin, heard[-1])


def test_a_teacher_cannot_undo_on_another_teachers_lesson_and_a_deleted_lesson_says_so(
    db: Database, admin: Actor, services: Services, made: dict[str, object]
) -> None:
    lesson = made["lesson"]
    begun(db, lesson)
    heard = recorder(services)
    services.scheduling.set_status(admin, lesson, "no_show")  # type: ignore[arg-type]
    other = made["maker"].teacher("Omar", "Other")  # type: ignore[attr-defined]
    with db.session() as s:
        user_id = s.execute(
            text("SELECT user_id FROM teachers WHERE id = :t"), {"t": other}
        ).scalar()
    teacher = Actor(user_id=user_id, studio_id=admin.studio_id, role="teacher", name="Omar Other")
    with pytest.raises(PermissionDenied):
        services.undo.revert(teacher, heard[0])
    with db.session() as s:
        s.execute(text("DELETE FROM lessons WHERE id = :l"), {"l": lesson})
    with pytest.raises(NotFound, match="Sam Lee's lesson was deleted since"):
        services.undo.revert(admin, heard[0])


def test_a_teacher_undoes_their_own_move_but_taking_back_a_mark_is_for_the_desk(
    db: Database, admin: Actor, services: Services, made: dict[str, object]
) -> None:
    lesson = made["lesson"]
    begun(db, lesson)
    heard = recorder(services)
    with db.session() as s:
        user_id = s.execute(
            text("SELECT user_id FROM teachers WHERE id = :t"), {"t": made["maya"]}
        ).scalar()
    maya = Actor(user_id=user_id, studio_id=admin.studio_id, role="teacher", name="Maya Chen")
    services.scheduling.set_status(admin, lesson, "no_show")  # type: ignore[arg-type]
    with pytest.raises(PermissionDenied, match="taking back a mark"):
        services.undo.revert(maya, heard[-1])
    assert lesson_row(db, lesson)["status"] == "no_show"
