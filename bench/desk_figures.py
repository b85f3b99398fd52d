"""The rest of what the desk waits for, as its own login on the large studio: the invoices'
pages, the roster's search per keystroke, a day of all rooms, a conflict check, booking one
lesson. See `bench.desk_path` for how each is measured (value, floor, ratio, round trips, and
the `_10ms_rtt` twin).
"""

from __future__ import annotations

import itertools
import statistics
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import text

from bench.core import Context, Result, figure, service_time
from bench.desk_path import (
    DESK,
    LATENCY_MS,
    ROLE,
    TEACHER,
    desk_figure,
    large,
    person,
    replayed_floor,
    round_trips,
)
from studiosync_desktop.db import Database
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services.container import Services

# -- invoices ----------------------------------------------------------------------------

# The first page of the Invoices tab: payer names, newest first, one more row than shown.
INVOICES_FLOOR = """
SELECT i.id, i.invoice_number, coalesce(f.name, b.name, concat_ws(' ', u.first_name, u.last_name)),
       i.status, i.issue_date, i.due_date, i.total, i.amount_paid,
       coalesce(i.issue_date, (i.created_at AT TIME ZONE 'UTC')::date) AS day
  FROM invoices i
  LEFT JOIN families f ON f.id = i.family_id
  LEFT JOIN bands b ON b.id = i.band_id
  LEFT JOIN students s ON s.id = i.student_id
  LEFT JOIN users u ON u.id = s.user_id
 WHERE i.studio_id = :studio {after}
 ORDER BY day DESC, i.id DESC
 LIMIT 201
"""
AFTER = "AND (coalesce(i.issue_date, (i.created_at AT TIME ZONE 'UTC')::date), i.id) < (:day, :id)"

_cursors: dict[str, Any] = {}


def _second_page_cursor(services: Services, actor: Actor) -> str:
    """The cursor of the first page's "Show more" (the same for every run)."""
    if "invoices" not in _cursors:
        _cursors["invoices"] = services.billing.invoices(actor).next_cursor
    return str(_cursors["invoices"])


def _studio(_ctx: Context, db: Database) -> dict[str, Any]:
    with db.engine.connect() as conn:
        return {"studio": conn.scalar(text("SELECT id FROM studios"))}


def _page_two(ctx: Context, db: Database) -> dict[str, Any]:
    """Where "Show more" starts: after the 200th invoice of the first page."""
    studio = _studio(ctx, db)
    with db.engine.connect() as conn:
        last = conn.execute(text(INVOICES_FLOOR.format(after="")), studio).all()[199]
    return {**studio, "day": last.day, "id": last.id}


desk_figure(
    "desk_invoices_first_page",
    20.0,
    lambda services, actor, _ctx: services.billing.invoices(actor),
    INVOICES_FLOOR.format(after=""),
    _studio,
)
desk_figure(
    "desk_invoices_show_more",
    20.0,
    lambda services, actor, _ctx: services.billing.invoices(
        actor, cursor=_second_page_cursor(services, actor)
    ),
    INVOICES_FLOOR.format(after=AFTER),
    _page_two,
)

# -- Today, the first tab after login ---------------------------------------------------------

desk_figure(
    "desk_today_board",
    None,  # part of login to the first tab's data (150 ms); its twin: a screen's first load
    lambda services, actor, _ctx: services.today.board(actor),
    None,
)
desk_figure(
    "teacher_today_board",
    None,
    lambda services, actor, _ctx: services.today.board(actor),
    None,
    email=TEACHER,
)

# -- the booking dialog's lists (its first load) -------------------------------------------

desk_figure(
    "desk_booking_choices",
    None,  # a screen's first load: its twin's 150 ms with 10 ms each way
    lambda services, actor, _ctx: services.scheduling.choices(actor),
    None,
)

# -- a day of all rooms --------------------------------------------------------------------


def _a_weekday(ctx: Context) -> Any:
    """This week's Monday: a full day of lessons (the bench may run on a quiet Sunday)."""
    return ctx.today - timedelta(days=ctx.today.weekday())


desk_figure(
    "desk_rooms_day",
    10.0,
    lambda services, actor, ctx: services.rooms.day(actor, _a_weekday(ctx)),
    None,  # the floor: the service's own statements on the owner's connection
)

# -- the roster's search, one keystroke at a time -------------------------------------------

# Twenty characters typed one at a time: a name with a typo, then a second word.
TYPED = "sofia martines lopez"


def _keystroke_times(ctx: Context, email: str, delay_ms: float | None) -> list[tuple[str, float]]:
    who = person(ctx, email, delay_ms)
    services = Services.build(who.db)
    return [
        (
            TYPED[:n],
            service_time(lambda q=TYPED[:n]: services.roster.students(who.actor, search=q), runs=5),
        )
        for n in range(1, len(TYPED) + 1)
    ]


def _search(query: str) -> Any:
    return lambda services, actor, _ctx: services.roster.students(actor, search=query)


def _roster_figure(name: str, email: str) -> None:
    def local(ctx: Context) -> Result:
        """The slowest of the 20 keystrokes (each the median of 5), its floor and round trips."""
        times = _keystroke_times(ctx, email, None)
        query, worst = max(times, key=lambda t: t[1])
        typical = statistics.median(t for _, t in times)
        print(f"    slowest keystroke: {query!r}; a keystroke's median {typical:.1f} ms")
        floor = replayed_floor(ctx, email, _search(query))
        return Result(worst, ROLE[email], floor, round_trips(ctx, email, _search(query)))

    def far(ctx: Context) -> Result:
        worst = max(t for _, t in _keystroke_times(ctx, email, LATENCY_MS))
        return Result(worst, ROLE[email], None, round_trips(ctx, email, _search(TYPED)))

    figure(name, "ms", 10.0)(local)
    figure(f"{name}_10ms_rtt", "ms", 150.0)(far)


_roster_figure("desk_roster_search_keystroke_worst", DESK)
_roster_figure("teacher_roster_search_keystroke_worst", TEACHER)

# -- a conflict check and booking one lesson --------------------------------------------------


def _free_slots(ctx: Context) -> Any:
    """Half-hour slots of one teacher and room, a year after the demo's last lesson: each
    booking of the benchmark gets the next (none clashes; removed at the end)."""
    db = large(ctx)
    with db.engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT t.id, r.id, max(l.scheduled_start)::date + 365, s.timezone"
                "  FROM teachers t, practice_rooms r, lessons l, studios s"
                " WHERE t.is_accepting_students AND r.is_active"
                " GROUP BY t.id, r.id, s.timezone ORDER BY t.id, r.id LIMIT 1"
            )
        ).one()
    teacher, room, day, zone = row
    made: list[datetime] = []

    def drop() -> None:
        if made:
            with db.engine.begin() as conn:
                conn.execute(text("SET LOCAL studiosync.audit = 'off'"))
                conn.execute(
                    text("DELETE FROM lessons WHERE teacher_id = :t AND scheduled_start >= :f"),
                    {"t": teacher, "f": min(made)},
                )

    ctx.on_close.append(drop)
    for n in itertools.count():
        start = datetime.combine(day + timedelta(days=n // 16), time(8), ZoneInfo(zone))
        start += timedelta(minutes=45 * (n % 16))
        made.append(start)
        yield {
            "teacher_id": teacher,
            "room_id": room,
            "start": start,
            "end": start + timedelta(minutes=30),
        }


_slots: dict[str, Any] = {}


def _book(services: Services, actor: Actor, ctx: Context) -> Any:
    if "slots" not in _slots:
        _slots["slots"] = _free_slots(ctx)
    return services.scheduling.create_lesson(actor, next(_slots["slots"]))


def _check(services: Services, actor: Actor, ctx: Context) -> Any:
    if "check" not in _slots:
        _slots["check"] = next(_free_slots(ctx))
    return services.scheduling.check(actor, _slots["check"])


desk_figure("desk_create_lesson", 150.0, _book, None, replay=False)
desk_figure("desk_conflict_check", 10.0, _check, None)


@figure("desk_conflict_check_db", "ms", 0.5)
def conflict_check_db(ctx: Context) -> Result:
    """Database time of the clash query for one booking, as the desk's login (EXPLAIN ANALYZE:
    planning and execution), on a slot next to the busiest teacher's last lesson."""
    from studiosync_desktop.services.clashes import CLASH_SQL, clash_params
    from studiosync_desktop.services.recurrence import Occurrence

    db = large(ctx)
    with db.engine.connect() as conn:
        t, st, room, start = conn.execute(
            text(
                "SELECT teacher_id, student_id, room_id, scheduled_start FROM lessons"
                " WHERE student_id IS NOT NULL AND room_id IS NOT NULL"
                " ORDER BY scheduled_start DESC LIMIT 1"
            )
        ).one()
    occ = Occurrence(t, st, None, room, start, start + timedelta(minutes=30))
    explain = text("EXPLAIN (ANALYZE, FORMAT JSON) " + str(CLASH_SQL.text))
    samples = []
    with person(ctx, DESK).db.read_session() as s:
        for _ in range(9):
            plan = s.execute(explain, clash_params([occ])).scalar_one()
            samples.append(float(plan[0]["Execution Time"]) + float(plan[0]["Planning Time"]))
    return Result(statistics.median(samples), "desk", None, 1)
