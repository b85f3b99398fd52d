"""STARTTLS and TLS for real: an aiosmtpd server in the test with a self-signed certificate
made in the test; trusted, the login and the message go through encrypted; not trusted,
"Send a test email" says a certificate problem, about the security field."""

from __future__ import annotations

from pathlib import Path

import pytest
from factories import MemoryKeyring

from studiosync_desktop.db import Database
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services.email_settings import EmailSettingsService
from tests.smtp_server import self_signed, smtp_server

LOGIN = ("office@harmony.example", "right-password")


@pytest.fixture
def cert(tmp_path: Path) -> tuple[Path, Path]:
    return self_signed(tmp_path)


def form(port: int, security: str) -> dict[str, object]:
    return {
        "host": "127.0.0.1",
        "port": port,
        "security": security,
        "username": LOGIN[0],
        "password": LOGIN[1],
        "from_address": LOGIN[0],
    }


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_a_trusted_certificate_sends_encrypted_with_the_login(
    db: Database,
    admin: Actor,
    cert: tuple[Path, Path],
    security: str,
    memory_keyring: MemoryKeyring,
) -> None:
    settings = EmailSettingsService(db, ca_file=str(cert[0]))
    with smtp_server(login=LOGIN, security=security, cert=cert) as server:
        result = settings.send_test(
            admin, {"to": "me@harmony.example"}, form(server.port, security)
        )

    assert (result.ok, result.answer) == (
        True,
        "Sent. The server answered: 250 2.0.0 Ok: queued as TEST",
    )
    assert [r.recipients for r in server.received] == [["me@harmony.example"]]


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_an_untrusted_certificate_is_said_next_to_the_security_field(
    db: Database,
    admin: Actor,
    cert: tuple[Path, Path],
    security: str,
    memory_keyring: MemoryKeyring,
) -> None:
    with smtp_server(login=LOGIN, security=security, cert=cert) as server:
        result = EmailSettingsService(db).send_test(
            admin, {"to": "me@harmony.example"}, form(server.port, security)
        )

    assert result.ok is False
    assert result.field == "security"
    assert result.answer.startswith("The server's certificate is not trusted (")
    assert "self-signed" in result.answer or "self signed" in result.answer
    assert server.received == []


def test_starttls_chosen_for_a_server_without_it_is_said_next_to_the_security_field(
    db: Database, admin: Actor, memory_keyring: MemoryKeyring
) -> None:
    with smtp_server() as plain:
        result = EmailSettingsService(db).send_test(
            admin, {"to": "me@harmony.example"}, {**form(plain.port, "starttls"), "username": ""}
        )
    assert (result.ok, result.field) == (False, "security")
    assert "does not offer STARTTLS" in result.answer
