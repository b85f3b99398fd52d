"""Notifications: each user's own, marked read, clicked through; events and due reminders.

Events (a lesson booked, moved or cancelled; a reservation confirmed or cancelled; a new
message) are raised by database triggers (migration 0006_roster), whichever code made the
change. Reminders that fall due with time (lessons tomorrow, overdue invoices and checkouts)
are raised by `raise_due_reminders`, which every open desk may call as often as it likes:
each carries a dedupe key unique per user, and `INSERT ... ON CONFLICT DO NOTHING` makes the
second desk's insert a no-op, so each reminder exists exactly once.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import func, select, text, update

from studiosync_desktop.db import Database
from studiosync_desktop.errors import PermissionDenied, ValidationFailed
from studiosync_desktop.models import Notification
from studiosync_desktop.schemas.common import Actor, parse_value
from studiosync_desktop.schemas.messaging import NotificationList, NotificationRow, RemindersRaised
from studiosync_desktop.services.permissions import can
from studiosync_desktop.services.reading import studio_settings
from studiosync_desktop.services.unit_of_work import unit_of_work
from studiosync_desktop.vocabulary import TEACHER_NOTICES

# The front desk: who hears about money and loans.
DESK = "SELECT id FROM users WHERE studio_id = :studio AND role IN ('admin', 'desk') AND is_active"
TODAY = "(now() AT TIME ZONE (SELECT timezone FROM studios WHERE id = :studio))::date"

LESSONS_TOMORROW = f"""
INSERT INTO notifications (studio_id, user_id, title, message, notification_type, link,
                           dedupe_key)
SELECT :studio, r.user_id,
       CASE WHEN r.n = 1 THEN '1 lesson tomorrow' ELSE r.n || ' lessons tomorrow' END,
       r.message, 'lesson_reminder', r.link, r.dedupe_key
  FROM (
    -- each teacher: their own lessons
    SELECT t.user_id, count(*) AS n,
           'First at ' || to_char(min(l.scheduled_start) AT TIME ZONE st.timezone, 'HH24:MI')
             AS message,
           'studiosync://lesson/' || (array_agg(l.id ORDER BY l.scheduled_start))[1] AS link,
           'lessons-tomorrow:' || ({TODAY} + 1) AS dedupe_key
      FROM lessons l
      JOIN teachers t ON t.id = l.teacher_id
      JOIN studios st ON st.id = l.studio_id
     WHERE l.studio_id = :studio AND l.status = 'scheduled'
       AND (l.scheduled_start AT TIME ZONE st.timezone)::date = {TODAY} + 1
     GROUP BY t.user_id, st.timezone
    UNION ALL
    -- the desk: the whole day
    SELECT d.id, agg.n, agg.message, agg.link, 'lessons-tomorrow:' || ({TODAY} + 1)
      FROM ({DESK}) d
      CROSS JOIN (
        SELECT count(*) AS n,
               count(DISTINCT l.teacher_id) || ' teachers, first at '
                 || to_char(min(l.scheduled_start) AT TIME ZONE st.timezone, 'HH24:MI')
                 AS message,
               'studiosync://calendar/' || ({TODAY} + 1) AS link
          FROM lessons l JOIN studios st ON st.id = l.studio_id
         WHERE l.studio_id = :studio AND l.status = 'scheduled'
           AND (l.scheduled_start AT TIME ZONE st.timezone)::date = {TODAY} + 1
         GROUP BY st.timezone
      ) agg
       WHERE d.id NOT IN (SELECT user_id FROM teachers WHERE studio_id = :studio)
  ) r
ON CONFLICT (user_id, dedupe_key) DO NOTHING
"""

INVOICES_OVERDUE = f"""
INSERT INTO notifications (studio_id, user_id, title, message, notification_type, link,
                           dedupe_key)
SELECT :studio, d.id, 'Invoice overdue: ' || i.invoice_number,
       coalesce(f.name, b.name, trim(su.first_name || ' ' || su.last_name), '')
         || ' owes ' || to_char(i.total - i.amount_paid, 'FM999,999,990.00')
         || ', due ' || to_char(i.due_date, 'Dy DD Mon'),
       'invoice_overdue', 'studiosync://invoice/' || i.id, 'invoice-overdue:' || i.id
  FROM invoices i
  LEFT JOIN families f ON f.id = i.family_id
  LEFT JOIN bands b ON b.id = i.band_id
  LEFT JOIN students s ON s.id = i.student_id
  LEFT JOIN users su ON su.id = s.user_id
  CROSS JOIN ({DESK}) d
 WHERE i.studio_id = :studio AND i.status IN ('sent', 'partial')
   AND i.due_date < {TODAY} AND i.total > i.amount_paid
ON CONFLICT (user_id, dedupe_key) DO NOTHING
"""

CHECKOUTS_OVERDUE = f"""
INSERT INTO notifications (studio_id, user_id, title, message, notification_type, link,
                           dedupe_key)
SELECT :studio, d.id, 'Checkout overdue: ' || it.name,
       trim(u.first_name || ' ' || u.last_name) || ' was due to return it '
         || to_char(c.due_date, 'Dy DD Mon'),
       'checkout_overdue', 'studiosync://checkout/' || c.id, 'checkout-overdue:' || c.id
  FROM checkout_logs c
  JOIN inventory_items it ON it.id = c.item_id
  JOIN users u ON u.id = c.student_id
  CROSS JOIN ({DESK}) d
 WHERE c.studio_id = :studio AND c.status = 'approved' AND c.return_date IS NULL
   AND c.due_date < {TODAY}
ON CONFLICT (user_id, dedupe_key) DO NOTHING
"""


class NotificationService:
    def __init__(self, db: Database) -> None:
        self._db = db

    def mine(self, actor: Actor, limit: int = 100, unread_only: bool = False) -> NotificationList:
        """The acting user's notifications, newest first, and how many are unread."""
        with self._db.read_session() as s:
            query = select(
                Notification.id,
                Notification.title,
                Notification.message,
                Notification.notification_type,
                Notification.is_read,
                Notification.link,
                Notification.created_at,
            ).where(Notification.user_id == actor.user_id)
            if unread_only:
                query = query.where(~Notification.is_read)
            rows = s.execute(
                query.order_by(Notification.created_at.desc(), Notification.id).limit(limit)
            ).all()
            unread = s.scalar(
                select(func.count()).where(
                    Notification.user_id == actor.user_id, ~Notification.is_read
                )
            )
            return NotificationList(
                rows=tuple(NotificationRow.model_validate(r._asdict()) for r in rows),
                unread=int(unread or 0),
            )

    @unit_of_work
    def mark_read(self, actor: Actor, ids: Iterable[uuid.UUID] | None = None) -> int:
        """Marks the user's notifications read (all of them when `ids` is None)."""
        with self._db.session() as s:
            stmt = update(Notification).where(
                Notification.user_id == actor.user_id, ~Notification.is_read
            )
            if ids is not None:
                stmt = stmt.where(Notification.id.in_(list(ids)))
            result = s.execute(stmt.values(is_read=True))
            return int(result.rowcount or 0)  # type: ignore[attr-defined]

    @unit_of_work
    def notify(
        self,
        actor: Actor,
        user_ids: Iterable[uuid.UUID],
        title: str,
        message: str = "",
        kind: str = "info",
        link: str = "",
        dedupe_key: str | None = None,
    ) -> int:
        """For other services: raise a notification for some users (once per dedupe key)."""
        title = parse_value("title", str, title)
        message = parse_value("message", str, message)
        kind = parse_value("kind", str, kind)
        link = parse_value("link", str, link)
        dedupe_key = parse_value("dedupe_key", str | None, dedupe_key)
        rows = [
            {
                "studio": actor.studio_id,
                "user": u,
                "title": title[:200],
                "message": message,
                "kind": kind[:40],
                "link": link[:500],
                "key": dedupe_key,
            }
            for u in dict.fromkeys(user_ids)
        ]
        if not rows:
            return 0
        with self._db.session() as s:
            result = s.execute(
                text(
                    "INSERT INTO notifications (studio_id, user_id, title, message, "
                    "notification_type, link, dedupe_key) "
                    "VALUES (:studio, :user, :title, :message, :kind, :link, :key) "
                    "ON CONFLICT (user_id, dedupe_key) DO NOTHING"
                ),
                rows,
            )
            return int(result.rowcount or 0)  # type: ignore[attr-defined]

    @unit_of_work
    def tell_desk(self, actor: Actor, lesson_id: uuid.UUID, kind: str) -> int:
        """A teacher tells the admins and the desk about one of their lessons, in a fixed kind.

        Through the database's studiosync_tell_desk (a teacher's login writes no notification
        itself), which writes the title, text and link. Returns how many people were told:
        0 when this was already said about this lesson.
        """
        if kind not in TEACHER_NOTICES:
            raise ValidationFailed({"kind": "Choose what to tell the front desk."})
        if actor.role != "teacher":
            raise PermissionDenied("Teachers tell the front desk about their own lessons.")
        with self._db.session() as s:
            sql = text("SELECT studiosync_tell_desk(:l, :k)")
            told = s.scalar(sql, {"l": lesson_id, "k": kind})
            return int(told or 0)

    @unit_of_work
    def raise_due_reminders(self, actor: Actor) -> RemindersRaised:
        """Lessons tomorrow, overdue invoices and checkouts: each raised exactly once.

        Raised by the desk and admins (a teacher may not read billing or lending, nor see
        colleagues' notifications); a teacher's own reminders come from the desk's run.
        """
        if not can(actor, "billing"):
            return RemindersRaised(lessons_tomorrow=0, invoices_overdue=0, checkouts_overdue=0)
        params = {"studio": actor.studio_id}
        with self._db.session() as s:
            settings = studio_settings(s, actor.studio_id)
            # A part the studio switched off raises no reminders (its data stays).
            rounds = (
                LESSONS_TOMORROW,
                INVOICES_OVERDUE if settings.uses("billing") else None,
                CHECKOUTS_OVERDUE if settings.uses("inventory") else None,
            )
            counts = [
                int(s.execute(text(sql), params).rowcount or 0) if sql else 0  # type: ignore[attr-defined]
                for sql in rounds
            ]
        return RemindersRaised(
            lessons_tomorrow=counts[0], invoices_overdue=counts[1], checkouts_overdue=counts[2]
        )
