"""The plans that make the desk fast, kept: each screen's own service call, run as the desk's
login with row security on, must reach the rows through its index.

Row security can silently take an index away: a policy's look-up that reads a whole table, or
a condition the planner may not apply before the policy (LIKE, `<%` and range overlaps are not
leakproof). The screens then still work, only 10 to 50 times slower on a real studio's data.
Here sequential scans are made as dear as the planner allows (`enable_seqscan = off`), so a
plan shows a sequential scan only where no index can answer; `auto_explain` reports the plans
of every statement, those run inside the database's functions included.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import psycopg
import pytest
from factories import Maker
from sqlalchemy import event, text

from studiosync_desktop.db import Database
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services.accounts import AccountService
from studiosync_desktop.services.container import Services

DAY = date(2030, 5, 6)
T0 = datetime(2030, 5, 6, 15, 0, tzinfo=UTC)
PASSWORD = "desk-password-1"


class Plans:
    """The plans of the statements run on a connection since `clear()`."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def clear(self) -> None:
        self.seen.clear()

    def note(self, diagnostic: psycopg.errors.Diagnostic) -> None:
        if "plan:" in (diagnostic.message_primary or ""):
            self.seen.append(diagnostic.message_primary or "")

    @property
    def text(self) -> str:
        return "\n".join(self.seen)


@pytest.fixture
def desk(db: Database, admin: Actor, database_url: str) -> Iterator[tuple[Services, Actor, Plans]]:
    """The desk's login on a small studio, its plans reported by auto_explain."""
    yield from _logged_in(db, admin, database_url, "desk")


@pytest.fixture
def teacher(
    db: Database, admin: Actor, database_url: str
) -> Iterator[tuple[Services, Actor, Plans]]:
    """The teacher's own login (Tom Teach) on the same studio, its plans reported."""
    yield from _logged_in(db, admin, database_url, "teacher")


def _logged_in(
    db: Database, admin: Actor, database_url: str, role: str
) -> Iterator[tuple[Services, Actor, Plans]]:
    make = Maker(db, admin.studio_id)
    teacher = make.teacher("Tom", "Teach")
    student = make.student("Sofia", "Martinez", teacher_id=teacher)
    room = make.room("Room B")
    make.lesson(teacher, T0, student_id=student, room_id=room)
    make.invoice(family_id=make.family("Martinez family"), total="120.00")
    with db.session() as s:
        teachers_email = s.execute(
            text("SELECT u.email FROM users u JOIN teachers t ON t.user_id = u.id WHERE t.id = :t"),
            {"t": teacher},
        ).scalar_one()
    login = AccountService(db).invite(
        admin,
        {
            "first_name": "Dana",
            "email": "desk@plans.example" if role == "desk" else teachers_email,
            "role": role,
            "password": "desk-password-1",
        },
    )
    plans = Plans()
    # A superuser's connection that becomes the login (session_user too: the policies'
    # look-ups go by it) after loading auto_explain, which only a superuser may load.
    login_db = Database(database_url, pool_size=1, max_overflow=0)

    @event.listens_for(login_db.engine, "connect")
    def _as_login(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.add_notice_handler(plans.note)
        autocommit = dbapi_connection.autocommit
        dbapi_connection.autocommit = True
        for statement in (
            "LOAD 'auto_explain'",
            "SET auto_explain.log_min_duration = 0",
            "SET auto_explain.log_nested_statements = on",
            "SET client_min_messages = log",
            "SET enable_seqscan = off",
            f'SET SESSION AUTHORIZATION "{login}"',
        ):
            dbapi_connection.execute(statement)
        dbapi_connection.autocommit = autocommit

    actor, _ = AccountService(login_db).start_session()
    plans.clear()
    yield Services.build(login_db), actor, plans
    login_db.dispose()


def reads_by_index(plans: Plans, *indexes: str) -> None:
    for index in indexes:
        assert index in plans.text, f"no plan uses {index}:\n{plans.text}"
    assert "Seq Scan" not in plans.text, f"a table was read whole:\n{plans.text}"


def test_the_policies_find_the_desks_login_by_its_index(
    desk: tuple[Services, Actor, Plans],
) -> None:
    services, actor, plans = desk
    services.rooms.rooms(actor)
    assert "uq_users_db_role" in plans.text, plans.text
    assert "Seq Scan on users" not in plans.text, plans.text


def test_the_calendar_week_reads_the_weeks_lessons_by_their_start(
    desk: tuple[Services, Actor, Plans],
) -> None:
    services, actor, plans = desk
    assert len(services.scheduling.week(actor, DAY)) == 1
    assert re.search(r"Index Cond: \(.*scheduled_start >=", plans.text), plans.text
    assert "Seq Scan on lessons" not in plans.text, plans.text
    # The teachers' names, read with the week: each teacher's own user, by an index (joined,
    # the users were read whole; a teacher's login then also worked out its students' users
    # for each). On the large demo it is pk_users; on this tiny studio the planner may as well
    # take the studio's index and check the id.
    assert re.search(
        r"SubPlan \d+\n.*Index Scan using \w+ on users u\b.*\n(.*\n)*?.*\(id = t\.user_id\)",
        plans.text,
    ), plans.text


def test_the_invoices_first_page_reads_the_newest_from_their_index(
    desk: tuple[Services, Actor, Plans],
) -> None:
    services, actor, plans = desk
    page = services.billing.invoices(actor)
    assert len(page.rows) == 1 and page.total == 1
    assert "ix_invoices_studio_id_day_id" in plans.text, plans.text
    assert "Seq Scan on invoices" not in plans.text and "Sort Key" not in plans.text, plans.text


def test_a_roster_search_asks_the_trigram_indexes(desk: tuple[Services, Actor, Plans]) -> None:
    services, actor, plans = desk
    found = services.roster.students(actor, search="sofia martines")  # a typo forgiven
    assert [r.name for r in found.rows] == ["Sofia Martinez"]
    reads_by_index(plans, "ix_users_search_text")
    plans.clear()
    found = services.roster.students(actor, search="pian")  # the instrument: the student's own
    assert [r.name for r in found.rows] == ["Sofia Martinez"]
    reads_by_index(plans, "ix_students_search_text")


def test_a_conflict_check_probes_the_exclusion_constraints_indexes(
    desk: tuple[Services, Actor, Plans],
) -> None:
    services, actor, plans = desk
    lesson = services.scheduling.week(actor, DAY)[0]
    free = {
        "teacher_id": lesson.teacher_id,
        "student_id": lesson.student_id,
        "room_id": lesson.room_id,
        "start": T0 + timedelta(days=1),
        "end": T0 + timedelta(days=1, minutes=30),
    }
    plans.clear()
    assert services.scheduling.check(actor, free) == ()
    assert "Seq Scan on lessons" not in plans.text, plans.text
    for index in ("ex_lesson_attendance_person_busy", "ex_room_occupancy_room_busy"):
        assert index in plans.text, plans.text
    assert "teacher_busy" in plans.text and "Index Cond" in plans.text, plans.text
    # 0048: the desk's own login row answers who it is (not the database's owner), and the
    # function keeps one plan: no parallel workers to start for a few index probes.
    assert "pg_database" not in plans.text and "Gather" not in plans.text, plans.text
    taken = {**free, "start": T0, "end": T0 + timedelta(minutes=30)}
    assert len(services.scheduling.check(actor, taken)) >= 1


def test_a_room_day_reads_the_days_bookings_by_their_index(
    desk: tuple[Services, Actor, Plans], db: Database, admin: Actor
) -> None:
    services, actor, plans = desk
    make = Maker(db, admin.studio_id)
    make.reservation(make.room("Room C"), make.person("Ria", "Hall"), T0 + timedelta(hours=2))
    make.reservation(make.room("Room D"), make.person("Ona", "Lee"), T0 + timedelta(days=3))
    plans.clear()
    day = services.rooms.day(actor, DAY)
    assert len(day.lessons) == 1 and len(day.reservations) == 1
    assert "Seq Scan on room_occupancy" not in plans.text, plans.text
    assert "Seq Scan on lessons" not in plans.text, plans.text
    # 0048: the day's reservations by their span (not every reservation of the studio).
    reads_by_index(plans, "ixh_room_reservations_studio_span", "pk_room_reservations")
    assert "Gather" not in plans.text, plans.text


def test_a_teachers_week_steps_through_their_students_in_the_index(
    teacher: tuple[Services, Actor, Plans],
) -> None:
    """The teacher's login asks for its students (their policies do) by stepping from one
    student to the next in (teacher_id, student_id), not by reading all its lessons (0049)."""
    services, actor, plans = teacher
    (lesson,) = services.scheduling.week(actor, DAY)
    assert lesson.student_name == "Sofia Martinez" and lesson.teacher_name == "Tom Teach"
    assert "Recursive Union" in plans.text, plans.text
    assert re.search(
        r"Index Only Scan using ix_lessons_teacher_id_student_id on lessons l\b.*\n"
        r".*Index Cond: \(\(teacher_id = \$\d+\) AND \(student_id > t\.student_id\)\)",
        plans.text,
    ), plans.text
