"""`studiosync report`: the list of reports, and one report of a period to CSV, XLSX or PDF
(the format follows the file's extension), for scripted month-end exports."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any

from studiosync_desktop.bootstrap import admin_session
from studiosync_desktop.config import AppDirs, DatabaseTarget


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    report = sub.add_parser(
        "report",
        help="reports: --list, or NAME --from DATE --to DATE -o FILE (.csv, .xlsx, .pdf)",
        parents=[common],
    )
    report.add_argument("name", nargs="?", metavar="NAME", help="a report of --list")
    report.add_argument("--list", action="store_true", help="list the reports and their groups")
    report.add_argument("--from", dest="first", type=date.fromisoformat, metavar="YYYY-MM-DD")
    report.add_argument("--to", dest="last", type=date.fromisoformat, metavar="YYYY-MM-DD")
    report.add_argument("--group", default="", help="e.g. revenue by teacher, instrument, method")
    report.add_argument("--instrument", default="", help="only this instrument's students")
    report.add_argument("--payer", default="", help="only payers whose name has this")
    report.add_argument("-o", "--output", type=Path, metavar="FILE")


def run(args: argparse.Namespace, target: DatabaseTarget, dirs: AppDirs) -> int:
    from studiosync_desktop.reports.report_pdf import render_report
    from studiosync_desktop.services.container import Services
    from studiosync_desktop.services.report_files import file_format, write_rows

    with admin_session(target, dirs) as (db, actor):
        reports = Services.build(db).reports
        if args.list or not args.name:
            for info in reports.available(actor):
                groups = f"  (--group {' | '.join(info.groups)})" if info.groups else ""
                narrow = " ".join(f"--{f}" for f in info.filters if f != "teacher")
                print(
                    f"{info.name:14} {info.description}{groups}" + (f"  [{narrow}]" * bool(narrow))
                )
            return 0
        if not (args.first and args.last and args.output):
            print("studiosync report NAME needs --from, --to and -o FILE.")
            return 2
        kind = file_format(args.output)
        request = {
            "name": args.name,
            "first": args.first,
            "last": args.last,
            "group": args.group,
            "instrument": args.instrument,
            "payer": args.payer,
        }
        if kind == ".pdf":
            table = reports.run(actor, request)
            args.output.write_bytes(render_report(table, table.studio_name, table.locale))
            count = len(table.rows)
        elif args.name in ("lessons", "financial", "users", "student-list"):  # long lists
            count = write_rows(
                args.output,
                args.name,
                reports.columns(actor, request),
                reports.stream(actor, request),
                narrowed=reports.narrowed(actor, request),
            )
        else:
            table = reports.run(actor, request)
            count = write_rows(
                args.output,
                table.title,
                table.columns,
                table.rows,
                table.totals,
                narrowed=table.narrowed,
            )
        print(f"wrote {args.output}: {count:,} rows of {args.name}, {args.first} to {args.last}")
    return 0
