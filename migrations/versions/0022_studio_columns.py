"""An administrator changes the studio's details and settings, never its one-studio mark.

Reviewed by hand. Found with the admin's own login in psql: `UPDATE studios SET
one_per_database = false` was allowed, after which a second setup on the same database made a
second studio (migration 0013's unique index only counts studios marked true). The admin's
UPDATE now lists the studio's columns (`STUDIO_COLUMNS` of the permission matrix) without it.

Revision ID: 0022_studio_columns
Revises: 0021_privacy
Create Date: 2026-12-06 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from studiosync_desktop.permission_matrix import grant_statements

revision: str = "0022_studio_columns"
down_revision: str | Sequence[str] | None = "0021_privacy"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    columns = set(
        op.get_bind()
        .execute(
            sa.text(
                "SELECT column_name FROM information_schema.columns"
                " WHERE table_schema = current_schema() AND table_name = 'studios'"
            )
        )
        .scalars()
    )
    for statement in grant_statements({"studios": columns}):
        op.execute(statement)


def downgrade() -> None:
    op.execute("GRANT UPDATE ON studios TO studiosync_admin")
