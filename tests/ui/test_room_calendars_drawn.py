"""A room's outside calendar in its column of the day by room; the whole studio's in every
column; a teacher's not there (it belongs to the teacher's views)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from factories import Maker

from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services.container import Services
from studiosync_desktop.ui.main_window import MainWindow
from tests.ui.test_calendar import _tab
from tests.ui.test_month_view import _choose

NY = ZoneInfo("America/New_York")
UTC = ZoneInfo("UTC")


def _ics(title: str, start: datetime, hours: int) -> bytes:
    fmt = "%Y%m%dT%H%M%SZ"
    a, b = start.astimezone(UTC), (start + timedelta(hours=hours)).astimezone(UTC)
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{title}@test\r\nDTSTART:{a:{fmt}}\r\nDTEND:{b:{fmt}}\r\nSUMMARY:{title}\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()


def test_a_day_by_room_draws_each_rooms_outside_calendar_and_the_studios(
    qtbot, window: MainWindow, studio: Maker, services: Services, admin: Actor
) -> None:  # type: ignore[no-untyped-def]
    today = datetime.now(NY).date()
    at = lambda hour: datetime.combine(today, datetime.min.time(), NY).replace(hour=hour)  # noqa: E731
    choices = services.scheduling.choices(admin)
    room_b = next(c.id for c in choices.rooms if c.name == "Room B")
    hall = studio.room("Concert hall")  # no lessons today: its calendar gives it a column
    maya = next(c.id for c in choices.teachers if c.name == "Maya Chen")
    cals = services.calendars
    cals.import_file(admin, {"name": "Room B hire", "room_id": room_b}, _ics("Hire", at(18), 2))
    cals.import_file(admin, {"name": "Hall bookings", "room_id": hall}, _ics("Gala", at(19), 3))
    cals.import_file(admin, {"name": "Holidays"}, _ics("Assembly", at(12), 1))
    cals.import_file(admin, {"name": "Gigs", "teacher_id": maya}, _ics("Gig", at(14), 1))
    tab = _tab(qtbot, window)
    _choose(qtbot, tab.view, "Day by room")  # Down, Down, Down: each view loads on the way
    qtbot.waitUntil(lambda: not tab.is_loading, timeout=10000)
    assert tab.navigator.start == today
    titles = [c.title for c in tab.grid.columns]
    assert "Room B" in titles and "Concert hall" in titles
    drawn = {
        (titles[i], start.astimezone(NY).hour, label) for i, start, _e, label, _c in tab.grid.busy
    }
    names = {(col, hour) for col, hour, _label in drawn}
    assert ("Room B", 18) in names and ("Concert hall", 19) in names
    assert ("Room B", 19) not in names and ("Concert hall", 18) not in names  # own columns only
    assert {("Room B", 12), ("Concert hall", 12)} <= names  # the whole studio's, in every room
    assert not any(hour == 14 for _col, hour in names)  # Maya's gig is not a room's
