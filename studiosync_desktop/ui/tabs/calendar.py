"""Calendar tab: the lessons of one week, with a week navigator."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtWidgets import QWidget

from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.schemas.rows import LessonRow
from studiosync_desktop.services.container import Services
from studiosync_desktop.ui.error_presenter import ErrorPresenter
from studiosync_desktop.ui.table_model import ALERT, CENTER, Column, RowStyle, money_column, words
from studiosync_desktop.ui.tabs.base import DataTab
from studiosync_desktop.ui.tabs.timezones import StudioClock, zone_of
from studiosync_desktop.ui.task_runner import TaskRunner
from studiosync_desktop.ui.widgets import DateNavigator


def _lesson_style(row: LessonRow) -> RowStyle | None:
    if row.status in ("cancelled", "no_show"):
        return RowStyle(foreground=ALERT)
    return None


class CalendarTab(DataTab):
    key = "calendar"
    title = "Calendar"
    noun = ("lesson", "lessons")
    empty_text = "No lessons this week."

    def __init__(
        self,
        services: Services,
        actor: Actor,
        runner: TaskRunner,
        presenter: ErrorPresenter,
        parent: QWidget | None = None,
    ) -> None:
        self.clock = StudioClock()
        columns: list[Column[LessonRow]] = [
            Column("When", lambda r: self.clock.span(r.start, r.end), width=190),
            Column("Student / band", lambda r: r.student_name, width=180),
            Column("Teacher", lambda r: r.teacher_name, width=160),
            Column("Room", lambda r: r.room_name, width=110),
            Column("Type", lambda r: r.lesson_type, CENTER, words, width=80),
            Column("Status", lambda r: r.status, CENTER, words, width=100),
            money_column("Rate", lambda r: r.rate),
        ]
        super().__init__(services, actor, runner, presenter, columns, _lesson_style, parent)
        self.navigator = DateNavigator(7, self.clock.today(), self)
        self.navigator.changed.connect(lambda _start: self.reload())
        self.toolbar.addWidget(self.navigator)

    def fetch(self, cursor: str | None) -> Callable[[], Any]:
        start = self.navigator.start
        services, actor = self.services, self.actor
        known_zone = self.clock.zone is not None

        def work() -> tuple[str | None, tuple[LessonRow, ...]]:
            zone = None if known_zone else services.studio.info(actor).timezone
            return zone, services.scheduling.week(actor, start)

        return work

    def show_result(self, result: Any, appended: bool) -> None:
        zone, rows = result
        if zone is not None:
            self.clock.zone = zone_of(zone)
            self.navigator.set_today(self.clock.today())
        self.model.set_rows(rows)
        self._total = len(rows)

    # Keyboard paths, dispatched by the main window.
    def go_today(self) -> None:
        self.navigator.go_today()

    def go_previous(self) -> None:
        self.navigator.go_previous()

    def go_next(self) -> None:
        self.navigator.go_next()

    @property
    def week_start(self) -> date:
        return self.navigator.start
