"""Where the app keeps its files, which database it talks to, and secrets in the keyring."""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs
from sqlalchemy.engine import URL, make_url

from studiosync_desktop.errors import NotSetUp

APP_NAME = "StudioSync"
APP_AUTHOR = "StudioSync"
DATABASE_URL_ENV = "STUDIOSYNC_DATABASE_URL"
# One folder for everything (config, data, cache, logs): for tests, demos and portable installs.
HOME_ENV = "STUDIOSYNC_HOME"
# Where documents go instead of the person's documents folder (tests; a shared-PC policy).
DOCUMENTS_ENV = "STUDIOSYNC_DOCUMENTS"
KEYRING_SERVICE = "studiosync-desktop"
# Another address for Stripe's API: a local stand-in (stripe-mock, tests/stripe_server.py).
STRIPE_API_ENV = "STUDIOSYNC_STRIPE_API_BASE"


@dataclass(frozen=True)
class AppDirs:
    config: Path
    data: Path
    cache: Path
    logs: Path
    # Slips, labels and files the desk opens: this person's, never a shared temporary folder.
    documents: Path

    @classmethod
    def default(cls) -> AppDirs:
        home, documents = os.environ.get(HOME_ENV), os.environ.get(DOCUMENTS_ENV)
        if home:
            root = Path(home)
            return cls(
                root / "config",
                root / "data",
                root / "cache",
                root / "logs",
                Path(documents) if documents else root / "documents",
            )
        dirs = platformdirs.PlatformDirs(APP_NAME, APP_AUTHOR)
        return cls(
            config=Path(dirs.user_config_dir),
            data=Path(dirs.user_data_dir),
            cache=Path(dirs.user_cache_dir),
            logs=Path(dirs.user_log_dir),
            documents=Path(documents) if documents else Path(dirs.user_documents_dir) / APP_NAME,
        )

    @property
    def embedded_pgdata(self) -> Path:
        return self.data / "pgdata"

    @property
    def connection_file(self) -> Path:
        return self.config / "connection.json"


@dataclass(frozen=True)
class DatabaseTarget:
    """Either the embedded private server (`url is None`) or a shared server URL."""

    url: str | None

    @property
    def is_embedded(self) -> bool:
        return self.url is None

    def describe(self) -> str:
        if self.url is None:
            return "Embedded database (this PC only)"
        u = make_url(self.url)
        return f"Studio server {u.host or 'localhost'}:{u.port or 5432}/{u.database}"


def resolve_database_target(cli_url: str | None, dirs: AppDirs) -> DatabaseTarget:
    """`--database`, then STUDIOSYNC_DATABASE_URL, then saved settings, else embedded."""
    if cli_url:
        return DatabaseTarget(cli_url)
    env_url = os.environ.get(DATABASE_URL_ENV)
    if env_url:
        return DatabaseTarget(env_url)
    saved = load_saved_connection(dirs)
    return DatabaseTarget(saved)


def _saved_url(dirs: AppDirs) -> str | None:
    """The saved shared-server URL as the config file holds it (never with a password)."""
    try:
        data = json.loads(dirs.connection_file.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None
    url = data.get("url")
    return url if isinstance(url, str) and url else None


def load_saved_connection(dirs: AppDirs) -> str | None:
    """The saved shared-server URL, with its password from the keyring if one is kept."""
    url = _saved_url(dirs)
    if url is None:
        return None
    password = get_secret(password_key(url))
    if password:
        return make_url(url).set(password=password).render_as_string(hide_password=False)
    return url


def server_url(host: str, port: int, database: str) -> str:
    """The URL of a shared server as the desk typed its parts (no user, no password)."""
    return URL.create("postgresql", host=host, port=port, database=database).render_as_string(
        hide_password=False
    )


def saved_server_parts(dirs: AppDirs) -> tuple[str, int, str] | None:
    """(host, port, database) of the saved shared server, to prefill its dialog (no keyring:
    it runs on the GUI thread)."""
    saved = _saved_url(dirs)
    if saved is None:
        return None
    u = make_url(saved)
    return u.host or "", u.port or 5432, u.database or ""


def forget_connection(dirs: AppDirs) -> None:
    """Back to the embedded database (the saved password, if any, leaves the keyring)."""
    saved = _saved_url(dirs)
    if saved is not None:
        delete_secret(password_key(saved))
    dirs.connection_file.unlink(missing_ok=True)


def save_connection(dirs: AppDirs, url: str) -> bool:
    """Saves the server address in the config file and its password in the keyring.

    Returns False when a password was given but no keyring could keep it.
    """
    parsed = make_url(url)
    bare = parsed._replace(password=None).render_as_string(hide_password=False)
    kept = True
    if parsed.password:
        kept = set_secret(password_key(bare), str(parsed.password))
    dirs.config.mkdir(parents=True, exist_ok=True)
    dirs.connection_file.write_text(json.dumps({"url": bare}), encoding="utf-8")
    return kept


def password_key(url: str | URL) -> str:
    u = make_url(url) if isinstance(url, str) else url
    return f"db:{u.username}@{u.host}:{u.port or 5432}/{u.database}"


NO_PASSWORD_STORE = (
    "This PC has no password store (system keyring) that StudioSync can use. Windows and "
    "macOS have one; on Linux, install and unlock GNOME Keyring or KWallet."
)


def stripe_api_base() -> str | None:
    """Where Stripe's API is: api.stripe.com unless STUDIOSYNC_STRIPE_API_BASE says otherwise."""
    return os.environ.get(STRIPE_API_ENV) or None


def read_secret(key: str, service: str = KEYRING_SERVICE) -> str | None:
    """A secret from the system keyring, None when none is kept. `NotSetUp` (a sentence, never
    a traceback) when this PC has no keyring backend or it is locked: every secret the app
    reads comes through here."""
    import keyring
    import keyring.errors

    try:
        value = keyring.get_password(service, key)
    except keyring.errors.KeyringError as exc:
        raise NotSetUp(NO_PASSWORD_STORE) from exc
    return value if isinstance(value, str) else None


def get_secret(key: str, service: str = KEYRING_SERVICE) -> str | None:
    """A secret from the system keyring; None when absent or when no keyring backend exists."""
    try:
        return read_secret(key, service)
    except NotSetUp:
        return None


def set_secret(key: str, value: str, service: str = KEYRING_SERVICE) -> bool:
    """Stores a secret; False when no keyring backend exists (the caller asks each time)."""
    import keyring
    import keyring.errors

    try:
        keyring.set_password(service, key, value)
    except keyring.errors.KeyringError:
        return False
    return True


def delete_secret(key: str) -> None:
    """Forgets a secret; nothing happens when it is absent or no keyring backend exists."""
    import keyring
    import keyring.errors

    with contextlib.suppress(keyring.errors.KeyringError):
        keyring.delete_password(KEYRING_SERVICE, key)
