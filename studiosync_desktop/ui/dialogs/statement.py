"""A payer's statement (Invoices tab, Ctrl+Shift+S): the balance as of today, Save PDF…, and
Email it to the billing address, with who it goes to (or why it cannot) beside the button."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studiosync_desktop.errors import ValidationFailed
from studiosync_desktop.schemas.billing import Payer, Statement
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services.container import Services
from studiosync_desktop.services.email_facts import real_address
from studiosync_desktop.services.email_statement import no_address
from studiosync_desktop.ui.error_presenter import ErrorPresenter
from studiosync_desktop.ui.task_runner import TaskRunner
from studiosync_desktop.ui.widgets import ERROR_STYLE

OK_STYLE = "color: #2e7d32;"


class StatementDialog(QDialog):
    def __init__(
        self,
        services: Services,
        actor: Actor,
        payer: Payer,
        runner: TaskRunner,
        presenter: ErrorPresenter,
        save_pdf: Callable[[], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Statement: {payer.name}")
        self.setMinimumWidth(520)
        self._services, self._actor, self._payer = services, actor, payer
        self._runner, self._presenter = runner, presenter
        layout = QVBoxLayout(self)
        self.summary = QLabel(f"Reading {payer.name}'s account…", self)
        self.summary.setObjectName("statement_summary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        row = QHBoxLayout()
        self.save_button = QPushButton("&Save PDF…", self)
        self.save_button.clicked.connect(save_pdf)
        self.email_button = QPushButton("&Email it", self)
        self.email_button.setObjectName("email_statement")
        self.email_button.setEnabled(False)
        self.email_button.clicked.connect(self.email_it)
        self.email_note = QLabel(self)
        self.email_note.setObjectName("email_note")
        self.email_note.setWordWrap(True)
        row.addWidget(self.save_button)
        row.addWidget(self.email_button)
        row.addWidget(self.email_note, 1)
        layout.addLayout(row)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)
        layout.addWidget(close)
        runner.run(
            lambda: services.statements.statement(actor, payer),
            on_done=self._shown,
            on_error=lambda e: presenter.present(e, parent=self),
            key=f"statement:{id(self)}",
        )

    def _say(self, text: str, ok: bool) -> None:
        self.email_note.setStyleSheet(OK_STYLE if ok else ERROR_STYLE)
        self.email_note.setText(text)

    def _shown(self, st: Statement) -> None:
        self.summary.setText(
            f"{st.payer.name}: balance {st.balance:,.2f} {st.currency} as of "
            f"{st.as_of:%b %d, %Y}, {len(st.entries)} entries."
        )
        address = real_address(st.billing_email)  # not the roster's placeholder
        if address:
            self.email_button.setEnabled(True)
            self._say(f"To {address}", True)
            self.email_button.setFocus()
        else:
            self._say(no_address(st.payer.name), False)

    def email_it(self) -> None:
        self.email_button.setEnabled(False)
        self._say("Queuing…", True)
        self._runner.run(
            lambda: self._services.statement_mail.send(self._actor, self._payer),
            on_done=self._queued,
            on_error=self._refused,
            key=f"statement-mail:{id(self)}",
        )

    def _ready(self) -> None:
        # Disabled while queuing, the button lost the focus to Close: a second Space would
        # close the dialog instead of saying that today's statement is already queued.
        self.email_button.setEnabled(True)
        self.email_button.setFocus()

    def _queued(self, result: Any) -> None:
        self._ready()
        self._say(result.sentence, not result.skipped)

    def _refused(self, exc: BaseException) -> None:
        self._ready()
        if isinstance(exc, ValidationFailed) and "email" in exc.fields:
            self._say(exc.fields["email"], False)
            return
        self._say("", True)
        self._presenter.present(exc, parent=self)
