"""Every string of a JSON column a person types into refuses control characters too.

Reviewed by hand. 0035 checked every `text` and `varchar` column, but a teacher's own login
in psql still stored a bell and an escape sequence in `lesson_notes.strengths` (a JSON list
of what the teacher typed), and the desk's in `students.specialties`: the check saw no JSON
column. Now `studiosync_control_free_json(jsonb)` (IMMUTABLE: two JSON path searches over
every string and every object key, with 0035's character class) is the CHECK of every
`jsonb` column but the machine ones of `limits.NOT_TYPED_JSON`, named like 0035's so a
refusal is the same sentence next to its field.

A studio's existing rows: a value that would fail is cleaned first (its strings' and keys'
control characters removed, tab, new line and carriage return kept) with the table's own
triggers off for that update only, as 0035 did.

Revision ID: 0044_control_free_json
Revises: 0043_studio_bounds
Create Date: 2026-12-06 22:05:00
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from studiosync_desktop.limits import (
    CONTROL_CHARACTERS,
    CONTROL_FREE_JSON_FUNCTION,
    NOT_TYPED_JSON,
    control_free_check_name,
)

revision: str = "0044_control_free_json"
down_revision: str | None = "0043_studio_bounds"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")

# Inside a JSON path string a backslash is written twice.
_PATTERN = CONTROL_CHARACTERS.replace("\\", "\\\\")

# Every writing login calls it through a CHECK: PostgreSQL's default EXECUTE for PUBLIC.
FUNCTION = f"""
CREATE FUNCTION {CONTROL_FREE_JSON_FUNCTION}(value jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN NOT jsonb_path_exists(
           value, 'strict $.** ? (@.type() == "string" && @ like_regex "{_PATTERN}")')
   AND NOT jsonb_path_exists(
           value,
           'strict $.** ? (@.type() == "object").keyvalue() ? (@.key like_regex "{_PATTERN}")')
"""

# For the cleaning only, dropped at the end.
STRIP = f"""
CREATE FUNCTION studiosync_strip_controls(value jsonb) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    RETURN CASE jsonb_typeof(value)
        WHEN 'string' THEN
            to_jsonb(regexp_replace(value #>> '{{}}', '{CONTROL_CHARACTERS}', '', 'g'))
        WHEN 'array' THEN coalesce(
            (SELECT jsonb_agg(studiosync_strip_controls(e) ORDER BY n)
               FROM jsonb_array_elements(value) WITH ORDINALITY AS a(e, n)), '[]'::jsonb)
        WHEN 'object' THEN coalesce(
            (SELECT jsonb_object_agg(regexp_replace(k, '{CONTROL_CHARACTERS}', '', 'g'),
                                     studiosync_strip_controls(e))
               FROM jsonb_each(value) AS o(k, e)), '{{}}'::jsonb)
        ELSE value END;
END
$$
"""


def _json_columns(bind: sa.Connection) -> list[tuple[str, str]]:
    rows = bind.execute(
        sa.text(
            "SELECT c.table_name, c.column_name FROM information_schema.columns c"
            " JOIN information_schema.tables t USING (table_schema, table_name)"
            " WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'"
            " AND c.data_type = 'jsonb' AND c.is_generated = 'NEVER'"
            " ORDER BY c.table_name, c.column_name"
        )
    ).all()
    return [(t, c) for t, c in rows if c not in NOT_TYPED_JSON.get(t, ())]


def upgrade() -> None:
    bind = op.get_bind()
    op.execute(FUNCTION)
    op.execute(STRIP)
    for table, column in _json_columns(bind):
        broken = f'NOT {CONTROL_FREE_JSON_FUNCTION}("{column}")'
        count = bind.execute(sa.text(f"SELECT count(*) FROM {table} WHERE {broken}")).scalar_one()
        if count:
            log.warning("%s.%s: control characters removed from %d row(s)", table, column, count)
            op.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
            op.execute(
                f'UPDATE {table} SET "{column}" = studiosync_strip_controls("{column}")'
                f" WHERE {broken}"
            )
            op.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
        op.execute(
            f"ALTER TABLE {table} ADD CONSTRAINT {control_free_check_name(table, column)}"
            f' CHECK ({CONTROL_FREE_JSON_FUNCTION}("{column}"))'
        )
    op.execute("DROP FUNCTION studiosync_strip_controls(jsonb)")


def downgrade() -> None:
    bind = op.get_bind()
    for table, column in _json_columns(bind):
        op.execute(
            f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS"
            f" {control_free_check_name(table, column)}"
        )
    op.execute(f"DROP FUNCTION {CONTROL_FREE_JSON_FUNCTION}(jsonb)")
