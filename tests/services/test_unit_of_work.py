"""The service boundary reruns a writing call that lost a deadlock, and says so when it keeps
losing; every writing service method is such a unit of work."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Iterator

import pytest
from sqlalchemy import text

import studiosync_desktop.services as services_package
from studiosync_desktop.db import BUSY, Database
from studiosync_desktop.errors import Busy
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services.rooms import RoomService
from studiosync_desktop.services.unit_of_work import ATTEMPTS, is_unit_of_work


@pytest.fixture
def deadlocking_rooms(db: Database) -> Iterator[Database]:
    """Adding a room fails with the server's deadlock error (40P01) while `fail_first` says so;
    a sequence (not rolled back with the failed transaction) counts the attempts."""
    with db.engine.begin() as c:
        c.execute(
            text(
                """
                CREATE SEQUENCE test_room_attempts;
                CREATE TABLE test_room_plan (fail_first int NOT NULL);
                CREATE FUNCTION test_room_deadlock() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF nextval('test_room_attempts') <= (SELECT fail_first FROM test_room_plan)
                    THEN
                        RAISE EXCEPTION 'deadlock detected (test)'
                            USING ERRCODE = 'deadlock_detected';
                    END IF;
                    RETURN NEW;
                END $$;
                CREATE TRIGGER test_room_deadlock BEFORE INSERT ON practice_rooms
                    FOR EACH ROW EXECUTE FUNCTION test_room_deadlock();
                """
            )
        )
    yield db
    with db.engine.begin() as c:
        c.execute(
            text(
                "DROP TRIGGER test_room_deadlock ON practice_rooms;"
                " DROP FUNCTION test_room_deadlock(); DROP TABLE test_room_plan;"
                " DROP SEQUENCE test_room_attempts;"
            )
        )


def _plan(db: Database, fail_first: int) -> None:
    with db.engine.begin() as c:
        c.execute(text("INSERT INTO test_room_plan VALUES (:n)"), {"n": fail_first})


def _attempts_and_rooms(db: Database) -> tuple[int, int]:
    with db.engine.connect() as c:
        attempts = c.execute(text("SELECT last_value FROM test_room_attempts")).scalar_one()
        rooms = c.execute(text("SELECT count(*) FROM practice_rooms")).scalar_one()
    return int(attempts), int(rooms)


def test_a_call_that_loses_a_deadlock_is_rerun_and_saved_once(
    deadlocking_rooms: Database, admin: Actor
) -> None:
    _plan(deadlocking_rooms, 2)
    room = RoomService(deadlocking_rooms).create_room(admin, {"name": "Room B"})
    assert room.name == "Room B"
    assert _attempts_and_rooms(deadlocking_rooms) == (3, 1)


def test_a_call_that_keeps_losing_gives_the_desk_a_sentence_and_saves_nothing(
    deadlocking_rooms: Database, admin: Actor
) -> None:
    _plan(deadlocking_rooms, 1000)
    with pytest.raises(Busy) as refused:
        RoomService(deadlocking_rooms).create_room(admin, {"name": "Room B"})
    assert str(refused.value) == BUSY
    assert _attempts_and_rooms(deadlocking_rooms) == (ATTEMPTS, 0)


def test_a_deadlock_outside_a_service_call_is_a_sentence_too(
    deadlocking_rooms: Database, admin: Actor
) -> None:
    _plan(deadlocking_rooms, 1000)
    with pytest.raises(Busy), deadlocking_rooms.session() as s:
        s.execute(
            text("INSERT INTO practice_rooms (studio_id, name) VALUES (:s, 'Room C')"),
            {"s": admin.studio_id},
        )


# Writing methods that are not one unit of work, and why.
NOT_RERUN = {
    # Each calls Stripe between its database steps: a rerun would call Stripe again.
    "StripePayments.*": "calls Stripe",
    # The refund path belongs with the Stripe work (one refund, whichever way it goes).
    "PaymentService.refund": "refund path, with Stripe's",
    # Builds a whole studio in one transaction under its own advisory lock, on an empty
    # database, once; a deadlock there is still a sentence (`Busy`), not rerun.
    "DemoService.build": "one bulk load",
    # The helper the scheduling methods (which are units of work) run their work in.
    "SchedulingPart._in_session": "helper",
    # Reads only: a server-side cursor needs a transaction, which a read session has none of;
    # a generator cannot be rerun once it has yielded rows.
    "ReportService.stream": "reads in chunks",
}


def _writing_methods() -> Iterator[tuple[str, object]]:
    for info in pkgutil.iter_modules(services_package.__path__):
        module = importlib.import_module(f"{services_package.__name__}.{info.name}")
        for cls in vars(module).values():
            if not inspect.isclass(cls) or cls.__module__ != module.__name__:
                continue
            for name, fn in vars(cls).items():
                if not inspect.isfunction(fn):
                    continue
                written = inspect.unwrap(fn)
                if written.__code__.co_filename != module.__file__:
                    continue  # not written here (a dataclass's generated methods)
                source = inspect.getsource(written)
                if "self._db.session()" in source or "self._in_session(" in source:
                    yield f"{cls.__name__}.{name}", fn


def test_every_writing_service_method_is_a_unit_of_work() -> None:
    found = dict(_writing_methods())
    assert "InvoicingService.credit_note" in found and "RoomService.reserve" in found
    missing = [
        name
        for name, fn in found.items()
        if not is_unit_of_work(fn)
        and name not in NOT_RERUN
        and f"{name.split('.')[0]}.*" not in NOT_RERUN
    ]
    assert missing == []
