"""A lesson is marked taught or a no-show once it has started, whoever marks it.

Reviewed by hand.

The desk's login could mark next week's lesson completed (the lesson dialog offered it and the
database took it), and a completed lesson is billed. `lessons_marked_once_started` refuses a
change to 'completed' or 'no_show' while the lesson's start is more than a quarter of an hour
away, for every login (the allowance is the teachers' since 0015: an early start, a clock a
little ahead; `services/permissions.MARK_EARLY`). A check-in ('in_progress') stays open to the
desk at any time: a student may arrive early. The owner's bulk load of history (the demo
studio, with `studiosync.audit` off) writes past lessons and is left alone.

Revision ID: 0029_marked_once_started
Revises: 0028_day_busy
Create Date: 2026-12-06 18:45:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0029_marked_once_started"
down_revision: str | Sequence[str] | None = "0028_day_busy"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UPGRADE = """
CREATE FUNCTION lessons_marked_once_started() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('studiosync.audit', true) = 'off' AND app_is_owner() THEN
        RETURN NEW;  -- the owner's bulk load of history (the demo studio)
    END IF;
    RAISE EXCEPTION 'A lesson is marked taught or a no-show once it has started.'
        USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_lessons_marked_once_started';
END;
$$;
CREATE TRIGGER lessons_marked_once_started BEFORE UPDATE OF status ON lessons
    FOR EACH ROW
    WHEN (NEW.status IN ('completed', 'no_show') AND NEW.status IS DISTINCT FROM OLD.status
          AND NEW.scheduled_start > now() + interval '15 minutes')
    EXECUTE FUNCTION lessons_marked_once_started();
"""

DOWNGRADE = """
DROP TRIGGER lessons_marked_once_started ON lessons;
DROP FUNCTION lessons_marked_once_started();
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
