"""One record's history (a lesson, student, invoice, payment or item), from the audit trail."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from studiosync_desktop.ui.audit_columns import audit_columns
from studiosync_desktop.ui.studio_clock import StudioClock
from studiosync_desktop.ui.table_model import RowTableModel, words
from studiosync_desktop.ui.widgets import RowTableView

if TYPE_CHECKING:
    import uuid

    from studiosync_desktop.schemas.accounts import AuditRow
    from studiosync_desktop.schemas.common import Actor
    from studiosync_desktop.services.accounts import AccountService
    from studiosync_desktop.ui.error_presenter import ErrorPresenter
    from studiosync_desktop.ui.task_runner import TaskRunner


class HistoryDialog(QDialog):
    """Every recorded change of one row, newest first; loads through the TaskRunner."""

    def __init__(
        self,
        accounts: AccountService,
        actor: Actor,
        runner: TaskRunner,
        presenter: ErrorPresenter,
        table_name: str,
        row_id: uuid.UUID,
        what: str = "",
        *,
        clock: StudioClock | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        noun = words(table_name).rstrip("s") if table_name != "users" else "Person"
        self.setWindowTitle(f"History of {what or noun.lower()}")
        self.resize(900, 420)
        # The window's one studio clock; alone (no clock given), it learns the zone with the rows.
        known = clock is not None
        self.clock = clock if clock is not None else StudioClock(parent=self)
        self.model: RowTableModel[AuditRow] = RowTableModel(
            audit_columns(self.clock, with_table=False), parent=self
        )
        self.table = RowTableView(self.model, self)  # type: ignore[arg-type]
        self.table.stretch(3)
        self.summary = QLabel("Loading…", self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        heading = QLabel(f"{noun}: {what}" if what else noun, self)
        font = heading.font()
        font.setBold(True)
        heading.setFont(font)
        layout.addWidget(heading)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)
        layout.addWidget(buttons)
        self._presenter = presenter
        self._runner = runner  # kept: its results arrive through it
        self.table.show_overlay("Loading…")
        runner.run(
            lambda: (
                None if known else accounts.studio_timezone(actor),
                accounts.history(actor, table_name, row_id),
            ),
            on_done=self._show,
            on_error=self._failed,
            key=f"history:{id(self)}",
        )

    def _show(self, loaded: tuple[str | None, tuple[AuditRow, ...]]) -> None:
        zone, rows = loaded
        self.clock.learn(zone)
        self.model.set_rows(rows)
        self.table.show_overlay("" if rows else "No recorded changes.")
        count = len(rows)
        self.summary.setText(f"{count} change{'s' if count != 1 else ''}, newest first")

    def _failed(self, exc: BaseException) -> None:
        self.summary.setText("Could not load the history.")
        self.table.show_overlay("Could not load.")
        self._presenter.present(exc, parent=self)
