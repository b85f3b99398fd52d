"""The desk's probes cost what their queries cost: the clash check, busy times and a day's
room bookings read the caller's login row once and keep one plan for the session.

Reviewed by hand. Measured as the desk's own login on the large demo (EXPLAIN ANALYZE of
one call, planning and execution, median of 35, same run):

- `studiosync_clashes` took 0.95-1.05 ms for a query that runs in 0.24 ms. Since 0043 it
  called `app_is_owner()` and `app_studio_id()` before its query: SQL functions, SECURITY
  DEFINER or reading pg_roles and pg_database, planned again in every transaction (0.19 ms).
  And its query named their values (`everyone OR t.studio_id = mine`), so PL/pgSQL's plan
  cache found each call's own plan cheaper than the generic one and planned the query at
  every call (0.5 ms). Now the function reads the caller's users row itself (one probe of
  uq_users_db_role, a plan kept for the session); only a caller without one may be the
  owner (`app_is_owner()`, every studio). `SET plan_cache_mode = force_generic_plan`
  keeps the query's one plan: the same probes of the exclusion constraints' indexes for
  any caller. 0.24 ms.
- `studiosync_day_busy`: the same (it called four such functions).
- `studiosync_reservations_during(first, after)`: new. The ids of the caller's studio's
  room reservations (any status) overlapping [first, after), for the desk and admins
  (and the owner: every studio); nothing for anyone else, as row security shows teachers
  no reservation. By a new GiST index on (studio_id, the reservation's span): a range
  overlap is not leakproof, so in the desk's own query row security kept it from any index
  and a day of rooms read all 5,900 reservations. The desk's query reads the rows by these
  ids, under its row security still.

Who counts as "everyone" is narrower: before, a superuser or the database's owner answered
for every studio even when a users row named it as a login; now a caller with an active
login row answers for its studio and role only (tests/test_other_studios_ids.py).

Revision ID: 0048_desk_probes
Revises: 0047_lesson_parts_same_studio
Create Date: 2026-12-07 00:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0048_desk_probes"
down_revision: str | None = "0047_lesson_parts_same_studio"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BLOCKING = "('scheduled', 'in_progress', 'completed')"

# Every function below runs as its owner (past row security): it answers for the caller's
# studio, read here from the caller's own login row (users.db_role = session_user, active).
# Without one the caller may still be the owner (superuser or database owner), who answers
# for every studio; anyone else gets nothing (`mine` stays NULL, `everyone` false).
_OPTIONS = (
    "SECURITY DEFINER SET search_path = public, pg_temp"
    " SET plan_cache_mode = force_generic_plan SET max_parallel_workers_per_gather = 0"
)
_WHO = """
    SELECT u.studio_id, u.role, t.id INTO mine, my_role, teacher
      FROM users u LEFT JOIN teachers t ON t.user_id = u.id
     WHERE u.db_role = session_user::text COLLATE "default" AND u.is_active;
    IF NOT FOUND THEN
        everyone := app_is_owner();
    END IF;
"""
_DECLARE = """
DECLARE
    everyone boolean := false;
    mine uuid;
    my_role text;
    teacher uuid;
"""

CLASHES = f"""
CREATE OR REPLACE FUNCTION studiosync_clashes(
    teachers uuid[], students uuid[], bands uuid[], rooms uuid[],
    starts timestamptz[], ends timestamptz[], exclude uuid[]
) RETURNS TABLE (i bigint, kind text, lesson_id uuid, user_id uuid, reservation_id uuid)
LANGUAGE plpgsql STABLE {_OPTIONS} AS $$
#variable_conflict use_column
{_DECLARE}
BEGIN
{_WHO}
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

DAY_BUSY = f"""
CREATE OR REPLACE FUNCTION studiosync_day_busy(
    first timestamptz, after timestamptz, teachers uuid[]
) RETURNS TABLE (kind text, key uuid, lesson_id uuid, busy_from timestamptz, busy_to timestamptz)
LANGUAGE plpgsql STABLE {_OPTIONS} AS $$
#variable_conflict use_column
{_DECLARE}
    staff boolean;
BEGIN
{_WHO}
    staff := everyone OR coalesce(my_role IN ('admin', 'desk'), false);
    RETURN QUERY
    SELECT 'teacher', l.teacher_id, l.id, lower(l.teacher_busy), upper(l.teacher_busy)
      FROM lessons l
     WHERE l.teacher_id = ANY(teachers)
       AND l.teacher_busy && tstzrange(first, after)
       AND l.status IN {_BLOCKING}
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

RESERVATIONS_SIGNATURE = "studiosync_reservations_during(timestamptz, timestamptz)"
RESERVATIONS = f"""
CREATE FUNCTION studiosync_reservations_during(first timestamptz, after timestamptz)
RETURNS TABLE (reservation_id uuid)
LANGUAGE plpgsql STABLE {_OPTIONS} ROWS 30 AS $$
#variable_conflict use_column
{_DECLARE}
BEGIN
{_WHO}
    IF everyone THEN
        RETURN QUERY
        SELECT r.id FROM room_reservations r
         WHERE tstzrange(r.start_time, r.end_time) && tstzrange(first, after);
    ELSIF my_role IN ('admin', 'desk') THEN
        RETURN QUERY
        SELECT r.id FROM room_reservations r
         WHERE r.studio_id = mine
           AND tstzrange(r.start_time, r.end_time) && tstzrange(first, after);
    END IF;
END
$$;
REVOKE EXECUTE ON FUNCTION {RESERVATIONS_SIGNATURE} FROM PUBLIC;
GRANT EXECUTE ON FUNCTION {RESERVATIONS_SIGNATURE} TO studiosync_admin, studiosync_desk;
"""

# Hand-written (an expression): env.py leaves `ixh_` indexes out of `alembic check`.
SPAN_INDEX = (
    "CREATE INDEX ixh_room_reservations_studio_span ON room_reservations"
    " USING gist (studio_id, tstzrange(start_time, end_time))"
)


def upgrade() -> None:
    # CREATE OR REPLACE keeps the functions' grants (0027, 0028); a function's options
    # (SET plan_cache_mode) are replaced with it.
    op.execute(CLASHES)
    op.execute(DAY_BUSY)
    op.execute(SPAN_INDEX)
    op.execute(RESERVATIONS)


def downgrade() -> None:
    op.execute(f"DROP FUNCTION {RESERVATIONS_SIGNATURE}")
    op.execute("DROP INDEX ixh_room_reservations_studio_span")
    # The two functions as 0043 left them; CREATE OR REPLACE drops 0048's SET options.
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location(
        "studio_bounds", Path(__file__).with_name("0043_studio_bounds.py")
    )
    assert spec is not None and spec.loader is not None
    earlier = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(earlier)
    earlier.upgrade()
