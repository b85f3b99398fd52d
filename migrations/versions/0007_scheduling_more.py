"""Scheduling, second part: the calendar's week index.

Reviewed by hand:
- ix_lessons_studio_id_scheduled_start: the week view reads one studio's lessons by start
  time; with only (scheduled_start) and (studio_id) apart the planner had to AND two bitmaps,
  the second one over every lesson of the studio.

Revision ID: 0007_scheduling_more
Revises: 0003_scheduling
Create Date: 2026-11-26 07:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007_scheduling_more"
down_revision: str | None = "0003_scheduling"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_lessons_studio_id_scheduled_start",
        "lessons",
        ["studio_id", "scheduled_start"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_lessons_studio_id_scheduled_start", table_name="lessons")
