"""Home: the desk's opening view. The studio's figures at a glance above the day by teacher
or room with the time now marked, beside it who is late, who comes next, who is here and
where the next free slot is; F6 switches the day for twelve months of charts."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QLabel,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QToolButton,
    QWidget,
)

from studiosync_desktop.services.desk_now import desk_now, places
from studiosync_desktop.ui.calendar_grid import GridColumn
from studiosync_desktop.ui.day_feed import Shade
from studiosync_desktop.ui.day_grid import NEXT_DAY_OR_BOOK
from studiosync_desktop.ui.home_figures import FigureStrip
from studiosync_desktop.ui.lesson_opening import lesson_dialog, open_lesson
from studiosync_desktop.ui.studio_clock import zone_of
from studiosync_desktop.ui.table_model import Column
from studiosync_desktop.ui.tabs.base import DataTab
from studiosync_desktop.ui.today_grid import TodayGrid
from studiosync_desktop.ui.today_panel import TodayPanel
from studiosync_desktop.ui.widgets import DateNavigator

if TYPE_CHECKING:
    from collections.abc import Callable, Hashable

    from studiosync_desktop.schemas.figures import HomeFigures
    from studiosync_desktop.schemas.rows import LessonRow
    from studiosync_desktop.schemas.scheduling import BookingChoices
    from studiosync_desktop.schemas.today import DayBoard, DayBy, DeskNow
    from studiosync_desktop.ui.studio_context import StudioContext

log = logging.getLogger(__name__)

MARKED = {"in_progress": "Checked in", "completed": "Marked taught", "no_show": "Marked no-show"}


class TodayTab(DataTab):
    """Opens on today; Ctrl+Left/Right and Ctrl+T page the days like the calendar.

    The board is read once per load (and again when another desk changes a lesson or a
    booking); the time-now line, the late and coming lists and the next free slots follow
    the clock every 30 seconds without asking the server."""

    said = Signal(str)  # one line about what was just done ("Checked in Sam Lee")
    figure_activated = Signal(str)  # a figure's card was clicked: its key
    month_clicked = Signal(str, date)  # a chart's bar: the chart's key and the month

    uses = ("figures", "notifications", "roster", "scheduling", "studio", "today")
    key = "today"
    title = "Home"
    noun = ("lesson", "lessons")
    empty_text = ""
    watches = frozenset(
        {
            "lessons",
            "room_reservations",
            "practice_rooms",
            "teachers",
            "students",
            "invoices",
            "payments",
            "checkout_logs",
        }
    )
    TICK_MS = 30_000

    def __init__(
        self,
        context: StudioContext,
        parent: QWidget | None = None,
    ) -> None:
        self.context = context
        columns: list[Column[LessonRow]] = [
            Column("When", lambda r: self.clock.span(r.start, r.end, with_day=False), width=120),
            Column("Student / band", lambda r: r.student_name, width=180),
            Column("Teacher", lambda r: r.teacher_name, width=160),
        ]
        super().__init__(context, columns, None, parent)
        # What time it is (tests set the studio's afternoon); aware, any zone.
        self.now: Callable[[], datetime] = lambda: datetime.now(UTC)
        self.board: DayBoard | None = None
        self.figures: HomeFigures | None = None
        self.charts: Any = None  # ui/home_charts.HomeCharts, made when first shown
        self.desk: DeskNow | None = None
        self.choices: BookingChoices | None = None
        self._asked_day: date | None = None  # None: the studio's today
        self._scrolled_for: date | None = None

        self.navigator = DateNavigator(1, self.clock.today(), self)
        self.navigator.changed.connect(self._day_changed)
        self.toolbar.addWidget(self.navigator, 1)
        # One click switches (a drop-down took two): a column per teacher, or per room.
        self.by_buttons = QButtonGroup(self)
        for text, value, tip in (
            ("By &teacher", "teacher", "A column per teacher teaching that day"),
            ("By roo&m", "room", "A column per room, with the practice bookings"),
        ):
            button = QToolButton(self)
            button.setText(text)
            button.setCheckable(True)
            button.setChecked(value == "teacher")
            button.setToolTip(tip)
            button.setProperty("by", value)
            self.by_buttons.addButton(button)
            self.toolbar.addWidget(button)
            button.setVisible(self.actor.is_staff_desk)  # a teacher's day is their own column
        self.by_buttons.setExclusive(True)
        self.by_buttons.buttonClicked.connect(lambda _b: self._paint())
        self.add_button(self.toolbar, "&New lesson…", "Ctrl+N", lambda: self.book(None, None))
        self.add_shortcut("Ctrl+I", self._check_in_key)
        self.charts_button = self.add_button(self.toolbar, "C&harts", "F6", self.toggle_charts)
        self.charts_button.setCheckable(True)
        self.charts_button.setToolTip("Twelve months of charts, or back to the day (F6)")
        self.strip = FigureStrip(self)
        self.strip.activated.connect(self.figure_activated)

        self.grid = TodayGrid(self)
        self.grid.open_requested.connect(self.open_lesson)
        self.grid.book_requested.connect(lambda key, start, _end: self.book(key, start))
        self.grid_scroll = QScrollArea(self)
        self.grid_scroll.setWidget(self.grid)
        self.grid_scroll.setWidgetResizable(True)
        self.grid_scroll.verticalScrollBar().valueChanged.connect(lambda _v: self.grid.update())
        self.grid_scroll.horizontalScrollBar().valueChanged.connect(lambda _v: self.grid.update())
        self.nothing = QLabel(self)
        self.nothing.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.nothing.setWordWrap(True)
        self.nothing.setEnabled(False)  # muted, like the tables' empty line
        self.day_stack = QStackedWidget(self)
        self.day_stack.addWidget(self.grid_scroll)
        self.day_stack.addWidget(self.nothing)
        self.panel = TodayPanel(self)
        self.panel.open_lesson.connect(self.open_lesson)
        self.panel.book.connect(self.book_place)
        self.panel.mark.connect(self.mark)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(self.day_stack)
        self.splitter.addWidget(self.panel)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setSizes([900, 330])
        self.pages = QStackedWidget(self)
        self.pages.addWidget(self.splitter)
        self.show_instead(self.pages)
        self.add_row(self.strip)

        self.ticker = QTimer(self)
        self.ticker.setInterval(self.TICK_MS)
        self.ticker.timeout.connect(self.tick)
        self.ticker.start()

    # --- loading ----------------------------------------------------------------------------

    def fetch(self, cursor: str | None) -> Callable[[], Any]:
        services, actor, day = self.services, self.actor, self._asked_day
        need_choices = self.choices is None and actor.is_staff_desk

        def work() -> tuple[DayBoard, BookingChoices | None, HomeFigures]:
            board = services.today.board(actor, day)
            choices = services.scheduling.choices(actor) if need_choices else None
            return board, choices, services.figures.home(actor)

        return work

    def show_result(self, result: Any, appended: bool) -> None:
        board, choices, figures = result
        self.board = board
        self.figures = figures
        self.strip.show_figures((*figures.glance, *figures.figures), figures.currency)
        if self.charts is not None:
            self.charts.show_charts(figures.charts)
        if choices is not None:
            self.choices = choices
        zone = zone_of(board.timezone)
        self.navigator.set_today(self.now().astimezone(zone).date())
        self.navigator.set_period(1, board.day)
        self.model.set_rows(board.lessons)
        self._total = len(board.lessons)
        self._paint()

    def summary_text(self) -> str:
        if self.board is None or self.desk is None:
            return super().summary_text()
        held = sum(r.status not in ("cancelled", "no_show") for r in self.board.lessons)
        parts = [f"{held} lesson{'' if held == 1 else 's'}"]
        if self._is_today():
            parts += [f"{len(self.desk.here)} here", f"{len(self.desk.late)} late"]
        if self.desk.unmarked:
            parts.append(f"{len(self.desk.unmarked)} not marked")
        return " \N{MIDDLE DOT} ".join(parts)

    def by(self) -> DayBy:
        """ "teacher" or "room": how the day is split into columns."""
        checked = self.by_buttons.checkedButton()
        return "room" if checked is not None and checked.property("by") == "room" else "teacher"

    def focus_widget(self) -> QWidget:
        """The list of who is late, coming and here: arrows, Enter and Ctrl+I work at once."""
        return self.panel.tree

    def _day_changed(self, day: date) -> None:
        # Today follows the clock past midnight; another day stays that day.
        today = self.clock.local(self.now()).date()
        self._asked_day = None if day == today else day
        self.reload()

    def _is_today(self) -> bool:
        board = self.board
        return board is not None and self.clock.local(self.now()).date() == board.day

    # --- showing --------------------------------------------------------------------------

    def _paint(self) -> None:
        board = self.board
        if board is None:
            return
        zone = zone_of(board.timezone)
        by = self.by()
        columns = [GridColumn(p.id, p.name, board.day) for p in places(board, by)]
        column_of: Callable[[LessonRow], Hashable] = (
            (lambda r: r.teacher_id) if by == "teacher" else (lambda r: r.room_id)
        )
        self.grid.set_data(columns, board.lessons, column_of, zone)
        self.grid.shades = (
            tuple(
                Shade(r.room_id, r.start, r.end, f"{r.person_name} (practice)")
                for r in board.reservations
                if r.status in ("pending", "confirmed")
            )
            if by == "room"
            else ()
        )
        has_lessons = bool(board.lessons) or by == "room"
        self.nothing.setText(f"No lessons on {board.day:%A %d %B}.\n{NEXT_DAY_OR_BOOK}")
        self.day_stack.setCurrentWidget(self.grid_scroll if has_lessons else self.nothing)
        self.tick()
        if self._scrolled_for != board.day:
            self._scrolled_for = board.day
            self._scroll_to_now_or_first()

    def tick(self) -> None:
        """The clock moved: the line, late, coming and free follow (no database call)."""
        board = self.board
        if board is None:
            return
        now = self.now()
        zone = zone_of(board.timezone)
        if self._asked_day is None and now.astimezone(zone).date() != board.day:
            self.reload()  # past midnight: today is a new day
            return
        by = self.by()
        self.desk = desk_now(board, by, now)
        self.grid.now = now
        self.grid.late = frozenset(r.id for r in self.desk.late)
        self.grid.free = {f.place.id: (f.start, f.end) for f in self.desk.free if f.start and f.end}
        self.grid.update()
        self.panel.show_now(self.desk, now, zone, by)
        if self.has_loaded or not self.is_loading:
            self.summary.setText(self.summary_text())

    def _scroll_to_now_or_first(self) -> None:
        board = self.board
        assert board is not None
        zone = zone_of(board.timezone)
        if self._is_today():
            target = self.now() - timedelta(hours=1)
        elif board.lessons:
            target = min(r.start for r in board.lessons)
        else:
            target = datetime.combine(board.day, time(8), zone)
        self.grid_scroll.verticalScrollBar().setValue(max(0, self.grid.y_of(target) - 40))

    # --- acting ---------------------------------------------------------------------------

    def open_lesson(self, lesson_id: uuid.UUID) -> None:
        if self.choices is not None and self.board is not None:
            open_lesson(self, self.choices, zone_of(self.board.timezone), lesson_id)

    def book(self, column_key: object, start: datetime | None) -> None:
        """Books in a column of the grid (a teacher's or a room's) at `start`."""
        if not self.actor.is_staff_desk or self.choices is None or self.board is None:
            return
        by = self.by()
        key = column_key if isinstance(column_key, uuid.UUID) else None
        lesson_dialog(
            self,
            self.choices,
            zone_of(self.board.timezone),
            start=start,
            teacher_id=key if by == "teacher" else None,
            room_id=key if by == "room" else None,
        )

    def book_place(self, place_id: object, start: datetime) -> None:
        self.book(place_id, start)

    def mark(self, lesson_id: uuid.UUID, status: str) -> None:
        """Check in, taught or no-show, off the GUI thread; the line says what was done."""
        row = next((r for r in self.model.rows if r.id == lesson_id), None)
        who = row.student_name if row is not None else "the lesson"

        def done(_detail: object) -> None:
            self.said.emit(f"{MARKED.get(status, 'Marked')} {who}.")
            self.refresh()

        self.runner.run(
            self.services.scheduling.set_status,
            self.actor,
            lesson_id,
            status,
            on_done=done,
            on_error=lambda exc: self.presenter.present(exc, parent=self),
        )

    def _check_in_key(self) -> None:
        self.panel.check_in_selected()

    def _fetch_chart(self, _key: str) -> None:
        """Revenue by teacher, read when first shown (and again with each refresh)."""
        charts = self.charts
        self.runner.run(
            self.services.figures.revenue_by_teacher,
            self.actor,
            on_done=lambda chart: charts.add_chart(chart),
            on_error=lambda exc: self.presenter.present(exc, parent=self),
            key="home_revenue_teacher",
        )

    def toggle_charts(self) -> None:
        """F6: the charts instead of the day, and back."""
        showing = self.pages.currentIndex() == 1
        if not showing and self.charts is None:
            from studiosync_desktop.ui.home_charts import HomeCharts  # QtCharts, loaded late

            self.charts = HomeCharts(self)
            self.charts.month_clicked.connect(self.month_clicked)
            self.charts.wanted.connect(self._fetch_chart)
            self.pages.addWidget(self.charts)
            if self.figures is not None:
                self.charts.show_charts(self.figures.charts)
        self.pages.setCurrentIndex(0 if showing else 1)
        self.charts_button.setChecked(not showing)
