"""Messages tab: the user's threads (unread in bold), a reading pane, reply and compose.

Ctrl+M composes a new message; Enter on a thread (or selecting it) opens it in the reading
pane; Ctrl+Return sends the reply.
"""

from __future__ import annotations

import html
import uuid
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.schemas.messaging import ComposeInput, ReplyInput, ThreadRow, ThreadView
from studiosync_desktop.services.container import Services
from studiosync_desktop.ui.error_presenter import ErrorPresenter
from studiosync_desktop.ui.field_limits import show_limits
from studiosync_desktop.ui.forms import FieldErrors, refusal_handler, schema_checked
from studiosync_desktop.ui.studio_context import StudioContext
from studiosync_desktop.ui.table_model import Column, RowStyle
from studiosync_desktop.ui.tabs.base import DataTab
from studiosync_desktop.ui.task_runner import TaskRunner
from studiosync_desktop.ui.widgets import error_label

UNREAD = RowStyle(bold=True)


class MessagesTab(DataTab):
    uses = ("messaging",)
    key = "messages"
    title = "Messages"
    noun = ("conversation", "conversations")
    empty_text = "No conversations yet. Press Ctrl+M to write one."
    stretch_column = 2
    watches = frozenset({"messages", "message_threads"})

    unread_changed = Signal(int)

    def __init__(
        self,
        context: StudioContext,
        parent: QWidget | None = None,
    ) -> None:
        self.context = context  # the one studio clock: times in the studio's zone
        columns: list[Column[ThreadRow]] = [
            Column("Subject", lambda r: r.subject, width=190),
            Column("With", lambda r: r.participants, width=150),
            Column("Last message", lambda r: f"{r.last_sender}: {r.last_snippet}", width=120),
            Column("When", lambda r: r.last_at, formatter=self.clock.stamp, width=110),
            Column("Unread", lambda r: r.unread or "", width=55),
        ]
        super().__init__(
            context,
            columns,
            lambda r: UNREAD if r.unread else None,
            parent,
        )
        self.unread = 0
        self.compose_button = QPushButton("&New message…", self)
        self.compose_button.setToolTip("Write to staff, teachers or families (Ctrl+M)")
        self.compose_button.clicked.connect(self.compose)
        self.toolbar.addWidget(self.compose_button)
        self.toolbar.addStretch(1)

        # The reading pane, beside the thread list.
        self.reader = QTextBrowser(self)
        self.reader.setObjectName("reading_pane")
        self.reader.setPlaceholderText("Select a conversation to read it.")
        self.reply_box = QPlainTextEdit(self)
        self.reply_box.setPlaceholderText("Write a reply… (Ctrl+Return sends)")
        self.reply_box.setFixedHeight(90)
        self.reply_box.setTabChangesFocus(True)
        self.reply_error = error_label(self)
        self.send_button = QPushButton("&Send reply", self)
        self.send_button.clicked.connect(self.send_reply)
        pane = QWidget(self)
        pane_layout = QVBoxLayout(pane)
        pane_layout.setContentsMargins(0, 0, 0, 0)
        pane_layout.addWidget(self.reader, 1)
        pane_layout.addWidget(self.reply_box)
        pane_layout.addWidget(self.reply_error)
        pane_layout.addWidget(self.send_button, 0, Qt.AlignmentFlag.AlignRight)
        self.splitter = self.add_pane(pane, "beside", (1, 1))
        self.splitter.setSizes([640, 520])
        # Not `thread`: that is QObject's own method (the thread the tab lives in).
        self.shown_thread: ThreadView | None = None
        self._set_reply_enabled(False)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._open_selected())
        self.table.activated.connect(lambda _i: self.reply_box.setFocus())
        for keys, slot in (("Ctrl+M", self.compose), ("Ctrl+Return", self.send_reply)):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.activated.connect(slot)

    # --- the thread list --------------------------------------------------------------------

    def tables_changed(self, tables: frozenset[str] | None) -> None:
        # Refreshed even when hidden: the unread count shows on the tab's title.
        if (tables is None or tables & self.watches) and self.has_loaded:
            self.refresh()

    def fetch(self, cursor: str | None) -> Callable[[], Any]:
        services, actor = self.services, self.actor
        return lambda: services.messaging.threads(actor)

    def show_result(self, result: Any, appended: bool) -> None:
        if self._keep is not None:
            self.model.replace_rows(result, self.row_key)
        else:
            self.model.set_rows(result)
        self._next_cursor = None
        self._total = len(result)
        self.unread = sum(r.unread for r in result)
        self.unread_changed.emit(self.unread)
        # A new message in the open thread: show it.
        if self.shown_thread is not None and any(
            r.id == self.shown_thread.id and r.unread for r in result
        ):
            self.open_thread(self.shown_thread.id)

    def summary_text(self) -> str:
        text = super().summary_text()
        return f"{text}, {self.unread} unread" if self.unread else text

    # --- reading ----------------------------------------------------------------------------

    def _open_selected(self) -> None:
        key = self.selected_key()
        if key is not None and (self.shown_thread is None or self.shown_thread.id != key):
            self.open_thread(key)

    def open_thread(self, thread_id: uuid.UUID) -> None:
        service, actor = self.services.messaging, self.actor
        self.runner.run(
            service.open_thread,
            actor,
            thread_id,
            on_done=self._show_thread,
            on_error=lambda exc: self.presenter.present(exc, parent=self),
            key=f"messages-open:{id(self)}",
        )

    def _show_thread(self, view: ThreadView) -> None:
        self.shown_thread = view
        parts = [
            f"<h3>{html.escape(view.subject)}</h3>",
            f"<p style='color:gray'>With {html.escape(', '.join(view.participants))}</p>",
        ]
        for m in view.messages:
            who = "You" if m.is_mine else html.escape(m.sender_name)
            body = html.escape(m.content).replace("\n", "<br>")
            when = self.clock.stamp(m.sent_at)
            parts.append(f"<p><b>{who}</b> <span style='color:gray'>· {when}</span><br>{body}</p>")
        self.reader.setHtml("".join(parts))
        self.reader.verticalScrollBar().setValue(self.reader.verticalScrollBar().maximum())
        self._set_reply_enabled(True)
        row = self.model.row_of(view.id, self.row_key)
        if row >= 0 and self.model.row_at(row).unread:
            self.model.update_row(row, self.model.row_at(row).model_copy(update={"unread": 0}))
            self.unread = sum(r.unread for r in self.model.rows)
            self.unread_changed.emit(self.unread)
            self.summary.setText(self.summary_text())

    def _set_reply_enabled(self, on: bool) -> None:
        self.reply_box.setEnabled(on)
        self.send_button.setEnabled(on)

    def show_link(self, kind: str, row_id: uuid.UUID) -> None:
        """Click-through from a notification: studiosync://thread/<id>."""
        self.select_key(row_id)
        self.open_thread(row_id)

    # --- writing ----------------------------------------------------------------------------

    def send_reply(self) -> None:
        if self.shown_thread is None:
            return
        data = schema_checked(
            ReplyInput, {"content": self.reply_box.toPlainText()}, self._reply_refused
        )
        if data is None:
            return
        service, actor, thread_id = self.services.messaging, self.actor, self.shown_thread.id
        self.send_button.setEnabled(False)
        self.runner.run(
            service.reply,
            actor,
            thread_id,
            data,
            on_done=lambda _id: self._replied(thread_id),
            on_error=refusal_handler(
                self._reply_refused,
                self.presenter,
                self,
                lambda: self.send_button.setEnabled(True),
            ),
        )

    def _replied(self, thread_id: uuid.UUID) -> None:
        self.reply_box.clear()
        self.reply_error.hide()
        self.send_button.setEnabled(True)
        self.open_thread(thread_id)
        self.refresh()

    def _reply_refused(self, fields: dict[str, str]) -> None:
        self.reply_error.setText("Write something to send." if fields else "")
        self.reply_error.setVisible(bool(fields))

    def compose(self) -> None:
        service, actor = self.services.messaging, self.actor
        self.runner.run(
            service.recipients,
            actor,
            on_done=self._show_compose,
            on_error=lambda exc: self.presenter.present(exc, parent=self),
        )

    def _show_compose(self, recipients: Any) -> None:
        dialog = ComposeDialog(
            recipients, self.services, self.actor, self.runner, self.presenter, self
        )
        self.last_dialog = dialog
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.thread_id is not None:
            self._keep = (dialog.thread_id, 0)
            self._start(None, quiet=True)
            self.open_thread(dialog.thread_id)


class ComposeDialog(QDialog):
    """Subject, who to (checkable list), and the first message."""

    def __init__(
        self,
        recipients: Any,
        services: Services,
        actor: Actor,
        runner: TaskRunner,
        presenter: ErrorPresenter,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("New message")
        self.resize(520, 560)
        self._services, self._actor, self._runner, self._presenter = (
            services,
            actor,
            runner,
            presenter,
        )
        self.thread_id: uuid.UUID | None = None
        self.subject = QLineEdit(self)
        self.people = QListWidget(self)
        for r in recipients:
            item = QListWidgetItem(r.label, self.people)
            item.setData(Qt.ItemDataRole.UserRole, r.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
        self.content = QPlainTextEdit(self)
        self.content.setTabChangesFocus(True)
        self.errors = FieldErrors()
        form = QFormLayout()
        for name, title, widget in (
            ("subject", "&Subject", self.subject),
            ("participant_ids", "&To", self.people),
            ("content", "&Message", self.content),
        ):
            show_limits(widget, ComposeInput, name)
            self.errors.add(form, title, name, widget, self)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        send = self.buttons.addButton("Sen&d", QDialogButtonBox.ButtonRole.AcceptRole)
        send.setDefault(True)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.buttons)

    def values(self) -> dict[str, Any]:
        return {
            "subject": self.subject.text(),
            "participant_ids": [
                self.people.item(i).data(Qt.ItemDataRole.UserRole)
                for i in range(self.people.count())
                if self.people.item(i).checkState() == Qt.CheckState.Checked
            ],
            "content": self.content.toPlainText(),
        }

    def show_errors(self, fields: dict[str, str]) -> None:
        self.errors.show(fields)

    def submit(self) -> None:
        data = schema_checked(ComposeInput, self.values(), self.show_errors)
        if data is None:
            return
        self.buttons.setEnabled(False)
        self._runner.run(
            self._services.messaging.compose,
            self._actor,
            data,
            on_done=self._sent,
            on_error=refusal_handler(
                self.show_errors, self._presenter, self, lambda: self.buttons.setEnabled(True)
            ),
        )

    def _sent(self, thread_id: uuid.UUID) -> None:
        self.thread_id = thread_id
        self.accept()
