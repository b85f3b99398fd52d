"""No input or date breaks a screen: every text column has its length, every date its range.

Reviewed by hand. The limits are `studiosync_desktop.limits` (stated once; the input schemas
and the desk's fields use the same): a CHECK per `text` column on `char_length` (varchar
columns carry theirs already; the SCRAM verifier of `login_verifiers` is not typed and is left
out), a CHECK per date a person types or the app writes from one (1 Jan 1900 to 31 Dec 2199:
far from the years 1 and 9999 where the week, the month and a person's page overflowed), and
bounds for typed amounts and quantities. NUL needs no constraint: PostgreSQL text cannot hold
one, and the schemas refuse it with a sentence.

A real studio's existing rows: a constraint whose rows all pass is added and validated; where
some row breaks it (a year-1 lesson typed before this revision, a 30,000-character note), it is
added NOT VALID, so every new or changed row is checked while the old rows stay as they are,
and the log says which constraint and how many rows. Nothing is changed or removed by the
upgrade, so it cannot fail on a studio's data; `VALIDATE CONSTRAINT` once the rows are fixed.

Revision ID: 0026_input_limits
Revises: 0025_availability
Create Date: 2026-12-06 18:30:00
"""

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from studiosync_desktop.limits import column_checks

revision: str = "0026_input_limits"
down_revision: str | Sequence[str] | None = "0025_availability"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")


def upgrade() -> None:
    bind = op.get_bind()
    for check in column_checks():
        broken = bind.execute(
            sa.text(f"SELECT count(*) FROM {check.table} WHERE NOT ({check.sql})")
        ).scalar_one()
        not_valid = " NOT VALID" if broken else ""
        if broken:
            log.warning(
                "%s: %d existing row(s) of %s outside the limit are kept; new rows are checked",
                check.name,
                broken,
                check.table,
            )
        op.execute(
            f"ALTER TABLE {check.table} ADD CONSTRAINT {check.name} CHECK ({check.sql}){not_valid}"
        )


def downgrade() -> None:
    for check in reversed(column_checks()):
        op.execute(f"ALTER TABLE {check.table} DROP CONSTRAINT IF EXISTS {check.name}")
