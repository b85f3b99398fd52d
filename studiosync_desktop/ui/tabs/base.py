"""What every data tab shares: a table over a service, loaded off the GUI thread."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLayout,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from studiosync_desktop.ui.history_dialog import HistoryDialog
from studiosync_desktop.ui.studio_context import StudioContext, UsesContext, narrow
from studiosync_desktop.ui.table_model import Column, RowStyle, RowTableModel
from studiosync_desktop.ui.widgets import RowTableView

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from studiosync_desktop.services.container import Services

LOADING = "Loading…"
# A tab with several views (the roster's families, the inventory's checkouts): the audit
# trail's table follows the kind of row selected.
ROW_TABLES = {
    "LessonRow": "lessons",
    "StudentRow": "students",
    "FamilyRow": "families",
    "TeacherRow": "teachers",
    "BandRow": "bands",
    "InvoiceRow": "invoices",
    "PaymentRow": "payments",
    "ItemRow": "inventory_items",
    "CheckoutRow": "checkout_logs",
    "ReservationRow": "room_reservations",
    "RoomRow": "practice_rooms",
    "StaffRow": "users",
}


class DataTab(QWidget, UsesContext):
    """A toolbar row, a summary line and one table; subclasses say what to fetch and show,
    and may add rows under the toolbar, a second pane or another view of the rows.

    `loaded` is emitted each time a load's rows are on screen (tests and the screenshot
    command wait on the first); `reload()` fetches again with the current filters.
    """

    loaded = Signal()
    key = "tab"
    title = ""
    noun = ("row", "rows")
    empty_text = "Nothing to show."
    stretch_column = 1  # the column that takes the spare width (a name, not a figure)
    # Live updates: the tables whose committed changes make this tab refresh itself
    # (keeping the selection and scroll position). Empty: the tab does not follow changes.
    watches: frozenset[str] = frozenset()
    # The audit trail's table of this tab's rows (lessons, students, invoices...): admins get
    # "History…" (Ctrl+H and the table's context menu) once the window calls enable_history().
    history_table: str | None = None
    # After a load with nothing selected, the first row is: the tab's keys (Ctrl+L, Ctrl+M...)
    # act on what the desk just found by typing in the search box.
    select_first = False
    # The services this class's own code (and the dialogs it hands them to) uses: `services`
    # offers those of the class and its bases only (tests/ui/test_tab_uses.py keeps it true).
    # Here: History… reads the audit trail through accounts.
    uses: tuple[str, ...] = ("accounts",)

    def __init__(
        self,
        context: StudioContext,
        columns: Sequence[Column[Any]],
        row_style: Callable[[Any], RowStyle | None] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        # Services, the acting user, runner, presenter and the one studio clock (UsesContext).
        self.context = context
        self._service_view = narrow(context.services, self.all_uses(), type(self).__name__)
        context.clock.changed.connect(self.clock_changed)
        self.model: RowTableModel[Any] = RowTableModel(columns, row_style=row_style, parent=self)
        self.table = RowTableView(self.model, self)
        self.table.stretch(self.stretch_column)
        self.toolbar = QHBoxLayout()
        self.toolbar.setContentsMargins(0, 0, 0, 0)
        self.summary = QLabel(LOADING, self)  # until the first load says what it found
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.more_button = QPushButton("Show more", self)
        self.more_button.clicked.connect(self.load_more)
        self.more_button.hide()
        bottom = QHBoxLayout()
        bottom.addWidget(self.summary, 1)
        bottom.addWidget(self.more_button)
        self._layout = layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 8)
        layout.addLayout(self.toolbar)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)
        self._rows = 0  # rows added under the toolbar (add_row)
        self.is_loading = False
        self.has_loaded = False
        self._next_cursor: str | None = None
        self._total: int | None = None
        # A live refresh in flight: the selected row's key and the scroll position to restore.
        self._keep: tuple[Any, int] | None = None
        # Pages shown ("Show more" adds one); a live refresh loads as many again.
        self._pages = 0
        self._refill = 0
        self.is_stale = False

    @classmethod
    def all_uses(cls) -> frozenset[str]:
        """The services declared by this tab class and its bases."""
        return frozenset(name for k in cls.__mro__ for name in vars(k).get("uses", ()))

    @property
    def services(self) -> Services:
        """Only the declared services (`uses`): another name raises AttributeError."""
        return self._service_view

    # --- history of a row (admins) ---------------------------------------------------------

    def enable_history(self, table_name: str | None) -> None:
        """Adds "History…" (Ctrl+H, and the table's context menu) for rows of `table_name`."""
        if not table_name:
            return
        self.history_table = table_name
        action = QAction("&History…", self)
        action.setShortcut(QKeySequence("Ctrl+H"))
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.setToolTip("What changed on the selected row, who changed it and when (Ctrl+H)")
        action.triggered.connect(self.show_history)
        self.addAction(action)
        self.table.addAction(action)
        if self.table.contextMenuPolicy() == Qt.ContextMenuPolicy.DefaultContextMenu:
            self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.history_action = action

    def history_key(self) -> Any:
        """The row whose history Ctrl+H shows: the selected one."""
        return self.selected_key()

    def show_history(self) -> QWidget | None:
        """Opens the selected row's history (non-modal; several may be open)."""
        key = self.history_key()
        if self.history_table is None or not isinstance(key, uuid.UUID):
            self.summary.setText("Select a row to see its history.")
            return None
        index = self.model.row_of(key, self.row_key)
        what = str(self.model.data(self.model.index(index, 0))) if index >= 0 else ""
        row_kind = type(self.model.row_at(index)).__name__ if index >= 0 else ""
        table = ROW_TABLES.get(row_kind, self.history_table)
        dialog = HistoryDialog(
            self.services.accounts,
            self.actor,
            self.runner,
            self.presenter,
            table,
            key,
            what,
            clock=self.clock,
            parent=self,
        )
        dialog.setModal(False)
        dialog.show()
        self.last_history = dialog
        return dialog

    # --- building blocks for the tabs -------------------------------------------------------

    def add_button(
        self, bar: QHBoxLayout, text: str, keys: str, slot: Callable[[], object]
    ) -> QPushButton:
        """A toolbar button; its keys (if any) work anywhere in the tab and show in its tip."""
        button = QPushButton(text, self)
        plain = text.replace("&", "").rstrip("…")
        button.setToolTip(f"{plain} ({keys})" if keys else plain)
        button.clicked.connect(slot)
        bar.addWidget(button)
        if keys:
            self.add_shortcut(keys, slot)
        return button

    def add_shortcut(self, keys: str, slot: Callable[[], object]) -> None:
        shortcut = QShortcut(QKeySequence(keys), self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(slot)

    def run_dialog(self, dialog: Any, after: Callable[[Any], None] | None = None) -> None:
        """Opens a form dialog; once it saved something, the list reloads (then `after`)."""

        def closed(_result: int) -> None:
            if dialog.result_value is not None:
                self.reload()
                if after is not None:
                    after(dialog.result_value)
            dialog.deleteLater()

        dialog.finished.connect(closed)
        dialog.open()

    # --- around the table: rows, a second pane, another view --------------------------

    def add_row(self, row: QWidget | QLayout) -> None:
        """A row under the toolbar (the tab's action buttons, a strip of figures), under any
        row added before it."""
        self._rows += 1
        if isinstance(row, QLayout):
            self._layout.insertLayout(self._rows, row)
        else:
            self._layout.insertWidget(self._rows, row)

    def add_pane(
        self, pane: QWidget, side: str = "below", stretch: tuple[int, int] = (3, 1)
    ) -> QSplitter:
        """A second pane with the table, split from it by a handle the desk can drag:
        "below" (a second list), "above" (a day grid the table lists) or "beside" (the
        selected row's details)."""
        horizontal = side == "beside"
        splitter = QSplitter(
            Qt.Orientation.Horizontal if horizontal else Qt.Orientation.Vertical, self
        )
        self._layout.replaceWidget(self.table, splitter)
        first, second = (pane, self.table) if side == "above" else (self.table, pane)
        splitter.addWidget(first)
        splitter.addWidget(second)
        splitter.setStretchFactor(0, stretch[0])
        splitter.setStretchFactor(1, stretch[1])
        return splitter

    def show_instead(self, *views: QWidget) -> None:
        """`views` (a timetable, a month) take the table's place; the table stays in it,
        hidden, for a tab's list view (each shown in turn by the tab)."""
        index = self._layout.indexOf(self.table)
        for i, view in enumerate(views):
            self._layout.insertWidget(index + i, view, 1)
        self.table.hide()

    # --- what subclasses provide --------------------------------------------------------

    def fetch(self, cursor: str | None) -> Callable[[], Any]:
        """A call to run on a worker thread (no Qt in it); its result goes to `show_result`."""
        raise NotImplementedError

    def show_result(self, result: Any, appended: bool) -> None:
        """Default: `result` is a `Page` of rows."""
        rows = (*self.model.rows, *result.rows) if appended else result.rows
        if self._keep is not None and not appended:
            self.model.replace_rows(rows, self.row_key)
        else:
            self.model.set_rows(rows)
        self._next_cursor = result.next_cursor
        if not appended:
            self._total = result.total

    def summary_text(self) -> str:
        count = self._total if self._total is not None else self.model.rowCount()
        one, many = self.noun
        if self._total is None and self._next_cursor is not None:
            return f"{count:,}+ {many}"  # a list not counted (invoices): more with Show more
        return f"{count:,} {one if count == 1 else many}"

    def focus_widget(self) -> QWidget:
        """Where the keys go when the tab is shown (the roster's search, the calendar's grid)."""
        return self.table

    def row_key(self, row: Any) -> Any:
        """What identifies a row across reloads (its id)."""
        return getattr(row, "id", row)

    # --- live updates ---------------------------------------------------------------------

    def tables_changed(self, tables: frozenset[str] | None) -> None:
        """Committed changes on other desks (None: everything, after a reconnect)."""
        if tables is not None and not (tables & self.watches):
            return
        if not self.has_loaded:
            return  # its first load is still to come, and will be fresh
        if self.isVisible():
            self.refresh()
        else:
            self.is_stale = True  # refreshed when shown again

    def clock_changed(self) -> None:
        """The studio's zone (or hours or grid) changed on some desk: the rows are fetched
        again in the new zone (days and times), now or when the tab is next shown."""
        if not self.has_loaded:
            return
        if self.isVisible():
            self.refresh()
        else:
            self.is_stale = True

    def refresh(self) -> None:
        """Fetches again, keeping the selected row (by key) and the scroll position."""
        self.is_stale = False
        self._keep = (self.selected_key(), self.table.verticalScrollBar().value())
        self._refill = self._pages
        self._start(None, quiet=True)

    def selected_key(self) -> Any:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows or not 0 <= rows[0].row() < self.model.rowCount():
            return None
        return self.row_key(self.model.row_at(rows[0].row()))

    def select_key(self, key: Any) -> bool:
        """Selects (and shows) the row with this key, if it is loaded."""
        row = self.model.row_of(key, self.row_key)
        if row < 0:
            return False
        self.table.selectRow(row)
        self.table.scrollTo(self.model.index(row, 0))
        return True

    def _restore(self) -> None:
        if self._keep is None:
            return
        key, scroll = self._keep
        self._keep = None
        bar = self.table.verticalScrollBar()
        if key is not None:
            row = self.model.row_of(key, self.row_key)
            current = self.table.selectionModel().selectedRows()
            if row >= 0 and not (current and current[0].row() == row):
                self.table.selectRow(row)
        bar.setValue(scroll)

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if self.is_stale and self.has_loaded and not self.is_loading:
            self.refresh()

    # --- loading --------------------------------------------------------------------------

    def reload(self) -> None:
        self._keep = None
        self._refill = 0
        self._start(None)

    def load_more(self) -> None:
        if self._next_cursor is not None:
            self._start(self._next_cursor)

    def _start(self, cursor: str | None, quiet: bool = False) -> None:
        self.is_loading = True
        if not quiet:  # a live refresh does not blink "Loading…"
            self.summary.setText(LOADING)
            self.more_button.setEnabled(False)
        if self.model.rowCount() == 0 and not quiet:
            self.table.show_overlay(LOADING)
        appended = cursor is not None
        self.runner.run(
            self.fetch(cursor),
            on_done=lambda result: self._done(result, appended),
            on_error=self._failed,
            key=f"{self.key}:{id(self)}",
        )

    def _done(self, result: Any, appended: bool) -> None:
        if not shiboken6.isValid(self.model):
            return  # the tab was deleted while its load ran (its window closed)
        self.is_loading = False
        self.show_result(result, appended)
        self._pages = self._pages + 1 if appended else 1
        if self._keep is not None and self._pages < self._refill and self._next_cursor:
            self._start(self._next_cursor, quiet=True)  # the pages shown before the refresh
            return
        self._refill = 0
        self._restore()
        if self.select_first and self.model.rowCount() and not self.table.currentIndex().isValid():
            self.table.selectRow(0)
        self.table.show_overlay("" if self.model.rowCount() else self.empty_text)
        self.summary.setText(self.summary_text())
        self.more_button.setVisible(self._next_cursor is not None)
        self.more_button.setEnabled(True)
        self.has_loaded = True
        self.loaded.emit()

    def _failed(self, exc: BaseException) -> None:
        if not shiboken6.isValid(self.model):
            return
        self.is_loading = False
        self._keep = None
        self._refill = 0
        self.summary.setText("Could not load. Press F5 to try again.")
        self.more_button.setEnabled(True)
        self.table.show_overlay("" if self.model.rowCount() else "Could not load.")
        self.presenter.present(exc, retry=self.reload, parent=self)


def pane(parent: QWidget, bar: QLayout | QWidget | None, view: QWidget) -> QWidget:
    """A pane for `add_pane`: a bar (a title, buttons) over a view (a second table)."""
    box_widget = QWidget(parent)
    box = QVBoxLayout(box_widget)
    box.setContentsMargins(0, 6, 0, 0)
    if isinstance(bar, QLayout):
        box.addLayout(bar)
    elif bar is not None:
        box.addWidget(bar)
    box.addWidget(view, 1)
    return box_widget
