"""One studio where two students, a parent and a teacher each have rows in every table that can
hold something about a person; `mine` says which rows are whose, as the test wrote them."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

NOW = datetime.now(UTC).replace(microsecond=0)


@dataclass
class Someone:
    user: uuid.UUID
    name: str
    email: str
    phone: str
    student: uuid.UUID | None = None
    teacher: uuid.UUID | None = None
    mine: dict[str, set[Any]] = field(default_factory=lambda: defaultdict(set))


class PrivacyWorld:
    def __init__(self, conn: psycopg.Connection[Any], studio: uuid.UUID, desk: uuid.UUID) -> None:
        self.conn, self.studio, self.desk = conn, studio, desk
        self.people: list[Someone] = []
        self.room = self.add(None, "practice_rooms", name="Room P")
        self.item = self.add(
            None, "inventory_items", name="Viola", quantity=3, available_quantity=2
        )
        self.library = self.add(
            None,
            "resources",
            title="Scales",
            resource_type="physical",
            is_physical_item=True,
            quantity_total=4,
            quantity_available=2,
        )
        self.teacher = self.person("Tomas", "Teach", "teacher", "+1 312 555 0177")
        self.teacher.teacher = self.add(self.teacher, "teachers", user_id=self.teacher.user)

    def add(self, who: Someone | None, table: str, returning: str = "id", **values: Any) -> Any:
        if "studio_id" not in values and table not in (
            "band_members",
            "thread_participants",
            "message_reads",
            "resource_shares",
        ):
            values["studio_id"] = self.studio
        cols = ", ".join(values)
        marks = ", ".join(["%s"] * len(values))
        params = [Jsonb(v) if isinstance(v, dict | list) else v for v in values.values()]
        row = self.conn.execute(
            f"INSERT INTO {table} ({cols}) VALUES ({marks}) RETURNING {returning}",  # type: ignore[arg-type]
            params,
        ).fetchone()
        assert row is not None
        if who is not None:
            who.mine[table].add(row[0])
        return row[0]

    def person(self, first: str, last: str, role: str, phone: str) -> Someone:
        email = f"{first.lower()}.{uuid.uuid4().hex[:6]}@families.example"
        someone = Someone(uuid.uuid4(), f"{first} {last}", email, phone)
        self.people.append(someone)
        self.add(
            someone,
            "users",
            id=someone.user,
            first_name=first,
            last_name=last,
            role=role,
            email=email,
            phone_number=phone,
        )
        return someone

    def student(self, first: str, last: str, phone: str) -> Someone:
        """A student with something in every table a student can have rows in."""
        self.students = getattr(self, "students", 0) + 1
        s = self.person(first, last, "student", phone)
        s.student = self.add(
            s,
            "students",
            user_id=s.user,
            notes=f"{first} likes jazz",
            date_of_birth=f"2012-0{self.students}-15",
            emergency_contact_name="Grandma",
            primary_teacher_id=self.teacher.teacher,
        )
        band = self.add(s, "bands", name=f"{first}'s band")
        self.add(s, "band_members", returning="band_id", band_id=band, user_id=s.user)
        series = self.add(
            s,
            "recurring_patterns",
            teacher_id=self.teacher.teacher,
            student_id=s.student,
            frequency="weekly",
            day_of_week="monday",
            time="16:00",
            duration_minutes=45,
            start_date=(NOW - timedelta(days=60)).date(),
            end_date=(NOW - timedelta(days=10)).date(),
        )
        self.teacher.mine["recurring_patterns"].add(series)
        hour = 4 * self.students
        at = NOW - timedelta(days=20, hours=hour)
        lesson = self.add(
            s,
            "lessons",
            teacher_id=self.teacher.teacher,
            student_id=s.student,
            scheduled_start=at,
            scheduled_end=at + timedelta(minutes=45),
            status="completed",
            cancellation_reason="",
            recurring_pattern_id=series,
        )
        self.teacher.mine["lessons"].add(lesson)
        band_at = at - timedelta(days=1)
        band_lesson = self.add(
            s,
            "lessons",
            teacher_id=self.teacher.teacher,
            band_id=band,
            scheduled_start=band_at,
            scheduled_end=band_at + timedelta(hours=1),
            status="completed",
        )
        self.teacher.mine["lessons"].add(band_lesson)
        self.add(
            s,
            "lesson_notes",
            lesson_id=lesson,
            teacher_id=self.teacher.teacher,
            summary=f"{first} played well",
            homework="Scales",
            visible_to_student=True,
        )
        self.add(
            None,
            "lesson_notes",
            lesson_id=lesson,
            teacher_id=self.teacher.teacher,
            summary="Teacher only",
            visible_to_student=False,
        )
        self.add(s, "student_goals", student_id=s.student, title=f"{first}'s grade 3")
        cancelled = self.add(
            s,
            "lessons",
            teacher_id=self.teacher.teacher,
            student_id=s.student,
            scheduled_start=at - timedelta(days=7),
            scheduled_end=at - timedelta(days=7) + timedelta(minutes=45),
            status="cancelled",
            cancelled_at=at - timedelta(days=8),
        )
        self.teacher.mine["lessons"].add(cancelled)
        self.add(
            s,
            "makeup_credits",
            student_id=s.student,
            source_lesson_id=cancelled,
            expires_on=(NOW + timedelta(days=30)).date(),
        )
        self.add(
            s,
            "room_reservations",
            room_id=self.room,
            student_id=s.user,
            start_time=at - timedelta(days=2, hours=-hour),
            end_time=at - timedelta(days=2, hours=-hour - 1),
            status="completed",
            notes=f"{first} booked",
        )
        self.add(
            s,
            "checkout_logs",
            item_id=self.item,
            student_id=s.user,
            status="returned",
            notes=f"for {first}",
        )
        self.add(
            s,
            "resources",
            title=f"{first}'s recording",
            resource_type="link",
            uploaded_by_id=s.user,
        )
        self.add(
            s,
            "resource_shares",
            returning="student_id",
            resource_id=self.library,
            student_id=s.student,
        )
        self.add(
            s,
            "resource_checkouts",
            resource_id=self.library,
            student_id=s.student,
            status="returned",
            checked_out_at=NOW - timedelta(days=9),
            returned_at=NOW - timedelta(days=2),
        )
        self._talk(s)
        self._money(s, lesson)
        self._email(s)
        self.add(
            s,
            "privacy_requests",
            kind="export",
            person_id=s.user,
            status="done",
            done_at=NOW,
            asked_by=f"{first} herself",
        )
        self.add(
            s,
            "consents",
            user_id=s.user,
            kind="marketing_email",
            granted=True,
            source="paper form",
            recorded_by_id=self.desk,
        )
        return s

    def _talk(self, s: Someone) -> None:
        thread = self.add(s, "message_threads", subject=f"About {s.name}'s lessons")
        for user in (s.user, self.desk):
            self.add(
                s if user == s.user else None,
                "thread_participants",
                returning="user_id",
                thread_id=thread,
                user_id=user,
            )
        mine = self.add(
            s,
            "messages",
            thread_id=thread,
            sender_id=s.user,
            content=f"Hello, this is {s.name}, call me on {s.phone}",
        )
        reply = self.add(
            s,
            "messages",
            thread_id=thread,
            sender_id=self.desk,
            content=f"Thanks {s.name}, we will write to {s.email}",
        )
        self.add(s, "message_reads", returning="message_id", message_id=reply, user_id=s.user)
        self.add(None, "message_reads", returning="message_id", message_id=mine, user_id=self.desk)
        self.add(
            s,
            "notifications",
            user_id=s.user,
            title="Your lesson",
            message=f"{s.name}, your lesson moved",
        )
        self.add(None, "notifications", user_id=self.desk, title=f"Lesson booked: {s.name}")

    def _money(self, s: Someone, lesson: uuid.UUID) -> None:
        inv = self.add(
            s, "invoices", student_id=s.student, status="draft", notes=f"Billed to {s.name}"
        )
        self.add(
            s,
            "invoice_line_items",
            invoice_id=inv,
            unit_price=80,
            lesson_id=lesson,
            description=f"Lesson: {s.name} with Tomas Teach",
        )
        self.conn.execute(
            "UPDATE invoices SET status = 'sent', issue_date = %s, invoice_number = %s"
            " WHERE id = %s",
            (NOW.date(), f"INV-{NOW.year}-{uuid.uuid4().int % 90000 + 10000}", inv),
        )
        pay = self.add(
            s,
            "payments",
            invoice_id=inv,
            amount=80,
            payment_method="cash",
            processed_by_id=self.desk,
            notes=f"cash from {s.name}",
        )
        self.add(
            s,
            "invoice_events",
            invoice_id=inv,
            kind="sent",
            actor_id=self.desk,
            detail=f"Sent to {s.email}",
        )
        card = self.add(
            s,
            "payment_methods",
            student_id=s.student,
            last_four="4242",
            stripe_payment_method_id=f"pm_{uuid.uuid4().hex[:10]}",
        )
        self.add(
            s,
            "stripe_attempts",
            invoice_id=inv,
            kind="charge",
            amount=80,
            currency="USD",
            payment_method_id=card,
            status="failed",
            settled_at=NOW,
        )
        self.add(
            s,
            "account_credits",
            student_id=s.student,
            amount=15,
            payment_id=pay,
            note=f"kept for {s.name}",
        )
        self.add(
            s, "account_credits", student_id=s.student, amount=-15, invoice_id=inv, note="applied"
        )

    def _email(self, s: Someone) -> None:
        mail = self.add(
            s,
            "email_outbox",
            kind="invoice",
            dedupe_key=f"invoice:{uuid.uuid4()}",
            person_id=s.user,
            recipient=s.email,
            subject=f"Invoice for {s.name}",
            text_body=f"Dear {s.name}",
            composed=True,
            status="sent",
        )
        self.add(s, "email_attachments", message_id=mail, filename="INV.pdf", content=b"%PDF-1")
        self.add(
            s,
            "email_preferences",
            returning="user_id",
            user_id=s.user,
            opted_out=["lesson_reminder"],
        )

    def parent_of(self, child: Someone, first: str, phone: str) -> Someone:
        p = self.person(first, "Parent", "parent", phone)
        family = self.add(
            p,
            "families",
            name=f"{first}'s family",
            primary_contact_id=p.user,
            billing_email=p.email,
            phone_number=phone,
        )
        self.conn.execute(
            "UPDATE students SET family_id = %s WHERE id = %s", (family, child.student)
        )
        inv = self.add(p, "invoices", family_id=family, status="draft")
        self.add(p, "invoice_line_items", invoice_id=inv, unit_price=10, description="Book")
        self.add(
            p,
            "payment_methods",
            family_id=family,
            last_four="1111",
            stripe_payment_method_id=f"pm_{uuid.uuid4().hex[:10]}",
        )
        self.add(p, "consents", user_id=p.user, kind="terms", granted=True)
        return p

    def plans(self) -> None:
        self.add(self.teacher, "lesson_plans", teacher_id=self.teacher.teacher, title="Jazz")
        self.teacher_life()

    def teacher_life(self) -> None:
        """The teacher's working hours, time off, outside calendar and pay."""
        t = self.teacher
        self.add(t, "teacher_hours", teacher_id=t.teacher, weekday=1,
                 start_time=time(9), end_time=time(17))  # fmt: skip
        today = NOW.date()
        self.add(t, "availability_exceptions", teacher_id=t.teacher, first_day=today,
                 last_day=today, hours=[], reason="Dentist")  # fmt: skip
        feed = self.add(t, "calendar_feeds", teacher_id=t.teacher, name="Gigs",
                        url="https://calendar.example/gigs.ics")  # fmt: skip
        self.add(t, "calendar_feed_events", feed_id=feed, teacher_id=t.teacher, starts=NOW,
                 ends=NOW + timedelta(hours=2), title="Gig")  # fmt: skip
        lesson = min(t.mine["lessons"])
        self.add(t, "booking_overrides", returning="lesson_id", lesson_id=lesson,
                 reasons=["outside hours"], confirmed_by_id=self.desk)  # fmt: skip
        for other in self.people:  # the lesson is also a student's (or a band's) lesson
            if other is not t and lesson in other.mine["lessons"]:
                other.mine["booking_overrides"].add(lesson)
        self.add(t, "pay_rules", teacher_id=t.teacher, basis="flat", amount=30)
        run = self.add(None, "pay_runs", period_start=today - timedelta(days=30),
                       period_end=today - timedelta(days=1))  # fmt: skip
        self.add(t, "pay_lines", pay_run_id=run, teacher_id=t.teacher, kind="extra",
                 description="Recital", amount=50, reason="Played at the recital")  # fmt: skip
