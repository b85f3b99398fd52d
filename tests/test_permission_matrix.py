"""The permission matrix tried whole on a real server, as each login would in psql.

For each login (admin, desk, teacher, a teacher of another studio, a deactivated desk login
whose session was left open) and every table of the database: SELECT (which rows come back),
INSERT (a copy of a row inside the rule, and of rows outside it), UPDATE of each column,
DELETE and TRUNCATE, each in a savepoint that is rolled back. What the server does is
compared with `permission_matrix.MATRIX`; every difference is listed and fails the test.

Which rows a rule means is restated here in plain SQL over the world's rows (`RULE_SQL`),
independently of the policies, so a policy that lets through more (or less) than the matrix
says fails too.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest
from permission_world import PASSWORD, Login, World, build_world
from psycopg import sql
from psycopg.types.json import Jsonb

from studiosync_desktop import permission_matrix as pm
from studiosync_desktop.embedded import libpq_dsn
from studiosync_desktop.models import Base

TS = (
    "(SELECT id FROM students WHERE primary_teacher_id = %(teacher)s"
    " UNION SELECT student_id FROM lessons WHERE teacher_id = %(teacher)s)"
)
MY_THREADS = "(SELECT thread_id FROM thread_participants WHERE user_id = %(user)s)"
EMPTY_THREAD = "NOT EXISTS (SELECT 1 FROM thread_participants p WHERE p.thread_id = t.{})"
STUDIO = "t.studio_id = %(studio)s"
# Tables without studio_id belong to a studio through their parent row.
STUDIO_OF = {
    "alembic_version": "true",
    "studios": "t.id = %(studio)s",
    "band_members": "t.band_id IN (SELECT id FROM bands WHERE studio_id = %(studio)s)",
    "resource_shares": "t.resource_id IN (SELECT id FROM resources WHERE studio_id = %(studio)s)",
    "lesson_attendance": "t.lesson_id IN (SELECT id FROM lessons WHERE studio_id = %(studio)s)",
    "room_occupancy": "t.room_id IN (SELECT id FROM practice_rooms WHERE studio_id = %(studio)s)",
}
REMINDERS = "('lesson_reminder', 'invoice_overdue', 'checkout_overdue')"

# rule -> (SQL for most tables, {table: SQL where that table needs its own}).
RULE_SQL: dict[str, tuple[str, dict[str, str]]] = {
    "all": ("true", {}),
    "studio": (STUDIO, STUDIO_OF),
    "people": (f"{STUDIO} AND t.role IN ('student', 'parent') AND t.db_role IS NULL", {}),
    "colleagues_and_students": (
        f"{STUDIO} AND (t.id = %(user)s OR t.role IN ('admin', 'desk', 'teacher')"
        f" OR t.id IN (SELECT user_id FROM students WHERE id IN {TS}))",
        {},
    ),
    "own_teaching": (
        f"{STUDIO} AND t.teacher_id = %(teacher)s",
        {
            "lesson_attendance": (
                "t.lesson_id IN (SELECT id FROM lessons WHERE teacher_id = %(teacher)s)"
            )
        },
    ),
    "own_students": (
        f"{STUDIO} AND t.student_id IN {TS}",
        {
            "students": f"{STUDIO} AND t.id IN {TS}",
            "families": f"{STUDIO} AND t.id IN (SELECT family_id FROM students WHERE id IN {TS})",
        },
    ),
    "public_or_own": (f"{STUDIO} AND (t.is_public OR t.teacher_id = %(teacher)s)", {}),
    "own_and_shared": (
        f"{STUDIO} AND (t.teacher_id IS NULL OR t.teacher_id = %(teacher)s)",
        {},
    ),
    "threads": (
        f"{STUDIO} AND t.thread_id IN {MY_THREADS}",
        {
            "message_threads": f"{STUDIO} AND t.id IN {MY_THREADS}",
            "thread_participants": f"t.thread_id IN {MY_THREADS}",
        },
    ),
    "threads_and_new": (
        f"{STUDIO} AND (t.id IN {MY_THREADS} OR {EMPTY_THREAD.format('id')})",
        {},
    ),
    "sent_by_them": (f"{STUDIO} AND t.thread_id IN {MY_THREADS} AND t.sender_id = %(user)s", {}),
    "joining": (
        f"t.thread_id IN {MY_THREADS}"
        f" OR (t.user_id = %(user)s AND {EMPTY_THREAD.format('thread_id')})",
        {},
    ),
    "own": (f"{STUDIO} AND t.user_id = %(user)s", {"message_reads": "t.user_id = %(user)s"}),
    "own_and_reminders": (
        f"{STUDIO} AND (t.user_id = %(user)s OR t.notification_type IN {REMINDERS})",
        {},
    ),
    "drafts": (f"{STUDIO} AND t.status = 'draft'", {}),
    "own_or_default": (f"{STUDIO} AND (t.teacher_id IS NULL OR t.teacher_id = %(teacher)s)", {}),
}

# Columns no login sets: the database's own functions do, as its owner.
LINKED_BY_OWNER = {"users": ("db_role",)}

Row = tuple[Any, ...]
DENIED = "denied"
ALLOWED = "allowed"
NO_ROWS = "no rows"


@dataclass(frozen=True)
class Shape:
    key: tuple[str, ...]  # the primary key's columns
    writable: tuple[str, ...]  # columns a statement may set (not generated, not identity)
    columns: tuple[str, ...] = ()  # every column (what a SELECT may name)


def shapes(owner: psycopg.Connection[Any]) -> dict[str, Shape]:
    rows = owner.execute(
        """
        SELECT c.relname,
               (SELECT array_agg(a.attname ORDER BY k.n) FROM pg_constraint p,
                       unnest(p.conkey) WITH ORDINALITY k(attnum, n)
                  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
                 WHERE p.conrelid = c.oid AND p.contype = 'p'),
               array_agg(a.attname ORDER BY a.attnum)
                 FILTER (WHERE a.attgenerated = '' AND a.attidentity <> 'a'),
               array_agg(a.attname ORDER BY a.attnum)
          FROM pg_class c
          JOIN pg_namespace n ON n.oid = c.relnamespace
          JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
         WHERE n.nspname = current_schema() AND c.relkind = 'r'
         GROUP BY c.oid, c.relname
        """
    ).fetchall()
    return {name: Shape(tuple(key), tuple(cols), tuple(every)) for name, key, cols, every in rows}


class Oracle:
    """The rows of a table a rule means, for one login, read by the owner."""

    def __init__(self, owner: psycopg.Connection[Any], shape: dict[str, Shape]) -> None:
        self.owner, self.shape = owner, shape
        self._known: dict[tuple[str, str, Login], set[Row]] = {}

    def rows(self, table: str, rule: str, who: Login) -> set[Row]:
        if (table, rule, who) not in self._known:
            self._known[table, rule, who] = self._rows(table, rule, who)
        return self._known[table, rule, who]

    def _rows(self, table: str, rule: str, who: Login) -> set[Row]:
        default, special = RULE_SQL[rule]
        where = special.get(table, default)
        key = sql.SQL(", ").join(sql.Identifier(c) for c in self.shape[table].key)
        query = sql.SQL("SELECT {} FROM {} t WHERE {}").format(
            key,
            sql.Identifier(table),
            sql.SQL(where),  # type: ignore[arg-type]
        )
        params = {"studio": who.studio, "user": who.user, "teacher": who.teacher}
        return {tuple(r) for r in self.owner.execute(query, params).fetchall()}

    def record(self, table: str, key: Row) -> dict[str, Any]:
        where = self._where(table)
        query = sql.SQL("SELECT to_jsonb(t) FROM {} t WHERE {}").format(
            sql.Identifier(table), where
        )
        row = self.owner.execute(query, key).fetchone()
        assert row is not None
        return dict(row[0])

    def _where(self, table: str) -> sql.Composable:
        return sql.SQL(" AND ").join(
            sql.SQL("{} = %s").format(sql.Identifier(c)) for c in self.shape[table].key
        )


class Attempt:
    """Runs one statement as the login inside a savepoint and says what the server did."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn
        self.statements = 0

    def __call__(self, query: sql.Composable, params: Any = None) -> tuple[str, str]:
        self.statements += 1
        try:
            with self.conn.transaction():
                cur = self.conn.execute(query, params)
                outcome = NO_ROWS if cur.description is None and cur.rowcount == 0 else ALLOWED
                raise psycopg.Rollback()  # every try is undone, allowed or not
            return outcome, ""
        except psycopg.errors.InsufficientPrivilege as exc:
            return DENIED, str(exc).splitlines()[0]
        except psycopg.Error as exc:
            # A constraint or a rule refused the row after privileges and row security let
            # the statement through: allowed, as far as permissions go.
            return ALLOWED, f"{type(exc).__name__}: {str(exc).splitlines()[0]}"

    def rows(self, query: sql.Composable) -> set[Row] | None:
        self.statements += 1
        try:
            with self.conn.transaction():
                return {tuple(r) for r in self.conn.execute(query).fetchall()}
        except psycopg.errors.InsufficientPrivilege:
            return None


class Trial:
    """Every cell of the matrix for one login; `differences` lists each mismatch."""

    def __init__(self, who: Login, conn: psycopg.Connection[Any], oracle: Oracle) -> None:
        self.who, self.oracle, self.attempt = who, oracle, Attempt(conn)
        self.differences: list[str] = []

    def grants(self, table: str) -> pm.Grants:
        return pm.MATRIX[table].grants(self.who.role) if self.who.role else {}

    def scope(self, table: str, operation: str) -> set[Row]:
        allow = self.grants(table).get(operation)
        return self.oracle.rows(table, allow.rows, self.who) if allow else set()

    def differ(self, table: str, what: str, expected: str, got: str, note: str = "") -> None:
        if expected != got:
            self.differences.append(f"{table}: {what}: matrix says {expected}, server {got} {note}")

    def run(self, table: str) -> None:
        self.select(table)
        self.insert(table)
        self.update(table)
        self.delete(table)
        outcome, note = self.attempt(sql.SQL("TRUNCATE {} CASCADE").format(sql.Identifier(table)))
        self.differ(table, "TRUNCATE", DENIED, outcome, note)

    def select(self, table: str) -> None:
        key = sql.SQL(", ").join(sql.Identifier(c) for c in self.oracle.shape[table].key)
        seen = self.attempt.rows(sql.SQL("SELECT {} FROM {}").format(key, sql.Identifier(table)))
        if "select" not in self.grants(table):
            self.differ(table, "SELECT", DENIED, DENIED if seen is None else f"{len(seen)} rows")
            return
        self.select_columns(table)
        expected = self.scope(table, "select")
        if seen is None:
            self.differ(table, "SELECT", f"{len(expected)} rows", DENIED)
        elif seen != expected:
            self.differences.append(
                f"{table}: SELECT sees {len(seen - expected)} rows the matrix hides "
                f"{sorted(seen - expected)[:2]} and misses {len(expected - seen)} it shows "
                f"{sorted(expected - seen)[:2]}"
            )

    def select_columns(self, table: str) -> None:
        """A SELECT limited to some columns (a feed's secret address): each column is tried
        alone, and those left out must be refused."""
        allow = self.grants(table)["select"]
        if allow.columns is None:
            return
        for column in self.oracle.shape[table].columns:
            query = sql.SQL("SELECT {} FROM {} LIMIT 1").format(
                sql.Identifier(column), sql.Identifier(table)
            )
            got = DENIED if self.attempt.rows(query) is None else ALLOWED
            want = ALLOWED if column in allow.columns else DENIED
            self.differ(table, f"SELECT {column}", want, got)

    def targets(self, table: str, operation: str) -> list[tuple[Row, str]]:
        """A row the operation may reach, and rows it may not (seen or unseen), if any."""
        every = self.oracle.rows(table, "all", self.who)
        inside = self.scope(table, operation)
        seen = self.scope(table, "select")
        out: list[tuple[Row, str]] = []
        if operation in self.grants(table):
            if not inside:
                self.differences.append(f"{table}: the world has no row to try {operation} on")
            else:
                out.append((min(inside), ALLOWED))
        for outside in (seen - inside, every - seen - inside):
            if outside:
                out.append((min(outside), DENIED))
        if not out and every:
            out.append((min(every), DENIED))
        return out

    def insert(self, table: str) -> None:
        columns = self.oracle.shape[table].writable
        names = sql.SQL(", ").join(sql.Identifier(c) for c in columns)
        query = sql.SQL(
            "INSERT INTO {t} ({c}) SELECT {c} FROM jsonb_populate_record(NULL::{t}, %s)"
        )
        for key, expected in self.targets(table, "insert"):
            copied = self.oracle.record(table, key)
            # A copy of a person is not given their login: only the owner's login functions
            # link one (0051; tests/test_attack_findings.py tries it).
            copied.update(dict.fromkeys(LINKED_BY_OWNER.get(table, ()), None))
            record = Jsonb(copied)
            outcome, note = self.attempt(query.format(t=sql.Identifier(table), c=names), (record,))
            got = DENIED if outcome == NO_ROWS else outcome
            self.differ(table, f"INSERT a copy of {key}", expected, got, note)

    def update(self, table: str) -> None:
        allow = self.grants(table).get("update")
        where = self.oracle._where(table)
        for key, expected in self.targets(table, "update"):
            for column in self.oracle.shape[table].writable:
                may = allow is not None and (allow.columns is None or column in allow.columns)
                # A column the login may write but not read (a feed's address): set anew, as
                # `SET c = c` would read it.
                seen = self.grants(table).get("select")
                value = "DEFAULT" if seen and seen.columns and column not in seen.columns else "{c}"
                query = sql.SQL("UPDATE {t} SET {c} = " + value + " WHERE {w}").format(
                    t=sql.Identifier(table), c=sql.Identifier(column), w=where
                )
                outcome, note = self.attempt(query, key)
                want = expected if may else DENIED
                got = DENIED if outcome == NO_ROWS else outcome
                self.differ(table, f"UPDATE {column} of {key}", want, got, note)
                if expected == DENIED and may:
                    break  # the row rule is what is tried here: one allowed column will do

    def delete(self, table: str) -> None:
        where = self.oracle._where(table)
        for key, expected in self.targets(table, "delete"):
            query = sql.SQL("DELETE FROM {} WHERE {}").format(sql.Identifier(table), where)
            outcome, note = self.attempt(query, key)
            got = DENIED if outcome == NO_ROWS else outcome
            self.differ(table, f"DELETE {key}", expected, got, note)


@pytest.fixture(scope="module")
def world(database_url: str) -> Iterator[tuple[World, psycopg.Connection[Any]]]:
    owner_dsn = libpq_dsn(database_url)
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with psycopg.connect(owner_dsn, autocommit=True) as conn:
        conn.execute(f"TRUNCATE {tables} CASCADE")  # type: ignore[arg-type]
    built, left_open = build_world(owner_dsn)
    yield built, left_open
    left_open.close()
    with psycopg.connect(owner_dsn, autocommit=True) as conn:
        conn.execute(f"TRUNCATE {tables} CASCADE")  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def owner(database_url: str) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(libpq_dsn(database_url), autocommit=True) as conn:
        yield conn


@pytest.mark.parametrize(
    "name", ["admin", "desk", "teacher", "other studio's teacher", "deactivated desk"]
)
def test_each_login_can_do_exactly_what_the_permission_matrix_says(
    world: tuple[World, psycopg.Connection[Any]],
    owner: psycopg.Connection[Any],
    database_url: str,
    name: str,
) -> None:
    built, left_open = world
    who = built.logins[name]
    shape = shapes(owner)
    if who.role is None:
        conn = left_open
    else:
        conn = psycopg.connect(libpq_dsn(database_url), user=who.login, password=PASSWORD)
    trial = Trial(who, conn, Oracle(owner, shape))
    conn.execute("SELECT 1")  # one transaction, rolled back at the end: each try a savepoint
    try:
        for table in sorted(shape):
            if table not in pm.MATRIX:
                trial.differences.append(f"{table}: not in the permission matrix")
                continue
            trial.run(table)
        for signature, (roles, _why) in pm.FUNCTIONS.items():
            row = conn.execute("SELECT has_function_privilege(%s, 'EXECUTE')", (signature,))
            may = (row.fetchone() or (None,))[0]
            trial.differ(signature, "EXECUTE", str(who.role in roles), str(may))
    finally:
        conn.rollback()
        if who.role is not None:
            conn.close()
    assert trial.differences == [], "\n".join(trial.differences)
    print(f"{name}: {trial.attempt.statements} statements")
    assert trial.attempt.statements > 300  # it did try the whole matrix


def test_the_matrix_names_real_tables_columns_and_row_rules(owner: psycopg.Connection[Any]) -> None:
    shape = shapes(owner)
    for table, role, operation, allow in pm.cells():
        assert table in shape, f"{table} is in the matrix but not in the database"
        assert allow.rows in pm.ROWS and allow.rows in RULE_SQL, f"{table}: rule {allow.rows}"
        if allow.columns is not None:
            named = shape[table].columns if operation == "select" else shape[table].writable
            assert set(allow.columns) <= set(named), (table, role, operation)
    assert set(shape) <= set(pm.MATRIX), "tables missing from the matrix"


@pytest.mark.parametrize("name", ["admin", "desk", "teacher", "other studio's teacher"])
def test_a_feeds_secret_address_is_read_by_its_teacher_and_admins_only(
    world: tuple[World, psycopg.Connection[Any]],
    owner: psycopg.Connection[Any],
    database_url: str,
    name: str,
) -> None:
    """As each login in psql: `url` itself is refused to all but admins, and the door
    function gives an admin every address of the studio, a teacher their own, the desk the
    room's and the studio's (never a teacher's), another studio's teacher none."""
    who = world[0].logins[name]
    feeds = owner.execute(
        "SELECT id, studio_id, teacher_id, url FROM calendar_feeds WHERE url <> ''"
    ).fetchall()
    assert {t for _i, _s, t, _u in feeds} >= {who.teacher} - {None}
    dsn = libpq_dsn(database_url)
    with psycopg.connect(dsn, user=who.login, password=PASSWORD, autocommit=True) as conn:
        try:
            conn.execute("SELECT url FROM calendar_feeds").fetchall()
            read_column = True
        except psycopg.errors.InsufficientPrivilege:
            read_column = False
        got = dict(
            conn.execute(
                "SELECT feed_id, url FROM studiosync_feed_urls(%s)", ([f[0] for f in feeds],)
            ).fetchall()
        )
        names = conn.execute("SELECT name, has_address FROM calendar_feeds").fetchall()
    assert read_column == (who.role == "admin")
    expected = {
        i: u
        for i, s, t, u in feeds
        if s == who.studio
        and (who.role == "admin" or t == who.teacher or (who.role == "desk" and t is None))
    }
    assert got == expected
    if who.role == "desk":
        assert expected and all(t is None for i, _s, t, _u in feeds if i in got)
        assert any(t is not None for _i, s, t, _u in feeds if s == who.studio)  # held back
    assert names  # the name (and whether it has an address) stays readable by all staff


def test_a_teacher_sets_their_own_time_zone_only(
    world: tuple[World, psycopg.Connection[Any]],
    owner: psycopg.Connection[Any],
    database_url: str,
) -> None:
    """In psql as the teacher: their own zone is set (and checked); a colleague's is refused,
    as is a direct UPDATE of `teachers`."""
    who = world[0].logins["teacher"]
    colleague = owner.execute(
        "SELECT id FROM teachers WHERE studio_id = %s AND id <> %s LIMIT 1",
        (who.studio, who.teacher),
    ).fetchone()
    assert colleague is not None
    dsn = libpq_dsn(database_url)
    with psycopg.connect(dsn, user=who.login, password=PASSWORD) as conn:
        conn.execute("SELECT studiosync_set_teacher_zone(%s, 'Europe/Berlin')", (who.teacher,))
        for query, params in (
            ("SELECT studiosync_set_teacher_zone(%s, 'Europe/Berlin')", (colleague[0],)),
            ("SELECT studiosync_set_teacher_zone(%s, 'Mars/Base')", (who.teacher,)),
            ("UPDATE teachers SET timezone = 'Asia/Tokyo' WHERE id = %s", (who.teacher,)),
        ):
            with pytest.raises(psycopg.Error), conn.transaction():
                conn.execute(query, params)  # type: ignore[arg-type]
        mine = conn.execute("SELECT timezone FROM teachers WHERE id = %s", (who.teacher,))
        assert mine.fetchone() == ("Europe/Berlin",)
        conn.rollback()
