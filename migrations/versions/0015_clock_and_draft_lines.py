"""A teacher's lesson clock allows a quarter of an hour; a line goes on a draft invoice only.

Reviewed by hand.

1. `lessons_teacher_rules` (0014) compared a teacher's marks with the transaction's start: the
   app's "completed" stamps the actual end with the PC's clock a moment later, and a PC's
   clock is never exactly the server's, so completing a lesson from the teacher's own window
   was refused. A teacher may now mark a lesson, and record its actual times, up to a
   quarter of an hour early (an early start, a clock a little ahead); the service and the
   lesson dialog use the same quarter of an hour (`services/permissions.MARK_EARLY`).
2. `invoice_lines_on_drafts`: 0004's guard froze an issued invoice's lines against changes
   and deletes, but a line could still be added to it (the desk's login added a 500.00 line
   to a paid invoice in psql, and its total and status changed). A line is now added to a
   draft only; credit notes get their line while still a draft. The owner's bulk load of
   history (the demo studio, with `studiosync.audit` off) writes issued invoices' lines
   directly and is left alone, as the audit trail leaves it alone.

Revision ID: 0015_clock_and_draft_lines
Revises: 0014_roles_matrix
Create Date: 2026-12-06 16:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015_clock_and_draft_lines"
down_revision: str | Sequence[str] | None = "0014_roles_matrix"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# 0014's function with the allowance as a placeholder ('0 minutes' is 0014's).
TEACHER_RULES = """
CREATE OR REPLACE FUNCTION lessons_teacher_rules() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF app_role() IS DISTINCT FROM 'teacher' THEN
        RETURN NULL;
    END IF;
    IF EXISTS (
        SELECT 1 FROM new_rows n JOIN old_rows o ON o.id = n.id
         WHERE n.status <> o.status
           AND (o.status, n.status) NOT IN (('scheduled', 'in_progress'),
                ('scheduled', 'completed'), ('scheduled', 'no_show'), ('in_progress', 'completed')))
    THEN
        RAISE EXCEPTION 'A teacher marks a lesson in progress, completed or a no-show; '
            'cancelling and reopening are for the front desk.'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_lessons_teacher_status_moves';
    END IF;
    IF EXISTS (
        SELECT 1 FROM new_rows n JOIN old_rows o ON o.id = n.id
         WHERE (n.status <> o.status AND n.scheduled_start > now() + interval '{early}')
            OR ((n.actual_start, n.actual_end) IS DISTINCT FROM (o.actual_start, o.actual_end)
                AND (n.status NOT IN ('in_progress', 'completed')
                     OR n.actual_start > now() + interval '{early}'
                     OR n.actual_end > now() + interval '{early}')))
    THEN
        RAISE EXCEPTION 'A lesson is marked (and its actual times kept) once it has started.'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_lessons_teacher_after_start';
    END IF;
    RETURN NULL;
END;
$$;
"""

LINES_ON_DRAFTS = """
CREATE FUNCTION invoice_lines_on_drafts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('studiosync.audit', true) = 'off' AND app_is_owner() THEN
        RETURN NULL;  -- the owner's bulk load of history (the demo studio)
    END IF;
    IF EXISTS (SELECT 1 FROM new_rows n JOIN invoices i ON i.id = n.invoice_id
                WHERE i.status <> 'draft') THEN
        RAISE EXCEPTION 'The lines of an issued invoice are frozen.'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_invoice_lines_frozen';
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER invoice_lines_on_drafts AFTER INSERT ON invoice_line_items
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION invoice_lines_on_drafts();
"""


def upgrade() -> None:
    op.execute(TEACHER_RULES.replace("{early}", "15 minutes"))
    op.execute(LINES_ON_DRAFTS)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS invoice_lines_on_drafts ON invoice_line_items")
    op.execute("DROP FUNCTION IF EXISTS invoice_lines_on_drafts()")
    op.execute(TEACHER_RULES.replace("{early}", "0 minutes"))
