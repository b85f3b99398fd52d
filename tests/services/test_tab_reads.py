"""The read services behind the five main tabs, against the real database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from factories import Maker

from studiosync_desktop.db import Database
from studiosync_desktop.errors import PermissionDenied, ValidationFailed
from studiosync_desktop.models import User
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services.billing import BillingService
from studiosync_desktop.services.inventory import InventoryService
from studiosync_desktop.services.rooms import RoomService
from studiosync_desktop.services.roster import RosterService
from studiosync_desktop.services.scheduling import SchedulingService

NY = ZoneInfo("America/New_York")  # the `admin` fixture's studio time zone


@pytest.fixture
def make(db: Database, admin: Actor) -> Maker:
    return Maker(db, admin.studio_id)


def other_actor(db: Database) -> tuple[Maker, Actor]:
    maker = Maker.new_studio(db)
    with db.session() as s:
        u = User(
            studio_id=maker.studio_id, email="boss@other.example", first_name="Bo", role="admin"
        )
        s.add(u)
        s.flush()
        actor = Actor(user_id=u.id, studio_id=maker.studio_id, role="admin", name="Bo")
    return maker, actor


# --- scheduling -------------------------------------------------------------------------


def test_week_returns_lessons_of_the_week_in_start_order_with_names(
    db: Database, admin: Actor, make: Maker
) -> None:
    teacher = make.teacher("Maya", "Chen")
    student = make.student("Sam", "Lee")
    band = make.band("The Quavers")
    room = make.room("Room B")
    monday = date(2026, 3, 2)
    later = datetime(2026, 3, 4, 16, 0, tzinfo=NY)
    earlier = datetime(2026, 3, 2, 9, 0, tzinfo=NY)
    make.lesson(teacher, later, student_id=student, room_id=room, rate="52.50")
    make.lesson(teacher, earlier, band_id=band)
    make.lesson(teacher, datetime(2026, 3, 9, 9, 0, tzinfo=NY), student_id=student)  # next week

    rows = SchedulingService(db).week(admin, monday)

    assert [r.start for r in rows] == [earlier, later]
    assert rows[0].student_name == "The Quavers"
    assert rows[1].student_name == "Sam Lee"
    assert rows[1].teacher_name == "Maya Chen"
    assert rows[1].room_name == "Room B"
    assert rows[1].rate == Decimal("52.50")
    assert rows[1].start.tzinfo is not None


def test_week_boundaries_are_midnight_in_the_studio_time_zone(
    db: Database, admin: Actor, make: Maker
) -> None:
    teacher = make.teacher()
    student = make.student("Ana", "Ruiz")
    # 23:30 on Sunday 1 March in New York is 04:30 UTC on Monday 2 March.
    sunday_night = datetime(2026, 3, 1, 23, 30, tzinfo=NY)
    # 23:30 on Sunday 8 March in New York (after the DST change) is still the first week.
    last_evening = datetime(2026, 3, 8, 23, 30, tzinfo=NY)
    # 00:15 on Monday 2 March in New York is 05:15 UTC: inside the week.
    monday_early = datetime(2026, 3, 2, 0, 15, tzinfo=NY)
    for start in (sunday_night, last_evening, monday_early):
        make.lesson(teacher, start, student_id=student)

    rows = SchedulingService(db).week(admin, date(2026, 3, 2))

    assert [r.start for r in rows] == [monday_early, last_evening]
    assert sunday_night.astimezone(UTC).date() == date(2026, 3, 2)  # the trap UTC would fall in


def test_week_can_be_filtered_by_teacher(db: Database, admin: Actor, make: Maker) -> None:
    maya, leo = make.teacher("Maya", "Chen"), make.teacher("Leo", "Park")
    student = make.student("Sam", "Lee")
    make.lesson(maya, datetime(2026, 3, 3, 10, tzinfo=NY), student_id=student)
    make.lesson(leo, datetime(2026, 3, 3, 11, tzinfo=NY), student_id=student)

    rows = SchedulingService(db).week(admin, date(2026, 3, 2), teacher_id=leo)

    assert [r.teacher_name for r in rows] == ["Leo Park"]


def test_week_shows_only_the_actors_studio(db: Database, admin: Actor, make: Maker) -> None:
    other, other_admin = other_actor(db)
    when = datetime(2026, 3, 3, 10, tzinfo=NY)
    make.lesson(make.teacher(), when, student_id=make.student("Mine", "One"))
    other.lesson(other.teacher(), when, student_id=other.student("Theirs", "One"))

    assert [r.student_name for r in SchedulingService(db).week(admin, date(2026, 3, 2))] == [
        "Mine One"
    ]
    assert [r.student_name for r in SchedulingService(db).week(other_admin, date(2026, 3, 2))] == [
        "Theirs One"
    ]


# --- roster ---------------------------------------------------------------------------


def test_students_paging_returns_every_student_once_in_name_order(
    db: Database, admin: Actor, make: Maker
) -> None:
    names = [("Ada", "Zed"), ("Bob", "Able"), ("Cy", "Able"), ("Di", "Moss"), ("Ed", "Moss")]
    names += [("Fay", f"Nash{i:02d}") for i in range(8)]
    for first, last in names:
        make.student(first, last)
    service = RosterService(db)

    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        page = service.students(admin, cursor=cursor, limit=3)
        pages += 1
        if pages == 1:
            assert page.total == len(names)
        seen.extend(r.name for r in page.rows)
        cursor = page.next_cursor
        if cursor is None:
            break

    expected = [f"{f} {last}" for f, last in sorted(names, key=lambda n: (n[1], n[0]))]
    assert seen == expected
    assert pages == 5


def test_students_search_matches_name_email_phone_and_instrument(
    db: Database, admin: Actor, make: Maker
) -> None:
    teacher = make.teacher("Maya", "Chen")
    family = make.family("Lee family")
    make.student("Sam", "Lee", instrument="Cello", family_id=family, teacher_id=teacher)
    make.student("Ana", "Ruiz", instrument="Violin", email="ana.r@mail.example")
    make.student("Per_cent", "Odd", instrument="Drums")
    service = RosterService(db)

    def names(search: str) -> list[str]:
        return [r.name for r in service.students(admin, search=search).rows]

    assert names("cello") == ["Sam Lee"]
    assert names("sam lee") == ["Sam Lee"]
    assert names("ana.r@") == ["Ana Ruiz"]
    assert names("_") == ["Per_cent Odd"]  # wildcards are taken literally
    row = service.students(admin, search="Lee").rows[0]
    assert (row.family_name, row.teacher_name, row.phone) == ("Lee family", "Maya Chen", "555-0100")


def test_inactive_students_are_hidden_unless_asked_for(
    db: Database, admin: Actor, make: Maker
) -> None:
    make.student("Gone", "Away", is_active=False)
    make.student("Still", "Here")
    service = RosterService(db)

    assert [r.name for r in service.students(admin).rows] == ["Still Here"]
    assert {r.name for r in service.students(admin, include_inactive=True).rows} == {
        "Gone Away",
        "Still Here",
    }


def test_students_of_another_studio_are_not_listed(db: Database, admin: Actor, make: Maker) -> None:
    other, _ = other_actor(db)
    other.student("Theirs", "Only")
    make.student("Mine", "Only")

    assert [r.name for r in RosterService(db).students(admin).rows] == ["Mine Only"]


def test_a_tampered_cursor_is_refused_as_bad_input(db: Database, admin: Actor) -> None:
    with pytest.raises(ValidationFailed):
        RosterService(db).students(admin, cursor="not-a-cursor!")


# --- billing --------------------------------------------------------------------------


def studio_today() -> date:
    return datetime.now(NY).date()


def test_invoices_page_newest_first_and_every_invoice_once(
    db: Database, admin: Actor, make: Maker
) -> None:
    family = make.family("Lee family")
    issued = [date(2026, 1, 1) + timedelta(days=i // 2) for i in range(9)]  # two per day
    ids = {make.invoice(family_id=family, issue=d, due=d + timedelta(days=14)) for d in issued}
    service = BillingService(db)

    seen = []
    cursor = None
    while True:
        page = service.invoices(admin, cursor=cursor, limit=2)
        seen.extend(page.rows)
        cursor = page.next_cursor
        if cursor is None:
            break

    assert {r.id for r in seen} == ids
    assert len(seen) == len(ids)
    dates = [r.issue_date for r in seen]
    assert dates == sorted(dates, reverse=True)


def test_overdue_is_derived_from_status_balance_and_due_date_in_studio_time(
    db: Database, admin: Actor, make: Maker
) -> None:
    family = make.family("Lee family")
    today = studio_today()
    yesterday = today - timedelta(days=1)
    issue = today - timedelta(days=30)
    cases = {
        "late": make.invoice(family_id=family, issue=issue, due=yesterday, total="80.00"),
        "partly paid late": make.invoice(
            family_id=family, status="partial", issue=issue, due=yesterday, paid="30.00"
        ),
        "due today": make.invoice(family_id=family, issue=issue, due=today),
        "paid late": make.invoice(
            family_id=family, status="paid", issue=issue, due=yesterday, paid="100.00"
        ),
        "draft": make.invoice(family_id=family, status="draft", issue=issue, due=yesterday),
        "void": make.invoice(family_id=family, status="void", issue=issue, due=yesterday),
    }
    by_id = {r.id: r for r in BillingService(db).invoices(admin).rows}
    overdue = {name for name, iid in cases.items() if by_id[iid].is_overdue}

    assert overdue == {"late", "partly paid late"}
    assert by_id[cases["partly paid late"]].balance == Decimal("70.00")
    assert by_id[cases["late"]].total == Decimal("80.00")
    only = BillingService(db).invoices(admin, status="overdue").rows
    assert {r.id for r in only} == {cases["late"], cases["partly paid late"]}


def test_invoice_payer_is_named_whatever_its_kind(db: Database, admin: Actor, make: Maker) -> None:
    fam = make.invoice(family_id=make.family("Lee family"), issue=date(2026, 1, 3))
    band = make.invoice(band_id=make.band("The Quavers"), issue=date(2026, 1, 2))
    solo = make.invoice(student_id=make.student("Sam", "Solo"), issue=date(2026, 1, 1))

    rows = {r.id: r for r in BillingService(db).invoices(admin).rows}

    assert (rows[fam].payer_name, rows[fam].payer_kind) == ("Lee family", "family")
    assert (rows[band].payer_name, rows[band].payer_kind) == ("The Quavers", "band")
    assert (rows[solo].payer_name, rows[solo].payer_kind) == ("Sam Solo", "student")


def test_invoices_of_another_studio_are_not_listed(db: Database, admin: Actor, make: Maker) -> None:
    other, _ = other_actor(db)
    other.invoice(family_id=other.family("Theirs"))
    mine = make.invoice(family_id=make.family("Mine"))

    assert [r.id for r in BillingService(db).invoices(admin).rows] == [mine]


def test_an_unknown_invoice_status_filter_is_refused(db: Database, admin: Actor) -> None:
    with pytest.raises(ValidationFailed) as caught:
        BillingService(db).invoices(admin, status="lost")
    assert "status" in caught.value.fields


# --- inventory ------------------------------------------------------------------------


def test_items_paging_search_and_low_stock(db: Database, admin: Actor, make: Maker) -> None:
    make.item("Violin 1/2", quantity=4, available=1, threshold=2, serial="VN-001")
    make.item("Violin 3/4", quantity=4, available=4, threshold=2, location="Room B shelf")
    make.item("Amp", quantity=1, available=1, threshold=0)
    for i in range(5):
        make.item(f"Music stand {i}")
    service = InventoryService(db)

    seen = []
    cursor = None
    while True:
        page = service.items(admin, cursor=cursor, limit=3)
        seen.extend(r.name for r in page.rows)
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == sorted(seen)
    assert len(seen) == len(set(seen)) == 8

    rows = {r.name: r for r in service.items(admin, search="violin").rows}
    assert set(rows) == {"Violin 1/2", "Violin 3/4"}
    assert rows["Violin 1/2"].is_low_stock
    assert not rows["Violin 3/4"].is_low_stock
    assert [r.name for r in service.items(admin, search="vn-00").rows] == ["Violin 1/2"]
    assert [r.name for r in service.items(admin, search="shelf").rows] == ["Violin 3/4"]


def test_items_of_another_studio_are_not_listed(db: Database, admin: Actor, make: Maker) -> None:
    other, _ = other_actor(db)
    other.item("Their tuba")
    make.item("Our tuba")

    assert [r.name for r in InventoryService(db).items(admin).rows] == ["Our tuba"]


# --- rooms ----------------------------------------------------------------------------


def test_room_day_has_rooms_reservations_and_room_lessons_of_that_local_day(
    db: Database, admin: Actor, make: Maker
) -> None:
    room_a, room_b = make.room("Room A"), make.room("Room B", rate="20.00")
    person = make.person("Pia", "Practice")
    teacher = make.teacher("Maya", "Chen")
    student = make.student("Sam", "Lee")
    day = date(2026, 3, 3)
    booked = make.reservation(room_b, person, datetime(2026, 3, 3, 17, tzinfo=NY), cost="20.00")
    make.reservation(room_a, person, datetime(2026, 3, 3, 23, 30, tzinfo=NY))  # 04:30 UTC next day
    make.reservation(room_a, person, datetime(2026, 3, 4, 9, tzinfo=NY))  # next day
    in_room = make.lesson(
        teacher, datetime(2026, 3, 3, 15, tzinfo=NY), student_id=student, room_id=room_a
    )
    make.lesson(teacher, datetime(2026, 3, 3, 16, tzinfo=NY), student_id=student)  # no room

    result = RoomService(db).day(admin, day)

    assert result.day == day
    assert [r.name for r in result.rooms] == ["Room A", "Room B"]
    assert result.rooms[1].hourly_rate == Decimal("20.00")
    assert [r.start.astimezone(NY).hour for r in result.reservations] == [17, 23]
    first = result.reservations[0]
    assert (first.id, first.room_name, first.person_name) == (booked, "Room B", "Pia Practice")
    assert first.total_cost == Decimal("20.00")
    assert [(r.id, r.room_name) for r in result.lessons] == [(in_room, "Room A")]


def test_room_day_of_another_studio_is_empty(db: Database, admin: Actor, make: Maker) -> None:
    other, _ = other_actor(db)
    room = other.room("Their room")
    other.reservation(room, other.person("X", "Y"), datetime(2026, 3, 3, 12, tzinfo=NY))

    result = RoomService(db).day(admin, date(2026, 3, 3))

    assert result.rooms == () and result.reservations == () and result.lessons == ()


def test_a_teacher_may_not_read_invoices_but_may_read_the_schedule(
    db: Database, admin: Actor
) -> None:
    teacher = admin.model_copy(update={"role": "teacher", "name": "Tess Teacher"})

    with pytest.raises(PermissionDenied) as caught:
        BillingService(db).invoices(teacher)
    assert "billing" in str(caught.value)
    assert SchedulingService(db).week(teacher, date(2026, 3, 2)) == ()
