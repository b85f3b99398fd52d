"""A studio's time zone is one the server knows.

Reviewed by hand. The settings form offers known zones only, but an admin's own login in
psql stored `studios.timezone = 'Mars/Olympus'`: since the studio context follows a zone
change live, every desk's clock fell back to UTC at once and showed every lesson hours off,
saying nothing. A teacher's own zone is checked this way since 0041
(`studiosync_set_teacher_zone`); the studio's now is too, by a trigger (a CHECK may not read
`pg_timezone_names`), refused as the check `ck_studios_timezone_known` next to the field.
Existing studios keep theirs (a trigger checks what is written from now on).

Revision ID: 0046_studio_zone_known
Revises: 0045_confirmed_by_self
Create Date: 2026-12-06 22:25:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0046_studio_zone_known"
down_revision: str | None = "0045_confirmed_by_self"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("""
    CREATE FUNCTION studios_timezone_known() RETURNS trigger
    LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
    BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = NEW.timezone) THEN
            RAISE EXCEPTION 'Unknown time zone: %', NEW.timezone
                USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_studios_timezone_known',
                      TABLE = 'studios', COLUMN = 'timezone';
        END IF;
        RETURN NEW;
    END;
    $$;
    CREATE TRIGGER studios_timezone_known BEFORE INSERT OR UPDATE OF timezone ON studios
        FOR EACH ROW EXECUTE FUNCTION studios_timezone_known();
    """)


def downgrade() -> None:
    op.execute("""
    DROP TRIGGER studios_timezone_known ON studios;
    DROP FUNCTION studios_timezone_known();
    """)
