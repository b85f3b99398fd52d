"""The desk's reads at the speed of the database: row security's look-ups by index, and the
Invoices tab's order indexed.

Reviewed by hand.

Every row-security policy asks `app_studio_id()` (and the teacher's, `app_teacher_id()`) once
per query, as an initplan. They compared `users.db_role` (varchar, the database's collation)
with `session_user` (a `name`, collation "C"): a comparison the unique index on `db_role`
cannot answer, so each call read the whole users table (86 pages on the large demo, about
0.7 ms; a calendar week's three statements made seven such calls). Comparing in the column's
collation uses `uq_users_db_role`: 0.04 ms.

`ix_invoices_studio_id_day_id`: the Invoices tab lists newest first by
`models.billing.INVOICE_DAY`; its first page sorted all 49,000 invoices of the large demo
(about 100 ms), and now reads 201 index entries.

`roster_hits(table, pattern, folded)`: the ids of a roster table's rows, in the caller's studio,
whose `search_text` contains `pattern` (LIKE, backslash escapes) or, given `folded`, has a word
trigram-similar to it, found through the table's trigram index (the function's own settings:
no sequential scan, the typo threshold). Two reasons it is a function:
- Under row security the planner may not use the trigram index at all: LIKE and `<%` are not
  leakproof, so it must apply the policy before them, and it scored every row's similarity
  (the desk's search 53 ms, the owner's 23). SECURITY DEFINER reads the index without the
  policy; it returns ids only, of the caller's studio, and the caller's own query (which joins
  the rows by these ids) applies row security to every row it shows.
- The roster set the two settings with SET LOCAL first: two round trips per keystroke.

`studiosync_clashes(...)`: the clashes of a batch of occurrences (the query the scheduling
service sent itself, unchanged). Under row security the range overlaps (`&&`, not leakproof)
could not be index conditions either: a free slot's teacher probe read every lesson of the
studio (about 100 ms on the large demo, for a check meant to take well under a millisecond).
SECURITY DEFINER probes the exclusion constraints' GiST indexes as the constraints do. It
returns ids and kinds only; only admins and the desk may call it, who see every lesson,
person and room of the studio anyway (a database holds one studio).

Revision ID: 0027_desk_speed
Revises: 0026_input_limits
Create Date: 2026-12-12 18:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0027_desk_speed"
down_revision = "0026_input_limits"
branch_labels = None
depends_on = None

# `session_user` as text in the collation of `users.db_role`: what its index is sorted by.
ME = 'session_user::text COLLATE "default"'

FUNCTIONS = """
CREATE OR REPLACE FUNCTION app_user_id() RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT id FROM users WHERE db_role = {me} AND is_active
$$;
CREATE OR REPLACE FUNCTION app_studio_id() RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT studio_id FROM users WHERE db_role = {me} AND is_active
$$;
CREATE OR REPLACE FUNCTION app_role() RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT role FROM users WHERE db_role = {me} AND is_active
$$;
CREATE OR REPLACE FUNCTION app_teacher_id() RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT t.id FROM teachers t JOIN users u ON u.id = t.user_id
     WHERE u.db_role = {me} AND u.is_active
$$;
CREATE OR REPLACE FUNCTION app_record_login() RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
    UPDATE users SET last_login = now() WHERE db_role = {me} AND is_active
$$;
"""

ROSTER_HITS = r"""
CREATE FUNCTION roster_hits(tbl text, pattern text, folded text) RETURNS SETOF uuid
LANGUAGE plpgsql STABLE SECURITY DEFINER ROWS 50 SET search_path = public, pg_temp
SET enable_seqscan = off SET pg_trgm.word_similarity_threshold = 0.4 AS $$
DECLARE
    -- The caller's studio; none for the database owner (who reads without row security).
    studio uuid := app_studio_id();
BEGIN
    IF tbl NOT IN ('users', 'students', 'families', 'teachers', 'bands') THEN
        RAISE EXCEPTION 'roster_hits: % has no roster search', tbl USING ERRCODE = '22023';
    END IF;
    IF studio IS NULL AND NOT app_is_owner() THEN
        RETURN;
    END IF;
    -- One or two characters have no trigram: reading the table beats reading all the index.
    IF folded IS NULL AND length(pattern) <= 4 THEN
        PERFORM set_config('enable_seqscan', 'on', true);  -- until the function returns
    END IF;
    -- The studio is checked on the rows found (OFFSET 0 keeps it there): as an index
    -- condition the planner would walk the studio's index and score every row.
    RETURN QUERY EXECUTE format(
        'SELECT id FROM (SELECT id, studio_id FROM %I'
        '                 WHERE search_text LIKE $1 OR ($2 IS NOT NULL AND $2 <%% search_text)'
        '                OFFSET 0) hit'
        ' WHERE $3 IS NULL OR studio_id = $3', tbl) USING pattern, folded, studio;
END
$$;
REVOKE EXECUTE ON FUNCTION roster_hits(text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION roster_hits(text, text, text)
   TO studiosync_admin, studiosync_desk, studiosync_teacher;
"""

_BLOCKING = "('scheduled', 'in_progress', 'completed')"

CLASHES = f"""
CREATE FUNCTION studiosync_clashes(
    teachers uuid[], students uuid[], bands uuid[], rooms uuid[],
    starts timestamptz[], ends timestamptz[], exclude uuid[]
) RETURNS TABLE (i bigint, kind text, lesson_id uuid, user_id uuid, reservation_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    WITH occ AS (
        SELECT o.i, o.teacher_id, o.student_id, o.band_id, o.room_id, o.s, o.e,
               tstzrange(o.s, o.e + make_interval(mins => t.booking_buffer_minutes)) AS busy
          FROM unnest(teachers, students, bands, rooms, starts, ends)
               WITH ORDINALITY AS o(teacher_id, student_id, band_id, room_id, s, e, i)
          JOIN teachers t ON t.id = o.teacher_id
    ), people AS (
        SELECT occ.i, st.user_id, occ.s, occ.e
          FROM occ JOIN students st ON st.id = occ.student_id
        UNION
        SELECT occ.i, m.user_id, occ.s, occ.e
          FROM occ JOIN band_members m ON m.band_id = occ.band_id
         WHERE occ.e > now()
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
      FROM occ CROSS JOIN LATERAL (
            SELECT o.lesson_id, o.reservation_id FROM room_occupancy o
             WHERE o.room_id = occ.room_id AND o.during && tstzrange(occ.s, occ.e)
               AND (o.lesson_id IS NULL OR NOT (o.lesson_id = ANY(exclude)))
            LIMIT 1) o
     ORDER BY 1
$$;
REVOKE EXECUTE ON FUNCTION studiosync_clashes(
    uuid[], uuid[], uuid[], uuid[], timestamptz[], timestamptz[], uuid[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION studiosync_clashes(
    uuid[], uuid[], uuid[], uuid[], timestamptz[], timestamptz[], uuid[])
   TO studiosync_admin, studiosync_desk;
"""

INVOICE_DAY = "coalesce(issue_date, (created_at AT TIME ZONE 'UTC')::date)"


def upgrade() -> None:
    op.execute(FUNCTIONS.format(me=ME))
    op.execute(ROSTER_HITS)
    op.execute(CLASHES)
    op.create_index(
        "ix_invoices_studio_id_day_id", "invoices", ["studio_id", sa.text(INVOICE_DAY), "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_invoices_studio_id_day_id", table_name="invoices")
    op.execute("DROP FUNCTION roster_hits(text, text, text)")
    op.execute(
        "DROP FUNCTION studiosync_clashes("
        "uuid[], uuid[], uuid[], uuid[], timestamptz[], timestamptz[], uuid[])"
    )
    op.execute(FUNCTIONS.format(me="session_user"))
