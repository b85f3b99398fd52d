"""The calendar's month: lessons counted per day, by teacher, instrument and status."""

from __future__ import annotations

import uuid
from datetime import date

from studiosync_desktop.schemas.common import Frozen

# Statuses that do not take place: counted apart, never in a day's "N lessons".
NOT_HELD = ("cancelled", "no_show")


class MonthDay(Frozen):
    """One day of the month view: what takes place, and how it splits for the colours."""

    day: date
    held: int
    cancelled: int
    by_teacher: tuple[tuple[uuid.UUID, int], ...]
    # The student's instrument ("Band" for a band's lesson, "" when nobody's instrument is known).
    by_instrument: tuple[tuple[str, int], ...]
    by_status: tuple[tuple[str, int], ...]
