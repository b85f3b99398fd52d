"""A payer's statement by email on request: the PDF attached, to the billing address, queued
once per payer and day (pressing Email it again the same day queues nothing new)."""

from __future__ import annotations

from studiosync_desktop.db import Database
from studiosync_desktop.errors import Conflict, ValidationFailed
from studiosync_desktop.models import EmailSettings
from studiosync_desktop.reports.statement_pdf import render_statement
from studiosync_desktop.schemas.billing import Payer, Statement
from studiosync_desktop.schemas.common import Actor, Frozen
from studiosync_desktop.schemas.email import OutgoingAttachment, OutgoingEmail
from studiosync_desktop.services.email_compose import Writer
from studiosync_desktop.services.email_facts import Facts, real_address
from studiosync_desktop.services.email_outbox import insert_emails
from studiosync_desktop.services.email_templates import render
from studiosync_desktop.services.permissions import require
from studiosync_desktop.services.statements import StatementService
from studiosync_desktop.services.unit_of_work import unit_of_work

NOT_SET_UP = (
    "The studio's email is not set up: an administrator sets the mail server in Tools > Email."
)


def no_address(name: str) -> str:
    return f"No billing email for {name}: add one on their page, then email the statement."


class StatementMailed(Frozen):
    recipient: str
    new: bool  # False: this payer's statement of the day was already queued
    skipped: str = ""  # why it is not sent (the studio switched billing off)

    @property
    def sentence(self) -> str:
        if self.skipped:
            return self.skipped
        if self.new:
            return f"Queued to {self.recipient}: the Outbox sends it in a moment."
        return f"Today's statement was already queued to {self.recipient}: not queued again."


class StatementMailer:
    def __init__(self, db: Database, statements: StatementService) -> None:
        self._db = db
        self._statements = statements

    @unit_of_work
    def send(self, actor: Actor, payer: Payer) -> StatementMailed:
        """Queues the payer's statement as of today with its PDF; ValidationFailed (field
        "email") when the payer has no billing address."""
        require(actor, "email")
        statement = self._statements.statement(actor, payer)
        address = real_address(statement.billing_email)
        if not address:
            raise ValidationFailed({"email": no_address(statement.payer.name)})
        with self._db.session() as s:
            settings = s.get(EmailSettings, actor.studio_id)
            if settings is None or not settings.host:
                raise Conflict(NOT_SET_UP)
            writer = Writer(s, actor)
            skipped = writer.part_off.get("statement", "")
            email = _email(writer, statement, address, attach=not skipped)
            new = bool(insert_emails(s, actor, [email]))
        return StatementMailed(recipient=address, new=new, skipped=skipped)


def _email(writer: Writer, statement: Statement, address: str, attach: bool) -> OutgoingEmail:
    """The statement's email; with its PDF unless it will not be sent."""
    studio = writer.facts_studio
    name = statement.payer.name
    written = render(
        writer.wording["statement"],
        writer.mail_letterhead,
        {
            "recipient_name": name,
            "as_of": studio.day(statement.as_of),
            "balance": studio.money(statement.balance),
        },
    )
    files: list[OutgoingAttachment] = []
    if attach:
        pdf = OutgoingAttachment(
            filename=f"Statement {name} {statement.as_of.isoformat()}.pdf",
            content=render_statement(writer.letterhead, statement),
        )
        files = writer.attachments(Facts(address, name, None, {}, [pdf]))
    payer = statement.payer
    return OutgoingEmail(
        kind="statement",
        dedupe_key=f"statement:{payer.kind}:{payer.id}:{statement.as_of.isoformat()}",
        recipient=address,
        about_id=payer.id,
        subject=written.subject,
        text_body=written.text_body,
        html_body=written.html_body,
        attachments=tuple(files),
    )
