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

LESSON_COLUMNS = """l.id, l.teacher_id, l.lesson_type, l.rate, l.scheduled_start,
           (extract(epoch FROM l.scheduled_end - l.scheduled_start) / 60)::int AS minutes,
           coalesce(b.name, trim(su.first_name || ' ' || su.last_name), 'Lesson') AS who"""
LESSON_JOINS = """LEFT JOIN students s ON s.id = l.student_id
      LEFT JOIN users su ON su.id = s.user_id
      LEFT JOIN bands b ON b.id = l.band_id"""

# One teacher's lessons (:teacher; NULL: everyone's): theirs now, and those paid to them
# before (a substitute took the lesson since: they are paid back).
ONE_TEACHER = """(CAST(:teacher AS uuid) IS NULL OR l.teacher_id = CAST(:teacher AS uuid)
            OR l.id IN (SELECT lesson_id FROM pay_lines
                         WHERE teacher_id = CAST(:teacher AS uuid) AND lesson_id IS NOT NULL))"""

LINES_SQL = f"""
WITH policy AS (
    SELECT coalesce(max(late_cancel_percent), 100) AS late_cancel,
           coalesce(max(no_show_percent), 100) AS no_show,
           coalesce(max(studio_cancel_percent), 0) AS studio_cancel
      FROM pay_settings WHERE studio_id = :studio
),
cand AS MATERIALIZED (
    SELECT {LESSON_COLUMNS}, {ATTENDANCE_SQL} AS attendance
      FROM lessons l {LESSON_JOINS}
     WHERE l.studio_id = :studio AND l.scheduled_start >= :starts AND l.scheduled_start < :ends
       AND {ONE_TEACHER}
    UNION ALL
    SELECT {LESSON_COLUMNS}, {ATTENDANCE_SQL} AS attendance
      FROM lessons l {LESSON_JOINS}
     WHERE l.studio_id = :studio AND l.updated_at > :since
       AND l.scheduled_start >= :floor AND l.scheduled_start < :starts AND {ONE_TEACHER}
),
-- The rule of each (teacher, lesson type) met: the teacher's for the type, the teacher's,
-- the studio's for the type, the studio's (a few hundred pairs, not one look-up a lesson).
best AS (
    SELECT DISTINCT ON (k.teacher_id, k.lesson_type)
           k.teacher_id, k.lesson_type, r.basis, r.amount, r.per_minutes
      FROM (SELECT DISTINCT teacher_id, lesson_type FROM cand) k
      JOIN pay_rules r ON r.studio_id = :studio
       AND (r.teacher_id = k.teacher_id OR r.teacher_id IS NULL)
       AND (r.lesson_type = k.lesson_type OR r.lesson_type IS NULL)
     ORDER BY k.teacher_id, k.lesson_type, r.teacher_id IS NULL, r.lesson_type IS NULL
),
priced AS (
    SELECT c.*, r.basis, r.amount AS rule_amount, r.per_minutes, x.pays_percent,
           round(CASE r.basis WHEN 'time' THEN r.amount * c.minutes / r.per_minutes
                              WHEN 'percent' THEN c.rate * r.amount / 100
                              WHEN 'flat' THEN r.amount END
                 * x.pays_percent / 100, 2) AS due
      FROM cand c
      CROSS JOIN policy p
      CROSS JOIN LATERAL (
          SELECT CASE c.attendance WHEN 'completed' THEN 100
                      WHEN 'late_cancel' THEN p.late_cancel WHEN 'no_show' THEN p.no_show
                      WHEN 'studio_cancel' THEN p.studio_cancel ELSE 0 END AS pays_percent
      ) x
      LEFT JOIN best r ON r.teacher_id = c.teacher_id AND r.lesson_type = c.lesson_type
),
paid AS (
    SELECT pl.lesson_id, pl.teacher_id, sum(pl.amount) AS amount
      FROM pay_lines pl JOIN pay_runs pr ON pr.id = pl.pay_run_id AND pr.status = 'approved'
     WHERE pl.lesson_id IN (SELECT id FROM cand) AND pl.pay_run_id <> :run
     GROUP BY pl.lesson_id, pl.teacher_id
)
SELECT x.id AS lesson_id, x.teacher_id, x.scheduled_start AS lesson_start,
       x.teacher_id AS taught_by, x.minutes, x.attendance, x.basis, x.rule_amount,
       x.per_minutes, x.rate, x.pays_percent, x.due, pd.amount AS paid_before, x.who,
       x.lesson_type,
       CASE WHEN x.basis IS NULL AND x.pays_percent > 0 THEN 'missing'
            WHEN pd.amount IS NOT NULL OR x.scheduled_start < :starts THEN 'adjustment'
            ELSE 'lesson' END AS kind,
       CASE WHEN x.basis IS NULL AND x.pays_percent > 0 THEN 0
            ELSE coalesce(x.due, 0) - coalesce(pd.amount, 0) END AS amount
  FROM priced x
  LEFT JOIN paid pd ON pd.lesson_id = x.id AND pd.teacher_id = x.teacher_id
 WHERE x.attendance IS NOT NULL
   AND (coalesce(x.due, 0) <> coalesce(pd.amount, 0) OR (x.basis IS NULL AND x.pays_percent > 0))
UNION ALL
-- Paid before to a teacher who no longer has the lesson (a substitute took it): paid back.
SELECT c.id, pd.teacher_id, c.scheduled_start, c.teacher_id, c.minutes, 'unpaid',
       NULL, NULL, NULL, c.rate, 0, NULL, pd.amount, c.who, c.lesson_type,
       'adjustment', -pd.amount
  FROM paid pd JOIN cand c ON c.id = pd.lesson_id
 WHERE pd.teacher_id <> c.teacher_id
"""


# One teacher's lines (:teacher), or everyone's (NULL).
LINES_OF_SQL = f"""
SELECT * FROM ({LINES_SQL}) q
 WHERE CAST(:teacher AS uuid) IS NULL OR q.teacher_id = CAST(:teacher AS uuid)
 ORDER BY q.lesson_start, q.lesson_id
"""

# A teacher's figures, the same for lines worked out now and lines of a run: lessons paid,
# hours taught (completed lessons), lesson pay, adjustments, lines by hand; and whether a
# lesson of theirs has no pay rule (kind 'missing', worked out only).
TOTALS_COLUMNS = """count(*) FILTER (WHERE kind = 'lesson') AS lessons,
       coalesce(sum(minutes) FILTER (WHERE kind = 'lesson' AND attendance = 'completed'), 0)
           AS minutes,
       coalesce(sum(amount) FILTER (WHERE kind = 'lesson'), 0) AS lesson_pay,
       coalesce(sum(amount) FILTER (WHERE kind = 'adjustment'), 0) AS adjustments,
       coalesce(sum(amount) FILTER (WHERE kind = 'extra'), 0) AS extras,
       bool_or(kind = 'missing') AS missing_rule"""
COMPUTED_TOTALS_SQL = f"""
SELECT teacher_id, {TOTALS_COLUMNS} FROM ({LINES_SQL}) q
 WHERE CAST(:teacher AS uuid) IS NULL OR q.teacher_id = CAST(:teacher AS uuid)
 GROUP BY teacher_id
"""
STORED_TOTALS_SQL = f"""
SELECT teacher_id, {TOTALS_COLUMNS} FROM pay_lines
 WHERE pay_run_id = :run
   AND (CAST(:teacher AS uuid) IS NULL OR teacher_id = CAST(:teacher AS uuid))
 GROUP BY teacher_id
"""

# Lessons of the period that have started and are not marked yet, per teacher: a preview's
# warnings (they are paid in a later run once marked).
UNMARKED_SQL = """
SELECT teacher_id, count(*) AS lessons FROM lessons
 WHERE studio_id = :studio AND scheduled_start >= :starts
   AND scheduled_start < least(CAST(:ends AS timestamptz), now())
   AND status IN ('scheduled', 'in_progress')
 GROUP BY teacher_id
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
    kind: str  # lesson, adjustment, or missing (no pay rule: approval waits)
    amount: Decimal  # what this line pays: due now less what approved runs paid


@dataclass(frozen=True)
class Scope:
    """What a preview reads: the period, the earlier lessons changed since the last approval,
    the run not to count as paid, and one teacher (or everyone)."""

    studio: uuid.UUID
    starts: datetime
    ends: datetime
    floor: datetime
    since: datetime
    run: uuid.UUID | None = None
    teacher: uuid.UUID | None = None

    def params(self) -> dict[str, Any]:
        return {
            "studio": self.studio,
            "starts": self.starts,
            "ends": self.ends,
            "floor": self.floor,
            "since": self.since,
            "run": self.run or uuid.UUID(int=0),
            "teacher": self.teacher,
        }


def lesson_pay(s: Session, scope: Scope) -> list[LessonPay]:
    """The lessons of the period, and the earlier ones changed since the last approval, that
    owe a teacher something (what they pay now differs from what approved runs other than
    `scope.run` paid), or that have no pay rule."""
    return [
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
            kind=r.kind,
            amount=r.amount,
        )
        for r in s.execute(text(LINES_OF_SQL), scope.params()).all()
    ]


def computed_totals(s: Session, scope: Scope) -> list[Any]:
    """Each teacher's figures of the lines `lesson_pay` would give (`TOTALS_COLUMNS`)."""
    return list(s.execute(text(COMPUTED_TOTALS_SQL), scope.params()).all())


def stored_totals(s: Session, run: uuid.UUID, teacher: uuid.UUID | None) -> list[Any]:
    """Each teacher's figures of a run's stored lines (`TOTALS_COLUMNS`)."""
    return list(s.execute(text(STORED_TOTALS_SQL), {"run": run, "teacher": teacher}).all())


def unmarked(
    s: Session, studio: uuid.UUID, starts: datetime, ends: datetime
) -> dict[uuid.UUID, int]:
    """Per teacher, the lessons of [starts, ends) that have started and are not marked."""
    rows = s.execute(text(UNMARKED_SQL), {"studio": studio, "starts": starts, "ends": ends})
    return {r.teacher_id: r.lessons for r in rows}
