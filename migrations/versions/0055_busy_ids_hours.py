"""What the schedule and the audit trail rest on, kept out of a login's reach: the columns the
database computes for its constraints, every row's id, and the shape and size of JSON columns.

Reviewed by hand. Found by attacking 0054 as the desk's and a teacher's own login in psql:

1. Computed columns. `lessons.teacher_busy` (the range of ex_lessons_teacher_busy) was
   recomputed by its BEFORE trigger only on UPDATE OF teacher_id, scheduled_start,
   scheduled_end: the desk set it to 'empty' and booked a second lesson for the same teacher
   at the same time. `room_reservations.total_cost` was the same (UPDATE ... SET total_cost = 0
   kept). Both triggers now fire whenever the column itself is written too, so it is always
   what the trigger computes. The other computed columns are safe already: the invoices'
   totals and the lines' keys are recomputed on every write, `search_text`, `total_price` and
   `has_address` are generated, and room_occupancy and lesson_attendance (the rows the other
   exclusion constraints use) are written only by the definer triggers (logins only read them).
   Not every UPDATE: a past lesson's range keeps the buffer it was booked with (0024 changes
   only coming lessons'), and recomputing it on a status change would make old neighbours
   overlap.
2. Ids. audit_changes pairs the old and new rows of an UPDATE by `id` (booking_overrides by
   `lesson_id`): a teacher's `UPDATE teacher_hours SET id = gen_random_uuid(), start_time =
   '06:00' ...` left no audit entry at all. The app never changes a row's key, so no one may:
   one trigger function, BEFORE UPDATE OF the key on every table with an `id` (and on
   booking_overrides' `lesson_id`), refuses a changed key (42501). A new table with an id
   fails tests/test_schedule_holds.py until it has the trigger too.
3. JSON. `availability_exceptions.hours` was checked only for being a control-free array:
   `[["09:00"]]` made every desk's working-hours read (and every booking of that teacher)
   raise a ValueError, and 300,000 entries (40 MB) were kept. Now hours are at most
   `limits.EXCEPTION_HOURS` ["HH:MM", "HH:MM"] pairs, each starting before it ends
   (`studiosync_hours_pairs`), and every JSON column a login writes has a size cap
   (`limits.JSON_BYTES`, checked on the text: the stored size of a repeated entry compresses
   to nothing). Existing hours that are not such pairs lose those entries (logged, with the
   table's triggers off for that update, as 0044 did); a row already over its cap (only psql
   could write one) leaves that cap NOT VALID, named in the log, for the studio to look at.

Revision ID: 0055_busy_ids_hours
Revises: 0054_advisory_locks_for_staff
Create Date: 2026-12-07 05:00:00
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from studiosync_desktop.limits import (
    EXCEPTION_HOURS,
    HOURS_SHAPE_CHECK,
    HOURS_SHAPE_FUNCTION,
    json_size_checks,
)

revision: str = "0055_busy_ids_hours"
down_revision: str | None = "0054_advisory_locks_for_staff"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")

# (table, trigger, function, the columns before, the columns now)
COMPUTED = (
    (
        "lessons",
        "trg_lessons_teacher_busy",
        "lessons_fill_teacher_busy",
        "teacher_id, scheduled_start, scheduled_end",
        "teacher_id, scheduled_start, scheduled_end, teacher_busy",
    ),
    (
        "room_reservations",
        "trg_room_reservations_compute_cost",
        "room_reservations_compute_cost",
        "room_id, start_time, end_time",
        "room_id, start_time, end_time, total_cost",
    ),
)

KEEP_KEY = """
CREATE FUNCTION studiosync_keep_key() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
BEGIN
    -- The audit pairs a row's old and new values by this key: a changed key is a new row.
    RAISE EXCEPTION 'A row of % keeps its %: add a new one instead.', TG_TABLE_NAME, TG_ARGV[0]
        USING ERRCODE = '42501';
END
$$;
"""

# The tables' keys: every `id`, and the other keys the audit triggers pair rows by.
KEYS = """
SELECT c.table_name, c.column_name FROM information_schema.columns c
  JOIN information_schema.tables t USING (table_schema, table_name)
 WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
   AND c.column_name = 'id'
UNION
SELECT g.tgrelid::regclass::text, split_part(encode(g.tgargs, 'escape'), '\\000', 1)
  FROM pg_trigger g
 WHERE g.tgfoid = 'audit_changes'::regproc AND (g.tgtype & 16) <> 0  -- an UPDATE trigger
   AND split_part(encode(g.tgargs, 'escape'), '\\000', 1) NOT IN ('', 'id')
 ORDER BY 1, 2
"""

KEY_TRIGGERS = """
SELECT g.tgname, g.tgrelid::regclass::text FROM pg_trigger g
 WHERE g.tgfoid = 'studiosync_keep_key'::regproc ORDER BY 2, 1
"""

_HH_MM = "^([01][0-9]|2[0-3]):[0-5][0-9]$"
_PAIR = f"""jsonb_typeof(e) = 'array' AND jsonb_array_length(e) = 2
            AND jsonb_typeof(e -> 0) = 'string' AND jsonb_typeof(e -> 1) = 'string'
            AND (e ->> 0) ~ '{_HH_MM}' AND (e ->> 1) ~ '{_HH_MM}'
            AND (e ->> 0) < (e ->> 1)"""

# CASE, so the array functions never see anything but an array. Every writing login calls it
# through the CHECK: PostgreSQL's default EXECUTE for PUBLIC.
HOURS_SHAPE = f"""
CREATE FUNCTION {HOURS_SHAPE_FUNCTION}(hours jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN CASE WHEN jsonb_typeof(hours) <> 'array' THEN false
            WHEN jsonb_array_length(hours) > {EXCEPTION_HOURS} THEN false
            ELSE NOT EXISTS (SELECT 1 FROM jsonb_array_elements(hours) AS a(e)
                              WHERE NOT (CASE WHEN jsonb_typeof(e) <> 'array' THEN false
                                              ELSE {_PAIR} END))
       END
"""
# The pairs of a row's hours that are pairs, in order, at most EXCEPTION_HOURS of them.
KEEP_PAIRS = f"""
UPDATE availability_exceptions x
   SET hours = coalesce((SELECT jsonb_agg(e ORDER BY n) FROM (
                  SELECT e, n FROM jsonb_array_elements(
                         CASE WHEN jsonb_typeof(x.hours) = 'array' THEN x.hours
                              ELSE '[]' END) WITH ORDINALITY AS a(e, n)
                   WHERE CASE WHEN jsonb_typeof(e) <> 'array' THEN false ELSE {_PAIR} END
                   ORDER BY n LIMIT {EXCEPTION_HOURS}) kept), '[]')
 WHERE NOT {HOURS_SHAPE_FUNCTION}(x.hours)
"""


def _computed(columns: int) -> None:
    for table, trigger, function, *lists in COMPUTED:
        op.execute(f"DROP TRIGGER {trigger} ON {table}")
        op.execute(
            f"CREATE TRIGGER {trigger} BEFORE INSERT OR UPDATE OF {lists[columns]} ON {table}"
            f" FOR EACH ROW EXECUTE FUNCTION {function}()"
        )


def _hours(bind: sa.Connection) -> None:
    op.execute(HOURS_SHAPE)
    broken = bind.execute(
        sa.text(
            "SELECT count(*) FROM availability_exceptions"
            f" WHERE NOT {HOURS_SHAPE_FUNCTION}(hours)"
        )
    ).scalar_one()
    if broken:
        log.warning(
            "availability_exceptions.hours: entries that are not pairs removed from %d row(s)",
            broken,
        )
        op.execute("ALTER TABLE availability_exceptions DISABLE TRIGGER USER")
        op.execute(KEEP_PAIRS)
        op.execute("ALTER TABLE availability_exceptions ENABLE TRIGGER USER")
    op.execute(
        f"ALTER TABLE availability_exceptions ADD CONSTRAINT {HOURS_SHAPE_CHECK}"
        f" CHECK ({HOURS_SHAPE_FUNCTION}(hours))"
    )


def _sizes(bind: sa.Connection) -> None:
    for check in json_size_checks():
        over = bind.execute(
            sa.text(f"SELECT count(*) FROM {check.table} WHERE NOT ({check.sql})")
        ).scalar_one()
        valid = ""
        if over:
            log.warning(
                "%s.%s: %d row(s) over %s, left as they are (the cap is NOT VALID)",
                check.table,
                check.column,
                over,
                check.name,
            )
            valid = " NOT VALID"
        op.execute(
            f"ALTER TABLE {check.table} ADD CONSTRAINT {check.name} CHECK ({check.sql}){valid}"
        )


def upgrade() -> None:
    bind = op.get_bind()
    _computed(1)
    op.execute(KEEP_KEY)
    for table, column in bind.execute(sa.text(KEYS)).all():
        op.execute(
            f"CREATE TRIGGER {table}_keeps_{column} BEFORE UPDATE OF {column} ON {table}"
            f" FOR EACH ROW WHEN (OLD.{column} IS DISTINCT FROM NEW.{column})"
            f" EXECUTE FUNCTION studiosync_keep_key('{column}')"
        )
    _hours(bind)
    _sizes(bind)


def downgrade() -> None:
    bind = op.get_bind()
    for check in reversed(json_size_checks()):
        op.execute(f"ALTER TABLE {check.table} DROP CONSTRAINT {check.name}")
    op.execute(f"ALTER TABLE availability_exceptions DROP CONSTRAINT {HOURS_SHAPE_CHECK}")
    op.execute(f"DROP FUNCTION {HOURS_SHAPE_FUNCTION}(jsonb)")
    for trigger, table in bind.execute(sa.text(KEY_TRIGGERS)).all():
        op.execute(f"DROP TRIGGER {trigger} ON {table}")
    op.execute("DROP FUNCTION studiosync_keep_key()")
    _computed(0)
