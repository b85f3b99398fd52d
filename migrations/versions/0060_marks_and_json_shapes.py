"""A lesson is marked taught only once it has started, however it got there; every JSON column
a login writes has the shape the app reads.

Reviewed by hand. Found by a second attacker of 0055 and 0058, as the desk's and a teacher's own
login in psql:

1. `lessons_marked_once_started` fired BEFORE UPDATE OF status only. The desk INSERTed a lesson
   already 'completed' 30 days ahead, or marked a lesson taught after moving it to now and then
   moved it back to its future time: a lesson taught ahead of time, billed and paid to its
   teacher. The guard now fires on INSERT too, and on a change of scheduled_start or
   scheduled_end while the lesson is in progress, completed or a no-show: a lesson so marked
   never starts more than a quarter of an hour from now (0058's allowance). The app books new
   lessons 'scheduled' and moves only scheduled lessons (`lesson_change.change_lesson` refuses
   any other), so none of its paths meets the guard; a marked lesson in the past may still be
   moved within the past. The database's owner is let through (it loads history: the demo,
   a restore, the tests' studios), as 0056's guards let it.
2. A teacher wrote `(repeat('[', 3000) || repeat(']', 3000))::jsonb` into their own note's
   assignments, well within 0055's size cap, and every read of that note, and of the audit
   log's copy of it, raised RecursionError for the teacher and the admins. Each JSON column a
   login writes now has the shape the app reads (`limits.json_shape_checks`): the lists are
   flat arrays of strings (`studiosync_string_list`), the studio's settings and layout and an
   email's details are objects of scalars and lists of scalars (`studiosync_flat_object`);
   0055's hours are pairs already. Existing lists lose the entries that are not strings (logged,
   with the table's triggers off for that update, as 0055 did); an object column with a row out
   of shape (only psql could write one) leaves its check NOT VALID, named in the log. Audit
   entries already written are the record of what happened and stay as they are.
3. Left as it is: the desk can write `lessons.occurrence_date` by hand (NULL frees a cancelled
   series lesson's date for the next booking of the series; a date blocks one). The desk books,
   moves, cancels and deletes the same lessons anyway, so this gives it nothing about money or
   anyone's data it has not got, and the series paths write the date on purpose (a new series'
   INSERT, the split's move to the new series, NULL on a "Series changed" cancellation): a
   trigger telling those from a hand-written change would have to recognise the app's
   statements. Teachers cannot write it.

Revision ID: 0060_marks_and_json_shapes
Revises: 0059_money_holds_again
Create Date: 2026-12-08 04:00:00
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from studiosync_desktop.limits import (
    FLAT_OBJECT_FUNCTION,
    STRING_LIST_FUNCTION,
    json_shape_checks,
)

revision: str = "0060_marks_and_json_shapes"
down_revision: str | None = "0059_money_holds_again"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")

# CASE, so a path over the elements never sees anything but an array or object; `.**{n}` walks
# down n levels only, so a deep value costs no more than a shallow one. Every writing login
# calls them through the CHECKs: PostgreSQL's default EXECUTE for PUBLIC.
SHAPES = f"""
CREATE FUNCTION {STRING_LIST_FUNCTION}(value jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN CASE WHEN jsonb_typeof(value) <> 'array' THEN false
            ELSE NOT jsonb_path_exists(value, 'strict $[*] ? (@.type() != "string")') END;
CREATE FUNCTION {FLAT_OBJECT_FUNCTION}(value jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN CASE WHEN jsonb_typeof(value) <> 'object' THEN false
            ELSE NOT jsonb_path_exists(value, 'strict $.**{{1}} ? (@.type() == "object")')
             AND NOT jsonb_path_exists(
                     value, 'strict $.**{{2}} ? (@.type() == "object" || @.type() == "array")')
       END;
"""

# The strings of a list, in order ('[]' for a value that is not a list).
KEEP_STRINGS = """
UPDATE {table} x
   SET "{column}" = coalesce((SELECT jsonb_agg(e ORDER BY n) FROM jsonb_array_elements(
              CASE WHEN jsonb_typeof(x."{column}") = 'array' THEN x."{column}" ELSE '[]' END)
              WITH ORDINALITY AS a(e, n) WHERE jsonb_typeof(e) = 'string'), '[]')
 WHERE NOT {function}(x."{column}")
"""

MARKED = "('in_progress', 'completed', 'no_show')"

# 0058's function, for an INSERT and a move of a marked lesson too.
MARKED_ONCE_STARTED = f"""
CREATE OR REPLACE FUNCTION lessons_marked_once_started() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
BEGIN
    IF app_is_owner() THEN
        RETURN NEW;  -- the owner loads history (the demo studio, a restore, maintenance)
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.status IS NOT DISTINCT FROM OLD.status
       AND NEW.scheduled_start IS NOT DISTINCT FROM OLD.scheduled_start
       AND NEW.scheduled_end IS NOT DISTINCT FROM OLD.scheduled_end THEN
        RETURN NEW;  -- nothing the guard reads changed (a marked lesson already ahead stays)
    END IF;
    IF NEW.status = 'in_progress' THEN
        RAISE EXCEPTION 'A lesson is checked in once it has started '
            '(from a quarter of an hour before its start).'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_lessons_marked_once_started';
    END IF;
    RAISE EXCEPTION 'A lesson is marked taught or a no-show once it has started.'
        USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_lessons_marked_once_started';
END;
$$;
DROP TRIGGER lessons_marked_once_started ON lessons;
CREATE TRIGGER lessons_marked_once_started
    BEFORE INSERT OR UPDATE OF status, scheduled_start, scheduled_end ON lessons
    FOR EACH ROW
    WHEN (NEW.status IN {MARKED} AND NEW.scheduled_start > now() + interval '15 minutes')
    EXECUTE FUNCTION lessons_marked_once_started();
"""

# 0058's guard and function, as they were.
MARKED_BEFORE = f"""
CREATE OR REPLACE FUNCTION lessons_marked_once_started() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
BEGIN
    IF current_setting('studiosync.audit', true) = 'off' AND app_is_owner() THEN
        RETURN NEW;  -- the owner's bulk load of history (the demo studio)
    END IF;
    IF NEW.status = 'in_progress' THEN
        RAISE EXCEPTION 'A lesson is checked in once it has started '
            '(from a quarter of an hour before its start).'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_lessons_marked_once_started';
    END IF;
    RAISE EXCEPTION 'A lesson is marked taught or a no-show once it has started.'
        USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_lessons_marked_once_started';
END;
$$;
DROP TRIGGER lessons_marked_once_started ON lessons;
CREATE TRIGGER lessons_marked_once_started BEFORE UPDATE OF status ON lessons
    FOR EACH ROW
    WHEN (NEW.status IN {MARKED}
          AND NEW.status IS DISTINCT FROM OLD.status
          AND NEW.scheduled_start > now() + interval '15 minutes')
    EXECUTE FUNCTION lessons_marked_once_started();
"""


def _shapes(bind: sa.Connection) -> None:
    op.execute(SHAPES)
    for check in json_shape_checks():
        broken = bind.execute(
            sa.text(f"SELECT count(*) FROM {check.table} WHERE NOT ({check.sql})")
        ).scalar_one()
        valid = ""
        if broken and check.sql.startswith(STRING_LIST_FUNCTION):
            log.warning(
                "%s.%s: entries that are not strings removed from %d row(s)",
                check.table,
                check.column,
                broken,
            )
            op.execute(f"ALTER TABLE {check.table} DISABLE TRIGGER USER")
            op.execute(
                KEEP_STRINGS.format(
                    table=check.table, column=check.column, function=STRING_LIST_FUNCTION
                )
            )
            op.execute(f"ALTER TABLE {check.table} ENABLE TRIGGER USER")
        elif broken:
            log.warning(
                "%s.%s: %d row(s) out of shape, left as they are (%s is NOT VALID)",
                check.table,
                check.column,
                broken,
                check.name,
            )
            valid = " NOT VALID"
        op.execute(
            f"ALTER TABLE {check.table} ADD CONSTRAINT {check.name} CHECK ({check.sql}){valid}"
        )


def upgrade() -> None:
    op.execute(MARKED_ONCE_STARTED)
    _shapes(op.get_bind())


def downgrade() -> None:
    for check in reversed(json_shape_checks()):
        op.execute(f"ALTER TABLE {check.table} DROP CONSTRAINT {check.name}")
    op.execute(f"DROP FUNCTION {FLAT_OBJECT_FUNCTION}(jsonb)")
    op.execute(f"DROP FUNCTION {STRING_LIST_FUNCTION}(jsonb)")
    op.execute(MARKED_BEFORE)
