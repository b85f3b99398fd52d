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

from collections.abc import Callable, Sequence
from contextlib import suppress
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from studiosync_desktop.db import Database, translate_errors
from studiosync_desktop.errors import Conflict
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.schemas.email import SendReport
from studiosync_desktop.services.email_settings import EmailSettingsService
from studiosync_desktop.services.email_smtp import (
    ConnectionLost,
    MessageRefused,
    Outgoing,
    ServerProblem,
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
CLAIM = text(
    """
    UPDATE email_outbox SET status = 'sending', attempts = attempts + 1
     WHERE id = (SELECT id FROM email_outbox
                  WHERE studio_id = :studio AND status = 'queued' AND composed
                    AND next_attempt_at <= now()
                  ORDER BY next_attempt_at, created_at, id
                  LIMIT 1 FOR UPDATE SKIP LOCKED)
    RETURNING id, recipient, subject, text_body, html_body, message_id, attempts,
              EXISTS (SELECT 1 FROM email_attachments a WHERE a.message_id = email_outbox.id)
                AS has_files
    """
)
FILES = text(
    "SELECT filename, content_type, content, content_id FROM email_attachments"
    " WHERE message_id = :id ORDER BY filename, id"
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
        with translate_errors(), self._db.engine.connect() as raw:
            conn = raw.execution_options(isolation_level="AUTOCOMMIT")
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
        counts = {"sent": 0, "retrying": 0, "failed": 0}
        smtp: SmtpConnection | None = None
        seconds = 0.0
        try:
            while limit is None or sum(counts.values()) < limit:
                row = conn.execute(CLAIM, {"studio": studio}).one_or_none()
                if row is None:
                    break
                if smtp is None:
                    try:
                        smtp = SmtpConnection(account)
                    except ServerProblem as exc:
                        conn.execute(PUT_BACK, {"id": row.id})
                        conn.execute(NOTE_PROBLEM, {"studio": studio, "problem": str(exc)})
                        return SendReport(recovered=recovered, problem=str(exc), **counts)
                    conn.execute(CLEAR_PROBLEM, {"studio": studio})
                outcome, smtp_open = self._send(conn, smtp, row, max_attempts)
                counts[outcome] += 1
                if not smtp_open:
                    seconds += smtp.seconds
                    smtp.close()
                    smtp = None
                if progress is not None:
                    progress(sum(counts.values()))
        finally:
            if smtp is not None:
                seconds += smtp.seconds
                smtp.close()
        return SendReport(recovered=recovered, smtp_seconds=seconds, **counts)

    def _send(
        self, conn: Connection, smtp: SmtpConnection, row: Any, max_attempts: int
    ) -> tuple[str, bool]:
        """Sends one claimed row; (sent | retrying | failed, whether the connection is fine)."""
        files: tuple[tuple[str, str, bytes, str], ...] = ()
        if row.has_files:
            files = tuple(
                (f.filename, f.content_type, bytes(f.content), f.content_id)
                for f in conn.execute(FILES, {"id": row.id})
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
            return self._retry(conn, row, exc.answer, exc.permanent, max_attempts), True
        except ConnectionLost as exc:
            return self._retry(conn, row, str(exc), False, max_attempts), False
        conn.execute(SENT, {"id": row.id})
        return "sent", True

    def _retry(
        self, conn: Connection, row: Any, answer: str, permanent: bool, max_attempts: int
    ) -> str:
        delay = self._backoff[min(row.attempts, len(self._backoff)) - 1] if self._backoff else 0
        status = conn.execute(
            RETRY,
            {
                "id": row.id,
                "answer": answer,
                "permanent": permanent,
                "max": max_attempts,
                "delay": delay,
            },
        ).scalar_one()
        return "failed" if status == "failed" else "retrying"
