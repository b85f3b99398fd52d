"""The sender: one desk at a time sends the studio's queued email, each message exactly once.

- One sender per studio across all desks: a session-level advisory lock held on the
  sender's own connection. Every claim and mark goes through that connection, so a desk
  whose connection (and lock) is gone cannot note anything more.
- A row is marked `sending` (committed) before the SMTP conversation and `sent` after it.
  A row found in `sending` by the next lock holder was left by a desk that stopped
  half-way: it is queued again once, with the same Message-ID (a server that did get it can
  drop the copy); left twice, it fails with a sentence saying so.
- A refusal of the message (4xx) is retried with backoff; a permanent one (5xx), or the
  last attempt, fails the row with the server's own answer. A server that cannot be used
  at all (down, login refused) blames no message: the rows wait, and the problem is noted
  for every desk to see.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from contextlib import suppress
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from studiosync_desktop.db import Database, translate_errors
from studiosync_desktop.errors import Conflict, StudioSyncError
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.schemas.email import SendReport
from studiosync_desktop.services.email_settings import EmailSettingsService
from studiosync_desktop.services.email_smtp import (
    ConnectionLost,
    MessageRefused,
    Outgoing,
    ServerProblem,
    SmtpAccount,
    SmtpConnection,
)
from studiosync_desktop.services.permissions import require

SENDER_LOCK = 7_351_018
# Seconds to wait before the 2nd, 3rd... attempt of a message the server put off.
BACKOFF: tuple[int, ...] = (60, 300, 1800, 7200, 21600)
LEFT_ONCE = "A desk stopped while sending this email: sent again with the same Message-ID."
LEFT_TWICE = (
    "A desk stopped twice while sending this email: it may have arrived. Ask the recipient "
    "before sending it again."
)

LOCK = text("SELECT pg_try_advisory_lock(:k, hashtext(CAST(:studio AS text)))")
UNLOCK = text("SELECT pg_advisory_unlock(:k, hashtext(CAST(:studio AS text)))")
RECOVER = text(
    """
    UPDATE email_outbox
       SET status = CASE WHEN recovered THEN 'failed' ELSE 'queued' END,
           last_error = CASE WHEN recovered THEN :twice ELSE :once END,
           recovered = true, next_attempt_at = now()
     WHERE studio_id = :studio AND status = 'sending'
    """
)
# Marks the message just sent (if any) and claims the next one with its files, in one round
# trip (one row per file): the mark is committed before the next SMTP conversation starts,
# exactly as separate statements would be. Each table read costs a row-level security check
# as the desk's login, so the files are joined once rather than read column by column.
CLAIM = text(
    """
    WITH done AS (
        UPDATE email_outbox SET status = 'sent', sent_at = now(), last_error = ''
         WHERE id = CAST(:done AS uuid)
    ), claimed AS (
        UPDATE email_outbox SET status = 'sending', attempts = attempts + 1
         WHERE id = (SELECT id FROM email_outbox
                      WHERE studio_id = :studio AND status = 'queued' AND composed
                        AND next_attempt_at <= now()
                      ORDER BY next_attempt_at, created_at, id
                      LIMIT 1 FOR UPDATE SKIP LOCKED)
        RETURNING id, recipient, subject, text_body, html_body, message_id, attempts
    )
    SELECT c.*, a.filename, a.content_type, a.content, a.content_id
      FROM claimed c LEFT JOIN email_attachments a ON a.message_id = c.id
     ORDER BY a.filename, a.id
    """
)
SENT = text(
    "UPDATE email_outbox SET status = 'sent', sent_at = now(), last_error = '' WHERE id = :id"
)
RETRY = text(
    """
    UPDATE email_outbox
       SET status = CASE WHEN :permanent OR attempts >= :max THEN 'failed' ELSE 'queued' END,
           last_error = :answer,
           next_attempt_at = now() + make_interval(secs => :delay)
     WHERE id = :id
    RETURNING status
    """
)
# The server was not reachable: the claimed row is not to blame, so its attempt is undone.
PUT_BACK = text(
    "UPDATE email_outbox SET status = 'queued', attempts = greatest(attempts - 1, 0) WHERE id = :id"
)
NOTE_PROBLEM = text(
    "UPDATE email_settings SET last_problem = :problem, last_problem_at = now()"
    " WHERE studio_id = :studio AND last_problem IS DISTINCT FROM :problem"
)
CLEAR_PROBLEM = text(
    "UPDATE email_settings SET last_problem = '', last_problem_at = now()"
    " WHERE studio_id = :studio AND last_problem <> ''"
)
MAX_ATTEMPTS = text("SELECT max_attempts FROM email_settings WHERE studio_id = :studio")

Progress = Callable[[int], None]


class MailSender:
    def __init__(
        self,
        db: Database,
        settings: EmailSettingsService,
        *,
        backoff: Sequence[int] = BACKOFF,
    ) -> None:
        self._db = db
        self._settings = settings
        self._backoff = tuple(backoff)

    def send_queued(
        self, actor: Actor, limit: int | None = None, progress: Progress | None = None
    ) -> SendReport:
        """Sends what is due, unless another desk is sending (then `busy`, nothing done)."""
        require(actor, "email")
        studio = str(actor.studio_id)
        with translate_errors(), self._db.autocommit() as conn:
            if not conn.scalar(LOCK, {"k": SENDER_LOCK, "studio": studio}):
                return SendReport(busy=True)
            try:
                return self._run(conn, actor, limit, progress)
            finally:
                with suppress(SQLAlchemyError):  # a lost connection has dropped its lock already
                    conn.execute(UNLOCK, {"k": SENDER_LOCK, "studio": studio})

    def _run(
        self, conn: Connection, actor: Actor, limit: int | None, progress: Progress | None
    ) -> SendReport:
        studio = actor.studio_id
        recovered = conn.execute(
            RECOVER, {"studio": studio, "once": LEFT_ONCE, "twice": LEFT_TWICE}
        ).rowcount
        try:
            account = self._settings.account(actor)
        except Conflict as exc:
            return SendReport(recovered=recovered, problem=str(exc))
        max_attempts = int(conn.scalar(MAX_ATTEMPTS, {"studio": studio}) or 1)
        batch = _Batch(conn, studio, account, max_attempts, self._backoff)
        try:
            problem = batch.run(limit, progress)
        finally:
            batch.close()
        return SendReport(
            recovered=recovered, problem=problem, smtp_seconds=batch.seconds, **batch.counts
        )


class _Batch:
    """One sender run on the locked connection: claim, send, mark; one SMTP connection."""

    def __init__(
        self,
        conn: Connection,
        studio: uuid.UUID,
        account: SmtpAccount,
        max_attempts: int,
        backoff: tuple[int, ...],
    ) -> None:
        self.conn, self.studio, self.account = conn, studio, account
        self.max_attempts, self.backoff = max_attempts, backoff
        self.counts = {"sent": 0, "retrying": 0, "failed": 0}
        self.seconds = 0.0
        self.smtp: SmtpConnection | None = None
        self.done: uuid.UUID | None = None  # sent, to be marked with the next claim

    def run(self, limit: int | None, progress: Progress | None) -> str:
        """Sends until nothing is due (or `limit`); the server's problem if it cannot be used."""
        while limit is None or sum(self.counts.values()) < limit:
            rows = self.conn.execute(CLAIM, {"studio": self.studio, "done": self.done}).all()
            self.done = None
            if not rows:
                break
            row = rows[0]
            if self.smtp is None:
                try:
                    self.smtp = SmtpConnection(self.account)
                except ServerProblem as exc:
                    self.conn.execute(PUT_BACK, {"id": row.id})
                    self.conn.execute(NOTE_PROBLEM, {"studio": self.studio, "problem": str(exc)})
                    return str(exc)
                self.conn.execute(CLEAR_PROBLEM, {"studio": self.studio})
            self.counts[self._send(self.smtp, rows)] += 1
            if progress is not None:
                progress(sum(self.counts.values()))
        return ""

    def _send(self, smtp: SmtpConnection, rows: Sequence[Any]) -> str:
        """Sends one claimed message (a row per file): sent (marked with the next claim),
        retrying or failed."""
        row = rows[0]
        files = tuple(
            (f.filename, f.content_type, bytes(f.content), f.content_id)
            for f in rows
            if f.filename is not None
        )
        message = Outgoing(
            recipient=row.recipient,
            subject=row.subject,
            text_body=row.text_body,
            html_body=row.html_body,
            message_id=row.message_id,
            attachments=files,
        )
        try:
            smtp.send(message)
        except MessageRefused as exc:
            return self._retry(row, exc.answer, exc.permanent)
        except ConnectionLost as exc:
            self._drop_smtp()
            return self._retry(row, str(exc), False)
        self.done = row.id
        return "sent"

    def _retry(self, row: Any, answer: str, permanent: bool) -> str:
        delay = self.backoff[min(row.attempts, len(self.backoff)) - 1] if self.backoff else 0
        status = self.conn.execute(
            RETRY,
            {
                "id": row.id,
                "answer": answer,
                "permanent": permanent,
                "max": self.max_attempts,
                "delay": delay,
            },
        ).scalar_one()
        return "failed" if status == "failed" else "retrying"

    def _drop_smtp(self) -> None:
        if self.smtp is not None:
            self.seconds += self.smtp.seconds
            self.smtp.close()
            self.smtp = None

    def close(self) -> None:
        """Marks the last message sent, and says goodbye to the server."""
        if self.done is not None:
            with suppress(SQLAlchemyError, StudioSyncError):  # gone: it is recovered next run
                self.conn.execute(SENT, {"id": self.done})
            self.done = None
        self._drop_smtp()
