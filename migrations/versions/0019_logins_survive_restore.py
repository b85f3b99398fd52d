"""Staff logins survive a backup: each login's SCRAM verifier is kept in the database.

Reviewed by hand.

A restored backup (a new server, a copy under another name) left every staff member unable to
log in: PostgreSQL keeps logins and their passwords outside the database, so pg_dump carries
neither, and the login role names carry a hash of the database name. The functions that set
a password (making a login, an admin's reset, a person's own change) now also keep its SCRAM
verifier in `login_verifiers` (one per person; no login may read it, only the owner's
functions), so the dump carries it. `studiosync_restore_login(person, login)`, run by the
owner after a restore, makes the person's login for this database's name again with that
verifier: their own password works as before. Logins made before this revision get their
verifier from pg_authid when the migration runs as a superuser (the embedded server, any
owner that is one); otherwise the next password change or reset stores it.

Why keep the database hash in login names rather than drop it: login roles are server-wide,
so two studio databases on one server (a studio and its test copy, or two schools) would
otherwise share a person's login and password, and one studio's admin could reset the other's.

Revision ID: 0019_logins_survive_restore
Revises: 0018_stripe_attempts
Create Date: 2026-12-06 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from studiosync_desktop.permission_matrix import function_grant_statements, grant_statements

revision: str = "0019_logins_survive_restore"
down_revision: str | Sequence[str] | None = "0018_stripe_attempts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Where each password-setting function keeps the verifier (empty in the downgrade: 0010's).
KEEP = """
    INSERT INTO login_verifiers (user_id, verifier) VALUES ({who}, verifier)
    ON CONFLICT (user_id) DO UPDATE SET verifier = EXCLUDED.verifier, updated_at = now();"""

# 0010's three functions, with the verifier kept.
PASSWORD_FUNCTIONS = """
CREATE OR REPLACE FUNCTION studiosync_create_login(person uuid, login text, verifier text, grp text)
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
     WHERE id = person;{keep_person}
    RETURN login;
END;
$$;
CREATE OR REPLACE FUNCTION studiosync_reset_password(person uuid, verifier text)
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
    UPDATE users SET must_change_password = true WHERE id = person;{keep_person}
END;
$$;
CREATE OR REPLACE FUNCTION studiosync_change_own_password(verifier text)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF app_user_id() IS NULL THEN
        RAISE EXCEPTION 'no active account for %', session_user USING ERRCODE = '42501';
    END IF;
    EXECUTE format('ALTER ROLE %I WITH PASSWORD %L', session_user, verifier);
    UPDATE users SET must_change_password = false WHERE db_role = session_user;{keep_self}
END;
$$;
"""

RESTORE_LOGIN = """
-- After a restore, as the owner: the person's login for this database's name, with their own
-- password when its verifier was kept (true), or none until an admin resets it (false).
CREATE FUNCTION studiosync_restore_login(person uuid, login text) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    target users%ROWTYPE;
    secret text;
BEGIN
    IF NOT app_is_owner() THEN
        RAISE EXCEPTION 'only the database owner makes the logins of a restored database'
            USING ERRCODE = '42501';
    END IF;
    IF login !~ '^ss_[a-z0-9_]{3,60}$' THEN
        RAISE EXCEPTION 'invalid login role name %', login USING ERRCODE = '22023';
    END IF;
    SELECT * INTO target FROM users WHERE id = person FOR UPDATE;
    IF NOT FOUND OR target.role NOT IN ('admin', 'desk', 'teacher') THEN
        RAISE EXCEPTION 'no such staff member' USING ERRCODE = 'P0002';
    END IF;
    SELECT verifier INTO secret FROM login_verifiers WHERE user_id = person;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = login) THEN
        EXECUTE format('CREATE ROLE %I NOLOGIN', login);
    END IF;
    EXECUTE format('ALTER ROLE %I WITH %s PASSWORD %L', login,
                   CASE WHEN target.is_active THEN 'LOGIN' ELSE 'NOLOGIN' END, secret);
    EXECUTE format('REVOKE studiosync_admin, studiosync_desk, studiosync_teacher FROM %I', login);
    IF target.is_active THEN
        EXECUTE format('GRANT %I TO %I', 'studiosync_' || target.role, login);
    END IF;
    -- Unchanged when restored under its own name: the row (and its updated_at) stays as dumped.
    UPDATE users SET db_role = login,
                     must_change_password = must_change_password OR secret IS NULL
     WHERE id = person
       AND (db_role IS DISTINCT FROM login OR (secret IS NULL AND NOT must_change_password));
    RETURN secret IS NOT NULL;
END;
$$;
"""

# Logins made before this revision: their verifiers, when the migration may read pg_authid.
BACKFILL = """
DO $$ BEGIN
    IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        INSERT INTO login_verifiers (user_id, verifier)
        SELECT u.id, a.rolpassword FROM users u JOIN pg_authid a ON a.rolname = u.db_role
         WHERE a.rolpassword LIKE 'SCRAM-SHA-256$%'
        ON CONFLICT (user_id) DO NOTHING;
    END IF;
END $$
"""


def password_functions(keep: bool) -> str:
    return PASSWORD_FUNCTIONS.replace(
        "{keep_person}", KEEP.format(who="person") if keep else ""
    ).replace("{keep_self}", KEEP.format(who="app_user_id()") if keep else "")


def upgrade() -> None:
    op.create_table(
        "login_verifiers",
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("verifier", sa.Text(), nullable=False),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.CheckConstraint("verifier LIKE 'SCRAM-SHA-256$%'", name=op.f("ck_login_verifiers_scram")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_login_verifiers_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_login_verifiers")),
    )
    op.execute("ALTER TABLE login_verifiers ENABLE ROW LEVEL SECURITY")
    for statement in grant_statements({"login_verifiers": {"user_id", "verifier", "updated_at"}}):
        op.execute(statement)
    op.execute(password_functions(keep=True))
    op.execute(RESTORE_LOGIN)
    for statement in function_grant_statements():
        op.execute(statement)
    op.execute(BACKFILL)


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS studiosync_restore_login(uuid, text)")
    op.execute(password_functions(keep=False))
    op.drop_table("login_verifiers")
