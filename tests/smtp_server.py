"""A real SMTP server (aiosmtpd) in the test process: it keeps what it receives, and can be
told to refuse messages, to want a login, to speak STARTTLS or TLS with a self-signed
certificate, or to run a step of the test while it receives."""

from __future__ import annotations

import datetime
import ipaddress
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from studiosync_desktop.db import Database
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services.email_settings import EmailSettingsService


@dataclass
class Received:
    mail_from: str
    recipients: list[str]
    message: EmailMessage

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])

    @property
    def subject(self) -> str:
        return " ".join(str(self.message["Subject"]).split())

    def attachments(self) -> list[tuple[str, bytes]]:
        return [
            (part.get_filename() or "", part.get_content())
            for part in self.message.iter_attachments()
        ]

    def text(self) -> str:
        body = self.message.get_body(preferencelist=("plain",))
        return body.get_content() if body is not None else ""

    def html(self) -> str:
        body = self.message.get_body(preferencelist=("html",))
        return body.get_content() if body is not None else ""


@dataclass
class Handler:
    """What the server does with a message: refuse the first `refuse_times` with `refusal`
    (-1: every time), run `on_data` (a step of the test) first, else keep it."""

    received: list[Received] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)  # the user names a client tried
    refuse_times: int = 0
    refusal: str = "451 4.7.1 Greylisted, try again later"
    on_data: Callable[[], None] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.on_data is not None:
            self.on_data()
        with self.lock:
            if self.refuse_times != 0:
                self.refuse_times -= 1 if self.refuse_times > 0 else 0
                return self.refusal
            message = message_from_bytes(envelope.content, policy=policy.default)
            assert isinstance(message, EmailMessage)
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 2.0.0 Ok: queued as TEST"


@dataclass
class SmtpServer:
    host: str
    port: int
    handler: Handler

    @property
    def received(self) -> list[Received]:
        return self.handler.received


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost signed by its own key: (cert, key) PEM files.
    Trusting the certificate file is what a studio does for its own mail server."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "mail-cert.pem", folder / "mail-key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def server_context(cert: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*cert)
    return context


@contextmanager
def smtp_server(
    login: tuple[str, str] | None = None,
    security: str = "none",
    cert: tuple[Path, Path] | None = None,
) -> Iterator[SmtpServer]:
    """A server on 127.0.0.1; `login`: the only user and password it accepts; `security`
    "starttls" (a login only after it) or "tls" (encrypted from the start) with `cert`."""
    handler = Handler()
    kwargs: dict[str, Any] = {}
    encrypted = security != "none"
    if login is not None:

        def authenticate(_srv: Any, _ses: Any, _env: Any, mechanism: str, data: Any) -> AuthResult:
            if isinstance(data, LoginPassword):
                handler.logins.append(data.login.decode())
            ok = (
                isinstance(data, LoginPassword)
                and (data.login.decode(), data.password.decode()) == login
            )
            return AuthResult(success=ok, handled=False)

        # Over STARTTLS the login is refused before it; aiosmtpd does not count a connection
        # encrypted from the start (TLS) as encrypted, so there it may not ask for it.
        kwargs = {"authenticator": authenticate, "auth_require_tls": security == "starttls"}
    if encrypted:
        assert cert is not None, "a TLS server needs a certificate (self_signed)"
    if security == "starttls":
        kwargs.update(tls_context=server_context(cert), require_starttls=True)  # type: ignore[arg-type]
    elif security == "tls":
        kwargs["ssl_context"] = server_context(cert)  # type: ignore[arg-type]
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    try:
        yield SmtpServer("127.0.0.1", port, handler)
    finally:
        controller.stop()


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
