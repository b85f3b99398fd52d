"""What every data tab shares: a table over a service, loaded off the GUI thread."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services.container import Services
from studiosync_desktop.ui.error_presenter import ErrorPresenter
from studiosync_desktop.ui.table_model import Column, RowStyle, RowTableModel
from studiosync_desktop.ui.task_runner import TaskRunner
from studiosync_desktop.ui.widgets import RowTableView

LOADING = "Loading…"


class DataTab(QWidget):
    """A toolbar row, a summary line and one table; subclasses say what to fetch and show.

    `loaded` is emitted each time a load's rows are on screen (tests and the screenshot
    command wait on the first); `reload()` fetches again with the current filters.
    """

    loaded = Signal()
    key = "tab"
    title = ""
    noun = ("row", "rows")
    empty_text = "Nothing to show."
    stretch_column = 1  # the column that takes the spare width (a name, not a figure)

    def __init__(
        self,
        services: Services,
        actor: Actor,
        runner: TaskRunner,
        presenter: ErrorPresenter,
        columns: Sequence[Column[Any]],
        row_style: Callable[[Any], RowStyle | None] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.services = services
        self.actor = actor
        self.runner = runner
        self.presenter = presenter
        self.model: RowTableModel[Any] = RowTableModel(columns, row_style=row_style, parent=self)
        self.table = RowTableView(self.model, self)
        self.table.stretch(self.stretch_column)
        self.toolbar = QHBoxLayout()
        self.toolbar.setContentsMargins(0, 0, 0, 0)
        self.summary = QLabel(self)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.more_button = QPushButton("Show more", self)
        self.more_button.clicked.connect(self.load_more)
        self.more_button.hide()
        bottom = QHBoxLayout()
        bottom.addWidget(self.summary, 1)
        bottom.addWidget(self.more_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 8)
        layout.addLayout(self.toolbar)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)
        self.is_loading = False
        self.has_loaded = False
        self._next_cursor: str | None = None
        self._total: int | None = None

    # --- what subclasses provide --------------------------------------------------------

    def fetch(self, cursor: str | None) -> Callable[[], Any]:
        """A call to run on a worker thread (no Qt in it); its result goes to `show_result`."""
        raise NotImplementedError

    def show_result(self, result: Any, appended: bool) -> None:
        """Default: `result` is a `Page` of rows."""
        rows = (*self.model.rows, *result.rows) if appended else result.rows
        self.model.set_rows(rows)
        self._next_cursor = result.next_cursor
        if not appended:
            self._total = result.total

    def summary_text(self) -> str:
        count = self._total if self._total is not None else self.model.rowCount()
        one, many = self.noun
        return f"{count:,} {one if count == 1 else many}"

    # --- loading --------------------------------------------------------------------------

    def reload(self) -> None:
        self._start(None)

    def load_more(self) -> None:
        if self._next_cursor is not None:
            self._start(self._next_cursor)

    def _start(self, cursor: str | None) -> None:
        self.is_loading = True
        self.summary.setText(LOADING)
        self.more_button.setEnabled(False)
        if self.model.rowCount() == 0:
            self.table.show_overlay(LOADING)
        appended = cursor is not None
        self.runner.run(
            self.fetch(cursor),
            on_done=lambda result: self._done(result, appended),
            on_error=self._failed,
            key=f"{self.key}:{id(self)}",
        )

    def _done(self, result: Any, appended: bool) -> None:
        self.is_loading = False
        self.show_result(result, appended)
        self.table.show_overlay("" if self.model.rowCount() else self.empty_text)
        self.summary.setText(self.summary_text())
        self.more_button.setVisible(self._next_cursor is not None)
        self.more_button.setEnabled(True)
        self.has_loaded = True
        self.loaded.emit()

    def _failed(self, exc: BaseException) -> None:
        self.is_loading = False
        self.summary.setText("Could not load. Press F5 to try again.")
        self.more_button.setEnabled(True)
        self.table.show_overlay("" if self.model.rowCount() else "Could not load.")
        self.presenter.present(exc, retry=self.reload, parent=self)
