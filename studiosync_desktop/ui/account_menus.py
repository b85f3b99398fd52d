"""The window's Account menu (everyone) and Tools menu (admins: backup and restore)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMenu, QMessageBox

from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services import backup
from studiosync_desktop.services.accounts import AccountService
from studiosync_desktop.services.permissions import can
from studiosync_desktop.ui.error_presenter import ErrorPresenter
from studiosync_desktop.ui.login_dialog import ChangePasswordDialog
from studiosync_desktop.ui.task_runner import TaskRunner


@dataclass
class AccountContext:
    """What the menus need to know about this login (built by the composition root)."""

    actor: Actor
    accounts: AccountService
    runner: TaskRunner
    presenter: ErrorPresenter
    # Embedded mode: the owner's URL, for backup and restore (a shared server: None).
    owner_url: str | None
    # A shared server, as it may be printed (no password): for the backup command to run.
    shown_server: str
    backup_folder: Path
    lock: Callable[[], None] | None = None
    switch_user: Callable[[], None] | None = None
    password_changed: Callable[[str], None] | None = None


class AccountMenus:
    """Installs the menus on `window`; keeps the last dialog for tests."""

    def __init__(self, window: QMainWindow, ctx: AccountContext) -> None:
        self.window = window
        self.ctx = ctx
        self.last_dialog: Any = None
        # Replaced by tests; the real ones ask with dialogs.
        self.ask_save_path: Callable[[], Path | None] = self._ask_save_path
        self.ask_open_path: Callable[[], Path | None] = self._ask_open_path
        self.confirm: Callable[[str, str], bool] = self._confirm
        self.tell: Callable[[str, str], None] = self._tell

        bar = window.menuBar()
        account = bar.addMenu("&Account")
        self._action(account, "&Change my password…", "Ctrl+Shift+P", self.change_password)
        if ctx.lock is not None:
            self._action(account, "&Lock now", "Ctrl+Shift+L", ctx.lock, shortcut=False)
        if ctx.switch_user is not None:
            self._action(account, "Log in as &someone else…", "", ctx.switch_user)
        if can(ctx.actor, "backup"):
            tools = bar.addMenu("&Tools")
            self._action(tools, "&Backup…", "Ctrl+Shift+B", self.backup)
            self._action(tools, "&Restore…", "", self.restore)
            self.tools_menu: QMenu | None = tools
        else:
            self.tools_menu = None

    def _action(
        self, menu: QMenu, text: str, keys: str, slot: Callable[[], Any], shortcut: bool = True
    ) -> QAction:
        action = QAction(text, self.window)
        if keys:
            action.setShortcut(QKeySequence(keys))
            if not shortcut:  # the key is handled elsewhere; the menu only shows it
                action.setShortcut(QKeySequence())
                action.setText(f"{text}\t{keys}")
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    # --- account ------------------------------------------------------------------------

    def change_password(self) -> ChangePasswordDialog:
        dialog = ChangePasswordDialog(
            self.ctx.accounts, self.ctx.actor, self.ctx.runner, parent=self.window
        )
        dialog.accepted.connect(lambda: self._password_changed(dialog))
        self.last_dialog = dialog
        dialog.open()
        return dialog

    def _password_changed(self, dialog: ChangePasswordDialog) -> None:
        if self.ctx.password_changed is not None:
            self.ctx.password_changed(dialog.new_password_value)
        self.tell("Password changed", "Your new password is set. Use it from now on.")

    # --- backup and restore ----------------------------------------------------------------

    def backup_command(self, output: str = "studio-backup.dump") -> str:
        return f'studiosync backup -o {output} --database "{self.ctx.shown_server}"'

    def backup(self) -> None:
        if self.ctx.owner_url is None:
            self.tell(
                "Back up the studio server",
                "The studio's shared server is backed up by its owner. On a PC with the "
                "owner's login, run:\n\n" + self.backup_command() + "\n\n(replace the user "
                "in the address with the database owner's).",
            )
            return
        path = self.ask_save_path()
        if path is None:
            return
        self.window.statusBar().showMessage("Backing up…")
        self.ctx.runner.run(
            backup.backup,
            self.ctx.owner_url,
            path,
            on_done=lambda written: self.tell("Backup done", f"The studio is saved in {written}."),
            on_error=lambda exc: self.ctx.presenter.present(exc, parent=self.window),
            key="backup",
        )

    def restore(self) -> None:
        if self.ctx.owner_url is None:
            self.tell(
                "Restore the studio server",
                "A shared server is restored by its owner, with:\n\n"
                f'studiosync restore FILE --database "{self.ctx.shown_server}"',
            )
            return
        path = self.ask_open_path()
        if path is None:
            return
        if not self.confirm(
            "Replace everything?",
            f"Everything in this studio database is replaced by {path.name}. A backup of "
            "what it replaces is made first. Everyone is logged out.",
        ):
            return
        self.window.statusBar().showMessage("Restoring…")
        self.ctx.runner.run(
            backup.restore,
            self.ctx.owner_url,
            path,
            self.ctx.backup_folder,
            on_done=self._restored,
            on_error=lambda exc: self.ctx.presenter.present(exc, parent=self.window),
            key="backup",
        )

    def _restored(self, safety: Path) -> None:
        self.tell(
            "Restored",
            f"The backup is restored. What it replaced is saved in {safety}. Log in again.",
        )
        if self.ctx.switch_user is not None:
            self.ctx.switch_user()

    # --- asking -------------------------------------------------------------------------

    def _ask_save_path(self) -> Path | None:
        suggested = self.ctx.backup_folder / f"studio-{datetime.now():%Y%m%d-%H%M}.dump"
        name, _ = QFileDialog.getSaveFileName(
            self.window, "Back up the studio", str(suggested), "Backups (*.dump)"
        )
        return Path(name) if name else None

    def _ask_open_path(self) -> Path | None:
        name, _ = QFileDialog.getOpenFileName(
            self.window, "Restore a backup", str(self.ctx.backup_folder), "Backups (*.dump)"
        )
        return Path(name) if name else None

    def _confirm(self, title: str, text: str) -> bool:
        answer = QMessageBox.warning(
            self.window,
            title,
            text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Yes

    def _tell(self, title: str, text: str) -> None:
        self.window.statusBar().showMessage(text.splitlines()[0], 8000)
        if self.ctx.presenter.interactive:
            QMessageBox.information(self.window, title, text)
