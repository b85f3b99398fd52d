"""`studiosync privacy`: a person's data export, and the day's retention round."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from studiosync_desktop.bootstrap import admin_session
from studiosync_desktop.config import AppDirs, DatabaseTarget


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    privacy = sub.add_parser(
        "privacy", help="people's data: exports and the retention round", parents=[common]
    )
    actions = privacy.add_subparsers(dest="privacy_command", metavar="ACTION", required=True)
    export = actions.add_parser(
        "export",
        help="everything kept about a person, as a ZIP (PDF summary and JSON)",
        parents=[common],
    )
    export.add_argument("--email", required=True, metavar="EMAIL")
    export.add_argument("-o", "--output", type=Path, required=True, metavar="FILE.zip")
    actions.add_parser(
        "retention",
        help="run today's retention round now (once a day; the desks run it by themselves)",
        parents=[common],
    )


def run(args: argparse.Namespace, target: DatabaseTarget, dirs: AppDirs) -> int:
    from studiosync_desktop.schemas.privacy import describe_retention
    from studiosync_desktop.services.privacy import PrivacyService
    from studiosync_desktop.services.privacy_export import PrivacyExportService

    with admin_session(target, dirs) as (db, actor):
        if args.privacy_command == "export":
            service = PrivacyExportService(db)
            done = service.export(actor, service.person_by_email(actor, args.email))
            args.output.write_bytes(done.data)
            kept = sum(done.counts.values())
            print(f"wrote {args.output}: {kept} records about {done.name}")
            return 0
        summary = PrivacyService(db).run_retention(actor)
        if summary is None:
            print("Today's retention round has already run (or another desk is running it).")
        else:
            print(describe_retention(summary) or "Retention: nothing had passed its time.")
    return 0
