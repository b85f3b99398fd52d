"""Another studio's ids open nothing: the clash check and busy times answer for the caller's
studio only.

Reviewed by hand. Found with the desk's own login in psql on a database holding two studios
(0013 allows it deliberately):

- `studiosync_day_busy(first, after, ARRAY[<studio B's teacher>])` listed studio B's
  teacher's lessons, and every room of every studio (its rooms' rows had no studio at all);
- `studiosync_clashes(...)` with studio B's teacher or room answered with studio B's lesson
  ids (a SECURITY DEFINER function reads past row security; both took ids on trust).

Now each function reads the caller's studio once (`app_studio_id()`, the owner: every
studio) and keeps only occurrences of its teachers, its students, its bands and its rooms;
busy times keep its lessons and its rooms. The queries are 0039's otherwise.

Revision ID: 0043_studio_bounds
Revises: 0042_line_keys_from_lesson
Create Date: 2026-12-06 22:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0043_studio_bounds"
down_revision: str | None = "0042_line_keys_from_lesson"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BLOCKING = "('scheduled', 'in_progress', 'completed')"

CLASHES = f"""
CREATE OR REPLACE FUNCTION studiosync_clashes(
    teachers uuid[], students uuid[], bands uuid[], rooms uuid[],
    starts timestamptz[], ends timestamptz[], exclude uuid[]
) RETURNS TABLE (i bigint, kind text, lesson_id uuid, user_id uuid, reservation_id uuid)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
DECLARE
    everyone boolean := app_is_owner();
    mine uuid := app_studio_id();
BEGIN
    RETURN QUERY
    WITH occ AS (
        SELECT o.i, o.teacher_id, o.student_id, o.band_id, o.room_id, o.s, o.e,
               tstzrange(o.s, o.e + make_interval(mins => t.booking_buffer_minutes)) AS busy
          FROM unnest(teachers, students, bands, rooms, starts, ends)
               WITH ORDINALITY AS o(teacher_id, student_id, band_id, room_id, s, e, i)
          JOIN teachers t ON t.id = o.teacher_id
         WHERE everyone OR t.studio_id = mine
    ), people AS (
        SELECT occ.i, st.user_id, occ.s, occ.e
          FROM occ JOIN students st ON st.id = occ.student_id
         WHERE everyone OR st.studio_id = mine
        UNION
        SELECT occ.i, m.user_id, occ.s, occ.e
          FROM occ JOIN bands b ON b.id = occ.band_id
          JOIN band_members m ON m.band_id = b.id
         WHERE occ.e > now() AND (everyone OR b.studio_id = mine)
    )
    SELECT occ.i, 'teacher', l.id, CAST(NULL AS uuid), CAST(NULL AS uuid)
      FROM occ CROSS JOIN LATERAL (
            SELECT l.id FROM lessons l
             WHERE l.teacher_id = occ.teacher_id AND l.teacher_busy && occ.busy
               AND l.status IN {_BLOCKING} AND NOT (l.id = ANY(exclude))
            LIMIT 1) l
    UNION ALL
    SELECT p.i, 'person', a.lesson_id, a.user_id, NULL
      FROM people p CROSS JOIN LATERAL (
            SELECT a.lesson_id, a.user_id FROM lesson_attendance a
             WHERE a.user_id = p.user_id AND a.during && tstzrange(p.s, p.e)
               AND NOT (a.lesson_id = ANY(exclude))
            LIMIT 1) a
    UNION ALL
    SELECT occ.i, 'room', o.lesson_id, NULL, o.reservation_id
      FROM occ JOIN practice_rooms r ON r.id = occ.room_id AND (everyone OR r.studio_id = mine)
      CROSS JOIN LATERAL (
            SELECT o.lesson_id, o.reservation_id FROM room_occupancy o
             WHERE o.room_id = occ.room_id AND o.during && tstzrange(occ.s, occ.e)
               AND (o.lesson_id IS NULL OR NOT (o.lesson_id = ANY(exclude)))
            LIMIT 1) o
     ORDER BY 1;
END
$$;
"""

DAY_BUSY = """
CREATE OR REPLACE FUNCTION studiosync_day_busy(
    first timestamptz, after timestamptz, teachers uuid[]
) RETURNS TABLE (kind text, key uuid, lesson_id uuid, busy_from timestamptz, busy_to timestamptz)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
DECLARE
    everyone boolean := app_is_owner();
    mine uuid := app_studio_id();
    staff boolean := everyone OR coalesce(app_role() IN ('admin', 'desk'), false);
    teacher uuid := app_teacher_id();
BEGIN
    RETURN QUERY
    SELECT 'teacher', l.teacher_id, l.id, lower(l.teacher_busy), upper(l.teacher_busy)
      FROM lessons l
     WHERE l.teacher_id = ANY(teachers)
       AND l.teacher_busy && tstzrange(first, after)
       AND l.status IN ('scheduled', 'in_progress', 'completed')
       AND (everyone OR l.studio_id = mine)
       AND (staff OR l.teacher_id = teacher)
    UNION ALL
    SELECT 'room', o.room_id, o.lesson_id, lower(o.during), upper(o.during)
      FROM room_occupancy o JOIN practice_rooms r ON r.id = o.room_id
     WHERE o.during && tstzrange(first, after) AND staff
       AND (everyone OR r.studio_id = mine);
END
$$;
"""


def upgrade() -> None:
    # CREATE OR REPLACE keeps the functions' grants (0027, 0028).
    op.execute(CLASHES)
    op.execute(DAY_BUSY)


def downgrade() -> None:
    # The functions as 0039 left them.
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location(
        "cached_plans", Path(__file__).with_name("0039_cached_plans.py")
    )
    assert spec is not None and spec.loader is not None
    earlier = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(earlier)
    earlier.upgrade()
