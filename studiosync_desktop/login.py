"""Logging in: a person's own PostgreSQL login role, derived from their email, and the checks."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

import psycopg
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError

from studiosync_desktop import config, migrate
from studiosync_desktop.db import Database, normalise_url
from studiosync_desktop.errors import DatabaseUnavailable, PermissionDenied, ValidationFailed
from studiosync_desktop.services import who_acts
from studiosync_desktop.services.who_acts import login_role_name

if TYPE_CHECKING:
    from studiosync_desktop.schemas.common import Actor
    from studiosync_desktop.services.accounts import AccountService

log = logging.getLogger(__name__)

WRONG = "Email or password is wrong"
DEACTIVATED = "This account is deactivated. Ask an administrator to reactivate it."
LOGINS_FILE = "logins.json"
NO_KEYRING = "This PC has no password store: you'll be asked each time"


@dataclass
class LoggedIn:
    """A person's own connection, and who they are on it."""

    db: Database
    actor: Actor
    email: str
    must_change_password: bool

    @property
    def accounts(self) -> AccountService:
        from studiosync_desktop.services.accounts import AccountService  # after the first paint

        return AccountService(self.db)


def login_url(server_url: str | URL, email: str, password: str) -> URL:
    """The server URL with the person's login role and password (URL objects: no escaping)."""
    base = make_url(normalise_url(server_url))
    role = login_role_name(email, base.database or "")
    return base.set(username=role, password=password)


def check_credentials(server_url: str | URL, email: str, password: str) -> None:
    """Opens (and closes) one connection as the person: ValidationFailed when refused.

    The message never says whether the email or the password was wrong.
    """
    _check_typed(email, password)
    url = login_url(server_url, email, password)
    # The password travels as a separate argument, never inside the connection string.
    bare = url.set(drivername="postgresql")._replace(password=None)
    dsn = bare.render_as_string(hide_password=False)
    try:
        psycopg.connect(dsn, password=password, connect_timeout=5).close()
    except psycopg.OperationalError as exc:
        raise _refusal(exc) from exc


def _check_typed(email: str, password: str) -> None:
    if not email.strip() or "@" not in email:
        raise ValidationFailed({"email": "Type your email address"})
    if not password:
        raise ValidationFailed({"password": "Type your password"})


def _refusal(exc: psycopg.OperationalError) -> ValidationFailed | DatabaseUnavailable:
    """What the login dialog says when the server refused the connection."""
    text = str(exc)
    if "not permitted to log in" in text:
        return ValidationFailed({"email": DEACTIVATED})
    if "authentication failed" in text or "does not exist" in text:
        return ValidationFailed({"password": WRONG})
    log.warning("login connection failed: %s", text.splitlines()[0] if text else exc)
    return DatabaseUnavailable(
        "The studio database cannot be reached. Check the network, then retry."
    )


def log_in(server_url: str | URL, email: str, password: str) -> LoggedIn:
    """Connects as the person's login role; runs on a worker thread (the dialog's TaskRunner).

    The pool's first connection is the password check; on it, the schema revision, then who
    the person is (with the studio's time zone, kept in the actor) and the login stamped, in
    one statement.
    """
    _check_typed(email, password)
    db = Database(login_url(server_url, email, password))
    try:
        try:
            conn = db.engine.connect()
        except OperationalError as exc:
            if isinstance(exc.orig, psycopg.OperationalError):
                raise _refusal(exc.orig) from exc
            raise
        with conn:
            # A desk PC knows the server only by its address: this is the first connection
            # that can read the schema revision (SchemaOutOfDate says what an administrator
            # runs).
            shown = make_url(normalise_url(server_url)).render_as_string(hide_password=True)
            migrate.require_revision(migrate.revision_of(conn), shown)
            conn.rollback()
        try:
            actor, must_change = who_acts.start_session(db)
        except PermissionDenied as exc:
            raise ValidationFailed({"email": DEACTIVATED}) from exc
    except BaseException:
        db.dispose()
        raise
    return LoggedIn(db, actor, email.strip().lower(), must_change)


def is_owner_connection(db: Database) -> bool:
    """True when this connection is the database owner or a superuser (maintenance mode)."""
    return who_acts.connection_is_owner(db)


# -- remember me ---------------------------------------------------------------------------


def server_key(server_url: str | URL) -> str:
    """Which server and database a remembered login is for (never with a user or password)."""
    u = make_url(server_url) if isinstance(server_url, str) else server_url
    where = u.host or u.query.get("host") or "localhost"
    return f"{where}:{u.port or 5432}/{u.database}"


def _secret_key(server_url: str | URL, email: str) -> str:
    return f"login:{email.strip().lower()}@{server_key(server_url)}"


def remembered_email(dirs: config.AppDirs, server_url: str | URL) -> str | None:
    """The email last logged in with on this server (a config file: an email is no secret)."""
    try:
        data = json.loads((dirs.config / LOGINS_FILE).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None
    email = data.get(server_key(server_url)) if isinstance(data, dict) else None
    return email if isinstance(email, str) else None


def remembered_password(server_url: str | URL, email: str) -> str | None:
    return config.get_secret(_secret_key(server_url, email))


def remember(dirs: config.AppDirs, server_url: str | URL, email: str, password: str | None) -> bool:
    """Keeps the email (config file) and, when given, the password (keyring).

    False when the password should be kept but this PC has no keyring backend.
    """
    path = dirs.config / LOGINS_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        data = {}
    if not isinstance(data, dict):
        data = {}
    data[server_key(server_url)] = email.strip().lower()
    try:
        dirs.config.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data), encoding="utf-8")
    except OSError:
        log.warning("could not save the last login email in %s", path)
    if password is None:
        config.delete_secret(_secret_key(server_url, email))
        return True
    return config.set_secret(_secret_key(server_url, email), password)
