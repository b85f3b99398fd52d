"""An iCalendar file read as busy stretches: repeats expanded, zones resolved, free time left out.

icalendar parses (VTIMEZONE, Windows zone names of Outlook); recurring-ical-events expands
RRULE, RDATE and EXDATE, replaces moved occurrences (RECURRENCE-ID) and reads X-WR-TIMEZONE.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import recurring_ical_events
from icalendar import Calendar

MAX_OCCURRENCES = 20_000
TITLE_LENGTH = 300


class FeedUnreadable(Exception):
    """The content is not an iCalendar file this app can read; the message says so in words."""


@dataclass(frozen=True)
class BusyEvent:
    start: datetime
    end: datetime
    title: str
    all_day: bool


def read_busy(
    content: bytes, first: datetime, until: datetime, floating: ZoneInfo, studio: ZoneInfo
) -> list[BusyEvent]:
    """The busy occurrences overlapping [first, until), in order.

    Floating times are read in `floating` (the teacher's zone); all-day events cover whole
    days in `studio`'s zone. Cancelled and transparent (free) events are not busy; an event
    without an end lasts its DURATION, a day if it is all-day, and otherwise blocks nothing.
    """
    calendar = _parse(content)
    try:
        repeating = _split_single_events(calendar)
        found: list[BusyEvent] = []
        singles = [c for c in calendar.subcomponents if c.name == "VEVENT"]
        calendar.subcomponents = [
            c for c in calendar.subcomponents if c.name != "VEVENT" or id(c) in repeating
        ]
        query = recurring_ical_events.of(calendar, skip_bad_series=True)
        expanded = list(query.between(first, until))
        singles = [c for c in singles if id(c) not in repeating]
        # A single event's floating time is in the calendar's own zone (Google's
        # X-WR-TIMEZONE) if it names one; the library applies it to the repeating ones.
        own = _zone(str(calendar.get("X-WR-TIMEZONE", ""))) or floating
        for component, zone in [*((c, floating) for c in expanded), *((c, own) for c in singles)]:
            busy = _busy(component, zone, studio)
            if busy is not None and busy.end > first and busy.start < until:
                found.append(busy)
                if len(found) > MAX_OCCURRENCES:
                    raise FeedUnreadable(
                        f"The calendar has more than {MAX_OCCURRENCES:,} events in the coming"
                        " months: is it the right one?"
                    )
    except FeedUnreadable:
        raise
    except Exception as exc:  # the libraries raise many kinds for malformed content
        raise FeedUnreadable(f"The calendar could not be read: {exc}") from exc
    found.sort(key=lambda e: (e.start, e.end))
    return found


def _split_single_events(calendar: Calendar) -> set[int]:
    """The ids of the events recurring-ical-events must see: repeating ones (RRULE, RDATE)
    and every event sharing a UID with a moved occurrence (RECURRENCE-ID). The others (most
    of a feed) are read directly: the library's query costs a millisecond an event."""
    events = [c for c in calendar.subcomponents if c.name == "VEVENT"]
    moved = {str(c.get("UID")) for c in events if c.get("RECURRENCE-ID") is not None}
    return {
        id(c)
        for c in events
        if c.get("RRULE") is not None or c.get("RDATE") is not None or str(c.get("UID")) in moved
    }


def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name) if name else None
    except (ValueError, KeyError, OSError):
        return None


def _parse(content: bytes) -> Calendar:
    head = content.lstrip()[:200].upper()
    if not head.startswith(b"BEGIN:VCALENDAR"):
        raise FeedUnreadable(
            "This is not an iCalendar file (it should start with BEGIN:VCALENDAR): check the"
            " address, it may be a web page or a sign-in page."
        )
    try:
        calendars = Calendar.from_ical(content, multiple=True)
    except Exception as exc:
        raise FeedUnreadable(f"The calendar could not be read: {exc}") from exc
    if not calendars:
        raise FeedUnreadable("The file holds no calendar.")
    calendar: Calendar = calendars[0]
    return calendar


def _busy(component: Any, floating: ZoneInfo, studio: ZoneInfo) -> BusyEvent | None:
    if str(component.get("STATUS", "")).upper() == "CANCELLED":
        return None
    if str(component.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT":
        return None
    start = component.get("DTSTART")
    if start is None:
        return None
    begins = start.dt
    end = component.get("DTEND")
    duration = component.get("DURATION")
    all_day = not isinstance(begins, datetime)
    if end is not None:
        ends = end.dt
    elif duration is not None:
        ends = begins + duration.dt
    else:
        ends = begins + timedelta(days=1) if all_day else begins
    a, b = _instant(begins, floating, studio), _instant(ends, floating, studio)
    if b <= a:
        return None
    title = str(component.get("SUMMARY", "")).strip()[:TITLE_LENGTH]
    return BusyEvent(a, b, title or "Busy", all_day)


def _instant(value: date | datetime, floating: ZoneInfo, studio: ZoneInfo) -> datetime:
    if not isinstance(value, datetime):
        return datetime.combine(value, time(0), studio)
    if value.tzinfo is None:
        return value.replace(tzinfo=floating)
    return value


def spans(events: list[BusyEvent]) -> Iterator[tuple[datetime, datetime]]:
    for e in events:
        yield e.start, e.end
