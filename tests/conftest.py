"""Fixtures: a real PostgreSQL per test session, migrated to head, emptied after each test."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import keyring
import pytest
from factories import MemoryKeyring
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from stripe_server import FakeStripe

from studiosync_desktop import migrate
from studiosync_desktop.db import Database
from studiosync_desktop.models import Base
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services.studio import StudioService
from studiosync_desktop.testing import create_scratch_database, drop_database, superuser_server_url

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# The tests' studio is in New York (the `admin` fixture) and their expectations speak of its
# days ("today", "this month"): this process's own clock is kept there too, so they hold at
# any hour (between midnight UTC and midnight in New York, a PC on UTC is a day ahead). A PC
# in another zone than its studio is tried on purpose in tests/ui/test_studio_today.py.
os.environ["TZ"] = "America/New_York"
time.tzset()


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    with superuser_server_url() as url:
        yield url


@pytest.fixture(scope="session")
def database_url(server_url: str) -> Iterator[str]:
    url = create_scratch_database(server_url)
    migrate.upgrade(url)
    yield url
    drop_database(server_url, url)


@pytest.fixture(scope="session")
def _session_db(database_url: str) -> Iterator[Database]:
    db = Database(database_url, application_name="studiosync-tests")
    yield db
    db.dispose()


@pytest.fixture
def db(_session_db: Database) -> Iterator[Database]:
    """The migrated test database; every table is emptied after the test."""
    yield _session_db
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    for attempt in range(5):
        _settle_other_backends(_session_db)
        try:
            with _session_db.engine.begin() as conn:
                conn.execute(text("SET LOCAL lock_timeout = '5s'"))
                conn.execute(text(f"TRUNCATE {tables} CASCADE"))
            return
        except OperationalError:  # a deadlock or a lock held: a query begun after the check
            if attempt == 4:
                raise


# Other connections to the test database that are still inside a statement or a transaction:
# a finished test's background work (a worker thread's query, a live-update listener) would
# otherwise hold a table TRUNCATE needs and deadlock with it (seen under load). One may also
# begin just after the check (a closed window's background round): then TRUNCATE is tried again.
BUSY_OTHERS = (
    "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
    " AND pid <> pg_backend_pid() AND state <> 'idle' AND backend_type = 'client backend'"
)


def _settle_other_backends(db: Database, patience: float = 3.0) -> None:
    """Wait a moment for the test's leftover statements to end, then end those still busy."""
    deadline = time.monotonic() + patience
    with db.engine.connect() as conn:
        while conn.execute(text(BUSY_OTHERS)).first() and time.monotonic() < deadline:
            time.sleep(0.05)
        conn.execute(text(f"SELECT pg_terminate_backend(pid) FROM ({BUSY_OTHERS}) busy"))
        conn.rollback()


@pytest.fixture
def admin(db: Database) -> Actor:
    """A fresh studio and its first admin."""
    return StudioService(db).set_up(
        {
            "studio_name": "Harmony Music School",
            "timezone": "America/New_York",
            "currency": "USD",
            "tax_rate_percent": "0",
            "admin_email": "owner@harmony.example",
            "admin_first_name": "Olivia",
            "admin_last_name": "Owner",
        }
    )


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    """The system keyring replaced by one in memory for the test."""
    memory, previous = MemoryKeyring(), keyring.get_keyring()
    keyring.set_keyring(memory)
    yield memory
    keyring.set_keyring(previous)


@pytest.fixture
def fake_stripe() -> Iterator[FakeStripe]:
    """The local Stripe server, started for the test (tests/stripe_server.py)."""
    fake = FakeStripe()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def no_keyring() -> Iterator[None]:
    """This PC has no keyring backend (keyring's own "fail" backend), as on a bare Linux."""
    import keyring.backends.fail

    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    yield
    keyring.set_keyring(previous)
