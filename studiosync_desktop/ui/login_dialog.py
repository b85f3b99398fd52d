"""The login dialog (email, password, remember me) and the change-password dialog."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from studiosync_desktop import login
from studiosync_desktop.errors import StudioSyncError, ValidationFailed
from studiosync_desktop.ui.forms import FieldErrors, refusal_handler, schema_checked

if TYPE_CHECKING:
    from studiosync_desktop.config import AppDirs
    from studiosync_desktop.schemas.common import Actor
    from studiosync_desktop.services.accounts import AccountService
    from studiosync_desktop.ui.task_runner import TaskRunner

LOGIN_FIELDS = ("email", "password")
PASSWORD_FIELDS = ("new_password", "repeat")


def _status_label(parent: QWidget) -> QLabel:
    label = QLabel(parent)
    label.setObjectName("status")
    label.setWordWrap(True)
    return label


class LoginDialog(QDialog):
    """Asks who is at the desk; `exec()`, then `.logged_in` holds the person's connection.

    The connection is opened through the TaskRunner (never on the GUI thread); the message
    for a refused login names no field but the password: "Email or password is wrong".
    """

    def __init__(
        self,
        server_url: str,
        runner: TaskRunner,
        dirs: AppDirs | None = None,
        *,
        email: str = "",
        where: str = "",
        switching: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        # `switching`: another person at a locked window; Cancel goes back to the lock.
        self.switching = switching
        self.setWindowTitle("Log in as someone else" if switching else "Log in to StudioSync")
        self.setMinimumWidth(440)
        self._server_url = server_url
        self._runner = runner
        self._dirs = dirs
        self.logged_in: login.LoggedIn | None = None
        self.notice = ""  # shown by the window once it is up (no password store, say)
        self._busy = False

        layout = QVBoxLayout(self)
        intro = QLabel(
            "Log in with your own StudioSync email and password. Cancel goes back to the "
            "locked window."
            if switching
            else "Log in with your StudioSync email and password.",
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        if where:
            place = QLabel(where, self)
            place.setEnabled(False)
            layout.addWidget(place)
        form = QFormLayout()
        layout.addLayout(form)
        self.errors = FieldErrors()
        self.email = QLineEdit(self)
        self.email.setPlaceholderText("name@studio.example")
        self.password = QLineEdit(self)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.errors.add(form, "&Email:", "email", self.email, self)
        self.errors.add(form, "&Password:", "password", self.password, self)
        self.remember = QCheckBox("&Remember me on this PC", self)
        self.remember.setToolTip(
            "Keeps your password in this PC's password store (keyring) for this server."
        )
        form.addRow("", self.remember)
        self.status = _status_label(self)
        layout.addWidget(self.status)
        self.buttons = QDialogButtonBox(self)
        self.ok_button = self.buttons.addButton("&Log in", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(
            "&Cancel" if switching else "&Quit", QDialogButtonBox.ButtonRole.RejectRole
        )
        self.ok_button.setDefault(True)
        self.buttons.accepted.connect(self.try_login)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._prefill("" if switching else email)

    def _prefill(self, email: str) -> None:
        if self.switching:  # someone else: never the locked person's email or password
            self.email.setFocus()
            return
        if not email and self._dirs is not None:
            email = login.remembered_email(self._dirs, self._server_url) or ""
        self.email.setText(email)
        if email:
            saved = login.remembered_password(self._server_url, email)
            if saved:
                self.password.setText(saved)
                self.remember.setChecked(True)
            self.password.setFocus()
        else:
            self.email.setFocus()

    def error_text(self, name: str) -> str:
        return self.errors.labels[name].text()

    def try_login(self) -> None:
        if self._busy:
            return
        self.errors.show({}, LOGIN_FIELDS)
        self.status.setText("Logging in…")
        self._busy = True
        self.ok_button.setEnabled(False)
        self._runner.run(
            login.log_in,
            self._server_url,
            self.email.text().strip(),
            self.password.text(),
            on_done=self._done,
            on_error=self._failed,
            key="login",
        )

    def _done(self, result: login.LoggedIn) -> None:
        self._busy = False
        self.ok_button.setEnabled(True)
        self.status.setText("")
        if self._dirs is not None:
            password = self.password.text() if self.remember.isChecked() else None
            if not login.remember(self._dirs, self._server_url, result.email, password):
                self.notice = login.NO_KEYRING
        self.logged_in = result
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._busy = False
        self.ok_button.setEnabled(True)
        self.status.setText("")
        if isinstance(exc, ValidationFailed):
            self.errors.show(exc.fields, LOGIN_FIELDS)
            self.adjustSize()  # room for the messages under the fields
            self.status.setText(exc.fields.get("", ""))
            field = self.password if "password" in exc.fields else self.email
            field.setFocus()
            field.selectAll()
        elif isinstance(exc, StudioSyncError):
            self.status.setText(str(exc))
        else:
            self.status.setText("Logging in failed unexpectedly.")
            raise exc


class ChangePasswordDialog(QDialog):
    """Everyone changes their own password here; a forced change cannot be skipped."""

    def __init__(
        self,
        accounts: AccountService,
        actor: Actor,
        runner: TaskRunner,
        *,
        forced: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Choose a new password" if forced else "Change my password")
        self.setMinimumWidth(440)
        self._accounts = accounts
        self._actor = actor
        self._runner = runner
        self.new_password_value = ""
        layout = QVBoxLayout(self)
        text = (
            f"{actor.name}, your password was set by an administrator. "
            "Choose your own before you start (at least 10 characters)."
            if forced
            else "At least 10 characters; no spaces at the ends."
        )
        intro = QLabel(text, self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        layout.addLayout(form)
        self.errors = FieldErrors()
        self.new_password = QLineEdit(self)
        self.repeat = QLineEdit(self)
        for field in (self.new_password, self.repeat):
            field.setEchoMode(QLineEdit.EchoMode.Password)
        self.errors.add(form, "&New password:", "new_password", self.new_password, self)
        self.errors.add(form, "&Repeat it:", "repeat", self.repeat, self)
        self.status = _status_label(self)
        layout.addWidget(self.status)
        self.buttons = QDialogButtonBox(self)
        self.ok_button = self.buttons.addButton(
            "&Change password", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.buttons.addButton(
            "&Quit" if forced else "Cancel", QDialogButtonBox.ButtonRole.RejectRole
        )
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.new_password.setFocus()

    def values(self) -> dict[str, Any]:
        return {"new_password": self.new_password.text(), "repeat": self.repeat.text()}

    def error_text(self, name: str) -> str:
        return self.errors.labels[name].text()

    def show_errors(self, fields: dict[str, str]) -> None:
        self.errors.show(fields, PASSWORD_FIELDS)
        self.status.setText(fields.get("", ""))
        self.adjustSize()  # room for the messages under the fields

    def submit(self) -> None:
        from studiosync_desktop.schemas.accounts import PasswordChange  # when a password changes

        change = schema_checked(PasswordChange, self.values(), self.show_errors)
        if change is None:
            return
        self.ok_button.setEnabled(False)
        self.status.setText("Saving…")
        self._runner.run(
            self._accounts.change_own_password,
            self._actor,
            change,
            on_done=lambda _: self._done(change.new_password),
            on_error=refusal_handler(
                self.show_errors, None, self, settle=self._settle, say=self.status.setText
            ),
            key="change-password",
        )

    def _done(self, password: str) -> None:
        self.new_password_value = password
        self.status.setText("")
        self.accept()

    def _settle(self) -> None:
        self.ok_button.setEnabled(True)
        self.status.setText("")
