"""The desk's list beside the day: late, coming, here, not marked, and the next free slots."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QFont
from PySide6.QtWidgets import (
    QHBoxLayout,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studiosync_desktop.ui.today_grid import FREE_COLOUR, HERE_COLOUR, LATE_COLOUR

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from studiosync_desktop.schemas.rows import LessonRow
    from studiosync_desktop.schemas.today import DeskNow, NextFree

ROLE = Qt.ItemDataRole.UserRole


def minutes_between(earlier: datetime, later: datetime) -> int:
    return max(0, int((later - earlier).total_seconds() // 60))


def first_name(row: LessonRow) -> str:
    """The teacher as the desk calls them across the room."""
    return row.teacher_name.split(" ")[0]


class TodayPanel(QWidget):
    """One keyboard-friendly list in sections; Enter opens the lesson or books the free slot.

    "Check in" marks the selected lesson in progress (the student is here); "No-show" marks
    it missed. The tab does the work; the panel only says what was asked."""

    open_lesson = Signal(object)  # lesson id
    mark = Signal(object, str)  # lesson id, new status (in_progress, completed, no_show)
    book = Signal(object, object)  # teacher or room id, aware start

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tree = QTreeWidget(self)
        self.tree.setHeaderHidden(True)
        self.tree.setRootIsDecorated(False)
        self.tree.setAccessibleName("What needs the desk now")
        self.tree.itemActivated.connect(lambda item, _col: self._activate(item))
        self.tree.currentItemChanged.connect(lambda *_: self._enable())
        self.check_in_button = QPushButton("Check &in", self)
        self.check_in_button.setToolTip("The student is here: the lesson is in progress (Ctrl+I)")
        self.no_show_button = QPushButton("No-s&how", self)
        self.no_show_button.setToolTip("The student did not come")
        self.check_in_button.clicked.connect(lambda: self._mark(self._first_status()))
        self.no_show_button.clicked.connect(lambda: self._mark("no_show"))
        buttons = QHBoxLayout()
        buttons.addWidget(self.check_in_button)
        buttons.addWidget(self.no_show_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tree, 1)
        layout.addLayout(buttons)
        self.sections: dict[str, QTreeWidgetItem] = {}
        self._enable()

    # --- filling ----------------------------------------------------------------------------

    def show_now(self, now: DeskNow, at: datetime, zone: ZoneInfo, by: str) -> None:
        """Refills the sections, keeping the selected lesson or slot selected."""
        kept = self.current_key()
        self.tree.clear()
        self.sections = {}

        def local(value: datetime) -> datetime:
            return value.astimezone(zone)

        def late_text(r: LessonRow) -> str:
            late_by = minutes_between(r.start, at)
            who = r.student_name or "Room booking"
            return f"{who} \N{EM DASH} {late_by} min late \N{MIDDLE DOT} {first_name(r)}"

        def coming_text(r: LessonRow) -> str:
            who = r.student_name or "Room booking"
            return f"{local(r.start):%H:%M} {who} \N{MIDDLE DOT} {first_name(r)}"

        def here_text(r: LessonRow) -> str:
            due = "was due to end" if r.end <= at else "until"
            return f"{r.student_name or 'Room booking'} \N{EM DASH} {due} {local(r.end):%H:%M}"

        def unmarked_text(r: LessonRow) -> str:
            day = local(r.start)
            when = f"{day:%H:%M}" if day.date() == local(at).date() else f"{day:%a %d %b %H:%M}"
            return f"{when} {r.student_name or 'Room booking'}"

        self._lessons("late", "Late", now.late, late_text, LATE_COLOUR)
        self._lessons("coming", "Coming within the hour", now.coming, coming_text, None)
        self._lessons("here", "Here now", now.here, here_text, HERE_COLOUR)
        self._lessons("unmarked", "Over, attendance not marked", now.unmarked, unmarked_text, None)
        self._free(now.free, zone, at, by)
        self.tree.expandAll()
        self.select_key(kept)
        self._enable()

    def _section(self, key: str, title: str, count: int | None) -> QTreeWidgetItem:
        item = QTreeWidgetItem([f"{title} ({count})" if count is not None else title])
        font = QFont(item.font(0))
        font.setBold(True)
        item.setFont(0, font)
        item.setFlags(Qt.ItemFlag.ItemIsEnabled)  # a heading, not a choice
        self.tree.addTopLevelItem(item)
        self.sections[key] = item
        return item

    def _lessons(
        self,
        key: str,
        title: str,
        rows: tuple[LessonRow, ...],
        text: Callable[[LessonRow], str],
        colour: object,
    ) -> None:
        section = self._section(key, title, len(rows))
        for r in rows:
            item = QTreeWidgetItem([text(r)])
            item.setData(0, ROLE, ("lesson", r.id))
            item.setToolTip(0, f"{r.teacher_name} \N{MIDDLE DOT} {r.room_name or 'no room'}")
            if colour is not None:
                item.setForeground(0, QBrush(colour))
            section.addChild(item)
        if not rows:
            section.addChild(self._nothing())

    def _free(self, free: tuple[NextFree, ...], zone: ZoneInfo, at: datetime, by: str) -> None:
        title = "Next free slot" + (" by teacher" if by == "teacher" else " by room")
        section = self._section("free", title, None)
        for f in free:
            if f.start is None or f.end is None:
                item = QTreeWidgetItem([f"{f.place.name} \N{EM DASH} nothing free today"])
                item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            else:
                a, b = f.start.astimezone(zone), f.end.astimezone(zone)
                when = "now" if f.start <= at else f"{a:%H:%M}"
                item = QTreeWidgetItem([f"{f.place.name} \N{EM DASH} {when} to {b:%H:%M}"])
                item.setData(0, ROLE, ("free", f.place.id, f.start))
                item.setToolTip(0, "Enter books a lesson here")
                item.setForeground(0, QBrush(FREE_COLOUR))
            section.addChild(item)
        if not free:
            section.addChild(self._nothing())

    @staticmethod
    def _nothing() -> QTreeWidgetItem:
        item = QTreeWidgetItem(["none"])
        item.setFlags(Qt.ItemFlag.ItemIsEnabled)
        item.setForeground(0, QBrush(Qt.GlobalColor.gray))
        return item

    # --- reading --------------------------------------------------------------------------

    def lines(self, section: str) -> list[str]:
        """What a section lists, as the desk reads it."""
        item = self.sections.get(section)
        if item is None:
            return []
        children = (item.child(i) for i in range(item.childCount()))
        return [child.text(0) for child in children if child is not None]

    def current_key(self) -> object:
        item = self.tree.currentItem()
        return item.data(0, ROLE) if item is not None else None

    def select_key(self, key: object) -> None:
        if key is None:
            return
        for top in range(self.tree.topLevelItemCount()):
            section = self.tree.topLevelItem(top)
            if section is None:
                continue
            for i in range(section.childCount()):
                item = section.child(i)
                if item is not None and item.data(0, ROLE) == key:
                    self.tree.setCurrentItem(item)
                    return

    def selected_lesson(self) -> object:
        key = self.current_key()
        return key[1] if isinstance(key, tuple) and key[0] == "lesson" else None

    # --- acting ---------------------------------------------------------------------------

    def _activate(self, item: QTreeWidgetItem) -> None:
        key = item.data(0, ROLE)
        if not isinstance(key, tuple):
            return
        if key[0] == "lesson":
            self.open_lesson.emit(key[1])
        elif key[0] == "free":
            self.book.emit(key[1], key[2])

    def _mark(self, status: str) -> None:
        lesson = self.selected_lesson()
        if lesson is not None:
            self.mark.emit(lesson, status)

    def _selected_section(self) -> str | None:
        item = self.tree.currentItem()
        parent = item.parent() if item is not None else None
        return next((k for k, v in self.sections.items() if v is parent), None)

    def _first_status(self) -> str:
        """A lesson that is over was taught (or missed); one still to come is checked in."""
        return "completed" if self._selected_section() == "unmarked" else "in_progress"

    def _enable(self) -> None:
        waiting = self.selected_lesson() is not None and self._selected_section() in (
            "late",
            "coming",
            "unmarked",
        )
        over = self._selected_section() == "unmarked"
        self.check_in_button.setText("Mark ta&ught" if over else "Check &in")
        self.check_in_button.setToolTip(
            "The lesson took place: completed (Ctrl+I)"
            if over
            else "The student is here: the lesson is in progress (Ctrl+I)"
        )
        self.check_in_button.setEnabled(waiting)
        self.no_show_button.setEnabled(waiting)

    def check_in_selected(self) -> None:
        """Ctrl+I: the first button's action on the selected lesson, if it applies."""
        if self.check_in_button.isEnabled():
            self.check_in_button.click()
