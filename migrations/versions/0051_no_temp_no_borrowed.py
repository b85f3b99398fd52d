"""What a login could bend from psql, closed as classes: objects standing in for the studio's,
a login row naming someone else's role, and a NULL in the clash check's lessons to ignore.

Reviewed by hand. Found by attacking 0048-0050 as the desk's, an admin's and a teacher's own
login (tests/test_attack_findings.py):

1. Temp objects. About twenty trigger functions (room_reservations_compute_cost,
   invoice_lines_guard, invoices_compute_totals, pay_lines_guard...) run as the caller without
   a search_path of their own. With pg_temp first in its search_path, the desk's temp table
   `practice_rooms` (every rate 0) made a three-hour booking cost 0.00, and a temp `invoices`
   (every status 'draft') let it reprice a line of an issued invoice. Setting a search_path on
   every such function costs 10-20 % on bulk updates and misses the next one written; instead
   no login may have temp objects at all: TEMPORARY on the database is revoked from PUBLIC
   (the app never makes temp tables as a login; the owner's demo build keeps the owner's
   right). The public schema takes no one's objects either (PostgreSQL 15's default, made
   explicit for 14). A restore recreates the database, so `restored_logins.relink` revokes
   it again.
2. Borrowed logins. An admin may write users rows of the studio (policy admin_all), including
   `db_role`: naming the server's superuser or the database owner in a student's row made the
   owner answer as that student in 0048's probes (nothing, in every studio), and naming a
   login whose row was deleted made it this studio's. A login is linked only by the owner's
   functions (studiosync_create_login, studiosync_restore_login...): a row's `db_role` set or
   changed by anyone else is refused (clearing it is not).
3. `studiosync_clashes(..., exclude)`: `NOT (l.id = ANY(exclude))` is NULL for a NULL array or
   one holding a NULL, so every teacher and person clash was hidden. Now a NULL is nothing to
   ignore.

Revision ID: 0051_no_temp_no_borrowed
Revises: 0050_owner_check_catalog
Create Date: 2026-12-07 01:00:00
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from alembic import op

revision: str = "0051_no_temp_no_borrowed"
down_revision: str | None = "0050_owner_check_catalog"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NO_TEMP = """
DO $$
BEGIN
    EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
    BEGIN
        REVOKE CREATE ON SCHEMA public FROM PUBLIC;
    EXCEPTION WHEN insufficient_privilege THEN
        NULL;  -- 14: the schema is the superuser's; 15 and later have revoked it already
    END;
END
$$;
"""
TEMP_AGAIN = """
DO $$
BEGIN
    EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO PUBLIC', current_database());
END
$$;
"""

LOGIN_LINK = """
CREATE FUNCTION users_login_link_guard() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
BEGIN
    -- Only the table's owner (the login functions run as it) links a person to a login.
    IF NEW.db_role IS NOT NULL
       AND (TG_OP = 'INSERT' OR NEW.db_role IS DISTINCT FROM OLD.db_role)
       AND NOT pg_has_role(current_user,
                           (SELECT c.relowner FROM pg_class c WHERE c.oid = TG_RELID), 'MEMBER')
    THEN
        RAISE EXCEPTION 'A person is given a login only through Staff logins.'
            USING ERRCODE = '42501';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER trg_users_login_link BEFORE INSERT OR UPDATE OF db_role ON users
    FOR EACH ROW EXECUTE FUNCTION users_login_link_guard();
"""


def _earlier(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name(f"{name}.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _clashes_ignoring_nulls() -> str:
    """0048's clash check, a NULL (or NULLs) in `exclude` read as nothing to ignore."""
    text: str = _earlier("0048_desk_probes").CLASHES
    first = "BEGIN\n"
    assert text.count(first) == 1
    return text.replace(
        first, first + "    exclude := coalesce(array_remove(exclude, NULL), '{}');\n"
    )


def upgrade() -> None:
    op.execute(NO_TEMP)
    op.execute(LOGIN_LINK)
    # CREATE OR REPLACE keeps the grants, and 0048's options come with the text.
    op.execute(_clashes_ignoring_nulls())


def downgrade() -> None:
    op.execute(_earlier("0048_desk_probes").CLASHES)
    op.execute("DROP TRIGGER trg_users_login_link ON users")
    op.execute("DROP FUNCTION users_login_link_guard()")
    op.execute(TEMP_AGAIN)
