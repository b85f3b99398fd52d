"""Two studios with a row in every table, and the logins the permission matrix is tried as.

Studio A has two teachers (the logged-in teacher and a colleague), studio B one (a teacher of
another studio, logged in too), so every row rule of the matrix has rows on both sides of it.
Everything is written by the owner in one transaction, as plain SQL: a table added later gets
its rows here (the matrix test fails while a rule has nothing to be tried on).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from studiosync_desktop.scram import scram_verifier
from studiosync_desktop.services.who_acts import login_role_name

PASSWORD = "matrix-password-2030"
NOW = datetime.now(UTC).replace(microsecond=0)


@dataclass(frozen=True)
class Login:
    """Someone the matrix is tried as; `role` None: a deactivated login (may do nothing)."""

    name: str
    role: str | None
    login: str
    studio: uuid.UUID
    user: uuid.UUID
    teacher: uuid.UUID | None = None


@dataclass
class World:
    logins: dict[str, Login] = field(default_factory=dict)


class Writer:
    """INSERT ... RETURNING id, one row at a time (a hundred rows: no need for more)."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn

    def __call__(self, table: str, returning: str | None = "id", **values: Any) -> Any:
        columns = ", ".join(values)
        marks = ", ".join(["%s"] * len(values))
        sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"
        params = [Jsonb(v) if isinstance(v, dict | list) else v for v in values.values()]
        if returning is None:
            self.conn.execute(sql, params)  # type: ignore[arg-type]
            return None
        row = self.conn.execute(f"{sql} RETURNING {returning}", params).fetchone()  # type: ignore[arg-type]
        assert row is not None
        return row[0]


def _person(w: Writer, studio: uuid.UUID, first: str, role: str) -> uuid.UUID:
    email = f"{first.lower()}.{uuid.uuid4().hex[:8]}@matrix.example"
    user: uuid.UUID = w("users", studio_id=studio, email=email, first_name=first, role=role)
    return user


def _teaching(
    w: Writer, studio: uuid.UUID, teacher: uuid.UUID, room: uuid.UUID, hour: int
) -> dict[str, uuid.UUID]:
    """A teacher's student (in a family and a band), series, lessons, notes, goals, plans."""
    family = w("families", studio_id=studio, name=f"Family {hour}")
    student_user = _person(w, studio, f"Student{hour}", "student")
    parent = _person(w, studio, f"Parent{hour}", "parent")
    w("families", returning=None, studio_id=studio, name=f"Empty family {hour}")
    student = w(
        "students",
        studio_id=studio,
        user_id=student_user,
        family_id=family,
        primary_teacher_id=teacher,
        instrument="Piano",
    )
    band = w("bands", studio_id=studio, name=f"Band {hour}")
    w("band_members", returning=None, band_id=band, user_id=student_user)
    series = w(
        "recurring_patterns",
        studio_id=studio,
        teacher_id=teacher,
        student_id=student,
        frequency="weekly",
        day_of_week="monday",
        time=f"{hour}:00",
        duration_minutes=30,
        start_date=NOW.date() + timedelta(days=30),
    )
    past = NOW - timedelta(days=2, hours=hour)
    lesson = w(
        "lessons",
        studio_id=studio,
        teacher_id=teacher,
        student_id=student,
        room_id=room,
        scheduled_start=past,
        scheduled_end=past + timedelta(minutes=30),
        recurring_pattern_id=series,
    )
    coming = NOW + timedelta(days=3, hours=hour)
    w(
        "lessons",
        returning=None,
        studio_id=studio,
        teacher_id=teacher,
        band_id=band,
        room_id=room,
        scheduled_start=coming,
        scheduled_end=coming + timedelta(minutes=45),
    )
    w("lesson_notes", studio_id=studio, lesson_id=lesson, teacher_id=teacher, summary="Scales")
    w("student_goals", studio_id=studio, student_id=student, teacher_id=teacher, title="Grade 3")
    w("lesson_plans", studio_id=studio, teacher_id=teacher, title="Private plan", is_public=False)
    w("lesson_plans", studio_id=studio, teacher_id=teacher, title="Shared plan", is_public=True)
    w(
        "makeup_credits",
        studio_id=studio,
        student_id=student,
        source_lesson_id=lesson,
        expires_on=NOW.date() + timedelta(days=60),
    )
    return {"family": family, "student": student, "student_user": student_user, "parent": parent}


def _billing(w: Writer, studio: uuid.UUID, family: uuid.UUID, desk: uuid.UUID) -> None:
    """A draft and an issued invoice with lines, a payment, history, credit and a saved card."""
    draft = w("invoices", studio_id=studio, family_id=family, status="draft")
    w(
        "invoice_line_items",
        studio_id=studio,
        invoice_id=draft,
        description="Lessons",
        unit_price=40,
    )
    issued = w("invoices", studio_id=studio, family_id=family, status="draft")
    w(
        "invoice_line_items",
        studio_id=studio,
        invoice_id=issued,
        description="Lessons",
        unit_price=90,
    )
    number = f"INV-{NOW.year}-{uuid.uuid4().int % 90000 + 10000}"
    w.conn.execute(
        "UPDATE invoices SET status = 'sent', invoice_number = %s, issue_date = %s WHERE id = %s",
        (number, NOW.date(), issued),
    )
    payment = w(
        "payments",
        studio_id=studio,
        invoice_id=issued,
        amount=50,
        payment_method="cash",
        processed_by_id=desk,
    )
    for invoice, kind in ((draft, "created"), (issued, "sent")):
        w("invoice_events", studio_id=studio, invoice_id=invoice, kind=kind, actor_id=desk)
    w(
        "invoice_number_counters",
        returning=None,
        studio_id=studio,
        year=NOW.year,
        last_number=1,
    )
    w(
        "account_credits",
        studio_id=studio,
        family_id=family,
        amount=10,
        payment_id=payment,
        invoice_id=issued,
    )
    card = w(
        "payment_methods",
        studio_id=studio,
        family_id=family,
        payment_type="card",
        last_four="4242",
        stripe_payment_method_id=f"pm_{uuid.uuid4().hex[:12]}",
    )
    w(
        "stripe_attempts",
        studio_id=studio,
        invoice_id=issued,
        kind="charge",
        amount=40,
        currency="USD",
        payment_method_id=card,
        created_by_id=desk,
    )


def _lending(w: Writer, studio: uuid.UUID, person: uuid.UUID, student: uuid.UUID) -> None:
    item = w("inventory_items", studio_id=studio, name="Violin", quantity=3, available_quantity=2)
    w("checkout_logs", studio_id=studio, item_id=item, student_id=person, status="approved")
    resource = w(
        "resources",
        studio_id=studio,
        title="Scales book",
        resource_type="physical",
        is_physical_item=True,
        quantity_total=2,
        quantity_available=1,
    )
    w("resource_shares", returning=None, resource_id=resource, student_id=student)
    w("resource_checkouts", studio_id=studio, resource_id=resource, student_id=student)


def _messages(w: Writer, studio: uuid.UUID, people: dict[str, uuid.UUID]) -> None:
    """A thread of the teacher, the desk and the admin; one of a colleague and the desk; an
    empty one; notifications of each kind a person gets."""
    for subject, members in (
        ("Recital", ("teacher", "desk", "admin")),
        ("Colleague's", ("colleague", "desk")),
    ):
        present = [people[m] for m in members if m in people]
        thread = w("message_threads", studio_id=studio, subject=subject)
        for user in present:
            w("thread_participants", returning=None, thread_id=thread, user_id=user)
        for sender in present:
            message = w(
                "messages", studio_id=studio, thread_id=thread, sender_id=sender, content="Hello"
            )
            for reader in present:
                if reader != sender:
                    w("message_reads", returning=None, message_id=message, user_id=reader)
    w("message_threads", studio_id=studio, subject="Not started yet")
    for who, kind in (
        ("teacher", "info"),
        ("colleague", "info"),
        ("desk", "lesson_reminder"),
        ("admin", "invoice_overdue"),
        ("desk", "info"),
    ):
        if who in people:
            w(
                "notifications",
                studio_id=studio,
                user_id=people[who],
                title="Notice",
                notification_type=kind,
            )


def _studio(w: Writer, name: str, extra: bool = False) -> uuid.UUID:
    """A studio; `extra`: a second one in this database (deliberately, 0013)."""
    studio: uuid.UUID = w(
        "studios", name=name, slug=f"m-{uuid.uuid4().hex[:10]}", one_per_database=not extra
    )
    return studio


def _make_login(conn: psycopg.Connection[Any], user: uuid.UUID, role: str) -> str:
    email, database = conn.execute(
        "SELECT email, current_database() FROM users WHERE id = %s", (user,)
    ).fetchone() or ("", "")
    login = login_role_name(email, database)
    conn.execute(
        "SELECT studiosync_create_login(%s, %s, %s, %s)",
        (user, login, scram_verifier(PASSWORD), role),
    )
    return login


def _fill_studio(w: Writer, studio: uuid.UUID, teachers: tuple[str, ...]) -> dict[str, uuid.UUID]:
    """Staff, a room, each teacher's teaching, billing, lending and messages of one studio."""
    people = {
        "admin": _person(w, studio, "Ada", "admin"),
        "desk": _person(w, studio, "Dee", "desk"),
    }
    room = w("practice_rooms", studio_id=studio, name="Room A")
    w("studio_closures", studio_id=studio, closed_on=NOW.date() + timedelta(days=90))
    for hour, who in enumerate(teachers, start=9):
        people[who] = _person(w, studio, who.capitalize(), "teacher")
        people[f"{who}_teacher"] = w("teachers", studio_id=studio, user_id=people[who])
        taught = _teaching(w, studio, people[f"{who}_teacher"], room, hour)
        people.update({f"{who}_{k}": v for k, v in taught.items()})
    first = teachers[0]
    _billing(w, studio, people[f"{first}_family"], people["desk"])
    _lending(w, studio, people[f"{first}_student_user"], people[f"{first}_student"])
    w(
        "room_reservations",
        studio_id=studio,
        room_id=room,
        student_id=people[f"{first}_student_user"],
        start_time=NOW + timedelta(days=5),
        end_time=NOW + timedelta(days=5, hours=1),
        status="confirmed",
    )
    _messages(w, studio, people)
    _email(w, studio, people)
    _privacy(w, studio, people, people[f"{first}_student_user"])
    _pay(w, studio, people, teachers)
    _availability(w, studio, people, teachers, room)
    return people


def _pay(
    w: Writer, studio: uuid.UUID, people: dict[str, uuid.UUID], teachers: tuple[str, ...]
) -> None:
    """The pay policy, the studio's rule and each teacher's, an approved run paying each
    teacher's past lesson, and an open run with a line added by hand for each."""
    w("pay_settings", studio_id=studio, period="monthly")
    w("pay_rules", studio_id=studio, basis="time", amount="40.00", per_minutes=60)
    last_month = (NOW.date().replace(day=1) - timedelta(days=1)).replace(day=1)
    approved = w(
        "pay_runs",
        studio_id=studio,
        period_start=last_month - timedelta(days=62),
        period_end=last_month - timedelta(days=32),
    )
    opened = w("pay_runs", studio_id=studio, period_start=last_month, period_end=last_month)
    for who in teachers:
        teacher = people[f"{who}_teacher"]
        w("pay_rules", studio_id=studio, teacher_id=teacher, basis="percent", amount="60")
        lesson = w.conn.execute(
            "SELECT id FROM lessons WHERE teacher_id = %s AND student_id IS NOT NULL", (teacher,)
        ).fetchone()
        assert lesson is not None
        w(
            "pay_lines",
            studio_id=studio,
            pay_run_id=approved,
            teacher_id=teacher,
            kind="lesson",
            lesson_id=lesson[0],
            amount="20.00",
        )
        w(
            "pay_lines",
            studio_id=studio,
            pay_run_id=opened,
            teacher_id=teacher,
            kind="extra",
            amount="50.00",
            reason="Recital",
        )
    w.conn.execute(
        "UPDATE pay_runs SET status = 'approved', approved_at = now() WHERE id = %s", (approved,)
    )


def _availability(
    w: Writer,
    studio: uuid.UUID,
    people: dict[str, uuid.UUID],
    teachers: tuple[str, ...],
    room: uuid.UUID,
) -> None:
    """Each teacher's hours, a day off and a feed with an event; a room's and the studio's
    feeds; a lesson booked outside hours with its confirmation."""
    for who in teachers:
        teacher = people[f"{who}_teacher"]
        w(
            "teacher_hours",
            studio_id=studio,
            teacher_id=teacher,
            weekday=0,
            start_time="09:00",
            end_time="17:00",
        )
        w(
            "availability_exceptions",
            studio_id=studio,
            teacher_id=teacher,
            first_day=NOW.date() + timedelta(days=20),
            last_day=NOW.date() + timedelta(days=21),
            reason="Conference",
        )
        feed = w(
            "calendar_feeds",
            studio_id=studio,
            teacher_id=teacher,
            name="Gigs",
            url="https://cal.example/gigs.ics",
        )
        w(
            "calendar_feed_events",
            studio_id=studio,
            feed_id=feed,
            teacher_id=teacher,
            starts=NOW + timedelta(days=1),
            ends=NOW + timedelta(days=1, hours=2),
            title="Gig",
        )
    for owner in ({"room_id": room}, {}):
        feed = w(
            "calendar_feeds",
            studio_id=studio,
            name="Hall",
            url=f"https://cal.example/{uuid.uuid4().hex}.ics",
            **owner,
        )
        w(
            "calendar_feed_events",
            studio_id=studio,
            feed_id=feed,
            starts=NOW,
            ends=NOW + timedelta(hours=3),
            title="Concert",
        )
    lesson = w(
        "lessons",
        studio_id=studio,
        teacher_id=people[f"{teachers[0]}_teacher"],
        room_id=room,
        scheduled_start=NOW + timedelta(days=40),
        scheduled_end=NOW + timedelta(days=40, minutes=30),
    )
    w(
        "booking_overrides",
        returning="lesson_id",
        studio_id=studio,
        lesson_id=lesson,
        reasons="Outside working hours",
        confirmed_by_id=people["desk"],
    )


def _privacy(w: Writer, studio: uuid.UUID, people: dict[str, uuid.UUID], person: uuid.UUID) -> None:
    """An export made, an erasure asked for, a consent, and the day's retention round."""
    w(
        "privacy_requests",
        studio_id=studio,
        kind="export",
        person_id=person,
        status="done",
        done_at=NOW,
        recorded_by_id=people["desk"],
    )
    w(
        "privacy_requests",
        studio_id=studio,
        kind="erasure",
        person_id=person,
        asked_by="Her mother",
        recorded_by_id=people["desk"],
    )
    w(
        "consents",
        studio_id=studio,
        user_id=person,
        kind="recital_photos",
        granted=True,
        recorded_by_id=people["desk"],
    )
    w("retention_runs", studio_id=studio, ran_on=NOW.date(), ran_by_id=people["desk"])


def _email(w: Writer, studio: uuid.UUID, people: dict[str, uuid.UUID]) -> None:
    """The studio's mail server, a template, a queued email with its PDF, a person's wishes."""
    w("email_settings", returning="studio_id", studio_id=studio, host="smtp.matrix.example")
    w("email_templates", studio_id=studio, kind="invoice", subject="Invoice", text_body="Hi")
    email = w(
        "email_outbox",
        studio_id=studio,
        kind="invoice",
        dedupe_key=f"invoice:{uuid.uuid4()}",
        recipient="family@matrix.example",
        subject="Invoice",
        composed=True,
    )
    w("email_attachments", studio_id=studio, message_id=email, filename="i.pdf", content=b"%PDF")
    w("email_preferences", returning="user_id", studio_id=studio, user_id=people["desk"])


def build_world(owner_dsn: str) -> tuple[World, psycopg.Connection[Any]]:
    """Writes both studios and makes the logins; returns them and the deactivated login's
    connection, opened before it was deactivated (a session left open at the desk)."""
    world = World()
    with psycopg.connect(owner_dsn) as conn:
        w = Writer(conn)
        a, b = _studio(w, "Studio A"), _studio(w, "Studio B", extra=True)
        pa = _fill_studio(w, a, ("teacher", "colleague"))
        pb = _fill_studio(w, b, ("teacher",))
        gone = _person(w, a, "Gone", "desk")
        for name, role, studio, user, teacher in (
            ("admin", "admin", a, pa["admin"], None),
            ("desk", "desk", a, pa["desk"], None),
            ("teacher", "teacher", a, pa["teacher"], pa["teacher_teacher"]),
            ("other studio's teacher", "teacher", b, pb["teacher"], pb["teacher_teacher"]),
            ("deactivated desk", None, a, gone, None),
        ):
            login = _make_login(conn, user, role or "desk")
            world.logins[name] = Login(name, role, login, studio, user, teacher)
        conn.commit()
    gone_login = world.logins["deactivated desk"]
    session = psycopg.connect(owner_dsn, user=gone_login.login, password=PASSWORD)
    with psycopg.connect(owner_dsn, autocommit=True) as conn:
        conn.execute("SELECT studiosync_set_login_enabled(%s, false)", (gone_login.user,))
    return world, session
