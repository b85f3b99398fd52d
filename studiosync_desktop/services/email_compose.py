"""Writing queued emails: each row the database queued (an invoice sent, a lesson cancelled,
a reminder due) gets its recipient, subject, bodies and PDF, in batches that two desks may
write at once without meeting (`FOR UPDATE SKIP LOCKED`). Someone without an address, or who
opted out of that kind, is skipped with the reason on the row; quiet hours delay the send."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from studiosync_desktop.db import Database
from studiosync_desktop.models import (
    EmailAttachment,
    EmailPreference,
    EmailTemplate,
    Studio,
)
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.schemas.email import KIND_NAMES, OutgoingAttachment
from studiosync_desktop.services.email_facts import (
    Facts,
    checkout_facts,
    invoice_facts,
    lesson_facts,
    makeup_facts,
    receipt_facts,
    reservation_facts,
)
from studiosync_desktop.services.email_facts import Studio as StudioFacts
from studiosync_desktop.services.email_outbox import (
    kinds_switched_off,
    message_id_for,
    sender_domain,
)
from studiosync_desktop.services.email_templates import (
    DEFAULTS,
    Wording,
    load_email_letterhead,
    render,
)
from studiosync_desktop.services.invoicing import load_letterhead
from studiosync_desktop.services.permissions import require
from studiosync_desktop.services.reading import studio_settings
from studiosync_desktop.services.unit_of_work import unit_of_work
from studiosync_desktop.zones import zone_of

# Rows written per transaction: each batch reads its facts in about ten statements, so the
# month's 1,440 invoices take 60 round trips in batches of 250 (141 in batches of 100), which
# is what a loaded desk or a server across the building waits for. The progress bar moves
# by batch.
BATCH = 250
PENDING = text(
    """
    SELECT id, kind, about_id, details FROM email_outbox
     WHERE studio_id = :studio AND NOT composed AND status = 'queued'
     ORDER BY created_at, id
     LIMIT :limit FOR UPDATE SKIP LOCKED
    """
)
# A batch's rows written in one statement, not one per row: the outbox's live-update trigger
# and row security's plan run once, and on an outbox with many dead rows (before autovacuum
# comes) each row's own UPDATE scanned them: 3 s for the month's invoices against 0.5 s.
# A column a row leaves out (NULL) keeps its value.
WRITTEN = (
    "id",
    "message_id",
    "status",
    "last_error",
    "recipient",
    "person_id",
    "subject",
    "text_body",
    "html_body",
    "next_attempt_at",
)
WRITE = text(
    """
    UPDATE email_outbox o
       SET composed = true, message_id = v.message_id, status = v.status,
           last_error = v.last_error, recipient = coalesce(v.recipient, o.recipient),
           person_id = coalesce(v.person_id, o.person_id),
           subject = coalesce(v.subject, o.subject),
           text_body = coalesce(v.text_body, o.text_body),
           html_body = coalesce(v.html_body, o.html_body),
           next_attempt_at = coalesce(v.next_attempt_at, o.next_attempt_at)
      FROM unnest(CAST(:id AS uuid[]), CAST(:message_id AS text[]), CAST(:status AS text[]),
                  CAST(:last_error AS text[]), CAST(:recipient AS text[]),
                  CAST(:person_id AS uuid[]), CAST(:subject AS text[]),
                  CAST(:text_body AS text[]), CAST(:html_body AS text[]),
                  CAST(:next_attempt_at AS timestamptz[]))
           AS v(id, message_id, status, last_error, recipient, person_id, subject, text_body,
                html_body, next_attempt_at)
     WHERE o.id = v.id
    """
)
NO_ADDRESS = "No email address on file for {name}."
OPTED_OUT = "{name} chose not to receive {what} emails."
GONE = "What this email was about no longer exists."

Progress = Callable[[int, int], None]


class Writer:
    """What a batch needs once: the studio, its letterhead, wording and people's wishes."""

    def __init__(self, s: Session, actor: Actor) -> None:
        studio = s.get(Studio, actor.studio_id)
        assert studio is not None
        settings = studio_settings(s, actor.studio_id)
        self.actor = actor
        # The emails of the parts the studio switched off are not sent (kind -> why not).
        self.part_off = kinds_switched_off(settings.parts_off)
        self.letterhead = load_letterhead(s, actor.studio_id)
        self.facts_studio = StudioFacts(
            id=studio.id,
            zone=zone_of(studio.timezone),
            locale=settings.locale,
            currency=studio.currency,
            letterhead=self.letterhead,
        )
        self.mail_letterhead = load_email_letterhead(s, actor.studio_id, self.letterhead)
        self.wording = dict(DEFAULTS)
        for t in s.scalars(select(EmailTemplate).where(EmailTemplate.studio_id == studio.id)):
            self.wording[t.kind] = Wording(t.subject, t.text_body, t.html_body)
        self.domain = sender_domain(s, studio.id)

    def facts(self, s: Session, rows: list[Any]) -> dict[uuid.UUID, Facts]:
        """The facts of each row (by row id), read in bulk per kind."""
        by_kind: dict[str, list[Any]] = {}
        for r in rows:
            by_kind.setdefault(r.kind, []).append(r)
        out: dict[uuid.UUID, Facts] = {}
        st = self.facts_studio
        for kind, group in by_kind.items():
            about = [r.about_id for r in group if r.about_id is not None]
            found: dict[uuid.UUID, Facts]
            if kind in ("invoice", "credit_note", "overdue_notice"):
                found = invoice_facts(s, self.actor, st, about, attach=True)
            elif kind == "receipt":
                found = receipt_facts(s, self.actor, st, about)
            elif kind.startswith("lesson_"):
                lessons = {
                    r.about_id: [uuid.UUID(i) for i in r.details.get("lessons", [])] or [r.about_id]
                    for r in group
                }
                found = lesson_facts(s, st, lessons)
            elif kind.startswith("makeup_"):
                found = makeup_facts(s, st, about)
            elif kind.startswith("item_"):
                found = checkout_facts(s, st, about)
            elif kind == "room_confirmed":
                found = reservation_facts(s, st, about)
            else:
                found = {}
            for r in group:
                if r.about_id in found:
                    out[r.id] = found[r.about_id]
        return out

    def write(
        self, r: Any, facts: Facts | None, wishes: dict[uuid.UUID, EmailPreference], now: datetime
    ) -> dict[str, Any]:
        """The row's new values: written, and queued, skipped or delayed."""
        values: dict[str, Any] = {
            "id": r.id,
            "composed": True,
            "message_id": message_id_for(r.id, self.domain),
        }
        if facts is None:
            return {**values, "status": "cancelled", "last_error": GONE}
        if r.kind in self.part_off:
            return {**values, "status": "skipped", "last_error": self.part_off[r.kind]}
        extra = {"notice_number": (r.details or {}).get("notice", 1)}
        wording = render(
            self.wording[r.kind],
            self.mail_letterhead,
            {"recipient_name": facts.recipient_name, **extra, **facts.values},
        )
        values.update(
            recipient=facts.recipient[:254],
            person_id=facts.person_id,
            subject=wording.subject,
            text_body=wording.text_body,
            html_body=wording.html_body,
            status="queued",
            last_error="",
            next_attempt_at=now,
        )
        wish = wishes.get(facts.person_id) if facts.person_id else None
        name = facts.recipient_name or "this person"
        if not facts.recipient:
            values.update(status="skipped", last_error=NO_ADDRESS.format(name=name))
        elif wish is not None and r.kind in (wish.opted_out or []):
            what = KIND_NAMES.get(r.kind, r.kind).lower()
            values.update(status="skipped", last_error=OPTED_OUT.format(name=name, what=what))
        elif wish is not None and wish.quiet_start is not None and wish.quiet_end is not None:
            later = after_quiet_hours(now, self.facts_studio.zone, wish.quiet_start, wish.quiet_end)
            if later is not None and (facts.useful_until is None or later < facts.useful_until):
                values.update(
                    next_attempt_at=later,
                    last_error=f"Waiting for the end of {name}'s quiet hours.",
                )
        return values

    def attachments(self, facts: Facts | None) -> list[OutgoingAttachment]:
        if facts is None:
            return []
        logo = self.mail_letterhead.logo_file()
        return [*facts.attachments, logo] if logo else list(facts.attachments)


def after_quiet_hours(now: datetime, zone: Any, start: time, end: time) -> datetime | None:
    """When quiet hours (studio time, possibly across midnight) end, if `now` is in them."""
    local = now.astimezone(zone)
    t = local.time()
    inside = start <= t < end if start < end else (t >= start or t < end)
    if not inside:
        return None
    day = local.date() if (start < end or t < end) else local.date() + timedelta(days=1)
    return datetime.combine(day, end, zone)


class MailComposer:
    def __init__(self, db: Database) -> None:
        self._db = db

    def compose_pending(self, actor: Actor, progress: Progress | None = None) -> int:
        """Writes every queued row still unwritten; returns how many were written."""
        require(actor, "email")
        done = 0
        total = self.pending_count(actor)
        writers: list[Writer] = []  # the studio's letterhead and wording, read once a round
        while written := self._write_next_batch(actor, writers):
            done += written
            if progress is not None:
                progress(done, max(total, done))
        return done

    @unit_of_work
    def _write_next_batch(self, actor: Actor, writers: list[Writer]) -> int:
        """Writes up to BATCH unwritten rows in one transaction; how many it wrote."""
        with self._db.session() as s:
            rows = s.execute(PENDING, {"studio": actor.studio_id, "limit": BATCH}).all()
            if rows:
                if not writers:
                    writers.append(Writer(s, actor))
                self._write_batch(s, actor, list(rows), writers[0])
            return len(rows)

    def pending_count(self, actor: Actor) -> int:
        with self._db.read_session() as s:
            return int(
                s.scalar(
                    text(
                        "SELECT count(*) FROM email_outbox WHERE studio_id = :s"
                        " AND NOT composed AND status = 'queued'"
                    ),
                    {"s": actor.studio_id},
                )
                or 0
            )

    @staticmethod
    def _write_batch(s: Session, actor: Actor, rows: list[Any], writer: Writer) -> None:
        facts = writer.facts(s, rows)
        people = {f.person_id for f in facts.values() if f.person_id is not None}
        wishes = {
            w.user_id: w
            for w in s.scalars(select(EmailPreference).where(EmailPreference.user_id.in_(people)))
        }
        now = datetime.now(writer.facts_studio.zone)
        updates = [writer.write(r, facts.get(r.id), wishes, now) for r in rows]
        s.execute(WRITE, {c: [u.get(c) for u in updates] for c in WRITTEN})
        files = [
            {
                "studio_id": actor.studio_id,
                "message_id": r.id,
                **a.model_dump(),
            }
            for r in rows
            for a in writer.attachments(facts.get(r.id))
        ]
        if files:
            s.execute(insert(EmailAttachment), files)
