"""Finding a time and syncing outside calendars, on the large studio.

The large demo has no working hours or outside calendars; the first figure gives every one of
its 60 teachers a week of hours and an outside calendar of weekly events (as the owner, once).
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import text

from bench.core import Context, figure, service_time
from bench.desk_path import desk_figure, large, owner_actor
from studiosync_desktop.db import Database
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services.calendar_feeds import CalendarFeedService
from studiosync_desktop.services.container import Services
from studiosync_desktop.services.feed_fetch import FetchPolicy

HOURS = """
INSERT INTO teacher_hours (studio_id, teacher_id, weekday, start_time, end_time)
SELECT t.studio_id, t.id, d::smallint, '10:00'::time, '14:00'::time
  FROM teachers t, generate_series(0, 4) d
UNION ALL
SELECT t.studio_id, t.id, d::smallint, '15:00'::time, '20:00'::time
  FROM teachers t, generate_series(0, 5) d
"""
# Each teacher's calendar: a weekly event on two weekdays over the half year a sync keeps.
FEEDS = """
WITH f AS (
    INSERT INTO calendar_feeds (studio_id, teacher_id, name, url)
    SELECT studio_id, id, 'Outside', 'https://calendar.example/' || id || '.ics' FROM teachers
    RETURNING id, studio_id, teacher_id
)
INSERT INTO calendar_feed_events (studio_id, feed_id, teacher_id, starts, ends, title)
SELECT f.studio_id, f.id, f.teacher_id, s, s + interval '2 hours', 'Rehearsal'
  FROM f, generate_series(date_trunc('week', now()) + interval '1 day 17 hours',
                          now() + interval '26 weeks', interval '3 days 12 hours') s
"""


def _prepared(ctx: Context) -> Database:
    db = large(ctx)
    with db.engine.begin() as conn:
        if not conn.scalar(text("SELECT count(*) FROM teacher_hours")):
            conn.execute(text(HOURS))
            conn.execute(text(FEEDS))
            conn.execute(text("ANALYZE teacher_hours, calendar_feeds, calendar_feed_events"))
    return db


_asked: dict[str, Any] = {}


def _find(services: Services, actor: Actor, ctx: Context) -> Any:
    """A student's next half hour with any of the 60 teachers in the first room, four weeks."""
    if not _asked:
        with _prepared(ctx).engine.connect() as conn:
            _asked["student_id"] = conn.scalar(text("SELECT id FROM students ORDER BY id LIMIT 1"))
            _asked["room_id"] = conn.scalar(
                text("SELECT id FROM practice_rooms ORDER BY name LIMIT 1")
            )
    query = {**_asked, "any_teacher": True, "minutes": 30, "days": 28}
    return services.find_time.find(actor, query)


desk_figure("find_time_any_teacher_four_weeks", 100.0, _find, None)


def _feed(events: int, zone: ZoneInfo) -> bytes:
    """A feed of `events` occurrences' worth: weekly series of 10 and single events."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//bench//EN", "X-WR-TIMEZONE:Europe/Berlin"]
    start = datetime.now(zone).replace(hour=9, minute=0, second=0, microsecond=0)
    made = i = 0
    while made < events:
        at = start + timedelta(days=i % 150, hours=i % 10)
        weekly = i % 4 == 0
        lines += [
            "BEGIN:VEVENT",
            f"UID:bench-{i}",
            "DTSTAMP:20260101T000000Z",
            f"DTSTART:{at.astimezone(ZoneInfo('UTC')):%Y%m%dT%H%M%SZ}",
            f"DTEND:{(at + timedelta(hours=1)).astimezone(ZoneInfo('UTC')):%Y%m%dT%H%M%SZ}",
            f"SUMMARY:Event {i}",
            *(["RRULE:FREQ=WEEKLY;COUNT=10"] if weekly else []),
            "END:VEVENT",
        ]
        made += 10 if weekly else 1
        i += 1
    lines.append("END:VCALENDAR")
    return "\r\n".join(lines).encode()


@figure("calendar_feed_sync_2000_events", "ms", 1000.0)
def feed_sync(ctx: Context) -> float:
    db = _prepared(ctx)
    actor = owner_actor(ctx)
    body = _feed(2000, ZoneInfo("Europe/Berlin"))

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        feeds = CalendarFeedService(db, FetchPolicy(allow_http=True))
        teacher = feeds.teacher_by_email(actor, "teacher1@demo.studiosync.example")
        url = f"http://127.0.0.1:{server.server_address[1]}/bench.ics"
        feed = feeds.add_feed(actor, {"name": "Bench", "url": url, "teacher_id": teacher})
        return service_time(lambda: feeds.sync(actor, [feed.id]), runs=3)
    finally:
        server.shutdown()
        server.server_close()
