"""Accounts and security: group roles, row-level security, staff logins, the audit trail.

Reviewed by hand. Every person who uses the app logs in as their own PostgreSQL login role,
member of one group role (studiosync_admin, studiosync_desk, studiosync_teacher). Table
privileges say what each group may do; row-level security says which rows: the person's own
studio, a teacher's own lessons and students, a person's own messages and notifications.
The audit trail is written by statement-level triggers that nobody but the owner can bypass.

This revision merges the parallel branches of the issue migrations, so it runs after every
table exists; a test fails when a later table is left without row-level security.

Revision ID: 0010_accounts
Revises: 0007_scheduling_more, 0004_billing, 0005_inventory, 0006_roster
Create Date: 2026-11-26 06:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_accounts"
down_revision: str | Sequence[str] | None = (
    "0007_scheduling_more",
    "0004_billing",
    "0005_inventory",
    "0006_roster",
)
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GROUPS = ("studiosync_admin", "studiosync_desk", "studiosync_teacher")
STAFF = "studiosync_admin, studiosync_desk"
EVERYONE = "studiosync_admin, studiosync_desk, studiosync_teacher"

# What a teacher may read (rows narrowed by the policies below); everything else, billing
# and lending included, is not granted to teachers at all.
TEACHER_READS = (
    "studios",
    "users",
    "teachers",
    "students",
    "bands",
    "band_members",
    "lessons",
    "recurring_patterns",
    "lesson_notes",
    "student_goals",
    "lesson_plans",
    "practice_rooms",
    "resources",
    "resource_shares",
    "message_threads",
    "thread_participants",
    "messages",
    "message_reads",
    "notifications",
    "studio_closures",
    "makeup_credits",
    "lesson_attendance",
    "room_occupancy",
)
TEACHER_WRITES = {
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
# Tables whose rows are shared by participants, for every role (not by studio alone).
MESSAGING = ("message_threads", "thread_participants", "messages", "message_reads", "notifications")
# Tables without studio_id: visible when their parent row is (the parent's policy applies).
CHILD_OF = {
    "band_members": "EXISTS (SELECT 1 FROM bands p WHERE p.id = band_id)",
    "resource_shares": "EXISTS (SELECT 1 FROM resources p WHERE p.id = resource_id)",
    "lesson_attendance": "EXISTS (SELECT 1 FROM lessons p WHERE p.id = lesson_id)",
    "room_occupancy": "EXISTS (SELECT 1 FROM practice_rooms p WHERE p.id = room_id)",
}
NOT_SECURED = ("alembic_version",)

FUNCTIONS = """
CREATE FUNCTION app_user_id() RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT id FROM users WHERE db_role = session_user AND is_active
$$;
CREATE FUNCTION app_studio_id() RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT studio_id FROM users WHERE db_role = session_user AND is_active
$$;
CREATE FUNCTION app_role() RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT role FROM users WHERE db_role = session_user AND is_active
$$;
CREATE FUNCTION app_teacher_id() RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT t.id FROM teachers t JOIN users u ON u.id = t.user_id
     WHERE u.db_role = session_user AND u.is_active
$$;
-- A teacher's students: their primary teacher is this teacher, or they have a lesson together.
CREATE FUNCTION app_teaches_student(student uuid) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT EXISTS (SELECT 1 FROM students s
                    WHERE s.id = student AND s.primary_teacher_id = app_teacher_id())
        OR EXISTS (SELECT 1 FROM lessons l
                    WHERE l.student_id = student AND l.teacher_id = app_teacher_id())
$$;
CREATE FUNCTION app_teaches_user(person uuid) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT EXISTS (SELECT 1 FROM students s WHERE s.user_id = person AND app_teaches_student(s.id))
$$;
CREATE FUNCTION app_in_thread(thread uuid) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT EXISTS (SELECT 1 FROM thread_participants
                    WHERE thread_id = thread AND user_id = app_user_id())
$$;
CREATE FUNCTION app_thread_has_participants(thread uuid) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT EXISTS (SELECT 1 FROM thread_participants WHERE thread_id = thread)
$$;
CREATE FUNCTION app_is_owner() RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = session_user AND rolsuper)
        OR session_user = (SELECT pg_get_userbyid(datdba) FROM pg_database
                            WHERE datname = current_database())
$$;

-- Staff logins. Called by admins (and by the owner, for scripted set-ups); the password
-- arrives as a SCRAM verifier computed by the app, so no clear text reaches the server.
CREATE FUNCTION studiosync_require_admin() RETURNS void
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF NOT (app_is_owner() OR app_role() = 'admin') THEN
        RAISE EXCEPTION 'only an administrator may manage staff accounts'
            USING ERRCODE = '42501';
    END IF;
END;
$$;
CREATE FUNCTION studiosync_create_login(person uuid, login text, verifier text, grp text)
RETURNS text LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    target users%ROWTYPE;
BEGIN
    PERFORM studiosync_require_admin();
    IF grp NOT IN ('admin', 'desk', 'teacher') THEN
        RAISE EXCEPTION 'unknown staff role %', grp USING ERRCODE = '22023';
    END IF;
    IF login !~ '^ss_[a-z0-9_]{3,60}$' THEN
        RAISE EXCEPTION 'invalid login role name %', login USING ERRCODE = '22023';
    END IF;
    SELECT * INTO target FROM users WHERE id = person FOR UPDATE;
    IF NOT FOUND OR (NOT app_is_owner() AND target.studio_id <> app_studio_id()) THEN
        RAISE EXCEPTION 'no such person' USING ERRCODE = 'P0002';
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = login) THEN
        EXECUTE format('ALTER ROLE %I WITH LOGIN PASSWORD %L', login, verifier);
    ELSE
        EXECUTE format('CREATE ROLE %I WITH LOGIN PASSWORD %L', login, verifier);
    END IF;
    EXECUTE format('REVOKE studiosync_admin, studiosync_desk, studiosync_teacher FROM %I', login);
    EXECUTE format('GRANT %I TO %I', 'studiosync_' || grp, login);
    UPDATE users SET db_role = login, role = grp, is_staff = true, is_active = true,
                     must_change_password = true
     WHERE id = person;
    RETURN login;
END;
$$;
CREATE FUNCTION studiosync_set_staff_role(person uuid, grp text)
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
CREATE FUNCTION studiosync_set_login_enabled(person uuid, enabled boolean)
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
CREATE FUNCTION studiosync_reset_password(person uuid, verifier text)
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
    EXECUTE format('ALTER ROLE %I WITH PASSWORD %L', login, verifier);
    UPDATE users SET must_change_password = true WHERE id = person;
END;
$$;
CREATE FUNCTION app_record_login() RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
    UPDATE users SET last_login = now() WHERE db_role = session_user AND is_active
$$;
CREATE FUNCTION studiosync_change_own_password(verifier text)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF app_user_id() IS NULL THEN
        RAISE EXCEPTION 'no active account for %', session_user USING ERRCODE = '42501';
    END IF;
    EXECUTE format('ALTER ROLE %I WITH PASSWORD %L', session_user, verifier);
    UPDATE users SET must_change_password = false WHERE db_role = session_user;
END;
$$;

-- The audit trail: one statement-level trigger per table and event, set-based over the
-- transition tables. The owner may switch it off for a bulk load (the demo studio) with
-- SET LOCAL studiosync.audit = 'off'; for anyone else the setting is ignored.
CREATE FUNCTION audit_changes() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    who uuid := app_user_id();
BEGIN
    IF current_setting('studiosync.audit', true) = 'off' AND app_is_owner() THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        INSERT INTO audit_log (studio_id, db_role, user_id, table_name, row_id, action, new)
        SELECT (r->>'studio_id')::uuid, session_user, who, TG_TABLE_NAME,
               (r->>'id')::uuid, 'insert', r
          FROM (SELECT to_jsonb(n) AS r FROM new_rows n) x;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO audit_log (studio_id, db_role, user_id, table_name, row_id, action, old)
        SELECT (r->>'studio_id')::uuid, session_user, who, TG_TABLE_NAME,
               (r->>'id')::uuid, 'delete', r
          FROM (SELECT to_jsonb(o) AS r FROM old_rows o) x;
    ELSIF TG_ARGV[0] = 'id' THEN
        -- PL/pgSQL plans this per table, so the join is on the real key column.
        INSERT INTO audit_log (studio_id, db_role, user_id, table_name, row_id, action, old, new)
        SELECT (nj->>'studio_id')::uuid, session_user, who, TG_TABLE_NAME, n.id, 'update', oj, nj
          FROM new_rows n JOIN old_rows o ON o.id = n.id,
               LATERAL (SELECT to_jsonb(o) AS oj, to_jsonb(n) AS nj) j
         WHERE oj - 'updated_at' IS DISTINCT FROM nj - 'updated_at';
    ELSE
        INSERT INTO audit_log (studio_id, db_role, user_id, table_name, row_id, action, old, new)
        SELECT (r->>'studio_id')::uuid, session_user, who, TG_TABLE_NAME, NULL, 'update', NULL, r
          FROM (SELECT to_jsonb(n) AS r FROM new_rows n) x;
    END IF;
    RETURN NULL;
END;
$$;
"""

DROP_FUNCTIONS = """
DROP FUNCTION IF EXISTS audit_changes();
DROP FUNCTION IF EXISTS studiosync_change_own_password(text);
DROP FUNCTION IF EXISTS app_record_login();
DROP FUNCTION IF EXISTS studiosync_reset_password(uuid, text);
DROP FUNCTION IF EXISTS studiosync_set_login_enabled(uuid, boolean);
DROP FUNCTION IF EXISTS studiosync_set_staff_role(uuid, text);
DROP FUNCTION IF EXISTS studiosync_create_login(uuid, text, text, text);
DROP FUNCTION IF EXISTS studiosync_require_admin();
DROP FUNCTION IF EXISTS app_is_owner();
DROP FUNCTION IF EXISTS app_thread_has_participants(uuid);
DROP FUNCTION IF EXISTS app_in_thread(uuid);
DROP FUNCTION IF EXISTS app_teaches_user(uuid);
DROP FUNCTION IF EXISTS app_teaches_student(uuid);
DROP FUNCTION IF EXISTS app_teacher_id();
DROP FUNCTION IF EXISTS app_role();
DROP FUNCTION IF EXISTS app_studio_id();
DROP FUNCTION IF EXISTS app_user_id();
"""

STUDIO = "studio_id = (SELECT app_studio_id())"
# Row rules specific to a table: (policy name, command, roles, USING, WITH CHECK).
SPECIFIC: dict[str, list[tuple[str, str, str, str, str | None]]] = {
    "studios": [
        ("member_reads", "SELECT", EVERYONE, "id = (SELECT app_studio_id())", None),
        (
            "admin_updates",
            "UPDATE",
            "studiosync_admin",
            "id = (SELECT app_studio_id())",
            "id = (SELECT app_studio_id())",
        ),
    ],
    "users": [
        ("admin_all", "ALL", "studiosync_admin", STUDIO, STUDIO),
        ("desk_reads", "SELECT", "studiosync_desk", STUDIO, None),
        (
            "desk_writes_people",
            "INSERT",
            "studiosync_desk",
            "",
            f"{STUDIO} AND role IN ('student', 'parent') AND db_role IS NULL",
        ),
        (
            "desk_updates_people",
            "UPDATE",
            "studiosync_desk",
            f"{STUDIO} AND role IN ('student', 'parent')",
            f"{STUDIO} AND role IN ('student', 'parent') AND db_role IS NULL",
        ),
        (
            "desk_deletes_people",
            "DELETE",
            "studiosync_desk",
            f"{STUDIO} AND role IN ('student', 'parent')",
            None,
        ),
        (
            "teacher_reads",
            "SELECT",
            "studiosync_teacher",
            f"{STUDIO} AND (id = (SELECT app_user_id()) OR role IN ('admin', 'desk', 'teacher')"
            " OR app_teaches_user(id))",
            None,
        ),
    ],
    "lessons": [
        (
            "teacher_own",
            "SELECT",
            "studiosync_teacher",
            f"{STUDIO} AND teacher_id = (SELECT app_teacher_id())",
            None,
        ),
        (
            "teacher_updates_own",
            "UPDATE",
            "studiosync_teacher",
            f"{STUDIO} AND teacher_id = (SELECT app_teacher_id())",
            f"{STUDIO} AND teacher_id = (SELECT app_teacher_id())",
        ),
    ],
    "recurring_patterns": [
        (
            "teacher_own",
            "SELECT",
            "studiosync_teacher",
            f"{STUDIO} AND teacher_id = (SELECT app_teacher_id())",
            None,
        ),
    ],
    "students": [
        (
            "teacher_own",
            "SELECT",
            "studiosync_teacher",
            f"{STUDIO} AND app_teaches_student(id)",
            None,
        ),
    ],
    "lesson_notes": [
        (
            "teacher_own",
            "ALL",
            "studiosync_teacher",
            f"{STUDIO} AND teacher_id = (SELECT app_teacher_id())",
            f"{STUDIO} AND teacher_id = (SELECT app_teacher_id())",
        ),
    ],
    "student_goals": [
        (
            "teacher_own_students",
            "ALL",
            "studiosync_teacher",
            f"{STUDIO} AND app_teaches_student(student_id)",
            f"{STUDIO} AND app_teaches_student(student_id)",
        ),
    ],
    "lesson_plans": [
        (
            "teacher_reads",
            "SELECT",
            "studiosync_teacher",
            f"{STUDIO} AND (is_public OR teacher_id = (SELECT app_teacher_id()))",
            None,
        ),
        (
            "teacher_writes_own",
            "ALL",
            "studiosync_teacher",
            f"{STUDIO} AND teacher_id = (SELECT app_teacher_id())",
            f"{STUDIO} AND teacher_id = (SELECT app_teacher_id())",
        ),
    ],
    "makeup_credits": [
        (
            "teacher_own_students",
            "SELECT",
            "studiosync_teacher",
            f"{STUDIO} AND app_teaches_student(student_id)",
            None,
        ),
    ],
    "message_threads": [
        # A new thread (nobody in it yet) is visible so its creator can add the participants.
        (
            "participant",
            "SELECT",
            EVERYONE,
            f"{STUDIO} AND (app_in_thread(id) OR NOT app_thread_has_participants(id))",
            None,
        ),
        ("starts", "INSERT", EVERYONE, "", STUDIO),
        ("participant_updates", "UPDATE", EVERYONE, f"{STUDIO} AND app_in_thread(id)", STUDIO),
    ],
    "thread_participants": [
        ("participant", "SELECT", EVERYONE, "app_in_thread(thread_id)", None),
        # Who starts a thread joins it first, then adds the others; participants add more.
        (
            "adds",
            "INSERT",
            EVERYONE,
            "",
            "app_in_thread(thread_id) OR (user_id = (SELECT app_user_id())"
            " AND NOT app_thread_has_participants(thread_id))",
        ),
    ],
    "messages": [
        ("participant", "SELECT", EVERYONE, f"{STUDIO} AND app_in_thread(thread_id)", None),
        (
            "sends_own",
            "INSERT",
            EVERYONE,
            "",
            f"{STUDIO} AND app_in_thread(thread_id) AND sender_id = (SELECT app_user_id())",
        ),
    ],
    "message_reads": [
        ("own", "SELECT", EVERYONE, "user_id = (SELECT app_user_id())", None),
        ("marks_own", "INSERT", EVERYONE, "", "user_id = (SELECT app_user_id())"),
    ],
    "notifications": [
        ("own", "SELECT", EVERYONE, f"{STUDIO} AND user_id = (SELECT app_user_id())", None),
        (
            "marks_own",
            "UPDATE",
            EVERYONE,
            f"{STUDIO} AND user_id = (SELECT app_user_id())",
            f"{STUDIO} AND user_id = (SELECT app_user_id())",
        ),
        (
            "clears_own",
            "DELETE",
            "studiosync_admin, studiosync_desk",
            f"{STUDIO} AND user_id = (SELECT app_user_id())",
            None,
        ),
        ("raises", "INSERT", EVERYONE, "", STUDIO),
    ],
    "audit_log": [
        ("admin_reads", "SELECT", "studiosync_admin", STUDIO, None),
    ],
}


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


def policy(table: str, name: str, command: str, roles: str, using: str, check: str | None) -> str:
    sql = f"CREATE POLICY {name} ON {table} AS PERMISSIVE FOR {command} TO {roles}"
    if using:
        sql += f" USING ({using})"
    if check:
        sql += f" WITH CHECK ({check})"
    return sql


def secure_table(table: str, columns: set[str]) -> None:
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"REVOKE ALL ON {table} FROM PUBLIC")
    if table == "audit_log":
        op.execute(f"GRANT SELECT ON {table} TO studiosync_admin")
    elif table == "studios":
        op.execute(f"GRANT SELECT ON {table} TO {EVERYONE}")
        op.execute(f"GRANT UPDATE ON {table} TO studiosync_admin")
    else:
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {STAFF}")
        if table in TEACHER_READS:
            op.execute(f"GRANT SELECT ON {table} TO studiosync_teacher")
        if table in TEACHER_WRITES:
            op.execute(f"GRANT {TEACHER_WRITES[table]} ON {table} TO studiosync_teacher")

    rules = SPECIFIC.get(table, [])
    for name, command, roles, using, check in rules:
        op.execute(policy(table, name, command, roles, using, check))
    if table in SPECIFIC and table in MESSAGING + ("studios", "users", "audit_log"):
        return
    if "studio_id" in columns:
        op.execute(policy(table, "staff_studio", "ALL", STAFF, STUDIO, STUDIO))
        if table in TEACHER_READS and not any(r[2].endswith("teacher") for r in rules):
            op.execute(
                policy(table, "teacher_studio", "SELECT", "studiosync_teacher", STUDIO, None)
            )
    else:
        parent = CHILD_OF.get(table, "true")
        op.execute(policy(table, "staff_parent", "ALL", STAFF, parent, parent))
        if table in TEACHER_READS:
            op.execute(
                policy(table, "teacher_parent", "SELECT", "studiosync_teacher", parent, None)
            )


def audit_table(table: str, columns: set[str]) -> None:
    key = "id" if "id" in columns else ""
    for event, refs in (
        ("INSERT", "NEW TABLE AS new_rows"),
        ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
        ("DELETE", "OLD TABLE AS old_rows"),
    ):
        op.execute(
            f"CREATE TRIGGER trg_{table}_audit_{event.lower()} AFTER {event} ON {table} "
            f"REFERENCING {refs} FOR EACH STATEMENT EXECUTE FUNCTION audit_changes('{key}')"
        )


# Derived and bookkeeping tables are not business data of their own.
NOT_AUDITED = ("alembic_version", "audit_log", "lesson_attendance", "room_occupancy")


def upgrade() -> None:
    for group in GROUPS:
        op.execute(
            f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{group}') "
            f"THEN CREATE ROLE {group} NOLOGIN; END IF; END $$"
        )
    op.execute(f"GRANT USAGE ON SCHEMA public TO {EVERYONE}")
    op.add_column(
        "users",
        sa.Column(
            "must_change_password", sa.Boolean(), server_default=sa.text("false"), nullable=False
        ),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column(
            "at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("studio_id", sa.UUID(), nullable=True),
        sa.Column("db_role", sa.String(length=63), nullable=False),
        sa.Column("user_id", sa.UUID(), nullable=True),
        sa.Column("table_name", sa.String(length=63), nullable=False),
        sa.Column("row_id", sa.UUID(), nullable=True),
        sa.Column("action", sa.String(length=6), nullable=False),
        sa.Column("old", sa.dialects.postgresql.JSONB(), nullable=True),
        sa.Column("new", sa.dialects.postgresql.JSONB(), nullable=True),
        sa.CheckConstraint(
            "action IN ('insert', 'update', 'delete')", name=op.f("ck_audit_log_action_allowed")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index("ix_audit_log_table_name_row_id", "audit_log", ["table_name", "row_id"])
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_user_id_at", "audit_log", ["user_id", "at"])
    op.execute(FUNCTIONS)
    # Managing logins is for admins (the functions check it again); the app_* helpers only
    # tell a caller about themselves and stay callable by everyone.
    admin_only = (
        "studiosync_create_login(uuid, text, text, text)",
        "studiosync_set_staff_role(uuid, text)",
        "studiosync_set_login_enabled(uuid, boolean)",
        "studiosync_reset_password(uuid, text)",
    )
    for signature in admin_only:
        op.execute(f"REVOKE EXECUTE ON FUNCTION {signature} FROM PUBLIC")
        op.execute(f"GRANT EXECUTE ON FUNCTION {signature} TO studiosync_admin")
    # Statement-level trigger functions keep derived tables, totals and notifications in
    # step whoever changes a row, so they run with the owner's rights (a trigger function
    # cannot be called directly, so this opens nothing else). Row-level ones stay with the
    # caller's rights: a SET clause on a function called per row costs seconds in bulk.
    op.execute(
        "DO $$ DECLARE f record; BEGIN FOR f IN SELECT p.oid::regprocedure AS sig FROM pg_proc p"
        " JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = current_schema()"
        " AND p.prorettype = 'trigger'::regtype AND NOT p.prosecdef"
        " AND EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgfoid = p.oid AND t.tgtype & 1 = 0)"
        " AND NOT EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgfoid = p.oid AND t.tgtype & 1 = 1)"
        " LOOP"
        " EXECUTE format('ALTER FUNCTION %s SECURITY DEFINER SET search_path = public, pg_temp',"
        " f.sig); END LOOP; END $$"
    )
    columns = table_columns()
    for table in sorted(columns):
        if table in NOT_SECURED:
            continue
        secure_table(table, columns[table])
        if table not in NOT_AUDITED:
            audit_table(table, columns[table])
    op.execute("REVOKE ALL ON alembic_version FROM PUBLIC")
    op.execute(f"GRANT SELECT ON alembic_version TO {EVERYONE}")


def downgrade() -> None:
    columns = table_columns()
    for table in sorted(columns):
        if table in NOT_SECURED or table == "audit_log":
            continue
        if table not in NOT_AUDITED:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS trg_{table}_audit_{event} ON {table}")
        for (name,) in (
            op.get_bind()
            .execute(
                sa.text("SELECT policyname FROM pg_policies WHERE tablename = :t"), {"t": table}
            )
            .all()
        ):
            op.execute(f"DROP POLICY {name} ON {table}")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
        op.execute(f"REVOKE ALL ON {table} FROM {EVERYONE}")
    op.execute(
        "DO $$ DECLARE f record; BEGIN FOR f IN SELECT p.oid::regprocedure AS sig FROM pg_proc p"
        " JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = current_schema()"
        " AND p.prorettype = 'trigger'::regtype LOOP"
        " EXECUTE format('ALTER FUNCTION %s SECURITY INVOKER RESET search_path', f.sig);"
        " END LOOP; END $$"
    )
    op.drop_table("audit_log")
    op.execute(DROP_FUNCTIONS)
    op.drop_column("users", "must_change_password")
    op.execute(f"REVOKE ALL ON alembic_version FROM {EVERYONE}")
    op.execute(f"REVOKE USAGE ON SCHEMA public FROM {EVERYONE}")
