"""Several reads that do not depend on each other, in one round trip (psycopg's pipeline).

A screen's first load needs a handful of small reads (Today: the day's lessons, the names,
the rooms, when each is taken, the practice bookings). Sent one after another, each waits for
the network: five reads from a server 10 ms away cost 100 ms before the database does any
work. In a pipeline they travel together and the server answers them in order, so a screen's
reads cost one round trip, wherever the server is.

In a read session (`Database.read_session`, autocommit) the statements run as one implicit
transaction that the connection's read-only default keeps read-only; in a unit of work
(`Database.session`) they join its transaction, and its BEGIN travels with them. The statements are
SQLAlchemy selects or `text()` with bound values, compiled as SQLAlchemy would send them; the
values are those psycopg adapts itself (ids, times, dates, numbers, text, booleans, lists),
as the services bind. A read a screen makes often can be built once with `bindparam`s and
sent as `Bound(statement, values)`: compiled once, it skips SQLAlchemy's building and
compiling at each call (3 ms of a day of rooms' 12). Rows come back as named tuples (a
column that is not a Python name is renamed by psycopg), with the values psycopg reads, the
same SQLAlchemy gives for these types. A `Bound` read of many rows (a week of lessons: ~1,900)
may ask for them in binary (uuids, times and rates read without parsing text; psycopg gives
the same values either way for such standard types) and as plain tuples, for a caller that
unpacks them by position.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.rows import namedtuple_row, tuple_row
from sqlalchemy.engine import Compiled, Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.sql import ClauseElement


@dataclass(frozen=True)
class Bound:
    """A statement built once (at import, its values `bindparam`s) and one call's values.

    `binary`: its rows read in binary (only for columns of standard types: uuid, timestamptz,
    numeric, text...; a type psycopg does not know would come back as bytes). `tuples`: its
    rows as plain tuples rather than named ones (~0.5 us a row less). `planned_each_time`:
    never prepared (psycopg prepares a statement after 5 runs, and the server then may keep
    one plan for all values): for a statement whose best plan depends on its values."""

    statement: ClauseElement
    values: Mapping[str, Any]
    binary: bool = False
    tuples: bool = False
    planned_each_time: bool = False


# Bound statements compiled once: by the statement object, which the module defining it keeps.
_compiled: dict[tuple[int, str], tuple[ClauseElement, Compiled]] = {}


def _compile(statement: ClauseElement | Bound, dialect: Dialect) -> tuple[str, Any]:
    if not isinstance(statement, Bound):
        c = statement.compile(dialect=dialect)
        return str(c), c.params
    key = (id(statement.statement), dialect.name)
    kept = _compiled.get(key)
    if kept is None or kept[0] is not statement.statement:
        kept = _compiled[key] = (statement.statement, statement.statement.compile(dialect=dialect))
    c = kept[1]
    return c.string, c.construct_params(dict(statement.values))


def read_together(s: Session, statements: Sequence[ClauseElement | Bound]) -> list[list[Any]]:
    """The rows of each statement, in order, for one round trip. Database errors are raised
    as SQLAlchemy's, so `db.translate_errors` says them as it says any other."""
    connection = s.connection()
    compiled = [_compile(statement, connection.dialect) for statement in statements]
    raw = connection.connection.driver_connection
    assert isinstance(raw, psycopg.Connection)
    cursors: list[psycopg.Cursor[Any]] = []
    try:
        with raw.pipeline():
            for statement, (sql, params) in zip(statements, compiled, strict=True):
                bound = statement if isinstance(statement, Bound) else None
                tuples = bound is not None and bound.tuples
                cursor = raw.cursor(row_factory=tuple_row if tuples else namedtuple_row)
                # What listens to the engine's statements (the bench's replay, logging)
                # hears these as it hears any other.
                connection.dispatch.before_cursor_execute(
                    connection, cursor, sql, params, None, False
                )
                cursor.execute(
                    sql,
                    params,
                    binary=bound is not None and bound.binary,
                    prepare=False if bound is not None and bound.planned_each_time else None,
                )
                cursors.append(cursor)
        return [cursor.fetchall() for cursor in cursors]
    except psycopg.Error as exc:
        if raw.broken or raw.closed:
            connection.invalidate(exc)
        sent = "\n;\n".join(sql for sql, _params in compiled)
        raise DBAPIError.instance(sent, None, exc, psycopg.Error) from exc
    finally:
        for cursor in cursors:
            cursor.close()
