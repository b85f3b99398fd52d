"""Small widgets the tabs share: a table view with a loading overlay, and a date navigator."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QWidget,
)

from studiosync_desktop.ui.table_model import ALERT, RowTableModel

# Messages about what was typed: red, under the field they are about.
ERROR_STYLE = f"color: {ALERT.name()};"


def error_label(parent: QWidget, name: str = "") -> QLabel:
    """A hidden, word-wrapped red line for a field's (or a form's) problem."""
    label = QLabel(parent)
    label.setStyleSheet(ERROR_STYLE)
    label.setWordWrap(True)
    label.hide()
    if name:
        label.setObjectName(f"error_{name}")
    return label


class RowTableView(QTableView):
    """A read-only, row-selecting table with an overlay line for 'Loading…' and empty results."""

    def __init__(self, model: RowTableModel[object], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setModel(model)
        self.setAlternatingRowColors(True)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 12)
        header = self.horizontalHeader()
        header.setHighlightSections(False)
        header.setStretchLastSection(True)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        metrics = self.fontMetrics()
        for i, column in enumerate(model.columns):
            natural = metrics.horizontalAdvance(column.title) + 32
            self.setColumnWidth(i, max(natural, column.width or 0))
        self.overlay = QLabel(self.viewport())
        self.overlay.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.overlay.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        font = self.overlay.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.overlay.setFont(font)
        self.overlay.setEnabled(False)  # the palette's disabled text: muted in light and dark
        self.overlay.hide()
        self.viewport().installEventFilter(self)

    def stretch(self, column: int) -> None:
        """`column` takes the spare width; the others keep their set widths."""
        header = self.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)

    def show_overlay(self, text: str) -> None:
        self.overlay.setText(text)
        self.overlay.setVisible(bool(text))
        self._place_overlay()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.viewport() and event.type() == QEvent.Type.Resize:
            self._place_overlay()
        return super().eventFilter(watched, event)

    def _place_overlay(self) -> None:
        self.overlay.setGeometry(self.viewport().rect())
        self.overlay.raise_()


class DateNavigator(QWidget):
    """Previous / Today / Next and the period shown; `step_days` is 7 for a week, 1 for a day."""

    changed = Signal(object)  # a datetime.date: the first day shown

    def __init__(self, step_days: int, today: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.step_days = step_days
        self._today = today
        self._start = self._align(today)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.previous_button = QPushButton(self)
        self.today_button = QPushButton("Today", self)
        self.next_button = QPushButton(self)
        self.today_button.setToolTip("Back to today (Ctrl+T)")
        self.label = QLabel(self)
        font = self.label.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.label.setFont(font)
        self.previous_button.clicked.connect(self.go_previous)
        self.today_button.clicked.connect(self.go_today)
        self.next_button.clicked.connect(self.go_next)
        layout.addWidget(self.previous_button)
        layout.addWidget(self.today_button)
        layout.addWidget(self.next_button)
        layout.addSpacing(16)
        layout.addWidget(self.label, 1)
        # Page Up / Page Down page the period while the navigator has the focus; the window
        # adds Ctrl+Left / Ctrl+Right and Ctrl+T wherever the focus is.
        for keys, slot in (("PgUp", self.go_previous), ("PgDown", self.go_next)):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)
        self._show()

    @property
    def start(self) -> date:
        return self._start

    def set_today(self, today: date) -> None:
        """The studio's today (known once its time zone is)."""
        self._today = today

    def go_today(self) -> None:
        self.set_start(self._align(self._today))

    def go_previous(self) -> None:
        self.set_start(self._start - timedelta(days=self.step_days))

    def go_next(self) -> None:
        self.set_start(self._start + timedelta(days=self.step_days))

    def set_period(self, step_days: int, day: date) -> None:
        """Switches between weeks and days, showing the period of `day` (no `changed`: the
        caller reloads once for both)."""
        self.step_days = step_days
        self._start = self._align(day)
        self._show()

    def set_start(self, start: date) -> None:
        start = self._align(start)
        if start == self._start:
            return
        self._start = start
        self._show()
        self.changed.emit(start)

    def _align(self, day: date) -> date:
        # Weeks start on Monday, as the studio timetable does.
        return day - timedelta(days=day.weekday()) if self.step_days == 7 else day

    def _show(self) -> None:
        unit = "week" if self.step_days == 7 else "day"
        self.previous_button.setText(f"\N{BLACK LEFT-POINTING TRIANGLE}  Previous {unit}")
        self.next_button.setText(f"Next {unit}  \N{BLACK RIGHT-POINTING TRIANGLE}")
        self.previous_button.setToolTip(f"Previous {unit} (Ctrl+Left or Page Up)")
        self.next_button.setToolTip(f"Next {unit} (Ctrl+Right or Page Down)")
        if self.step_days == 7:
            last = self._start + timedelta(days=6)
            same_month = last.month == self._start.month
            first = self._start.strftime("%d" if same_month else "%d %b")
            self.label.setText(f"Week of {first} \N{EN DASH} {last.strftime('%d %b %Y')}")
        else:
            self.label.setText(self._start.strftime("%A %d %B %Y"))
        self.today_button.setEnabled(self._start != self._align(self._today))


def fill_person_choices(combo: Any, people: Any, typed: str, label: Any) -> None:
    """Lists the people found for what the desk typed, keeping the typed text.

    Nobody is chosen until the desk chooses: no loan or booking for the wrong person.
    """
    combo.blockSignals(True)
    combo.clear()
    for person in people:
        combo.addItem(label(person), person.id)
    combo.setCurrentIndex(-1)
    line = combo.lineEdit()
    if line is not None and typed:
        line.setText(typed)
    combo.blockSignals(False)
    if typed and people:
        combo.showPopup()


class PersonPicker(QComboBox):
    """Type a name or email: the matching people are looked up off the GUI thread (250 ms
    after the last key) and listed; nobody is chosen until the desk chooses, except when
    exactly one person matches."""

    def __init__(
        self,
        runner: Any,
        presenter: Any,
        lookup: Callable[[str], Any],
        label: Callable[[Any], str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._runner, self._presenter, self._lookup, self._label = runner, presenter, lookup, label
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        line = self.lineEdit()
        assert line is not None
        line.setPlaceholderText("type a name or email")
        self._search = QTimer(self)
        self._search.setSingleShot(True)
        self._search.setInterval(250)
        self._search.timeout.connect(self.find)
        line.textEdited.connect(lambda _t: self._search.start())
        self.find()

    def find(self) -> None:
        line = self.lineEdit()
        typed = line.text() if line is not None else ""
        lookup = self._lookup
        self._runner.run(
            lambda: lookup(typed),
            on_done=lambda people: fill_person_choices(self, people, typed, self._label),
            on_error=lambda exc: self._presenter.present(exc, parent=self),
            key=f"people:{id(self)}",
        )

    def person_id(self) -> object:
        """The chosen person's id (or the only match's), else None."""
        data = self.currentData()
        if data is None and self.count() == 1:
            return self.itemData(0)
        return data
