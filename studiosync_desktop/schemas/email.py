"""Email: the mail account and policies an admin sets, what the outbox lists, what a send did."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, time
from typing import Any

from pydantic import Field, field_validator

from studiosync_desktop import limits
from studiosync_desktop.schemas.common import Frozen, Input
from studiosync_desktop.schemas.contact import check_optional_email
from studiosync_desktop.vocabulary import EMAIL_KINDS, EMAIL_STATUSES, SMTP_SECURITY

# A host name or an IPv4/IPv6 address, as typed in a mail client's settings.
HOST = re.compile(
    r"^(\[[0-9A-Fa-f:.]+\]|[0-9A-Fa-f:]*:[0-9A-Fa-f:.]+|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?)$"
)
# What a studio may turn on: every kind but those sent only when someone asks (a statement is
# not emailed yet: the statement dialog prints it; the test email is Tools > Email's).
ON_REQUEST = ("statement", "test", "news")
AUTOMATIC_KINDS = tuple(k for k in EMAIL_KINDS if k not in ON_REQUEST)
# What a person may say they do not want: the automatic kinds, and the studio's news.
WANTED_KINDS = (*AUTOMATIC_KINDS, "news")
KIND_NAMES = {
    "invoice": "Invoices (when sent)",
    "credit_note": "Credit notes",
    "receipt": "Receipts (on payment)",
    "statement": "Statements",
    "overdue_notice": "Overdue notices",
    "lesson_reminder": "Lesson reminders",
    "lesson_cancelled": "Lesson cancelled",
    "lesson_moved": "Lesson moved",
    "makeup_granted": "Make-up credit granted",
    "makeup_expiring": "Make-up credit about to expire",
    "item_due": "Lent item due back",
    "item_overdue": "Lent item overdue",
    "room_confirmed": "Room booking confirmed",
    "test": "Test email",
    "news": "Studio news (to those who agreed)",
}


def check_host(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("type the mail server's name, for example smtp.example.com")
    if not HOST.match(value) or ".." in value:
        raise ValueError("this is not a server name (for example smtp.example.com)")
    return value


class SmtpAccountInput(Input):
    """The studio's mail server as an administrator types it (Tools > Email, `mail setup`).
    An empty password keeps the one this PC already has."""

    host: str = Field(max_length=253)
    port: int = Field(default=587, ge=1, le=65535)
    security: str = Field(default="starttls")
    username: str = Field(default="", max_length=254)
    password: str = Field(default="", max_length=500, repr=False)
    from_address: str = Field(default="", max_length=254)
    from_name: str = Field(default="", max_length=200)
    # The SHA-256 fingerprint of the one certificate trusted ('' = the system's authorities).
    trusted_certificate: str = Field(default="", max_length=95)

    _host = field_validator("host")(check_host)
    _from = field_validator("from_address")(check_optional_email)

    @field_validator("security")
    @classmethod
    def _security(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in SMTP_SECURITY:
            raise ValueError("choose none, STARTTLS or TLS")
        return value

    @field_validator("trusted_certificate")
    @classmethod
    def _fingerprint(cls, value: str) -> str:
        digits = "".join(c for c in value.upper() if c not in ": \t")
        if not digits:
            return ""
        if len(digits) != 64 or any(c not in "0123456789ABCDEF" for c in digits):
            raise ValueError("this is not a SHA-256 fingerprint (64 hexadecimal digits)")
        return ":".join(digits[i : i + 2] for i in range(0, 64, 2))

    @field_validator("username", "from_name")
    @classmethod
    def _one_line(cls, value: str) -> str:
        if any(c in value for c in "\r\n\x00"):
            raise ValueError("this must be on one line")
        return value.strip()


class EmailPolicyInput(Input):
    """Which kinds go out by themselves, and when the scheduled ones are due."""

    enabled_kinds: tuple[str, ...] = ()
    reminder_hours: int = Field(default=24, ge=1, le=168)
    overdue_after_days: int = Field(default=7, ge=0, le=365)
    overdue_every_days: int = Field(default=7, ge=1, le=365)
    overdue_max_notices: int = Field(default=3, ge=0, le=20)
    makeup_warning_days: int = Field(default=7, ge=1, le=90)
    item_due_warning_days: int = Field(default=2, ge=0, le=30)
    max_attempts: int = Field(default=5, ge=1, le=20)

    @field_validator("enabled_kinds")
    @classmethod
    def _kinds(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [k for k in value if k not in AUTOMATIC_KINDS]
        if unknown:
            raise ValueError(f"unknown kind of email: {', '.join(unknown)}")
        return tuple(k for k in AUTOMATIC_KINDS if k in value)


class EmailSetup(Frozen):
    """What Tools > Email shows: the account (never the password), this PC's keyring, the
    policies, and the last problem the sender met."""

    host: str = ""
    port: int = 587
    security: str = "starttls"
    username: str = ""
    from_address: str = ""
    from_name: str = ""
    trusted_certificate: str = ""
    has_password: bool = False
    keyring_problem: str = ""
    policy: EmailPolicyInput = EmailPolicyInput()
    last_problem: str = ""
    last_problem_at: datetime | None = None

    @property
    def is_set_up(self) -> bool:
        return bool(self.host)


class TestEmailInput(Input):
    to: str = Field(max_length=254)

    @field_validator("to")
    @classmethod
    def _to(cls, value: str) -> str:
        value = check_optional_email(value)
        if not value:
            raise ValueError("type the address to send the test email to")
        return value


class OutgoingAttachment(Frozen):
    filename: str = Field(min_length=1, max_length=200)
    content_type: str = "application/pdf"
    content: bytes
    content_id: str = ""  # shown in the HTML body (cid:...) instead of attached


class OutgoingEmail(Frozen):
    """A message to queue, written: the outbox keeps it until it is sent."""

    kind: str
    dedupe_key: str = Field(min_length=1, max_length=300)
    recipient: str = Field(default="", max_length=254)
    subject: str = Field(max_length=300)
    text_body: str = Field(max_length=limits.DOCUMENT)
    html_body: str = Field(default="", max_length=limits.DOCUMENT)
    about_id: uuid.UUID | None = None
    person_id: uuid.UUID | None = None
    attachments: tuple[OutgoingAttachment, ...] = ()
    # Why it will not be sent ('' = it will): no address, opted out.
    skip_reason: str = ""
    not_before: datetime | None = None

    @field_validator("kind")
    @classmethod
    def _kind(cls, value: str) -> str:
        if value not in EMAIL_KINDS:
            raise ValueError(f"unknown kind of email: {value}")
        return value


class OutboxFilters(Input):
    status: str | None = None
    kind: str | None = None
    search: str = Field(default="", max_length=200)

    @field_validator("status")
    @classmethod
    def _status(cls, value: str | None) -> str | None:
        if value is not None and value not in EMAIL_STATUSES:
            raise ValueError(f"unknown status: {value}")
        return value


class OutboxRow(Frozen):
    id: uuid.UUID
    created_at: datetime
    kind: str
    recipient: str
    subject: str
    status: str
    attempts: int
    last_error: str
    sent_at: datetime | None
    next_attempt_at: datetime
    # Still being written (a queued invoice email waiting for its PDF).
    composed: bool = True

    @property
    def kind_name(self) -> str:
        return KIND_NAMES.get(self.kind, self.kind)


class AttachmentInfo(Frozen):
    id: uuid.UUID
    filename: str
    content_type: str
    size: int


class OutboxDetail(Frozen):
    row: OutboxRow
    dedupe_key: str
    message_id: str
    text_body: str
    html_body: str
    about_id: uuid.UUID | None
    recovered: bool
    attachments: tuple[AttachmentInfo, ...]


class MailHealth(Frozen):
    """For the status bar and the Home tab: what needs someone's attention."""

    failed: int = 0
    queued: int = 0
    last_problem: str = ""
    set_up: bool = False

    @property
    def sentence(self) -> str:
        if self.last_problem:
            return f"Email is not going out: {self.last_problem}"
        if self.failed:
            return f"{self.failed} email{'s' if self.failed != 1 else ''} failed: see the Outbox"
        return ""


class SendReport(Frozen):
    """What one run of the sender did."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0
    recovered: int = 0
    busy: bool = False  # another desk is sending: nothing was done here
    problem: str = ""  # the server could not be used at all (unreachable, login refused)
    smtp_seconds: float = 0.0  # time spent talking to the server

    @property
    def sentence(self) -> str:
        if self.busy:
            return "Another desk is sending the studio's email right now."
        parts = [f"{self.sent} sent"]
        if self.retrying:
            parts.append(f"{self.retrying} to retry")
        if self.failed:
            parts.append(f"{self.failed} failed")
        text = ", ".join(parts) + "."
        return f"{text} {self.problem}" if self.problem else text


class TemplateInput(Input):
    """An administrator's wording of one kind of email (Jinja2: {{ invoice_number }})."""

    subject: str = Field(min_length=1, max_length=300)
    text_body: str = Field(min_length=1, max_length=20_000)
    html_body: str = Field(default="", max_length=50_000)


class TemplateRow(Frozen):
    kind: str
    subject: str
    text_body: str
    html_body: str
    is_custom: bool
    variables: tuple[str, ...]

    @property
    def kind_name(self) -> str:
        return KIND_NAMES.get(self.kind, self.kind)


class PreviewResult(Frozen):
    subject: str
    text_body: str
    html_body: str


class PreferenceInput(Input):
    """What one person receives: the kinds they do not want, and quiet hours (studio time)."""

    opted_out: tuple[str, ...] = ()
    quiet_start: time | None = None
    quiet_end: time | None = None
    reminder_hours: int | None = Field(default=None, ge=1, le=168)

    @field_validator("opted_out")
    @classmethod
    def _kinds(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [k for k in value if k not in WANTED_KINDS]
        if unknown:
            raise ValueError(f"unknown kind of email: {', '.join(unknown)}")
        return tuple(k for k in WANTED_KINDS if k in value)

    @field_validator("quiet_end")
    @classmethod
    def _both(cls, value: time | None, info: Any) -> time | None:
        start = info.data.get("quiet_start")
        if (start is None) != (value is None):
            raise ValueError("give both the start and the end of the quiet hours, or neither")
        if start is not None and start == value:
            raise ValueError("the quiet hours must end at another time than they start")
        return value


class NewsInput(Input):
    """Studio news, as the person sending it typed it."""

    subject: str = Field(min_length=1, max_length=200)
    text: str = Field(min_length=1, max_length=20_000)


class NewsAudience(Frozen):
    """Who gets the news: those who agreed to marketing emails and can be written to."""

    readers: int
    no_address: int  # agreed, but no email address on file
    opted_out: int  # agreed, but chose no news emails
    not_agreed: int  # never asked, or said no

    def describe(self) -> str:
        left = [
            f"{self.no_address} who agreed have no email address" if self.no_address else "",
            f"{self.opted_out} chose no news emails" if self.opted_out else "",
            f"{self.not_agreed} have not agreed to marketing emails" if self.not_agreed else "",
        ]
        others = "; ".join(x for x in left if x)
        goes = f"Goes to {self.readers} {'person' if self.readers == 1 else 'people'}"
        return f"{goes} who agreed to marketing emails." + (f" Not to: {others}." if others else "")
