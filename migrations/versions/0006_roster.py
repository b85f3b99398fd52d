"""Roster search, live updates across desks, and notifications raised by the database.

Reviewed by hand (autogenerate misses functions and triggers):
- `roster_fold(text)`: lower-case, accent-free text (an IMMUTABLE wrapper of `unaccent`,
  which is only STABLE), and `search_text` generated columns on users, students, families,
  teachers and bands, each with a GIN trigram index: search tolerant of typos and accents.
- `studiosync_notify_change()`: a statement-level trigger on every business table that sends
  NOTIFY studiosync_changes '{"table": ..., "op": ..., "ids": [...]}' (ids when 20 or fewer),
  delivered at commit to every desk listening.
- Notifications raised by the database for the events the desk cares about, whoever's code
  made the change: lesson booked / moved / cancelled, reservation confirmed / cancelled, new
  message. Statement level, one notification per recipient per statement (a series of 16
  lessons is one notification, not 16).
- `notifications.dedupe_key`, unique per user: reminders are raised with
  INSERT ... ON CONFLICT DO NOTHING, so exactly once however many desks raise them.

Revision ID: 0006_roster
Revises: 0002_conflicts
Create Date: 2026-11-26 06:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_roster"
down_revision: str | None = "0002_conflicts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIVE_TABLES = (
    "lessons",
    "room_reservations",
    "invoices",
    "invoice_line_items",
    "payments",
    "checkout_logs",
    "inventory_items",
    "students",
    "families",
    "teachers",
    "bands",
    "users",
    "messages",
    "message_threads",
    "notifications",
    "practice_rooms",
    "resources",
    "resource_checkouts",
    "recurring_patterns",
)

# table -> the generated expression of its search_text column
SEARCH_COLUMNS = {
    "users": (
        "roster_fold(first_name || ' ' || last_name || ' ' || email || ' ' || phone_number"
        " || ' ' || regexp_replace(phone_number, '[^0-9]', '', 'g'))"
    ),
    "students": "roster_fold(instrument || ' ' || (specialties)::text)",
    "teachers": "roster_fold((specialties)::text)",
    "families": (
        "roster_fold(name || ' ' || billing_email || ' ' || phone_number"
        " || ' ' || regexp_replace(phone_number, '[^0-9]', '', 'g'))"
    ),
    "bands": (
        "roster_fold(name || ' ' || email || ' ' || phone_number || ' ' || city"
        " || ' ' || regexp_replace(phone_number, '[^0-9]', '', 'g'))"
    ),
}

FOLD = """
CREATE EXTENSION IF NOT EXISTS unaccent;
-- unaccent() is STABLE (its dictionary could change); naming the dictionary makes this
-- wrapper safe to declare IMMUTABLE, which generated columns and indexes require.
CREATE FUNCTION roster_fold(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    SELECT lower(public.unaccent('public.unaccent'::regdictionary, value))
$$;
"""

NOTIFY = """
CREATE FUNCTION studiosync_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids text[];
    n int;
BEGIN
    IF TG_OP = 'DELETE' THEN
        SELECT array_agg(id::text), count(*) INTO ids, n FROM (SELECT id FROM old_rows LIMIT 21) x;
    ELSE
        SELECT array_agg(id::text), count(*) INTO ids, n FROM (SELECT id FROM new_rows LIMIT 21) x;
    END IF;
    IF n = 0 THEN
        RETURN NULL;
    END IF;
    PERFORM pg_notify('studiosync_changes', json_build_object(
        'table', TG_TABLE_NAME,
        'op', lower(TG_OP),
        'ids', CASE WHEN n <= 20 THEN to_json(ids) END)::text);
    RETURN NULL;
END;
$$;
"""

EVENTS = """
-- Who hears about a lesson: its teacher, and the front desk (active admin and desk staff).
CREATE FUNCTION studio_desk_and(studio uuid, extra uuid) RETURNS SETOF uuid
LANGUAGE sql STABLE AS $$
    SELECT id FROM users WHERE studio_id = studio AND role IN ('admin', 'desk') AND is_active
    UNION
    SELECT extra WHERE extra IS NOT NULL
$$;

CREATE FUNCTION lesson_summary(lesson_id uuid) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT concat_ws(' ',
               coalesce(nullif(trim(su.first_name || ' ' || su.last_name), ''), b.name,
                        'Room booking'),
               'with', trim(tu.first_name || ' ' || tu.last_name) || ',',
               to_char(l.scheduled_start AT TIME ZONE st.timezone, 'Dy DD Mon HH24:MI'))
      FROM lessons l
      JOIN studios st ON st.id = l.studio_id
      JOIN teachers t ON t.id = l.teacher_id
      JOIN users tu ON tu.id = t.user_id
      LEFT JOIN students s ON s.id = l.student_id
      LEFT JOIN users su ON su.id = s.user_id
      LEFT JOIN bands b ON b.id = l.band_id
     WHERE l.id = lesson_id
$$;

CREATE FUNCTION raise_lesson_notifications(kind text, title text, lesson_ids uuid[])
RETURNS void LANGUAGE sql AS $$
    INSERT INTO notifications (studio_id, user_id, title, message, notification_type, link)
    SELECT g.studio_id, g.user_id, g.title,
           lesson_summary(g.first_id)
             || CASE WHEN g.n > 1 THEN ' (and ' || (g.n - 1) || ' more)' ELSE '' END,
           kind, 'studiosync://lesson/' || g.first_id
      FROM (
        SELECT l.studio_id, r.user_id,
               CASE WHEN count(*) = 1 THEN title
                    ELSE title || ': ' || count(*) || ' lessons' END AS title,
               count(*) AS n,
               (array_agg(l.id ORDER BY l.scheduled_start))[1] AS first_id
          FROM lessons l
          JOIN teachers t ON t.id = l.teacher_id
          CROSS JOIN LATERAL studio_desk_and(l.studio_id, t.user_id) AS r(user_id)
         WHERE l.id = ANY(lesson_ids)
         GROUP BY l.studio_id, r.user_id
      ) g
$$;

CREATE FUNCTION lessons_raise_notifications() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- A superuser's bulk load (the demo studio) is not news: it sets studiosync.audit off.
    IF current_setting('studiosync.audit', true) = 'off'
       AND (SELECT rolsuper FROM pg_roles WHERE rolname = session_user) THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        -- Lessons in the past (history imported or demo data) are not news.
        PERFORM raise_lesson_notifications('lesson_booked', 'Lesson booked', ARRAY(
            SELECT id FROM new_rows WHERE status = 'scheduled' AND scheduled_end > now()));
    ELSE
        PERFORM raise_lesson_notifications('lesson_cancelled', 'Lesson cancelled', ARRAY(
            SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
             WHERE n.status = 'cancelled' AND o.status <> 'cancelled'));
        PERFORM raise_lesson_notifications('lesson_moved', 'Lesson moved', ARRAY(
            SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
             WHERE n.status = 'scheduled' AND n.scheduled_end > now()
               AND (n.scheduled_start <> o.scheduled_start OR n.scheduled_end <> o.scheduled_end
                    OR n.teacher_id <> o.teacher_id
                    OR n.room_id IS DISTINCT FROM o.room_id)));
    END IF;
    RETURN NULL;
END;
$$;

CREATE FUNCTION raise_reservation_notifications(reservation_ids uuid[])
RETURNS void LANGUAGE sql AS $$
    INSERT INTO notifications (studio_id, user_id, title, message, notification_type, link)
    SELECT g.studio_id, g.user_id,
           CASE WHEN g.n = 1 THEN 'Room reservation ' || g.status
                ELSE g.n || ' room reservations ' || g.status END,
           (SELECT concat_ws(' ', pr.name, 'for', trim(u.first_name || ' ' || u.last_name) || ',',
                             to_char(c.start_time AT TIME ZONE st.timezone, 'Dy DD Mon HH24:MI'))
              FROM room_reservations c
              JOIN studios st ON st.id = c.studio_id
              JOIN practice_rooms pr ON pr.id = c.room_id
              JOIN users u ON u.id = c.student_id
             WHERE c.id = g.first_id)
             || CASE WHEN g.n > 1 THEN ' (and ' || (g.n - 1) || ' more)' ELSE '' END,
           'reservation_' || g.status, 'studiosync://reservation/' || g.first_id
      FROM (
        SELECT c.studio_id, r.user_id, c.status, count(*) AS n,
               (array_agg(c.id ORDER BY c.start_time))[1] AS first_id
          FROM room_reservations c
          CROSS JOIN LATERAL studio_desk_and(c.studio_id, c.student_id) AS r(user_id)
         WHERE c.id = ANY(reservation_ids)
         GROUP BY c.studio_id, r.user_id, c.status
      ) g
$$;

CREATE FUNCTION reservations_raise_notifications() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- A superuser's bulk load (the demo studio) is not news: it sets studiosync.audit off.
    IF current_setting('studiosync.audit', true) = 'off'
       AND (SELECT rolsuper FROM pg_roles WHERE rolname = session_user) THEN
        RETURN NULL;
    END IF;
    -- Past reservations (history imported or demo data) are not news.
    IF TG_OP = 'INSERT' THEN
        PERFORM raise_reservation_notifications(ARRAY(
            SELECT id FROM new_rows
             WHERE status IN ('confirmed', 'cancelled') AND end_time > now()));
    ELSE
        PERFORM raise_reservation_notifications(ARRAY(
            SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
             WHERE n.status IN ('confirmed', 'cancelled') AND n.status <> o.status
               AND n.end_time > now()));
    END IF;
    RETURN NULL;
END;
$$;

CREATE FUNCTION messages_raise_notifications() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO notifications (studio_id, user_id, title, message, notification_type, link)
    SELECT t.studio_id, tp.user_id,
           'New message from ' || coalesce(trim(max(u.first_name || ' ' || u.last_name)), 'someone'),
           t.subject, 'message', 'studiosync://thread/' || t.id
      FROM new_rows m
      JOIN message_threads t ON t.id = m.thread_id
      JOIN thread_participants tp ON tp.thread_id = m.thread_id
      LEFT JOIN users u ON u.id = m.sender_id
     WHERE tp.user_id IS DISTINCT FROM m.sender_id
     GROUP BY t.studio_id, t.id, t.subject, tp.user_id;
    RETURN NULL;
END;
$$;

CREATE TRIGGER lessons_notify_booked AFTER INSERT ON lessons
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION lessons_raise_notifications();
CREATE TRIGGER lessons_notify_changed AFTER UPDATE ON lessons
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION lessons_raise_notifications();
CREATE TRIGGER room_reservations_notify_added AFTER INSERT ON room_reservations
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION reservations_raise_notifications();
CREATE TRIGGER room_reservations_notify_changed AFTER UPDATE ON room_reservations
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION reservations_raise_notifications();
CREATE TRIGGER messages_notify_added AFTER INSERT ON messages
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION messages_raise_notifications();
"""

DROP_EVENTS = """
DROP TRIGGER IF EXISTS lessons_notify_booked ON lessons;
DROP TRIGGER IF EXISTS lessons_notify_changed ON lessons;
DROP TRIGGER IF EXISTS room_reservations_notify_added ON room_reservations;
DROP TRIGGER IF EXISTS room_reservations_notify_changed ON room_reservations;
DROP TRIGGER IF EXISTS messages_notify_added ON messages;
DROP FUNCTION IF EXISTS lessons_raise_notifications();
DROP FUNCTION IF EXISTS reservations_raise_notifications();
DROP FUNCTION IF EXISTS messages_raise_notifications();
DROP FUNCTION IF EXISTS raise_lesson_notifications(text, text, uuid[]);
DROP FUNCTION IF EXISTS raise_reservation_notifications(uuid[]);
DROP FUNCTION IF EXISTS lesson_summary(uuid);
DROP FUNCTION IF EXISTS studio_desk_and(uuid, uuid);
"""


def _live_triggers(table: str) -> str:
    return f"""
    CREATE TRIGGER {table}_live_insert AFTER INSERT ON {table}
        REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION studiosync_notify_change();
    CREATE TRIGGER {table}_live_update AFTER UPDATE ON {table}
        REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION studiosync_notify_change();
    CREATE TRIGGER {table}_live_delete AFTER DELETE ON {table}
        REFERENCING OLD TABLE AS old_rows
        FOR EACH STATEMENT EXECUTE FUNCTION studiosync_notify_change();
    """


def upgrade() -> None:
    op.execute(FOLD)
    for table, expression in SEARCH_COLUMNS.items():
        op.add_column(
            table,
            sa.Column(
                "search_text", sa.Text(), sa.Computed(expression, persisted=True), nullable=True
            ),
        )
        op.create_index(
            f"ix_{table}_search_text",
            table,
            ["search_text"],
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        )
    op.add_column("notifications", sa.Column("dedupe_key", sa.String(200), nullable=True))
    op.create_unique_constraint(
        "uq_notifications_user_id_dedupe_key", "notifications", ["user_id", "dedupe_key"]
    )
    op.execute(NOTIFY)
    for table in LIVE_TABLES:
        op.execute(_live_triggers(table))
    op.execute(EVENTS)


def downgrade() -> None:
    op.execute(DROP_EVENTS)
    for table in LIVE_TABLES:
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_live_{event} ON {table}")
    op.execute("DROP FUNCTION IF EXISTS studiosync_notify_change()")
    op.drop_constraint("uq_notifications_user_id_dedupe_key", "notifications", type_="unique")
    op.drop_column("notifications", "dedupe_key")
    for table in SEARCH_COLUMNS:
        op.drop_index(f"ix_{table}_search_text", table_name=table)
        op.drop_column(table, "search_text")
    op.execute("DROP FUNCTION IF EXISTS roster_fold(text)")
    op.execute("DROP EXTENSION IF EXISTS unaccent")
