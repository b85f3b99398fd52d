"""Outside calendars fetched from a real HTTP server started in the test, in real-world shapes."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import psycopg
import pytest
from factories import Maker
from feed_server import (
    FeedServer,
    Route,
    all_day_floating_and_open,
    apple_export,
    berlin_dst_change,
    calendar,
    event,
    feed_server,
    google_export,
    next_monday,
    outlook_export,
    stamp,
    weekly_with_exceptions,
)
from sqlalchemy import text

from studiosync_desktop.cli import main
from studiosync_desktop.db import Database
from studiosync_desktop.embedded import libpq_dsn
from studiosync_desktop.errors import PermissionDenied, ValidationFailed
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services.calendar_feeds import ROUND_LOCK, CalendarFeedService
from studiosync_desktop.services.feed_fetch import FetchPolicy

NY = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
POLICY = FetchPolicy(allow_http=True, timeout=1.0, max_bytes=200_000)


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with feed_server() as running:
        yield running


@pytest.fixture
def teacher(db: Database, admin: Actor) -> uuid.UUID:
    return Maker(db, admin.studio_id).teacher("Maya", "Chen")


def _busy(
    feeds: CalendarFeedService, actor: Actor, teacher: uuid.UUID
) -> list[tuple[datetime, datetime, str]]:
    """Every busy time a sync keeps (two weeks back, half a year ahead), in three reads."""
    first = datetime.now(NY).date() - timedelta(days=13)
    return [
        (b.start, b.end, b.title)
        for part in range(4)
        for b in feeds.busy(actor, first + timedelta(days=62 * part), 62, teacher_id=teacher)
    ]


def _add(
    feeds: CalendarFeedService,
    admin: Actor,
    server: FeedServer,
    teacher: uuid.UUID,
    path: str,
    body: bytes,
) -> uuid.UUID:
    server.routes[path] = Route(body)
    return feeds.add_feed(
        admin, {"name": path.strip("/"), "url": server.url(path), "teacher_id": teacher}
    ).id


def test_a_google_export_keeps_its_weekly_event_at_the_calendars_local_time_across_a_clock_change(
    db: Database, admin: Actor, server: FeedServer, teacher: uuid.UUID
) -> None:
    monday = next_monday()
    change = berlin_dst_change(monday)
    first = change - timedelta(days=7)
    feeds = CalendarFeedService(db, POLICY)
    _add(feeds, admin, server, teacher, "/google.ics", google_export(monday, first))
    [result] = feeds.sync(admin)
    assert result.ok and result.events == 4
    found = _busy(feeds, admin, teacher)
    choir = [(a, b) for a, b, t in found if t == "Choir"]
    assert [a.astimezone(BERLIN).strftime("%H:%M") for a, _ in choir] == ["18:00"] * 3
    assert (
        len(
            {a.utcoffset() for a, _ in choir} | {a.astimezone(BERLIN).utcoffset() for a, _ in choir}
        )
        >= 2
    )
    gig = next(a for a, _, t in found if t == "Jazz club gig")
    assert gig == datetime.combine(monday, datetime.min.time(), UTC).replace(hour=18)


def test_an_outlook_export_with_a_windows_zone_name_is_read_and_free_time_is_not_busy(
    db: Database, admin: Actor, server: FeedServer, teacher: uuid.UUID
) -> None:
    day = next_monday() + timedelta(days=1)
    feeds = CalendarFeedService(db, POLICY)
    _add(feeds, admin, server, teacher, "/outlook.ics", outlook_export(day))
    feeds.sync(admin)
    [(start, end, title)] = _busy(feeds, admin, teacher)
    assert title == "Dentist"
    assert start == datetime.combine(day, datetime.min.time(), BERLIN).replace(hour=14)
    assert end - start == timedelta(minutes=90)


def test_an_apple_export_is_read_and_a_cancelled_event_is_not_busy(
    db: Database, admin: Actor, server: FeedServer, teacher: uuid.UUID
) -> None:
    day = next_monday() + timedelta(days=2)
    feeds = CalendarFeedService(db, POLICY)
    _add(feeds, admin, server, teacher, "/apple.ics", apple_export(day))
    feeds.sync(admin)
    [(start, _end, title)] = _busy(feeds, admin, teacher)
    assert (title, start.astimezone(NY).strftime("%H:%M")) == ("Doctor", "11:30")


def test_weekly_events_lose_their_excluded_dates_and_a_moved_occurrence_moves(
    db: Database, admin: Actor, server: FeedServer, teacher: uuid.UUID
) -> None:
    first = next_monday() + timedelta(days=3)
    feeds = CalendarFeedService(db, POLICY)
    _add(feeds, admin, server, teacher, "/weekly.ics", weekly_with_exceptions(first))
    feeds.sync(admin)
    found = [(a.astimezone(NY), t) for a, _, t in _busy(feeds, admin, teacher)]
    assert [(a.date(), a.strftime("%H:%M"), t) for a, t in found] == [
        (first, "19:00", "Orchestra"),
        (first + timedelta(days=14), "20:00", "Orchestra (late)"),
        (first + timedelta(days=21), "19:00", "Orchestra"),
        (first + timedelta(days=28), "19:00", "Orchestra"),
        (first + timedelta(days=35), "19:00", "Orchestra"),
    ]


def test_all_day_events_cover_whole_studio_days_and_floating_times_are_the_teachers_zone(
    db: Database, admin: Actor, server: FeedServer, teacher: uuid.UUID
) -> None:
    day = next_monday()
    feeds = CalendarFeedService(db, POLICY)
    _add(feeds, admin, server, teacher, "/mixed.ics", all_day_floating_and_open(day))
    feeds.sync(admin)
    found = {t: (a, b) for a, b, t in _busy(feeds, admin, teacher)}
    midnight = datetime.combine(day, datetime.min.time(), NY)
    assert found["Festival trip"] == (midnight, midnight + timedelta(days=2))
    holiday = datetime.combine(day + timedelta(days=7), datetime.min.time(), NY)
    assert found["Holiday"] == (holiday, holiday + timedelta(days=1))
    floating = datetime.combine(day + timedelta(days=8), datetime.min.time(), NY).replace(hour=10)
    assert found["Floating"] == (floating, floating + timedelta(hours=1))
    call = datetime.combine(day + timedelta(days=9), datetime.min.time(), UTC).replace(hour=14)
    assert found["Short call"] == (call, call + timedelta(minutes=45))
    assert "Reminder without length" not in found


def test_an_event_deleted_at_the_source_disappears_at_the_next_sync(
    db: Database, admin: Actor, server: FeedServer, teacher: uuid.UUID
) -> None:
    day = next_monday()
    two = [
        event(
            "keep", f"DTSTART:{stamp(day)}T150000Z", f"DTEND:{stamp(day)}T160000Z", "SUMMARY:Keep"
        ),
        event(
            "drop", f"DTSTART:{stamp(day)}T170000Z", f"DTEND:{stamp(day)}T180000Z", "SUMMARY:Drop"
        ),
    ]
    feeds = CalendarFeedService(db, POLICY)
    _add(feeds, admin, server, teacher, "/changing.ics", calendar(*two))
    feeds.sync(admin)
    assert sorted(t for *_, t in _busy(feeds, admin, teacher)) == ["Drop", "Keep"]
    server.routes["/changing.ics"] = Route(calendar(two[0]))
    feeds.sync(admin)
    assert [t for *_, t in _busy(feeds, admin, teacher)] == ["Keep"]
    [row] = feeds.feeds(admin)
    assert (row.event_count, row.last_error) == (1, "")


def test_failing_feeds_each_say_why_and_never_keep_the_others_from_syncing(
    db: Database, admin: Actor, server: FeedServer, teacher: uuid.UUID
) -> None:
    day = next_monday()
    feeds = CalendarFeedService(db, POLICY)
    good = _add(feeds, admin, server, teacher, "/good.ics", apple_export(day))
    for path, route in {
        "/gone.ics": Route(b"", status=404),
        "/slow.ics": Route(apple_export(day), delay=3.0),
        "/huge.ics": Route(
            calendar(
                *[
                    event(f"e{i}", f"DTSTART:{stamp(day)}T100000Z", "SUMMARY:" + "x" * 60)
                    for i in range(3000)
                ]
            )
        ),
        "/page.ics": Route(b"<!doctype html><html>Sign in</html>", content_type="text/html"),
    }.items():
        server.routes[path] = route
        feeds.add_feed(
            admin, {"name": path.strip("/"), "url": server.url(path), "teacher_id": teacher}
        )
    began = time.monotonic()
    results = {r.name: r for r in feeds.sync(admin)}
    assert time.monotonic() - began < 2.5  # the slow one waited its second, in parallel
    assert results["good.ics"].ok and results["good.ics"].events == 1
    assert "no calendar at this address (404)" in results["gone.ics"].error
    assert "did not answer within 1 seconds" in results["slow.ics"].error
    assert "larger than" in results["huge.ics"].error
    assert "not an iCalendar file" in results["page.ics"].error
    rows = {r.name: r for r in feeds.feeds(admin)}
    assert rows["gone.ics"].last_error == results["gone.ics"].error
    assert rows["gone.ics"].last_synced_at is None and rows["gone.ics"].last_attempt_at
    assert [t for *_, t in _busy(feeds, admin, teacher)] == ["Doctor"]
    # A feed that fails later keeps its last busy times (an outage is not a free week).
    server.routes["/good.ics"] = Route(b"", status=500)
    assert not feeds.sync(admin, [good])[0].ok
    assert [t for *_, t in _busy(feeds, admin, teacher)] == ["Doctor"]


def test_addresses_are_https_with_webcal_rewritten_and_other_schemes_refused(
    db: Database, admin: Actor, teacher: uuid.UUID
) -> None:
    feeds = CalendarFeedService(db)
    row = feeds.add_feed(
        admin, {"name": "Gigs", "url": "webcal://p01.icloud.com/pub/abc.ics", "teacher_id": teacher}
    )
    assert row.url == "https://p01.icloud.com/pub/abc.ics"
    for url in ("http://cal.example/a.ics", "ftp://cal.example/a.ics", "file:///etc/passwd", "cal"):
        with pytest.raises(ValidationFailed) as refused:
            feeds.add_feed(admin, {"name": "X", "url": url, "teacher_id": teacher})
        assert "https://" in refused.value.fields["url"]


def test_the_desk_sees_busy_and_the_calendars_name_never_the_title(
    db: Database, admin: Actor, server: FeedServer, teacher: uuid.UUID
) -> None:
    desk = admin.model_copy(update={"role": "desk", "name": "Dee"})
    feeds = CalendarFeedService(db, POLICY)
    _add(feeds, admin, server, teacher, "/apple.ics", apple_export(next_monday()))
    feeds.sync(desk)
    [block] = feeds.busy(desk, next_monday(), 1, teacher_id=teacher)
    assert (block.title, block.feed_name, block.label) == ("Busy", "apple.ics", "Busy · apple.ics")


def test_a_file_is_imported_once_and_a_bad_file_is_refused_next_to_the_field(
    db: Database, admin: Actor, teacher: uuid.UUID
) -> None:
    feeds = CalendarFeedService(db, POLICY)
    row = feeds.import_file(
        admin, {"name": "Term dates", "teacher_id": teacher}, apple_export(next_monday())
    )
    assert (row.from_file, row.event_count) == (True, 1)
    assert feeds.sync(admin) == ()  # nothing to fetch
    with pytest.raises(ValidationFailed) as refused:
        feeds.import_file(admin, {"name": "Photo", "teacher_id": teacher}, b"\x89PNG....")
    assert "not an iCalendar file" in refused.value.fields["file"]
    assert len(feeds.feeds(admin)) == 1


def test_a_feed_turned_off_is_not_shown_and_a_teacher_adds_only_their_own(
    db: Database, admin: Actor, server: FeedServer, teacher: uuid.UUID
) -> None:
    maker = Maker(db, admin.studio_id)
    feeds = CalendarFeedService(db, POLICY)
    feed = _add(feeds, admin, server, teacher, "/apple.ics", apple_export(next_monday()))
    feeds.sync(admin)
    feeds.set_enabled(admin, feed, False)
    assert _busy(feeds, admin, teacher) == []
    feeds.set_enabled(admin, feed, True)
    assert len(_busy(feeds, admin, teacher)) == 1
    with db.session() as s:
        user = s.scalar(text("SELECT user_id FROM teachers WHERE id = :t"), {"t": teacher})
    maya = Actor(user_id=user, studio_id=admin.studio_id, role="teacher", name="Maya")
    other = maker.teacher("Omar", "Other")
    with pytest.raises(PermissionDenied):
        feeds.add_feed(
            maya, {"name": "Not mine", "url": "https://a.example/x", "teacher_id": other}
        )
    with pytest.raises(PermissionDenied):
        feeds.add_feed(maya, {"name": "Studio", "url": "https://a.example/x"})
    assert feeds.add_feed(
        maya, {"name": "Mine", "url": "https://a.example/x", "teacher_id": teacher}
    )


def test_the_background_round_runs_on_one_desk_at_a_time_and_only_for_feeds_due(
    db: Database, admin: Actor, server: FeedServer, teacher: uuid.UUID, database_url: str
) -> None:
    feeds = CalendarFeedService(db, POLICY)
    _add(feeds, admin, server, teacher, "/apple.ics", apple_export(next_monday()))
    with psycopg.connect(libpq_dsn(database_url), autocommit=True) as other_desk:
        other_desk.execute("SELECT pg_advisory_lock(%s)", (ROUND_LOCK,))
        assert feeds.sync_round(admin) is None
        other_desk.execute("SELECT pg_advisory_unlock(%s)", (ROUND_LOCK,))
    assert [r.events for r in feeds.sync_round(admin) or ()] == [1]
    assert feeds.sync_round(admin) == ()  # synced a moment ago: not due
    assert server.hits["/apple.ics"] == 1


def test_the_command_line_adds_syncs_and_prints_busy_times(
    db: Database,
    admin: Actor,
    server: FeedServer,
    teacher: uuid.UUID,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("STUDIOSYNC_ALLOW_HTTP_FEEDS", "1")
    with db.session() as s:
        email = s.scalar(
            text("SELECT u.email FROM users u JOIN teachers t ON t.user_id = u.id WHERE t.id = :t"),
            {"t": teacher},
        )
    first = next_monday()
    server.routes["/w.ics"] = Route(weekly_with_exceptions(first))
    db_arg = ["--database", database_url]
    assert (
        main(
            [
                "calendars",
                "add",
                "--teacher",
                email,
                "--url",
                server.url("/w.ics"),
                "--name",
                "Orchestra",
                *db_arg,
            ]
        )
        == 0
    )
    assert "Orchestra: 5 busy times" in capsys.readouterr().out
    assert main(["calendars", "sync", *db_arg]) == 0
    last = (first + timedelta(days=20)).isoformat()
    assert (
        main(
            [
                "calendars",
                "busy",
                "--teacher",
                email,
                "--from",
                first.isoformat(),
                "--to",
                last,
                *db_arg,
            ]
        )
        == 0
    )
    lines = capsys.readouterr().out.splitlines()[1:]
    start = datetime.combine(first, datetime.min.time(), NY).replace(hour=19)
    moved = datetime.combine(first + timedelta(days=14), datetime.min.time(), NY).replace(hour=20)
    assert lines == [
        f"{start.isoformat()} {(start + timedelta(hours=2)).isoformat()} Orchestra",
        f"{moved.isoformat()} {(moved + timedelta(hours=2)).isoformat()} Orchestra",
    ]
    monkeypatch.delenv("STUDIOSYNC_ALLOW_HTTP_FEEDS")
    assert (
        main(["calendars", "add", "--teacher", email, "--url", server.url("/w.ics"), *db_arg]) == 2
    )
    assert "https://" in capsys.readouterr().err


def test_a_date_only_event_without_timezone_is_not_moved_by_the_desks_zone(
    db: Database, admin: Actor, teacher: uuid.UUID
) -> None:
    day: date = next_monday()
    feeds = CalendarFeedService(db, POLICY)
    feeds.import_file(
        admin,
        {"name": "Away", "teacher_id": teacher},
        calendar(event("away", f"DTSTART;VALUE=DATE:{stamp(day)}", "SUMMARY:Away")),
    )
    [block] = feeds.busy(admin, day, 1, teacher_id=teacher)
    assert block.all_day and block.start.astimezone(NY).hour == 0


def test_a_floating_time_in_a_calendar_naming_its_zone_is_read_in_that_zone(
    db: Database, admin: Actor, teacher: uuid.UUID
) -> None:
    day = next_monday()
    body = calendar(
        event("f", f"DTSTART:{stamp(day)}T100000", f"DTEND:{stamp(day)}T110000", "SUMMARY:Lunch"),
        head="X-WR-TIMEZONE:Europe/Berlin",
    )
    feeds = CalendarFeedService(db, POLICY)
    feeds.import_file(admin, {"name": "Google", "teacher_id": teacher}, body)
    [(start, _end, _title)] = _busy(feeds, admin, teacher)
    assert start == datetime.combine(day, datetime.min.time(), BERLIN).replace(hour=10)


def test_floating_times_are_read_in_the_teachers_own_zone_once_set(
    db: Database, admin: Actor, server: FeedServer, teacher: uuid.UUID
) -> None:
    """A teacher living in Berlin for a New York studio: their phone's floating 10:00 is
    10:00 in Berlin. Unset again, it is the studio's 10:00; an unknown zone is refused."""
    from studiosync_desktop.services.availability import AvailabilityService

    day = next_monday()
    feeds, hours = CalendarFeedService(db, POLICY), AvailabilityService(db)
    assert hours.teacher_zone(admin, teacher) is None  # the studio's until set
    hours.set_teacher_zone(admin, teacher, "Europe/Berlin")
    assert hours.teacher_zone(admin, teacher) == "Europe/Berlin"
    _add(feeds, admin, server, teacher, "/mixed.ics", all_day_floating_and_open(day))
    feeds.sync(admin)
    found = {t: (a, b) for a, b, t in _busy(feeds, admin, teacher)}
    at_ten = datetime.combine(day + timedelta(days=8), datetime.min.time(), BERLIN)
    assert found["Floating"][0] == at_ten.replace(hour=10)
    # Events that name their zone, and all-day ones (the studio's days), do not move.
    call = datetime.combine(day + timedelta(days=9), datetime.min.time(), UTC).replace(hour=14)
    assert found["Short call"] == (call, call + timedelta(minutes=45))
    midnight = datetime.combine(day, datetime.min.time(), NY)
    assert found["Festival trip"] == (midnight, midnight + timedelta(days=2))
    hours.set_teacher_zone(admin, teacher, "")
    feeds.sync(admin, [f.id for f in feeds.feeds(admin)])
    found = {t: (a, b) for a, b, t in _busy(feeds, admin, teacher)}
    in_ny = datetime.combine(day + timedelta(days=8), datetime.min.time(), NY).replace(hour=10)
    assert found["Floating"][0] == in_ny
    with pytest.raises(ValidationFailed) as refused:
        hours.set_teacher_zone(admin, teacher, "Mars/Olympus_Mons")
    assert "timezone" in refused.value.fields
