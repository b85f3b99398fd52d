"""`studiosync demo`: fill an empty database with the demo studio, or (--reset) wipe the
database and build the demo again."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from studiosync_desktop.config import AppDirs, DatabaseTarget
from studiosync_desktop.embedded import libpq_dsn
from studiosync_desktop.errors import Conflict

# The demo studio's mark (services/demo.py gives it this slug): a reset wipes only it on a
# shared server.
DEMO_SLUG = "riverside-music-school"


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    demo = sub.add_parser(
        "demo",
        help="fill an empty database with a demo studio (--reset: wipe it and build it again)",
        parents=[common],
    )
    demo.add_argument("--size", choices=("small", "large"), default="small")
    demo.add_argument(
        "--reset",
        action="store_true",
        help="delete everything in the database and build the demo again (asks first)",
    )
    demo.add_argument("--yes", action="store_true", help="with --reset: do not ask")


@dataclass(frozen=True)
class Occupant:
    """What the database holds now: the studio's name and whether it is the demo."""

    name: str
    is_demo: bool


def occupant(url: str) -> Occupant | None:
    """The studio in the database (None: no schema or no studio yet)."""
    with psycopg.connect(libpq_dsn(url)) as conn:
        if conn.execute("SELECT to_regclass('public.studios')").fetchone() == (None,):
            return None
        row = conn.execute("SELECT name, slug FROM studios ORDER BY created_at LIMIT 1").fetchone()
    return Occupant(name=row[0], is_demo=row[1] == DEMO_SLUG) if row else None


def wipe(url: str) -> None:
    """Empties the database in place (its schema and everything in it), keeping the database
    itself, its owner and the connection settings of every desk."""
    with psycopg.connect(libpq_dsn(url), autocommit=True) as conn:
        owner = conn.execute("SELECT current_user").fetchone() or ("postgres",)
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
        conn.execute(
            sql.SQL("CREATE SCHEMA public AUTHORIZATION {}").format(sql.Identifier(owner[0]))
        )


def reset(url: str, size: str, *, shared: bool) -> str:
    """Wipes the database and builds the demo again; what was built, in words. Refused on a
    shared server that holds a studio other than the demo."""
    from studiosync_desktop import migrate
    from studiosync_desktop.db import Database
    from studiosync_desktop.services.demo import DemoService
    from studiosync_desktop.services.restored_logins import drop_unused, logins_in_use

    held = occupant(url)
    if shared and held is not None and not held.is_demo:
        raise Conflict(
            f"This server holds the studio '{held.name}', not the demo: it is not wiped. "
            "Reset the demo only on a database that holds the demo (or the embedded one)."
        )
    replaced = logins_in_use(url) if held is not None else set()
    wipe(url)
    migrate.upgrade(url)
    db = Database(url)
    try:
        summary = DemoService(db).build(size)
    finally:
        db.dispose()
    drop_unused(url, replaced)  # the wiped studio's logins that the demo does not have
    return summary.describe()


def confirmed(held: Occupant | None, where: str) -> bool:
    """Asks at the terminal; a script without --yes is refused rather than left waiting."""
    what = f"the studio '{held.name}'" if held else "everything"
    if not sys.stdin.isatty():
        print("studiosync: add --yes to reset without being asked.", file=sys.stderr)
        return False
    answer = input(f"This deletes {what} in {where} and builds the demo again. Type 'reset': ")
    return answer.strip().lower() == "reset"


def run(args: argparse.Namespace, target: DatabaseTarget, dirs: AppDirs) -> int:
    from studiosync_desktop import migrate
    from studiosync_desktop.bootstrap import database_url, shown_url
    from studiosync_desktop.db import Database
    from studiosync_desktop.services.demo import DemoService

    url, _server = database_url(target, dirs)
    if args.reset:
        where = "the embedded database" if target.is_embedded else shown_url(url)
        if not args.yes and not confirmed(occupant(url), where):
            print("Nothing was changed.")
            return 1
        print(reset(url, args.size, shared=not target.is_embedded))
        return 0
    if target.is_embedded or migrate.current_revision(url) is None:
        migrate.upgrade(url)
    db = Database(url)
    try:
        summary = DemoService(db).build(args.size)
    finally:
        db.dispose()
    print(summary.describe())
    return 0
