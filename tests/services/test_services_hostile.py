"""Every writing service of the desk, given hostile values (Hypothesis) in a valid form: the
call stores exactly what was typed, or raises ValidationFailed naming a field (a clash may be a
Conflict) and writes nothing; never another exception, never half a record."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from factories import Maker
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text

from studiosync_desktop.db import Database
from studiosync_desktop.errors import Conflict, ValidationFailed
from studiosync_desktop.schemas.billing import Payer
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services.container import Services
from tests.hostile import examples, hostile


@dataclass
class World:
    teacher: uuid.UUID
    student: uuid.UUID
    person: uuid.UUID
    room: uuid.UUID
    family: uuid.UUID
    draft: uuid.UUID
    issued: uuid.UUID


def _soon(days: int, hour: int) -> str:
    day = date.today() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC).isoformat()


Call = Callable[[Services, Actor, World, dict[str, Any]], Any]
Read = Callable[[Services, Actor, Any], Any]


@dataclass(frozen=True)
class Case:
    name: str
    call: Call
    base: Callable[[World], dict[str, Any]]
    tables: tuple[str, ...]  # counted: nothing is written when a call is refused
    read: Read | None = None  # what was stored, as an object with the form's fields
    may_clash: bool = False


CASES = [
    Case(
        "student",
        lambda sv, a, w, d: sv.roster.save_student(a, d).id,
        lambda w: {"first_name": "Maya", "last_name": "Chen", "primary_teacher_id": w.teacher},
        ("users", "students"),
        lambda sv, a, saved: sv.roster.student_form(a, saved),
    ),
    Case(
        "family",
        lambda sv, a, w, d: sv.roster.save_family(a, d).id,
        lambda w: {"name": "Chen family", "address": "1 Main St"},
        ("families",),
        lambda sv, a, saved: sv.roster.family_form(a, saved),
    ),
    Case(
        "teacher",
        lambda sv, a, w, d: sv.roster.save_teacher(a, d).id,
        lambda w: {"first_name": "Ravi", "email": f"ravi.{uuid.uuid4().hex[:8]}@example.org"},
        ("users", "teachers"),
        lambda sv, a, saved: sv.roster.teacher_form(a, saved),
        may_clash=True,
    ),
    Case(
        "band",
        lambda sv, a, w, d: sv.roster.save_band(a, d).id,
        lambda w: {"name": "The Chords", "city": "Springfield", "member_ids": [w.person]},
        ("bands", "band_members"),
        lambda sv, a, saved: sv.roster.band_form(a, saved),
    ),
    Case(
        "lesson",
        lambda sv, a, w, d: sv.scheduling.create_lesson(a, d).id,
        lambda w: {
            "teacher_id": w.teacher,
            "student_id": w.student,
            "start": _soon(3, 15),
            "end": _soon(3, 16),
            "location": "Room B",
        },
        ("lessons", "room_occupancy"),
        lambda sv, a, saved: sv.scheduling.lesson(a, saved),
        may_clash=True,
    ),
    Case(
        "closure",
        lambda sv, a, w, d: sv.scheduling.add_closure(a, d),
        lambda w: {"closed_on": date.today() + timedelta(days=40), "reason": "Snow day"},
        ("studio_closures",),
        may_clash=True,
    ),
    Case(
        "item",
        lambda sv, a, w, d: sv.inventory.create_item(a, d).id,
        lambda w: {"name": "Violin 3/4", "quantity": 3, "notes": "Case is blue"},
        ("inventory_items",),
        lambda sv, a, saved: sv.inventory.item(a, saved),
    ),
    Case(
        "room",
        lambda sv, a, w, d: sv.rooms.create_room(a, d).id,
        lambda w: {"name": f"Room {uuid.uuid4().hex[:6]}", "capacity": 2, "hourly_rate": "15"},
        ("practice_rooms",),
        may_clash=True,
    ),
    Case(
        "reservation",
        lambda sv, a, w, d: sv.rooms.reserve(a, d),
        lambda w: {
            "room_id": w.room,
            "person_id": w.person,
            "start": _soon(5, 10),
            "end": _soon(5, 11),
            "notes": "Bring a stand",
        },
        ("room_reservations", "room_occupancy"),
        may_clash=True,
    ),
    Case(
        "invoice line",
        lambda sv, a, w, d: sv.invoicing.add_line(a, w.draft, d),
        lambda w: {"description": "Theory book", "quantity": 1, "unit_price": "12.50"},
        ("invoice_line_items",),
    ),
    Case(
        "payment",
        lambda sv, a, w, d: sv.payments.record(a, w.issued, d),
        lambda w: {"amount": "0.01", "method": "cash", "notes": "At the desk"},
        ("payments", "account_credits"),
        may_clash=True,
    ),
    Case(
        "message",
        lambda sv, a, w, d: sv.messaging.compose(a, d),
        lambda w: {"subject": "Recital", "participant_ids": [w.person], "content": "Hello"},
        ("message_threads", "messages", "thread_participants"),
    ),
    Case(
        "time off",
        lambda sv, a, w, d: sv.availability.add_exception(a, d),
        lambda w: {
            "teacher_id": w.teacher,
            "first_day": date.today() + timedelta(days=60),
            "last_day": date.today() + timedelta(days=61),
            "reason": "Holiday",
        },
        ("availability_exceptions",),
        may_clash=True,
    ),
    Case(
        "outside calendar",
        lambda sv, a, w, d: sv.calendars.add_feed(a, d).id,
        lambda w: {"name": "Maya's calendar", "url": "https://cal.example/maya.ics"},
        ("calendar_feeds",),
    ),
    Case(
        "teacher pay line",
        lambda sv, a, w, d: sv.pay.add_extra_line(a, sv.pay.period(a), d),
        lambda w: {"teacher_id": w.teacher, "amount": "25.00", "reason": "Recital set-up"},
        ("pay_lines",),
        may_clash=True,
    ),
    Case(
        "studio settings",
        lambda sv, a, w, d: sv.studio.save_settings(a, d),
        lambda w: {"invoice_due_days": 14},
        (),
    ),
]


def _world(db: Database, admin: Actor, services: Services) -> World:
    make = Maker(db, admin.studio_id)
    teacher = make.teacher()
    student = make.student("Tom", "Hale", teacher_id=teacher)
    family = make.family("Hale family")
    draft = services.invoicing.create_draft(admin, Payer(kind="family", id=family))
    services.invoicing.add_line(admin, draft, {"description": "Lessons", "unit_price": "100"})
    issued = services.invoicing.create_draft(admin, Payer(kind="family", id=family))
    services.invoicing.add_line(admin, issued, {"description": "Lessons", "unit_price": "900"})
    services.invoicing.issue(admin, issued)
    return World(
        teacher=teacher,
        student=student,
        person=make.person("Pat", "Lee"),
        room=make.room("Room A"),
        family=family,
        draft=draft,
        issued=issued,
    )


def _counts(db: Database, tables: tuple[str, ...]) -> dict[str, int]:
    with db.session() as s:
        return {t: s.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in tables}


def test_every_writing_service_stores_what_was_typed_or_names_the_field(
    db: Database, admin: Actor
) -> None:
    """One studio for all the services (the CI budget is the set-up, not the examples)."""
    services = Services.build(db)
    world = _world(db, admin, services)
    for case in CASES:
        _try_hostile_values(db, admin, services, world, case)


def _try_hostile_values(
    db: Database, admin: Actor, services: Services, world: World, case: Case
) -> None:
    base = case.base(world)

    @examples(6)
    @given(changes=st.dictionaries(st.sampled_from(sorted(base)), hostile, max_size=2))
    def check(changes: dict[str, Any]) -> None:
        data = {**case.base(world), **changes}
        before = _counts(db, case.tables)
        try:
            saved = case.call(services, admin, world, data)
        except ValidationFailed as refused:
            assert refused.fields and all(m for m in refused.fields.values()), case.name
            # The field that was spoilt is named (or the form, for a rule across fields).
            assert set(refused.fields) <= {*changes, ""}, (case.name, refused.fields)
            assert _counts(db, case.tables) == before, case.name
            return
        except Conflict:
            assert case.may_clash, case.name
            assert _counts(db, case.tables) == before, case.name
            return
        if case.read is not None:
            stored = case.read(services, admin, saved)
            for name, typed in changes.items():
                kept = getattr(stored, name, None)
                # Emails and phone numbers are kept in their standard form.
                normalised = "email" in name or "phone" in name
                if isinstance(typed, str) and isinstance(kept, str) and not normalised:
                    assert kept == typed.strip(), (case.name, name)

    check()
