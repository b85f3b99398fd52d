"""Students: the day a student left, kept by the database.

Reviewed by hand.

- `students.left_on`: set to today (in the studio's time zone) by a trigger when `is_active`
  turns false, cleared when it turns true again; so "active on a day" and "left this month"
  are facts, not guesses from `updated_at` (the day may be corrected while the student stays
  inactive). Students already inactive get the day of their
  last change, the best the database knows.

Revision ID: 0024_students_left_on
Revises: 0023_teacher_pay
Create Date: 2026-12-06 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024_students_left_on"
down_revision: str | Sequence[str] | None = "0023_teacher_pay"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("students", sa.Column("left_on", sa.Date(), nullable=True))
    op.execute(
        """
        UPDATE students s SET left_on = (s.updated_at AT TIME ZONE st.timezone)::date
          FROM studios st WHERE st.id = s.studio_id AND NOT s.is_active
        """
    )
    op.create_check_constraint(
        op.f("ck_students_left_only_when_inactive"),
        "students",
        "left_on IS NULL OR NOT is_active",
    )
    op.execute(
        """
        CREATE FUNCTION students_left_on() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
        BEGIN
            IF NEW.is_active THEN
                NEW.left_on := NULL;
            ELSIF TG_OP = 'INSERT' OR OLD.is_active THEN
                NEW.left_on := COALESCE(NEW.left_on, (now() AT TIME ZONE
                    (SELECT timezone FROM studios WHERE id = NEW.studio_id))::date);
            ELSE  -- still inactive: the leaving day may be corrected, not cleared
                NEW.left_on := COALESCE(NEW.left_on, OLD.left_on);
            END IF;
            RETURN NEW;
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER students_left_on BEFORE INSERT OR UPDATE OF is_active, left_on "
        "ON students FOR EACH ROW EXECUTE FUNCTION students_left_on()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER students_left_on ON students")
    op.execute("DROP FUNCTION students_left_on()")
    op.drop_constraint(op.f("ck_students_left_only_when_inactive"), "students", type_="check")
    op.drop_column("students", "left_on")
