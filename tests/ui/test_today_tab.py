"""The desk's opening view on the demo studio, as the desk's own login, by keys and clicks."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from desk_driver import Desk
from lesson_days import begun_for_the_database
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QTreeWidgetItem
from sqlalchemy import text

from studiosync_desktop.db import Database
from studiosync_desktop.services.free_time import DEFAULT_HOURS, on_grid
from studiosync_desktop.ui.dialogs.lesson_dialog import LessonDialog
from studiosync_desktop.ui.tabs.today import TodayTab
from studiosync_desktop.zones import zone_of


def _today_tab(desk: Desk) -> TodayTab:
    tab = desk.window.current_tab()
    assert isinstance(tab, TodayTab), "the desk opens on Today"
    return tab


def _click_item(desk: Desk, tab: TodayTab, item: QTreeWidgetItem) -> None:
    tree = tab.panel.tree
    tree.scrollToItem(item)
    desk.click(tree.viewport(), tree.visualItemRect(item).center())


def _item(tab: TodayTab, section: str, contains: str) -> QTreeWidgetItem:
    parent = tab.panel.sections[section]
    found = [
        parent.child(i) for i in range(parent.childCount()) if contains in parent.child(i).text(0)
    ]
    assert len(found) == 1, (section, contains, tab.panel.lines(section))
    return found[0]


def _a_late_lesson(desk: Desk, db: Database) -> tuple[TodayTab, dict[str, object]]:
    """A demo student whose lesson started ten minutes ago, at noon where the studio is."""
    tab = _today_tab(desk)
    zone = zone_of(tab.board.timezone if tab.board else "UTC")
    noon = datetime.combine(datetime.now(zone).date(), time(12), zone)
    services, actor = desk.services, desk.person.actor
    choices = services.scheduling.choices(actor)
    teacher, student = choices.teachers[0], choices.students[0]
    lesson = services.scheduling.create_lesson(
        actor,
        {
            "teacher_id": teacher.id,
            "student_id": student.id,
            "start": noon - timedelta(minutes=10),
            "end": noon + timedelta(minutes=20),
        },
    )
    tab.now = lambda: noon  # the studio's noon, whenever the test runs
    with desk.qtbot.waitSignal(tab.loaded, timeout=10000):
        desk.key(Qt.Key.Key_F5)
    return tab, {"noon": noon, "teacher": teacher, "student": student, "lesson": lesson, "db": db}


def _expected_free(db: Database, teacher_id: object, after: datetime) -> tuple[datetime, datetime]:
    """Worked out here from the database: the teacher's buffer, and their next lesson."""
    zone = after.tzinfo
    with db.session() as s:
        buffer = s.execute(
            text("SELECT booking_buffer_minutes FROM teachers WHERE id = :t"), {"t": teacher_id}
        ).scalar_one()
        start = on_grid(after + timedelta(minutes=buffer), zone)  # type: ignore[arg-type]
        following = s.execute(
            text(
                "SELECT min(scheduled_start) FROM lessons WHERE teacher_id = :t"
                " AND status IN ('scheduled', 'in_progress', 'completed')"
                " AND scheduled_start >= :after"
            ),
            {"t": teacher_id, "after": start},
        ).scalar_one()
    closes = datetime.combine(after.date(), DEFAULT_HOURS[1], zone)
    return start, min(following, closes) if following else closes


def test_today_shows_a_late_student_and_the_next_free_slot_and_checks_them_in(
    desk: Desk, db: Database
) -> None:
    tab, made = _a_late_lesson(desk, db)
    noon, teacher, student = made["noon"], made["teacher"], made["student"]

    late = _item(tab, "late", student.name)  # type: ignore[attr-defined]
    assert "10 min late" in late.text(0)
    assert made["lesson"].id in tab.grid.late  # type: ignore[attr-defined]
    assert tab.grid.y_now() == tab.grid.y_of(noon)  # type: ignore[arg-type]
    assert " late" in tab.summary.text() and "1 late" in tab.summary.text()
    start, end = _expected_free(db, teacher.id, noon + timedelta(minutes=20))  # type: ignore[attr-defined]
    free = _item(tab, "free", teacher.name)  # type: ignore[attr-defined]
    assert free.text(0).endswith(f"{start:%H:%M} to {end:%H:%M}")
    assert tab.grid.free[teacher.id] == (start, end)  # type: ignore[attr-defined]

    _click_item(desk, tab, late)
    begun_for_the_database(db, made["lesson"].id)  # type: ignore[attr-defined]
    desk.click_button("Check in")
    desk.wait_until(lambda: student.name in " ".join(tab.panel.lines("here")))  # type: ignore[attr-defined]
    assert tab.panel.lines("late") == ["none"]
    with db.session() as s:
        status = s.execute(
            text("SELECT status FROM lessons WHERE id = :l"),
            {"l": made["lesson"].id},  # type: ignore[attr-defined]
        ).scalar_one()
    assert status == "in_progress"
    assert desk.window.statusBar().currentMessage() == f"Checked in {student.name}."  # type: ignore[attr-defined]
    assert desk.interactions == 3  # F5, a click on the late student, Check in


def test_enter_on_the_next_free_slot_books_a_lesson_there(desk: Desk, db: Database) -> None:
    tab, made = _a_late_lesson(desk, db)
    teacher = made["teacher"]
    start, _end = _expected_free(db, teacher.id, made["noon"] + timedelta(minutes=20))  # type: ignore[attr-defined]
    _click_item(desk, tab, _item(tab, "free", teacher.name))  # type: ignore[attr-defined]
    desk.key(Qt.Key.Key_Return)
    desk.wait_until(lambda: isinstance(QApplication.activeModalWidget(), LessonDialog))
    dialog = QApplication.activeModalWidget()
    assert isinstance(dialog, LessonDialog) and dialog.windowTitle() == "Book a lesson"
    assert dialog.teacher.currentData() == teacher.id  # type: ignore[attr-defined]
    assert dialog.time.time().toString("HH:mm") == f"{start:%H:%M}"
    dialog.reject()


def test_by_room_shows_each_room_and_its_next_free_slot(desk: Desk, db: Database) -> None:
    tab, _made = _a_late_lesson(desk, db)
    desk.click_button("By room")
    desk.wait_until(lambda: tab.by() == "room")
    rooms = [c.title for c in tab.grid.columns]
    assert rooms and all(r in " ".join(tab.panel.lines("free")) for r in rooms if r != "No room")
    assert tab.panel.sections["free"].text(0) == "Next free slot by room"


def test_by_room_shades_a_practice_booking_in_its_rooms_column(desk: Desk, db: Database) -> None:
    tab, made = _a_late_lesson(desk, db)
    services, actor = desk.services, desk.person.actor
    room = next(r for r in services.rooms.rooms(actor) if r.is_active)
    person = services.rooms.people(actor, "")[0]
    start = made["noon"] + timedelta(hours=8)  # type: ignore[operator]
    services.rooms.reserve(
        actor,
        {
            "room_id": room.id,
            "person_id": person.id,
            "start": start,
            "end": start + timedelta(hours=1),
        },
    )
    with desk.qtbot.waitSignal(tab.loaded, timeout=10000):
        desk.key(Qt.Key.Key_F5)
    desk.click_button("By room")
    desk.wait_until(lambda: tab.by() == "room")
    [shade] = [s for s in tab.grid.shades if s.key == room.id and s.start == start]
    assert shade.text == f"{person.name} (practice)"
    rect = tab.grid.column_rect([c.key for c in tab.grid.columns].index(room.id), start, shade.end)
    tab.grid_scroll.ensureVisible(rect.center().x(), rect.center().y(), 50, 150)
    image = tab.grid.grab().toImage()
    assert image.pixelColor(rect.center()) != tab.grid.palette().base().color()


def test_a_day_without_lessons_says_so_and_how_to_go_on(desk: Desk) -> None:
    """The demo studio teaches no lessons on Sundays: Ctrl+Right to the next one."""
    tab = _today_tab(desk)
    assert tab.board is not None
    while tab.board.day.weekday() != 6:
        with desk.qtbot.waitSignal(tab.loaded, timeout=10000):
            desk.shortcut("Ctrl+Right")
    assert tab.day_stack.currentWidget() is tab.nothing
    assert tab.nothing.text().startswith(f"No lessons on {tab.board.day:%A %d %B}.")
    assert tab.navigator.label.text() == f"{tab.board.day:%A %d %B %Y}"


def test_a_teachers_today_is_their_own_day_without_the_rooms(
    qtbot, database_url: str, demo_studio
) -> None:  # type: ignore[no-untyped-def]
    """The teacher's own login (row-level security): their lessons, their next free slot."""
    from studiosync_desktop import login
    from studiosync_desktop.services.container import Services
    from studiosync_desktop.ui.error_presenter import ErrorPresenter
    from studiosync_desktop.ui.main_window import MainWindow
    from studiosync_desktop.ui.task_runner import TaskRunner

    person = login.log_in(database_url, "teacher1@demo.studiosync.example", "demo-teacher-2026")
    presenter = ErrorPresenter(interactive=False)
    shown: list[object] = []
    presenter.shown.connect(lambda kind, message: shown.append(message))
    window = MainWindow(
        Services.build(person.db), person.actor, "test", runner=TaskRunner(), presenter=presenter
    )
    qtbot.addWidget(window)
    try:
        window.show()
        qtbot.waitExposed(window)
        tab = window.current_tab()
        assert isinstance(tab, TodayTab)
        qtbot.waitUntil(lambda: tab.has_loaded, timeout=15000)
        assert shown == []
        assert tab.board is not None and tab.board.rooms == () and tab.board.reservations == ()
        assert {r.teacher_name for r in tab.board.lessons} <= {"Isabella Turner"}
        assert not any(b.isVisible() for b in tab.by_buttons.buttons())
        names = [f.place.name for f in tab.desk.free] if tab.desk else []
        assert names == [p.name for p in tab.board.teachers]
    finally:
        window.runner.wait(10000)
        window.runner.forget()
        person.db.dispose()
