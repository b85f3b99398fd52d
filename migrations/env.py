"""Alembic environment: runs on the app's connection, or on STUDIOSYNC_DATABASE_URL."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import create_engine

from studiosync_desktop.db import normalise_url
from studiosync_desktop.models import Base

config = context.config
target_metadata = Base.metadata


def include_object(obj, name, type_, reflected, compare_to):  # type: ignore[no-untyped-def]
    # Trigram and other expression indexes are written by hand in the migrations.
    return not (type_ == "index" and reflected and compare_to is None and name.startswith("ixh_"))


def run_migrations(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_object=include_object,
        compare_server_default=False,
        transaction_per_migration=False,
    )
    with context.begin_transaction():
        context.run_migrations()


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        run_migrations(connection)
        return
    url = config.get_main_option("sqlalchemy.url") or os.environ["STUDIOSYNC_DATABASE_URL"]
    engine = create_engine(normalise_url(url))
    with engine.begin() as conn:
        run_migrations(conn)
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("StudioSync migrations run online only.")
run()
