"""Live updates: a change committed on one connection reaches the listener on another."""

from __future__ import annotations

import queue
import time

from factories import Maker
from sqlalchemy import text

from studiosync_desktop.db import Database
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services.live import Change, LiveListener, parse_payload
from studiosync_desktop.services.roster import RosterService


def wait_for(q: queue.Queue, pred, timeout: float = 5.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            item = q.get(timeout=0.1)
        except queue.Empty:
            continue
        if pred(item):
            return item
    raise AssertionError("no matching change arrived")


def test_a_change_on_one_desk_reaches_the_listener_of_another(db: Database, admin: Actor) -> None:
    heard: queue.Queue[Change | None] = queue.Queue()
    listener = LiveListener(db.url, heard.put)
    listener.start()
    try:
        assert listener.connected.wait(5)
        saved = RosterService(db).save_student(admin, {"first_name": "Sam", "last_name": "Lee"})
        seen: dict[str, Change] = {}
        while {"students", "users"} - set(seen):
            change = wait_for(heard, lambda c: c is not None)
            seen[change.table] = change
        assert seen["students"].op == "insert"
        assert seen["students"].ids == (str(saved.id),)
    finally:
        listener.stop()


def test_nothing_is_heard_before_commit_and_big_statements_send_no_ids(
    db: Database, admin: Actor
) -> None:
    heard: queue.Queue[Change | None] = queue.Queue()
    listener = LiveListener(db.url, heard.put)
    listener.start()
    try:
        assert listener.connected.wait(5)
        maker = Maker(db, admin.studio_id)
        with db.engine.connect() as conn:
            trans = conn.begin()
            conn.execute(
                text(
                    "INSERT INTO families (studio_id, name) "
                    "SELECT :s, 'F' || g FROM generate_series(1, 25) g"
                ),
                {"s": admin.studio_id},
            )
            time.sleep(0.6)
            assert heard.empty()
            trans.commit()
        change = wait_for(heard, lambda c: c is not None and c.table == "families")
        assert change.ids is None
        maker.family("One more")
    finally:
        listener.stop()


def test_a_lost_connection_reconnects_and_asks_for_a_full_reload(db: Database) -> None:
    heard: queue.Queue[Change | None] = queue.Queue()
    listener = LiveListener(db.url, heard.put, max_backoff=0.5)
    listener.start()
    try:
        assert listener.connected.wait(5)
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE application_name = 'studiosync-live' AND datname = current_database()"
                )
            )
        assert wait_for(heard, lambda c: c is None, timeout=10) is None
        assert listener.connected.wait(5)
    finally:
        listener.stop()


def test_a_malformed_payload_is_ignored() -> None:
    assert parse_payload("not json") is None
    assert parse_payload('{"table": "lessons", "ids": ["a"]}') == Change("lessons", "", ("a",))
