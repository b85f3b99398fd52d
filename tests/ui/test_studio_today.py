"""The studio's today, wherever the PC's own clock is: a desk PC left on another zone, or the
single-PC start where no one logs in, still opens on the studio's day."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from studiosync_desktop.db import Database
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services.container import Services
from studiosync_desktop.services.studio import StudioService
from studiosync_desktop.ui.error_presenter import ErrorPresenter
from studiosync_desktop.ui.main_window import MainWindow
from studiosync_desktop.ui.task_runner import TaskRunner

# 26 hours apart: whatever the hour, the two are on different days.
STUDIO_ZONE, PC_ZONE = "Etc/GMT+12", "Etc/GMT-14"


@pytest.fixture
def far_apart(db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The studio at UTC-12, this PC's own clock at UTC+14."""
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE studios SET timezone = :z"), {"z": STUDIO_ZONE})
    monkeypatch.setenv("TZ", PC_ZONE)
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_the_owners_start_knows_the_studios_zone(db: Database, admin: Actor, far_apart) -> None:  # type: ignore[no-untyped-def]
    assert StudioService(db).default_actor().timezone == STUDIO_ZONE


def test_the_owners_window_opens_on_the_studios_today(
    qtbot, db: Database, admin: Actor, far_apart, services: Services
) -> None:  # type: ignore[no-untyped-def]
    studio_today = datetime.now(ZoneInfo(STUDIO_ZONE)).date()
    assert studio_today != datetime.now().date()  # the PC's own date is another day
    owner = StudioService(db).default_actor()  # the single-PC start (no one logs in)
    window = MainWindow(
        services, owner, "test", runner=TaskRunner(), presenter=ErrorPresenter(False)
    )
    qtbot.addWidget(window)
    window.show()
    for key in ("calendar", "rooms"):
        tab = window.tabs[key]
        with qtbot.waitSignal(tab.loaded, timeout=10000):
            window.select_tab(key)
        step = 7 if key == "calendar" else 1
        expected = studio_today - timedelta(days=studio_today.weekday() if step == 7 else 0)
        assert tab.navigator.start == expected, key
        assert not tab.navigator.today_button.isEnabled()  # "Today" is what is shown
    window.runner.wait(5000)
