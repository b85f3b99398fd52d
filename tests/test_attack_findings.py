"""Attack on main (0048, 0049 and what they lean on), as the desk's, an admin's and a
teacher's own login in psql. Each test states what should happen; the findings failed before
0050 and 0051, which fixed them.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import psycopg
import pytest
from permission_world import NOW, World
from test_other_studios_ids import RESERVATIONS, Connect, _clashes, _ids, connect, world

__all__ = ["connect", "world"]  # the fixtures, shared with test_other_studios_ids

SPAN = (NOW - timedelta(days=30), NOW + timedelta(days=60))


def _owner_sees(owner: psycopg.Connection[Any]) -> tuple[set[Any], set[Any]]:
    """The studios of the reservations and of the busy lessons the owner's probes find."""
    reservations = [r for (r,) in owner.execute(RESERVATIONS, SPAN).fetchall()]
    res_studios = {
        s
        for (s,) in owner.execute(
            "SELECT studio_id FROM room_reservations WHERE id = ANY(%s)", (reservations,)
        ).fetchall()
    }
    everyone = [r[0] for r in owner.execute("SELECT id FROM teachers").fetchall()]
    busy = owner.execute(
        "SELECT DISTINCT l.studio_id FROM studiosync_day_busy(%s, %s, %s) b"
        " JOIN lessons l ON l.id = b.lesson_id",
        (*SPAN, everyone),
    ).fetchall()
    return res_studios, {s for (s,) in busy}


def test_an_admin_cannot_make_the_owner_answer_for_one_studio_as_a_student(
    connect: Connect, world: World
) -> None:
    """0048 asks the caller's users row before `app_is_owner()`; the admin policy on users
    (admin_all) lets a studio's admin write any `db_role`, so an admin of studio A names the
    owner's login (a guessable name: the superuser or the database owner) in a student's row.
    The owner's clash check, busy times and a day's bookings then answer for studio A as a
    student: nothing at all, in every studio (0043 asked app_is_owner() first).
    Now (0051) only the owner's login functions link a person to a login: refused."""
    owner, admin = connect("owner"), connect("admin")
    a, b = world.logins["admin"].studio, world.logins["other studio's teacher"].studio
    before = _owner_sees(owner)
    assert before[0] == {a, b} and before[1] == {a, b}
    theirs = _ids(owner, b)
    assert _clashes(owner, theirs["lessons"])  # the owner finds studio B's clashes
    owner_login = owner.execute("SELECT session_user").fetchone()
    assert owner_login is not None
    student = owner.execute(
        "SELECT id FROM users WHERE studio_id = %s AND db_role IS NULL LIMIT 1", (a,)
    ).fetchone()
    assert student is not None
    for attempt, values in (
        (
            "INSERT INTO users (studio_id, email, first_name, last_name, role, db_role)"
            " VALUES (app_studio_id(), 'x@attack.example', 'X', 'Y', 'student', %s)",
            (owner_login[0],),
        ),
        ("UPDATE users SET db_role = %s WHERE id = %s", (owner_login[0], student[0])),
    ):
        with (
            pytest.raises(psycopg.errors.InsufficientPrivilege, match="Staff logins"),
            admin.transaction(force_rollback=True),
        ):
            admin.execute(attempt, values)  # type: ignore[arg-type]
    assert _owner_sees(owner) == before
    assert _clashes(owner, theirs["lessons"])


SPOOF = (
    "SET LOCAL studiosync.audit = 'off';"
    " CREATE TEMP TABLE pg_roles (rolname name, rolsuper boolean) ON COMMIT DROP;"
    " INSERT INTO pg_roles VALUES (session_user, true);"
    " SET LOCAL search_path = pg_temp, pg_catalog, public"
)


@pytest.mark.parametrize("what", ["lesson marked taught early", "line added to a paid invoice"])
def test_the_desk_cannot_pass_for_the_owner_in_a_guard_by_a_temp_pg_roles(
    connect: Connect, world: World, what: str
) -> None:
    """`app_is_owner()` (0010) is plain SQL with no search_path of its own, and reads
    `pg_roles`/`pg_database` unqualified; the guards `lessons_marked_once_started` and
    `invoice_lines_on_drafts` (not definer, no search_path) ask it when studiosync.audit is
    'off'. The desk sets that, a temp table pg_roles, and pg_temp first in its search_path:
    the guards then took it for the owner's bulk load. Refused as without the spoof (0050:
    app_is_owner() names pg_catalog's tables)."""
    owner, desk = connect("owner"), connect("desk")
    mine = world.logins["desk"].studio
    if what == "lesson marked taught early":
        row = owner.execute(
            "SELECT id FROM lessons WHERE studio_id = %s AND status = 'scheduled'"
            " AND scheduled_start > now() + interval '1 day' LIMIT 1",
            (mine,),
        ).fetchone()
        sql = "UPDATE lessons SET status = 'completed' WHERE id = %s"
    else:
        row = owner.execute(
            "SELECT id FROM invoices WHERE studio_id = %s AND status <> 'draft' LIMIT 1",
            (mine,),
        ).fetchone()
        if row is None:
            row = owner.execute(
                "UPDATE invoices SET status = 'sent' WHERE id = (SELECT id FROM invoices"
                " WHERE studio_id = %s LIMIT 1) RETURNING id",
                (mine,),
            ).fetchone()
            owner.commit()
        sql = (
            "INSERT INTO invoice_line_items (studio_id, invoice_id, description, unit_price)"
            " VALUES (app_studio_id(), %s, 'extra', 500)"
        )
    assert row is not None
    with pytest.raises(psycopg.errors.CheckViolation), desk.transaction(force_rollback=True):
        desk.execute(sql, row)  # type: ignore[arg-type]
    # Refused at the temp table (0051: no login has temp objects), or else by the guard.
    refused = (psycopg.errors.CheckViolation, psycopg.errors.InsufficientPrivilege)
    with pytest.raises(refused), desk.transaction(force_rollback=True):
        desk.execute(SPOOF)
        desk.execute(sql, row)  # type: ignore[arg-type]


SHADOWS = {
    # what the desk does, the temp table it shadows a public one with, and how it reads
    "practice for free": (
        "CREATE TEMP TABLE practice_rooms ON COMMIT DROP AS SELECT * FROM public.practice_rooms;"
        " UPDATE pg_temp.practice_rooms SET hourly_rate = 0",
        "INSERT INTO public.room_reservations (studio_id, room_id, student_id, start_time,"
        " end_time) SELECT app_studio_id(), r.id, st.user_id, now() + interval '400 days',"
        " now() + interval '400 days 3 hours' FROM public.practice_rooms r, public.students st"
        " WHERE st.studio_id = r.studio_id LIMIT 1 RETURNING total_cost",
    ),
    "an issued invoice's line repriced": (
        "CREATE TEMP TABLE invoices ON COMMIT DROP AS SELECT * FROM public.invoices;"
        " UPDATE pg_temp.invoices SET status = 'draft'",
        "UPDATE public.invoice_line_items SET unit_price = unit_price + 100 WHERE id ="
        " (SELECT li.id FROM public.invoice_line_items li JOIN public.invoices i"
        "   ON i.id = li.invoice_id WHERE i.status <> 'draft' LIMIT 1) RETURNING unit_price",
    ),
}


@pytest.mark.parametrize("what", sorted(SHADOWS))
def test_a_temp_table_named_like_a_public_one_fools_no_guard(
    connect: Connect, world: World, what: str
) -> None:
    """Trigger functions run as the caller and most have no search_path of their own
    (room_reservations_compute_cost, invoice_lines_guard, invoice_lines_on_drafts,
    invoices_compute_totals, pay_lines_guard...): with pg_temp first in its search_path the
    desk's temp table stood in for the public one they read. Seen: a three-hour booking of a
    paid room cost 0.00; an issued invoice's line was repriced (its lines are frozen).
    Now (0051) no login may make temp objects at all: the stand-in is refused, for every
    role."""
    shadow = SHADOWS[what][0]
    for who in ("desk", "admin", "teacher"):
        person = connect(who)
        with (
            pytest.raises(psycopg.errors.InsufficientPrivilege),
            person.transaction(force_rollback=True),
        ):
            person.execute(shadow)  # type: ignore[arg-type]
        with (
            pytest.raises(psycopg.errors.InsufficientPrivilege),
            person.transaction(force_rollback=True),
        ):
            person.execute("CREATE FUNCTION pg_temp.now() RETURNS int LANGUAGE sql AS 'SELECT 1'")
    assert world.logins["desk"].role == "desk"


@pytest.mark.parametrize("exclude", [None, [None]])
def test_a_null_in_the_lessons_to_ignore_hides_no_clash(
    connect: Connect, world: World, exclude: Any
) -> None:
    """`NOT (l.id = ANY(exclude))` is NULL for a NULL array or one holding a NULL, so the clash
    check (0043, 0048) finds no teacher or person clash at all (rooms keep theirs only when
    the occupancy has no lesson). The services pass '{}'; psql and any later caller may not.
    Should: the same clashes as with '{}'."""
    desk = connect("desk")
    mine = _ids(connect("owner"), world.logins["desk"].studio)
    columns = [list(c) for c in zip(*mine["lessons"], strict=True)]
    query = (
        "SELECT kind FROM studiosync_clashes(%s::uuid[], %s::uuid[], %s::uuid[], %s::uuid[],"
        " %s::timestamptz[], %s::timestamptz[], %s::uuid[])"
    )
    want = sorted(k for (k,) in desk.execute(query, [*columns, []]).fetchall())
    got = sorted(k for (k,) in desk.execute(query, [*columns, exclude]).fetchall())
    assert want and got == want


def test_probes_with_open_or_reversed_spans(connect: Connect, world: World) -> None:
    """What 0048's probes do with NULL, infinite and reversed spans (recorded, not a leak):
    NULL and infinite bounds read the whole studio (its desk may read it all anyway); a
    reversed span is an error (22000), where the desk's own query before 0048 found none."""
    desk = connect("desk")
    whole = desk.execute(RESERVATIONS, ("-infinity", "infinity")).fetchall()
    assert desk.execute(RESERVATIONS, (None, None)).fetchall() == whole
    mine = world.logins["desk"].studio
    studios = desk.execute(
        "SELECT DISTINCT studio_id FROM room_reservations WHERE id = ANY(%s)",
        ([r for (r,) in whole],),
    ).fetchall()
    assert studios == [(mine,)]
    with pytest.raises(psycopg.errors.DataException), desk.transaction():
        desk.execute(RESERVATIONS, (SPAN[1], SPAN[0]))
    teacher = connect("teacher")
    everyone = [r[0] for r in connect("owner").execute("SELECT id FROM teachers").fetchall()]
    rows = teacher.execute(
        "SELECT kind, key FROM studiosync_day_busy(NULL, NULL, %s)", (everyone,)
    ).fetchall()
    assert rows and {(k, key) for k, key in rows} == {("teacher", world.logins["teacher"].teacher)}


@pytest.mark.parametrize("name", ["deactivated desk"])
def test_a_deactivated_or_rowless_login_gets_nothing_from_the_probes(
    connect: Connect, world: World, name: str, database_url: str
) -> None:
    """0048's `IF NOT FOUND THEN everyone := app_is_owner()`: a deactivated login (its session
    left open) and a login whose users row was deleted answer nothing, even with pg_temp first
    in its search path (inside the definer function pg_catalog is searched first)."""
    owner = connect("owner")
    gone = world.logins[name]
    row = owner.execute("SELECT is_active FROM users WHERE id = %s", (gone.user,)).fetchone()
    assert row == (False,)
    from permission_world import PASSWORD

    from studiosync_desktop.embedded import libpq_dsn

    everyone = [r[0] for r in owner.execute("SELECT id FROM teachers").fetchall()]
    # Deactivating took its LOGIN and its group (permission denied for the probes): given
    # both back, its row still inactive, then with no row at all.
    owner.execute(f'ALTER ROLE "{gone.login}" LOGIN')
    owner.execute(f'GRANT studiosync_desk TO "{gone.login}"')
    owner.commit()
    try:
        with psycopg.connect(libpq_dsn(database_url), user=gone.login, password=PASSWORD) as c:
            for rowless in (False, True):
                if rowless:  # as if its users row were deleted: no row names the login
                    owner.execute("UPDATE users SET db_role = NULL WHERE id = %s", (gone.user,))
                    owner.commit()
                with c.transaction(force_rollback=True):
                    # (A temp pg_roles is refused since 0051; the search path is kept.)
                    c.execute("SET LOCAL search_path = pg_temp, pg_catalog, public")
                    busy = c.execute(
                        "SELECT * FROM studiosync_day_busy('-infinity', 'infinity', %s)",
                        (everyone,),
                    ).fetchall()
                    found = c.execute(RESERVATIONS, ("-infinity", "infinity")).fetchall()
                    assert (busy, found) == ([], []), rowless
    finally:
        owner.execute("UPDATE users SET db_role = %s WHERE id = %s", (gone.login, gone.user))
        owner.execute(f'ALTER ROLE "{gone.login}" NOLOGIN')
        owner.execute(f'REVOKE studiosync_desk FROM "{gone.login}"')
        owner.commit()
