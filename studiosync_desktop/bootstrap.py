"""Opening the database the app runs on: the embedded server or the studio's shared one."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.engine import make_url

from studiosync_desktop import migrate
from studiosync_desktop.config import AppDirs, DatabaseTarget
from studiosync_desktop.db import Database
from studiosync_desktop.embedded import EmbeddedServer

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

    def close(self) -> None:
        self.db.dispose()
        # The embedded server stops when the last app instance using it exits (atexit).


def shown_url(url: str) -> str:
    """The URL as it may be printed: never with its password."""
    return make_url(url).render_as_string(hide_password=True)


def database_url(target: DatabaseTarget, dirs: AppDirs) -> tuple[str, EmbeddedServer | None]:
    """The URL to connect to, starting the embedded server when that is the target."""
    if target.url is not None:
        return target.url, None
    server = EmbeddedServer(dirs.embedded_pgdata)
    return server.ensure_database(), server


def open_database(target: DatabaseTarget, dirs: AppDirs) -> OpenDatabase:
    """Connects; migrates the embedded database itself, but only checks a shared server."""
    url, server = database_url(target, dirs)
    if server is not None:
        if migrate.current_revision(url) != migrate.SCHEMA_HEAD:
            migrate.upgrade(url)
        description = f"Embedded database in {dirs.embedded_pgdata}"
    else:
        migrate.require_current_schema(url, shown_url(url))
        description = target.describe()
    return OpenDatabase(Database(url), url, description, server)
