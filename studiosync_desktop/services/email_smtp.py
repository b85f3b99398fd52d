"""Talking to the studio's mail server (smtplib): connecting as set up, one message at a time,
and the server's exact answer as a sentence when something goes wrong."""

from __future__ import annotations

import hashlib
import smtplib
import socket
import ssl
import time
from dataclasses import dataclass
from email import encoders
from email.header import Header
from email.message import Message
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import formataddr, formatdate

# Seconds to wait for the server before saying it cannot be reached.
TIMEOUT = 20.0


@dataclass(frozen=True)
class SmtpAccount:
    """Where and how to send (the password comes from this PC's keyring)."""

    host: str
    port: int
    security: str  # none | starttls | tls
    username: str
    password: str
    from_address: str
    from_name: str = ""
    timeout: float = TIMEOUT
    # Certificates to trust besides the system's (a studio's own server; tests).
    ca_file: str | None = None
    # The one certificate an administrator trusted (its SHA-256 fingerprint): a studio's own
    # server with a self-signed or private certificate. Set, exactly that one is accepted.
    trusted_certificate: str = ""

    @property
    def sender(self) -> str:
        return (
            formataddr((self.from_name, self.from_address)) if self.from_name else self.from_address
        )


@dataclass(frozen=True)
class Outgoing:
    """One message as the sender reads it from the outbox."""

    recipient: str
    subject: str
    text_body: str
    html_body: str
    message_id: str
    # (filename, content type, bytes, content id: '' attached, else shown in the HTML)
    attachments: tuple[tuple[str, str, bytes, str], ...] = ()


class ServerProblem(Exception):
    """The server itself cannot be used (unreachable, certificate, login refused): no message
    is to blame, so none is counted as tried. `fingerprint`: the certificate the server
    showed, when it is the one not trusted (an administrator may trust it)."""

    def __init__(self, problem: str, fingerprint: str = "") -> None:
        super().__init__(problem)
        self.fingerprint = fingerprint


class CertificateChanged(ssl.SSLError):
    """The server showed another certificate than the one trusted."""

    def __init__(self, found: str, trusted: str) -> None:
        super().__init__(f"certificate {found} is not the trusted {trusted}")
        self.found = found
        self.trusted = trusted


def fingerprint(der: bytes) -> str:
    """A certificate's SHA-256 fingerprint as browsers show it: 'AB:CD:...' (32 pairs)."""
    return ":".join(f"{b:02X}" for b in hashlib.sha256(der).digest())


class MessageRefused(Exception):
    """The server answered this message with a refusal; `permanent` for a 5xx answer."""

    def __init__(self, answer: str, permanent: bool) -> None:
        super().__init__(answer)
        self.answer = answer
        self.permanent = permanent


class ConnectionLost(Exception):
    """The connection broke during a message: the server may or may not have it."""


def answer_text(code: int, message: bytes | str) -> str:
    """'535 5.7.8 Authentication credentials invalid', as the server said it."""
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)
    return f"{code} {' '.join(text.split())}".strip()


TRUST_IT = (
    "If this is the studio's own mail server, an administrator can trust exactly this "
    "certificate in Tools > Email."
)


def _explain_connect(account: SmtpAccount, exc: BaseException, found: str = "") -> str:
    where = f"{account.host}:{account.port}"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return f"The server refused the login: {answer_text(exc.smtp_code, exc.smtp_error)}"
    if isinstance(exc, CertificateChanged):
        return (
            f"The server's certificate is not the one the studio trusted: it shows SHA-256 "
            f"{exc.found}, the trusted one is {exc.trusted}. If the server's certificate was "
            "renewed, an administrator trusts the new one in Tools > Email; if not, someone "
            "may be in between: do not trust it."
        )
    if isinstance(exc, ssl.SSLCertVerificationError):
        reason = f"The server's certificate is not trusted ({exc.verify_message or exc.reason})."
        return f"{reason} Its SHA-256 fingerprint is {found}. {TRUST_IT}" if found else reason
    if isinstance(exc, ssl.SSLError):
        return (
            f"A secure connection to {where} failed ({exc.reason or exc}): check the security "
            "setting (TLS is usually port 465, STARTTLS port 587)."
        )
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return f"The server at {where} does not offer {exc}."
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"The server refused: {answer_text(exc.smtp_code, exc.smtp_error)}"
    if isinstance(exc, socket.gaierror):
        return f"There is no mail server called {account.host} ({exc.strerror})."
    if isinstance(exc, TimeoutError | socket.timeout):
        return f"The mail server {where} did not answer within {account.timeout:.0f} seconds."
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return f"The mail server {where} closed the connection ({exc})."
    if isinstance(exc, OSError):
        return f"The mail server {where} cannot be reached ({exc.strerror or exc})."
    return f"The mail server {where} cannot be used ({exc})."


class SmtpConnection:
    """One open, logged-in connection; `send` returns the server's answer to the message."""

    def __init__(self, account: SmtpAccount) -> None:
        self.account = account
        self.seconds = 0.0  # time spent waiting on the server
        started = time.perf_counter()
        try:
            self._smtp = self._open()
        except (OSError, smtplib.SMTPException) as exc:
            found = ""
            if isinstance(exc, ssl.SSLCertVerificationError | CertificateChanged):
                found = (
                    exc.found if isinstance(exc, CertificateChanged) else shown_certificate(account)
                )
            raise ServerProblem(_explain_connect(account, exc, found), found) from exc
        finally:
            self.seconds += time.perf_counter() - started

    def _context(self) -> ssl.SSLContext:
        if self.account.trusted_certificate:
            return _any_certificate()  # the trusted one is checked by its fingerprint
        return ssl.create_default_context(cafile=self.account.ca_file)

    def _check_trusted(self, smtp: smtplib.SMTP) -> None:
        """Before the login: the certificate must be exactly the one trusted (when one is)."""
        trusted = self.account.trusted_certificate
        if not trusted:
            return
        sock = smtp.sock
        der = sock.getpeercert(binary_form=True) if isinstance(sock, ssl.SSLSocket) else None
        found = fingerprint(der) if der else "(none)"
        if found != trusted:
            raise CertificateChanged(found, trusted)

    def _open(self) -> smtplib.SMTP:
        a = self.account
        smtp: smtplib.SMTP
        if a.security == "tls":
            smtp = smtplib.SMTP_SSL(a.host, a.port, timeout=a.timeout, context=self._context())
        else:
            smtp = smtplib.SMTP(a.host, a.port, timeout=a.timeout)
        try:
            if a.security == "tls":
                self._check_trusted(smtp)
            smtp.ehlo()
            if a.security == "starttls":
                if not smtp.has_extn("starttls"):
                    raise smtplib.SMTPNotSupportedError("STARTTLS (choose TLS or none)")
                smtp.starttls(context=self._context())
                self._check_trusted(smtp)
                smtp.ehlo()
            if a.username:
                smtp.login(a.username, a.password)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def send(self, message: Outgoing) -> str:
        """Sends one message; the server's answer to it ('250 2.0.0 Ok: queued as ...')."""
        mime = build_mime(self.account, message)
        started = time.perf_counter()
        try:
            return self._transaction(message.recipient, mime)
        finally:
            self.seconds += time.perf_counter() - started

    def _transaction(self, recipient: str, mime: Message) -> str:
        smtp = self._smtp
        try:
            code, answer = smtp.mail(self.account.from_address)
            if code != 250:
                smtp.rset()
                raise MessageRefused(answer_text(code, answer), code >= 500)
            code, answer = smtp.rcpt(recipient)
            if code not in (250, 251):
                smtp.rset()
                raise MessageRefused(answer_text(code, answer), code >= 500)
            # CRLF line ends: smtplib sends bytes as they are, and servers read lines by CRLF.
            code, answer = smtp.data(mime.as_bytes(policy=SMTP_WIRE))
            if code != 250:
                raise MessageRefused(answer_text(code, answer), code >= 500)
            return answer_text(code, answer)
        except smtplib.SMTPServerDisconnected as exc:
            raise ConnectionLost(f"The mail server closed the connection ({exc}).") from exc
        except smtplib.SMTPResponseException as exc:
            raise MessageRefused(
                answer_text(exc.smtp_code, exc.smtp_error), exc.smtp_code >= 500
            ) from exc
        except OSError as exc:
            raise ConnectionLost(f"The connection to the mail server broke ({exc}).") from exc

    def close(self) -> None:
        try:
            self._smtp.quit()
        except (OSError, smtplib.SMTPException):
            self._smtp.close()


def _any_certificate() -> ssl.SSLContext:
    """Encrypted, but accepting whatever certificate: only for reading it (to show its
    fingerprint) or checking it against the one trusted, never for a login."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def shown_certificate(account: SmtpAccount) -> str:
    """The fingerprint of the certificate the server shows ('' when it cannot be read): a
    second connection that goes as far as the encryption, and never logs in."""
    try:
        smtp: smtplib.SMTP
        if account.security == "tls":
            smtp = smtplib.SMTP_SSL(
                account.host, account.port, timeout=account.timeout, context=_any_certificate()
            )
        else:
            smtp = smtplib.SMTP(account.host, account.port, timeout=account.timeout)
            smtp.ehlo()
            smtp.starttls(context=_any_certificate())
        try:
            sock = smtp.sock
            der = sock.getpeercert(binary_form=True) if isinstance(sock, ssl.SSLSocket) else None
            return fingerprint(der) if der else ""
        finally:
            smtp.close()
    except (OSError, smtplib.SMTPException):
        return ""


# Line ends as SMTP wants them (CRLF); the classic email API, which writes headers as given
# instead of parsing each one back (a third of the sender's time per message otherwise).
SMTP_WIRE = compat32.clone(linesep="\r\n")


def _one_line(value: str) -> str:
    return " ".join(value.split())


def _header(value: str) -> str:
    """A header value on one line, RFC 2047-encoded when it is not ASCII."""
    value = _one_line(value)
    return value if value.isascii() else Header(value, "utf-8").encode()


def _part(content_type: str, content: bytes) -> MIMEBase:
    main, _, sub = content_type.partition("/")
    part = MIMEBase(main or "application", sub or "octet-stream")
    part.set_payload(content)
    encoders.encode_base64(part)
    return part


def build_mime(account: SmtpAccount, message: Outgoing) -> Message:
    """The message as it goes on the wire: text (and HTML with its inline images), then the
    attached files."""
    body: Message = MIMEText(message.text_body, "plain", "utf-8")
    if message.html_body:
        html: Message = MIMEText(message.html_body, "html", "utf-8")
        inline = [a for a in message.attachments if a[3]]
        if inline:
            related = MIMEMultipart("related")
            related.attach(html)
            for name, content_type, content, cid in inline:
                image = _part(content_type, content)
                image.add_header("Content-ID", f"<{_one_line(cid)}>")
                image.add_header("Content-Disposition", "inline", filename=_one_line(name))
                related.attach(image)
            html = related
        alternative = MIMEMultipart("alternative")
        alternative.attach(body)
        alternative.attach(html)
        body = alternative
    files = [a for a in message.attachments if not a[3]]
    root = body
    if files:
        root = MIMEMultipart("mixed")
        root.attach(body)
        for name, content_type, content, _cid in files:
            part = _part(content_type, content)
            part.add_header("Content-Disposition", "attachment", filename=_one_line(name))
            root.attach(part)
    root["From"] = formataddr((_one_line(account.from_name), account.from_address), "utf-8")
    root["To"] = _one_line(message.recipient)
    root["Subject"] = _header(message.subject)
    root["Date"] = formatdate(localtime=False, usegmt=True)
    root["Message-ID"] = _one_line(message.message_id)
    return root


def send_one(account: SmtpAccount, message: Outgoing) -> str:
    """Connects, sends one message and says what the server answered (the test email).
    Raises ServerProblem or MessageRefused with the server's words."""
    connection = SmtpConnection(account)
    try:
        return connection.send(message)
    except ConnectionLost as exc:
        raise ServerProblem(str(exc)) from exc
    finally:
        connection.close()
