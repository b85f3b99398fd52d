"""A teacher's outside calendar address is a secret: the desk no longer reads it.

Reviewed by hand. Found with the desk's own login in psql: `SELECT url FROM calendar_feeds`
listed every teacher's private iCal address (anyone with it reads the teacher's calendar,
titles and all). Now the desk and teachers read every column of a feed but `url`
(`FEED_COLUMNS` of the permission matrix); whether a feed has an address at all is the
generated column `has_address`. The address is read through `studiosync_feed_urls(uuid[])`,
which gives an admin (and the owner) every address, a teacher their own feeds' addresses, and
the desk only those of room and whole-studio calendars (the studio's own, which the desk
keeps). Writing an address (adding a feed) stays allowed: a password may be set without
being read back.

Revision ID: 0037_feed_secret
Revises: 0036_trusted_mail_certificate
Create Date: 2026-12-06 21:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from studiosync_desktop.permission_matrix import function_grant_statements, grant_statements

revision: str = "0037_feed_secret"
down_revision: str | None = "0036_trusted_mail_certificate"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _regrant() -> None:
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
    op.execute(
        "ALTER TABLE calendar_feeds ADD COLUMN has_address boolean"
        " GENERATED ALWAYS AS (url <> '') STORED NOT NULL"
    )
    op.execute("""
    CREATE FUNCTION studiosync_feed_urls(feeds uuid[]) RETURNS TABLE (feed_id uuid, url text)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
        SELECT f.id, f.url FROM calendar_feeds f
         WHERE f.id = ANY(feeds) AND f.url <> ''
           AND (app_is_owner()
                OR (f.studio_id = app_studio_id()
                    AND (app_role() = 'admin'
                         OR (app_role() = 'desk' AND f.teacher_id IS NULL)
                         OR (f.teacher_id IS NOT NULL AND f.teacher_id = app_teacher_id()))))
    $$
    """)
    for statement in function_grant_statements():
        op.execute(statement)
    _regrant()


def downgrade() -> None:
    op.execute("DROP FUNCTION studiosync_feed_urls(uuid[])")
    op.execute("ALTER TABLE calendar_feeds DROP COLUMN has_address")
    op.execute("GRANT SELECT ON calendar_feeds TO studiosync_desk, studiosync_teacher")
