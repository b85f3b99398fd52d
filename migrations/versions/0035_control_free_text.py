"""The database refuses invisible control characters in every text a person types.

Reviewed by hand. The input schemas refuse C0 control characters other than tab, new line and
carriage return (and DEL) with a sentence next to the field; PostgreSQL refused only NUL, so a
write that did not pass through a schema (psql with the desk's own login, a script) could
store a bell or an escape sequence that every screen then showed. Now one IMMUTABLE function
(`limits.CONTROL_FREE_FUNCTION`) is the CHECK of every `text` and `varchar` column of the
schema, except the machine columns of `limits.NOT_TYPED` (verifiers, audit, server answers)
and the generated search columns.

A studio's existing rows: a value that would fail is cleaned first (its control characters
removed; tab, new line and carriage return stay), with the table's own triggers off for that
update only, so the cleaning sends no email, rings no live update and leaves issued invoices'
guards alone; the log says which column and how many rows. Then every constraint is added
and validated.

Revision ID: 0035_control_free_text
Revises: 0034_news_consent
Create Date: 2026-12-06 21:00:00
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from studiosync_desktop.limits import (
    CONTROL_CHARACTERS,
    CONTROL_FREE_FUNCTION,
    NOT_TYPED,
    control_free_check_name,
)

revision: str = "0035_control_free_text"
down_revision: str | None = "0034_news_consent"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")

# Every writing login calls it through a CHECK, so it keeps PostgreSQL's default EXECUTE for
# PUBLIC (it reads nothing, only its argument).
FUNCTION = f"""
CREATE FUNCTION {CONTROL_FREE_FUNCTION}(value text) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN value !~ '{CONTROL_CHARACTERS}'
"""


def _typed_columns(bind: sa.Connection) -> list[tuple[str, str]]:
    rows = bind.execute(
        sa.text(
            "SELECT c.table_name, c.column_name FROM information_schema.columns c"
            " JOIN information_schema.tables t USING (table_schema, table_name)"
            " WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'"
            " AND c.data_type IN ('text', 'character varying') AND c.is_generated = 'NEVER'"
            " AND c.table_name <> 'alembic_version'"
            " ORDER BY c.table_name, c.column_name"
        )
    ).all()
    return [(t, c) for t, c in rows if c not in NOT_TYPED.get(t, ())]


def _clean(bind: sa.Connection, table: str, column: str) -> None:
    column = f'"{column}"'
    broken = f"{column} ~ '{CONTROL_CHARACTERS}'"
    count = bind.execute(sa.text(f"SELECT count(*) FROM {table} WHERE {broken}")).scalar_one()
    if not count:
        return
    log.warning("%s.%s: control characters removed from %d row(s)", table, column, count)
    op.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
    op.execute(
        f"UPDATE {table} SET {column} = regexp_replace({column}, '{CONTROL_CHARACTERS}', '', 'g')"
        f" WHERE {broken}"
    )
    op.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")


def upgrade() -> None:
    bind = op.get_bind()
    op.execute(FUNCTION)
    for table, column in _typed_columns(bind):
        _clean(bind, table, column)
        op.execute(
            f"ALTER TABLE {table} ADD CONSTRAINT {control_free_check_name(table, column)}"
            f' CHECK ({CONTROL_FREE_FUNCTION}("{column}"))'
        )


def downgrade() -> None:
    bind = op.get_bind()
    for table, column in _typed_columns(bind):
        op.execute(
            f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS"
            f" {control_free_check_name(table, column)}"
        )
    op.execute(f"DROP FUNCTION {CONTROL_FREE_FUNCTION}(text)")
