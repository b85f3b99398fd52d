"""Messages and notifications: threads, unread counts, event notifications, reminders once."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from desks import race_desks
from factories import Maker
from sqlalchemy import text

from studiosync_desktop.db import Database
from studiosync_desktop.errors import NotFound, ValidationFailed
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services.messaging import MessagingService
from studiosync_desktop.services.notifications import NotificationService

NY = ZoneInfo("America/New_York")


@pytest.fixture
def maker(db: Database, admin: Actor) -> Maker:
    return Maker(db, admin.studio_id)


def actor_for(db: Database, admin: Actor, teacher_id) -> Actor:  # type: ignore[no-untyped-def]
    with db.engine.connect() as c:
        user_id, name = c.execute(
            text(
                "SELECT u.id, u.first_name FROM teachers t JOIN users u ON u.id = t.user_id "
                "WHERE t.id = :t"
            ),
            {"t": teacher_id},
        ).one()
    return Actor(user_id=user_id, studio_id=admin.studio_id, role="teacher", name=name)


def test_a_thread_is_composed_replied_to_and_read(db: Database, admin: Actor, maker: Maker) -> None:
    messaging = MessagingService(db)
    maya = actor_for(db, admin, maker.teacher("Maya", "Chen"))
    thread = messaging.compose(
        admin, {"subject": "Recital", "participant_ids": [maya.user_id], "content": "Sign up?"}
    )
    assert messaging.unread_count(maya) == 1
    [row] = messaging.threads(maya)
    assert (row.subject, row.unread, row.last_sender) == ("Recital", 1, "Olivia Owner")
    view = messaging.open_thread(maya, thread)
    assert [m.content for m in view.messages] == ["Sign up?"]
    assert messaging.unread_count(maya) == 0
    messaging.reply(maya, thread, {"content": "Yes, both students."})
    assert messaging.unread_count(admin) == 1
    assert messaging.threads(admin)[0].last_snippet == "Yes, both students."
    # The new message raised a notification for the other participant only.
    titles = [n.title for n in NotificationService(db).mine(admin).rows]
    assert titles == ["New message from Maya Chen"]


def test_compose_needs_a_subject_a_recipient_and_a_message(db: Database, admin: Actor) -> None:
    with pytest.raises(ValidationFailed) as caught:
        MessagingService(db).compose(admin, {"subject": "", "participant_ids": [], "content": ""})
    assert set(caught.value.fields) == {"subject", "participant_ids", "content"}


def test_someone_outside_a_thread_cannot_open_it(db: Database, admin: Actor, maker: Maker) -> None:
    messaging = MessagingService(db)
    maya = actor_for(db, admin, maker.teacher("Maya", "Chen"))
    tom = actor_for(db, admin, maker.teacher("Tom", "Hall"))
    thread = messaging.compose(
        admin, {"subject": "Pay", "participant_ids": [maya.user_id], "content": "Private"}
    )
    with pytest.raises(NotFound):
        messaging.open_thread(tom, thread)


def test_lesson_booked_moved_and_cancelled_notify_the_teacher_and_the_desk(
    db: Database, admin: Actor, maker: Maker
) -> None:
    teacher_id = maker.teacher("Maya", "Chen")
    maya = actor_for(db, admin, teacher_id)
    sam = maker.student("Sam", "Lee")
    start = datetime.now(NY).replace(microsecond=0) + timedelta(days=3)
    lesson = maker.lesson(teacher_id, start, student_id=sam)
    with db.engine.begin() as c:
        c.execute(
            text(
                "UPDATE lessons SET scheduled_start = scheduled_start + interval '1 hour', "
                "scheduled_end = scheduled_end + interval '1 hour' WHERE id = :l"
            ),
            {"l": lesson},
        )
        c.execute(text("UPDATE lessons SET status = 'cancelled' WHERE id = :l"), {"l": lesson})
    service = NotificationService(db)
    for who in (maya, admin):
        mine = service.mine(who)
        assert [n.notification_type for n in mine.rows] == [
            "lesson_cancelled",
            "lesson_moved",
            "lesson_booked",
        ] or sorted(n.notification_type for n in mine.rows) == [
            "lesson_booked",
            "lesson_cancelled",
            "lesson_moved",
        ]
        assert mine.unread == 3
        assert all(n.link == f"studiosync://lesson/{lesson}" for n in mine.rows)
        assert "Sam Lee with Maya Chen" in mine.rows[0].message
    assert service.mark_read(maya) == 3
    assert service.mine(maya).unread == 0
    assert service.mine(admin).unread == 3


def test_a_term_booked_at_once_raises_one_notification_per_reader(
    db: Database, admin: Actor, maker: Maker
) -> None:
    maya_id, tom_id = maker.teacher("Maya", "Chen"), maker.teacher("Tom", "Hall")
    maya, tom = actor_for(db, admin, maya_id), actor_for(db, admin, tom_id)
    sam = maker.student("Sam", "Lee")
    first = datetime.now(NY).replace(microsecond=0) + timedelta(days=2)
    with db.engine.begin() as c:  # one statement: 3 lessons of Maya's, 2 of Tom's
        c.execute(
            text(
                "INSERT INTO lessons (studio_id, teacher_id, student_id, scheduled_start, "
                "scheduled_end, rate) "
                "SELECT :studio, t, :sam, :first + w * interval '1 week', "
                "       :first + w * interval '1 week' + interval '30 minutes', 45 "
                "  FROM (VALUES (CAST(:maya AS uuid), 0), (:maya, 1), (:maya, 2), "
                "               (:tom, 3), (:tom, 4)) AS v(t, w)"
            ),
            {"studio": admin.studio_id, "sam": sam, "first": first, "maya": maya_id, "tom": tom_id},
        )
    service = NotificationService(db)
    [for_maya] = service.mine(maya).rows
    [for_tom] = service.mine(tom).rows
    [for_desk] = service.mine(admin).rows
    assert for_maya.title == "Lesson booked: 3 lessons"
    assert "(and 2 more)" in for_maya.message and "Maya Chen" in for_maya.message
    assert for_tom.title == "Lesson booked: 2 lessons"
    assert for_desk.title == "Lesson booked: 5 lessons"
    assert for_desk.link == for_maya.link  # the earliest lesson of all, which is Maya's
    assert "(and 4 more)" in for_desk.message


def test_reservation_confirmed_and_cancelled_notify(
    db: Database, admin: Actor, maker: Maker
) -> None:
    room = maker.room("Room B")
    pia = maker.person("Pia", "Practice")
    start = datetime.now(NY).replace(microsecond=0) + timedelta(days=1)
    res = maker.reservation(room, pia, start, status="pending")
    service = NotificationService(db)
    assert service.mine(admin).rows == ()
    with db.engine.begin() as c:
        c.execute(
            text("UPDATE room_reservations SET status = 'confirmed' WHERE id = :r"), {"r": res}
        )
        c.execute(text("UPDATE room_reservations SET notes = 'x' WHERE id = :r"), {"r": res})
        c.execute(
            text("UPDATE room_reservations SET status = 'cancelled' WHERE id = :r"), {"r": res}
        )
    titles = sorted(n.title for n in service.mine(admin).rows)
    assert titles == ["Room reservation cancelled", "Room reservation confirmed"]


def test_due_reminders_are_raised_exactly_once_by_many_desks_at_once(
    db: Database, admin: Actor, maker: Maker
) -> None:
    teacher_id = maker.teacher("Maya", "Chen")
    maya = actor_for(db, admin, teacher_id)
    tomorrow = datetime.now(NY).date() + timedelta(days=1)
    for hour in (15, 16):
        maker.lesson(
            teacher_id,
            datetime(tomorrow.year, tomorrow.month, tomorrow.day, hour, tzinfo=NY),
            student_id=maker.student("S", str(hour)),
        )
    fam = maker.family("Lee family")
    today = datetime.now(NY).date()
    maker.invoice(family_id=fam, due=today - timedelta(days=3), issue=today - timedelta(days=20))
    maker.invoice(family_id=fam, due=today + timedelta(days=3), issue=today)
    service = NotificationService(db)
    service.mark_read(admin)  # the "lesson booked" notices

    results = race_desks(
        db.url, 6, lambda own, _i: NotificationService(own).raise_due_reminders(admin).total
    )
    # admin: one day summary + one overdue invoice; maya: her lessons tomorrow.
    print(
        [(n.title, n.notification_type) for n in service.mine(admin).rows],
        [n.title for n in service.mine(maya).rows],
    )
    assert sum(results) == 3
    assert service.raise_due_reminders(admin).total == 0
    unread = service.mine(admin, unread_only=True).rows
    assert sorted(n.notification_type for n in unread) == ["invoice_overdue", "lesson_reminder"]
    [mine] = [n for n in service.mine(maya).rows if n.notification_type == "lesson_reminder"]
    assert mine.title == "2 lessons tomorrow"


def test_other_services_can_raise_a_notification_once_per_key(db: Database, admin: Actor) -> None:
    service = NotificationService(db)
    for _ in range(2):
        service.notify(admin, [admin.user_id], "Payment received", kind="payment", dedupe_key="p:1")
    assert len(service.mine(admin).rows) == 1
