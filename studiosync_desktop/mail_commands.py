"""`studiosync mail`: set up the studio's mail server, send a test email, send what is queued."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from studiosync_desktop.bootstrap import admin_session
from studiosync_desktop.config import AppDirs, DatabaseTarget
from studiosync_desktop.vocabulary import SMTP_SECURITY


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    mail = sub.add_parser(
        "mail", help="the studio's email: set up, test, send what is queued", parents=[common]
    )
    actions = mail.add_subparsers(dest="mail_command", metavar="ACTION", required=True)
    setup = actions.add_parser(
        "setup",
        help="the mail server every desk sends through (the password goes to this PC's keyring)",
        parents=[common],
    )
    setup.add_argument("--host", required=True)
    setup.add_argument("--port", type=int, required=True)
    setup.add_argument("--security", choices=SMTP_SECURITY, default="starttls")
    setup.add_argument("--user", default="", help="the mail account's login, if it has one")
    setup.add_argument(
        "--password-stdin", action="store_true", help="read the account's password from stdin"
    )
    setup.add_argument("--from", dest="from_address", default="", metavar="ADDRESS")
    setup.add_argument("--from-name", default="", metavar="NAME")
    setup.add_argument(
        "--trust-certificate",
        default="",
        metavar="SHA256",
        help="the fingerprint of the studio's own server's certificate (self-signed or "
        "private), as `mail test` prints it: exactly that certificate is accepted",
    )
    test = actions.add_parser(
        "test", help="send one email now and print the server's answer", parents=[common]
    )
    test.add_argument("--to", required=True, metavar="ADDRESS")
    actions.add_parser(
        "send-queued", help="write and send the queued email due now", parents=[common]
    )


def run(args: argparse.Namespace, target: DatabaseTarget, dirs: AppDirs) -> int:
    if args.mail_command == "setup":
        return setup(args, target, dirs)
    if args.mail_command == "test":
        return test(args, target, dirs)
    return send_queued(target, dirs)


def setup(args: argparse.Namespace, target: DatabaseTarget, dirs: AppDirs) -> int:
    from studiosync_desktop.services.email_settings import EmailSettingsService

    if args.user and not args.password_stdin:
        print(
            "studiosync: give the account's password on stdin with --password-stdin",
            file=sys.stderr,
        )
        return 2
    password = sys.stdin.readline().rstrip("\r\n") if args.password_stdin else ""
    with admin_session(target, dirs) as (db, actor):
        done = EmailSettingsService(db).save_account(
            actor,
            {
                "host": args.host,
                "port": args.port,
                "security": args.security,
                "username": args.user,
                "password": password,
                "from_address": args.from_address,
                "from_name": args.from_name,
                "trusted_certificate": args.trust_certificate,
            },
        )
    login = f" as {done.username} (password in this PC's keyring)" if done.username else ""
    trusted = (
        f" Its certificate is trusted by fingerprint (SHA-256 {done.trusted_certificate})."
        if done.trusted_certificate
        else ""
    )
    print(
        f"The studio's email goes through {done.host}:{done.port} "
        f"({done.security}){login}, from {done.from_address}.{trusted}"
    )
    return 0


def test(args: argparse.Namespace, target: DatabaseTarget, dirs: AppDirs) -> int:
    from studiosync_desktop.services.email_settings import EmailSettingsService

    with admin_session(target, dirs) as (db, actor):
        result = EmailSettingsService(db).send_test(actor, {"to": args.to})
    print(result.answer, file=sys.stdout if result.ok else sys.stderr)
    return 0 if result.ok else 2


def send_queued(target: DatabaseTarget, dirs: AppDirs) -> int:
    from studiosync_desktop.services.email_jobs import MailJobs

    with admin_session(target, dirs) as (db, actor):
        outcome = MailJobs.build(db).run_once(actor)
    print(outcome.sentence)
    return 2 if outcome.report.problem else 0
