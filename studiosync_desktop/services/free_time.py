"""Free time between bookings: the gaps in a room's or a teacher's day, on the 15-minute grid."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

GRID = timedelta(minutes=15)

Span = tuple[datetime, datetime]
# The studio's opening hours (its settings' opens_at and closes_at), in its time zone: a free
# slot is looked for within them.
Hours = tuple[time, time]
DEFAULT_HOURS: Hours = (time(8, 0), time(22, 0))


def on_grid(at: datetime, zone: ZoneInfo) -> datetime:
    """`at` rounded up to the grid, in the studio's time (10:07 -> 10:15, 10:15 stays)."""
    local = at.astimezone(zone)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    steps = -((midnight - local) // GRID)  # ceiling division
    return midnight + steps * GRID


def free_gaps(
    busy: Sequence[Span],
    begin: datetime,
    until: datetime,
    zone: ZoneInfo,
    hours: Hours = DEFAULT_HOURS,
) -> Iterator[Span]:
    """The free stretches between `begin` and `until` within opening hours, day by day, each
    starting on the grid and ending where the next booking starts (or at closing)."""
    spans = sorted(busy)
    day = begin.astimezone(zone).date()
    last_day = until.astimezone(zone).date()
    while day <= last_day:
        opens = max(datetime.combine(day, hours[0], zone), begin)
        closes = min(datetime.combine(day, hours[1], zone), until)
        at = on_grid(opens, zone)
        for start, end in spans:
            if end <= at:
                continue
            if start >= closes:
                break
            if start > at:
                yield at, start
            at = max(at, on_grid(end, zone))
        if at < closes:
            yield at, closes
        day += timedelta(days=1)


def first_free(
    busy: Sequence[Span],
    begin: datetime,
    until: datetime,
    zone: ZoneInfo,
    wanted: timedelta,
    hours: Hours = DEFAULT_HOURS,
) -> Span | None:
    """The first free stretch of at least `wanted` (the whole stretch, not only `wanted`)."""
    gaps = free_gaps(busy, begin, until, zone, hours)
    return next(((a, b) for a, b in gaps if b - a >= wanted), None)
