"""Each login does only its job: grants from the permission matrix, and the rules around them.

Reviewed by hand. Found with a teacher's and the desk's own logins in psql (issue 13):

1. Grants come from `studiosync_desktop.permission_matrix`: every table's privileges are
   revoked and granted again from it, with column lists where an UPDATE is narrower than the
   row. A teacher updates only the status, actual start and end and plan of their own lessons
   (they could set every rate to 0.01 and point a lesson at any student); the desk and admins
   no longer DELETE issued money records or history (invoices other than drafts, payments,
   invoice events, the credit ledger), rewrite a payment's amount, or write the tables the
   database keeps itself (room_occupancy, lesson_attendance). Nobody has TRUNCATE.
2. `lessons_teacher_rules`: a statement-level trigger that keeps a teacher's status changes
   within the rules: scheduled -> in progress / completed / no-show, in progress ->
   completed, only once the lesson has started, never back; actual times only on a lesson
   that has started.
3. `invoices_keep_issued`: an issued invoice is never deleted, by anyone (the owner too):
   void and credit notes are the way back. Drafts may be deleted.
4. A teacher reads no room_occupancy (every booking with its lesson id); `room_busy(from,
   until)` gives the studio's rooms' busy times, nothing about whose booking.
5. A teacher raises no notification row: `studiosync_tell_desk(lesson, kind)` tells the
   admins and the desk about one of their own lessons in a fixed kind, with a title, text
   and link the database writes.
6. A teacher's lesson note is on one of their own lessons (the policy checked only the
   note's teacher_id).
7. A deactivated login leaves its group role, so a session it still has open can do
   nothing; reactivating puts it back in the group of its role.
8. `band_members_sync_attendance` runs with the owner's rights: it writes lesson_attendance,
   which the logins may now only read.

Revision ID: 0014_roles_matrix
Revises: 0013_one_studio
Create Date: 2026-11-27 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from studiosync_desktop.permission_matrix import function_grant_statements, grant_statements
from studiosync_desktop.vocabulary import TEACHER_NOTICES

revision: str = "0014_roles_matrix"
down_revision: str | Sequence[str] | None = "0013_one_studio"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STUDIO = "studio_id = (SELECT app_studio_id())"
OWN_TEACHER = f"{STUDIO} AND teacher_id = (SELECT app_teacher_id())"
# The lessons a teacher sees are their own (lessons' policy), so this is "an own lesson".
OWN_LESSON = "EXISTS (SELECT 1 FROM lessons l WHERE l.id = lesson_id)"

TEACHER_RULES = """
CREATE FUNCTION lessons_teacher_rules() RETURNS trigger LANGUAGE plpgsql AS $$
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
         WHERE (n.status <> o.status AND n.scheduled_start > now())
            OR ((n.actual_start, n.actual_end) IS DISTINCT FROM (o.actual_start, o.actual_end)
                AND (n.status NOT IN ('in_progress', 'completed')
                     OR n.actual_start > now() OR n.actual_end > now())))
    THEN
        RAISE EXCEPTION 'A lesson is marked (and its actual times kept) once it has started.'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_lessons_teacher_after_start';
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER lessons_teacher_rules AFTER UPDATE ON lessons
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION lessons_teacher_rules();

CREATE FUNCTION invoices_keep_issued() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'An issued invoice is never deleted: void it or issue a credit note.'
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER invoices_keep_issued BEFORE DELETE ON invoices
    FOR EACH ROW WHEN (OLD.status <> 'draft') EXECUTE FUNCTION invoices_keep_issued();

-- Busy, not whose: the caller's studio's rooms, start and end of each booking that holds one.
CREATE FUNCTION room_busy(busy_from timestamptz, busy_until timestamptz)
RETURNS TABLE (room_id uuid, starts timestamptz, ends timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT o.room_id, lower(o.during), upper(o.during)
      FROM room_occupancy o
      JOIN practice_rooms r ON r.id = o.room_id
     WHERE r.studio_id = app_studio_id()
       AND o.during && tstzrange(busy_from, busy_until)
     ORDER BY 1, 2
$$;
"""

DROP_TEACHER_RULES = """
DROP FUNCTION IF EXISTS room_busy(timestamptz, timestamptz);
DROP TRIGGER IF EXISTS invoices_keep_issued ON invoices;
DROP FUNCTION IF EXISTS invoices_keep_issued();
DROP TRIGGER IF EXISTS lessons_teacher_rules ON lessons;
DROP FUNCTION IF EXISTS lessons_teacher_rules();
"""


def tell_desk_sql() -> str:
    """The teacher's one way to notify the desk: fixed kinds, texts written here."""
    kinds = ", ".join(f"('{kind}', '{title}')" for kind, title in TEACHER_NOTICES.items())
    return f"""
CREATE FUNCTION studiosync_tell_desk(lesson uuid, kind text) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    found_lesson lessons%ROWTYPE;
    title text;
    raised integer;
BEGIN
    SELECT k.title INTO title FROM (VALUES {kinds}) AS k(kind, title) WHERE k.kind = $2;
    IF title IS NULL THEN
        RAISE EXCEPTION 'unknown kind of notice %', $2 USING ERRCODE = '22023';
    END IF;
    SELECT * INTO found_lesson FROM lessons l
     WHERE l.id = lesson AND l.studio_id = app_studio_id() AND l.teacher_id = app_teacher_id();
    IF NOT FOUND THEN
        RAISE EXCEPTION 'teachers tell the desk about their own lessons only'
            USING ERRCODE = '42501';
    END IF;
    -- One notice of a kind per lesson and person: pressing again sends nothing more.
    INSERT INTO notifications (studio_id, user_id, title, message, notification_type, link,
                               dedupe_key)
    SELECT found_lesson.studio_id, d.id, title, lesson_summary(found_lesson.id),
           'teacher_' || $2, 'studiosync://lesson/' || found_lesson.id,
           'teacher-' || $2 || ':' || found_lesson.id
      FROM users d
     WHERE d.studio_id = found_lesson.studio_id AND d.role IN ('admin', 'desk') AND d.is_active
    ON CONFLICT (user_id, dedupe_key) DO NOTHING;
    GET DIAGNOSTICS raised = ROW_COUNT;
    RETURN raised;
END;
$$;
"""


# Deactivating takes the login out of its group too; reactivating puts it back.
SET_LOGIN_ENABLED = """
CREATE OR REPLACE FUNCTION studiosync_set_login_enabled(person uuid, enabled boolean)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    login text;
    grp text;
BEGIN
    PERFORM studiosync_require_admin();
    SELECT db_role, role INTO login, grp FROM users
     WHERE id = person AND (app_is_owner() OR studio_id = app_studio_id()) FOR UPDATE;
    IF login IS NULL THEN
        RAISE EXCEPTION 'this person has no login' USING ERRCODE = 'P0002';
    END IF;
    EXECUTE format('ALTER ROLE %I WITH %s', login, CASE WHEN enabled THEN 'LOGIN' ELSE 'NOLOGIN' END);
    EXECUTE format('REVOKE studiosync_admin, studiosync_desk, studiosync_teacher FROM %I', login);
    IF enabled THEN
        EXECUTE format('GRANT %I TO %I', 'studiosync_' || grp, login);
    END IF;
    UPDATE users SET is_active = enabled WHERE id = person;
END;
$$;
CREATE OR REPLACE FUNCTION studiosync_set_staff_role(person uuid, grp text)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    login text;
    active boolean;
BEGIN
    PERFORM studiosync_require_admin();
    IF grp NOT IN ('admin', 'desk', 'teacher') THEN
        RAISE EXCEPTION 'unknown staff role %', grp USING ERRCODE = '22023';
    END IF;
    SELECT db_role, is_active INTO login, active FROM users
     WHERE id = person AND (app_is_owner() OR studio_id = app_studio_id()) FOR UPDATE;
    IF login IS NULL THEN
        RAISE EXCEPTION 'this person has no login' USING ERRCODE = 'P0002';
    END IF;
    EXECUTE format('REVOKE studiosync_admin, studiosync_desk, studiosync_teacher FROM %I', login);
    IF active THEN
        EXECUTE format('GRANT %I TO %I', 'studiosync_' || grp, login);
    END IF;
    UPDATE users SET role = grp WHERE id = person;
END;
$$;
"""

# 0010's versions, for the downgrade.
OLD_SET_LOGIN_ENABLED = """
CREATE OR REPLACE FUNCTION studiosync_set_login_enabled(person uuid, enabled boolean)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    login text;
BEGIN
    PERFORM studiosync_require_admin();
    SELECT db_role INTO login FROM users
     WHERE id = person AND (app_is_owner() OR studio_id = app_studio_id()) FOR UPDATE;
    IF login IS NULL THEN
        RAISE EXCEPTION 'this person has no login' USING ERRCODE = 'P0002';
    END IF;
    EXECUTE format('ALTER ROLE %I WITH %s', login, CASE WHEN enabled THEN 'LOGIN' ELSE 'NOLOGIN' END);
    UPDATE users SET is_active = enabled WHERE id = person;
END;
$$;
CREATE OR REPLACE FUNCTION studiosync_set_staff_role(person uuid, grp text)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    login text;
BEGIN
    PERFORM studiosync_require_admin();
    IF grp NOT IN ('admin', 'desk', 'teacher') THEN
        RAISE EXCEPTION 'unknown staff role %', grp USING ERRCODE = '22023';
    END IF;
    SELECT db_role INTO login FROM users
     WHERE id = person AND (app_is_owner() OR studio_id = app_studio_id()) FOR UPDATE;
    IF login IS NULL THEN
        RAISE EXCEPTION 'this person has no login' USING ERRCODE = 'P0002';
    END IF;
    EXECUTE format('REVOKE studiosync_admin, studiosync_desk, studiosync_teacher FROM %I', login);
    EXECUTE format('GRANT %I TO %I', 'studiosync_' || grp, login);
    UPDATE users SET role = grp WHERE id = person;
END;
$$;
"""

# Logins deactivated before this revision leave their group now.
DEACTIVATED_LEAVE_GROUPS = """
DO $$ DECLARE login text; BEGIN
    FOR login IN SELECT u.db_role FROM users u JOIN pg_roles r ON r.rolname = u.db_role
                  WHERE NOT u.is_active LOOP
        EXECUTE format('REVOKE studiosync_admin, studiosync_desk, studiosync_teacher FROM %I',
                       login);
    END LOOP;
END $$
"""
DEACTIVATED_REJOIN_GROUPS = """
DO $$ DECLARE login text; grp text; BEGIN
    FOR login, grp IN SELECT u.db_role, u.role FROM users u JOIN pg_roles r ON r.rolname = u.db_role
                       WHERE NOT u.is_active AND u.role IN ('admin', 'desk', 'teacher') LOOP
        EXECUTE format('GRANT %I TO %I', 'studiosync_' || grp, login);
    END LOOP;
END $$
"""


def table_columns() -> dict[str, set[str]]:
    rows = op.get_bind().execute(
        sa.text(
            "SELECT c.table_name, c.column_name FROM information_schema.columns c"
            " JOIN information_schema.tables t USING (table_schema, table_name)"
            " WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'"
        )
    )
    out: dict[str, set[str]] = {}
    for table, column in rows:
        out.setdefault(table, set()).add(column)
    return out


def note_policy(check: str) -> None:
    op.execute("DROP POLICY IF EXISTS teacher_own ON lesson_notes")
    op.execute(
        "CREATE POLICY teacher_own ON lesson_notes AS PERMISSIVE FOR ALL TO studiosync_teacher"
        f" USING ({OWN_TEACHER}) WITH CHECK ({check})"
    )


# Row-level trigger functions that write a table the caller may only read (0002): a new band
# member joins the band's coming lessons in lesson_attendance, kept by the database.
OWNER_WRITES = ("band_members_sync_attendance()",)


def upgrade() -> None:
    for signature in OWNER_WRITES:
        op.execute(f"ALTER FUNCTION {signature} SECURITY DEFINER SET search_path = public, pg_temp")
    op.execute(TEACHER_RULES)
    op.execute(tell_desk_sql())
    op.execute(SET_LOGIN_ENABLED)
    op.execute(DEACTIVATED_LEAVE_GROUPS)
    note_policy(f"{OWN_TEACHER} AND {OWN_LESSON}")
    for statement in grant_statements(table_columns()):
        op.execute(statement)
    for statement in function_grant_statements():
        op.execute(statement)


# -- the downgrade: 0010/0011's grants ------------------------------------------------------

EVERYONE = "studiosync_admin, studiosync_desk, studiosync_teacher"
STAFF = "studiosync_admin, studiosync_desk"
OLD_TEACHER_READS = (
    "studios users teachers students bands band_members lessons recurring_patterns lesson_notes"
    " student_goals lesson_plans practice_rooms resources resource_shares message_threads"
    " thread_participants messages message_reads notifications studio_closures makeup_credits"
    " lesson_attendance room_occupancy families"
).split()
OLD_TEACHER_WRITES = {
    "lessons": "UPDATE",
    "lesson_notes": "INSERT, UPDATE, DELETE",
    "student_goals": "INSERT, UPDATE, DELETE",
    "lesson_plans": "INSERT, UPDATE, DELETE",
    "message_threads": "INSERT, UPDATE",
    "thread_participants": "INSERT",
    "messages": "INSERT",
    "message_reads": "INSERT",
    "notifications": "INSERT, UPDATE",
}
ADMIN_ONLY_FUNCTIONS = (
    "studiosync_create_login(uuid, text, text, text)",
    "studiosync_set_staff_role(uuid, text)",
    "studiosync_set_login_enabled(uuid, boolean)",
    "studiosync_reset_password(uuid, text)",
)


def old_grants(table: str) -> list[str]:
    out = [f"REVOKE ALL ON {table} FROM PUBLIC, {EVERYONE}"]
    if table == "alembic_version":
        return [*out, f"GRANT SELECT ON {table} TO {EVERYONE}"]
    if table == "audit_log":
        return [*out, f"GRANT SELECT ON {table} TO studiosync_admin"]
    if table == "studios":
        return [
            *out,
            f"GRANT SELECT ON {table} TO {EVERYONE}",
            f"GRANT UPDATE ON {table} TO studiosync_admin",
        ]
    out.append(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {STAFF}")
    if table in OLD_TEACHER_READS:
        out.append(f"GRANT SELECT ON {table} TO studiosync_teacher")
    if table in OLD_TEACHER_WRITES:
        out.append(f"GRANT {OLD_TEACHER_WRITES[table]} ON {table} TO studiosync_teacher")
    return out


def downgrade() -> None:
    for table in sorted(table_columns()):
        for statement in old_grants(table):
            op.execute(statement)
    op.execute("DROP FUNCTION IF EXISTS studiosync_tell_desk(uuid, text)")
    for signature in ADMIN_ONLY_FUNCTIONS:
        op.execute(f"GRANT EXECUTE ON FUNCTION {signature} TO studiosync_admin")
    note_policy(OWN_TEACHER)
    op.execute(DEACTIVATED_REJOIN_GROUPS)
    op.execute(OLD_SET_LOGIN_ENABLED)
    op.execute(DROP_TEACHER_RULES)
    for signature in OWNER_WRITES:
        op.execute(f"ALTER FUNCTION {signature} SECURITY INVOKER RESET search_path")
