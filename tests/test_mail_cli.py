"""`studiosync mail setup | test | send-queued` against a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import io
from pathlib import Path

import keyring
import pytest
from factories import MemoryKeyring
from keyring.backends.fail import Keyring as NoKeyring
from smtp_server import self_signed, smtp_server
from sqlalchemy import text

from studiosync_desktop.cli import main
from studiosync_desktop.db import Database
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services.email_outbox import OutboxService


def test_setup_test_and_send_queued_from_the_command_line(
    db: Database,
    admin: Actor,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    memory_keyring: MemoryKeyring,
) -> None:
    with smtp_server(login=("office@harmony.example", "s3cret")) as server:
        monkeypatch.setattr("sys.stdin", io.StringIO("s3cret\n"))
        setup = ["mail", "setup", "--host", server.host, "--port", str(server.port)]
        setup += ["--security", "none", "--user", "office@harmony.example", "--password-stdin"]
        assert main([*setup, "--database", database_url]) == 0
        assert "goes through 127.0.0.1" in capsys.readouterr().out
        assert list(memory_keyring.secrets.values()) == ["s3cret"]
        with db.session() as s:
            stored = s.execute(text("SELECT * FROM email_settings")).one()
        assert "s3cret" not in str(tuple(stored))

        assert main(["mail", "test", "--to", "me@harmony.example", "--database", database_url]) == 0
        assert "250 2.0.0 Ok" in capsys.readouterr().out
        assert [r.recipients for r in server.received] == [["me@harmony.example"]]

        OutboxService(db).queue(
            admin,
            [
                {
                    "kind": "receipt",
                    "dedupe_key": "receipt:1",
                    "recipient": "parent@family.example",
                    "subject": "Receipt",
                    "text_body": "Thank you.",
                }
            ],
        )
        assert main(["mail", "send-queued", "--database", database_url]) == 0
        assert capsys.readouterr().out.strip() == "1 sent."
        assert server.received[-1].recipients == ["parent@family.example"]


def test_mail_test_prints_why_an_unreachable_server_failed(
    admin: Actor,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    memory_keyring: MemoryKeyring,
) -> None:
    with smtp_server() as gone:
        port = gone.port
    setup = ["mail", "setup", "--host", "127.0.0.1", "--port", str(port), "--security", "none"]
    assert main([*setup, "--from", "office@harmony.example", "--database", database_url]) == 0
    assert main(["mail", "test", "--to", "me@harmony.example", "--database", database_url]) == 2
    assert f"The mail server 127.0.0.1:{port} cannot be reached" in capsys.readouterr().err


def test_setup_without_a_password_store_says_so_and_saves_nothing(
    db: Database,
    admin: Actor,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(NoKeyring())
    try:
        monkeypatch.setattr("sys.stdin", io.StringIO("s3cret\n"))
        setup = ["mail", "setup", "--host", "smtp.example.com", "--port", "587"]
        setup += ["--user", "office@harmony.example", "--password-stdin"]
        assert main([*setup, "--database", database_url]) == 2
    finally:
        keyring.set_keyring(previous)
    err = capsys.readouterr().err
    assert "This PC has no password store" in err and "Traceback" not in err
    with db.session() as s:
        assert s.execute(text("SELECT count(*) FROM email_settings")).scalar_one() == 0


def test_mail_test_prints_the_fingerprint_that_setup_then_trusts(
    admin: Actor,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    memory_keyring: MemoryKeyring,
    tmp_path: Path,
) -> None:
    cert = self_signed(tmp_path)
    with smtp_server(security="tls", cert=cert) as secure:
        setup = ["mail", "setup", "--host", secure.host, "--port", str(secure.port)]
        setup += ["--security", "tls", "--from", "office@harmony.example"]
        test = ["mail", "test", "--to", "me@harmony.example", "--database", database_url]
        assert main([*setup, "--database", database_url]) == 0
        assert main(test) == 2
        said = capsys.readouterr().err
        assert "not trusted" in said and "Its SHA-256 fingerprint is " in said
        found = said.split("Its SHA-256 fingerprint is ")[1].split(". ")[0]

        trust = [*setup, "--trust-certificate", found.replace(":", "").lower()]
        assert main([*trust, "--database", database_url]) == 0
        assert f"trusted by fingerprint (SHA-256 {found})" in capsys.readouterr().out
        assert main(test) == 0
        assert "250 2.0.0 Ok" in capsys.readouterr().out
    assert [r.recipients for r in secure.received] == [["me@harmony.example"]]
