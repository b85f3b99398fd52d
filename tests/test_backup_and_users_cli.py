"""Backups restore to the same contents; `studiosync users add` makes a working login."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import keyring.backends.fail
import psycopg
import pytest
from factories import MemoryKeyring
from sqlalchemy import create_engine, text

from studiosync_desktop import migrate
from studiosync_desktop.cli import main
from studiosync_desktop.db import Database, normalise_url
from studiosync_desktop.embedded import libpq_dsn
from studiosync_desktop.models import Base
from studiosync_desktop.services import backup
from studiosync_desktop.services.demo import DemoService
from studiosync_desktop.services.who_acts import login_role_name
from studiosync_desktop.testing import create_scratch_database, drop_database


@pytest.fixture
def demo_url(server_url: str) -> Iterator[str]:
    url = create_scratch_database(server_url, prefix="ss_bak")
    migrate.upgrade(url)
    db = Database(url)
    DemoService(db).build("small")
    db.dispose()
    yield url
    drop_database(server_url, url)


@pytest.fixture
def empty_url(server_url: str) -> Iterator[str]:
    url = create_scratch_database(server_url, prefix="ss_res")
    yield url
    drop_database(server_url, url)


# What a restore under another name changes on purpose: each login's name carries the
# database's name, so the logins are made again for it (restored_logins.relink).
RENAMED = {"users": "- 'db_role' - 'updated_at'"}


def fingerprint(url: str) -> dict[str, tuple[int, str]]:
    """Every table's row count and a checksum of its contents, in a stable order."""
    engine = create_engine(normalise_url(url))
    out = {}
    try:
        with engine.connect() as conn:
            for table in sorted(Base.metadata.tables):
                row = f"(to_jsonb(t) {RENAMED.get(table, '')})::text"
                checksum = f"md5(string_agg({row}, '|' ORDER BY {row}))"
                out[table] = tuple(
                    conn.execute(
                        text(f"SELECT count(*), coalesce({checksum}, '') FROM {table} t")
                    ).one()
                )
    finally:
        engine.dispose()
    return out


def test_a_backup_of_the_demo_restores_into_an_empty_database_identically(
    demo_url: str, empty_url: str, tmp_path: Path
) -> None:
    dump = backup.backup(demo_url, tmp_path / "studio.dump")
    assert dump.stat().st_size > 10_000
    safety = backup.restore(empty_url, dump, tmp_path / "safety").safety
    assert safety.exists()
    before, after = fingerprint(demo_url), fingerprint(empty_url)
    assert before["lessons"][0] > 1000
    assert after == before
    assert migrate.current_revision(empty_url) == migrate.head_revision()
    with create_engine(normalise_url(empty_url)).connect() as conn:
        logins = conn.execute(
            text("SELECT email, db_role, current_database() FROM users WHERE db_role IS NOT NULL")
        ).all()
    assert len(logins) == 4  # the demo's staff, each with a login for the copy's name
    assert all(row.db_role == login_role_name(row.email, row[2]) for row in logins)


def test_restore_refuses_a_missing_file_and_changes_nothing(demo_url: str, tmp_path: Path) -> None:
    before = fingerprint(demo_url)
    with pytest.raises(Exception, match="does not exist"):
        backup.restore(demo_url, tmp_path / "nope.dump", tmp_path)
    assert fingerprint(demo_url) == before


def test_restoring_a_file_that_is_not_a_backup_leaves_the_database_as_it_was(
    demo_url: str, tmp_path: Path
) -> None:
    before = fingerprint(demo_url)
    junk = tmp_path / "holiday-photos.dump"
    junk.write_bytes(b"not a pg_dump archive" * 100)
    with pytest.raises(backup.BackupFailed, match="is not a StudioSync backup"):
        backup.restore(demo_url, junk, tmp_path / "safety")
    assert fingerprint(demo_url) == before
    assert not (tmp_path / "safety").exists()  # it stopped before touching anything


def test_a_restore_that_fails_half_way_puts_the_database_back(
    demo_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = fingerprint(demo_url)
    dump = backup.backup(demo_url, tmp_path / "studio.dump")
    real_run = backup._run_sql
    calls: list[int] = []

    def fails_once(url: str, sql_text: bytes) -> None:  # the server refuses the first load
        calls.append(1)
        if len(calls) == 1:
            raise backup.BackupFailed("restore failed: disk full")
        real_run(url, sql_text)

    monkeypatch.setattr(backup, "_run_sql", fails_once)
    with pytest.raises(backup.BackupFailed, match="as it was before"):
        backup.restore(demo_url, dump, tmp_path / "safety")
    assert len(calls) == 2 and fingerprint(demo_url) == before


def test_users_add_prints_a_login_role_that_can_log_in(
    demo_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("a-long-first-password\n"))
    code = main(
        [
            "users",
            "add",
            "new.teacher@example.org",
            "--role",
            "teacher",
            "--password-stdin",
            "--database",
            demo_url,
        ]
    )
    assert code == 0
    login = capsys.readouterr().out.strip().splitlines()[-1]
    assert login.startswith("ss_")
    with psycopg.connect(libpq_dsn(demo_url), user=login, password="a-long-first-password") as c:
        assert c.execute("SELECT app_role()").fetchone() == ("teacher",)


def test_the_stripe_key_goes_to_the_keyring_and_a_wrong_one_is_refused(
    demo_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    memory_keyring: MemoryKeyring,
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("pk_live_not_a_secret\n"))
    assert main(["stripe-key", "--stdin", "--database", demo_url]) == 2
    assert "starts with sk_" in capsys.readouterr().err
    assert memory_keyring.secrets == {}
    monkeypatch.setattr("sys.stdin", io.StringIO("sk_test_123\n"))
    assert main(["stripe-key", "--stdin", "--database", demo_url]) == 0
    assert list(memory_keyring.secrets.values()) == ["sk_test_123"]
    capsys.readouterr()
    keyring.set_keyring(keyring.backends.fail.Keyring())  # a PC without a keyring backend
    monkeypatch.setattr("sys.stdin", io.StringIO("sk_test_456\n"))
    assert main(["stripe-key", "--stdin", "--database", demo_url]) == 2
    err = capsys.readouterr().err
    assert "no password store" in err and "was not saved" in err and "Traceback" not in err
