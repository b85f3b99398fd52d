"""Roster search per keystroke on the large studio, and the delay of a change between desks."""

from __future__ import annotations

import queue
import statistics
import time

from bench.core import Context, figure, service_time
from studiosync_desktop.services.live import LiveListener
from studiosync_desktop.services.roster import RosterService
from studiosync_desktop.services.studio import StudioService

SEARCH_TARGET_MS = 30.0
LIVE_TARGET_MS = 1000.0

# What a receptionist types, one keystroke at a time (with typos and without accents).
TYPED = ("sofia martines", "ramirez", "555 20", "vilon", "jakson")


def _keystrokes(ctx: Context, view: str) -> float:
    db, _ = ctx.demo("large")
    actor = StudioService(db).default_actor()
    method = getattr(RosterService(db), view)
    samples = []
    for word in TYPED:
        for n in range(1, len(word) + 1):
            samples.append(service_time(lambda q=word[:n], m=method: m(actor, search=q), runs=3))
    return statistics.median(samples)


@figure("roster_search_keystroke_students", "ms", SEARCH_TARGET_MS)
def search_students(ctx: Context) -> float:
    """Median service time of one keystroke's search, 2,000 students."""
    return _keystrokes(ctx, "students")


@figure("roster_search_keystroke_families", "ms", SEARCH_TARGET_MS)
def search_families(ctx: Context) -> float:
    """Median service time of one keystroke's search, 1,200 families."""
    return _keystrokes(ctx, "families")


@figure("roster_search_keystroke_worst", "ms", SEARCH_TARGET_MS)
def search_worst(ctx: Context) -> float:
    """The slowest keystroke (students and families), median of 3 runs each."""
    db, _ = ctx.demo("large")
    actor = StudioService(db).default_actor()
    roster = RosterService(db)
    worst = 0.0
    for method in (roster.students, roster.families):
        for word in TYPED:
            for n in range(1, len(word) + 1):
                worst = max(
                    worst, service_time(lambda q=word[:n], m=method: m(actor, search=q), runs=3)
                )
    return worst


@figure("live_change_seen_on_other_desk", "ms", LIVE_TARGET_MS)
def live_delay(ctx: Context) -> float:
    """Commit on one connection -> the listener of another desk hears it (median of 20)."""
    db, _ = ctx.demo("large")
    actor = StudioService(db).default_actor()
    roster = RosterService(db)
    heard: queue.Queue[float] = queue.Queue()
    listener = LiveListener(
        db.url, lambda c: heard.put(time.perf_counter()) if c and c.table == "families" else None
    )
    listener.start()
    try:
        if not listener.connected.wait(10):
            raise RuntimeError("the listener did not connect")
        family = roster.families(actor, limit=1).rows[0]
        form = roster.family_form(actor, family.id)
        samples = []
        for i in range(20):
            started = time.perf_counter()
            roster.save_family(
                actor, form.model_copy(update={"address": f"{i} Main St"}), family.id
            )
            samples.append((heard.get(timeout=5) - started) * 1000)
        return statistics.median(samples)
    finally:
        listener.stop()
