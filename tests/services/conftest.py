"""Fixtures of the service tests: a real SMTP server (aiosmtpd) the studio's email uses."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from studiosync_desktop.db import Database
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services.email_settings import EmailSettingsService
from tests.smtp_server import SmtpServer, smtp_server


@pytest.fixture
def server(memory_keyring: object) -> Iterator[SmtpServer]:
    """A real SMTP server for the test (the mail password, if any, in a memory keyring)."""
    with smtp_server() as running:
        yield running


def use_server(db: Database, admin: Actor, server: SmtpServer, **policy: Any) -> None:
    """The studio sends through `server` (no login, no encryption), with `policy` if given."""
    settings = EmailSettingsService(db)
    settings.save_account(
        admin,
        {
            "host": server.host,
            "port": server.port,
            "security": "none",
            "from_address": "office@harmony.example",
            "from_name": "Harmony Music School",
        },
    )
    if policy:
        settings.save_policy(admin, policy)
