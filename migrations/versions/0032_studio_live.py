"""The studio's own row is live: a change of its settings (the parts it uses, opening hours,
default lesson length, time zone, logo, accent colour) reaches every open desk, whose window
shows or hides the parts and re-reads the studio's hours and zone.

Reviewed by hand.

Revision ID: 0032_studio_live
Revises: 0031_teacher_students_index
Create Date: 2026-12-06 18:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0032_studio_live"
down_revision: str | None = "0031_teacher_students_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("""
    CREATE TRIGGER studios_live_update AFTER UPDATE ON studios
        REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION studiosync_notify_change();
    """)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS studios_live_update ON studios")
