"""The administrator's commands: staff logins, backup and restore."""

from __future__ import annotations

import argparse
import sys

from studiosync_desktop.bootstrap import admin_session, database_url, shown_url
from studiosync_desktop.config import AppDirs, DatabaseTarget
from studiosync_desktop.services import backup
from studiosync_desktop.services.accounts import AccountService


def run(args: argparse.Namespace, target: DatabaseTarget, dirs: AppDirs) -> int:
    if args.command == "users" and args.users_command == "relink":
        return relink_users(target, dirs)
    if args.command == "users":
        return add_user(args, target, dirs)
    if args.command == "stripe-key":
        return store_stripe_key(target, dirs)
    url, _server = database_url(target, dirs)  # backups take the database as it is
    if args.command == "backup":
        written = backup.backup(url, args.output)
        print(f"backed up {shown_url(url)} to {written}")
        return 0
    if not args.yes:
        answer = input(f"Replace everything in {shown_url(url)} with {args.file}? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("Nothing was changed.")
            return 1
    restored = backup.restore(url, args.file, dirs.data / "backups")
    print(restored.message())
    return 2 if restored.logins.problem else 0


def add_user(args: argparse.Namespace, target: DatabaseTarget, dirs: AppDirs) -> int:
    """Runs as the connection given (the database owner, for scripted set-ups)."""
    password = sys.stdin.readline().rstrip("\n")
    with admin_session(target, dirs) as (db, actor):
        first = args.first_name or args.email.split("@", 1)[0].split(".")[0].title()
        login = AccountService(db).invite(
            actor,
            {
                "email": args.email,
                "first_name": first,
                "last_name": args.last_name,
                "role": args.role,
                "password": password,
            },
        )
    print(login)
    return 0


def relink_users(target: DatabaseTarget, dirs: AppDirs) -> int:
    """Makes every staff login again for this database (after a restore that could not)."""
    from studiosync_desktop.services.restored_logins import relink

    url, _server = database_url(target, dirs)
    done = relink(url, shown_url(url))
    print(" ".join(done.sentences()) or "There are no staff logins in this database.")
    return 2 if done.problem else 0


def store_stripe_key(target: DatabaseTarget, dirs: AppDirs) -> int:
    """Keeps the Stripe secret key in the system keyring, never in a file or the database."""
    from studiosync_desktop.errors import NotSetUp
    from studiosync_desktop.schemas.billing import stripe_key_problem
    from studiosync_desktop.services.stripe_client import store_secret

    secret = sys.stdin.readline().strip()
    problem = stripe_key_problem(secret)
    if problem:
        print(f"studiosync: {problem[0].lower()}{problem[1:]}", file=sys.stderr)
        return 2
    with admin_session(target, dirs) as (_db, actor):
        studio = actor.studio_id
    try:
        store_secret(studio, secret)
    except NotSetUp as exc:
        print(f"studiosync: {exc}", file=sys.stderr)
        return 2
    print("The Stripe key is stored in this PC's keyring.")
    return 0
