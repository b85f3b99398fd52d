"""`app_is_owner()` reads the catalog by name: a temp table cannot make anyone the owner.

Reviewed by hand. Found as the desk's own login in psql (tests/test_attack_findings.py):
`app_is_owner()` (0010) is plain SQL without a search_path of its own and read `pg_roles` and
`pg_database` unqualified, so it resolved them through the caller's search_path. The guards
`lessons_marked_once_started` and `invoice_lines_on_drafts` (trigger functions, run as the
caller, no search_path) ask it when `studiosync.audit` is 'off' (the owner's bulk load of
history). The desk set that setting, made a temp table `pg_roles` holding its own name as a
superuser and put pg_temp first in its search_path:

    SET LOCAL studiosync.audit = 'off';
    CREATE TEMP TABLE pg_roles (rolname name, rolsuper boolean);
    INSERT INTO pg_roles VALUES (session_user, true);
    SET LOCAL search_path = pg_temp, pg_catalog, public;

and then marked a lesson two days ahead as taught, and added a line to a paid invoice.
The definer functions were not fooled (their own search_path puts pg_catalog first).

Now its body names `pg_catalog.pg_roles` and `pg_catalog.pg_database`; functions and
operators are never looked up in pg_temp. The function stays SQL without SET options, so it
is still inlined where it was. Downgrade restores 0010's body.

Revision ID: 0050_owner_check_catalog
Revises: 0049_teacher_students_loose_scan
Create Date: 2026-12-07 01:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0050_owner_check_catalog"
down_revision: str | None = "0049_teacher_students_loose_scan"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

QUALIFIED = """
CREATE OR REPLACE FUNCTION app_is_owner() RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = session_user AND rolsuper)
        OR session_user = (SELECT pg_catalog.pg_get_userbyid(datdba) FROM pg_catalog.pg_database
                            WHERE datname = pg_catalog.current_database())
$$;
"""

# 0010's body.
UNQUALIFIED = """
CREATE OR REPLACE FUNCTION app_is_owner() RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = session_user AND rolsuper)
        OR session_user = (SELECT pg_get_userbyid(datdba) FROM pg_database
                            WHERE datname = current_database())
$$;
"""


def upgrade() -> None:
    op.execute(QUALIFIED)


def downgrade() -> None:
    op.execute(UNQUALIFIED)
