"""A series' lesson remembers which of its dates it is; a check-in waits for the lesson.

Reviewed by hand. Two findings of a new receptionist at the desk (demo studio, desk login):

1. The first desk login booked again every cancelled future lesson of the demo: "Snow day"
   and a new scheduled lesson side by side at Hannah Miller's 14:00, and the teachers were
   told "Lesson booked: 13 lessons". The demo's series had no `generated_until`, so the
   start-up's `extend_series` went through each series from its first date and skipped only
   clashes, and a cancelled lesson clashes with nothing. Any series whose `generated_until`
   is missing or set back did the same, and for a MOVED lesson there was nothing to find at
   its old slot: a lesson did not remember which date of its series it is.

   `lessons.occurrence_date` is that date: set when a series books the lesson, kept when the
   lesson moves, is cancelled or marked. Every path that books a series' lessons (a new series,
   a term, an edit of the following or all lessons, the start-up's extension) leaves out the
   dates the series already has a lesson for, in any status, and the unique index
   `uq_lessons_series_occurrence` makes that true under concurrency too. A lesson taken out of
   the series' dates by an edit of the series ("Series changed", kept because an invoice
   bills it) gives its date back, so the edited series books it at its new time.

   Existing lessons of a series get the date they are on now (a lesson moved before this
   migration is known by where it is). Where a series already has two lessons on one date
   (the demo's duplicates), the one made first keeps the date and the later one stays on the
   calendar as it is, outside the series' dates, for the desk to cancel or keep. The backfill
   is no one's change: the lessons' triggers (audit trail, updated_at, which teacher pay reads)
   stay out of it. `ck_lessons_occurrence_date_in_range` keeps it within the dates the
   database stores (`limits.FIRST_DAY`..`LAST_DAY`; not in `limits.DATE_COLUMNS`, which
   0026 reads whole, before this column exists).

2. The desk checked a student in two days early ("in progress" on Tuesday's lesson) and the
   lesson was stuck: completing or marking it a no-show waits for the start (0029), and only
   an admin may reopen. `lessons_marked_once_started` now refuses a check-in too while the
   lesson is more than a quarter of an hour away, for every login: the teachers' allowance
   (0015, `services/permissions.MARK_EARLY`). The owner's bulk load of history is left alone,
   as before. The service lets the desk take a check-in back (Reopen), and mark a checked-in
   lesson a no-show, so a lesson in progress is never stuck.

Revision ID: 0058_series_occurrences
Revises: 0057_teacher_scopes
Create Date: 2026-12-07 04:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0058_series_occurrences"
down_revision: str | None = "0057_teacher_scopes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OCCURRENCES = """
ALTER TABLE lessons ADD COLUMN occurrence_date date;
ALTER TABLE lessons ADD CONSTRAINT ck_lessons_occurrence_date_in_range
    CHECK (occurrence_date >= '1900-01-01' AND occurrence_date < '2200-01-01');
ALTER TABLE lessons DISABLE TRIGGER USER;
WITH ranked AS (
    SELECT l.id, d.day,
           row_number() OVER (PARTITION BY l.recurring_pattern_id, d.day
                              ORDER BY l.created_at, l.id) AS n
      FROM lessons l
      JOIN studios st ON st.id = l.studio_id
     CROSS JOIN LATERAL (SELECT CAST(l.scheduled_start AT TIME ZONE st.timezone AS date)
                                AS day) AS d
     WHERE l.recurring_pattern_id IS NOT NULL
)
UPDATE lessons l SET occurrence_date = r.day
  FROM ranked r
 WHERE r.id = l.id AND r.n = 1;
ALTER TABLE lessons ENABLE TRIGGER USER;
CREATE UNIQUE INDEX uq_lessons_series_occurrence ON lessons (recurring_pattern_id, occurrence_date)
    WHERE occurrence_date IS NOT NULL;
"""

# 0029's guard with the check-in added; its function names the search path it reads.
MARKED_ONCE_STARTED = """
CREATE OR REPLACE FUNCTION lessons_marked_once_started() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
BEGIN
    IF current_setting('studiosync.audit', true) = 'off' AND app_is_owner() THEN
        RETURN NEW;  -- the owner's bulk load of history (the demo studio)
    END IF;
    IF NEW.status = 'in_progress' THEN
        RAISE EXCEPTION 'A lesson is checked in once it has started '
            '(from a quarter of an hour before its start).'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_lessons_marked_once_started';
    END IF;
    RAISE EXCEPTION 'A lesson is marked taught or a no-show once it has started.'
        USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_lessons_marked_once_started';
END;
$$;
DROP TRIGGER lessons_marked_once_started ON lessons;
CREATE TRIGGER lessons_marked_once_started BEFORE UPDATE OF status ON lessons
    FOR EACH ROW
    WHEN (NEW.status IN ('in_progress', 'completed', 'no_show')
          AND NEW.status IS DISTINCT FROM OLD.status
          AND NEW.scheduled_start > now() + interval '15 minutes')
    EXECUTE FUNCTION lessons_marked_once_started();
"""

# 0029's guard and function, as they were.
MARKED_BEFORE = """
DROP TRIGGER lessons_marked_once_started ON lessons;
DROP FUNCTION lessons_marked_once_started();
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


def upgrade() -> None:
    op.execute(OCCURRENCES)
    op.execute(MARKED_ONCE_STARTED)


def downgrade() -> None:
    op.execute(MARKED_BEFORE)
    op.execute("DROP INDEX uq_lessons_series_occurrence")
    op.execute("ALTER TABLE lessons DROP COLUMN occurrence_date")
