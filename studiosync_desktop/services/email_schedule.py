"""The emails that fall due with time: lesson reminders, overdue notices, make-up credits
about to expire, lent items due back and overdue.

Every desk runs `queue_due` in the background (one at a time: a transaction-level advisory
lock; a desk that finds it taken skips this round). Each email carries a key naming what it
means ("overdue_notice:<invoice>:2" is the invoice's second notice), so however often and
wherever this runs, each exists once: `INSERT ... ON CONFLICT DO NOTHING`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from studiosync_desktop.db import Database
from studiosync_desktop.models import EmailSettings
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.schemas.email import EmailPolicyInput
from studiosync_desktop.services.permissions import require
from studiosync_desktop.services.reading import studio_settings, studio_today
from studiosync_desktop.services.unit_of_work import unit_of_work
from studiosync_desktop.vocabulary import PART_EMAIL_KINDS

SCHEDULE_LOCK = 7_351_019
# Each kind is a SELECT of (studio_id, kind, dedupe_key, about_id, created_by_id, details):
# queued by INSERT, or counted (what would be new) before an administrator turns it on.
INSERT = """
INSERT INTO email_outbox (studio_id, kind, dedupe_key, about_id, created_by_id, details)
{select} ON CONFLICT (studio_id, dedupe_key) DO NOTHING
"""
COUNT_NEW = """
SELECT count(*) FROM ({select}) AS q(studio_id, kind, dedupe_key)
 WHERE NOT EXISTS (SELECT 1 FROM email_outbox o
                    WHERE o.studio_id = q.studio_id AND o.dedupe_key = q.dedupe_key)
"""

# A lesson's reminder is the student's own lead time, else their family contact's, else the
# studio's; it is keyed by the lesson's time, so a lesson moved later is reminded again.
REMINDERS = """
SELECT l.studio_id, 'lesson_reminder',
       'lesson_reminder:' || l.id || ':' || extract(epoch FROM l.scheduled_start)::bigint,
       l.id, :actor, '{}'::jsonb
  FROM lessons l
  LEFT JOIN students st ON st.id = l.student_id
  LEFT JOIN families f ON f.id = st.family_id
  LEFT JOIN email_preferences ps ON ps.user_id = st.user_id
  LEFT JOIN email_preferences pf ON pf.user_id = f.primary_contact_id
 WHERE l.studio_id = :studio AND l.status = 'scheduled'
   AND (l.student_id IS NOT NULL OR l.band_id IS NOT NULL)
   AND l.scheduled_start > now()
   AND l.scheduled_start <= now()
       + make_interval(hours => coalesce(ps.reminder_hours, pf.reminder_hours, :hours))
"""
# Notice k of an overdue invoice falls due `after + (k-1) * every` days after its due date.
OVERDUE = """
SELECT i.studio_id, 'overdue_notice', 'overdue_notice:' || i.id || ':' || n.k, i.id, :actor,
       jsonb_build_object('notice', n.k)
  FROM invoices i,
       LATERAL (SELECT 1 + ((CAST(:today AS date) - i.due_date) - :after) / :every AS k) n
 WHERE i.studio_id = :studio AND i.status IN ('sent', 'partial')
   AND i.credit_note_for_id IS NULL AND i.total > i.amount_paid AND i.due_date IS NOT NULL
   AND CAST(:today AS date) > i.due_date
   AND CAST(:today AS date) - i.due_date >= :after AND n.k <= :max
"""
MAKEUP_EXPIRING = """
SELECT m.studio_id, 'makeup_expiring', 'makeup_expiring:' || m.id || ':' || m.expires_on,
       m.id, :actor, '{}'::jsonb
  FROM makeup_credits m
 WHERE m.studio_id = :studio AND m.used_by_lesson_id IS NULL
   AND m.expires_on >= CAST(:today AS date)
   AND m.expires_on <= CAST(:today AS date) + CAST(:makeup_days AS int)
"""
ITEMS_DUE = """
SELECT c.studio_id, 'item_due', 'item_due:' || c.id || ':' || c.due_date, c.id, :actor,
       '{}'::jsonb
  FROM checkout_logs c
 WHERE c.studio_id = :studio AND c.status = 'approved' AND c.due_date IS NOT NULL
   AND c.due_date >= CAST(:today AS date)
   AND c.due_date <= CAST(:today AS date) + CAST(:item_days AS int)
"""
ITEMS_OVERDUE = """
SELECT c.studio_id, 'item_overdue', 'item_overdue:' || c.id || ':' || c.due_date, c.id, :actor,
       '{}'::jsonb
  FROM checkout_logs c
 WHERE c.studio_id = :studio AND c.status = 'approved' AND c.due_date IS NOT NULL
   AND c.due_date < CAST(:today AS date)
"""
Params = dict[str, Any]
BY_KIND = {
    "lesson_reminder": REMINDERS,
    "overdue_notice": OVERDUE,
    "makeup_expiring": MAKEUP_EXPIRING,
    "item_due": ITEMS_DUE,
    "item_overdue": ITEMS_OVERDUE,
}


def schedule_params(s: Session, actor: Actor, policy: EmailSettings | EmailPolicyInput) -> Params:
    return {
        "studio": actor.studio_id,
        "actor": actor.user_id,
        "today": studio_today(s, actor),
        "hours": policy.reminder_hours,
        "after": policy.overdue_after_days,
        "every": policy.overdue_every_days,
        "max": policy.overdue_max_notices,
        "makeup_days": policy.makeup_warning_days,
        "item_days": policy.item_due_warning_days,
    }


class MailSchedule:
    def __init__(self, db: Database) -> None:
        self._db = db

    @unit_of_work
    def queue_due(self, actor: Actor) -> int:
        """Queues the scheduled emails due now (the kinds the studio turned on); returns how
        many were new. 0 when another desk is doing it this moment."""
        require(actor, "email")
        with self._db.session() as s:
            got = s.scalar(
                text("SELECT pg_try_advisory_xact_lock(:k, hashtext(CAST(:s AS text)))"),
                {"k": SCHEDULE_LOCK, "s": str(actor.studio_id)},
            )
            settings = s.get(EmailSettings, actor.studio_id)
            if not got or settings is None or not settings.host:
                return 0
            params = schedule_params(s, actor, settings)
            off = {k for part in studio_settings(s, actor.studio_id).parts_off
                   for k in PART_EMAIL_KINDS.get(part, ())}  # fmt: skip
            new = 0
            for kind, sql in BY_KIND.items():
                if kind in settings.enabled_kinds and kind not in off:
                    insert = INSERT.format(select=sql)
                    new += s.connection().execute(text(insert), params).rowcount
            return new

    def would_queue(self, actor: Actor, policy: EmailPolicyInput) -> dict[str, int]:
        """How many emails of each kind `policy` turns on would be queued at once right now
        (the schedule's own queries, counting what is not in the outbox yet)."""
        require(actor, "settings")
        with self._db.read_session() as s:
            params = schedule_params(s, actor, policy)
            return {
                kind: s.scalar(text(COUNT_NEW.format(select=BY_KIND[kind])), params) or 0
                for kind in policy.enabled_kinds
                if kind in BY_KIND
            }
