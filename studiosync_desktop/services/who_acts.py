"""Who acts on a connection, as start-up reads it before the first paint: the login's own person,
the owner's default administrator, whether a studio exists yet, its zone and settings, a
login's role name.

Plain SQL on purpose: nothing here imports the ORM models or the screens' schemas, which the
window's first paint does not need (they load with the first tab's data).
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from sqlalchemy import Row, text

from studiosync_desktop.db import Database
from studiosync_desktop.errors import NotFound, PermissionDenied
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.schemas.studio import StudioInfo, StudioSettings


def login_role_name(email: str, database: str) -> str:
    """The PostgreSQL login role of a person on one database: derived, so login needs no lookup.

    `ss_<database hash>_<name part of the email>_<email hash>`: readable in `pg_roles`, unique
    per database and email, and at most 63 characters.
    """
    email = email.strip().lower()
    local = re.sub(r"[^a-z0-9]+", "_", email.split("@", 1)[0]).strip("_")[:24] or "staff"
    db_hash = hashlib.sha256(database.encode()).hexdigest()[:6]
    email_hash = hashlib.sha256(email.encode()).hexdigest()[:6]
    return f"ss_{db_hash}_{local}_{email_hash}"


# `db_role` compared in its own collation (session_user is a `name`): by its unique index.
START_SESSION = text(
    """
    SELECT u.id, u.studio_id, u.role, u.first_name, u.last_name, u.must_change_password,
           s.timezone, app_record_login() AS stamped
      FROM users u JOIN studios s ON s.id = u.studio_id
     WHERE u.db_role = session_user::text COLLATE "default" AND u.is_active
    """
)

# The first active administrator, with the studio's zone (the screens show its today).
DEFAULT_ADMIN = text(
    """
    SELECT u.id, u.studio_id, u.role, u.first_name, u.last_name, s.timezone
      FROM users u JOIN studios s ON s.id = u.studio_id
     WHERE u.role = 'admin' AND u.is_active
     ORDER BY u.created_at
     LIMIT 1
    """
)


def _actor(row: Row[Any]) -> Actor:
    return Actor(
        user_id=row.id,
        studio_id=row.studio_id,
        role=row.role,
        name=f"{row.first_name} {row.last_name}".strip(),
        timezone=row.timezone,
    )


def start_session(db: Database) -> tuple[Actor, bool]:
    """At login: who this login is (the studio's time zone kept in the actor), stamped as
    logged in now, and whether its password must change; one statement."""
    with db.session() as s:
        row = s.execute(START_SESSION).first()
        if row is None:
            raise PermissionDenied("This login belongs to no active StudioSync account.")
        return _actor(row), bool(row.must_change_password)


def connection_is_owner(db: Database) -> bool:
    """The database owner or a superuser: maintenance mode, nobody logs in."""
    with db.read_session() as s:
        return bool(s.scalar(text("SELECT app_is_owner()")))


def studio_is_empty(db: Database) -> bool:
    """True when no studio exists yet: the app shows the setup wizard."""
    with db.read_session() as s:
        return not s.scalar(text("SELECT EXISTS (SELECT FROM studios)"))


def default_actor(db: Database) -> Actor:
    """The first active admin: who acts on a single-PC install until accounts log in."""
    with db.read_session() as s:
        row = s.execute(DEFAULT_ADMIN).first()
        if row is None:
            raise NotFound("This studio has no administrator yet.")
        return _actor(row)


def studio_info(db: Database, actor: Actor) -> StudioInfo:
    """The studio's name, zone, currency and settings (the screens' clock and parts)."""
    with db.read_session() as s:
        row = s.execute(
            text("SELECT id, name, timezone, currency, settings FROM studios WHERE id = :id"),
            {"id": actor.studio_id},
        ).first()
        if row is None:
            raise NotFound("The studio no longer exists.")
        return StudioInfo(
            id=row.id,
            name=row.name,
            timezone=row.timezone,
            currency=row.currency,
            settings=StudioSettings.model_validate(row.settings),
        )
