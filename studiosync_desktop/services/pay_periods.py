"""Pay periods: which days a weekly, two-weekly or monthly period covers (pure date arithmetic)."""

from __future__ import annotations

from datetime import date, timedelta

from studiosync_desktop.schemas.teacher_pay import PayPeriod, PayPeriodKind


def period_of(day: date, kind: PayPeriodKind, anchor: date) -> PayPeriod:
    """The period that holds `day`. Monthly: the calendar month; weekly and two-weekly: 7 or
    14 days counted from `anchor` (so they start on the anchor's weekday)."""
    if kind == "monthly":
        first = day.replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        return PayPeriod(start=first, end=following - timedelta(days=1), kind=kind)
    length = 7 if kind == "weekly" else 14
    start = anchor + timedelta(days=((day - anchor).days // length) * length)
    return PayPeriod(start=start, end=start + timedelta(days=length - 1), kind=kind)


def previous_period(period: PayPeriod, anchor: date) -> PayPeriod:
    return period_of(period.start - timedelta(days=1), period.kind, anchor)


def next_period(period: PayPeriod, anchor: date) -> PayPeriod:
    return period_of(period.end + timedelta(days=1), period.kind, anchor)
