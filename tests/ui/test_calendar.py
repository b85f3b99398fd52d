"""The Calendar tab: the week grid, booking by keyboard, refused drags, My schedule, outputs."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from factories import Maker
from PySide6.QtCore import QDate, QPoint, Qt
from sqlalchemy import text
from studio_week import mondays_lesson_is_today

from studiosync_desktop.db import Database
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services.container import Services
from studiosync_desktop.ui.dialogs.calendar_extras import ClosuresDialog
from studiosync_desktop.ui.dialogs.lesson_dialog import LessonDialog
from studiosync_desktop.ui.error_presenter import ErrorPresenter
from studiosync_desktop.ui.main_window import MainWindow
from studiosync_desktop.ui.tabs.calendar import CalendarTab
from studiosync_desktop.ui.task_runner import TaskRunner
from studiosync_desktop.ui.time_axis import FIRST_HOUR, SLOT_MINUTES

NY = ZoneInfo("America/New_York")


def _monday() -> date:
    today = datetime.now(NY).date()
    return today - timedelta(days=today.weekday())


def _tab(qtbot, window: MainWindow) -> CalendarTab:  # type: ignore[no-untyped-def]
    tab = window.tabs["calendar"]
    assert isinstance(tab, CalendarTab)
    with qtbot.waitSignal(tab.loaded, timeout=10000):
        window.select_tab("calendar")
        window.show()
    tab.grid.resize(1000, tab.grid.sizeHint().height())
    return tab


def _slot(hour: int, minute: int = 0) -> int:
    return ((hour - FIRST_HOUR) * 60 + minute) // SLOT_MINUTES


def test_week_grid_shows_this_weeks_lessons_as_blocks(qtbot, window, studio) -> None:  # type: ignore[no-untyped-def]
    tab = _tab(qtbot, window)
    assert [c.day for c in tab.grid.columns] == [_monday() + timedelta(days=i) for i in range(7)]
    blocks = sorted((r.start, r.student_name, r.teacher_name) for _rect, r in tab.grid._rects)
    assert len(blocks) == 2  # Monday 16:00 and today 09:00; next week's is not shown
    assert {(b[1], b[2]) for b in blocks} == {("Sam Lee", "Maya Chen")}
    monday_16 = datetime.combine(_monday(), datetime.min.time(), NY).replace(hour=16)
    assert monday_16 in [b[0] for b in blocks]
    assert tab.summary.text() == "2 lessons"


def test_enter_on_an_empty_slot_opens_the_booking_dialog_at_that_time(
    qtbot, window, studio
) -> None:  # type: ignore[no-untyped-def]
    tab = _tab(qtbot, window)
    grid = tab.grid
    grid.setFocus()
    grid.cursor_col, grid.cursor_slot = 0, _slot(10, 30)  # Monday 10:30: nothing there
    qtbot.keyClick(grid, Qt.Key.Key_Down)  # the arrows move the cursor: now 10:45
    qtbot.keyClick(grid, Qt.Key.Key_Return)
    dialog = tab.last_dialog
    assert isinstance(dialog, LessonDialog) and dialog.detail is None
    expected = datetime.combine(_monday(), datetime.min.time(), NY).replace(hour=10, minute=45)
    assert dialog._start() == expected
    dialog.reject()


def test_dragging_onto_a_clash_is_refused_and_the_block_goes_back(
    qtbot, window, studio: Maker, services: Services, admin: Actor, presenter: ErrorPresenter
) -> None:  # type: ignore[no-untyped-def]
    monday = _monday()
    maya = next(c.id for c in services.scheduling.choices(admin).teachers if c.name == "Maya Chen")
    ana = next(c.id for c in services.scheduling.choices(admin).students if c.name == "Ana Ruiz")
    at_17 = datetime.combine(monday, datetime.min.time(), NY).replace(hour=17)
    studio.lesson(maya, at_17, student_id=ana)
    tab = _tab(qtbot, window)
    grid = tab.grid
    rect, row = next((r, x) for r, x in grid._rects if x.start.astimezone(NY).hour == 16)
    before = QPoint(rect.center())
    hour_px = grid.slot_height * 60 // SLOT_MINUTES
    qtbot.mousePress(grid, Qt.MouseButton.LeftButton, pos=before)
    qtbot.mouseMove(grid, before + QPoint(0, hour_px))
    with qtbot.waitSignal(presenter.shown, timeout=10000) as shown:
        qtbot.mouseRelease(grid, Qt.MouseButton.LeftButton, pos=before + QPoint(0, hour_px))
    kind, message = shown.args
    assert kind == "message" and "Maya Chen already has a lesson with Ana Ruiz 17:00" in message
    back = next(r for r, x in grid._rects if x.id == row.id)
    assert back == rect and grid._drag_rect is None
    assert services.scheduling.lesson(admin, row.id).start == row.start  # nothing moved


def test_a_teachers_my_schedule_shows_only_their_lessons(
    qtbot, db: Database, services: Services, admin: Actor, studio: Maker, presenter
) -> None:  # type: ignore[no-untyped-def]
    bob = studio.teacher("Bob", "Bass")
    ana = next(c.id for c in services.scheduling.choices(admin).students if c.name == "Ana Ruiz")
    at_18 = datetime.combine(_monday(), datetime.min.time(), NY).replace(hour=18)
    studio.lesson(bob, at_18, student_id=ana)
    with db.engine.begin() as c:
        user_id = c.execute(text("SELECT user_id FROM teachers WHERE id = :t"), {"t": bob}).scalar()
    teacher = Actor(user_id=user_id, studio_id=admin.studio_id, role="teacher", name="Bob Bass")
    window = MainWindow(services, teacher, "test", runner=TaskRunner(), presenter=presenter)
    qtbot.addWidget(window)
    try:
        tab = _tab(qtbot, window)
        assert tab.teacher_filter.currentText() == "My schedule"
        assert not tab.teacher_filter.isEnabled() and not tab.new_button.isEnabled()
        assert [(r.teacher_name, r.student_name) for _rect, r in tab.grid._rects] == [
            ("Bob Bass", "Ana Ruiz")
        ]
    finally:
        window.runner.wait(5000)


def test_a_lesson_going_on_past_midnight_reaches_the_bottom_of_its_day(
    qtbot, window, studio
) -> None:  # type: ignore[no-untyped-def]
    late = datetime.combine(_monday() + timedelta(days=2), datetime.min.time(), NY)
    nia, kim = studio.teacher("Nia", "Late"), studio.student("Kim", "Owl")
    lesson = studio.lesson(nia, late.replace(hour=23, minute=30), minutes=45, student_id=kim)
    tab = _tab(qtbot, window)
    grid = tab.grid
    qtbot.waitUntil(lambda: grid.block_rect(lesson) is not None)
    assert grid.last_hour == 24
    rect = grid.block_rect(lesson)
    assert rect is not None and rect.top() == grid.y_of(late.replace(hour=23, minute=30)) + 1
    assert rect.bottom() >= grid.axis.height() - 4  # to midnight, not a sliver at the top


def test_day_sheet_and_calendar_export_are_saved_and_opened(
    qtbot, window, studio, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    tab = _tab(qtbot, window)
    opened: list[Path] = []
    tab.open_file = opened.append
    sheet = tmp_path / "sheet.pdf"
    with qtbot.waitSignal(tab.saved, timeout=10000):
        tab.write_day_sheet(sheet, _monday(), "teacher")
    assert sheet.read_bytes().startswith(b"%PDF") and opened == [sheet]
    assert tab.choices is not None
    maya = next(c.id for c in tab.choices.teachers if c.name == "Maya Chen")
    ics = tmp_path / "maya.ics"
    with qtbot.waitSignal(tab.saved, timeout=10000):
        tab.write_calendar(ics, "teacher", maya)
    assert ics.read_bytes().count(b"BEGIN:VEVENT") == 3
    assert tab.print_action.shortcut().toString() == "Ctrl+P"
    assert tab.export_action.shortcut().toString() == "Ctrl+E"


def test_a_closure_added_in_the_dialog_is_marked_in_the_week_header(qtbot, window, studio) -> None:  # type: ignore[no-untyped-def]
    reason = "Thanksgiving"
    tab = _tab(qtbot, window)
    tab.edit_closures()
    dialog = tab.last_dialog
    assert isinstance(dialog, ClosuresDialog)
    qtbot.waitUntil(lambda: dialog.list.count() > 0, timeout=10000)
    wednesday = _monday() + timedelta(days=2)
    dialog.date.setDate(QDate(wednesday.year, wednesday.month, wednesday.day))
    dialog.reason.setText("x" * 201)
    assert dialog.reason.text() == "x" * 200  # the field takes what the column keeps
    dialog.reason.setText("Snow\x07day")  # a pasted control character
    dialog.add()  # refused by the schema, next to the field
    assert dialog.errors.labels["reason"].isVisibleTo(dialog) and dialog.list.count() == 1
    assert "invisible" in dialog.errors.labels["reason"].text()
    dialog.reason.setText(reason)
    with qtbot.waitSignal(tab.loaded, timeout=10000):
        dialog.add()
    assert tab.grid.closed == {wednesday: reason}
    qtbot.waitUntil(lambda: reason in dialog.list.item(0).text(), timeout=10000)
    dialog.list.setCurrentRow(0)
    with qtbot.waitSignal(tab.loaded, timeout=10000):
        dialog.remove()
    assert tab.grid.closed == {}
    dialog.reject()


def test_painting_the_grid_keeps_none_alive(qtbot, window, studio) -> None:  # type: ignore[no-untyped-def]
    """PySide6 6.12.0 dropped a reference to None on every void Qt call: on Python 3.11 the
    app died ("none_dealloc") after some thousands of paints. pyproject excludes it."""
    import sys

    tab = _tab(qtbot, window)
    tab.runner.wait(10000)  # the first load's series extension, off the GUI thread, is done
    qtbot.wait(50)
    tab.grid.grab()
    before = sys.getrefcount(None)
    for _ in range(20):
        tab.grid.grab()
    assert sys.getrefcount(None) - before > -100


def test_a_busy_hour_is_counted_with_who_comes_and_its_tile_opens_the_day_per_teacher(
    qtbot, window, studio: Maker
) -> None:  # type: ignore[no-untyped-def]
    """The demo's week showed one lesson and "+7 more" in every busy hour: now the hour says
    how many lessons and who comes, and a click opens that day with a column per teacher."""
    at_10 = datetime.combine(_monday(), datetime.min.time(), NY).replace(hour=10)
    for n in range(6):  # six teachers teaching at once on Monday at 10:00
        teacher = studio.teacher(f"Teacher{n}", "Busy")
        studio.lesson(teacher, at_10, student_id=studio.student(f"Pupil{n}", "Busy"))
    tab = _tab(qtbot, window)  # 1000 px wide: two lanes fit in a day
    assert [r for _rect, r in tab.grid._rects if r.start == at_10] == []  # none squeezed in
    [tile] = [c for c in tab.grid._more if c.hour == at_10]
    assert len(tile.rows) == 6
    assert tile.count.headline() == "6 lessons"
    assert tile.count.names() == [f"Pupil{n}" for n in range(6)]
    assert tile.rect.width() >= tab.grid.column_width() - 10  # the whole day's width
    assert "Click to see this day" in tab.grid.describe_chip(tile)
    tab.grid_scroll.ensureVisible(tile.rect.center().x(), tile.rect.center().y(), 50, 120)
    with qtbot.waitSignal(tab.loaded, timeout=10000):
        qtbot.mouseClick(tab.grid, Qt.MouseButton.LeftButton, pos=tile.rect.center())
    assert tab.view.currentData() == "teacher"
    assert tab.navigator.start == _monday()
    assert tab.navigator.previous_button.toolTip().startswith("Previous day")
    titles = {c.title for c in tab.grid.columns}
    assert {f"Teacher{n} Busy" for n in range(6)} <= titles and "Maya Chen" in titles
    assert tab.grid._more == [] and len(tab.grid._rects) == 7 + mondays_lesson_is_today()
    assert tab.grid.minimumWidth() >= len(tab.grid.columns) * 96  # scrolls sideways


def test_a_quiet_lesson_keeps_the_days_width_beside_a_busy_hour(
    qtbot, window, studio: Maker
) -> None:  # type: ignore[no-untyped-def]
    at_10 = datetime.combine(_monday(), datetime.min.time(), NY).replace(hour=10)
    for n in range(3):
        studio.lesson(
            studio.teacher(f"T{n}", "Busy"), at_10, student_id=studio.student(f"P{n}", "B")
        )
    tab = _tab(qtbot, window)
    [rect] = [rc for rc, r in tab.grid._rects if r.start == at_10.replace(hour=16)]
    assert rect.width() >= tab.grid.column_width() - 10  # not a narrow lane of the busy hour
    assert [r for _rc, r in tab.grid._rects if r.start == at_10] == []  # the busy hour: counted


def test_each_day_of_the_week_says_how_many_lessons_and_its_title_opens_the_day(
    qtbot, window, studio: Maker
) -> None:  # type: ignore[no-untyped-def]
    tab = _tab(qtbot, window)
    monday = next(i for i, c in enumerate(tab.grid.columns) if c.day == _monday())
    held = sum(r.start.astimezone(NY).date() == _monday() for r in tab.grid.rows)
    assert held >= 1
    assert tab.grid.column_title(monday).endswith(f"\n{held} lesson" + ("s" if held > 1 else ""))
    x = int(52 + (monday + 0.5) * tab.grid.column_width())
    tab.grid_scroll.verticalScrollBar().setValue(0)
    with qtbot.waitSignal(tab.loaded, timeout=10000):
        qtbot.mouseClick(tab.grid, Qt.MouseButton.LeftButton, pos=QPoint(x, 10))
    assert tab.view.currentData() == "teacher" and tab.navigator.start == _monday()


def test_the_first_load_moves_open_series_forward_once_a_day(qtbot, window, studio) -> None:  # type: ignore[no-untyped-def]
    tab = _tab(qtbot, window)
    assert tab.extended_on == datetime.now(NY).date()  # the studio's day, known by then


def _in_view(tab: CalendarTab, when: datetime) -> bool:
    """Whether the row of `when` is inside the scrolled grid's visible part."""
    top = tab.grid_scroll.verticalScrollBar().value()
    y = tab.grid.y_of(when)
    return top < y < top + tab.grid_scroll.viewport().height()


def test_a_week_opens_at_its_earliest_lesson_a_saturday_morning_included(
    qtbot, window, db: Database, admin: Actor
) -> None:  # type: ignore[no-untyped-def]
    make = Maker(db, admin.studio_id)
    teacher, student = make.teacher("Tom", "Teach"), make.student("Sofia", "Reyes")
    monday = datetime.combine(_monday(), datetime.min.time(), NY)
    saturday_9 = (monday + timedelta(days=5)).replace(hour=9)
    for day in range(5):  # a week of afternoons, and one Saturday morning
        make.lesson(teacher, (monday + timedelta(days=day)).replace(hour=17), student_id=student)
    make.lesson(teacher, saturday_9, student_id=student)
    window.resize(1100, 560)  # a few hours in view: the morning and the evening cannot both be
    tab = _tab(qtbot, window)
    assert not _in_view(tab, monday.replace(hour=17))
    assert _in_view(tab, saturday_9)


def test_a_week_of_afternoon_lessons_opens_at_the_first_of_them(
    qtbot, window, db: Database, admin: Actor
) -> None:  # type: ignore[no-untyped-def]
    make = Maker(db, admin.studio_id)
    teacher, student = make.teacher("Tom", "Teach"), make.student("Sofia", "Reyes")
    tuesday_18 = datetime.combine(_monday(), datetime.min.time(), NY) + timedelta(days=1, hours=18)
    make.lesson(teacher, tuesday_18, student_id=student)
    window.resize(1100, 560)
    tab = _tab(qtbot, window)
    assert _in_view(tab, tuesday_18)
    assert not _in_view(tab, tuesday_18.replace(hour=9))  # not an empty morning


def test_a_day_without_lessons_says_so_and_how_to_go_on(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    tab = _tab(qtbot, window)  # an empty studio
    with qtbot.waitSignal(tab.loaded, timeout=10000):
        qtbot.keyClicks(tab.view, "Day by t")  # the view box finds "Day by teacher" as typed
    assert tab.view.currentText() == "Day by teacher" and tab.grid.columns == []
    today = datetime.now(NY).date()
    assert tab.grid.empty_text.startswith(f"No lessons on {today:%A %d %B}.\nCtrl+Right")
    middle = tab.grid_scroll.viewport().rect().center()
    shown = tab.grid_scroll.viewport().grab().toImage()
    shades = {
        shown.pixelColor(x, y).name()
        for x in range(middle.x() - 150, middle.x() + 150)
        for y in range(middle.y() - 20, middle.y() + 20)
    }
    assert len(shades) > 4  # a sentence's anti-aliased letters, not only the grid's lines
