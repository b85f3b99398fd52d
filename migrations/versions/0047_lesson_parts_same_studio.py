"""A lesson's teacher, student, band and room are of the lesson's own studio.

Reviewed by hand. Row security checks a row's own `studio_id`; a foreign key's check reads
past it. On a database holding two studios (0013 allows it), the desk's own login in psql
inserted a lesson of its studio with the other studio's teacher: the exclusion constraint
then kept that teacher busy for the other studio's desks (and its refusal told the first
desk when the teacher was busy there). The booking statement joins each part on its studio;
the table did not.

`studiosync_same_studio(column, table, ...)`: one trigger function for any table whose rows
point at other studio rows, the pairs given as the trigger's arguments; it reads past row
security (SECURITY DEFINER) and only compares studio ids. On lessons now; the other 80-odd
such foreign keys are listed for the lead (a composite foreign key per pair is the lasting
form).

Revision ID: 0047_lesson_parts_same_studio
Revises: 0046_studio_zone_known
Create Date: 2026-12-06 22:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0047_lesson_parts_same_studio"
down_revision: str | None = "0046_studio_zone_known"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PARTS = ("teacher_id", "teachers", "student_id", "students", "band_id", "bands", "room_id",
         "practice_rooms")  # fmt: skip


def upgrade() -> None:
    op.execute("""
    CREATE FUNCTION studiosync_same_studio() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
    DECLARE
        row_values jsonb := to_jsonb(NEW);
        part uuid;
        theirs uuid;
    BEGIN
        FOR n IN 0 .. TG_NARGS / 2 - 1 LOOP
            part := CAST(row_values ->> TG_ARGV[2 * n] AS uuid);
            CONTINUE WHEN part IS NULL;
            EXECUTE format('SELECT studio_id FROM %I WHERE id = $1', TG_ARGV[2 * n + 1])
               INTO theirs USING part;
            IF theirs IS DISTINCT FROM NEW.studio_id THEN
                RAISE EXCEPTION 'A % row may name its own studio''s % only.',
                    TG_TABLE_NAME, replace(TG_ARGV[2 * n + 1], '_', ' ')
                    USING ERRCODE = '42501';
            END IF;
        END LOOP;
        RETURN NEW;
    END;
    $$;
    REVOKE ALL ON FUNCTION studiosync_same_studio() FROM PUBLIC;
    """)
    args = ", ".join(f"'{a}'" for a in PARTS)
    columns = ", ".join(["studio_id", *PARTS[::2]])
    op.execute(
        f"CREATE TRIGGER lessons_same_studio BEFORE INSERT OR UPDATE OF {columns} ON lessons"
        f" FOR EACH ROW EXECUTE FUNCTION studiosync_same_studio({args})"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER lessons_same_studio ON lessons")
    op.execute("DROP FUNCTION studiosync_same_studio()")
