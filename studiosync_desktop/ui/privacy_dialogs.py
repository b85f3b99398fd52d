"""Privacy from a person's page: export their data, record consents, ask for their erasure;
and the administrators' queue of requests (Tools > Privacy requests), where an erasure is
carried out."""

from __future__ import annotations

import html
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.schemas.privacy import (
    ConsentInput,
    ConsentState,
    ErasureAsk,
    PersonExport,
    PrivacyRequestRow,
)
from studiosync_desktop.services.container import Services
from studiosync_desktop.ui.dialogs.form_dialog import FormDialog
from studiosync_desktop.ui.documents import ask_save_path
from studiosync_desktop.ui.error_presenter import ErrorPresenter
from studiosync_desktop.ui.task_runner import TaskRunner
from studiosync_desktop.vocabulary import CONSENT_KINDS, CONSENT_NAMES, words
from studiosync_desktop.zones import local


class PrivacyActions:
    """What a person's page offers about their data; `ask_save_path` and `confirm` are
    replaced by tests (the real ones are dialogs)."""

    def __init__(
        self,
        services: Services,
        actor: Actor,
        runner: TaskRunner,
        presenter: ErrorPresenter,
        parent: QWidget,
        said: Callable[[str], None],
    ) -> None:
        self.services, self.actor, self.runner = services, actor, runner
        self.presenter, self.parent, self.said = presenter, parent, said
        self.ask_save_path: Callable[[str], Path | None] = self._ask_save_path
        self.last_dialog: Any = None

    def export(self, person_id: uuid.UUID) -> None:
        self.said("Gathering everything kept about this person…")
        self.runner.run(
            self.services.privacy_export.export,
            self.actor,
            person_id,
            on_done=self._save_export,
            on_error=lambda exc: self.presenter.present(exc, parent=self.parent),
            key=f"privacy-export:{person_id}",
        )

    def _save_export(self, done: PersonExport) -> None:
        path = self.ask_save_path(done.filename)
        if path is None:
            self.said("The export was not saved.")
            return
        try:
            path.write_bytes(done.data)
        except OSError as exc:
            self.presenter.present(
                RuntimeError(f"The export could not be written to {path}: {exc.strerror}."),
                parent=self.parent,
            )
            return
        kept = sum(done.counts.values())
        self.said(f"Saved {path.name}: {kept} records about {done.name} (a PDF and the JSON).")

    def _ask_save_path(self, suggested: str) -> Path | None:
        return ask_save_path(self.parent, "Save the person's data", suggested, "ZIP (*.zip)")

    def consents(self, person_id: uuid.UUID, done: Callable[[], None]) -> None:
        self.runner.run(
            self.services.privacy.consents,
            self.actor,
            person_id,
            on_done=lambda states: self._consent_dialog(person_id, states, done),
            on_error=lambda exc: self.presenter.present(exc, parent=self.parent),
        )

    def _consent_dialog(
        self, person_id: uuid.UUID, states: tuple[ConsentState, ...], done: Callable[[], None]
    ) -> None:
        dialog = FormDialog(
            "Record a consent", ConsentInput, self.runner, self.presenter, self.parent
        )
        standing = "".join(
            f"<tr><td>{html.escape(s.name)}</td><td>&nbsp;&nbsp;<b>{s.words}</b>"
            + (
                f" since {local(s.recorded_at, self.actor.timezone):%d %b %Y}"
                if s.recorded_at
                else ""
            )
            + "</td></tr>"
            for s in states
        )
        dialog.set_intro(f"Where this person's consents stand:<table>{standing}</table>")
        dialog.intro.setTextFormat(Qt.TextFormat.RichText)
        dialog.form.extra = {"user_id": person_id}
        kinds = dialog.form.choice("kind", "&Consent to:", CONSENT_KINDS, CONSENT_KINDS[0])
        for i, kind in enumerate(CONSENT_KINDS):
            kinds.setItemText(i, CONSENT_NAMES[kind])
        answer = QComboBox(dialog)
        answer.addItem("Given", True)
        answer.addItem("Withdrawn", False)
        dialog.form.add("granted", "&Answer:", answer, answer.currentData)
        dialog.form.text("source", "&How:", "", "paper form, by email, in person…")
        dialog.form.save = lambda form: self.services.privacy.record_consent(self.actor, form)
        dialog.accepted.connect(lambda: self.said("Consent recorded."))
        dialog.accepted.connect(done)
        self.last_dialog = dialog
        dialog.open()

    def ask_erasure(self, person_id: uuid.UUID, name: str) -> None:
        self.runner.run(
            self.services.privacy.blockers,
            self.actor,
            person_id,
            on_done=lambda why: self._erasure_dialog(person_id, name, why),
            on_error=lambda exc: self.presenter.present(exc, parent=self.parent),
        )

    def _erasure_dialog(self, person_id: uuid.UUID, name: str, why: tuple[str, ...]) -> None:
        dialog = FormDialog(f"Erase {name}?", ErasureAsk, self.runner, self.presenter, self.parent)
        waiting = (
            "<p><b>Before it can be carried out:</b></p><ul>"
            + "".join(f"<li>{html.escape(w)}</li>" for w in why)
            + "</ul>"
            if why
            else "<p>Nothing stands in the way.</p>"
        )
        dialog.set_intro(
            f"<p>{html.escape(name)} asks to be forgotten. The request goes to an "
            "administrator, who carries it out: the name, contact details, birth date, notes, "
            "photo and the text of their messages are removed for good; invoices and payments "
            'stay, under "Former student" and a number.</p>' + waiting
        )
        dialog.intro.setTextFormat(Qt.TextFormat.RichText)
        dialog.form.extra = {"person_id": person_id}
        dialog.form.text("asked_by", "&Who asked:", "", "her mother, by phone")
        dialog.form.save = lambda form: self.services.privacy.ask_erasure(self.actor, form)
        dialog.accepted.connect(
            lambda: self.said("The erasure request is in the administrators' queue.")
        )
        self.last_dialog = dialog
        dialog.open()


COLUMNS = ("No.", "Kind", "Person", "Asked by", "Asked on", "Status", "Why not yet / outcome")


class PrivacyRequestsDialog(QDialog):
    """Tools > Privacy requests (admins): open erasures first, then what was done."""

    def __init__(
        self,
        services: Services,
        actor: Actor,
        runner: TaskRunner,
        presenter: ErrorPresenter,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("privacy_requests")
        self.setWindowTitle("Privacy requests")
        self.resize(980, 520)
        self.services, self.actor, self.runner, self.presenter = services, actor, runner, presenter
        self.rows: tuple[PrivacyRequestRow, ...] = ()
        # Replaced by tests; the real one asks with a warning box.
        self.confirm: Callable[[str, str], bool] = self._confirm
        intro = QLabel(
            "Erasures asked for at the desk wait here. Carrying one out cannot be undone.", self
        )
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().hide()
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        bar = QHBoxLayout()
        self.erase_button = QPushButton("&Carry out the erasure…", self)
        self.erase_button.clicked.connect(self.erase_selected)
        self.withdraw_button = QPushButton("&Withdraw…", self)
        self.withdraw_button.clicked.connect(self.withdraw_selected)
        bar.addWidget(self.erase_button)
        bar.addWidget(self.withdraw_button)
        bar.addStretch(1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)
        bar.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        layout.addLayout(bar)
        self.table.itemSelectionChanged.connect(self._selected)
        self.reload()

    def reload(self) -> None:
        self.runner.run(
            self.services.privacy.requests,
            self.actor,
            on_done=self._show,
            on_error=lambda exc: self.presenter.present(exc, parent=self),
            key="privacy-requests",
        )

    def _show(self, rows: tuple[PrivacyRequestRow, ...]) -> None:
        self.rows = rows
        self.table.setRowCount(len(rows))
        for n, r in enumerate(rows):
            note = " ".join(r.blockers) if r.blockers else r.outcome
            if r.status == "open" and not r.blockers:
                note = "Ready to be carried out."
            cells = (
                str(r.reference),
                words(r.kind),
                r.person,
                r.asked_by,
                f"{local(r.asked_at, self.actor.timezone):%d %b %Y}",
                words(r.status),
                note,
            )
            for col, value in enumerate(cells):
                item = QTableWidgetItem(value)
                item.setToolTip(value)
                self.table.setItem(n, col, item)
        self.table.resizeColumnsToContents()
        if rows:
            self.table.selectRow(0)
        self._selected()

    def selected(self) -> PrivacyRequestRow | None:
        index = self.table.currentRow()
        return self.rows[index] if 0 <= index < len(self.rows) else None

    def _selected(self) -> None:
        r = self.selected()
        open_erasure = r is not None and r.status == "open" and r.kind == "erasure"
        self.erase_button.setEnabled(open_erasure and not (r and r.blockers))
        self.withdraw_button.setEnabled(open_erasure)

    def erase_selected(self) -> None:
        r = self.selected()
        if r is None or r.status != "open":
            return
        if not self.confirm(
            f"Erase {r.person} for good?",
            f"{r.person}'s name, contact details, birth date, notes, photo and the text of "
            "their messages are removed everywhere, and they are shown as a former "
            f"{'student' if r.role == 'student' else 'member'} with a number from now on. "
            "Invoices and payments keep every amount.\n\nThis cannot be undone.",
        ):
            return
        self.status.setText(f"Erasing {r.person}…")
        self.runner.run(
            self.services.privacy.erase,
            self.actor,
            r.id,
            on_done=lambda shown: self._done(f"Done: {r.person} is now {shown}."),
            on_error=self._failed,
            key="privacy-erase",
        )

    def withdraw_selected(self) -> None:
        r = self.selected()
        if r is None or not self.confirm(
            "Withdraw the request?", f"The request to erase {r.person} is closed as withdrawn."
        ):
            return
        self.runner.run(
            self.services.privacy.close,
            self.actor,
            r.id,
            "withdrawn",
            "Withdrawn at the person's wish.",
            on_done=lambda _none: self._done("The request is withdrawn."),
            on_error=self._failed,
        )

    def _done(self, text: str) -> None:
        self.status.setText(text)
        self.reload()

    def _failed(self, exc: BaseException) -> None:
        self.status.setText(str(exc))
        self.reload()

    def _confirm(self, title: str, text: str) -> bool:
        answer = QMessageBox.warning(
            self,
            title,
            text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Yes
