"""The figure registry, the shared context (scratch databases, the large demo) and timing."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import text

from studiosync_desktop import migrate
from studiosync_desktop.db import Database
from studiosync_desktop.schemas.demo import DemoSummary
from studiosync_desktop.services.demo import DemoService
from studiosync_desktop.testing import create_scratch_database, drop_database


class Skip(Exception):
    """A figure that cannot be measured yet (its service does not exist); the runner notes it."""


@dataclass(frozen=True)
class Result:
    """A figure with what explains it: whose login measured it, its floor and its round trips.

    `floor` is the one hand-written query that returns the same rows (or does the same write),
    timed on a warm owner connection in the same run: what the database itself needs.
    `statements` is the number of round trips the call makes (counted on the wire by
    `bench.relay`), BEGIN and COMMIT included.
    """

    value: float
    role: str = "owner"
    floor: float | None = None
    statements: int | None = None
    # Which studio was measured, when the figure says so (e.g. "small demo, embedded").
    studio: str | None = None

    def line(self, name: str, unit: str, target: float | None) -> dict[str, Any]:
        ratio = round(self.value / self.floor, 2) if self.floor else None
        said = {} if self.studio is None else {"studio": self.studio}
        return {
            "name": name,
            "value": round(self.value, 3),
            "unit": unit,
            "target": target,
            "role": self.role,
            "floor": None if self.floor is None else round(self.floor, 3),
            "ratio": ratio,
            "statements": self.statements,
            **said,
        }


@dataclass(frozen=True)
class Measure:
    name: str
    unit: str
    target: float | None
    run: Callable[[Context], float | Result]


# Filled by the `@figure` decorators of the modules under bench/, which the runner imports.
REGISTRY: list[Measure] = []


Run = Callable[["Context"], "float | Result"]


def figure(name: str, unit: str, target: float | None) -> Callable[[Run], Run]:
    """Registers a measurement: a function of the context that returns the figure's value
    (a plain number is an owner figure without a floor)."""

    def register(fn: Run) -> Run:
        REGISTRY.append(Measure(name, unit, target, fn))
        return fn

    return register


def service_time(call: Callable[[], Any], runs: int = 7, warmups: int = 1) -> float:
    """Median wall time of `call` in milliseconds, after warm-up runs (caches, plans, pool)."""
    for _ in range(warmups):
        call()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


@dataclass
class Context:
    """Scratch databases on one server, created on first use and dropped by `close()`."""

    server_url: str
    keep: bool = False
    # A large demo kept by an earlier `--keep` run, used instead of building one (development:
    # saves the build; figures that write to the studio then start from that run's writes).
    reuse_large: str | None = None
    today: date = field(default_factory=date.today)
    urls: list[str] = field(default_factory=list)
    _dbs: dict[str, Database] = field(default_factory=dict)
    _summaries: dict[str, DemoSummary] = field(default_factory=dict)
    # Logins, relays and the like that figures open once per run; closed by `close()`.
    on_close: list[Callable[[], None]] = field(default_factory=list)

    def empty_database(self) -> Database:
        url = create_scratch_database(self.server_url, prefix="ss_bench")
        self.urls.append(url)
        migrate.upgrade(url)
        db = Database(url, application_name="studiosync-bench")
        self._dbs[url] = db
        return db

    def demo(self, size: str = "large") -> tuple[Database, DemoSummary]:
        """A database holding the demo studio of `size`, built once per run."""
        if size not in self._summaries and size == "large" and self.reuse_large:
            db = Database(self.reuse_large, application_name="studiosync-bench")
            self._dbs[size] = db
            # Not built here: the build figures skip themselves (see `built_large`).
            return db, DemoSummary.model_construct(size=size, counts={}, seconds=float("nan"))
        if size not in self._summaries:
            db = self.empty_database()
            self._summaries[size] = DemoService(db).build(size, today=self.today)
            self._dbs[size] = db
            # A studio's database in use is vacuumed and analysed; without this, autovacuum
            # works through the fresh bulk load while the next figures are being measured.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.execute(text("VACUUM (ANALYZE)"))
        return self._dbs[size], self._summaries[size]

    def built_large(self) -> tuple[Database, DemoSummary]:
        """The large demo, built by this run (for the figures of the build itself)."""
        if self.reuse_large:
            raise Skip("the large demo is reused, not built, in this run")
        return self.demo("large")

    def close(self) -> list[str]:
        """Drops the scratch databases (unless kept); returns the URLs kept."""
        for closing in reversed(self.on_close):
            closing()
        for db in {id(d): d for d in self._dbs.values()}.values():
            db.dispose()
        if self.keep:
            return list(self.urls)
        for url in self.urls:
            drop_database(self.server_url, url)
        return []
