"""The `studio` fixture's week (tests/ui/conftest.py): a lesson on this week's Monday at 16:00
and one today at 09:00. On a Monday they are on the same day, and a screen of today shows both."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

NY = ZoneInfo("America/New_York")


def mondays_lesson_is_today() -> int:
    """1 when the studio's today (New York) is a Monday, else 0: a count of today's lessons."""
    return int(datetime.now(NY).weekday() == 0)
