"""A real HTTP server for the tests, serving calendar feeds of real-world shapes (and failures).

`FeedServer().routes[path] = Route(...)` sets what a path answers; a route may be changed
between two syncs (an event deleted at the source).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo


@dataclass
class Route:
    body: bytes
    status: int = 200
    delay: float = 0.0
    content_type: str = "text/calendar; charset=utf-8"


class FeedServer:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: dict[str, int] = {}
        routes, hits = self.routes, self.hits

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                hits[self.path] = hits.get(self.path, 0) + 1
                route = routes.get(self.path, Route(b"not here", 404, content_type="text/plain"))
                if route.delay:
                    time.sleep(route.delay)
                try:
                    self.send_response(route.status)
                    self.send_header("Content-Type", route.content_type)
                    self.send_header("Content-Length", str(len(route.body)))
                    self.end_headers()
                    self.wfile.write(route.body)
                except OSError:
                    pass  # the client gave up (a time-out test)

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{path}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@contextmanager
def feed_server() -> Iterator[FeedServer]:
    server = FeedServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def next_monday(after: date | None = None) -> date:
    day = (after or datetime.now(ZoneInfo("America/New_York")).date()) + timedelta(days=7)
    return day + timedelta(days=(7 - day.weekday()) % 7)


def stamp(day: date) -> str:
    return day.strftime("%Y%m%d")


def calendar(*events: str, head: str = "") -> bytes:
    body = "\r\n".join(
        ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//StudioSync tests//EN", *filter(None, [head])]
        + [e.strip().replace("\n", "\r\n") for e in events]
        + ["END:VCALENDAR", ""]
    )
    return body.encode()


def event(uid: str, *lines: str) -> str:
    return "\n".join(
        ["BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20260101T000000Z", *lines, "END:VEVENT"]
    )


def berlin_dst_change(after: date) -> date:
    """The next day Berlin's clocks change on, within the half year a sync keeps."""
    zone = ZoneInfo("Europe/Berlin")
    day = after
    for _ in range(183):
        noon = datetime(day.year, day.month, day.day, 12, tzinfo=zone)
        nxt = noon + timedelta(days=1)
        if noon.utcoffset() != nxt.astimezone(zone).utcoffset():
            return day + timedelta(days=1)
        day += timedelta(days=1)
    raise AssertionError("no clock change within half a year")


def google_export(monday: date, first_weekly: date) -> bytes:
    """Google's shape: times in UTC and the calendar's zone in X-WR-TIMEZONE."""
    head = "\n".join(
        [
            "CALSCALE:GREGORIAN",
            "METHOD:PUBLISH",
            "X-WR-CALNAME:Maya's gigs",
            "X-WR-TIMEZONE:Europe/Berlin",
        ]
    )
    return calendar(
        event(
            "gig-1@google.com",
            f"DTSTART:{stamp(monday)}T180000Z",
            f"DTEND:{stamp(monday)}T210000Z",
            "SUMMARY:Jazz club gig",
        ),
        # 18:00 in Berlin every week: Google writes the first one in UTC.
        event(
            "choir@google.com",
            f"DTSTART:{stamp(first_weekly)}T{_utc_hour(first_weekly)}0000Z",
            f"DTEND:{stamp(first_weekly)}T{_utc_hour(first_weekly, 1)}0000Z",
            "RRULE:FREQ=WEEKLY;COUNT=3",
            "SUMMARY:Choir",
        ),
        head=head,
    )


def _utc_hour(day: date, plus: int = 0) -> str:
    local = datetime(day.year, day.month, day.day, 18 + plus, tzinfo=ZoneInfo("Europe/Berlin"))
    return f"{local.astimezone(ZoneInfo('UTC')).hour:02d}"


OUTLOOK_ZONE = """BEGIN:VTIMEZONE
TZID:W. Europe Standard Time
BEGIN:STANDARD
DTSTART:16010101T030000
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010101T020000
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3
END:DAYLIGHT
END:VTIMEZONE"""


def outlook_export(day: date) -> bytes:
    """Outlook's shape: a Windows zone name with its VTIMEZONE."""
    zone = "W. Europe Standard Time"
    return calendar(
        OUTLOOK_ZONE,
        event(
            "040000008200E00074C5B7101A82E008",
            f"DTSTART;TZID={zone}:{stamp(day)}T140000",
            f"DTEND;TZID={zone}:{stamp(day)}T153000",
            "SUMMARY:Dentist",
            "X-MICROSOFT-CDO-BUSYSTATUS:BUSY",
        ),
        event(
            "free-outlook",
            f"DTSTART;TZID={zone}:{stamp(day)}T080000",
            f"DTEND;TZID={zone}:{stamp(day)}T090000",
            "SUMMARY:Maybe coffee",
            "TRANSP:TRANSPARENT",
        ),
        head="METHOD:PUBLISH\nX-WR-CALNAME:Calendar",
    )


APPLE_ZONE = """BEGIN:VTIMEZONE
TZID:America/New_York
BEGIN:DAYLIGHT
TZOFFSETFROM:-0500
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU
DTSTART:20070311T020000
TZNAME:EDT
TZOFFSETTO:-0400
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:-0400
RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU
DTSTART:20071104T020000
TZNAME:EST
TZOFFSETTO:-0500
END:STANDARD
END:VTIMEZONE"""


def apple_export(day: date) -> bytes:
    """Apple's shape: an Olson zone with its VTIMEZONE, a cancelled event, a timed one."""
    zone = "America/New_York"
    return calendar(
        APPLE_ZONE,
        event(
            "A1B2-apple",
            f"DTSTART;TZID={zone}:{stamp(day)}T113000",
            f"DTEND;TZID={zone}:{stamp(day)}T123000",
            "SUMMARY:Doctor",
            "X-APPLE-TRAVEL-ADVISORY-BEHAVIOR:AUTOMATIC",
        ),
        event(
            "C3D4-apple",
            f"DTSTART;TZID={zone}:{stamp(day)}T150000",
            f"DTEND;TZID={zone}:{stamp(day)}T160000",
            "SUMMARY:Call off",
            "STATUS:CANCELLED",
        ),
        head="CALSCALE:GREGORIAN\nX-WR-CALNAME:Home",
    )


def weekly_with_exceptions(first: date) -> bytes:
    """Six weekly rehearsals at 19:00 New York: the second taken out, the third moved to 20:00."""
    zone = "America/New_York"
    second, third = first + timedelta(days=7), first + timedelta(days=14)
    return calendar(
        APPLE_ZONE,
        event(
            "rehearsal",
            f"DTSTART;TZID={zone}:{stamp(first)}T190000",
            f"DTEND;TZID={zone}:{stamp(first)}T210000",
            "RRULE:FREQ=WEEKLY;COUNT=6",
            f"EXDATE;TZID={zone}:{stamp(second)}T190000",
            "SUMMARY:Orchestra",
        ),
        event(
            "rehearsal",
            f"RECURRENCE-ID;TZID={zone}:{stamp(third)}T190000",
            f"DTSTART;TZID={zone}:{stamp(third)}T200000",
            f"DTEND;TZID={zone}:{stamp(third)}T220000",
            "SUMMARY:Orchestra (late)",
        ),
    )


def all_day_floating_and_open(day: date) -> bytes:
    """A two-day trip, a one-day event without an end, a floating time, a DURATION."""
    return calendar(
        event(
            "trip",
            f"DTSTART;VALUE=DATE:{stamp(day)}",
            f"DTEND;VALUE=DATE:{stamp(day + timedelta(days=2))}",
            "SUMMARY:Festival trip",
        ),
        event("holiday", f"DTSTART;VALUE=DATE:{stamp(day + timedelta(days=7))}", "SUMMARY:Holiday"),
        event(
            "floating",
            f"DTSTART:{stamp(day + timedelta(days=8))}T100000",
            f"DTEND:{stamp(day + timedelta(days=8))}T110000",
            "SUMMARY:Floating",
        ),
        event(
            "duration",
            f"DTSTART:{stamp(day + timedelta(days=9))}T140000Z",
            "DURATION:PT45M",
            "SUMMARY:Short call",
        ),
        event(
            "instant",
            f"DTSTART:{stamp(day + timedelta(days=9))}T160000Z",
            "SUMMARY:Reminder without length",
        ),
    )
