"""Calendar tab: the week (or a day per teacher or room) as a grid, with booking and dragging."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Hashable
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QMenu,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QToolButton,
    QWidget,
)

from studiosync_desktop.errors import NeedsConfirmation
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.schemas.month import MonthDay
from studiosync_desktop.schemas.rows import LessonRow
from studiosync_desktop.schemas.scheduling import BookingChoices, LessonDetail
from studiosync_desktop.schemas.studio import StudioInfo
from studiosync_desktop.ui.calendar_grid import CalendarGrid, GridColumn, studio_shades
from studiosync_desktop.ui.day_grid import NEXT_DAY_OR_BOOK
from studiosync_desktop.ui.documents import ask_save_path, tell_saved
from studiosync_desktop.ui.lesson_opening import lesson_dialog
from studiosync_desktop.ui.month_grid import WEEKS, MonthGrid, grid_start
from studiosync_desktop.ui.studio_clock import zone_of
from studiosync_desktop.ui.studio_context import StudioContext
from studiosync_desktop.ui.table_model import (
    ALERT,
    CENTER,
    Column,
    RowStyle,
    money,
    money_column,
    words,
)
from studiosync_desktop.ui.tabs.base import DataTab
from studiosync_desktop.ui.widgets import MONTH, DateNavigator

log = logging.getLogger(__name__)

VIEWS = (("Week", "week"), ("Month", "month"), ("Day by teacher", "teacher"),
         ("Day by room", "room"), ("List", "list"))  # fmt: skip


def _lesson_style(row: LessonRow) -> RowStyle | None:
    if row.status in ("cancelled", "no_show"):
        return RowStyle(foreground=ALERT)
    return None


class CalendarTab(DataTab):
    saved = Signal(object)  # the path of a saved day sheet or calendar file

    uses = (
        "availability",
        "calendars",
        "find_time",
        "ical",
        "notifications",
        "roster",
        "scheduling",
        "studio",
    )
    key = "calendar"
    title = "Calendar"
    noun = ("lesson", "lessons")
    empty_text = "No lessons this week."
    watches = frozenset({"lessons"})
    # Open-ended series are moved forward at the first load, then once a day while it runs.
    EXTEND_CHECK_MS = 60 * 60 * 1000

    def __init__(
        self,
        context: StudioContext,
        parent: QWidget | None = None,
    ) -> None:
        self.context = context
        columns: list[Column[LessonRow]] = [
            Column("When", lambda r: self.clock.span(r.start, r.end), width=190),
            Column("Student / band", lambda r: r.student_name, width=180),
            Column("Teacher", lambda r: r.teacher_name, width=160),
            Column("Room", lambda r: r.room_name, width=110),
            Column("Type", lambda r: r.lesson_type, CENTER, words, width=80),
            Column("Status", lambda r: r.status, CENTER, words, width=100),
            money_column("Rate", lambda r: r.rate),
        ]
        super().__init__(context, columns, _lesson_style, parent)
        self.choices: BookingChoices | None = None
        self.working: dict[uuid.UUID, tuple[tuple[datetime, datetime], ...]] = {}
        self.busy: tuple[Any, ...] = ()
        self.navigator = DateNavigator(7, self.clock.today(), self)
        self.navigator.changed.connect(lambda _start: self.reload())
        self.toolbar.addWidget(self.navigator, 1)
        self._add_view_and_filters(self.actor)
        self._add_more_menu()
        self.closed: dict[date, str] = {}
        self.extended_on: date | None = None
        self.extend_timer = QTimer(self)
        self.extend_timer.setInterval(self.EXTEND_CHECK_MS)
        self.extend_timer.timeout.connect(self.extend_series_daily)
        self.extend_timer.start()
        # Where saved files are opened (tests replace it).
        self.open_file: Callable[[Path], object] = lambda path: QDesktopServices.openUrl(
            QUrl.fromLocalFile(str(path))
        )
        self._add_grid()
        if self.clock.info is not None:  # read at login
            self.studio_changed(self.clock.info)
        self.last_dialog: QWidget | None = None  # the dialog or question last opened
        self._scrolled = False
        self._scroll_to: datetime | None = None
        self._scroll_to_first = False
        self._select_after: tuple[uuid.UUID, datetime] | None = None  # a lesson just saved

    def _add_view_and_filters(self, actor: Actor) -> None:
        """The toolbar: view, colouring, the teacher, room and student filters, New lesson."""
        self.view = QComboBox(self)
        for text, value in VIEWS:
            self.view.addItem(text, value)
        self.view.setToolTip("Week, month, a day per teacher or per room, or a list")
        self.view.currentIndexChanged.connect(self._view_changed)
        self.colour = QComboBox(self)
        self.colour.addItem("Colour by teacher", "teacher")
        self.colour.addItem("Colour by instrument", "instrument")
        self.colour.addItem("Colour by status", "status")
        self.colour.currentIndexChanged.connect(self._colour_changed)
        self.teacher_filter = QComboBox(self)
        self.teacher_filter.addItem("All teachers", None)
        self.room_filter = QComboBox(self)
        self.room_filter.addItem("All rooms", None)
        self.student_filter = QComboBox(self)
        self.student_filter.addItem("All students", None)
        for box in (self.teacher_filter, self.room_filter, self.student_filter):
            box.currentIndexChanged.connect(lambda _i: self.reload())
        if actor.role == "teacher":
            self.teacher_filter.setItemText(0, "My schedule")
            self.teacher_filter.setEnabled(False)
        self.new_button = QPushButton("&New lesson", self)
        self.new_button.setToolTip("Book a lesson (Ctrl+N; Enter on an empty slot)")
        self.new_button.clicked.connect(lambda: self.book(None, None))
        self.new_button.setEnabled(actor.is_staff_desk)
        for w in (
            self.view, self.colour, self.teacher_filter, self.room_filter,
            self.student_filter, self.new_button,
        ):  # fmt: skip
            self.toolbar.addWidget(w)
        QShortcut(QKeySequence("Ctrl+N"), self).activated.connect(lambda: self.book(None, None))

    def _add_more_menu(self) -> None:
        """Print, export and closures: a menu button, each with its shortcut."""
        self.more_menu = QMenu(self)
        self.print_action = self._action("&Print day sheet…", "Ctrl+P", self.print_day_sheet)
        self.export_action = self._action(
            "&Export to calendar (.ics)…", "Ctrl+E", self.export_calendar
        )
        self.more_menu.addSeparator()
        self.closures_action = self._action("Studio &closures…", "Ctrl+Shift+H", self.edit_closures)
        self.find_time_action = self._action("Find a &time…", "Ctrl+Shift+F", self.find_time)
        self.hours_action = self._action("Working &hours…", "Ctrl+Shift+W", self.edit_hours)
        self.feeds_action = self._action("Outside calen&dars…", "Ctrl+Shift+K", self.edit_feeds)
        self.refresh_action = self._action("&Refresh", "", self.refresh)
        self.more_button_menu = QToolButton(self)
        self.more_button_menu.setText("&More")
        self.more_button_menu.setToolTip(
            "Print a day sheet (Ctrl+P), export to calendar (Ctrl+E), studio closures "
            "(Ctrl+Shift+H), find a time (Ctrl+Shift+F), working hours (Ctrl+Shift+W), "
            "outside calendars (Ctrl+Shift+K)"
        )
        self.more_button_menu.setMenu(self.more_menu)
        self.more_button_menu.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.toolbar.addWidget(self.more_button_menu)

    def _add_grid(self) -> None:
        """The timetable in place of the table; the table stays below for the "List" view."""
        self.grid = CalendarGrid(self)
        self.grid.open_requested.connect(self.open_lesson)
        self.grid.book_requested.connect(lambda key, start, _end: self.book(key, start))
        self.grid.move_requested.connect(self.move_block)
        self.grid.day_requested.connect(self.show_day)
        self.grid_scroll = QScrollArea(self)
        self.grid_scroll.setWidget(self.grid)
        self.grid_scroll.setWidgetResizable(True)
        # Repaint fully on scroll so the column titles and the hours follow the edges.
        self.grid_scroll.verticalScrollBar().valueChanged.connect(lambda _v: self.grid.update())
        self.grid_scroll.horizontalScrollBar().valueChanged.connect(lambda _v: self.grid.update())
        self.month = MonthGrid(self)
        self.month.day_requested.connect(self.open_day)
        self.month.month_requested.connect(self.navigator.set_start)
        self.show_instead(self.grid_scroll, self.month)  # the table stays for "List"
        self.month.hide()
        self.table.doubleClicked.connect(
            lambda index: self.open_lesson(self.model.rows[index.row()].id)
        )

    # --- loading ----------------------------------------------------------------------

    def focus_widget(self) -> QWidget:
        mode = self.view.currentData()
        return self.month if mode == "month" else self.table if mode == "list" else self.grid

    def history_key(self) -> Any:
        """On the timetable, the block under the keyboard cursor; in the list, the row."""
        if self.grid.isVisible():
            block = self.grid.block_at_cursor()
            return block.id if block is not None else None
        return super().history_key()

    def fetch(self, cursor: str | None) -> Callable[[], Any]:
        start = self.navigator.start
        days = self.navigator.period_days
        services, actor = self.services, self.actor
        need_choices = self.choices is None
        filters = {
            "teacher_id": self.teacher_filter.currentData(),
            "room_id": self.room_filter.currentData(),
            "student_id": self.student_filter.currentData(),
        }

        by_teacher = self.view.currentData() == "teacher"
        by_room = self.view.currentData() == "room"
        if self.view.currentData() == "month":
            return self._fetch_month(need_choices, filters)

        # No teacher in view: the whole studio's outside calendars, with the week's lessons.
        studio_wide = not (by_teacher or by_room or filters["teacher_id"])
        studio_wide = studio_wide and actor.role != "teacher"

        def work() -> tuple[Any, ...]:
            choices = services.scheduling.choices(actor) if need_choices else None
            closed = services.scheduling.closures(actor, start, start + timedelta(days=days - 1))
            if studio_wide:
                rows, busy = services.scheduling.week_and_studio_busy(actor, start, days, **filters)
                return choices, rows, closed, {}, busy, False
            rows = services.scheduling.week(actor, start, days, **filters)
            return choices, rows, closed, *overlay(rows), False

        def overlay(rows: tuple[LessonRow, ...]) -> tuple[Any, Any]:
            """Working hours and outside busy times: of the teacher filtered on (or the
            teacher's own), or of each teacher of a day by teacher; a day by room: the rooms'
            calendars and the whole studio's."""
            if by_room:
                every = services.calendars.busy(actor, start, days)
                return {}, tuple(b for b in every if b.teacher_id is None)
            teacher = filters["teacher_id"]
            if actor.role == "teacher":
                teacher = services.availability.own_teacher(actor)
            if teacher is None and not by_teacher:
                return {}, ()
            ids = [teacher] if teacher is not None else list({r.teacher_id for r in rows})
            working = services.availability.working(actor, start, days, ids).spans
            busy = services.calendars.busy(actor, start, days, teacher_id=teacher)
            return working, busy

        return work

    def _fetch_month(self, need_choices: bool, filters: dict[str, Any]) -> Callable[[], Any]:
        """The month view's six weeks: lessons counted per day, and the closures."""
        services, actor = self.services, self.actor
        first = grid_start(self.navigator.start)

        def work() -> tuple[Any, ...]:
            choices = services.scheduling.choices(actor) if need_choices else None
            days = services.scheduling.month(actor, first, 7 * WEEKS, **filters)
            closed = services.scheduling.closures(actor, first, first + timedelta(days=41))
            return choices, days, closed, {}, (), True

        return work

    def show_result(self, result: Any, appended: bool) -> None:
        choices, rows, closed, self.working, self.busy, is_month = result
        self.closed = {c.closed_on: c.reason for c in closed}
        self.grid.closed = self.closed
        if choices is not None:
            self._set_choices(choices)
        if self.extended_on is None:  # the first load, now that the studio's day is known
            self.extend_series_daily()
        if is_month != (self.view.currentData() == "month"):
            return  # asked for by the view shown before (its successor's load is coming)
        if is_month:
            self._show_month(rows)
            return
        self.model.set_rows(rows)
        self._total = len(rows)
        self._paint_grid()

    def _show_month(self, days: tuple[MonthDay, ...]) -> None:
        first = self.navigator.start
        self.model.set_rows(())
        self._total = sum(d.held for d in days if d.day.month == first.month)
        self.month.set_data(first, days, self.closed, self.clock.today())
        self.table.show_overlay("")

    def open_day(self, day: date) -> None:
        """A day of the month (clicked, or Enter): that day with a column per teacher."""
        self.view.blockSignals(True)
        self.view.setCurrentIndex(self.view.findData("teacher"))
        self.view.blockSignals(False)
        self._scroll_to_first = True
        self._show_view("teacher", day)
        self.grid.setFocus()

    def _set_overlay(self, cols: list[GridColumn], mode: object) -> None:
        """Shade outside working hours and show outside busy times, per column."""
        self.grid.working, self.grid.busy, self.grid.shades = {}, [], ()
        teacher = self.teacher_filter.currentData()
        if mode == "week" and teacher is None and self.actor.role != "teacher":
            days = [c.day for c in cols]  # the studio's calendars hatched behind the lessons
            self.grid.shades = studio_shades(self.busy, days, self.grid.zone)
            return
        if mode == "room":
            self._set_room_overlay(cols)
            return
        own = next(iter(self.working), None) if self.actor.role == "teacher" else None
        for i, col in enumerate(cols):
            who = col.key if mode == "teacher" else (teacher or own)
            if isinstance(who, uuid.UUID) and who in self.working:
                self.grid.working[i] = list(self.working[who])
            for b in self.busy:
                on_day = b.start.astimezone(self.grid.zone).date() <= col.day
                on_day = (
                    on_day
                    and col.day <= (b.end - timedelta(seconds=1)).astimezone(self.grid.zone).date()
                )
                mine = b.teacher_id is None or mode != "teacher" or b.teacher_id == col.key
                if on_day and mine and b.room_id is None:
                    self.grid.busy.append((i, b.start, b.end, b.label, b.colour))

    def _set_room_overlay(self, cols: list[GridColumn]) -> None:
        """A day by room: each room's outside calendar in its column, the whole studio's
        (a concert, a holiday) across every column."""
        zone = self.grid.zone
        for i, col in enumerate(cols):
            for b in self.busy:
                first = b.start.astimezone(zone).date()
                last = (b.end - timedelta(seconds=1)).astimezone(zone).date()
                if first <= col.day <= last and b.room_id in (None, col.key):
                    self.grid.busy.append((i, b.start, b.end, b.label, b.colour))

    def _set_choices(self, choices: BookingChoices) -> None:
        self.choices = choices
        for box, items in (
            (self.teacher_filter, choices.teachers),
            (self.room_filter, choices.rooms),
            (self.student_filter, choices.students),
        ):
            box.blockSignals(True)
            for c in items:
                box.addItem(c.name, c.id)
            box.blockSignals(False)
        self.month.teacher_names = {c.id: c.name for c in choices.teachers}

    def _paint_grid(self) -> None:
        zone = self.clock.zone or zone_of("UTC")
        rows: tuple[LessonRow, ...] = self.model.rows
        start = self.navigator.start
        mode = self.view.currentData()
        column_of: Callable[[LessonRow], Hashable]
        if mode == "teacher":
            seen = {r.teacher_id: r.teacher_name for r in rows}
            cols = [GridColumn(k, v, start) for k, v in sorted(seen.items(), key=lambda x: x[1])]
            column_of = lambda r: r.teacher_id  # noqa: E731
        elif mode == "room":
            seen_rooms = {r.room_id: r.room_name or "No room" for r in rows}
            names = {c.id: c.name for c in self.choices.rooms} if self.choices else {}
            for b in self.busy:  # a room busy outside the lessons has its column too
                if b.room_id is not None and b.room_id in names:
                    seen_rooms.setdefault(b.room_id, names[b.room_id])
            cols = [
                GridColumn(k, v, start) for k, v in sorted(seen_rooms.items(), key=lambda x: x[1])
            ]
            column_of = lambda r: r.room_id  # noqa: E731
        else:
            cols = [
                GridColumn(d, f"{d:%a} {d.day} {d:%b}", d)
                for d in (start + timedelta(days=i) for i in range(7))
            ]
            column_of = lambda r: r.start.astimezone(zone).date()  # noqa: E731
        self.grid.axis.zone = zone  # the overlays cut days in the studio's zone, first load too
        self._set_overlay(cols, mode)
        self.grid.empty_text = f"No lessons on {start:%A %d %B}.\n{NEXT_DAY_OR_BOOK}"
        self.grid.set_data(cols, rows, column_of, zone)
        # On first show (and a day opened from the month) its earliest lesson, or the hour a
        # chip asked for.
        first = None
        if not self._scrolled or self._scroll_to_first:
            first = self.grid.axis.first_in_view(start, (r.start for r in rows))
        target = self._scroll_to or first
        self._scrolled, self._scroll_to, self._scroll_to_first = True, None, False
        if target is not None:
            self.grid_scroll.verticalScrollBar().setValue(self.grid.y_of(target) - 40)
        self.table.show_overlay("")
        self._select_pending()

    def _view_changed(self) -> None:
        current, today = self.navigator.start, self.clock.today()
        in_period = current <= today < current + timedelta(days=self.navigator.period_days)
        self._show_view(self.view.currentData(), today if in_period else current)

    def show_day(self, when: datetime) -> None:
        """A "+N more" chip of the week: that day with a column per teacher, at that hour."""
        self._scroll_to = when
        self.view.blockSignals(True)
        self.view.setCurrentIndex(self.view.findData("teacher"))
        self.view.blockSignals(False)
        self._show_view("teacher", when.date())

    def _show_view(self, mode: str, day: date) -> None:
        self.table.setVisible(mode == "list")
        self.grid_scroll.setVisible(mode not in ("list", "month"))
        self.month.setVisible(mode == "month")
        step = {"teacher": 1, "room": 1, "month": MONTH}.get(mode, 7)
        self.navigator.set_period(step, day)
        if mode == "month":
            self.month.cursor_day = day
        self.reload()

    def _colour_changed(self) -> None:
        self.grid.colour_by = self.month.colour_by = self.colour.currentData()
        self.grid.update()
        self.month.update()

    # --- actions ------------------------------------------------------------------------

    def book(self, column_key: object, start: datetime | None) -> None:
        if not self.actor.is_staff_desk or self.choices is None:
            return
        teacher = (
            column_key
            if isinstance(column_key, uuid.UUID) and self.view.currentData() == "teacher"
            else None
        )
        room = (
            column_key
            if isinstance(column_key, uuid.UUID) and self.view.currentData() == "room"
            else None
        )
        self._dialog(
            start=start, teacher_id=teacher or self.teacher_filter.currentData(), room_id=room
        )

    def open_lesson(self, lesson_id: uuid.UUID) -> None:
        self.runner.run(
            self.services.scheduling.lesson,
            self.actor,
            lesson_id,
            on_done=lambda detail: self._dialog(detail=detail),
            on_error=lambda exc: self.presenter.present(exc, parent=self),
        )

    def _dialog(self, **kw: Any) -> None:
        if self.choices is None:
            return
        dialog = lesson_dialog(self, self.choices, self.clock.zone or zone_of("UTC"), **kw)
        dialog.lesson_saved.connect(self.show_lesson)

    def show_lesson(self, lesson: LessonDetail) -> None:
        """After booking or changing a lesson: its week (or day) shows it, selected."""
        self._select_after = (lesson.id, lesson.start)
        self._scroll_to = lesson.start - timedelta(hours=1)
        day = self.clock.local(lesson.start).date()
        if (
            self.navigator.start
            <= day
            < self.navigator.start + timedelta(days=self.navigator.period_days)
        ):
            self.refresh()
        else:
            self.navigator.set_start(day)  # reloads

    def _select_pending(self) -> None:
        if self._select_after is None or self.view.currentData() == "list":
            return
        lesson_id, start = self._select_after
        if self.grid.select_block(lesson_id):
            self._select_after = None
            self.grid.setFocus()
        elif self.view.currentData() == "week" and any(r.id == lesson_id for r in self.model.rows):
            self.show_day(start)  # counted in a busy hour: the day per teacher shows it

    def move_block(
        self,
        lesson_id: uuid.UUID,
        start: datetime,
        end: datetime,
        anyway: bool = False,
        keep_rate: bool | None = None,
    ) -> None:
        """A drag: the same rules as the dialog; a refusal says why and the block goes back.
        A new length that changes the price is asked about first (`keep_rate` is the answer);
        outside the teacher's hours the desk is asked too (and its yes is recorded)."""
        sched, actor = self.services.scheduling, self.actor
        if keep_rate is None:
            self.runner.run(
                sched.price_after_move,
                actor,
                lesson_id,
                start,
                end,
                on_done=lambda prices: self._ask_price(lesson_id, start, end, *prices),
                on_error=lambda exc: self._move_refused(exc, lesson_id, start, end, False),
            )
            return
        self.runner.run(
            sched.move_lesson,
            actor,
            lesson_id,
            start,
            end,
            anyway,
            keep_rate,
            on_done=lambda _d: self.reload(),
            on_error=lambda exc: self._move_refused(exc, lesson_id, start, end, keep_rate),
        )

    def _ask_price(
        self, lesson_id: uuid.UUID, start: datetime, end: datetime, now: Decimal, then: Decimal
    ) -> None:
        """A resize that changes the price: charge the new one, keep the old, or put it back."""
        if now == then:
            self.move_block(lesson_id, start, end, keep_rate=False)
            return
        a, b = self.clock.local(start), self.clock.local(end)
        minutes = int((end - start).total_seconds() // 60)
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "The price changes",
            f"The lesson becomes {a:%H:%M}\N{EN DASH}{b:%H:%M} ({minutes} min): at the "
            f"teacher's rate its price goes from {money(now)} to {money(then)}.",
            QMessageBox.StandardButton.Cancel,
            self,
        )
        charge = box.addButton(f"&Charge {money(then)}", QMessageBox.ButtonRole.AcceptRole)
        keep = box.addButton(f"&Keep {money(now)}", QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(charge)
        self.last_dialog = box

        def answered(_result: int) -> None:
            clicked = box.clickedButton()
            if clicked in (charge, keep):
                self.move_block(lesson_id, start, end, keep_rate=clicked is keep)
            else:
                self._paint_grid()  # the block goes back where it was

        box.finished.connect(answered)
        box.open()

    def _move_refused(
        self,
        exc: BaseException,
        lesson_id: uuid.UUID,
        start: datetime,
        end: datetime,
        keep_rate: bool,
    ) -> None:
        self._paint_grid()
        if isinstance(exc, NeedsConfirmation):  # the dialog's "Book anyway", for a drag
            box = QMessageBox(
                QMessageBox.Icon.Question,
                "Outside the teacher's hours",
                f"{exc}\n\nMove the lesson there anyway? (Your yes is kept with the lesson.)",
                QMessageBox.StandardButton.Cancel,
                self,
            )
            anyway = box.addButton("Move &anyway", QMessageBox.ButtonRole.AcceptRole)
            box.setDefaultButton(anyway)
            self.last_dialog = box

            def answered(_result: int) -> None:
                if box.clickedButton() is anyway:
                    self.move_block(lesson_id, start, end, anyway=True, keep_rate=keep_rate)

            box.finished.connect(answered)
            box.open()
            return
        self.presenter.present(exc, parent=self)

    # --- print, export, closures, series ---------------------------------------------

    def _action(self, text: str, keys: str, slot: Callable[[], object]) -> QAction:
        action = QAction(text, self)
        if keys:
            action.setShortcut(QKeySequence(keys))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)  # the shortcut works anywhere in the tab
        self.more_menu.addAction(action)
        return action

    def shown_day(self) -> date:
        """The day a day sheet is for: the day shown, or today if it is in the week shown."""
        start = self.navigator.start
        today = self.clock.today()
        if self.navigator.step_days == 1 or not start <= today < start + timedelta(
            days=self.navigator.period_days
        ):
            return start
        return today

    def print_day_sheet(self) -> None:
        from studiosync_desktop.ui.dialogs.calendar_extras import DaySheetDialog

        dialog = DaySheetDialog(self.shown_day(), self)
        self.last_dialog = dialog
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        day, by = dialog.choice()
        from studiosync_desktop.ui.printing import has_printer

        if has_printer():  # the print preview; without a printer, saved to print elsewhere
            self._print_day_sheet(day, by)
            return
        name = f"day-sheet-{day.isoformat()}-{by}.pdf"
        path = ask_save_path(self, "Save day sheet", name, "PDF (*.pdf)")
        if path:
            self.write_day_sheet(path, day, by)

    def studio_changed(self, info: StudioInfo) -> None:
        """The studio's opening hours and grid (when the window reads the studio, at start and
        when another desk changes it); its zone is the one studio clock's."""
        self.navigator.set_today(self.clock.today())
        self.grid.set_hours(info.settings.opens_at, info.settings.closes_at)
        self.grid.snap_minutes = info.settings.snap_minutes

    def _print_day_sheet(self, day: date, by: str) -> None:
        from studiosync_desktop.reports.day_sheet import render_day_sheet
        from studiosync_desktop.ui.printing import print_pdf

        services, actor = self.services, self.actor
        self.runner.run(
            lambda: render_day_sheet(services.scheduling.day_sheet(actor, day, by)),
            on_done=lambda pdf: self.summary.setText(print_pdf(self, pdf, "day-sheet")),
            on_error=self._failed_action,
        )

    def write_day_sheet(self, path: Path, day: date, by: str) -> None:
        """Renders off the GUI thread, saves, then opens the PDF (to print it)."""
        services, actor = self.services, self.actor

        def work() -> Path:
            from studiosync_desktop.reports.day_sheet import render_day_sheet

            path.write_bytes(render_day_sheet(services.scheduling.day_sheet(actor, day, by)))
            return path

        self.runner.run(work, on_done=self._saved, on_error=self._failed_action)

    def export_calendar(self) -> None:
        from studiosync_desktop.ui.dialogs.calendar_extras import CalendarExportDialog

        if self.choices is None:
            return
        preselect = self.teacher_filter.currentData() or self.student_filter.currentData()
        dialog = CalendarExportDialog(self.choices, self.actor, preselect, self)
        self.last_dialog = dialog
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        kind, person = dialog.choice()
        name = dialog.label().lower().replace(" ", "-")
        path = ask_save_path(self, "Export to calendar", f"{name}-lessons.ics", "iCalendar (*.ics)")
        if path:
            self.write_calendar(path, kind, person)

    def write_calendar(self, path: Path, kind: str, person: uuid.UUID | None) -> None:
        from studiosync_desktop.ui.dialogs.calendar_extras import export_kwargs

        services, actor = self.services, self.actor

        def work() -> Path:
            export = services.ical.export(actor, **export_kwargs(kind, person))
            path.write_bytes(export.data)
            return path

        self.runner.run(work, on_done=self._saved, on_error=self._failed_action)

    def _saved(self, path: Path) -> None:
        self.saved.emit(path)
        self.summary.setText(tell_saved(self, path, bool(self.open_file(path))))

    def _failed_action(self, exc: BaseException) -> None:
        self.presenter.present(exc, parent=self)

    def edit_closures(self) -> None:
        from studiosync_desktop.ui.dialogs.calendar_extras import ClosuresDialog

        dialog = ClosuresDialog(
            self.services, self.actor, self.runner, self.presenter, self.clock.today(), self
        )
        dialog.changed.connect(self.refresh)
        self.last_dialog = dialog
        dialog.open()

    def find_time(self) -> None:
        from studiosync_desktop.ui.dialogs.find_time import FindTimeDialog

        if self.choices is None:
            return
        dialog = FindTimeDialog(
            self.services, self.actor, self.runner, self.presenter, self.choices,
            self.clock.zone or zone_of("UTC"), self.clock.today(), self,
        )  # fmt: skip
        dialog.book_requested.connect(lambda option: self._book_found(dialog, option))
        self.last_dialog = dialog
        dialog.open()

    def _book_found(self, finder: Any, option: Any) -> None:
        """The lesson dialog at the time found, with who and how long filled in (Repeat
        weekly there books a series, every occurrence checked)."""
        from studiosync_desktop.ui.dialogs.find_time import select_data
        from studiosync_desktop.ui.dialogs.lesson_dialog import KnownStudent, LessonDialog

        finder.accept()
        self._dialog(start=option.start, teacher_id=option.teacher_id, room_id=option.room_id)
        dialog = self.last_dialog
        assert isinstance(dialog, LessonDialog)
        query = finder.query()
        if query["student_id"] is not None:
            name = finder.student.chosen().name
            dialog.student.show_chosen(KnownStudent(query["student_id"], name))
        select_data(dialog.band, query["band_id"])
        select_data(dialog.teacher, option.teacher_id)  # the one found, not the student's own
        dialog.minutes.setValue(query["minutes"])

    def edit_hours(self) -> None:
        from studiosync_desktop.ui.dialogs.availability import HoursDialog

        if self.choices is None:
            return
        dialog = HoursDialog(
            self.services, self.actor, self.runner, self.presenter, self.choices,
            self.clock.today(), self,
        )  # fmt: skip
        dialog.changed.connect(self.refresh)
        dialog.open_lesson.connect(self.open_lesson)
        self.last_dialog = dialog
        dialog.open()

    def edit_feeds(self) -> None:
        from studiosync_desktop.ui.dialogs.availability import FeedsDialog

        if self.choices is None:
            return
        dialog = FeedsDialog(
            self.services, self.actor, self.runner, self.presenter, self.choices, self
        )
        dialog.changed.connect(self.refresh)
        self.last_dialog = dialog
        dialog.open()

    def extend_series_daily(self) -> None:
        """Once per studio day: open-ended series get their lessons up to the horizon."""
        today = self.clock.today()
        if self.extended_on == today or not self.actor.is_staff_desk:
            return
        self.extended_on = today

        def done(made: int) -> None:
            if made:
                self.refresh()

        self.runner.run(
            self.services.scheduling.extend_series,
            self.actor,
            on_done=done,
            on_error=lambda exc: log.warning("extending series failed: %s", exc),
        )

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
