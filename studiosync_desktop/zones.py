"""Time zones by name, as studios store them."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def zone_of(name: str | None) -> ZoneInfo:
    """The zone called `name`, or UTC when the name is empty or unknown to this PC."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")
