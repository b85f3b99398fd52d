"""Time zones by name, as studios store them, and time that passes in one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def zone_of(name: str | None) -> ZoneInfo:
    """The zone called `name`, or UTC when the name is empty or unknown to this PC."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local(moment: datetime, zone: str | None) -> datetime:
    """A moment as the studio's wall clock shows it (a payment at 21:29 in Chicago is on
    the 6th there, though the 7th in UTC, as the database hands it over)."""
    return moment.astimezone(zone_of(zone))


def minutes_after(start: datetime, minutes: int) -> datetime:
    """`minutes` of real time after `start`, shown in its zone. A datetime's own arithmetic
    adds to the wall clock: a lesson at 01:30 on the night the clocks go back would end at
    02:00 of the second 01:00-02:00, 90 minutes later."""
    return (start.astimezone(UTC) + timedelta(minutes=minutes)).astimezone(start.tzinfo)
