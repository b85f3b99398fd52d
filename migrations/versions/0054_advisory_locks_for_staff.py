"""Advisory locks for the logins that run the studio's jobs: no teacher can hold one.

Reviewed by hand.

The app decides which desk does a job with PostgreSQL advisory locks: one sender of the
studio's email, one round of outside calendars, one booking of a teacher's or a room's time at
a time, one charge of a Stripe attempt. Their keys are in the source and built from ids a
teacher can read, and every login could call `pg_advisory_lock`: a teacher's login, in psql,
could hold the email sender's key for as long as it liked, and no desk ever sent the studio's
mail again ("another desk is sending"). The lock functions are PostgreSQL's own: only a
superuser may change who runs them. Run as one (the embedded server's owner, or the server's
postgres for a shared server), this takes EXECUTE on the sixteen lock-taking functions from
PUBLIC and gives it to admins, the desk and the database's owner; run by an owner who is not
a superuser it changes nothing and says so. `studiosync users relink` (after a restore) runs it
again.

Revision ID: 0054_advisory_locks_for_staff
Revises: 0053_users_by_name
Create Date: 2026-12-07 03:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0054_advisory_locks_for_staff"
down_revision: str | None = "0053_users_by_name"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LOCK_FUNCTIONS = """
    SELECT p.oid::regprocedure FROM pg_proc p
     WHERE p.pronamespace = 'pg_catalog'::regnamespace
       AND p.proname ~ '^pg_(try_)?advisory_(xact_)?lock(_shared)?$'
"""

FOR_STAFF = f"""
CREATE FUNCTION studiosync_advisory_locks_for_staff() RETURNS boolean
LANGUAGE plpgsql SET search_path = pg_catalog AS $$
DECLARE
    f regprocedure;
    owner name := (SELECT pg_get_userbyid(d.datdba) FROM pg_database d
                    WHERE d.datname = current_database());
BEGIN
    IF NOT (SELECT r.rolsuper FROM pg_roles r WHERE r.rolname = current_user) THEN
        RAISE NOTICE 'Any login may take advisory locks: only a superuser can close them '
                     'to teachers (run studiosync db upgrade or users relink as one).';
        RETURN false;
    END IF;
    FOR f IN {LOCK_FUNCTIONS} LOOP
        EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', f);
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO studiosync_admin, studiosync_desk, %I',
                       f, owner);
    END LOOP;
    RETURN true;
END
$$;
REVOKE ALL ON FUNCTION studiosync_advisory_locks_for_staff() FROM PUBLIC;
SELECT studiosync_advisory_locks_for_staff();
"""

FOR_EVERYONE = f"""
DO $$
DECLARE
    f regprocedure;
BEGIN
    IF (SELECT r.rolsuper FROM pg_roles r WHERE r.rolname = current_user) THEN
        FOR f IN {LOCK_FUNCTIONS} LOOP
            EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO PUBLIC', f);
        END LOOP;
    END IF;
END
$$;
DROP FUNCTION studiosync_advisory_locks_for_staff();
"""


def upgrade() -> None:
    op.execute(FOR_STAFF)


def downgrade() -> None:
    op.execute(FOR_EVERYONE)
