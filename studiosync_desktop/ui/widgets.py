"""Small widgets the tabs share: a table with an overlay line, a date navigator, a person picker."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QModelIndex, QObject, QStringListModel, Qt, QTimer, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCompleter,
    QDateEdit,
    QDateTimeEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLayout,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QSizePolicy,
    QTableView,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from studiosync_desktop.ui.field_limits import clear_on_change
from studiosync_desktop.ui.table_model import ALERT, RowTableModel

if TYPE_CHECKING:
    from collections.abc import Callable

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


def field_holder(parent: QWidget, field: QWidget | QLayout, error: QLabel | None) -> QWidget:
    """A form row's field with its red line under it, as one widget that passes the focus on;
    the red line goes once the field is changed.

    QFormLayout makes the row's label a buddy of the holder: the label's Alt key then reaches
    the field (a label without a buddy shows its "&" as a character, "&Teacher").
    """
    holder = QWidget(parent)
    box = QVBoxLayout(holder)
    box.setContentsMargins(0, 0, 0, 0)
    box.setSpacing(2)
    if isinstance(field, QLayout):
        box.addLayout(field)
    else:
        box.addWidget(field)
    if error is not None:
        box.addWidget(error)
        clear_on_change(field if isinstance(field, QWidget) else holder, error)
    passes_focus(holder, first_focusable(holder))
    return holder


def passes_focus(widget: QWidget, to: QWidget) -> None:
    """A label's Alt key focuses its buddy only when the buddy itself takes the focus; the
    proxy passes it on (and keeps `widget` out of the Tab order)."""
    if to is not widget:
        widget.setFocusProxy(to)
        widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)


def first_focusable(widget: QWidget) -> QWidget:
    """`widget` when it takes the keyboard focus, else the first field inside it that does."""
    if widget.focusPolicy() != Qt.FocusPolicy.NoFocus or widget.focusProxy() is not None:
        return widget
    for child in widget.findChildren(QWidget):
        if child.focusPolicy() != Qt.FocusPolicy.NoFocus or child.focusProxy() is not None:
            return child
    return widget


def status_line(widget: QWidget, text: str, ms: int = 10000) -> None:
    """One line about what was just done, in the main window's status bar for a few seconds
    (from a tab, or from a dialog over one)."""
    top: QWidget | None = widget.window()
    while top is not None and not isinstance(top, QMainWindow):
        parent = top.parentWidget()
        top = parent.window() if parent is not None else None
    if isinstance(top, QMainWindow) and text:
        top.statusBar().showMessage(text, ms)


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


MONTH = 31  # a DateNavigator's `step_days` for a calendar month


def _next_month(first: date) -> date:
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1)


class DateNavigator(QWidget):
    """Previous / Today / Next and the period shown; `step_days` is 7 for a week, 1 for a day,
    `MONTH` for a calendar month."""

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
        # The period is never cut: the tab's other widgets shrink first.
        self.label.setSizePolicy(QSizePolicy.Policy.MinimumExpanding, QSizePolicy.Policy.Preferred)
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
        """The studio's today (known once its time zone is, and again when it changes; the
        period shown stays: "Today" goes to the new one)."""
        self._today = today
        self.today_button.setEnabled(self._start != self._align(self._today))

    def go_today(self) -> None:
        self.set_start(self._align(self._today))

    @property
    def period_days(self) -> int:
        """How many days the period shown has (a month's own length)."""
        if self.step_days != MONTH:
            return self.step_days
        return (_next_month(self._start) - self._start).days

    def go_previous(self) -> None:
        if self.step_days == MONTH:
            self.set_start((self._start - timedelta(days=1)).replace(day=1))
        else:
            self.set_start(self._start - timedelta(days=self.step_days))

    def go_next(self) -> None:
        if self.step_days == MONTH:
            self.set_start(_next_month(self._start))
        else:
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
        if self.step_days == MONTH:
            return day.replace(day=1)
        return day - timedelta(days=day.weekday()) if self.step_days == 7 else day

    def _show(self) -> None:
        unit = {7: "week", MONTH: "month"}.get(self.step_days, "day")
        # Short, so the period beside them is never cut at 1280x720; the tips name the unit.
        self.previous_button.setText("\N{BLACK LEFT-POINTING TRIANGLE}  Previous")
        self.next_button.setText("Next  \N{BLACK RIGHT-POINTING TRIANGLE}")
        self.previous_button.setToolTip(f"Previous {unit} (Ctrl+Left or Page Up)")
        self.next_button.setToolTip(f"Next {unit} (Ctrl+Right or Page Down)")
        if self.step_days == 7:
            last = self._start + timedelta(days=6)
            same_month = last.month == self._start.month
            first = f"{self._start.day}" if same_month else f"{self._start.day} {self._start:%b}"
            self.label.setText(f"{first} \N{EN DASH} {last.day} {last:%b %Y}")
        elif self.step_days == MONTH:
            self.label.setText(self._start.strftime("%B %Y"))
        else:
            self.label.setText(self._start.strftime("%A %d %B %Y"))
        self.today_button.setEnabled(self._start != self._align(self._today))


# Qt's display-format tokens, longest first (each is one section of a date or time field).
FORMAT_TOKEN = re.compile(
    r"dddd|ddd|dd|d|MMMM|MMM|MM|M|yyyy|yy|HH|H|hh|h|mm|m|ss|s|zzz|z|AP|ap|A|a"
)


def select_first_part_on_select_all(field: QDateTimeEdit, event: QKeyEvent) -> bool:
    """Ctrl+A then typing over a date or a time: Qt selects the whole text and then refuses
    every digit ("1" is no time), silently keeping the old value. The first number is selected
    instead (the hour; a date's day of the month, not a weekday's name), so "1700" typed after
    Ctrl+A is 17:00 and "24" the 24th."""
    if not event.matches(QKeySequence.StandardKey.SelectAll):
        return False
    shown = field.displayFormat()
    for found in FORMAT_TOKEN.finditer(shown):
        if found.group() in ("ddd", "dddd", "MMM", "MMMM", "AP", "ap", "A", "a"):
            continue  # a name: typed over, it is not a number
        moment = field.dateTime()
        start = len(moment.toString(shown[: found.start()]))
        length = len(moment.toString(found.group()))
        field.lineEdit().setSelection(start, length)
        return True
    return False


class DayField(QDateEdit):
    """A day typed over after Ctrl+A (`select_first_part_on_select_all`)."""

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if not select_first_part_on_select_all(self, event):
            super().keyPressEvent(event)


class TimeField(QTimeEdit):
    """A time of day typed as digits ("1630" is 16:30) however the field was reached.

    Qt's own field takes digits only after Tab: reached by its label's Alt key or a click,
    the hour is not selected and the digits are refused. Here the hour is selected on any
    focus, and a click selects the minutes when on them, else the hour, so typing replaces it.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDisplayFormat("HH:mm")
        self.lineEdit().installEventFilter(self)

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        if event.reason() != Qt.FocusReason.MouseFocusReason:
            self.setSelectedSection(QDateTimeEdit.Section.HourSection)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if not select_first_part_on_select_all(self, event):
            super().keyPressEvent(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # A click lands on the field's line edit: once it placed the cursor, the part under
        # it is selected (Qt's current section would still name the part typed last).
        if watched is self.lineEdit() and event.type() == QEvent.Type.MouseButtonRelease:
            QTimer.singleShot(0, self._select_clicked_part)
        return super().eventFilter(watched, event)

    def _select_clicked_part(self) -> None:
        text, at = self.text(), self.lineEdit().cursorPosition()
        colon = text.find(":")
        # On the minutes: the minutes; anywhere else (the hour, past the end): the hour, so
        # "1630" typed after any click is 16:30.
        hours = colon < 0 or at <= colon or at >= len(text)
        self.setSelectedSection(
            QDateTimeEdit.Section.HourSection if hours else QDateTimeEdit.Section.MinuteSection
        )


NOBODY_CHOSEN = "Type a name or email, then choose the person."


class PersonPicker(QWidget):
    """Type a name or email: the matching people are looked up off the GUI thread (250 ms
    after the last key). One match is chosen at once; several are listed under the field with
    the first one highlighted, and the highlighted one is the one Enter (or a click) chooses;
    Down and Up move the highlight. The line under the field always says who is chosen, and
    nobody is chosen while what was typed matches several people or none.
    """

    chosen_changed = Signal(object)  # the chosen person, or None
    settled = Signal()  # a lookup's result is on screen

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
        self._people: tuple[Any, ...] = ()
        self._chosen: Any = None
        self._in_flight: str | None = None  # the text being looked up
        self.edit = QLineEdit(self)
        self.edit.setPlaceholderText("type a name or email")
        self.edit.setClearButtonEnabled(True)
        self.note = QLabel(NOBODY_CHOSEN, self)
        self.note.setObjectName("person_note")
        self.note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.edit)
        layout.addWidget(self.note)
        passes_focus(self, self.edit)
        self._model = QStringListModel(self)
        # The completer only shows the list and takes Up, Down, Enter and clicks: the
        # database does the matching (UnfilteredPopupCompletion), and the text typed stays.
        self.completer = QCompleter(self._model, self)
        self.completer.setWidget(self.edit)
        self.completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.completer.setMaxVisibleItems(10)
        self.completer.setWrapAround(False)
        # The overload with the row's index (PySide's stubs do not type a signal's overloads).
        self.completer.activated[QModelIndex].connect(self._activated)  # type: ignore[index]
        self._search = QTimer(self)
        self._search.setSingleShot(True)
        self._search.setInterval(250)
        self._search.timeout.connect(self.look_up)
        self.edit.textEdited.connect(self._typed)
        self.edit.installEventFilter(self)

    # --- what the dialog reads ------------------------------------------------------------

    def person_id(self) -> object:
        """The chosen person's id, else None."""
        return None if self._chosen is None else self._chosen.id

    def chosen(self) -> Any:
        return self._chosen

    def listed(self) -> list[str]:
        """The people the last lookup found, as the list shows them."""
        return [self._label(p) for p in self._people]

    def is_searching(self) -> bool:
        return self._search.isActive() or self._in_flight is not None

    def missing_text(self) -> str:
        """Why nobody is chosen, in a sentence for the line under the field."""
        typed = self.edit.text().strip()
        if not typed:
            return NOBODY_CHOSEN
        if not self._people:
            return f"Nobody matches \u201c{typed}\u201d: check the spelling, or try the email."
        return f"{len(self._people)} people match: choose one from the list (Down, then Enter)."

    # --- typing and looking up ------------------------------------------------------------

    def _typed(self, _text: str) -> None:
        self._choose(None)
        self._search.start()

    def search_now(self) -> None:
        """Looks up what is typed at once (Save pressed before the pause)."""
        if self._search.isActive():
            self._search.stop()
            self.look_up()

    def look_up(self) -> None:
        typed = self.edit.text()
        lookup = self._lookup
        self._in_flight = typed
        self._runner.run(
            lambda: lookup(typed.strip()),
            on_done=lambda people: self._found(typed, people),
            on_error=self._failed,
            key=f"people:{id(self)}",
        )

    def _found(self, typed: str, people: Any) -> None:
        self._in_flight = None
        if typed != self.edit.text():
            return  # typed on since: that lookup is on its way
        self._people = tuple(people)
        self._model.setStringList([self._label(p) for p in self._people])
        if len(self._people) == 1 and typed.strip():
            self._choose(self._people[0], only=True)
            self._popup().hide()
        else:
            self._choose(None)
            if self._people and self.edit.hasFocus():
                self._show_list()
        self.settled.emit()

    def _failed(self, exc: BaseException) -> None:
        self._in_flight = None
        self.settled.emit()
        self._presenter.present(exc, parent=self)

    def _popup(self) -> QAbstractItemView:
        popup = self.completer.popup()
        assert popup is not None  # the completer makes its list when it is made
        return popup

    def _show_list(self) -> None:
        self.completer.complete()
        # The first row is highlighted, so Enter takes what the desk sees highlighted.
        self._popup().setCurrentIndex(self.completer.completionModel().index(0, 0))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Down in the field (list closed): list the people matching what is typed.
        if (
            watched is self.edit
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Down
            and not self._popup().isVisible()
        ):
            if self._people and self._chosen is None:
                self._show_list()
            else:
                self.look_up()
            return True
        return super().eventFilter(watched, event)

    # --- choosing -------------------------------------------------------------------------

    def show_chosen(self, person: Any) -> None:
        """Shows `person` as already chosen (an existing record's), without a lookup."""
        self.edit.setText(person.name)
        self._people = (person,)
        self._model.setStringList([self._label(person)])
        self._choose(person)

    def _activated(self, index: QModelIndex) -> None:
        row = index.row()
        if 0 <= row < len(self._people):
            person = self._people[row]
            self.edit.setText(person.name)
            self._choose(person)

    def _choose(self, person: Any, only: bool = False) -> None:
        changed = person is not self._chosen
        self._chosen = person
        if person is None:
            self.note.setText(self.missing_text() if self.edit.text().strip() else NOBODY_CHOSEN)
        else:
            self.note.setText(
                f"\N{CHECK MARK} {self._label(person)}" + (" (the only match)" if only else "")
            )
        if changed:
            self.chosen_changed.emit(person)
