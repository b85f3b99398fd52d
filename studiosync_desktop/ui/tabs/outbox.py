"""The Outbox (admin and desk): every email the studio sends, filtered by status and kind;
open one to read it, resend a failed one, cancel a queued one, or send now."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QWidget

from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.schemas.email import KIND_NAMES, OutboxFilters, OutboxRow
from studiosync_desktop.ui.dialogs.email_message import STATUS_WORDS, MessageDialog, status_text
from studiosync_desktop.ui.studio_context import StudioContext
from studiosync_desktop.ui.table_model import ALERT, Column, RowStyle
from studiosync_desktop.ui.tabs.base import DataTab
from studiosync_desktop.ui.widgets import status_line
from studiosync_desktop.vocabulary import EMAIL_KINDS, EMAIL_STATUSES

PAGE_SIZE = 200


def row_style(row: OutboxRow) -> RowStyle | None:
    return RowStyle(foreground=ALERT, bold=True) if row.status == "failed" else None


class OutboxTab(DataTab):
    uses = ("mail_jobs", "outbox")
    key = "outbox"
    title = "Outbox"
    noun = ("email", "emails")
    empty_text = "No emails match these filters."
    stretch_column = 3
    watches = frozenset({"email_outbox"})

    def __init__(
        self,
        context: StudioContext,
        parent: QWidget | None = None,
    ) -> None:
        self.context = context
        columns: list[Column[OutboxRow]] = [
            Column("Queued", lambda r: self.clock.stamp(r.created_at), width=130),
            Column("Email", lambda r: r.kind_name, width=170),
            Column("To", lambda r: r.recipient or "(no address)", width=210),
            Column("Subject", lambda r: r.subject or "(being written)", width=300),
            Column("Status", lambda r: status_text(r, self.clock), width=180),
            Column("Tries", lambda r: r.attempts or "", width=50),
            Column("Server's answer or reason", lambda r: r.last_error, width=360),
        ]
        super().__init__(context, columns, row_style, parent)
        self.status = QComboBox(self)
        self.status.setObjectName("outbox_status")
        self.status.addItem("Every status", None)
        for value in EMAIL_STATUSES:
            self.status.addItem(STATUS_WORDS[value], value)
        self.kind = QComboBox(self)
        self.kind.setObjectName("outbox_kind")
        self.kind.addItem("Every kind", None)
        for value in EMAIL_KINDS:
            self.kind.addItem(KIND_NAMES[value], value)
        self.search = QLineEdit(self)
        self.search.setObjectName("outbox_search")
        self.search.setPlaceholderText("Search address or subject  (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(240)
        for label, widget in (("&Status:", self.status), ("&Kind:", self.kind)):
            caption = QLabel(label, self)
            caption.setBuddy(widget)
            self.toolbar.addWidget(caption)
            self.toolbar.addWidget(widget)
        self.toolbar.addWidget(self.search, 1)
        self.open_button = self.add_button(self.toolbar, "&Open…", "Return", self.open_selected)
        self.resend_button = self.add_button(self.toolbar, "&Resend", "Ctrl+R", self.resend)
        self.cancel_button = self.add_button(self.toolbar, "Ca&ncel", "Delete", self.cancel)
        self.send_button = self.add_button(self.toolbar, "Send &now", "Ctrl+Shift+S", self.send_now)
        self._typing = QTimer(self)
        self._typing.setSingleShot(True)
        self._typing.setInterval(300)
        self._typing.timeout.connect(self.reload)
        self.search.textEdited.connect(lambda _t: self._typing.start())
        self.status.currentIndexChanged.connect(self._filters_changed)
        self.kind.currentIndexChanged.connect(self._filters_changed)
        self.table.doubleClicked.connect(lambda _i: self.open_selected())
        self.last_dialog: Any = None

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def _filters_changed(self, *_: object) -> None:
        if self.isVisible():
            self.reload()

    def filters(self) -> OutboxFilters:
        return OutboxFilters(
            status=self.status.currentData(),
            kind=self.kind.currentData(),
            search=self.search.text().strip(),
        )

    def fetch(self, cursor: str | None) -> Callable[[], Any]:
        services, actor, filters = self.services, self.actor, self.filters()

        return lambda: services.outbox.page(actor, filters, cursor, PAGE_SIZE)

    def selected_row(self) -> OutboxRow | None:
        key = self.selected_key()
        index = self.model.row_of(key, self.row_key) if key is not None else -1
        return self.model.row_at(index) if index >= 0 else None

    # --- actions --------------------------------------------------------------------------

    def open_selected(self) -> None:
        row = self.selected_row()
        if row is None:
            self.summary.setText("Select an email to open it.")
            return
        dialog = MessageDialog(
            self.services, self.actor, self.runner, self.presenter, row.id, self.clock, self
        )
        dialog.changed.connect(self.refresh)
        self.last_dialog = dialog
        dialog.open()

    def resend(self) -> None:
        self._act(self.services.outbox.resend, "Queued again: it goes out with the next send.")

    def cancel(self) -> None:
        self._act(self.services.outbox.cancel, "Cancelled: this email will not be sent.")

    def _act(self, call: Callable[[Actor, Any], Any], done: str) -> None:
        row = self.selected_row()
        if row is None:
            self.summary.setText("Select an email first.")
            return
        actor = self.actor
        self.runner.run(
            lambda: call(actor, row.id),
            on_done=lambda _r: self._acted(done),
            on_error=lambda exc: self.presenter.present(exc, parent=self),
        )

    def _acted(self, done: str) -> None:
        self.refresh()
        status_line(self, done, 8000)

    def send_now(self) -> None:
        """Writes and sends what is due now, on this desk (the background does it every minute)."""
        jobs, actor = self.services.mail_jobs, self.actor
        self.send_button.setEnabled(False)
        self.summary.setText("Sending…")

        def done(outcome: Any) -> None:
            self.send_button.setEnabled(True)
            self.refresh()
            status_line(self, f"Email: {outcome.sentence}")
            mail = getattr(self.window(), "mail", None)
            if mail is not None:  # the status bar's warning, if any, says it again or goes
                mail.check()

        def failed(exc: BaseException) -> None:
            self.send_button.setEnabled(True)
            self.presenter.present(exc, parent=self)

        self.runner.run(
            lambda: jobs.run_once(actor), on_done=done, on_error=failed, key="mail-send-now"
        )
