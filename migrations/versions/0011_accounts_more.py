"""Accounts, continued: fixes two screens that row-level security broke.

1. The front desk may see (and so de-duplicate) the studio's reminders.

Reviewed by hand. `NotificationService.raise_due_reminders` inserts the day's reminders for
every desk person and teacher with `ON CONFLICT DO NOTHING`, and PostgreSQL checks such rows
against the SELECT policies too; the desk could only see its own notifications, so raising
reminders for a colleague was refused. Admins and the desk may now see the studio's reminder
notifications (lessons tomorrow, overdue invoices and checkouts): nothing they cannot already
read in the calendar, billing and inventory. Other notifications (messages) stay private.

2. A teacher may read the families of their own students. The Roster tab shows each
student's family, and the roster queries join `families`, which teachers had no grant on,
so a teacher's roster failed to load. A family is a teacher's business only through a
student they teach; every other family stays invisible.

3. A teacher's students, computed once per query. The 0010 policies called
`app_teaches_student(id)` / `app_teaches_user(id)` for every row scanned, so a teacher's roster
on a large studio took seconds. The policies now test membership in a set that PostgreSQL
computes once per statement (a hashed subplan over `app_teacher_student_ids()`); the rule is
the same (their primary teacher is this teacher, or they have a lesson together).

4. Notifications leave the audit trail. They are raised by the app itself (reminders, one
row per person per overdue invoice), like the other bookkeeping tables 0010 leaves out, and
they buried the changes people made.

Revision ID: 0011_accounts_more
Revises: 0010_accounts
Create Date: 2026-11-26 07:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011_accounts_more"
down_revision: str | Sequence[str] | None = "0010_accounts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REMINDER_TYPES = "('lesson_reminder', 'invoice_overdue', 'checkout_overdue')"


STUDIO = "studio_id = (SELECT app_studio_id())"
TEACHER_FAMILIES = f"{STUDIO} AND id IN (SELECT app_teacher_family_ids())"

FUNCTIONS = """
CREATE FUNCTION app_teacher_student_ids() RETURNS SETOF uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    -- (SELECT app_teacher_id()): evaluated once, not once per lesson row.
    SELECT s.id FROM students s WHERE s.primary_teacher_id = (SELECT app_teacher_id())
    UNION
    SELECT l.student_id FROM lessons l
     WHERE l.teacher_id = (SELECT app_teacher_id()) AND l.student_id IS NOT NULL
$$;
CREATE FUNCTION app_teacher_user_ids() RETURNS SETOF uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT s.user_id FROM students s WHERE s.id IN (SELECT app_teacher_student_ids())
$$;
CREATE FUNCTION app_teacher_family_ids() RETURNS SETOF uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT s.family_id FROM students s
     WHERE s.family_id IS NOT NULL AND s.id IN (SELECT app_teacher_student_ids())
$$;
"""
DROP_FUNCTIONS = """
DROP FUNCTION IF EXISTS app_teacher_family_ids();
DROP FUNCTION IF EXISTS app_teacher_user_ids();
DROP FUNCTION IF EXISTS app_teacher_student_ids();
"""
MINE = "(SELECT app_teacher_student_ids())"
# (table, policy, command, USING, WITH CHECK): 0010's rule, then the same rule as a set.
TEACHER_POLICIES = [
    (
        "students",
        "teacher_own",
        "SELECT",
        f"{STUDIO} AND app_teaches_student(id)",
        None,
        f"{STUDIO} AND id IN {MINE}",
        None,
    ),
    (
        "student_goals",
        "teacher_own_students",
        "ALL",
        f"{STUDIO} AND app_teaches_student(student_id)",
        f"{STUDIO} AND app_teaches_student(student_id)",
        f"{STUDIO} AND student_id IN {MINE}",
        f"{STUDIO} AND student_id IN {MINE}",
    ),
    (
        "makeup_credits",
        "teacher_own_students",
        "SELECT",
        f"{STUDIO} AND app_teaches_student(student_id)",
        None,
        f"{STUDIO} AND student_id IN {MINE}",
        None,
    ),
    (
        "users",
        "teacher_reads",
        "SELECT",
        f"{STUDIO} AND (id = (SELECT app_user_id()) OR role IN ('admin', 'desk', 'teacher')"
        " OR app_teaches_user(id))",
        None,
        f"{STUDIO} AND (id = (SELECT app_user_id()) OR role IN ('admin', 'desk', 'teacher')"
        " OR id IN (SELECT app_teacher_user_ids()))",
        None,
    ),
]


def _policy(table: str, name: str, command: str, using: str, check: str | None) -> None:
    op.execute(f"DROP POLICY IF EXISTS {name} ON {table}")
    sql = (
        f"CREATE POLICY {name} ON {table} AS PERMISSIVE FOR {command} TO studiosync_teacher"
        f" USING ({using})"
    )
    if check:
        sql += f" WITH CHECK ({check})"
    op.execute(sql)


EVENTS = (
    ("insert", "NEW TABLE AS new_rows"),
    ("update", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
    ("delete", "OLD TABLE AS old_rows"),
)


def upgrade() -> None:
    op.execute(FUNCTIONS)
    for table, name, command, _old_using, _old_check, using, check in TEACHER_POLICIES:
        _policy(table, name, command, using, check)
    for event, _refs in EVENTS:
        op.execute(f"DROP TRIGGER IF EXISTS trg_notifications_audit_{event} ON notifications")
    op.execute("GRANT SELECT ON families TO studiosync_teacher")
    op.execute(
        "CREATE POLICY teacher_own_students ON families AS PERMISSIVE FOR SELECT"
        f" TO studiosync_teacher USING ({TEACHER_FAMILIES})"
    )
    op.execute(
        "CREATE POLICY staff_reads_reminders ON notifications AS PERMISSIVE FOR SELECT"
        " TO studiosync_admin, studiosync_desk"
        " USING (studio_id = (SELECT app_studio_id())"
        f" AND notification_type IN {REMINDER_TYPES})"
    )


def downgrade() -> None:
    for event, refs in EVENTS:
        op.execute(
            f"CREATE TRIGGER trg_notifications_audit_{event} AFTER {event.upper()} ON "
            f"notifications REFERENCING {refs} FOR EACH STATEMENT EXECUTE FUNCTION audit_changes()"
        )
    op.execute("DROP POLICY IF EXISTS staff_reads_reminders ON notifications")
    op.execute("DROP POLICY IF EXISTS teacher_own_students ON families")
    op.execute("REVOKE SELECT ON families FROM studiosync_teacher")
    for table, name, command, using, check, _new_using, _new_check in TEACHER_POLICIES:
        _policy(table, name, command, using, check)
    op.execute(DROP_FUNCTIONS)
