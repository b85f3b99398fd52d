"""The Home tab's figures: today at a glance, the studio's (or a teacher's own) figures with
the previous period beside them, and twelve calendar months of charts. Formulas are written
once, in services/figure_sql.py; what each figure counts is said in its `counts`.

The desk's Home is one round trip: its reads do not depend on each other, so they travel
together in one pipeline (`together.read_together`), the studio's time zone coming from the
actor. A teacher's Home finds the teacher first (its reads are about that teacher), then reads
the rest together."""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import TextClause, select, text
from sqlalchemy.orm import Session

from studiosync_desktop.db import Database
from studiosync_desktop.errors import NotFound
from studiosync_desktop.models import Studio, Teacher
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.schemas.figures import Figure, HomeFigures, MonthChart, Series
from studiosync_desktop.services.figure_sql import (
    ACTIVE_ON,
    ATTENDANCE_KIND,
    DUE_TO_HAPPEN,
    MONEY_BY_TEACHER,
    MONEY_MOVEMENTS,
    OPEN_INVOICE,
    teacher_name,
)
from studiosync_desktop.services.periods import add_months, local_midnight, month_start, week_start
from studiosync_desktop.services.permissions import require
from studiosync_desktop.services.reading import studio_zone
from studiosync_desktop.services.together import read_together
from studiosync_desktop.vocabulary import words
from studiosync_desktop.zones import zone_of

CHART_MONTHS = 12
ATTENDANCE_WINDOW = timedelta(days=30)
ATTENDANCE_KINDS = ("completed", "late_cancelled", "cancelled", "no_show")
ATTENDANCE_WORDS = {
    "completed": "Completed",
    "late_cancelled": "Late-cancelled",
    "cancelled": "Cancelled",
    "no_show": "No-show",
}


class Moment:
    """The periods the figures use, where the studio is, at `now`."""

    def __init__(self, now: datetime, zone: ZoneInfo) -> None:
        self.now = now
        self.zone = zone
        self.today = now.astimezone(zone).date()
        self.month = month_start(self.today)
        self.last_month = add_months(self.month, -1)
        self.next_month = add_months(self.month, 1)
        self.week = week_start(self.today)
        self.first_chart_month = add_months(self.month, 1 - CHART_MONTHS)

    def at(self, day: date) -> datetime:
        return local_midnight(day, self.zone)

    def bounds(self) -> dict[str, Any]:
        """The statements' parameters: midnights of the days and months, and now."""
        return {
            "tz": self.zone.key,
            "now": self.now,
            "today": self.today,
            "day0": self.at(self.today),
            "day1": self.at(self.today + timedelta(days=1)),
            "week0": self.at(self.week),
            "week1": self.at(self.week + timedelta(days=7)),
            "lastweek0": self.at(self.week - timedelta(days=7)),
            "month0": self.at(self.month),
            "month1": self.at(self.next_month),
            "lastmonth0": self.at(self.last_month),
            "month_first": self.month,
            "before_month": self.month - timedelta(days=1),
            "att0": self.now - ATTENDANCE_WINDOW,
            "att_prev0": self.now - 2 * ATTENDANCE_WINDOW,
            "money_from": self.at(self.first_chart_month),
            "money_until": self.at(self.next_month),
            "chart0": self.at(self.first_chart_month),
            "months": [self.at(m) for m in self.months()],
        }

    def months(self) -> tuple[date, ...]:
        return tuple(add_months(self.first_chart_month, i) for i in range(CHART_MONTHS))


class StudioFigures:
    def __init__(self, db: Database, pay: Any = None) -> None:
        self._db = db
        self._pay = pay  # TeacherPayService: a teacher's pay so far

    def home(self, actor: Actor, now: datetime | None = None) -> HomeFigures:
        """The Home tab of `actor` at `now` (default: now): the desk's and admin's studio
        figures, or a teacher's own."""
        require(actor, "schedule")
        with self._db.read_session() as s:
            zone = studio_zone(s, actor)
            moment = Moment(now or datetime.now(zone), zone)
            params = {"studio": actor.studio_id, **moment.bounds()}
            currency = select(Studio.currency).where(Studio.id == actor.studio_id)
            if actor.is_staff_desk:
                found = read_together(s, [currency, *_studio_reads(params, moment)])
                glance, figures, charts = _studio(found[1:], moment)
            else:
                found = read_together(s, [currency, select_teacher(actor)])
                teacher = found[1][0].id if found[1] else None
                glance, figures, charts = _teacher(s, {**params, "teacher": teacher}, moment)
                if teacher is not None and self._pay is not None:
                    figures = (*figures, _pay_figure(self._pay.pay_so_far(actor)))
        if not found[0]:
            raise NotFound("The studio no longer exists.")
        return HomeFigures(
            today=moment.today,
            currency=found[0][0].currency,
            glance=glance,
            figures=figures,
            charts=charts,
        )

    def revenue_by_teacher(self, actor: Actor, now: datetime | None = None) -> MonthChart:
        """The Home's revenue chart by teacher, read when the desk switches to it: sharing
        each payment among its invoice's lessons reads every line of a year's invoices, which
        the opening Home does not wait for."""
        require(actor, "billing")
        with self._db.read_session() as s:
            zone = zone_of(s.get(Studio, actor.studio_id).timezone)  # type: ignore[union-attr]
            moment = Moment(now or datetime.now(zone), zone)
            params = {"studio": actor.studio_id, **moment.bounds()}
            rows = s.execute(text(MONTHLY_MONEY_BY_TEACHER), params).all()
            return _money_chart(rows, moment, "revenue_teacher", "by teacher")


def select_teacher(actor: Actor) -> Any:
    return select(Teacher.id).where(
        Teacher.user_id == actor.user_id, Teacher.studio_id == actor.studio_id
    )


# A name bound in a statement (`:name`, not a `::type` cast), as `text()` reads them.
_BOUND = re.compile(r"(?<![:\w\\]):(\w+)(?!:)")


def _bound(sql: str, params: dict[str, Any]) -> TextClause:
    """`sql` with its values bound from `params` (those it names), to travel in a pipeline."""
    return text(sql).bindparams(**{k: params[k] for k in set(_BOUND.findall(sql))})


def _d(value: object) -> Decimal:
    return Decimal(str(value or 0))


# --- the desk's and admin's Home ---------------------------------------------------------

STUDIO_COUNTS = f"""
SELECT
 (SELECT count(*) FROM lessons le WHERE le.studio_id = :studio AND le.status <> 'cancelled'
    AND le.scheduled_start >= :day0 AND le.scheduled_start < :day1) AS lessons_today,
 (SELECT count(*) FROM lessons le WHERE le.studio_id = :studio
    AND le.status IN ('in_progress', 'completed')
    AND le.scheduled_start >= :day0 AND le.scheduled_start < :day1) AS checked_in,
 (SELECT count(*) FROM room_reservations r WHERE r.studio_id = :studio
    AND r.status IN ('pending', 'confirmed', 'completed')
    AND r.start_time >= :day0 AND r.start_time < :day1) AS rooms_today,
 (SELECT count(*) FROM checkout_logs c WHERE c.studio_id = :studio AND c.status = 'approved'
    AND c.due_date = :today) AS items_due,
 (SELECT count(*) FROM checkout_logs c WHERE c.studio_id = :studio AND c.status = 'approved'
    AND c.due_date < :today) AS items_overdue,
 o.invoices_overdue, o.overdue_amount, o.outstanding,
 (SELECT count(*) FROM students st WHERE st.studio_id = :studio AND st.is_active) AS active,
 (SELECT count(*) FROM students st WHERE st.studio_id = :studio
    AND {ACTIVE_ON.format(day=":before_month")}) AS active_before,
 (SELECT count(*) FROM students st WHERE st.studio_id = :studio
    AND st.enrollment_date >= :month_first AND st.enrollment_date <= :today) AS joined,
 (SELECT count(*) FROM students st WHERE st.studio_id = :studio
    AND st.left_on >= :month_first AND st.left_on <= :today) AS left_,
 (SELECT count(*) FROM lessons le WHERE le.studio_id = :studio AND le.status <> 'cancelled'
    AND le.scheduled_start >= :week0 AND le.scheduled_start < :week1) AS week_lessons,
 (SELECT count(*) FROM lessons le WHERE le.studio_id = :studio AND le.status <> 'cancelled'
    AND le.scheduled_start >= :lastweek0 AND le.scheduled_start < :week0) AS last_week_lessons
  FROM (SELECT count(*) FILTER (WHERE i.due_date < :today) AS invoices_overdue,
               coalesce(sum(i.total - i.amount_paid) FILTER (WHERE i.due_date < :today), 0)
                 AS overdue_amount,
               coalesce(sum(i.total - i.amount_paid), 0) AS outstanding
          FROM invoices i WHERE {OPEN_INVOICE}) o
"""

ATTENDANCE_RATE = f"""
SELECT count(*) FILTER (WHERE le.status = 'completed' AND le.scheduled_start >= :att0) AS done,
       count(*) FILTER (WHERE {DUE_TO_HAPPEN} AND le.scheduled_start >= :att0) AS due,
       count(*) FILTER (WHERE le.status = 'completed' AND le.scheduled_start < :att0)
         AS done_before,
       count(*) FILTER (WHERE {DUE_TO_HAPPEN} AND le.scheduled_start < :att0) AS due_before
  FROM lessons le
 WHERE le.studio_id = :studio AND le.scheduled_start >= :att_prev0 AND le.scheduled_start < :now
   {{teacher}}
"""

# The chart month (1 to 12) a time falls in, by the months' first midnights where the studio
# is (:months): a binary search per row, where the month's name would convert every row's time
# to the studio's zone (the attendance chart read 90,000 lessons in 48 ms that way, 26 this).
MONTH_NUMBER = "width_bucket({at}, CAST(:months AS timestamptz[]))"

MONTHLY_MONEY = f"""
SELECT {MONTH_NUMBER.format(at="m.at")} AS month, m.method, sum(m.amount)
  FROM ({MONEY_MOVEMENTS}) m GROUP BY 1, 2
"""

MONTHLY_MONEY_BY_TEACHER = f"""
SELECT month, coalesce({teacher_name("key")}, 'Not lessons'), amount
  FROM (SELECT {MONTH_NUMBER.format(at="m.at")} AS month, m.key,
               sum(m.amount) AS amount
          FROM ({MONEY_BY_TEACHER}) m GROUP BY 1, 2) g
"""

MONTHLY_ATTENDANCE = f"""
SELECT {MONTH_NUMBER.format(at="le.scheduled_start")} AS month, {ATTENDANCE_KIND} AS kind,
       count(*) AS lessons
  FROM lessons le
 WHERE le.studio_id = :studio AND le.scheduled_start >= :chart0 AND le.scheduled_start < :now
   {{teacher}}
 GROUP BY 1, 2
"""

MONTHLY_ACTIVE = f"""
SELECT m.first::date AS month, count(st.id) AS students
  FROM generate_series(CAST(:first_month AS date), CAST(:month_first AS date), interval '1 month')
       AS m(first)
  LEFT JOIN students st ON st.studio_id = :studio
   AND {ACTIVE_ON.format(day="LEAST((m.first + interval '1 month - 1 day')::date, :today)")}
 GROUP BY 1
"""

MONTHLY_HOURS = f"""
SELECT {MONTH_NUMBER.format(at="le.scheduled_start")} AS month, 'Hours taught' AS name,
       sum(extract(epoch FROM le.scheduled_end - le.scheduled_start)) / 3600 AS hours
  FROM lessons le
 WHERE le.studio_id = :studio AND le.teacher_id = :teacher AND le.status = 'completed'
   AND le.scheduled_start >= :chart0 AND le.scheduled_start < :month1
 GROUP BY 1
"""


def _studio_reads(p: dict[str, Any], moment: Moment) -> list[TextClause]:
    """The desk's Home statements, independent of each other; read by `_studio`."""
    return [
        _bound(STUDIO_COUNTS, p),
        _bound(ATTENDANCE_RATE.format(teacher=""), p),
        _bound(REVENUE_MONTHS, {**p, "money_from": p["lastmonth0"]}),
        _bound(MONTHLY_MONEY, p),
        _bound(MONTHLY_ATTENDANCE.format(teacher=""), p),
        _bound(MONTHLY_ACTIVE, {**p, "first_month": moment.first_chart_month}),
    ]


def _studio(
    found: list[list[Any]], moment: Moment
) -> tuple[tuple[Figure, ...], tuple[Figure, ...], tuple[MonthChart, ...]]:
    """The desk's figures and charts from the rows of `_studio_reads`, in its order."""
    counts, attendance, revenue, money, monthly_attendance, active = found
    c = counts[0]
    glance = (
        Figure(
            key="lessons_today",
            label="Lessons today",
            value=_d(c.lessons_today),
            unit="count",
            detail=f"{c.checked_in} checked in",
            counts="Lessons starting today that are not cancelled (no-shows included); "
            "'checked in': those in progress or taught.",
        ),
        Figure(
            key="rooms_today",
            label="Room bookings today",
            value=_d(c.rooms_today),
            unit="count",
            counts="Practice-room bookings starting today, pending, confirmed or completed.",
        ),
        Figure(
            key="items_due",
            label="Lent items due back",
            value=_d(c.items_due),
            unit="count",
            detail=f"{c.items_overdue} overdue",
            counts="Lent items not yet returned whose due date is today; 'overdue': due "
            "before today.",
        ),
        Figure(
            key="invoices_overdue",
            label="Invoices overdue",
            value=_d(c.invoices_overdue),
            unit="count",
            detail=f"{_d(c.overdue_amount):,.2f} due",
            counts="Sent or part-paid invoices (not credit notes) with a balance and a due "
            "date before today; the amount is their balances added up.",
        ),
    )
    figures = (
        Figure(
            key="active_students",
            label="Active students",
            value=_d(c.active),
            previous=_d(c.active_before),
            previous_label="month start",
            unit="count",
            detail=f"+{c.joined} joined, \N{MINUS SIGN}{c.left_} left",
            counts="Students marked active now; beside it, those active on the last day of "
            "last month. 'Joined': enrolment date this month up to today; 'left': made "
            "inactive this month.",
        ),
        Figure(
            key="lessons_week",
            label="Lessons this week",
            value=_d(c.week_lessons),
            previous=_d(c.last_week_lessons),
            previous_label="last week",
            unit="count",
            counts="Lessons starting Monday to Sunday of this week, every status but "
            "cancelled; beside it, the same for last week.",
        ),
        _revenue_figure(revenue[0]),
        Figure(
            key="outstanding",
            label="Outstanding",
            value=_d(c.outstanding),
            unit="money",
            detail=f"{_d(c.overdue_amount):,.2f} overdue",
            counts="What is still due on sent and part-paid invoices (total less paid, "
            "credit notes applied); 'overdue': the part whose due date is before today.",
        ),
        _attendance_figure(attendance[0]),
    )
    charts = (
        _money_chart(money, moment, "revenue_method", "by payment method"),
        _attendance_chart(monthly_attendance, moment),
        _active_chart(active, moment),
    )
    return glance, figures, charts


REVENUE_MONTHS = f"""
SELECT coalesce(sum(m.amount) FILTER (WHERE m.at >= :month0), 0) AS this_month,
       coalesce(sum(m.amount) FILTER (WHERE m.at >= :lastmonth0 AND m.at < :month0), 0)
         AS last_month
  FROM ({MONEY_MOVEMENTS}) m
"""


def _revenue_figure(row: Any) -> Figure:
    this, last = row
    return Figure(
        key="revenue_month",
        label="Revenue this month",
        value=_d(this),
        previous=_d(last),
        previous_label="last month",
        unit="money",
        counts="Money received this calendar month by the day it was paid (card, cash, "
        "cheque, transfer, Stripe; overpayments kept as credit included, paying from account "
        "credit not), less refunds made this month; beside it, last month's whole.",
    )


def _attendance_figure(att: Any) -> Figure:
    done, due, done_before, due_before = att
    return Figure(
        key="attendance_rate",
        label="Attendance, 30 days",
        value=_rate(done, due),
        previous=_rate(done_before, due_before) if due_before else None,
        previous_label="30 days before",
        unit="percent",
        detail=f"{done} of {due} due",
        counts="Lessons taught over lessons that were due to happen, of those that started "
        "in the last 30 days: taught, no-shows and late cancellations by the student count as "
        "due; lessons cancelled in time or by the studio, lessons not yet marked and future "
        "lessons do not count.",
    )


def _rate(done: int, due: int) -> Decimal:
    return (Decimal(done) * 100 / Decimal(due)).quantize(Decimal("0.1")) if due else Decimal(0)


def _series(
    rows: Any, months: tuple[date, ...], order: tuple[str, ...] | None = None
) -> tuple[Series, ...]:
    """Rows of (the chart month 1 to 12, name, value) as one series per name, a value for
    every month."""
    values: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0)] * len(months))
    for number, name, value in rows:  # number: the chart's month, 1 to 12 (MONTH_NUMBER)
        if 1 <= number <= len(months):
            values[name][number - 1] += _d(value)
    names = order or tuple(sorted(values, key=lambda n: (n == "Not lessons", n)))
    return tuple(Series(name=n, values=tuple(values[n])) for n in names if n in values)


def _money_chart(found: Any, moment: Moment, key: str, how: str) -> MonthChart:
    months = moment.months()
    rows = [(m, words(n) if key == "revenue_method" else n, v) for m, n, v in found]
    return MonthChart(
        key=key,
        title=f"Revenue received per month, {how}",
        unit="money",
        counts="Money received per calendar month by payment date, refunds subtracted in the "
        "month they were made"
        + (
            "; a payment is shared among the teachers of its invoice's lesson lines in "
            "proportion to the lines ('Not lessons': room hire, books, fees)."
            if key == "revenue_teacher"
            else "."
        ),
        months=months,
        series=_series(rows, months),
    )


def _attendance_chart(found: Any, moment: Moment) -> MonthChart:
    months = moment.months()
    rows = [(m, ATTENDANCE_WORDS[k], n) for m, k, n in found if k in ATTENDANCE_WORDS]
    return MonthChart(
        key="attendance",
        title="Attendance per month",
        unit="count",
        counts="Lessons that started in each calendar month (up to now) by what happened: "
        "completed, late-cancelled, cancelled in time, no-show. Lessons not yet marked are "
        "left out.",
        months=months,
        series=_series(rows, months, tuple(ATTENDANCE_WORDS.values())),
    )


def _active_chart(rows: Any, moment: Moment) -> MonthChart:
    months = moment.months()
    return MonthChart(
        key="active_students",
        title="Active students per month",
        unit="count",
        counts="Students active on the last day of each month (today for this month): "
        "enrolled by then and not left.",
        months=months,
        series=_series(
            [(months.index(m) + 1, "Active students", n) for m, n in rows if m in months],
            months,
        ),
    )


def _pay_figure(pay: Any) -> Figure:
    """The teacher's pay in the current pay period so far (services/teacher_pay.py)."""
    return Figure(
        key="my_pay",
        label="My pay so far",
        value=pay.total if pay is not None else Decimal(0),
        unit="money",
        detail=f"{pay.lessons} lessons, {pay.hours} h" if pay is not None else "",
        counts="Your pay for the current pay period up to now, as the studio's pay run will "
        "work it out: your lessons marked so far at your pay rule (what a cancellation or "
        "no-show pays is the studio's policy), with adjustments and extra lines.",
    )


# --- a teacher's Home ------------------------------------------------------------------------

TEACHER_COUNTS = """
SELECT
 (SELECT count(*) FROM lessons le WHERE le.teacher_id = :teacher AND le.status <> 'cancelled'
    AND le.scheduled_start >= :day0 AND le.scheduled_start < :day1) AS today,
 (SELECT count(*) FROM lessons le WHERE le.teacher_id = :teacher AND le.status <> 'cancelled'
    AND le.scheduled_start >= :week0 AND le.scheduled_start < :week1) AS week,
 (SELECT count(*) FROM lessons le WHERE le.teacher_id = :teacher AND le.status <> 'cancelled'
    AND le.scheduled_start >= :lastweek0 AND le.scheduled_start < :week0) AS last_week,
 (SELECT count(*) FROM lessons le WHERE le.teacher_id = :teacher
    AND le.status IN ('scheduled', 'in_progress') AND le.scheduled_end <= :now) AS unmarked,
 (SELECT count(*) FROM students st WHERE st.primary_teacher_id = :teacher AND st.is_active)
    AS students,
 (SELECT coalesce(sum(extract(epoch FROM le.scheduled_end - le.scheduled_start)), 0) / 3600
    FROM lessons le WHERE le.teacher_id = :teacher AND le.status = 'completed'
    AND le.scheduled_start >= :month0 AND le.scheduled_start < :month1) AS hours,
 (SELECT coalesce(sum(extract(epoch FROM le.scheduled_end - le.scheduled_start)), 0) / 3600
    FROM lessons le WHERE le.teacher_id = :teacher AND le.status = 'completed'
    AND le.scheduled_start >= :lastmonth0 AND le.scheduled_start < :month0) AS last_hours
"""


def _teacher(
    s: Session, p: dict[str, Any], moment: Moment
) -> tuple[tuple[Figure, ...], tuple[Figure, ...], tuple[MonthChart, ...]]:
    teacher: uuid.UUID | None = p["teacher"]
    if teacher is None:  # a teacher's login without a teacher record: nothing of their own
        return (), (), ()
    mine = "AND le.teacher_id = :teacher"
    counts, attendance, hours_rows, monthly_attendance = read_together(
        s,
        [
            _bound(TEACHER_COUNTS, p),
            _bound(ATTENDANCE_RATE.format(teacher=mine), p),
            _bound(MONTHLY_HOURS, p),
            _bound(MONTHLY_ATTENDANCE.format(teacher=mine), p),
        ],
    )
    c, att = counts[0], attendance[0]
    glance = (
        Figure(
            key="my_lessons_today",
            label="My lessons today",
            value=_d(c.today),
            unit="count",
            counts="Your lessons starting today that are not cancelled.",
        ),
        Figure(
            key="unmarked",
            label="Not marked yet",
            value=_d(c.unmarked),
            unit="count",
            counts="Your lessons that have ended but are still scheduled or checked in, of any "
            "day: the newest 50 are listed under 'Over, attendance not marked' below; select "
            "one and press Ctrl+I to mark it taught (or No-show).",
        ),
    )
    figures = (
        Figure(
            key="my_lessons_week",
            label="My lessons this week",
            value=_d(c.week),
            previous=_d(c.last_week),
            previous_label="last week",
            unit="count",
            counts="Your lessons starting Monday to Sunday of this week, every status but "
            "cancelled; beside it, last week's.",
        ),
        Figure(
            key="my_students",
            label="My students",
            value=_d(c.students),
            unit="count",
            counts="Active students whose main teacher you are.",
        ),
        Figure(
            key="hours_month",
            label="Hours taught this month",
            value=_d(c.hours).quantize(Decimal("0.01")),
            previous=_d(c.last_hours).quantize(Decimal("0.01")),
            previous_label="last month",
            unit="hours",
            counts="The booked length of your lessons marked taught that started this "
            "calendar month; beside it, last month's.",
        ),
        _attendance_figure(att),
    )
    months = moment.months()
    hours = MonthChart(
        key="hours",
        title="Hours taught per month",
        unit="hours",
        counts="The booked length of your lessons marked taught, per calendar month.",
        months=months,
        series=_series(hours_rows, months),
    )
    return glance, figures, (hours, _attendance_chart(monthly_attendance, moment))
