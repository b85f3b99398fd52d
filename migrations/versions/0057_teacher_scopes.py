"""What a teacher may see and plant, and what the desk may move: the roster search scoped to
the teacher's own rows, feeds kept by whoever they belong to, audited, and the desk's audit
export limited to people without a login.

Reviewed by hand. Found by attacking main as a teacher's and the desk's own login in psql
(tests/test_teacher_scopes.py):

1. `roster_hits` (0027) is SECURITY DEFINER and filtered by studio only: a teacher, who reads
   their own students (and their families) and the staff, got every person's id of the studio,
   and its LIKE pattern was an oracle (a DO block guessing a character at a time read a
   parent's name, email and phone in 0.4 s). Now a login that is neither an admin nor the desk
   gets, from `users`, `students` and `families`, only the rows of the teacher's own policies
   (the same `app_teacher_*_ids()` they use): found by their primary keys (a teacher has a few
   dozen; the staff through the partial index `ixh_users_studio_staff`), which is faster than
   the trigram index. `teachers` and `bands` are the studio's to a teacher too. A teacher's
   student search no longer calls it (services/student_search.py). Every other SECURITY
   DEFINER function a teacher may execute was checked (tests/test_teacher_scopes.py lists them
   and why each gives only what the teacher reads).
2. The desk could move a teacher's feed (`teacher_id = NULL`) and then read its secret address
   through `studiosync_feed_urls`, or point it at another address. The desk and teachers now
   UPDATE a feed's state only (name, colour, on or off, the sync's bookkeeping:
   `FEED_STATE_COLUMNS` of the permission matrix, regranted here); whose feed it is and its
   address stay as added (an admin, who reads every address, keeps the whole row). Feeds'
   changes are audited like other tables'; the sync's own bookkeeping is not (every sync
   writes it: the reason 0025 left UPDATE out): `audit_changes('id', ...)` now skips the keys
   named after 'id' as it skipped `updated_at`.
3. The events' teacher policy checked only the event's own `teacher_id`, while the app reads
   whose busy time an event is from its feed: a teacher planted a 13-month block in the
   studio-wide feed (every desk booking asked for an outside-event confirmation) or in a
   colleague's. A teacher's new event must now be in a feed of their own. Events already
   planted so (an event whose teacher is not its feed's: the app writes the feed's) are
   deleted: they are busy times copied from a calendar, refilled by the next sync.
4. `studiosync_person_audit` (0021) gave the desk the audit rows of staff (their last login,
   their rows), while the audit log is otherwise admin-only; it exists for a person's data
   export, which the desk makes for people without a login only (services/privacy_export.py).
   The desk now gets students' and parents' trails; admins and the owner anyone's.

Left alone: any login may LISTEN studiosync_changes, whose payload names tables and row ids
(ids alone, no content; see the branch's report).

Revision ID: 0057_teacher_scopes
Revises: 0056_issued_invoices_hold
Create Date: 2026-12-07 05:00:00
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

import sqlalchemy as sa
from alembic import op

from studiosync_desktop.permission_matrix import grant_statements

revision: str = "0057_teacher_scopes"
down_revision: str | None = "0056_issued_invoices_hold"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROSTER_HITS = r"""
CREATE OR REPLACE FUNCTION roster_hits(tbl text, pattern text, folded text) RETURNS SETOF uuid
LANGUAGE plpgsql STABLE SECURITY DEFINER ROWS 50 SET search_path = public, pg_temp
SET enable_seqscan = off SET pg_trgm.word_similarity_threshold = 0.4 AS $$
DECLARE
    -- The caller's studio; none for the database owner (who reads without row security).
    studio uuid := app_studio_id();
    -- A teacher's readable rows, where their policies are narrower than the studio.
    mine uuid[];
BEGIN
    IF tbl NOT IN ('users', 'students', 'families', 'teachers', 'bands') THEN
        RAISE EXCEPTION 'roster_hits: % has no roster search', tbl USING ERRCODE = '22023';
    END IF;
    IF studio IS NULL AND NOT app_is_owner() THEN
        RETURN;
    END IF;
    -- Only admins and the desk read every person of the studio (the policies' roles, as
    -- the login holds them); anyone else is taken for a teacher (0057).
    IF studio IS NOT NULL AND tbl IN ('users', 'students', 'families')
       AND NOT pg_has_role(session_user, 'studiosync_admin', 'USAGE')
       AND NOT pg_has_role(session_user, 'studiosync_desk', 'USAGE')
       AND NOT app_is_owner()
    THEN
        mine := CASE tbl
            WHEN 'students' THEN ARRAY(SELECT app_teacher_student_ids())
            WHEN 'families' THEN ARRAY(SELECT app_teacher_family_ids())
            -- The users policy: their own row, their students' and the studio's staff.
            ELSE ARRAY(SELECT app_teacher_user_ids() UNION ALL SELECT app_user_id()
                       UNION ALL SELECT u.id FROM users u
                                  WHERE u.studio_id = studio
                                    AND u.role IN ('admin', 'desk', 'teacher'))
        END;
        -- A few dozen rows, read by their keys (OFFSET 0 keeps the studio's index out).
        RETURN QUERY EXECUTE format(
            'SELECT id FROM (SELECT id, studio_id, search_text FROM %I WHERE id = ANY($4)'
            '                OFFSET 0) mine'
            ' WHERE studio_id = $3'
            '   AND (search_text LIKE $1 OR ($2 IS NOT NULL AND $2 <%% search_text))', tbl
        ) USING pattern, folded, studio, mine;
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
"""

# A teacher's roster reads the studio's staff among their people: a few dozen rows, found
# without reading every person's (users has no index on role). Hand-written: `alembic check`
# leaves ixh_ indexes out.
STAFF_INDEX = (
    "CREATE INDEX ixh_users_studio_staff ON users (studio_id)"
    " WHERE role IN ('admin', 'desk', 'teacher')"
)

# 0021's update branch skipped `updated_at` alone; now also the keys the trigger names after
# 'id' (TG_ARGV is numbered from 0).
AUDIT_UNCHANGED = "WHERE oj - 'updated_at' IS DISTINCT FROM nj - 'updated_at';"
AUDIT_IGNORING = (
    "WHERE oj - (ARRAY['updated_at'] || TG_ARGV[1:TG_NARGS])\n"
    "               IS DISTINCT FROM nj - (ARRAY['updated_at'] || TG_ARGV[1:TG_NARGS]);"
)
SYNC_BOOKKEEPING = ("last_attempt_at", "last_synced_at", "last_error", "event_count")
FEEDS_AUDITED = (
    "CREATE TRIGGER trg_calendar_feeds_audit_update AFTER UPDATE ON calendar_feeds"
    " REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT"
    f" EXECUTE FUNCTION audit_changes('id', {', '.join(repr(c) for c in SYNC_BOOKKEEPING)})"
)

OWN_EVENT = "studio_id = (SELECT app_studio_id()) AND teacher_id = (SELECT app_teacher_id())"
IN_OWN_FEED = (
    " AND EXISTS (SELECT 1 FROM calendar_feeds f WHERE f.id = calendar_feed_events.feed_id"
    " AND f.teacher_id = (SELECT app_teacher_id()))"
)
PLANTED = """
DELETE FROM calendar_feed_events e USING calendar_feeds f
 WHERE f.id = e.feed_id AND e.teacher_id IS NOT NULL AND e.teacher_id IS DISTINCT FROM f.teacher_id
"""

PERSON_AUDIT = """
CREATE OR REPLACE FUNCTION studiosync_person_audit(person uuid)
RETURNS TABLE (at timestamptz, table_name text, row_id uuid, action text, old jsonb, new jsonb)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT a.at, a.table_name::text, a.row_id, a.action::text, a.old, a.new FROM audit_log a
     WHERE (app_is_owner() OR app_role() = 'admin'{desk})
       AND (app_is_owner() OR a.studio_id = app_studio_id())
       AND a.row_id IN (SELECT person
                        UNION ALL SELECT id FROM students WHERE user_id = person
                        UNION ALL SELECT id FROM teachers WHERE user_id = person
                        UNION ALL SELECT id FROM families WHERE primary_contact_id = person)
     ORDER BY a.at, a.id
$$;
"""
# The desk: a person without a login of its studio (a student or a parent), as its export.
DESK_PEOPLE = """
            OR (app_role() = 'desk'
                AND EXISTS (SELECT 1 FROM users u
                             WHERE u.id = person AND u.studio_id = app_studio_id()
                               AND u.role IN ('student', 'parent') AND u.db_role IS NULL))"""
DESK_ANYONE = " OR app_role() = 'desk'"


def _earlier(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name(f"{name}.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _audit_changes(ignoring: bool) -> str:
    earlier = _earlier("0021_privacy")
    text: str = earlier.AUDIT_CHANGES.format(privacy=earlier.PRIVACY_SKIP)
    assert text.count(AUDIT_UNCHANGED) == 1
    return text.replace(AUDIT_UNCHANGED, AUDIT_IGNORING) if ignoring else text


def _regrant_feeds() -> None:
    columns = set(
        op.get_bind()
        .execute(
            sa.text(
                "SELECT column_name FROM information_schema.columns"
                " WHERE table_schema = current_schema() AND table_name = 'calendar_feeds'"
            )
        )
        .scalars()
    )
    for statement in grant_statements({"calendar_feeds": columns}):
        op.execute(statement)


def upgrade() -> None:
    op.execute(STAFF_INDEX)
    op.execute(ROSTER_HITS)  # CREATE OR REPLACE keeps 0027's grants
    _regrant_feeds()
    op.execute(_audit_changes(ignoring=True))
    op.execute(FEEDS_AUDITED)
    op.execute(
        f"ALTER POLICY teacher_own ON calendar_feed_events WITH CHECK ({OWN_EVENT}{IN_OWN_FEED})"
    )
    op.execute(PLANTED)
    op.execute(PERSON_AUDIT.format(desk=DESK_PEOPLE))


def downgrade() -> None:
    op.execute(PERSON_AUDIT.format(desk=DESK_ANYONE))
    op.execute(f"ALTER POLICY teacher_own ON calendar_feed_events WITH CHECK ({OWN_EVENT})")
    op.execute("DROP TRIGGER trg_calendar_feeds_audit_update ON calendar_feeds")
    op.execute(_audit_changes(ignoring=False))
    op.execute("GRANT UPDATE ON calendar_feeds TO studiosync_desk, studiosync_teacher")
    op.execute(
        _earlier("0027_desk_speed").ROSTER_HITS.replace(
            "CREATE FUNCTION", "CREATE OR REPLACE FUNCTION"
        )
    )
    op.execute("DROP INDEX ixh_users_studio_staff")
