"""What the desk waits for, on the large studio, as its own login: see `bench.desk_path`.

The model for every screen figure: the service call the screen makes, its hand-written floor,
its round trips, and its twin through 10 ms each way. Owner-connection figures elsewhere in
bench/ stay only where they explain one of these.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from bench.core import Context, Result, figure
from bench.desk_path import (
    DESK,
    PASSWORD,
    TEACHER,
    Params,
    bare_url,
    desk_figure,
    large,
    owner_actor,
)
from studiosync_desktop import login
from studiosync_desktop.db import Database
from studiosync_desktop.services.container import Services

# A week of lessons with the names the calendar shows, in one statement.
WEEK_FLOOR = """
SELECT l.id, l.scheduled_start, l.scheduled_end, l.status, l.lesson_type, l.rate,
       concat_ws(' ', tu.first_name, tu.last_name) AS teacher,
       coalesce(concat_ws(' ', su.first_name, su.last_name), b.name) AS student,
       r.name AS room
  FROM lessons l
  JOIN teachers t ON t.id = l.teacher_id
  JOIN users tu ON tu.id = t.user_id
  LEFT JOIN students s ON s.id = l.student_id
  LEFT JOIN users su ON su.id = s.user_id
  LEFT JOIN bands b ON b.id = l.band_id
  LEFT JOIN practice_rooms r ON r.id = l.room_id
 WHERE l.studio_id = :studio
   AND l.scheduled_start >= :first AND l.scheduled_start < :after
   {teacher}
 ORDER BY l.scheduled_start, l.id
"""


def _monday(ctx: Context) -> Any:
    return ctx.today - timedelta(days=ctx.today.weekday())


def _week_params(teacher_email: str | None) -> Params:
    def params(ctx: Context, db: Database) -> dict[str, Any]:
        from studiosync_desktop.services.reading import local_day_bounds, studio_zone

        actor = owner_actor(ctx)
        with db.read_session() as s:
            first, after = local_day_bounds(studio_zone(s, actor), _monday(ctx), 7)
            values: dict[str, Any] = {"studio": actor.studio_id, "first": first, "after": after}
            if teacher_email:
                from sqlalchemy import text

                values["teacher"] = s.execute(
                    text(
                        "SELECT t.id FROM teachers t JOIN users u ON u.id = t.user_id"
                        " WHERE lower(u.email) = :e"
                    ),
                    {"e": teacher_email},
                ).scalar_one()
        return values

    return params


def _week(services: Services, actor: Any, ctx: Context) -> Any:
    return services.scheduling.week(actor, _monday(ctx))


desk_figure(
    "desk_calendar_week",
    None,  # the target is a ratio: at most 1.5 x the floor (see the README)
    _week,
    WEEK_FLOOR.format(teacher=""),
    _week_params(None),
)
desk_figure(
    "teacher_calendar_week",
    None,
    _week,
    WEEK_FLOOR.format(teacher="AND l.teacher_id = :teacher"),
    _week_params(TEACHER),
    email=TEACHER,
)


@figure("desk_login_to_first_tab_data", "ms", 150.0)
def login_to_first_tab(ctx: Context) -> Result:
    """The login dialog's work and the first tab's data (Today: the day's board), a new pool."""
    db = large(ctx)
    samples = []
    for _ in range(5):
        started = time.perf_counter()
        person = login.log_in(bare_url(db), DESK, PASSWORD[DESK])
        Services.build(person.db).today.board(person.actor)
        samples.append(time.perf_counter() - started)
        person.db.dispose()
    return Result(sorted(samples)[len(samples) // 2] * 1000, "desk")
