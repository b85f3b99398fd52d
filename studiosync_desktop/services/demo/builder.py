"""Builds the demo studio in one transaction, step by step in dependency order."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from studiosync_desktop.db import Database
from studiosync_desktop.errors import Conflict, ValidationFailed
from studiosync_desktop.models import Base, Studio
from studiosync_desktop.schemas.common import parse_value
from studiosync_desktop.schemas.demo import DemoSummary
from studiosync_desktop.scram import scram_verifier
from studiosync_desktop.services.demo import lending, lessons, messages, money, pay, people
from studiosync_desktop.services.demo.facts import (
    BAND_NAMES,
    CANCEL_REASONS,
    CITIES,
    DEMO_LOCK_KEY,
    DEMO_LOGINS,
    FIRST_NAMES,
    INSTRUMENTS,
    LAST_NAMES,
    SIZES,
    STREETS,
    STUDIO_NAME,
    STUDIO_TZ,
    ZIPS,
    DemoSize,
)
from studiosync_desktop.services.who_acts import login_role_name

log = logging.getLogger(__name__)

Step = Callable[[Session, dict[str, Any], DemoSize], None]

# The steps, in dependency order (later ones read the temporary tables of earlier ones).
STEPS: tuple[Step, ...] = (
    people.studio_and_staff,
    people.teachers_and_rooms,
    people.families,
    people.students,
    people.bands,
    lessons.patterns_and_lessons,
    money.invoices,
    money.payments,
    lending.lending_plan,
    lending.inventory_items,
    lending.checkout_logs,
    lessons.reservations,
    lending.resources,
    lending.resource_loans,
    messages.messages,
    lessons.teaching_notes,
    pay.pay,
)


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


class DemoService:
    """Fills an empty database with the demo studio ("Riverside Music School")."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def is_empty(self) -> bool:
        with self._db.read_session() as s:
            return s.scalar(select(func.count()).select_from(Studio)) == 0

    def build(self, size: str = "small", *, today: date | None = None) -> DemoSummary:
        """Builds the demo studio in one transaction: all of it, or nothing."""
        size = parse_value("size", str, size)
        if size not in SIZES:
            raise ValidationFailed({"size": f"Choose one of: {', '.join(SIZES)}."})
        started = time.perf_counter()
        day = today or date.today()
        with self._db.session() as s:
            s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": DEMO_LOCK_KEY})
            existing = s.scalars(select(Studio.name).order_by(Studio.created_at)).all()
            if existing:
                raise Conflict(
                    f"This database already holds a studio ({', '.join(existing)}); "
                    "the demo studio goes into an empty database only."
                )
            s.execute(text("SET LOCAL synchronous_commit = off"))
            s.execute(text("SET LOCAL work_mem = '64MB'"))
            # Compiling the big statements costs more than it saves here.
            s.execute(text("SET LOCAL jit = off"))
            # A bulk load is not a change anyone made: the owner may skip the audit trail.
            s.execute(text("SET LOCAL studiosync.audit = 'off'"))
            params = _params(SIZES[size], day)
            for step in STEPS:
                step_started = time.perf_counter()
                step(s, params, SIZES[size])
                log.debug(
                    "demo %s: %s took %.2f s",
                    size,
                    step.__name__,
                    time.perf_counter() - step_started,
                )
            counts = {
                table.name: int(s.scalar(select(func.count()).select_from(table)) or 0)
                for table in Base.metadata.sorted_tables
            }
            studio_id = params["studio"]
            logins = self._logins(s)
        return DemoSummary(
            size=size,
            studio_id=studio_id,
            studio_name=STUDIO_NAME,
            counts=counts,
            seconds=round(time.perf_counter() - started, 3),
            logins=logins,
        )

    @staticmethod
    def _logins(s: Session) -> tuple[tuple[str, str, str], ...]:
        """Login roles for the demo staff, when this connection may create roles (the owner).

        Fixed passwords, listed in the README, and no forced change: it is a demo.
        """
        may_create = s.scalar(
            text(
                "SELECT app_is_owner() AND (rolsuper OR rolcreaterole)"
                " FROM pg_roles WHERE rolname = current_user"
            )
        )
        if not may_create:
            return ()
        database = str(s.scalar(select(func.current_database())))
        for email, role, password in DEMO_LOGINS:
            s.execute(
                text(
                    "SELECT studiosync_create_login(u.id, :login, :verifier, :role)"
                    " FROM users u WHERE lower(u.email) = :email"
                ),
                {
                    "login": login_role_name(email, database),
                    "verifier": scram_verifier(password),
                    "role": role,
                    "email": email,
                },
            )
        s.execute(
            text("UPDATE users SET must_change_password = false WHERE email = ANY(:emails)"),
            {"emails": [email for email, _, _ in DEMO_LOGINS]},
        )
        return DEMO_LOGINS


def _params(size: DemoSize, today: date) -> dict[str, Any]:
    week0 = monday_of(today) - timedelta(weeks=size.weeks_past)
    return {
        "studio": uuid.uuid4(),
        "admin": uuid.uuid4(),
        "desk": uuid.uuid4(),
        "tz": STUDIO_TZ,
        "today": today,
        "month0": today.replace(day=1),
        "week0": week0,
        "fn": FIRST_NAMES,
        "ln": LAST_NAMES,
        "instr": INSTRUMENTS,
        "streets": STREETS,
        "cities": CITIES,
        "zips": ZIPS,
        "bandnames": BAND_NAMES,
        "reasons": CANCEL_REASONS,
    }
