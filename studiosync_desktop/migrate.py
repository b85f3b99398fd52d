"""Alembic, driven from the app: upgrade, the current revision, and the check at start-up."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import create_engine, text

from studiosync_desktop.db import normalise_url
from studiosync_desktop.errors import SchemaOutOfDate

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy.engine import Connection

# The schema revision this version of the app needs: the head of migrations/ (a test keeps it
# in step). Start-up compares it with the database's without loading Alembic and every
# migration script, which would cost a tenth of a second on every start.
SCHEMA_HEAD = "0060_marks_and_json_shapes"

# Serialises migrations when two app instances start on one database at the same moment.
MIGRATION_LOCK_KEY = 7_351_001


def migrations_dir() -> Path:
    """The migration scripts: inside the installed wheel, or the checkout's `migrations/`."""
    packaged = Path(__file__).parent / "_migrations"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    cfg.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return cfg


def head_revision() -> str:
    """The revision the migration scripts lead to ("a,b" while parallel branches are open)."""
    from alembic.script import ScriptDirectory

    heads = ScriptDirectory.from_config(alembic_config("postgresql://")).get_heads()
    return ",".join(sorted(heads))


def revision_of(conn: Connection) -> str | None:
    """The revision of the database behind `conn`, read from Alembic's version table (None:
    no schema yet). Every login role may read it."""
    if conn.scalar(text("SELECT to_regclass('alembic_version')")) is None:
        return None
    return (
        ",".join(conn.scalars(text("SELECT version_num FROM alembic_version ORDER BY 1"))) or None
    )


def current_revision(url: str) -> str | None:
    engine = create_engine(normalise_url(url))
    try:
        with engine.connect() as conn:
            return revision_of(conn)
    finally:
        engine.dispose()


def upgrade(url: str, revision: str = "heads") -> None:
    """Upgrades under an advisory lock, so concurrent starts migrate once."""
    engine = create_engine(normalise_url(url))
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": MIGRATION_LOCK_KEY})
            try:
                from alembic import command

                cfg = alembic_config(url)
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, revision)
                conn.commit()
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": MIGRATION_LOCK_KEY})
                conn.commit()
    finally:
        engine.dispose()


def downgrade(url: str, revision: str) -> None:
    engine = create_engine(normalise_url(url))
    try:
        with engine.connect() as conn:
            from alembic import command

            cfg = alembic_config(url)
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, revision)
            conn.commit()
    finally:
        engine.dispose()


def require_current_schema(url: str, shown_url: str) -> None:
    """On a shared server the app never migrates: it says exactly what to run instead."""
    require_revision(current_revision(url), shown_url)


def require_revision(current: str | None, shown_url: str) -> None:
    """SchemaOutOfDate, saying what to run, unless `current` is the revision the app needs."""
    head = SCHEMA_HEAD
    if current == head:
        return
    if current is None:
        state = "has no StudioSync schema yet"
    else:
        state = f"is at schema revision {current}, this app needs {head}"
    raise SchemaOutOfDate(
        f"The studio database {state}. An administrator should run:\n"
        f"    studiosync db upgrade --database {shown_url}\n"
        "(or install the StudioSync version that matches the server)."
    )
