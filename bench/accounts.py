"""Logins, row-level security and the audit trail on the large studio.

- `accounts_login_desk`: the login dialog's work (connect as the person's own role, who am I,
  stamp the login, must they change their password), cold: a new connection pool each time.
- `accounts_rls_*`: a tab's first load as the desk and as a teacher (their own login roles, with
  row-level security), next to the same call on the owner's connection: the cost of RLS.
- `accounts_audit_*`: a set-based update of 1,000 lessons by the desk (statement-level audit
  triggers), the audit view's first page, and one lesson's history.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url

from bench.core import Context, figure, service_time
from studiosync_desktop import login
from studiosync_desktop.db import Database
from studiosync_desktop.schemas.accounts import AuditFilters
from studiosync_desktop.services.accounts import AccountService
from studiosync_desktop.services.roster import RosterService
from studiosync_desktop.services.scheduling import SchedulingService
from studiosync_desktop.services.studio import StudioService

DESK = "desk@demo.studiosync.example"
TEACHER = "teacher1@demo.studiosync.example"
PASSWORD = {DESK: "demo-desk-2026", TEACHER: "demo-teacher-2026"}

_logins: dict[tuple[str, str], login.LoggedIn] = {}
_analyzed: set[str] = set()


def _large(ctx: Context) -> Database:
    """The large demo, with planner statistics (autovacuum's job on a real server).

    Without them the row-level security filters look like 2 rows to the planner, which then
    picks nested loops: the desk's week took 230 ms instead of 40 ms right after the build.
    """
    db, _ = ctx.demo("large")
    if db.url not in _analyzed:
        with db.engine.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.commit()
        _analyzed.add(db.url)
    return db


def _url(db: Database) -> str:
    return make_url(db.url).set(password=None).render_as_string(hide_password=False)


def _as(ctx: Context, email: str) -> login.LoggedIn:
    db = _large(ctx)
    key = (db.url, email)
    if key not in _logins:
        _logins[key] = login.log_in(_url(db), email, PASSWORD[email])
    return _logins[key]


def _monday(ctx: Context) -> Any:
    return ctx.today - timedelta(days=ctx.today.weekday())


@figure("accounts_login_desk", "ms", 300.0)
def login_desk(ctx: Context) -> float:
    db = _large(ctx)
    samples = []
    for _ in range(5):
        started = time.perf_counter()
        person = login.log_in(_url(db), DESK, PASSWORD[DESK])
        samples.append(time.perf_counter() - started)
        person.db.dispose()
    return sorted(samples)[len(samples) // 2] * 1000


@figure("accounts_rls_calendar_week_owner", "ms", 150.0)
def calendar_owner(ctx: Context) -> float:
    db = _large(ctx)
    actor = StudioService(db).default_actor()
    return service_time(lambda: SchedulingService(db).week(actor, _monday(ctx)))


@figure("accounts_rls_calendar_week_desk", "ms", 150.0)
def calendar_desk(ctx: Context) -> float:
    person = _as(ctx, DESK)
    service = SchedulingService(person.db)
    return service_time(lambda: service.week(person.actor, _monday(ctx)))


@figure("accounts_rls_calendar_week_teacher", "ms", 150.0)
def calendar_teacher(ctx: Context) -> float:
    person = _as(ctx, TEACHER)
    service = SchedulingService(person.db)
    return service_time(lambda: service.week(person.actor, _monday(ctx)))


@figure("accounts_rls_roster_owner", "ms", 150.0)
def roster_owner(ctx: Context) -> float:
    db = _large(ctx)
    actor = StudioService(db).default_actor()
    return service_time(lambda: RosterService(db).students(actor))


@figure("accounts_rls_roster_desk", "ms", 150.0)
def roster_desk(ctx: Context) -> float:
    person = _as(ctx, DESK)
    return service_time(lambda: RosterService(person.db).students(person.actor))


@figure("accounts_rls_roster_teacher", "ms", 150.0)
def roster_teacher(ctx: Context) -> float:
    person = _as(ctx, TEACHER)
    return service_time(lambda: RosterService(person.db).students(person.actor))


def _touch_lessons(person: login.LoggedIn, note: str) -> None:
    with person.db.session() as s:
        s.execute(
            text(
                "UPDATE lessons SET location = :n WHERE id IN"
                " (SELECT id FROM lessons ORDER BY scheduled_start DESC LIMIT 1000)"
            ),
            {"n": note},
        )


@figure("accounts_audit_update_1000_lessons_desk", "ms", 500.0)
def audit_bulk(ctx: Context) -> float:
    person = _as(ctx, DESK)
    counter = iter(range(1_000_000))
    return service_time(lambda: _touch_lessons(person, f"Hall {next(counter)}"), runs=5)


@figure("accounts_audit_first_page_admin", "ms", 150.0)
def audit_page(ctx: Context) -> float:
    db = _large(ctx)
    if not _logins:
        _touch_lessons(_as(ctx, DESK), "Hall")
    actor = StudioService(db).default_actor()
    accounts = AccountService(db)
    return service_time(lambda: accounts.audit(actor, AuditFilters()))


@figure("accounts_audit_history_of_a_lesson", "ms", 50.0)
def lesson_history(ctx: Context) -> float:
    db = _large(ctx)
    _touch_lessons(_as(ctx, DESK), "Studio 2")
    actor = StudioService(db).default_actor()
    accounts = AccountService(db)
    with db.session() as s:
        lesson = s.execute(text("SELECT row_id FROM audit_log ORDER BY id DESC LIMIT 1")).scalar()
    return service_time(lambda: accounts.history(actor, "lessons", lesson))
