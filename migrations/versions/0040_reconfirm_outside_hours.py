"""The desk (and an admin) may confirm again a lesson already booked outside hours.

Reviewed by hand. Found with the desk's own login: moving a lesson that was booked outside
the teacher's hours to another time outside them ("Move anyway", "Book anyway" on an edit)
failed with "permission denied for table booking_overrides": recording the new yes is an
upsert of the lesson's one confirmation, and ON CONFLICT DO UPDATE needs the UPDATE grant,
which only INSERT and SELECT were given. Now both may update who confirmed, when and over
what (`OVERRIDE_COLUMNS` of the permission matrix); the audit trail keeps the earlier yes.

Revision ID: 0040_reconfirm_outside_hours
Revises: 0039_cached_plans
Create Date: 2026-12-06 21:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from studiosync_desktop.permission_matrix import grant_statements

revision: str = "0040_reconfirm_outside_hours"
down_revision: str | None = "0039_cached_plans"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    columns = set(
        op.get_bind()
        .execute(
            sa.text(
                "SELECT column_name FROM information_schema.columns"
                " WHERE table_schema = current_schema() AND table_name = 'booking_overrides'"
            )
        )
        .scalars()
    )
    for statement in grant_statements({"booking_overrides": columns}):
        op.execute(statement)


def downgrade() -> None:
    op.execute("REVOKE UPDATE ON booking_overrides FROM studiosync_admin, studiosync_desk")
