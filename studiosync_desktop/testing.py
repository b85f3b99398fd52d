"""Scratch databases for tests and benchmarks: on STUDIOSYNC_TEST_DATABASE_URL or embedded."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

from studiosync_desktop.embedded import EmbeddedServer, libpq_dsn
from studiosync_desktop.services.who_acts import login_role_name

TEST_DATABASE_URL_ENV = "STUDIOSYNC_TEST_DATABASE_URL"


@contextmanager
def superuser_server_url() -> Iterator[str]:
    """A superuser URL to a maintenance database: the given server, or a temporary embedded one."""
    given = os.environ.get(TEST_DATABASE_URL_ENV)
    if given:
        yield given
        return
    with tempfile.TemporaryDirectory(prefix="studiosync-test-") as tmp:
        server = EmbeddedServer(Path(tmp) / "pgdata")
        try:
            yield server.superuser_url("postgres")
        finally:
            server.stop()


def create_scratch_database(server_url: str, prefix: str = "ss_test") -> str:
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(libpq_dsn(server_url), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def drop_database(server_url: str, url: str) -> None:
    """Drops the database and the staff login roles made for it (roles are server-wide)."""
    name = make_url(url).database or ""
    prefix = login_role_name("x@x", name).split("_")[1]
    with psycopg.connect(libpq_dsn(server_url), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        roles = conn.execute(
            "SELECT rolname FROM pg_roles WHERE rolname LIKE %s", (f"ss\\_{prefix}\\_%",)
        ).fetchall()
        for (role,) in roles:
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))
