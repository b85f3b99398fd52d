"""The studio's mail account and email policies: the server in the database (every desk may
send), its password in the keyring of each PC that sends (never in a file or the database)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from studiosync_desktop import config
from studiosync_desktop.db import Database
from studiosync_desktop.errors import Conflict, NotSetUp, ValidationFailed
from studiosync_desktop.models import EmailSettings, Studio
from studiosync_desktop.schemas.common import Actor, Frozen, parse_input
from studiosync_desktop.schemas.email import (
    EmailPolicyInput,
    EmailSetup,
    SmtpAccountInput,
    TestEmailInput,
)
from studiosync_desktop.services.email_outbox import message_id_for
from studiosync_desktop.services.email_smtp import (
    MessageRefused,
    Outgoing,
    ServerProblem,
    SmtpAccount,
    send_one,
)
from studiosync_desktop.services.permissions import require
from studiosync_desktop.services.unit_of_work import unit_of_work

# The keyring entry, beside the Stripe key's ("StudioSync", "stripe:<studio id>").
KEYRING_SERVICE = "StudioSync"
NO_KEYRING = (
    "This PC has no password store, so the mail password cannot be kept here: this PC "
    "will not send the studio's email (another desk with a password store can)."
)
POLICY_FIELDS = tuple(EmailPolicyInput.model_fields)


def password_key(studio_id: uuid.UUID) -> str:
    return f"smtp:{studio_id}"


def keyring_password(studio_id: uuid.UUID) -> str | None:
    """The mail password kept on this PC; None when there is none or no keyring at all."""
    return config.get_secret(password_key(studio_id), KEYRING_SERVICE)


def keyring_problem() -> str:
    """'' when this PC can keep passwords, else the sentence saying it cannot."""
    try:
        config.read_secret("smtp:probe", KEYRING_SERVICE)
    except NotSetUp:
        return NO_KEYRING
    return ""


def store_password(studio_id: uuid.UUID, password: str) -> None:
    """Keeps the mail password in this PC's keyring; ValidationFailed when it cannot."""
    if not config.set_secret(password_key(studio_id), password, KEYRING_SERVICE):
        raise ValidationFailed({"password": NO_KEYRING})


class TestResult(Frozen):
    """What "Send a test email" got: the server's answer, and the field it is about;
    `fingerprint`: the server's certificate when it is what is not trusted."""

    ok: bool
    answer: str
    field: str = ""
    fingerprint: str = ""


def field_of(problem: str) -> str:
    """Which field of the form a server problem is about."""
    lowered = problem.lower()
    if "login" in lowered or "password" in lowered:
        return "password"
    if "certificate" in lowered or "secure connection" in lowered or "starttls" in lowered:
        return "security"
    return "host"


class EmailSettingsService:
    def __init__(
        self,
        db: Database,
        *,
        password: Callable[[uuid.UUID], str | None] = keyring_password,
        ca_file: str | None = None,
    ) -> None:
        self._db = db
        self._password = password
        self._ca_file = ca_file

    def setup(self, actor: Actor) -> EmailSetup:
        """The account and policies as Tools > Email shows them (never the password)."""
        require(actor, "email")
        with self._db.read_session() as s:
            row = s.get(EmailSettings, actor.studio_id)
            studio = s.get(Studio, actor.studio_id)
        problem = keyring_problem()
        if row is None:
            return EmailSetup(
                from_address=studio.email if studio else "",
                from_name=studio.name if studio else "",
                keyring_problem=problem,
            )
        return EmailSetup(
            host=row.host,
            port=row.port,
            security=row.security,
            username=row.username,
            from_address=row.from_address,
            from_name=row.from_name,
            trusted_certificate=row.trusted_certificate,
            has_password=bool(self._password(actor.studio_id)),
            keyring_problem=problem,
            policy=policy_of(row),
            last_problem=row.last_problem,
            last_problem_at=row.last_problem_at,
        )

    @unit_of_work
    def save_account(self, actor: Actor, data: SmtpAccountInput | dict[str, Any]) -> EmailSetup:
        """An administrator sets the server; a typed password goes to this PC's keyring first,
        so nothing is saved when it cannot be kept."""
        require(actor, "settings")
        account = parse_input(SmtpAccountInput, data)
        if account.username and not account.password and not self._password(actor.studio_id):
            raise ValidationFailed({"password": "Type the password of this mail account."})
        if account.password:
            store_password(actor.studio_id, account.password)
        values = account.model_dump(exclude={"password"})
        if not values["from_address"]:
            values["from_address"] = self._studio_email(actor) or account.username
        if "@" not in values["from_address"]:
            raise ValidationFailed(
                {"from_address": "Type the address the studio's email comes from."}
            )
        with self._db.session() as s:
            s.execute(
                insert(EmailSettings)
                .values(studio_id=actor.studio_id, **values, last_problem="")
                .on_conflict_do_update(
                    index_elements=["studio_id"], set_={**values, "last_problem": ""}
                )
            )
        return self.setup(actor)

    @unit_of_work
    def save_policy(self, actor: Actor, data: EmailPolicyInput | dict[str, Any]) -> EmailSetup:
        """Which kinds go out by themselves, and the reminder and overdue schedule."""
        require(actor, "settings")
        policy = parse_input(EmailPolicyInput, data)
        values = policy.model_dump()
        values["enabled_kinds"] = list(values["enabled_kinds"])
        with self._db.session() as s:
            if s.get(EmailSettings, actor.studio_id, with_for_update=True) is None:
                raise Conflict("Set up the studio's mail server first.")
            s.execute(
                update(EmailSettings)
                .where(EmailSettings.studio_id == actor.studio_id)
                .values(**values)
            )
        return self.setup(actor)

    def _studio_email(self, actor: Actor) -> str:
        with self._db.read_session() as s:
            return s.scalar(select(Studio.email).where(Studio.id == actor.studio_id)) or ""

    def _typed(self, actor: Actor, data: SmtpAccountInput | dict[str, Any]) -> SmtpAccount:
        typed = parse_input(SmtpAccountInput, data)
        password = typed.password or self._password(actor.studio_id) or ""
        if typed.username and not password:
            raise ValidationFailed({"password": "Type the password of this mail account."})
        sender = typed.from_address or self._studio_email(actor) or typed.username
        return SmtpAccount(
            host=typed.host,
            port=typed.port,
            security=typed.security,
            username=typed.username,
            password=password,
            from_address=sender if "@" in sender else f"studiosync@{typed.host}",
            from_name=typed.from_name,
            ca_file=self._ca_file,
            trusted_certificate=typed.trusted_certificate,
        )

    # --- for the sender -------------------------------------------------------------------

    def account(self, actor: Actor) -> SmtpAccount:
        """How this PC sends the studio's email; Conflict (a sentence) when it cannot."""
        with self._db.read_session() as s:
            return self.account_in(s, actor.studio_id)

    def account_in(self, s: Session, studio_id: uuid.UUID) -> SmtpAccount:
        row = s.get(EmailSettings, studio_id)
        if row is None or not row.host:
            raise Conflict(
                "The studio's email is not set up: an administrator sets the mail server in "
                "Tools > Email."
            )
        password = self._password(studio_id) or ""
        if row.username and not password:
            raise Conflict(
                "The mail password is not kept on this PC: an administrator types it in "
                "Tools > Email here, or another desk sends."
            )
        return SmtpAccount(
            host=row.host,
            port=row.port,
            security=row.security,
            username=row.username,
            password=password,
            from_address=row.from_address,
            from_name=row.from_name,
            ca_file=self._ca_file,
            trusted_certificate=row.trusted_certificate,
        )

    def send_test(
        self,
        actor: Actor,
        data: TestEmailInput | dict[str, Any],
        typed: SmtpAccountInput | dict[str, Any] | None = None,
    ) -> TestResult:
        """Sends one message now (not through the outbox) and says what the server answered;
        with `typed`, through the server as typed in the form (before it is saved)."""
        require(actor, "email")
        to = parse_input(TestEmailInput, data).to
        account = self.account(actor) if typed is None else self._typed(actor, typed)
        message = Outgoing(
            recipient=to,
            subject=f"Test email from {account.from_name or 'StudioSync'}",
            text_body=(
                "This is a test email from StudioSync. If you can read it, the studio's email "
                "is set up correctly.\n"
            ),
            html_body="",
            message_id=message_id_for(uuid.uuid4(), account.from_address.rpartition("@")[2]),
        )
        try:
            answer = send_one(account, message)
        except ServerProblem as exc:
            return TestResult(
                ok=False, answer=str(exc), field=field_of(str(exc)), fingerprint=exc.fingerprint
            )
        except MessageRefused as exc:
            return TestResult(
                ok=False, answer=f"The server refused the message: {exc.answer}", field="to"
            )
        return TestResult(ok=True, answer=f"Sent. The server answered: {answer}")


def policy_of(row: EmailSettings) -> EmailPolicyInput:
    return EmailPolicyInput.model_validate({name: getattr(row, name) for name in POLICY_FIELDS})
