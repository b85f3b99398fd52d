"""When teachers and rooms are taken on a day, read by the exclusion constraints' indexes.

Reviewed by hand.

`studiosync_day_busy(first, after, teachers)`: the busy spans overlapping [first, after) of the
given teachers (their blocking lessons with the booking buffer, `lessons.teacher_busy`) and of
every room (`room_occupancy`: room lessons and practice bookings), with the lesson each comes
from. Today's board and a day of all rooms read these; as the desk's own query, row security
kept the GiST indexes out of reach (a range overlap, `&&`, is not leakproof, so the planner
must apply the policy first): a day of rooms read all of `room_occupancy` (50 ms on the large
demo) and a teacher's busy times every lesson of theirs. SECURITY DEFINER reads the indexes as
the exclusion constraints do and returns times and ids only; the rooms' spans to admins and
the desk (a teacher's login reads no rooms), a teacher's own spans only to a teacher.

Revision ID: 0028_day_busy
Revises: 0027_desk_speed
Create Date: 2026-12-12 19:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0028_day_busy"
down_revision = "0027_desk_speed"
branch_labels = None
depends_on = None

SIGNATURE = "studiosync_day_busy(timestamptz, timestamptz, uuid[])"

DAY_BUSY = f"""
CREATE FUNCTION studiosync_day_busy(first timestamptz, after timestamptz, teachers uuid[])
RETURNS TABLE (kind text, key uuid, lesson_id uuid, busy_from timestamptz, busy_to timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    WITH who AS (
        SELECT app_is_owner() OR coalesce(app_role() IN ('admin', 'desk'), false) AS staff,
               app_teacher_id() AS teacher
    )
    SELECT 'teacher', l.teacher_id, l.id, lower(l.teacher_busy), upper(l.teacher_busy)
      FROM lessons l, who
     WHERE l.teacher_id = ANY(teachers)
       AND l.teacher_busy && tstzrange(first, after)
       AND l.status IN ('scheduled', 'in_progress', 'completed')
       AND (who.staff OR l.teacher_id = who.teacher)
    UNION ALL
    SELECT 'room', o.room_id, o.lesson_id, lower(o.during), upper(o.during)
      FROM room_occupancy o, who
     WHERE o.during && tstzrange(first, after) AND who.staff
$$;
REVOKE EXECUTE ON FUNCTION {SIGNATURE} FROM PUBLIC;
GRANT EXECUTE ON FUNCTION {SIGNATURE} TO studiosync_admin, studiosync_desk, studiosync_teacher;
"""


def upgrade() -> None:
    op.execute(DAY_BUSY)


def downgrade() -> None:
    op.execute(f"DROP FUNCTION {SIGNATURE}")
