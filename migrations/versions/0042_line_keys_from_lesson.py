"""An invoice line's teacher and instrument always come from its lesson, on every change.

Reviewed by hand.

0038 filled them when a line was made or its lesson changed; an UPDATE that set them and
nothing else kept what it set. The desk's own login in psql could so move a paid invoice's
revenue to another teacher or instrument (the frozen-lines guard does not list them). Now the
database works them out again from the lesson on every insert and update, whatever was set:
the lesson's teacher, and its student's instrument as it is then (a line changes rarely: a
draft edited, an invoice voided, its lesson given to another teacher).

Revision ID: 0042_line_keys_from_lesson
Revises: 0041_teacher_zone
Create Date: 2026-12-06 21:55:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0042_line_keys_from_lesson"
down_revision: str | None = "0041_teacher_zone"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("""
    DROP TRIGGER invoice_lines_record_keys ON invoice_line_items;
    CREATE TRIGGER invoice_lines_record_keys BEFORE INSERT OR UPDATE ON invoice_line_items
        FOR EACH ROW EXECUTE FUNCTION invoice_lines_record_keys();
    """)


def downgrade() -> None:
    op.execute("""
    DROP TRIGGER invoice_lines_record_keys ON invoice_line_items;
    CREATE TRIGGER invoice_lines_record_keys
        BEFORE INSERT OR UPDATE OF lesson_id ON invoice_line_items
        FOR EACH ROW EXECUTE FUNCTION invoice_lines_record_keys();
    """)
