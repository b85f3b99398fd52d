"""The demo's teacher pay: the policy, rules, and last month's pay run, approved."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.schemas.teacher_pay import PayPeriod
from studiosync_desktop.services.demo.facts import DemoSize
from studiosync_desktop.services.demo.sql import run_script
from studiosync_desktop.services.teacher_pay import approve_run


def pay(s: Session, p: dict[str, Any], _size: DemoSize) -> None:
    """By the hour by default (40.00 per 60 min); every third teacher 60% of the lesson's
    rate; every fourth a flat 35.00 for band lessons. Last month's run is approved, with a
    recital bonus added by hand for the first two teachers."""
    run_script(
        s,
        """
        INSERT INTO pay_settings (studio_id, period, late_cancel_percent, no_show_percent,
                                  studio_cancel_percent)
        VALUES (:studio, 'monthly', 50, 100, 0);

        INSERT INTO pay_rules (studio_id, basis, amount, per_minutes)
        VALUES (:studio, 'time', 40, 60);

        INSERT INTO pay_rules (studio_id, teacher_id, basis, amount)
        SELECT :studio, id, 'percent', 60 FROM d_teacher WHERE n % 3 = 0;

        INSERT INTO pay_rules (studio_id, teacher_id, lesson_type, basis, amount)
        SELECT :studio, id, 'ensemble', 'flat', 35 FROM d_teacher WHERE n % 4 = 0;
        """,
        p,
    )
    last_day = p["month0"] - timedelta(days=1)
    period = PayPeriod(start=last_day.replace(day=1), end=last_day, kind="monthly")
    run_script(
        s,
        """
        INSERT INTO pay_runs (studio_id, period_start, period_end)
        VALUES (:studio, :start, :end);

        INSERT INTO pay_lines (studio_id, pay_run_id, teacher_id, kind, amount, reason,
                               created_by_id)
        SELECT :studio, r.id, t.id, 'extra', 50, 'Recital evening', :admin
        FROM pay_runs r CROSS JOIN d_teacher t
        WHERE r.studio_id = :studio AND t.n <= 2;
        """,
        {**p, "start": period.start, "end": period.end},
    )
    admin = Actor(user_id=p["admin"], studio_id=p["studio"], role="admin", name="Admin")
    approve_run(s, admin, period)
