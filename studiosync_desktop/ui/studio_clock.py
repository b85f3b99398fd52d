"""Showing the studio's times: UTC datetimes from services, in the studio's time zone."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from studiosync_desktop.zones import zone_of

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from studiosync_desktop.schemas.studio import StudioInfo

__all__ = ["StudioClock", "today_in", "zone_of"]


def today_in(zone: str | None) -> date:
    """Today where the studio is, from its zone's name (this PC's own date without one)."""
    return datetime.now(zone_of(zone)).date() if zone else date.today()


class StudioClock(QObject):
    """The studio's zone (and its opening hours and grid), one per login, shared by every
    screen: read at login, and again when another desk changes the studio (`changed`).

    Without a zone (a window built before anything was read) it is this PC's local time.
    """

    # The zone, the opening hours or the grid changed: screens showing dates follow.
    changed = Signal()

    def __init__(
        self,
        zone: str | None = None,
        info: StudioInfo | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.zone: ZoneInfo | None = zone_of(zone) if zone else None
        # The studio's settings as last read (None until the first read).
        self.info: StudioInfo | None = None
        if info is not None:
            self.learn_studio(info)

    def today(self) -> date:
        return today_in(self.zone.key if self.zone else None)

    def local(self, value: datetime) -> datetime:
        return value.astimezone(self.zone) if self.zone else value.astimezone()

    def learn(self, zone: str | None) -> None:
        """The studio's zone, when a load brought it (`changed` when it is a new one)."""
        if zone and (self.zone is None or self.zone.key != zone):
            self.zone = zone_of(zone)
            self.changed.emit()

    def learn_studio(self, info: StudioInfo) -> bool:
        """The studio as just read: whether its zone, hours or grid changed or were read for
        the first time (then `changed` was emitted; a new name or logo alone changes nothing
        here)."""
        old = self.info
        zone_changed = self.zone is None or self.zone.key != info.timezone
        self.info = info
        self.zone = zone_of(info.timezone)
        # The first read is news too: screens built before it assumed the default hours and
        # grid (no tab has loaded yet then, so nothing is fetched twice).
        moved = (
            zone_changed
            or old is None
            or old.settings.opens_at != info.settings.opens_at
            or old.settings.closes_at != info.settings.closes_at
            or old.settings.snap_minutes != info.settings.snap_minutes
        )
        if moved:
            self.changed.emit()
        return moved

    def stamp(self, value: datetime) -> str:
        """When something happened, as the desk reads it: "Thu 26 Nov 09:30"."""
        return self.local(value).strftime("%a %d %b %H:%M")

    def span(self, start: datetime, end: datetime, with_day: bool = True) -> str:
        a, b = self.local(start), self.local(end)
        day = a.strftime("%a %d %b  ") if with_day else ""
        return f"{day}{a:%H:%M} \N{EN DASH} {b:%H:%M}"
