"""A teacher's own time zone (empty: the studio's), for their outside calendars' floating times.

Reviewed by hand. An outside calendar's event without a zone (a "floating" time, as some
phones and Outlook write them) is the teacher's local time; teachers had no zone of their own
and such times were read in the studio's. `teachers.timezone` holds an IANA name or NULL (the
studio's). An admin and the desk set it with the teacher's profile (their UPDATE of
`teachers`); a teacher sets their own through `studiosync_set_teacher_zone(uuid, text)`,
which checks the name against the server's zones (a teacher has no UPDATE on `teachers`).

Revision ID: 0041_teacher_zone
Revises: 0040_reconfirm_outside_hours
Create Date: 2026-12-06 21:55:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from studiosync_desktop.limits import CONTROL_FREE_FUNCTION, control_free_check_name
from studiosync_desktop.permission_matrix import function_grant_statements

revision: str = "0041_teacher_zone"
down_revision: str | None = "0040_reconfirm_outside_hours"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("ALTER TABLE teachers ADD COLUMN timezone varchar(64)")
    op.execute(
        f"ALTER TABLE teachers ADD CONSTRAINT {control_free_check_name('teachers', 'timezone')}"
        f" CHECK ({CONTROL_FREE_FUNCTION}(timezone))"
    )
    op.execute("""
    CREATE FUNCTION studiosync_set_teacher_zone(teacher uuid, zone text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
    BEGIN
        IF NOT (app_is_owner() OR app_role() IN ('admin', 'desk')
                OR (app_role() = 'teacher' AND teacher = app_teacher_id())) THEN
            RAISE EXCEPTION 'A teacher sets their own time zone only.' USING ERRCODE = '42501';
        END IF;
        IF zone IS NOT NULL AND NOT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = zone)
        THEN
            RAISE EXCEPTION 'Unknown time zone: %', zone USING ERRCODE = '22023';
        END IF;
        UPDATE teachers SET timezone = zone
         WHERE id = teacher AND (app_is_owner() OR studio_id = app_studio_id());
        IF NOT FOUND THEN
            RAISE EXCEPTION 'No such teacher in this studio.' USING ERRCODE = 'P0002';
        END IF;
    END;
    $$
    """)
    for statement in function_grant_statements():
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP FUNCTION studiosync_set_teacher_zone(uuid, text)")
    op.execute("ALTER TABLE teachers DROP COLUMN timezone")
