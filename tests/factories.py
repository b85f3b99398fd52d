"""Rows for tests and screenshots, inserted through the ORM: one small helper per table."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal

import keyring.backend
from sqlalchemy.orm import Session

from studiosync_desktop.db import Database
from studiosync_desktop.models import (
    Band,
    Family,
    InventoryItem,
    Invoice,
    InvoiceLineItem,
    Lesson,
    Payment,
    PracticeRoom,
    RoomReservation,
    Student,
    Studio,
    Teacher,
    User,
)


class Maker:
    """Inserts rows of one studio; every method returns the new row's id."""

    def __init__(self, db: Database, studio_id: uuid.UUID) -> None:
        self.db = db
        self.studio_id = studio_id

    @classmethod
    def new_studio(cls, db: Database, name: str = "Other Studio", tz: str = "UTC") -> Maker:
        with db.session() as s:
            # An extra studio: a database holds one (0013) unless one is deliberately extra.
            studio = Studio(
                name=name, slug=f"s-{uuid.uuid4().hex[:10]}", timezone=tz, one_per_database=False
            )
            s.add(studio)
            s.flush()
            return cls(db, studio.id)

    def _user(self, s: Session, first: str, last: str, role: str, email: str | None = None) -> User:
        user = User(
            studio_id=self.studio_id,
            email=email or f"{first.lower()}.{uuid.uuid4().hex[:8]}@example.org",
            first_name=first,
            last_name=last,
            role=role,
            phone_number="555-0100",
        )
        s.add(user)
        s.flush()
        return user

    def staff(self, first: str, last: str, role: str = "desk") -> uuid.UUID:
        """A member of staff (no login role): who acts, for services and history."""
        with self.db.session() as s:
            return self._user(s, first, last, role).id

    def teacher(self, first: str = "Tess", last: str = "Teacher") -> uuid.UUID:
        with self.db.session() as s:
            user = self._user(s, first, last, "teacher")
            t = Teacher(studio_id=self.studio_id, user_id=user.id, hourly_rate=Decimal("60"))
            s.add(t)
            s.flush()
            return t.id

    def family(self, name: str) -> uuid.UUID:
        with self.db.session() as s:
            f = Family(studio_id=self.studio_id, name=name)
            s.add(f)
            s.flush()
            return f.id

    def band(self, name: str) -> uuid.UUID:
        with self.db.session() as s:
            b = Band(studio_id=self.studio_id, name=name)
            s.add(b)
            s.flush()
            return b.id

    def student(
        self,
        first: str,
        last: str,
        *,
        instrument: str = "Piano",
        family_id: uuid.UUID | None = None,
        teacher_id: uuid.UUID | None = None,
        email: str | None = None,
        is_active: bool = True,
    ) -> uuid.UUID:
        with self.db.session() as s:
            user = self._user(s, first, last, "student", email)
            st = Student(
                studio_id=self.studio_id,
                user_id=user.id,
                instrument=instrument,
                family_id=family_id,
                primary_teacher_id=teacher_id,
                is_active=is_active,
            )
            s.add(st)
            s.flush()
            return st.id

    def person(self, first: str, last: str) -> uuid.UUID:
        """A user (student role) without a student record: who books a practice room."""
        with self.db.session() as s:
            return self._user(s, first, last, "student").id

    def room(self, name: str, rate: str = "15.00", capacity: int = 2) -> uuid.UUID:
        with self.db.session() as s:
            r = PracticeRoom(
                studio_id=self.studio_id, name=name, hourly_rate=Decimal(rate), capacity=capacity
            )
            s.add(r)
            s.flush()
            return r.id

    def lesson(
        self,
        teacher_id: uuid.UUID,
        start: datetime,
        *,
        minutes: int = 30,
        student_id: uuid.UUID | None = None,
        band_id: uuid.UUID | None = None,
        room_id: uuid.UUID | None = None,
        status: str = "scheduled",
        rate: str = "45.00",
    ) -> uuid.UUID:
        with self.db.session() as s:
            lesson = Lesson(
                studio_id=self.studio_id,
                teacher_id=teacher_id,
                student_id=student_id,
                band_id=band_id,
                room_id=room_id,
                scheduled_start=start,
                scheduled_end=start + timedelta(minutes=minutes),
                status=status,
                rate=Decimal(rate),
            )
            s.add(lesson)
            s.flush()
            return lesson.id

    def invoice(
        self,
        *,
        family_id: uuid.UUID | None = None,
        band_id: uuid.UUID | None = None,
        student_id: uuid.UUID | None = None,
        status: str = "sent",
        number: str | None = None,
        issue: date | None = None,
        due: date | None = None,
        total: str = "100.00",
        paid: str = "0.00",
    ) -> uuid.UUID:
        if number is None and status != "draft":
            number = f"INV-{uuid.uuid4().hex[:8].upper()}"
        with self.db.session() as s:
            # Written as a draft with its line and payment, then issued: a line goes on a
            # draft only (0015), as the app's issuing does.
            inv = Invoice(
                studio_id=self.studio_id,
                family_id=family_id,
                band_id=band_id,
                student_id=student_id,
                status="draft",
                issue_date=issue,
                due_date=due,
                subtotal=Decimal(total),
                total=Decimal(total),
                amount_paid=Decimal(paid),
            )
            s.add(inv)
            s.flush()
            # The database keeps the totals from the lines and payments: give it both.
            if Decimal(total):
                s.add(
                    InvoiceLineItem(
                        studio_id=self.studio_id,
                        invoice_id=inv.id,
                        position=1,
                        description="Lessons",
                        unit_price=Decimal(total),
                    )
                )
            if Decimal(paid):
                s.add(
                    Payment(
                        studio_id=self.studio_id,
                        invoice_id=inv.id,
                        amount=Decimal(paid),
                        payment_method="cash",
                    )
                )
            s.flush()
            if status != "draft":
                inv.status, inv.invoice_number = status, number
                s.flush()
            return inv.id

    def item(
        self,
        name: str,
        *,
        quantity: int = 5,
        available: int = 5,
        threshold: int = 2,
        location: str = "Cupboard A",
        serial: str = "",
        value: str = "250.00",
        category: str = "instrument",
    ) -> uuid.UUID:
        with self.db.session() as s:
            it = InventoryItem(
                studio_id=self.studio_id,
                name=name,
                quantity=quantity,
                available_quantity=available,
                low_stock_threshold=threshold,
                location=location,
                serial_number=serial,
                value=Decimal(value),
                category=category,
            )
            s.add(it)
            s.flush()
            return it.id

    def reservation(
        self,
        room_id: uuid.UUID,
        person_id: uuid.UUID,
        start: datetime,
        *,
        minutes: int = 60,
        status: str = "confirmed",
        cost: str = "15.00",
        paid: bool = False,
    ) -> uuid.UUID:
        with self.db.session() as s:
            r = RoomReservation(
                studio_id=self.studio_id,
                room_id=room_id,
                student_id=person_id,
                start_time=start,
                end_time=start + timedelta(minutes=minutes),
                status=status,
                total_cost=Decimal(cost),
                is_paid=paid,
            )
            s.add(r)
            s.flush()
            return r.id


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A keyring that keeps secrets in memory, for one test."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.secrets.pop((service, username), None)
