"""What each lesson pays its teacher, worked out once, in one query, for a pay period.

A lesson's pay is its rule's amount (by time, a percent of the lesson's rate, or flat) times
what its attendance pays under the studio's policy. The attendance comes from the lesson's
own status columns, the same ones its invoice line and make-up credit read:

- completed: paid in full;
- cancelled by the studio: the policy's studio-cancel percent;
- cancelled by the student at short notice (`is_late_cancel`): the late-cancel percent;
- no-show: the no-show percent;
- any other cancellation (with notice, or by the teacher): nothing;
- scheduled or in progress: not yet (a lesson is paid once it is marked).

A period's lines are every lesson of the period, and every lesson of an earlier period (since
the first approved run) changed after the last run was approved, each compared with what
approved runs already paid to each teacher: the difference is the line. So a lesson is paid
once, a substitute is paid and the teacher it was taken from is paid back, and a change to an
approved lesson comes out as an adjustment in the next run, never as a rewrite.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

# The attendance of a lesson for pay (vocabulary.PAY_ATTENDANCE); NULL: not marked yet.
ATTENDANCE_SQL = """
CASE WHEN l.status = 'completed' THEN 'completed'
     WHEN l.status = 'no_show' THEN 'no_show'
     WHEN l.status = 'cancelled' AND l.cancelled_on_behalf_of = 'studio' THEN 'studio_cancel'
     WHEN l.status = 'cancelled' AND l.is_late_cancel
          AND coalesce(l.cancelled_on_behalf_of, 'student') = 'student' THEN 'late_cancel'
     WHEN l.status = 'cancelled' THEN 'unpaid'
END"""

LINES_SQL = f"""
WITH policy AS (
    SELECT coalesce(max(late_cancel_percent), 100) AS late_cancel,
           coalesce(max(no_show_percent), 100) AS no_show,
           coalesce(max(studio_cancel_percent), 0) AS studio_cancel
      FROM pay_settings WHERE studio_id = :studio
),
cand AS (
    SELECT l.id, l.teacher_id, l.lesson_type, l.rate, l.scheduled_start,
           (extract(epoch FROM l.scheduled_end - l.scheduled_start) / 60)::int AS minutes,
           {ATTENDANCE_SQL} AS attendance
      FROM lessons l
     WHERE l.studio_id = :studio AND l.scheduled_start < :ends
       AND (l.scheduled_start >= :starts
            OR (l.scheduled_start >= :floor AND l.updated_at > :since))
),
due AS (
    SELECT c.id AS lesson_id, c.teacher_id, c.attendance, c.minutes,
           r.basis, r.amount AS rule_amount, r.per_minutes, c.rate,
           CASE c.attendance WHEN 'completed' THEN 100 WHEN 'late_cancel' THEN p.late_cancel
                WHEN 'no_show' THEN p.no_show WHEN 'studio_cancel' THEN p.studio_cancel
                ELSE 0 END AS pays_percent
      FROM cand c
      CROSS JOIN policy p
      LEFT JOIN LATERAL (
          SELECT r.basis, r.amount, r.per_minutes FROM pay_rules r
           WHERE r.studio_id = :studio
             AND (r.teacher_id = c.teacher_id OR r.teacher_id IS NULL)
             AND (r.lesson_type = c.lesson_type OR r.lesson_type IS NULL)
           ORDER BY r.teacher_id IS NULL, r.lesson_type IS NULL
           LIMIT 1
      ) r ON true
),
priced AS (
    SELECT d.*,
           round(CASE d.basis WHEN 'time' THEN d.rule_amount * d.minutes / d.per_minutes
                              WHEN 'percent' THEN d.rate * d.rule_amount / 100
                              WHEN 'flat' THEN d.rule_amount END
                 * d.pays_percent / 100, 2) AS amount
      FROM due d
),
paid AS (
    SELECT pl.lesson_id, pl.teacher_id, sum(pl.amount) AS amount
      FROM pay_lines pl JOIN pay_runs pr ON pr.id = pl.pay_run_id AND pr.status = 'approved'
     WHERE pl.lesson_id IN (SELECT id FROM cand) AND pl.pay_run_id <> :run
     GROUP BY pl.lesson_id, pl.teacher_id
)
SELECT coalesce(x.lesson_id, pd.lesson_id) AS lesson_id,
       coalesce(x.teacher_id, pd.teacher_id) AS teacher_id,
       l.scheduled_start AS lesson_start, l.teacher_id AS taught_by,
       (extract(epoch FROM l.scheduled_end - l.scheduled_start) / 60)::int AS minutes,
       CASE WHEN x.lesson_id IS NULL THEN 'unpaid' ELSE x.attendance END AS attendance,
       x.basis, x.rule_amount, x.per_minutes, x.rate, x.pays_percent,
       x.amount AS due, pd.amount AS paid_before,
       coalesce(b.name, trim(su.first_name || ' ' || su.last_name), 'Lesson') AS who,
       l.lesson_type
  FROM priced x
  FULL JOIN paid pd ON pd.lesson_id = x.lesson_id AND pd.teacher_id = x.teacher_id
  JOIN lessons l ON l.id = coalesce(x.lesson_id, pd.lesson_id)
  LEFT JOIN students s ON s.id = l.student_id
  LEFT JOIN users su ON su.id = s.user_id
  LEFT JOIN bands b ON b.id = l.band_id
 WHERE x.attendance IS NOT NULL OR pd.lesson_id IS NOT NULL
    OR (x.lesson_id IS NOT NULL AND l.scheduled_start >= :starts)
 ORDER BY l.scheduled_start, l.id
"""


@dataclass(frozen=True)
class LessonPay:
    """A lesson's pay for one teacher in a period: what is due now, and what was paid."""

    lesson_id: uuid.UUID
    teacher_id: uuid.UUID
    taught_by: uuid.UUID
    lesson_start: datetime
    minutes: int
    attendance: str | None  # None: not marked yet
    basis: str | None  # None: no pay rule applies
    rule_amount: Decimal | None
    per_minutes: int | None
    rate: Decimal | None
    pays_percent: Decimal
    due: Decimal | None  # None: not marked, or no rule
    paid_before: Decimal
    who: str
    lesson_type: str

    @property
    def owed(self) -> Decimal:
        return (self.due or Decimal(0)) - self.paid_before


def lesson_pay(
    s: Session,
    studio: uuid.UUID,
    starts: datetime,
    ends: datetime,
    floor: datetime,
    since: datetime,
    run: uuid.UUID | None,
) -> list[LessonPay]:
    """Every lesson of [starts, ends), and every earlier one (from `floor`) changed after
    `since`, with what it pays each teacher and what approved runs (not `run`) paid."""
    params: dict[str, Any] = {
        "studio": studio,
        "starts": starts,
        "ends": ends,
        "floor": floor,
        "since": since,
        "run": run or uuid.UUID(int=0),
    }
    out: list[LessonPay] = []
    for r in s.execute(text(LINES_SQL), params):
        out.append(
            LessonPay(
                lesson_id=r.lesson_id,
                teacher_id=r.teacher_id,
                taught_by=r.taught_by,
                lesson_start=r.lesson_start,
                minutes=r.minutes,
                attendance=r.attendance,
                basis=r.basis,
                rule_amount=r.rule_amount,
                per_minutes=r.per_minutes,
                rate=r.rate,
                pays_percent=Decimal(r.pays_percent or 0),
                due=r.due,
                paid_before=r.paid_before or Decimal(0),
                who=r.who,
                lesson_type=r.lesson_type,
            )
        )
    return out
