"""Days and times the scheduling tests book on: the `admin` studio's zone, a Monday ahead."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

NY = ZoneInfo("America/New_York")  # the `admin` fixture's studio time zone


def future_monday() -> date:
    """The Monday two weeks ahead: lessons there have not started, whatever today is."""
    today = datetime.now(NY).date()
    return today - timedelta(days=today.weekday()) + timedelta(weeks=2)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """`hour:minute` on `day`, in the studio's zone."""
    return datetime.combine(day, time(hour, minute), NY)
