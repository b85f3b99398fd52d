"""Scheduling figures on the large studio: week query, paint, series, conflict check."""

from __future__ import annotations

import json
import time as clock
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import text

from bench.core import Context, figure, service_time
from studiosync_desktop.services.clashes import find_clashes
from studiosync_desktop.services.recurrence import Occurrence
from studiosync_desktop.services.scheduling import SchedulingService
from studiosync_desktop.services.studio import StudioService


def _monday(ctx: Context) -> Any:
    return ctx.today - timedelta(days=ctx.today.weekday())


@figure("scheduling_week_query_large", "ms", 50.0)
def week_query(ctx: Context) -> float:
    db, _ = ctx.demo("large")
    with db.engine.begin() as c:
        # A studio just loaded in bulk: autovacuum analyses it within a minute or so; do it
        # now so the figure does not depend on that timing.
        c.execute(text("ANALYZE"))
    actor = StudioService(db).default_actor()
    svc = SchedulingService(db)
    return service_time(lambda: svc.week(actor, _monday(ctx)))


@figure("scheduling_week_paint_large", "ms", 100.0)
def week_paint(ctx: Context) -> float:
    from PySide6.QtWidgets import QApplication

    from studiosync_desktop.ui.calendar_grid import CalendarGrid, GridColumn
    from studiosync_desktop.ui.studio_clock import zone_of

    app = QApplication.instance() or QApplication([])
    db, _ = ctx.demo("large")
    actor = StudioService(db).default_actor()
    rows = SchedulingService(db).week(actor, _monday(ctx))
    zone = zone_of(StudioService(db).info(actor).timezone)
    grid = CalendarGrid()
    grid.resize(1400, grid.sizeHint().height())
    days = [_monday(ctx) + timedelta(days=i) for i in range(7)]
    grid.set_data(
        [GridColumn(d, f"{d:%a}", d) for d in days],
        rows,
        lambda r: r.start.astimezone(zone).date(),
        zone,
    )
    app.processEvents()
    return service_time(lambda: grid.grab())


def _term(teachers: list[Any], students: list[Any], start: Any) -> list[dict[str, Any]]:
    """500 weekly series over 40 weeks from `start`, none clashing with another."""
    per_day = len(teachers) * 9  # 9 slots of 30 minutes (+15 buffer) a teacher a day
    jobs = []
    for i in range(500):
        # Each teacher once per slot; the series of a slot have different students.
        day, rest = divmod(i, per_day)
        slot, teacher = divmod(rest, len(teachers))
        minutes = 8 * 60 + slot * 45
        jobs.append(
            {
                "teacher_id": teachers[teacher],
                "student_id": students[i % len(students)],
                "start_date": start + timedelta(days=day),
                "end_date": start + timedelta(days=day, weeks=39),
                "start_time": time(minutes // 60, minutes % 60),
                "duration_minutes": 30,
            }
        )
    return jobs


def _timed_term(db: Any, jobs: list[dict[str, Any]]) -> tuple[float, list[Any]]:
    actor = StudioService(db).default_actor()
    started = clock.perf_counter()
    result = SchedulingService(db).create_term(actor, jobs)  # clashes would refuse it all
    elapsed = clock.perf_counter() - started
    print(f"    ({result.created:,} lessons created)")
    return elapsed, [s.pattern_id for s in result.series]


def _people(c: Any) -> tuple[list[Any], list[Any]]:
    teachers = [r[0] for r in c.execute(text("SELECT id FROM teachers ORDER BY id"))]
    students = [r[0] for r in c.execute(text("SELECT id FROM students ORDER BY id"))]
    return teachers, students


HORIZON_52 = "UPDATE studios SET settings = settings || '{\"series_horizon_weeks\": 52}'"


@figure("scheduling_series_500_weekly_40_weeks", "s", 2.0)
def series_bulk(ctx: Context) -> float:
    """500 series x 40 weeks = 20,000 lessons through `create_term` (one transaction), in a
    studio whose calendar is empty (the small demo's lessons removed)."""
    db = ctx.empty_database()
    from studiosync_desktop.services.demo import DemoService

    DemoService(db).build("small", today=ctx.today)
    with db.engine.begin() as c:
        teachers, students = _people(c)
        c.execute(text("TRUNCATE lessons CASCADE"))  # a clean calendar for the new term
        c.execute(text("UPDATE teachers SET booking_buffer_minutes = 15"))
        c.execute(text(HORIZON_52))
        c.execute(text("ANALYZE"))
    return _timed_term(db, _term(teachers, students, _monday(ctx) + timedelta(weeks=1)))[0]


@figure("scheduling_series_500_weekly_40_weeks_in_large_studio", "s", None)
def series_bulk_large(ctx: Context) -> float:
    """The same term in the large studio, after its calendar (three years of lessons in every
    index and exclusion constraint); removed again afterwards."""
    db, _ = ctx.demo("large")
    with db.engine.begin() as c:
        teachers, students = _people(c)
        last = c.execute(text("SELECT max(scheduled_start)::date FROM lessons")).scalar_one()
        settings = c.execute(text("SELECT settings FROM studios")).scalar_one()
        c.execute(text(HORIZON_52.replace("52", "104")))
    try:
        elapsed, ids = _timed_term(db, _term(teachers, students, last + timedelta(weeks=2)))
    finally:
        with db.engine.begin() as c:
            c.execute(
                text("UPDATE studios SET settings = CAST(:s AS jsonb)"), {"s": json.dumps(settings)}
            )
    with db.engine.begin() as c:
        c.execute(text("SET LOCAL studiosync.audit = 'off'"))
        c.execute(text("DELETE FROM lessons WHERE recurring_pattern_id = ANY(:ids)"), {"ids": ids})
        c.execute(text("DELETE FROM recurring_patterns WHERE id = ANY(:ids)"), {"ids": ids})
    return elapsed


@figure("scheduling_conflict_check_db", "ms", 2.0)
def conflict_check(ctx: Context) -> float:
    """Database time of the clash query for one booking (EXPLAIN ANALYZE execution time)."""
    db, _ = ctx.demo("large")
    actor = StudioService(db).default_actor()
    with db.engine.connect() as c:
        row = c.execute(
            text(
                "SELECT l.teacher_id, l.student_id, l.room_id, l.scheduled_start FROM lessons l "
                "WHERE l.student_id IS NOT NULL AND l.room_id IS NOT NULL "
                "ORDER BY l.scheduled_start DESC LIMIT 1"
            )
        ).one()
    occ = Occurrence(row[0], row[1], None, row[2], row[3], row[3] + timedelta(minutes=30))
    from zoneinfo import ZoneInfo

    samples = []
    with db.session() as s:
        find_clashes(s, actor.studio_id, ZoneInfo("UTC"), [occ])
        s.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
        from studiosync_desktop.services.clashes import CLASH_SQL, clash_params

        params = clash_params([occ])
        explain = text("EXPLAIN (ANALYZE, FORMAT JSON) " + str(CLASH_SQL.text))
        for _ in range(9):
            plan = s.execute(explain, params).scalar_one()
            samples.append(float(plan[0]["Execution Time"]) + float(plan[0]["Planning Time"]))
    samples.sort()
    _ = datetime
    return samples[len(samples) // 2]
