"""Email events: what happens in the studio queues its email, whichever desk or code path.

Reviewed by hand.

Statement-level triggers insert one outbox row per message meaning (`ON CONFLICT DO NOTHING`
on `(studio_id, dedupe_key)`), not yet written (`composed = false`): the app writes the
recipient, subject, bodies and PDFs (`services/email_compose.py`). Only for a studio whose
email is set up and whose administrator turned that kind on; never for a superuser's bulk
load (the demo, which sets `studiosync.audit` off) nor for what is already past.

- invoices: issued (draft -> sent) queues 'invoice' or 'credit_note'; paid or void cancels
  the overdue notices still queued for it ("stopping the moment the invoice is paid").
- payments: a completed payment (not account credit moved onto an invoice) queues a receipt.
- lessons: cancelled or moved (future ones) queue a notice per student or band and
  statement, and cancel the reminders still queued for them.
- makeup_credits: a new credit queues 'makeup_granted'.
- room_reservations: confirmed (future) queues 'room_confirmed'.
- checkout_logs: returned cancels the due / overdue notices still queued.

The trigger functions run as the owner (SECURITY DEFINER): a teacher who cancels a lesson
queues the family's notice without being able to read the outbox.

Revision ID: 0017_email_events
Revises: 0016_email_outbox
Create Date: 2026-12-06 15:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017_email_events"
down_revision: str | Sequence[str] | None = "0016_email_outbox"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FUNCTIONS = """
-- The studio sends this kind by itself (email set up, kind turned on), and this is not a
-- superuser's bulk load.
CREATE FUNCTION email_wanted(studio uuid, kind text) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT NOT (coalesce(current_setting('studiosync.audit', true), '') = 'off'
                AND EXISTS (SELECT 1 FROM pg_roles WHERE rolname = session_user AND rolsuper))
       AND EXISTS (SELECT 1 FROM email_settings s
                    WHERE s.studio_id = studio AND s.host <> '' AND s.enabled_kinds ? kind)
$$;

CREATE FUNCTION email_cancel_queued(kinds text[], about uuid[], reason text) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
    UPDATE email_outbox SET status = 'cancelled', last_error = reason
     WHERE status = 'queued' AND kind = ANY(kinds) AND about_id = ANY(about)
$$;

CREATE FUNCTION email_on_invoices() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    INSERT INTO email_outbox (studio_id, kind, dedupe_key, about_id, created_by_id)
    SELECT n.studio_id, k.kind, k.kind || ':' || n.id, n.id, app_user_id()
      FROM new_rows n JOIN old_rows o ON o.id = n.id,
           LATERAL (SELECT CASE WHEN n.credit_note_for_id IS NULL THEN 'invoice'
                                ELSE 'credit_note' END AS kind) k
     WHERE o.status = 'draft' AND n.status IN ('sent', 'partial', 'paid')
       AND email_wanted(n.studio_id, k.kind)
    ON CONFLICT (studio_id, dedupe_key) DO NOTHING;
    PERFORM email_cancel_queued(ARRAY['overdue_notice'], ARRAY(
        SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
         WHERE n.status IN ('paid', 'void') AND o.status IS DISTINCT FROM n.status),
        'The invoice was paid or voided before this was sent.');
    RETURN NULL;
END;
$$;

CREATE FUNCTION email_on_payments() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    INSERT INTO email_outbox (studio_id, kind, dedupe_key, about_id, created_by_id)
    SELECT n.studio_id, 'receipt', 'receipt:' || n.id, n.id, app_user_id()
      FROM new_rows n
     WHERE n.status = 'completed' AND n.amount > 0 AND n.payment_method <> 'account_credit'
       AND email_wanted(n.studio_id, 'receipt')
    ON CONFLICT (studio_id, dedupe_key) DO NOTHING;
    RETURN NULL;
END;
$$;

-- One notice per student (or band) per statement: a series cancelled at once is one email.
CREATE FUNCTION email_lesson_notices(kind text, lesson_ids uuid[]) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
    INSERT INTO email_outbox (studio_id, kind, dedupe_key, about_id, details, created_by_id)
    SELECT g.studio_id, kind,
           kind || ':' || g.first_id || ':' || extract(epoch FROM g.first_start)::bigint,
           g.first_id, jsonb_build_object('lessons', g.ids), app_user_id()
      FROM (
        SELECT l.studio_id, coalesce(l.student_id, l.band_id) AS who,
               (array_agg(l.id ORDER BY l.scheduled_start, l.id))[1] AS first_id,
               min(l.scheduled_start) AS first_start,
               jsonb_agg(l.id ORDER BY l.scheduled_start, l.id) AS ids
          FROM lessons l
         WHERE l.id = ANY(lesson_ids) AND coalesce(l.student_id, l.band_id) IS NOT NULL
           AND email_wanted(l.studio_id, kind)
         GROUP BY l.studio_id, coalesce(l.student_id, l.band_id)
      ) g
    ON CONFLICT (studio_id, dedupe_key) DO NOTHING
$$;

CREATE FUNCTION email_on_lessons() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    cancelled uuid[] := ARRAY(
        SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
         WHERE n.status = 'cancelled' AND o.status <> 'cancelled'
           AND n.scheduled_start > now());
    moved uuid[] := ARRAY(
        SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
         WHERE n.status = 'scheduled' AND n.scheduled_start > now()
           AND n.scheduled_start <> o.scheduled_start);
BEGIN
    IF cardinality(cancelled) > 0 THEN
        PERFORM email_lesson_notices('lesson_cancelled', cancelled);
        PERFORM email_cancel_queued(ARRAY['lesson_reminder'], cancelled,
                                    'The lesson was cancelled before this was sent.');
    END IF;
    IF cardinality(moved) > 0 THEN
        PERFORM email_lesson_notices('lesson_moved', moved);
        PERFORM email_cancel_queued(ARRAY['lesson_reminder'], moved,
                                    'The lesson was moved before this was sent.');
    END IF;
    RETURN NULL;
END;
$$;

CREATE FUNCTION email_on_makeup_credits() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    INSERT INTO email_outbox (studio_id, kind, dedupe_key, about_id, created_by_id)
    SELECT n.studio_id, 'makeup_granted', 'makeup_granted:' || n.id, n.id, app_user_id()
      FROM new_rows n
     WHERE n.used_by_lesson_id IS NULL AND email_wanted(n.studio_id, 'makeup_granted')
    ON CONFLICT (studio_id, dedupe_key) DO NOTHING;
    RETURN NULL;
END;
$$;

CREATE FUNCTION email_on_reservations() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    INSERT INTO email_outbox (studio_id, kind, dedupe_key, about_id, created_by_id)
    SELECT n.studio_id, 'room_confirmed',
           'room_confirmed:' || n.id || ':' || extract(epoch FROM n.start_time)::bigint,
           n.id, app_user_id()
      FROM new_rows n
     WHERE n.status = 'confirmed' AND n.end_time > now()
       AND email_wanted(n.studio_id, 'room_confirmed')
    ON CONFLICT (studio_id, dedupe_key) DO NOTHING;
    RETURN NULL;
END;
$$;

CREATE FUNCTION email_on_checkouts() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM email_cancel_queued(ARRAY['item_due', 'item_overdue'], ARRAY(
        SELECT n.id FROM new_rows n WHERE n.status <> 'approved'),
        'The item came back before this was sent.');
    RETURN NULL;
END;
$$;

CREATE TRIGGER invoices_email AFTER UPDATE ON invoices
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION email_on_invoices();
CREATE TRIGGER payments_email_added AFTER INSERT ON payments
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION email_on_payments();
CREATE TRIGGER payments_email_changed AFTER UPDATE ON payments
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION email_on_payments();
CREATE TRIGGER lessons_email AFTER UPDATE ON lessons
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION email_on_lessons();
CREATE TRIGGER makeup_credits_email AFTER INSERT ON makeup_credits
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION email_on_makeup_credits();
CREATE TRIGGER room_reservations_email_added AFTER INSERT ON room_reservations
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION email_on_reservations();
CREATE TRIGGER room_reservations_email_changed AFTER UPDATE ON room_reservations
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION email_on_reservations();
CREATE TRIGGER checkout_logs_email AFTER UPDATE ON checkout_logs
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION email_on_checkouts();
"""

DROP = """
DROP TRIGGER IF EXISTS invoices_email ON invoices;
DROP TRIGGER IF EXISTS payments_email_added ON payments;
DROP TRIGGER IF EXISTS payments_email_changed ON payments;
DROP TRIGGER IF EXISTS lessons_email ON lessons;
DROP TRIGGER IF EXISTS makeup_credits_email ON makeup_credits;
DROP TRIGGER IF EXISTS room_reservations_email_added ON room_reservations;
DROP TRIGGER IF EXISTS room_reservations_email_changed ON room_reservations;
DROP TRIGGER IF EXISTS checkout_logs_email ON checkout_logs;
DROP FUNCTION IF EXISTS email_on_checkouts();
DROP FUNCTION IF EXISTS email_on_reservations();
DROP FUNCTION IF EXISTS email_on_makeup_credits();
DROP FUNCTION IF EXISTS email_on_lessons();
DROP FUNCTION IF EXISTS email_lesson_notices(text, uuid[]);
DROP FUNCTION IF EXISTS email_on_payments();
DROP FUNCTION IF EXISTS email_on_invoices();
DROP FUNCTION IF EXISTS email_cancel_queued(text[], uuid[], text);
DROP FUNCTION IF EXISTS email_wanted(uuid, text);
"""


def upgrade() -> None:
    op.execute(FUNCTIONS)
    # Callable only by the triggers above (and the owner).
    for signature in (
        "email_wanted(uuid, text)",
        "email_cancel_queued(text[], uuid[], text)",
        "email_lesson_notices(text, uuid[])",
    ):
        op.execute(f"REVOKE EXECUTE ON FUNCTION {signature} FROM PUBLIC")


def downgrade() -> None:
    op.execute(DROP)
