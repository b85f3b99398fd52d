"""One studio per database: a second setup is refused by the database, not only the window.

Reviewed by hand.

Two desks running the setup wizard on an empty database at the same moment each made a
studio and an admin (the window checks for an empty database when it opens, long before
Finish). `studios.one_per_database` is true unless a studio is deliberately marked as an
extra one (the tests of one studio's privacy from another do), and a unique index on a
constant allows one such row: the second desk's insert waits for the first to commit, then is
refused (23505, `uq_studios_one_per_database`), and its whole setup, admin included, rolls
back. The oldest existing studio keeps the mark; any other existing one is marked extra.

Revision ID: 0013_one_studio
Revises: 0012_bulk_booking
Create Date: 2026-12-06 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_one_studio"
down_revision: str | Sequence[str] | None = "0012_bulk_booking"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "studios",
        sa.Column("one_per_database", sa.Boolean(), server_default=sa.text("true"), nullable=False),
    )
    op.execute(
        """
        UPDATE studios SET one_per_database = false
        WHERE id <> (SELECT id FROM studios ORDER BY created_at, id LIMIT 1)
        """
    )
    op.create_index(
        "uq_studios_one_per_database",
        "studios",
        [sa.text("(true)")],
        unique=True,
        postgresql_where=sa.text("one_per_database"),
    )


def downgrade() -> None:
    op.drop_index("uq_studios_one_per_database", table_name="studios")
    op.drop_column("studios", "one_per_database")
