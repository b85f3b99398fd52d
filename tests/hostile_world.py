"""The studio the hostile-values driver works in, and how a call is described: the records
the forms point at (tests/hostile_calls.py lists the calls)."""

from __future__ import annotations

import io
import itertools
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from factories import Maker
from PIL import Image
from sqlalchemy import text
from stripe_server import FakeStripe

from studiosync_desktop.db import Database
from studiosync_desktop.schemas.billing import Payer
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services.container import Services
from studiosync_desktop.services.stripe_payments import StripePayments


@dataclass
class World:
    """One studio for every call: the records the forms point at."""

    db: Database
    sv: Services
    admin: Actor
    make: Maker
    teacher: uuid.UUID
    student: uuid.UUID
    student_user: uuid.UUID
    person: uuid.UUID
    room: uuid.UUID
    family: uuid.UUID
    draft: uuid.UUID
    issued: uuid.UUID
    stripe: StripePayments  # against the local Stripe server (tests/stripe_server.py)
    fake: FakeStripe
    _slots: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def row(self, sql: str, **params: Any) -> dict[str, Any]:
        """One row of SQL as the form's field names (use AS for columns named otherwise)."""
        with self.db.session() as s:
            return dict(s.execute(text(sql), params).mappings().one())

    def slot(self, *, past: bool = False) -> datetime:
        """A fresh hour in the coming (or past) weeks, clear of every other call's lessons."""
        n = next(self._slots)
        day = date.today() + timedelta(days=-2 - n % 200 if past else 2 + n % 200)
        return datetime(day.year, day.month, day.day, 8 + n // 200 % 12, tzinfo=UTC)

    def lesson(self) -> uuid.UUID:
        return self.make.lesson(self.teacher, self.slot(), student_id=self.student)

    def issued_invoice(self) -> uuid.UUID:
        invoice = self.sv.invoicing.create_draft(self.admin, Payer(kind="family", id=self.family))
        self.sv.invoicing.add_line(
            self.admin, invoice, {"description": "Lessons", "unit_price": "90"}
        )
        self.sv.invoicing.issue(self.admin, invoice)
        return invoice


def build_world(db: Database, admin: Actor, fake: FakeStripe) -> World:
    sv = Services.build(db)
    make = Maker(db, admin.studio_id)
    teacher = make.teacher()
    student = make.student("Tom", "Hale", teacher_id=teacher)
    family = make.family("Hale family")
    draft = sv.invoicing.create_draft(admin, Payer(kind="family", id=family))
    sv.invoicing.add_line(admin, draft, {"description": "Lessons", "unit_price": "100"})
    issued = sv.invoicing.create_draft(admin, Payer(kind="family", id=family))
    sv.invoicing.add_line(admin, issued, {"description": "Lessons", "unit_price": "900"})
    sv.invoicing.issue(admin, issued)
    with db.session() as s:
        student_user = s.execute(
            text("SELECT user_id FROM students WHERE id = :i"), {"i": student}
        ).scalar_one()
    # Someone agreed to the studio's news, so news has a reader.
    sv.privacy.record_consent(
        admin, {"user_id": student_user, "kind": "marketing_email", "granted": True}
    )
    return World(
        db=db,
        sv=sv,
        admin=admin,
        make=make,
        teacher=teacher,
        student=student,
        student_user=student_user,
        person=make.person("Pat", "Lee"),
        room=make.room("Room A"),
        family=family,
        draft=draft,
        issued=issued,
        stripe=StripePayments(db, secret=lambda _s: "sk_test_local", api_base=fake.base),
        fake=fake,
    )


Call = Callable[[World, Any, dict[str, Any]], Any]


@dataclass(frozen=True)
class Case:
    """One service call. `call(world, target, form)`: `target` is what `prepare` made for this
    example (a fresh lesson to cancel, say), before the rows were counted."""

    methods: tuple[str, ...]  # "Class.method" that this call drives
    call: Call
    base: Callable[[World], dict[str, Any]]
    tables: tuple[str, ...]  # counted: nothing is written when a call is refused
    prepare: Callable[[World], Any] | None = None
    # What was stored, as a mapping or an object with the form's names: (world, target, result).
    read: Callable[[World, Any, Any], Any] | None = None
    may_clash: bool = False  # a Conflict (a clash, a rule of the studio) is an answer too
    fields: Callable[[str], bool] | None = None  # refused names that are not the form's own
    also: tuple[type[Exception], ...] = ()  # other answers a valid form may get
    base_refused: type[Exception] | None = None  # how the believable form is refused, if so
    empty_is: Mapping[str, str] = field(default_factory=dict)  # what an empty field stands for

    @property
    def name(self) -> str:
        return self.methods[0]


def soon(w: World) -> dict[str, Any]:
    start = w.slot()
    return {"start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat()}


def series_form(w: World) -> dict[str, Any]:
    """A weekly series starting within the weeks the app makes lessons for ahead of time."""
    start = date.today() + timedelta(days=3 + next(w._slots) % 40)
    return {
        # A teacher and student of its own: weekly lessons never clash with another series'.
        "teacher_id": w.make.teacher("Sol", uuid.uuid4().hex[:6]),
        "student_id": w.make.student("Sue", uuid.uuid4().hex[:6]),
        "start_date": start,
        "end_date": start + timedelta(days=20),
        "start_time": "10:00",
        "duration_minutes": 30,
        "location": "Room B",
        "rate": "45.00",
    }


def time_off(w: World) -> dict[str, Any]:
    """A day off of its own, years ahead of every lesson the driver books."""
    day = w.slot().date() + timedelta(days=900)
    return {"teacher_id": w.teacher, "first_day": day, "last_day": day, "reason": "Holiday"}


def series_lesson(w: World) -> uuid.UUID:
    """The first lesson of a new series."""
    pattern = w.sv.scheduling.create_series(w.admin, series_form(w), skip_clashes=True).pattern_id
    lesson: uuid.UUID = w.row(
        "SELECT id FROM lessons WHERE recurring_pattern_id = :p ORDER BY scheduled_start LIMIT 1",
        p=pattern,
    )["id"]
    return lesson


def staff_login(w: World) -> uuid.UUID:
    """A member of staff with a login of their own (invited)."""
    email = staff_email()
    w.sv.accounts.invite(
        w.admin,
        {"email": email, "first_name": "Sue", "role": "teacher", "password": "first-password-1"},
    )
    person: uuid.UUID = w.row("SELECT id FROM users WHERE email = :e", e=email)["id"]
    return person


def cash_payment(w: World) -> uuid.UUID:
    invoice = w.issued_invoice()
    return w.sv.payments.record(w.admin, invoice, {"amount": "50.00", "method": "cash"})


def stripe_payment(w: World) -> uuid.UUID:
    """A payment the payer made through a Stripe pay link."""
    invoice = w.issued_invoice()
    link = w.stripe.create_pay_link(w.admin, invoice)
    w.fake.complete_checkout(link.session_id)
    w.stripe.poll_pay_link(w.admin, invoice)
    payment: uuid.UUID = w.row(
        "SELECT id FROM payments WHERE invoice_id = :i AND payment_method = 'stripe'", i=invoice
    )["id"]
    return payment


def lent_item(w: World) -> uuid.UUID:
    item = w.make.item(f"Violin {uuid.uuid4().hex[:6]}")
    row = w.sv.inventory.request(
        w.admin, {"item_id": item, "borrower_id": w.student_user, "approve_now": True}
    )
    return row.id


def thread(w: World) -> uuid.UUID:
    return w.sv.messaging.compose(
        w.admin, {"subject": "Recital", "participant_ids": [w.person], "content": "Hello"}
    )


def physical_resource(w: World) -> uuid.UUID:
    form = {"title": "Scales", "resource_type": "physical", "quantity_total": 50}
    return w.sv.resources.create(w.admin, form).id


def erasable_person(w: World) -> uuid.UUID:
    return w.make.person("Erin", uuid.uuid4().hex[:6])


def privacy_request(w: World) -> uuid.UUID:
    return w.sv.privacy.ask_erasure(w.admin, {"person_id": erasable_person(w), "asked_by": "Erin"})


def import_csv(w: World, _t: Any, d: dict[str, Any]) -> int:
    return w.sv.roster_csv.import_csv(
        w.admin, f"first_name,last_name,instrument\n{d['first_name']},{d['last_name']},Piano\n"
    )


def reason_of_lesson(w: World, t: Any, _r: Any) -> Mapping[str, Any]:
    return w.row("SELECT cancellation_reason AS reason FROM lessons WHERE id = :i", i=t)


def picture() -> bytes:
    """A small PNG, as a desk picks one from the disk."""
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (40, 90, 160)).save(out, "PNG")
    return out.getvalue()


def staff_email() -> str:
    return f"sam.{uuid.uuid4().hex[:8]}@harmony.example"
