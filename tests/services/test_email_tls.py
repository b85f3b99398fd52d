"""STARTTLS and TLS for real: an aiosmtpd server in the test with a self-signed certificate
made in the test; trusted, the login and the message go through encrypted; not trusted,
"Send a test email" says a certificate problem, about the security field."""

from __future__ import annotations

import hashlib
import ssl
from pathlib import Path

import pytest
from factories import MemoryKeyring
from smtp_server import self_signed, smtp_server
from sqlalchemy import text

from studiosync_desktop.db import Database
from studiosync_desktop.errors import ValidationFailed
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services.email_jobs import MailJobs
from studiosync_desktop.services.email_outbox import OutboxService
from studiosync_desktop.services.email_settings import EmailSettingsService

LOGIN = ("office@harmony.example", "right-password")
EMAIL = {
    "kind": "invoice",
    "dedupe_key": "tls test",
    "recipient": "me@harmony.example",
    "subject": "Through the trusted certificate",
    "text_body": "Hello.",
}


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


def fingerprint_of(cert: tuple[Path, Path]) -> str:
    der = ssl.PEM_cert_to_DER_cert(cert[0].read_text())
    return ":".join(f"{b:02X}" for b in hashlib.sha256(der).digest())


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_a_trusted_self_signed_certificate_is_accepted_exactly_and_the_sender_uses_it(
    db: Database,
    admin: Actor,
    cert: tuple[Path, Path],
    security: str,
    memory_keyring: MemoryKeyring,
) -> None:
    settings = EmailSettingsService(db)  # the system's authorities only: no ca_file
    with smtp_server(login=LOGIN, security=security, cert=cert) as server:
        refused = settings.send_test(
            admin, {"to": "me@harmony.example"}, form(server.port, security)
        )
        assert (refused.ok, refused.field) == (False, "security")
        assert refused.fingerprint == fingerprint_of(cert)
        assert f"Its SHA-256 fingerprint is {refused.fingerprint}." in refused.answer
        assert "trust exactly this certificate in Tools > Email" in refused.answer
        assert server.handler.logins == []  # the password never went to an untrusted server

        trusted = {**form(server.port, security), "trusted_certificate": refused.fingerprint}
        result = settings.send_test(admin, {"to": "me@harmony.example"}, trusted)
        assert result.ok, result.answer
        assert settings.save_account(admin, trusted).trusted_certificate == refused.fingerprint

        OutboxService(db).queue(admin, [EMAIL])
        report = MailJobs.build(db).run_once(admin)

    assert report.sentence.startswith("1 sent"), report.sentence
    assert [r.recipients for r in server.received] == [["me@harmony.example"]] * 2
    assert server.handler.logins == [LOGIN[0]] * 2


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_another_certificate_than_the_trusted_one_is_refused_before_the_login(
    db: Database,
    admin: Actor,
    cert: tuple[Path, Path],
    security: str,
    tmp_path: Path,
    memory_keyring: MemoryKeyring,
) -> None:
    settings = EmailSettingsService(db)
    (tmp_path / "other").mkdir()
    other = self_signed(tmp_path / "other")  # the same names, another key: someone between
    with smtp_server(login=LOGIN, security=security, cert=other) as server:
        settings.save_account(
            admin, {**form(server.port, security), "trusted_certificate": fingerprint_of(cert)}
        )
        result = settings.send_test(admin, {"to": "me@harmony.example"})
        OutboxService(db).queue(admin, [EMAIL])
        report = MailJobs.build(db).run_once(admin)

    assert (result.ok, result.field) == (False, "security")
    assert result.answer.startswith("The server's certificate is not the one the studio trusted")
    assert fingerprint_of(other) in result.answer and fingerprint_of(cert) in result.answer
    assert result.fingerprint == fingerprint_of(other)
    assert report.report.problem == result.answer  # the sender says the same, sends nothing
    assert server.received == [] and server.handler.logins == []
    with db.session() as s:
        assert s.scalar(text("SELECT status FROM email_outbox")) == "queued"


def test_a_trusted_certificate_must_be_a_fingerprint_in_the_form_and_in_the_database(
    db: Database, admin: Actor, memory_keyring: MemoryKeyring
) -> None:
    settings = EmailSettingsService(db)
    with pytest.raises(ValidationFailed) as refused:
        settings.save_account(admin, {**form(2525, "tls"), "trusted_certificate": "AB:CD"})
    assert "SHA-256 fingerprint" in refused.value.fields["trusted_certificate"]
    typed = "ab" * 32  # lower case, no colons: said the one way
    saved = settings.save_account(admin, {**form(2525, "tls"), "trusted_certificate": typed})
    assert saved.trusted_certificate == ":".join(["AB"] * 32)
    with pytest.raises(ValidationFailed, match="is_a_fingerprint"), db.session() as s:
        s.execute(text("UPDATE email_settings SET trusted_certificate = 'anything'"))
