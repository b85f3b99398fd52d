"""Showing the studio's times: UTC datetimes from services, in the studio's time zone."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from studiosync_desktop.zones import zone_of


class StudioClock:
    """The studio's zone, learnt from the first load; until then this PC's local time."""

    def __init__(self) -> None:
        self.zone: ZoneInfo | None = None

    def today(self) -> date:
        return datetime.now(self.zone).date() if self.zone else date.today()

    def local(self, value: datetime) -> datetime:
        return value.astimezone(self.zone) if self.zone else value.astimezone()

    def learn(self, zone: str | None) -> None:
        """The studio's zone, when a load brought it."""
        if zone:
            self.zone = zone_of(zone)

    def stamp(self, value: datetime) -> str:
        """When something happened, as the desk reads it: "Thu 26 Nov 09:30"."""
        return self.local(value).strftime("%a %d %b %H:%M")

    def span(self, start: datetime, end: datetime, with_day: bool = True) -> str:
        a, b = self.local(start), self.local(end)
        day = a.strftime("%a %d %b  ") if with_day else ""
        return f"{day}{a:%H:%M} \N{EN DASH} {b:%H:%M}"
