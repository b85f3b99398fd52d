"""The outbox: queuing written emails once per meaning, listing them, resend and cancel.

Queuing is `INSERT ... ON CONFLICT (studio_id, dedupe_key) DO NOTHING`: whichever desk (or
how often) queues "invoice INV-2026-00042 sent", it is one row. The sender
(`services/email_sender.py`) takes the rows from here.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Select, func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from studiosync_desktop.db import Database
from studiosync_desktop.errors import Conflict, NotFound
from studiosync_desktop.models import EmailAttachment, EmailMessage, EmailSettings
from studiosync_desktop.schemas.common import Actor, Page, parse_input
from studiosync_desktop.schemas.email import (
    AttachmentInfo,
    MailHealth,
    OutboxDetail,
    OutboxFilters,
    OutboxRow,
    OutgoingEmail,
)
from studiosync_desktop.services.keyset_pager import check_limit, id_key, read_page, time_key
from studiosync_desktop.services.permissions import require
from studiosync_desktop.services.reading import (
    contains_pattern,
    ilike_any,
    studio_settings,
)
from studiosync_desktop.services.unit_of_work import unit_of_work
from studiosync_desktop.vocabulary import PART_EMAIL_KINDS, STUDIO_PARTS

ROW_COLUMNS = (
    EmailMessage.id,
    EmailMessage.created_at,
    EmailMessage.kind,
    EmailMessage.recipient,
    EmailMessage.subject,
    EmailMessage.status,
    EmailMessage.attempts,
    EmailMessage.last_error,
    EmailMessage.sent_at,
    EmailMessage.next_attempt_at,
    EmailMessage.composed,
)


PART_OFF = "Not sent: the studio does not use {part} (Tools > Studio parts and hours)."


def kinds_switched_off(parts_off: Iterable[str]) -> dict[str, str]:
    """The kinds of email of the parts the studio switched off, each with the sentence its
    outbox row shows (none of them is sent, whichever way it was queued)."""
    return {
        kind: PART_OFF.format(part=STUDIO_PARTS[part].split(" (")[0].lower())
        for part in parts_off
        for kind in PART_EMAIL_KINDS.get(part, ())
    }


def message_id_for(row_id: uuid.UUID, domain: str) -> str:
    """The Message-ID of an outbox row: the same on every attempt, so a server that got a
    message twice (a desk stopped between sending and noting it) can drop the copy."""
    return f"<{row_id}@{domain or 'studiosync.invalid'}>"


def sender_domain(s: Session, studio_id: uuid.UUID) -> str:
    address = s.scalar(
        select(EmailSettings.from_address).where(EmailSettings.studio_id == studio_id)
    )
    return (address or "").rpartition("@")[2]


def insert_emails(s: Session, actor: Actor, emails: Sequence[OutgoingEmail]) -> list[uuid.UUID]:
    """Queues written emails in the caller's transaction; those already queued (by meaning)
    are left alone, except one skipped only because its part of the studio was switched off,
    which is queued again now. An email of a part switched off is skipped with the reason.
    Returns the ids of the rows queued (new or again)."""
    if not emails:
        return []
    domain = sender_domain(s, actor.studio_id)
    off = kinds_switched_off(studio_settings(s, actor.studio_id).parts_off)
    emails = [
        e.model_copy(update={"skip_reason": off[e.kind], "attachments": ()})
        if e.kind in off and not e.skip_reason
        else e
        for e in emails
    ]
    ids = [uuid.uuid4() for _ in emails]
    rows = [
        {
            "id": row_id,
            "studio_id": actor.studio_id,
            "kind": e.kind,
            "dedupe_key": e.dedupe_key,
            "about_id": e.about_id,
            "person_id": e.person_id,
            "composed": True,
            "recipient": e.recipient,
            "subject": e.subject,
            "text_body": e.text_body,
            "html_body": e.html_body,
            "message_id": message_id_for(row_id, domain),
            "status": "skipped" if e.skip_reason else "queued",
            "last_error": e.skip_reason,
            "next_attempt_at": e.not_before or func.now(),
            "created_by_id": actor.user_id,
        }
        for row_id, e in zip(ids, emails, strict=True)
    ]
    statement = insert(EmailMessage).values(rows)
    again = {
        name: statement.excluded[name]
        for name in ("about_id", "person_id", "recipient", "subject", "text_body", "html_body",
                     "message_id", "status", "last_error", "next_attempt_at")
    }  # fmt: skip
    switched_off = PART_OFF.split("{")[0]
    result = s.execute(
        statement.on_conflict_do_update(
            index_elements=["studio_id", "dedupe_key"],
            set_={**again, "attempts": 0, "sent_at": None},
            where=(EmailMessage.status == "skipped")
            & EmailMessage.last_error.startswith(switched_off),
        ).returning(EmailMessage.dedupe_key, EmailMessage.id)
    )
    queued: dict[str, uuid.UUID] = {key: row_id for key, row_id in result}
    files = [
        {
            "studio_id": actor.studio_id,
            "message_id": queued[e.dedupe_key],
            "filename": a.filename,
            "content_type": a.content_type,
            "content": a.content,
            "content_id": a.content_id,
        }
        for e in emails
        if e.dedupe_key in queued
        for a in e.attachments
    ]
    if files:
        s.execute(insert(EmailAttachment), files)
    return [queued[e.dedupe_key] for e in emails if e.dedupe_key in queued]


def outbox_row(r: Any) -> OutboxRow:
    return OutboxRow.model_construct(**{c.key: getattr(r, c.key) for c in ROW_COLUMNS})


class OutboxService:
    def __init__(self, db: Database) -> None:
        self._db = db

    @unit_of_work
    def queue(self, actor: Actor, emails: Sequence[OutgoingEmail | dict[str, Any]]) -> int:
        """Queues written emails; returns how many were new (the rest were already queued)."""
        require(actor, "email")
        parsed = [parse_input(OutgoingEmail, e) for e in emails]
        with self._db.session() as s:
            return len(insert_emails(s, actor, parsed))

    # --- reading ------------------------------------------------------------------------

    def page(
        self,
        actor: Actor,
        filters: OutboxFilters | dict[str, Any] | None = None,
        cursor: str | None = None,
        limit: int = 200,
    ) -> Page[OutboxRow]:
        """The newest first, filtered by status, kind and a search of recipient and subject."""
        require(actor, "email")
        f = parse_input(OutboxFilters, filters or {})
        check_limit(limit)
        query = self._filtered(actor, f)
        with self._db.read_session() as s:
            return read_page(
                s,
                query,
                (time_key(EmailMessage.created_at), id_key(EmailMessage.id)),
                cursor,
                limit,
                outbox_row,
                descending=True,
            )

    @staticmethod
    def _filtered(actor: Actor, f: OutboxFilters) -> Select[Any]:
        columns: tuple[Any, ...] = ROW_COLUMNS
        query: Select[Any] = select(*columns).where(EmailMessage.studio_id == actor.studio_id)
        if f.status:
            query = query.where(EmailMessage.status == f.status)
        if f.kind:
            query = query.where(EmailMessage.kind == f.kind)
        if f.search.strip():
            query = query.where(
                ilike_any(contains_pattern(f.search), EmailMessage.recipient, EmailMessage.subject)
            )
        return query

    def detail(self, actor: Actor, message_id: uuid.UUID) -> OutboxDetail:
        require(actor, "email")
        with self._db.read_session() as s:
            m = s.get(EmailMessage, message_id)
            if m is None or m.studio_id != actor.studio_id:
                raise NotFound("This email is no longer in the outbox.")
            files = s.execute(
                select(
                    EmailAttachment.id,
                    EmailAttachment.filename,
                    EmailAttachment.content_type,
                    func.octet_length(EmailAttachment.content).label("size"),
                )
                .where(EmailAttachment.message_id == m.id, EmailAttachment.content_id == "")
                .order_by(EmailAttachment.filename)
            ).all()
            return OutboxDetail(
                row=outbox_row(m),
                dedupe_key=m.dedupe_key,
                message_id=m.message_id,
                text_body=m.text_body,
                html_body=m.html_body,
                about_id=m.about_id,
                recovered=m.recovered,
                attachments=tuple(
                    AttachmentInfo(
                        id=a.id, filename=a.filename, content_type=a.content_type, size=a.size
                    )
                    for a in files
                ),
            )

    def attachment(self, actor: Actor, attachment_id: uuid.UUID) -> tuple[str, bytes]:
        """(file name, bytes) of an attachment, to open what was sent."""
        require(actor, "email")
        with self._db.read_session() as s:
            a = s.get(EmailAttachment, attachment_id)
            if a is None or a.studio_id != actor.studio_id:
                raise NotFound("This attachment is no longer in the outbox.")
            return a.filename, a.content

    def health(self, actor: Actor) -> MailHealth:
        """Failed and waiting emails and the server's last problem: the status bar, Home tab."""
        require(actor, "email")
        with self._db.read_session() as s:
            counts = dict(
                s.execute(
                    select(EmailMessage.status, func.count())
                    .where(
                        EmailMessage.studio_id == actor.studio_id,
                        EmailMessage.status.in_(("failed", "queued")),
                    )
                    .group_by(EmailMessage.status)
                ).all()
            )
            settings = s.execute(
                select(EmailSettings.host, EmailSettings.last_problem).where(
                    EmailSettings.studio_id == actor.studio_id
                )
            ).one_or_none()
        return MailHealth(
            failed=counts.get("failed", 0),
            queued=counts.get("queued", 0),
            last_problem=settings.last_problem if settings else "",
            set_up=bool(settings and settings.host),
        )

    # --- changing -----------------------------------------------------------------------

    @unit_of_work
    def cancel(self, actor: Actor, message_id: uuid.UUID) -> OutboxRow:
        """A queued email will not be sent (one being sent this moment cannot be stopped)."""
        require(actor, "email")
        with self._db.session() as s:
            m = self._locked(s, actor, message_id)
            if m.status != "queued":
                raise Conflict(self._cannot("cancel", m.status))
            m.status = "cancelled"
            m.last_error = f"Cancelled by {actor.name}."
            s.flush()
            return outbox_row(m)

    @unit_of_work
    def resend(self, actor: Actor, message_id: uuid.UUID) -> OutboxRow:
        """A failed, cancelled or skipped email is queued again as it is; a sent one is sent
        again as a new message (its own Message-ID), because someone asked for it."""
        require(actor, "email")
        with self._db.session() as s:
            m = self._locked(s, actor, message_id)
            if m.status in ("queued", "sending"):
                raise Conflict(self._cannot("resend", m.status))
            if not m.recipient:
                raise Conflict(
                    "This email has no address to go to. Add the person's email address, "
                    "then send the document again."
                )
            if m.status == "sent":
                return self._copy(s, actor, m)
            m.status = "queued"
            m.attempts = 0
            m.recovered = False
            m.last_error = ""
            m.next_attempt_at = func.now()
            s.flush()
            s.refresh(m)
            return outbox_row(m)

    def _copy(self, s: Session, actor: Actor, m: EmailMessage) -> OutboxRow:
        new_id = uuid.uuid4()
        again = s.scalar(
            select(func.count()).where(
                EmailMessage.studio_id == actor.studio_id,
                EmailMessage.dedupe_key.like(m.dedupe_key.replace("%", r"\%") + ":again:%"),
            )
        )
        copy = EmailMessage(
            id=new_id,
            studio_id=actor.studio_id,
            kind=m.kind,
            dedupe_key=f"{m.dedupe_key}:again:{(again or 0) + 1}",
            about_id=m.about_id,
            person_id=m.person_id,
            details=m.details,
            composed=True,
            recipient=m.recipient,
            subject=m.subject,
            text_body=m.text_body,
            html_body=m.html_body,
            message_id=message_id_for(new_id, sender_domain(s, actor.studio_id)),
            created_by_id=actor.user_id,
        )
        s.add(copy)
        s.flush()
        s.execute(
            text(
                "INSERT INTO email_attachments (studio_id, message_id, filename, content_type,"
                " content, content_id) SELECT studio_id, :new, filename, content_type,"
                " content, content_id"
                " FROM email_attachments WHERE message_id = :old"
            ),
            {"new": new_id, "old": m.id},
        )
        s.refresh(copy)
        return outbox_row(copy)

    @staticmethod
    def _locked(s: Session, actor: Actor, message_id: uuid.UUID) -> EmailMessage:
        m = s.scalars(
            select(EmailMessage)
            .where(EmailMessage.id == message_id, EmailMessage.studio_id == actor.studio_id)
            .with_for_update()
        ).one_or_none()
        if m is None:
            raise NotFound("This email is no longer in the outbox.")
        return m

    @staticmethod
    def _cannot(what: str, status: str) -> str:
        if status == "sending":
            return "This email is being sent right now."
        if what == "cancel":
            return f"Only a queued email can be cancelled; this one is {status}."
        return "This email is queued: it will go out by itself."
