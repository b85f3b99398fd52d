"""Measuring what a person waits for: the desk's (or a teacher's) own login, row security on.

Each screen figure made with `desk_figure` is measured three ways in one run:
- `value`: the service call the screen makes, as the person's own login role, on a warm pool;
- `floor`: one hand-written query returning the same rows, on a warm owner connection (no row
  security, no Python objects): what the database itself needs; `ratio` = value / floor;
- `statements`: the round trips the call makes, counted on the wire by `bench.relay`.
A twin figure `<name>_10ms_rtt` times the same call through a relay adding 10 ms each way, as
on a server across the building or hosted elsewhere.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url

from bench.core import Context, Result, figure, service_time
from bench.relay import Relay
from studiosync_desktop import login
from studiosync_desktop.db import Database
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services.container import Services
from studiosync_desktop.services.studio import StudioService

DESK = "desk@demo.studiosync.example"
TEACHER = "teacher1@demo.studiosync.example"
ADMIN = "admin@demo.studiosync.example"
PASSWORD = {DESK: "demo-desk-2026", TEACHER: "demo-teacher-2026", ADMIN: "demo-admin-2026"}
ROLE = {DESK: "desk", TEACHER: "teacher", ADMIN: "admin"}
LATENCY_MS = 10.0

# A screen call: the services of the person's connection, who they are, the run's context.
Call = Callable[[Services, Actor, Context], Any]
Params = Callable[[Context, Database], Mapping[str, Any]]

_analyzed: set[str] = set()
_logins: dict[tuple[str, str, float | None], login.LoggedIn] = {}
_relays: dict[tuple[str, float], Relay] = {}


def large(ctx: Context) -> Database:
    """The large demo, with planner statistics (autovacuum's job on a real server).

    Without them the row-level security filters look like 2 rows to the planner, which then
    picks nested loops: the desk's week took 230 ms instead of 40 ms right after the build.
    """
    db, _ = ctx.demo("large")
    if db.url not in _analyzed:
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
        _analyzed.add(db.url)
    return db


def bare_url(db: Database) -> str:
    """The database's address without a user or password: what a desk PC knows."""
    url = make_url(db.url).set(username=None)._replace(password=None)
    return url.render_as_string(hide_password=False)


def relay(ctx: Context, db: Database, delay_ms: float) -> Relay:
    key = (db.url, delay_ms)
    if key not in _relays:
        made = _relays[key] = Relay.to(db.url, delay_ms)
        ctx.on_close.append(made.stop)
    return _relays[key]


def person(ctx: Context, email: str = DESK, delay_ms: float | None = None) -> login.LoggedIn:
    """The person logged in on the large demo; through a relay of `delay_ms` when given."""
    db = large(ctx)
    key = (db.url, email, delay_ms)
    if key not in _logins:
        url = bare_url(db) if delay_ms is None else relay(ctx, db, delay_ms).url_for(bare_url(db))
        made = _logins[key] = login.log_in(url, email, PASSWORD[email])
        ctx.on_close.append(made.db.dispose)
    return _logins[key]


def owner_actor(ctx: Context) -> Actor:
    return StudioService(large(ctx)).default_actor()


def floor_time(ctx: Context, sql: str, params: Mapping[str, Any], runs: int = 7) -> float:
    """Median ms of one hand-written statement on a warm owner connection (autocommit)."""
    db = large(ctx)
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        statement = text(sql)
        conn.execute(statement, params).all()
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            conn.execute(statement, params).all()
            samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


def replayed_floor(ctx: Context, email: str, call: Call, runs: int = 7) -> float:
    """Median ms of the statements one call sends, replayed on a warm owner connection: the
    database's own cost of the same rows, without row security or Python objects. For calls
    whose SQL is not one hand-written query (a day of rooms: three statements)."""
    who = person(ctx, email)
    services = Services.build(who.db)
    sent: list[tuple[str, Any]] = []

    def capture(_c: Any, _cur: Any, statement: str, params: Any, _ctx: Any, _many: bool) -> None:
        sent.append((statement, params))

    event.listen(who.db.engine, "before_cursor_execute", capture)
    try:
        call(services, who.actor, ctx)
    finally:
        event.remove(who.db.engine, "before_cursor_execute", capture)
    db = large(ctx)
    raw = db.engine.raw_connection()
    try:
        raw.autocommit = True  # type: ignore[attr-defined]
        cursor = raw.cursor()

        def replay() -> None:
            for statement, params in sent:
                cursor.execute(statement, params)
                if cursor.description is not None:
                    cursor.fetchall()

        return service_time(replay, runs=runs)
    finally:
        raw.autocommit = False  # type: ignore[attr-defined]
        raw.close()


def round_trips(ctx: Context, email: str, call: Call) -> int:
    """Round trips of one warm call, counted on the wire (BEGIN and COMMIT included)."""
    db = large(ctx)
    counter = relay(ctx, db, 0.0)
    who = person(ctx, email, 0.0)
    services = Services.build(who.db)
    call(services, who.actor, ctx)  # warm: the pool's connection exists, plans are cached
    before = counter.count()
    call(services, who.actor, ctx)
    return counter.count() - before


def timed_as(ctx: Context, email: str, call: Call, delay_ms: float | None = None) -> float:
    who = person(ctx, email, delay_ms)
    services = Services.build(who.db)
    return service_time(lambda: call(services, who.actor, ctx))


def desk_figure(
    name: str,
    target: float | None,
    call: Call,
    floor_sql: str | None,
    floor_params: Params | None = None,
    *,
    email: str = DESK,
    latency_target: float | None = 150.0,
    replay: bool = True,
) -> None:
    """Registers `name` (as `email`'s login, with floor and round trips) and `name_10ms_rtt`.

    Without `floor_sql` the floor is the call's own statements replayed on the owner's
    connection (`replayed_floor`), unless `replay` is False (a write: no floor)."""

    def local(ctx: Context) -> Result:
        value = timed_as(ctx, email, call)
        floor = None
        if floor_sql is not None:
            params = floor_params(ctx, large(ctx)) if floor_params else {}
            floor = floor_time(ctx, floor_sql, params)
        elif replay:
            floor = replayed_floor(ctx, email, call)
        return Result(value, ROLE[email], floor, round_trips(ctx, email, call))

    def far(ctx: Context) -> Result:
        value = timed_as(ctx, email, call, LATENCY_MS)
        return Result(value, ROLE[email], None, round_trips(ctx, email, call))

    figure(name, "ms", target)(local)
    figure(f"{name}_10ms_rtt", "ms", latency_target)(far)
