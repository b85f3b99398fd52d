"""One email of the Outbox: who it went to, its status and the server's answer, its text,
its attachments (opened in the system's viewer), and Resend / Cancel / the person's wishes."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from html import escape
from pathlib import Path
from typing import Any

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.schemas.email import OutboxDetail, OutboxRow
from studiosync_desktop.services.container import Services
from studiosync_desktop.ui.documents import save_document, saved_sentence, tell_saved
from studiosync_desktop.ui.error_presenter import ErrorPresenter
from studiosync_desktop.ui.studio_clock import StudioClock
from studiosync_desktop.ui.task_runner import TaskRunner
from studiosync_desktop.ui.widgets import error_label
from studiosync_desktop.vocabulary import words

STATUS_WORDS = {
    "queued": "Waiting",
    "sending": "Sending",
    "sent": "Sent",
    "failed": "Failed",
    "cancelled": "Cancelled",
    "skipped": "Not sent",
}


def status_text(row: OutboxRow, clock: StudioClock) -> str:
    if row.status == "queued" and not row.composed:
        return "Being written"
    if row.status == "queued" and row.attempts:
        return f"Retry at {clock.local(row.next_attempt_at):%H:%M}"
    if row.status == "sent" and row.sent_at is not None:
        return f"Sent {clock.stamp(row.sent_at)}"
    return STATUS_WORDS.get(row.status, words(row.status))


def open_in_viewer(path: Path) -> bool:
    """Opens a saved file in the system's viewer; False when there is none."""
    return bool(QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))))


class MessageDialog(QDialog):
    changed = Signal()

    def __init__(
        self,
        services: Services,
        actor: Actor,
        runner: TaskRunner,
        presenter: ErrorPresenter,
        message_id: uuid.UUID,
        clock: StudioClock,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("email_message")
        self.setWindowTitle("Email")
        self.resize(760, 640)
        self.services, self.actor, self.runner, self.presenter = services, actor, runner, presenter
        self.message_id, self.clock = message_id, clock
        self.detail: OutboxDetail | None = None
        self.browser = QTextBrowser(self)
        self.files = QListWidget(self)
        self.files.setMaximumHeight(80)
        self.files.itemActivated.connect(self._open_file)
        self.problem = error_label(self, "message")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        self.resend_button = QPushButton("&Resend", self)
        self.cancel_button = QPushButton("Ca&ncel this email", self)
        buttons.addButton(self.resend_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.resend_button.clicked.connect(lambda: self._act(services.outbox.resend))
        self.cancel_button.clicked.connect(lambda: self._act(services.outbox.cancel))
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser, 1)
        layout.addWidget(self.files)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        # Replaced by tests; the real one opens the system's viewer (False: none there).
        self.open_path: Callable[[Path], bool] = open_in_viewer
        self.load()

    def load(self) -> None:
        self.runner.run(
            self.services.outbox.detail,
            self.actor,
            self.message_id,
            on_done=self._show,
            on_error=lambda exc: self.presenter.present(exc, parent=self),
            key=f"email:{id(self)}",
        )

    def _show(self, detail: OutboxDetail) -> None:
        self.detail = detail
        row = detail.row
        self.setWindowTitle(f"Email: {row.subject or row.kind_name}")
        facts = [
            ("To", row.recipient or "(no address)"),
            ("Subject", row.subject),
            ("Email", row.kind_name),
            ("Status", status_text(row, self.clock)),
            ("Tries", str(row.attempts)),
            ("Server's answer or reason", row.last_error),
            ("Queued", self.clock.stamp(row.created_at)),
            ("Message-ID", detail.message_id),
        ]
        head = "".join(
            f"<tr><td><b>{escape(k)}</b></td><td>{escape(v)}</td></tr>" for k, v in facts if v
        )
        body = escape(detail.text_body) or "<i>Being written…</i>"
        self.browser.setHtml(f"<table cellspacing='4'>{head}</table><hr><pre>{body}</pre>")
        self.files.clear()
        for a in detail.attachments:
            item = QListWidgetItem(f"{a.filename}  ({a.size / 1024:.0f} KB)  Enter to open")
            item.setData(256, a.id)
            self.files.addItem(item)
        self.files.setVisible(bool(detail.attachments))
        self.cancel_button.setEnabled(row.status == "queued")
        self.resend_button.setEnabled(row.status not in ("queued", "sending"))

    def _act(self, call: Any) -> None:
        self.runner.run(
            lambda: call(self.actor, self.message_id),
            on_done=lambda _r: self._acted(),
            on_error=lambda exc: self.presenter.present(exc, parent=self),
        )

    def _acted(self) -> None:
        self.changed.emit()
        self.load()

    def _open_file(self, item: QListWidgetItem) -> None:
        attachment_id = item.data(256)

        def opened(found: tuple[str, bytes]) -> None:
            name, content = found
            path = save_document(content, name)
            opened = bool(self.open_path(path))
            tell_saved(self, path, opened)
            if not opened:
                self.problem.setText(saved_sentence(path, opened))
                self.problem.show()

        self.runner.run(
            self.services.outbox.attachment,
            self.actor,
            attachment_id,
            on_done=opened,
            on_error=lambda exc: self.presenter.present(exc, parent=self),
        )
