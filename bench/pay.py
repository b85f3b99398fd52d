"""Teacher pay on the large studio (60 teachers): a monthly pay run preview, as the admin's
own login (the desk sees no pay), row security on.

Every figure prefixed `pay_` so `python -m bench --only pay` runs them together.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import text

from bench.core import Context
from bench.desk_path import ADMIN, desk_figure, owner_actor
from studiosync_desktop.db import Database
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.schemas.teacher_pay import PayPeriod
from studiosync_desktop.services.container import Services
from studiosync_desktop.services.pay_lines import LINES_SQL
from studiosync_desktop.services.pay_periods import period_of
from studiosync_desktop.services.reading import local_day_bounds
from studiosync_desktop.zones import zone_of


def _month(ctx: Context) -> PayPeriod:
    """The month before the demo's approved one: every lesson marked, none paid yet, so the
    preview prices them all (about 8,000 lessons of 60 teachers): an admin's month end."""
    last = ctx.today.replace(day=1) - timedelta(days=1)
    return period_of(last.replace(day=1) - timedelta(days=1), "monthly", ctx.today)


def _preview(services: Services, actor: Actor, ctx: Context) -> Any:
    """What the Pay tab fetches: every teacher's figures, and the first teacher's lines."""
    view = services.pay.view(actor, _month(ctx))
    return services.pay.lines(actor, view.period, view.teachers[0].teacher_id)


def _floor_params(ctx: Context, db: Database) -> Mapping[str, Any]:
    actor = owner_actor(ctx)
    period = _month(ctx)
    with db.read_session() as s:
        tz = s.execute(
            text("SELECT timezone FROM studios WHERE id = :s"), {"s": actor.studio_id}
        ).scalar_one()
    starts, ends = local_day_bounds(zone_of(tz), period.start, (period.end - period.start).days + 1)
    return {
        "studio": actor.studio_id,
        "starts": starts,
        "ends": ends,
        "floor": starts,
        "since": starts,
        "run": uuid.UUID(int=0),
        "teacher": None,
    }


desk_figure(
    "pay_month_preview_60_teachers",
    500.0,
    _preview,
    LINES_SQL,
    _floor_params,
    email=ADMIN,
    latency_target=None,
)
