"""Opening the database the app runs on: the embedded server or the studio's shared one."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from studiosync_desktop import migrate
from studiosync_desktop.config import AppDirs, DatabaseTarget
from studiosync_desktop.db import Database
from studiosync_desktop.embedded import EarlyStart, EmbeddedServer
from studiosync_desktop.errors import DatabaseUnavailable, NotFound
from studiosync_desktop.schemas.common import Actor

log = logging.getLogger(__name__)


@dataclass
class OpenDatabase:
    db: Database
    url: str
    description: str
    server: EmbeddedServer | None = None
    # For the login dialog after the setup wizard: whose email to offer, and a line to show.
    email_hint: str = ""
    login_note: str = ""
    # The shared server's address came without who is connecting (a desk PC): nothing could
    # be read before somebody logs in, so their login checks the schema revision.
    needs_login: bool = False

    def close(self) -> None:
        self.db.dispose()
        # The embedded server stops when the last app instance using it exits (atexit).


def shown_url(url: str) -> str:
    """The URL as it may be printed: never with its password."""
    return make_url(url).render_as_string(hide_password=True)


def database_url(
    target: DatabaseTarget, dirs: AppDirs, early: EarlyStart | None = None
) -> tuple[str, EmbeddedServer | None]:
    """The URL to connect to, starting the embedded server when that is the target (or
    taking the one `early` started for this data folder)."""
    if target.url is not None:
        return target.url, None
    if early is not None and early.pgdata == dirs.embedded_pgdata:
        server = early.take()
    else:
        server = EmbeddedServer(dirs.embedded_pgdata)
    return server.ensure_database(), server


def open_database(
    target: DatabaseTarget, dirs: AppDirs, early: EarlyStart | None = None
) -> OpenDatabase:
    """Connects; migrates the embedded database itself, but only checks a shared server."""
    url, server = database_url(target, dirs, early)
    if server is not None:
        if migrate.current_revision(url) != migrate.SCHEMA_HEAD:
            migrate.upgrade(url)
        description = f"Embedded database in {dirs.embedded_pgdata}"
        return OpenDatabase(Database(url), url, description, server)
    try:
        migrate.require_current_schema(url, shown_url(url))
    except OperationalError as exc:
        refusal = _first_line(exc.orig)
        if not _asks_who(refusal):
            log.warning("cannot open %s: %s", shown_url(url), refusal)
            raise DatabaseUnavailable(
                f"The studio database at {target.describe().removeprefix('Studio server ')} "
                f"cannot be opened: {refusal}. Check the address and the network, then retry."
            ) from exc
        return OpenDatabase(Database(url), url, target.describe(), needs_login=True)
    return OpenDatabase(Database(url), url, target.describe())


@contextmanager
def admin_session(target: DatabaseTarget, dirs: AppDirs) -> Iterator[tuple[Database, Actor]]:
    """For the command line: the database opened as the app opens it (the embedded one
    migrated, a shared one checked) and the studio's first administrator acting."""
    from studiosync_desktop.services.studio import StudioService

    opened = open_database(target, dirs)
    try:
        try:
            actor = StudioService(opened.db).default_actor()
        except NotFound as exc:
            raise NotFound(
                "The database has no studio yet: run the app or `studiosync demo` first."
            ) from exc
        yield opened.db, actor
    finally:
        opened.close()


def probe_server(url: str, dirs: AppDirs) -> str:
    """Opens the shared server at `url` as the app will, and says what it found (a sentence
    for the desk); DatabaseUnavailable or SchemaOutOfDate when the app could not use it."""
    opened = open_database(DatabaseTarget(url), dirs)
    opened.close()
    if opened.needs_login:
        return "The server answers. Each person logs in with their own email and password."
    return "The server answers and its studio database is ready for this version."


# What a server says when it answers but wants to know who is connecting.
_WHO_ARE_YOU = ("password authentication failed", "no password supplied", "pg_hba.conf")


def _asks_who(refusal: str) -> bool:
    unknown_role = 'role "' in refusal and "does not exist" in refusal
    return unknown_role or any(words in refusal for words in _WHO_ARE_YOU)


def _first_line(error: BaseException | None) -> str:
    """The server's reason, without libpq's "connection to server at ... failed:" preamble."""
    text = str(error or "").strip().splitlines()[0] if str(error or "").strip() else "no answer"
    reason = text.rsplit("failed:", 1)[-1].strip()
    return reason.removeprefix("FATAL:").strip() or text
