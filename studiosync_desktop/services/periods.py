"""Calendar periods in the studio's time zone: months, weeks, and the reports' named periods."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from studiosync_desktop import limits
from studiosync_desktop.errors import ValidationFailed

PeriodName = Literal["this_month", "last_month", "term", "year", "last_year", "custom"]
PERIOD_NAMES: dict[str, str] = {
    "this_month": "This month",
    "last_month": "Last month",
    "term": "This term",
    "year": "This year",
    "last_year": "Last year",
    "custom": "Custom…",
}
# The school year's terms start on these months (September, January, April).
TERM_STARTS = (9, 1, 4)


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(first: date, months: int) -> date:
    """The first day of the month `months` after the month of `first` (negative: before)."""
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def week_start(day: date) -> date:
    """The Monday of `day`'s week."""
    return day - timedelta(days=day.weekday())


def months_between(first: date, last: date) -> tuple[date, ...]:
    """The first day of every calendar month from `first`'s month to `last`'s, both included."""
    out, month = [], month_start(first)
    while month <= last:
        out.append(month)
        month = add_months(month, 1)
    return tuple(out)


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The moment `day` begins where the studio is."""
    return datetime.combine(day, time(0), zone)


def named_period(name: str, today: date) -> tuple[date, date]:
    """The first and last day (both included) of a named period around `today`."""
    if name == "this_month":
        return month_start(today), add_months(month_start(today), 1) - timedelta(days=1)
    if name == "last_month":
        first = add_months(month_start(today), -1)
        return first, month_start(today) - timedelta(days=1)
    if name == "year":
        return date(today.year, 1, 1), date(today.year, 12, 31)
    if name == "last_year":
        return date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)
    if name == "term":
        starts = sorted(
            date(y, m, 1) for y in (today.year - 1, today.year, today.year + 1) for m in TERM_STARTS
        )
        first = max(s for s in starts if s <= today)
        following = min(s for s in starts if s > today)
        return first, following - timedelta(days=1)
    raise ValidationFailed({"period": f"'{name}' is not a period: {', '.join(PERIOD_NAMES)}."})


def check_period(first: date, last: date) -> None:
    """A report's period runs forward, covers at most ten years, and lies within the dates the
    studio keeps (`limits`: a month or week around year 9999 cannot be computed)."""
    within = f"Type a date between {limits.FIRST_DAY:%d %b %Y} and {limits.LAST_DAY:%d %b %Y}."
    if not limits.FIRST_DAY <= first <= limits.LAST_DAY:
        raise ValidationFailed({"from": within})
    if not limits.FIRST_DAY <= last <= limits.LAST_DAY:
        raise ValidationFailed({"to": within})
    if last < first:
        raise ValidationFailed({"to": "The period ends before it starts."})
    if (last - first).days > 3660:
        raise ValidationFailed({"to": "A report covers at most ten years."})
