"""Live updates: LISTEN on a dedicated connection in a plain thread; no Qt here.

The database sends `NOTIFY studiosync_changes '{"table": ..., "op": ..., "ids": [...]}'` from a
statement-level trigger on every business table (migration 0006_roster); notifications are
delivered at commit, so a desk never reloads half a transaction. A payload is a hint, never
trusted: only its table name is used, to pick the tabs that re-read through their own login.
When the connection is lost the listener reconnects with a growing pause and then reports
`None` ("reload everything"): changes made while it was away were not heard.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

import psycopg

from studiosync_desktop.embedded import libpq_dsn

log = logging.getLogger(__name__)

CHANNEL = "studiosync_changes"


@dataclass(frozen=True)
class Change:
    """One committed statement on `table`: its ids when there were 20 or fewer, else None."""

    table: str
    op: str
    ids: tuple[str, ...] | None


# Called on the listener thread: a Change, or None for "reconnected: reload everything".
OnChange = Callable[[Change | None], None]


def parse_payload(payload: str) -> Change | None:
    try:
        data = json.loads(payload)
        ids = data.get("ids")
        return Change(
            table=str(data["table"]),
            op=str(data.get("op", "")),
            ids=tuple(str(i) for i in ids) if isinstance(ids, list) else None,
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        log.warning("Ignoring a malformed change notice: %r", payload)
        return None


class LiveListener:
    """LISTENs on its own connection until `stop()`; `on_change` runs on the listener thread."""

    def __init__(
        self,
        url: str,
        on_change: OnChange,
        *,
        on_status: Callable[[bool], None] | None = None,
        max_backoff: float = 30.0,
        poll_seconds: float = 0.5,
    ) -> None:
        self._url = libpq_dsn(url)
        self._on_change = on_change
        self._on_status = on_status
        self._max_backoff = max_backoff
        self._poll = poll_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._conn: psycopg.Connection[object] | None = None
        self.connected = threading.Event()

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="studiosync-live", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def drop_connection(self) -> None:
        """Closes the connection as a network failure would (tests of the reconnect path)."""
        conn = self._conn
        if conn is not None:
            conn.pgconn.finish()

    def _run(self) -> None:
        backoff = 0.5
        first = True
        while not self._stop.is_set():
            try:
                with psycopg.connect(
                    self._url,
                    autocommit=True,
                    connect_timeout=5,
                    application_name="studiosync-live",
                ) as conn:
                    self._conn = conn
                    conn.execute(f"LISTEN {CHANNEL}")
                    self.connected.set()
                    self._status(True)
                    if not first:
                        self._deliver(None)  # missed changes while away: reload everything
                    first = False
                    backoff = 0.5
                    while not self._stop.is_set():
                        for notice in conn.notifies(timeout=self._poll):
                            # Any login may NOTIFY this channel: a payload is only a hint
                            # (each tab re-reads through its own login), a malformed one is
                            # dropped rather than taken as "reload everything".
                            change = parse_payload(notice.payload)
                            if change is not None:
                                self._deliver(change)
                            if self._stop.is_set():
                                break
            except psycopg.Error as exc:
                log.info("Live updates: connection lost (%s); retrying in %.1f s", exc, backoff)
            finally:
                self._conn = None
                if self.connected.is_set():
                    self.connected.clear()
                    self._status(False)
            if self._stop.wait(backoff):
                break
            first = False
            backoff = min(backoff * 2, self._max_backoff)

    def _deliver(self, change: Change | None) -> None:
        try:
            self._on_change(change)
        except Exception:  # a bug in a receiver must not stop the listening
            log.exception("Live updates: a receiver failed")

    def _status(self, up: bool) -> None:
        if self._on_status is not None:
            try:
                self._on_status(up)
            except Exception:
                log.exception("Live updates: a status receiver failed")
