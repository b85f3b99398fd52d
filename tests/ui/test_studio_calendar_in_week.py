"""The whole studio's outside calendar (a hall hire, a holiday) in the unfiltered week: a
hatched shade across its day's column behind the lessons, named and timed, as the desk's own
login sees it; the lessons over it still take clicks."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from desk_driver import Desk
from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QColor, QImage

from studiosync_desktop.ui.tabs.calendar import CalendarTab

UTC = ZoneInfo("UTC")
HATCH = "#d53f8c"  # no lesson or palette colour is this pink


def _ics(*events: str) -> bytes:
    body = "".join(f"BEGIN:VEVENT\r\n{e}END:VEVENT\r\n" for e in events)
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n{body}END:VCALENDAR\r\n".encode()


def _stamp(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y%m%dT%H%M%SZ}"


def _pink(image: QImage, rect: QRect) -> int:
    """How many pixels of `rect` are the hatch's own colour (its lines)."""
    want = QColor(HATCH).rgb()
    return sum(
        image.pixel(x, y) == want
        for x in range(rect.left(), rect.right())
        for y in range(rect.top(), rect.bottom())
    )


def test_the_week_hatches_the_studios_outside_calendar_behind_its_lessons(desk: Desk) -> None:
    actor = desk.person.actor
    choices = desk.services.scheduling.choices(actor)
    zone = ZoneInfo(actor.timezone or "UTC")  # the studio's
    evening = datetime.combine(datetime.now(zone).date(), time(20, 30), zone)
    booked = desk.services.scheduling.create_lesson(
        actor,
        {"teacher_id": choices.teachers[-1].id, "student_id": choices.students[-1].id,
         "start": evening, "end": evening + timedelta(minutes=45)},
    )  # fmt: skip
    lesson = next(
        r for r in desk.services.scheduling.week(actor, evening.date(), 1) if r.id == booked.id
    )
    day = lesson.start.astimezone(zone).date()
    monday = day - timedelta(days=day.weekday())
    free = next(monday + timedelta(days=i) for i in range(7) if monday + timedelta(i) != day)
    # The desk adds the studio's calendar (neither a teacher's nor a room's): a hall hire
    # around the lesson, and a holiday all of another day.
    hire = (lesson.start - timedelta(hours=1), lesson.end + timedelta(hours=1))
    desk.services.calendars.import_file(
        actor,
        {"name": "Hall hire", "colour": HATCH},
        _ics(
            f"UID:hire@t\r\nDTSTART:{_stamp(hire[0])}\r\nDTEND:{_stamp(hire[1])}\r\n"
            "SUMMARY:Gala dinner\r\n",
            f"UID:off@t\r\nDTSTART;VALUE=DATE:{free:%Y%m%d}\r\n"
            f"DTEND;VALUE=DATE:{free + timedelta(days=1):%Y%m%d}\r\nSUMMARY:Founders day\r\n",
        ),
    )
    desk.shortcut("Ctrl+2")  # the Calendar, in its week: its first load
    tab = desk.window.current_tab()
    assert isinstance(tab, CalendarTab)
    desk.wait_until(lambda: tab.has_loaded and not tab.is_loading and tab.grid.shades)
    assert tab.view.currentData() == "week" and tab.teacher_filter.currentData() is None
    assert tab.navigator.start == monday and tab.grid.zone == zone
    shown = {(s.key, s.text) for s in tab.grid.shades}
    assert shown == {(day, "Busy · Hall hire"), (free, "Busy · Hall hire")}  # no title
    drawn = {shade.key: rect for rect, shade in tab.grid.shade_rects()}
    titles = {c.key: i for i, c in enumerate(tab.grid.columns)}
    whole = drawn[free]  # the holiday: its day's column, top to bottom, full width
    assert whole.left() == tab.grid.column_x(titles[free]) + 1
    assert whole.width() >= int(tab.grid.column_width()) - 2
    midnight = datetime.combine(free, time(0), zone)
    assert whole.top() <= max(tab.grid.y_of(midnight), 60)
    assert whole.bottom() >= tab.grid.axis.y_of_slot(tab.grid.slots()) - 3  # to the day's end
    around = drawn[day]
    assert around.top() == tab.grid.y_of(hire[0]) + 1
    # Its tooltip gives the time; the hatch is painted, and not in the column of no event.
    tip = next(s.tip for s in tab.grid.shades if s.key == day)
    assert f"{hire[0].astimezone(zone):%H:%M}\N{EN DASH}{hire[1].astimezone(zone):%H:%M}" in tip
    assert "all day" in next(s.tip for s in tab.grid.shades if s.key == free)
    image = tab.grid.grab().toImage()
    patch = QRect(around.left() + 2, around.top() + 26, 14, 14)  # under its name
    assert _pink(image, patch) > 0
    other = next(i for k, i in titles.items() if k not in (day, free))
    plain = QRect(tab.grid.column_x(other) + 4, around.top() + 26, 14, 14)
    assert _pink(image, plain) == 0
    # The lesson is drawn over the hire and a click takes it, not the shade.
    rect = tab.grid.block_rect(lesson.id)
    assert rect is not None and around.contains(rect.center())
    tab.grid_scroll.ensureVisible(rect.center().x(), rect.center().y(), 50, 200)
    desk.click(tab.grid, rect.center())
    assert tab.grid.selected == lesson.id
    assert _pink(tab.grid.grab().toImage(), QRect(rect.center(), rect.center() + QPoint(4, 4))) == 0
