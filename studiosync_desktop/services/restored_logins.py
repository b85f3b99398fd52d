"""After a restore: every staff member's login made again for this database, own password kept.

PostgreSQL keeps logins outside the database, so a dump carries none, and a login's name
carries a hash of the database's name (`who_acts.login_role_name`). The dump does carry each
login's SCRAM verifier (`login_verifiers`, 0019): `relink` makes every login again under this
database's name with it, so everyone logs in with their own password under any name, on any
server. `drop_unused` removes the logins of a database that a restore replaced and that the
restored one no longer has.
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from psycopg import sql

from studiosync_desktop.embedded import libpq_dsn
from studiosync_desktop.services.who_acts import login_role_name

STAFF_WITH_LOGIN = (
    "SELECT id, email FROM users WHERE role IN ('admin', 'desk', 'teacher')"
    " AND db_role IS NOT NULL ORDER BY email"
)


@dataclass(frozen=True)
class LoginsRestored:
    """What happened to the staff logins; `problem` says what an administrator must do."""

    with_password: tuple[str, ...] = ()
    without_password: tuple[str, ...] = ()  # emails: Users tab -> Reset password…
    removed: tuple[str, ...] = ()  # login roles of the replaced database
    problem: str = ""

    def sentences(self) -> list[str]:
        out = []
        if self.problem:
            out.append(self.problem)
        if self.with_password:
            n = len(self.with_password)
            out.append(f"{n} staff login{'' if n == 1 else 's'} work with their own passwords.")
        if self.without_password:
            out.append(
                "These people need a new password (Users tab, Reset password…): "
                + ", ".join(self.without_password)
                + "."
            )
        if self.removed:
            n = len(self.removed)
            out.append(f"{n} login{'' if n == 1 else 's'} of the replaced database removed.")
        return out


def logins_in_use(url: str) -> set[str]:
    """The login roles a database's staff use; none when it has no studio schema (yet)."""
    try:
        with psycopg.connect(libpq_dsn(url)) as conn:
            rows = conn.execute("SELECT db_role FROM users WHERE db_role IS NOT NULL").fetchall()
    except (psycopg.errors.UndefinedTable, psycopg.OperationalError):
        return set()
    return {r[0] for r in rows}


def relink(url: str, shown: str) -> LoginsRestored:
    """Makes every staff login again for this database, as its owner (who may create roles).

    `shown`: the database as the admin may type it in a command (no password).
    """
    again = f'studiosync users relink --database "{shown}"'
    try:
        with psycopg.connect(libpq_dsn(url)) as conn:
            database = conn.execute("SELECT current_database()").fetchone()[0]  # type: ignore[index]
            # Part of the restore, not a change anyone made: the owner keeps it off the audit
            # trail, which stays as the backup had it.
            conn.execute("SET LOCAL studiosync.audit = 'off'")
            # A recreated database grants temp objects to everyone again (migration 0051).
            conn.execute(
                sql.SQL("REVOKE TEMPORARY ON DATABASE {} FROM PUBLIC").format(
                    sql.Identifier(database)
                )
            )
            # And advisory locks to the staff who run the studio's jobs (migration 0054; a
            # superuser's restore keeps them closed, this makes sure).
            conn.execute("SELECT studiosync_advisory_locks_for_staff()")
            kept: list[str] = []
            lost: list[str] = []
            for person, email in conn.execute(STAFF_WITH_LOGIN).fetchall():
                login = login_role_name(email, database)
                row = conn.execute("SELECT studiosync_restore_login(%s, %s)", (person, login))
                (kept if (row.fetchone() or (False,))[0] else lost).append(email)
    except psycopg.errors.UndefinedTable:
        return LoginsRestored()  # not a studio database (an empty one put back): no logins
    except psycopg.errors.UndefinedFunction:
        return LoginsRestored(
            problem="This backup comes from an older StudioSync, so its staff cannot log in "
            f'yet. Run "studiosync db upgrade --database \\"{shown}\\"", then {again}.'
        )
    except psycopg.errors.InsufficientPrivilege:
        return LoginsRestored(
            problem="The staff logins could not be made: this connection may not create "
            f"logins on the server. As a role that may (the server's postgres), run {again}."
        )
    return LoginsRestored(with_password=tuple(kept), without_password=tuple(lost))


def drop_unused(url: str, replaced: set[str]) -> tuple[str, ...]:
    """Drops the replaced database's logins that the restored one does not use.

    A login that the server refuses to drop (still used elsewhere) is left, not an error.
    """
    unused = sorted(login for login in replaced - logins_in_use(url) if login.startswith("ss_"))
    dropped = []
    with psycopg.connect(libpq_dsn(url), autocommit=True) as conn:
        for login in unused:
            try:
                conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(login)))
                dropped.append(login)
            except psycopg.Error:
                continue
    return tuple(dropped)
