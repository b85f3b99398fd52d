"""`studiosync calendars`: add a teacher's outside calendar, sync the feeds, list busy times."""

from __future__ import annotations

import argparse
from datetime import date
from typing import Any

from studiosync_desktop.bootstrap import admin_session
from studiosync_desktop.config import AppDirs, DatabaseTarget
from studiosync_desktop.errors import ValidationFailed
from studiosync_desktop.zones import zone_of


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    cal = sub.add_parser(
        "calendars", help="outside calendars: add, sync, list busy times", parents=[common]
    )
    actions = cal.add_subparsers(dest="calendars_command", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="add a teacher's calendar feed", parents=[common])
    add.add_argument("--teacher", required=True, metavar="EMAIL")
    add.add_argument("--url", required=True, help="https:// or webcal:// address of the feed")
    add.add_argument("--name", default="", help="what the calendar is called (default: Calendar)")
    actions.add_parser("sync", help="fetch every feed now", parents=[common])
    busy = actions.add_parser(
        "busy", help="a teacher's outside busy times, one line each", parents=[common]
    )
    busy.add_argument("--teacher", required=True, metavar="EMAIL")
    busy.add_argument("--from", dest="first", required=True, type=date.fromisoformat)
    busy.add_argument("--to", dest="last", required=True, type=date.fromisoformat)


def run(args: argparse.Namespace, target: DatabaseTarget, dirs: AppDirs) -> int:
    # Imported when the command runs: the window's start builds this parser too (lazy is the
    # point: the feeds' iCalendar libraries stay out of the app's start-up).
    from studiosync_desktop.services.calendar_feeds import CalendarFeedService
    from studiosync_desktop.services.feed_fetch import FetchPolicy
    from studiosync_desktop.services.studio import StudioService

    with admin_session(target, dirs) as (db, actor):
        feeds = CalendarFeedService(db, FetchPolicy.from_environment())
        if args.calendars_command == "add":
            teacher = feeds.teacher_by_email(actor, args.teacher)
            row = feeds.add_feed(
                actor, {"name": args.name or "Calendar", "url": args.url, "teacher_id": teacher}
            )
            print(f"Added '{row.name}' for {row.owner}: {row.url}")
            result = feeds.sync(actor, [row.id])
            for r in result:
                print(_said(r.name, r.events, r.error))
            return 0 if all(r.ok for r in result) else 1
        if args.calendars_command == "sync":
            results = feeds.sync(actor)
            for r in results:
                print(_said(r.name, r.events, r.error))
            return 0 if all(r.ok for r in results) else 1
        if args.last < args.first:
            raise ValidationFailed({"to": "--to comes before --from"})
        teacher = feeds.teacher_by_email(actor, args.teacher)
        days = (args.last - args.first).days + 1
        zone = zone_of(StudioService(db).details(actor).timezone)
        for block in feeds.busy(actor, args.first, days, teacher_id=teacher):
            start, end = block.start.astimezone(zone), block.end.astimezone(zone)
            print(f"{start.isoformat()} {end.isoformat()} {block.feed_name}")
        return 0


def _said(name: str, events: int, error: str) -> str:
    return f"{name}: {error}" if error else f"{name}: {events} busy times"
