"""Staff accounts, for admins: invite, change role, deactivate or reactivate, reset password."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studiosync_desktop.schemas.accounts import StaffInvite, StaffRow
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services.accounts import one_time_password
from studiosync_desktop.services.container import Services
from studiosync_desktop.ui.forms import FieldErrors, refusal_handler, schema_checked
from studiosync_desktop.ui.studio_context import StudioContext
from studiosync_desktop.ui.table_model import ALERT, Column, RowStyle
from studiosync_desktop.ui.tabs.base import DataTab
from studiosync_desktop.ui.task_runner import TaskRunner

ROLE_WORDS = {"admin": "Administrator", "desk": "Front desk", "teacher": "Teacher"}
INVITE_FIELDS = ("email", "first_name", "last_name", "role", "password")


def _status(row: StaffRow) -> str:
    if not row.is_active:
        return "Deactivated"
    if row.login_role is None:
        return "No login"
    if row.must_change_password:
        return "Must choose a password"
    return "Active"


def _style(row: StaffRow) -> RowStyle | None:
    return RowStyle(foreground=ALERT) if not row.is_active else None


class InviteDialog(QDialog):
    """Invite a staff member: their details and a one-time password to pass on."""

    def __init__(
        self,
        services: Services,
        actor: Actor,
        runner: TaskRunner,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Invite a staff member")
        self.setMinimumWidth(480)
        self._services = services
        self._actor = actor
        self._runner = runner
        self.login_role = ""
        layout = QVBoxLayout(self)
        form = QFormLayout()
        layout.addLayout(form)
        self.errors = FieldErrors()
        self.email = QLineEdit(self)
        self.first_name = QLineEdit(self)
        self.last_name = QLineEdit(self)
        self.role = QComboBox(self)
        for key, text in ROLE_WORDS.items():
            self.role.addItem(text, key)
        self.role.setCurrentIndex(1)
        self.password = QLineEdit(one_time_password(), self)
        generate = QPushButton("&New password", self)
        generate.clicked.connect(lambda: self.password.setText(one_time_password()))
        pw_row = QWidget(self)
        pw_layout = QHBoxLayout(pw_row)
        pw_layout.setContentsMargins(0, 0, 0, 0)
        pw_layout.addWidget(self.password, 1)
        pw_layout.addWidget(generate)
        self.errors.add(form, "&Email:", "email", self.email, self)
        self.errors.add(form, "&First name:", "first_name", self.first_name, self)
        self.errors.add(form, "&Last name:", "last_name", self.last_name, self)
        self.errors.add(form, "&Role:", "role", self.role, self)
        self.errors.add(form, "One-time &password:", "password", pw_row, self)
        hint = QLabel(
            "Give this password to the person; StudioSync asks them to choose their own "
            "the first time they log in.",
            self,
        )
        hint.setWordWrap(True)
        layout.addWidget(hint)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.buttons = QDialogButtonBox(self)
        self.ok_button = self.buttons.addButton("&Invite", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def values(self) -> dict[str, Any]:
        return {
            "email": self.email.text().strip(),
            "first_name": self.first_name.text(),
            "last_name": self.last_name.text(),
            "role": self.role.currentData(),
            "password": self.password.text(),
        }

    def error_text(self, name: str) -> str:
        return self.errors.labels[name].text()

    def show_errors(self, fields: dict[str, str]) -> None:
        friendly = dict(fields)
        if "email" in friendly:
            friendly["email"] = "Type a full email address, like name@studio.example"
        if "first_name" in friendly:
            friendly["first_name"] = "Type the person's first name"
        self.errors.show(friendly, INVITE_FIELDS)
        self.status.setText(fields.get("", ""))
        self.adjustSize()

    def submit(self) -> None:
        invite = schema_checked(StaffInvite, self.values(), self.show_errors)
        if invite is None:
            return
        self.ok_button.setEnabled(False)
        self.status.setText("Creating the login…")
        self._runner.run(
            self._services.accounts.invite,
            self._actor,
            invite,
            on_done=self._done,
            on_error=refusal_handler(
                self.show_errors, None, self, settle=self._settle, say=self.status.setText
            ),
            key="invite",
        )

    def _done(self, login_role: str) -> None:
        self.login_role = login_role
        self.accept()

    def _settle(self) -> None:
        self.ok_button.setEnabled(True)
        self.status.setText("")


class UsersTab(DataTab):
    uses = ("accounts",)
    key = "users"
    title = "Users"
    noun = ("staff member", "staff members")
    empty_text = "No staff accounts yet. Invite someone with Ctrl+I."
    stretch_column = 0
    watches = frozenset({"users"})
    history_table: str | None = "users"

    def __init__(
        self,
        context: StudioContext,
        parent: QWidget | None = None,
    ) -> None:
        self.context = context
        columns: list[Column[StaffRow]] = [
            Column("Name", lambda r: r.name, width=200),
            Column("Email", lambda r: r.email, width=240),
            Column("Role", lambda r: ROLE_WORDS.get(r.role, r.role), width=110),
            Column("Status", _status, width=170),
            Column(
                "Last login",
                lambda r: self.clock.local(r.last_login) if r.last_login else "Never",
                width=170,
            ),
            Column("Database login", lambda r: r.login_role or "", width=240),
        ]
        super().__init__(context, columns, _style, parent)
        self.last_dialog: QDialog | None = None
        # Replaced by tests; the real ones ask with a dialog.
        self.confirm: Callable[[str, str], bool] = self._confirm
        self.ask_role: Callable[[StaffRow], str | None] = self._ask_role
        self.told: Callable[[str, str], None] = self._tell
        self.add_button(self.toolbar, "&Invite…", "Ctrl+I", self.invite)
        self.add_button(self.toolbar, "Change &role…", "Ctrl+R", self.change_role)
        self.active_button = self.add_button(
            self.toolbar, "&Deactivate", "Ctrl+D", self.toggle_active
        )
        self.add_button(self.toolbar, "Reset &password…", "Ctrl+P", self.reset_password)
        self.toolbar.addStretch(1)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selection())

    # --- loading ------------------------------------------------------------------------

    def fetch(self, cursor: str | None) -> Callable[[], Any]:
        services, actor = self.services, self.actor

        return lambda: services.accounts.staff(actor)

    def show_result(self, result: Any, appended: bool) -> None:
        rows = result
        if self._keep is not None:
            self.model.replace_rows(rows, self.row_key)
        else:
            self.model.set_rows(rows)
        self._next_cursor = None
        self._total = len(rows)
        self._selection()

    def selected(self) -> StaffRow | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        row = self.model.row_at(rows[0].row())
        return row if isinstance(row, StaffRow) else None

    def _selection(self) -> None:
        row = self.selected()
        self.active_button.setText(
            "Re&activate" if row is not None and not row.is_active else "&Deactivate"
        )

    def _need_row(self) -> StaffRow | None:
        row = self.selected()
        if row is None:
            self.told("Users", "Select a staff member first.")
        elif row.login_role is None:
            self.told("Users", f"{row.name} has no login yet: invite them first.")
            return None
        return row

    # --- actions ------------------------------------------------------------------------

    def invite(self) -> InviteDialog:
        dialog = InviteDialog(self.services, self.actor, self.runner, self)
        dialog.accepted.connect(lambda: self._invited(dialog))
        self.last_dialog = dialog
        dialog.open()
        return dialog

    def _invited(self, dialog: InviteDialog) -> None:
        values = dialog.values()
        self.refresh()
        self.told(
            "Staff member invited",
            f"{values['first_name']} can now log in as {values['email']} with the one-time "
            f"password {values['password']} and will then choose their own.",
        )

    def change_role(self) -> None:
        row = self._need_row()
        if row is None:
            return
        role = self.ask_role(row)
        if role is None or role == row.role:
            return
        self._run(
            self.services.accounts.set_role,
            row.id,
            role,
            done=f"{row.name} is now {ROLE_WORDS.get(role, role).lower()}.",
        )

    def toggle_active(self) -> None:
        row = self._need_row()
        if row is None:
            return
        if row.is_active:
            if not self.confirm(
                "Deactivate this login?",
                f"{row.name} will no longer be able to log in. Their records stay.",
            ):
                return
            self._run(
                self.services.accounts.set_active, row.id, False, done=f"{row.name} deactivated."
            )
        else:
            self._run(
                self.services.accounts.set_active, row.id, True, done=f"{row.name} reactivated."
            )

    def reset_password(self) -> None:
        row = self._need_row()
        if row is None:
            return
        password = one_time_password()
        if not self.confirm(
            "Reset the password?",
            f"{row.name}'s new one-time password will be {password}. They choose their own "
            "at their next login.",
        ):
            return
        self._run(
            self.services.accounts.reset_password,
            row.id,
            password,
            done=f"{row.name} can now log in with the one-time password {password}.",
        )

    def _run(self, fn: Callable[..., Any], person: uuid.UUID, value: Any, *, done: str) -> None:
        self.summary.setText("Saving…")

        def finished(_: Any) -> None:
            self.refresh()
            self.told("Users", done)

        self.runner.run(
            fn,
            self.actor,
            person,
            value,
            on_done=finished,
            on_error=lambda exc: self.presenter.present(exc, parent=self),
            key=f"users-action:{id(self)}",
        )

    # --- asking -------------------------------------------------------------------------

    def _confirm(self, title: str, text: str) -> bool:
        answer = QMessageBox.question(self, title, text)
        return answer == QMessageBox.StandardButton.Yes

    def _ask_role(self, row: StaffRow) -> str | None:
        names = list(ROLE_WORDS.values())
        current = names.index(ROLE_WORDS.get(row.role, names[0]))
        text, ok = QInputDialog.getItem(
            self, "Change role", f"{row.name}'s role:", names, current, False
        )
        if not ok:
            return None
        return next(k for k, v in ROLE_WORDS.items() if v == text)

    def _tell(self, title: str, text: str) -> None:
        self.summary.setText(text)
        if self.presenter.interactive:
            QMessageBox.information(self, title, text)
