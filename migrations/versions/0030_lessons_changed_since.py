"""Teacher pay: lessons changed since a time, found by an index.

Reviewed by hand.

A pay run's preview reads every lesson of earlier periods changed after the last run was
approved (its adjustments); without this index that is a scan of every lesson since the
studio's first pay run.

Revision ID: 0030_lessons_changed_since
Revises: 0029_marked_once_started
Create Date: 2026-12-12 09:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0030_lessons_changed_since"
down_revision: str | Sequence[str] | None = "0029_marked_once_started"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_lessons_studio_id_updated_at", "lessons", ["studio_id", "updated_at"])


def downgrade() -> None:
    op.drop_index("ix_lessons_studio_id_updated_at", table_name="lessons")
