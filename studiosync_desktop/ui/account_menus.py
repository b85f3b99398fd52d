"""The window's Account menu (everyone) and Tools menu (admins: studio settings, the Stripe
key, backup and restore)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMenu, QMessageBox

from studiosync_desktop.services import backup
from studiosync_desktop.services.permissions import can
from studiosync_desktop.ui.login_dialog import ChangePasswordDialog

if TYPE_CHECKING:  # the dialogs and services behind the menus load when a menu is used
    from collections.abc import Callable

    from studiosync_desktop.schemas.common import Actor
    from studiosync_desktop.services.accounts import AccountService
    from studiosync_desktop.services.backup import Restored
    from studiosync_desktop.services.container import Services
    from studiosync_desktop.services.stripe_payments import StripePayments
    from studiosync_desktop.services.studio import StudioService
    from studiosync_desktop.ui.dialogs.form_dialog import FormDialog
    from studiosync_desktop.ui.error_presenter import ErrorPresenter
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
    # For an administrator's studio settings (the Tools menu).
    studio: StudioService | None = None
    stripe: StripePayments | None = None
    # Tools > Email (the studio's mail server, what is sent, templates).
    services: Services | None = None


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
        self.tools_menu: QMenu | None = None
        if can(ctx.actor, "settings") or can(ctx.actor, "backup"):
            tools = self.tools_menu = bar.addMenu("&Tools")
        if can(ctx.actor, "settings") and ctx.studio is not None:
            self._action(tools, "Studio &details…", "", self.edit_details)
            self._action(tools, "Studio &policies…", "", self.edit_policies)
            self._action(tools, "Studio p&arts and hours…", "", self.edit_parts_and_hours)
            self._action(tools, "Studio &look (logo, colour)…", "", self.edit_look)
        self.stripe_action: QAction | None = None
        if can(ctx.actor, "settings") and ctx.stripe is not None:
            self.stripe_action = self._action(tools, "&Stripe key…", "", self.edit_stripe_key)
        studio_changed = getattr(window, "studio_changed", None)
        if studio_changed is not None:  # a part switched off takes its menus with it
            studio_changed.connect(self._studio_changed)
        if can(ctx.actor, "settings") and ctx.services is not None:
            from studiosync_desktop.ui.email_menu import add_email_menu

            add_email_menu(self, tools, ctx.services)
            self._action(tools, "Pri&vacy requests…", "", self.privacy_requests)
            self._action(tools, "&Retention…", "", self.edit_retention)
        if can(ctx.actor, "settings"):
            tools.addSeparator()
        if can(ctx.actor, "backup"):
            self._action(tools, "&Backup…", "Ctrl+Shift+B", self.backup)
            self._action(tools, "&Restore…", "", self.restore)

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

    # --- studio settings ------------------------------------------------------------------

    def edit_details(self) -> None:
        # Loaded when first opened: the forms stay out of start-up (lazy is the point).
        from studiosync_desktop.ui.dialogs.studio_settings import studio_details_dialog

        studio = self.ctx.studio
        assert studio is not None
        self._load_then_open(
            lambda: studio.details(self.ctx.actor),
            lambda details: studio_details_dialog(
                studio, self.ctx.actor, details, self.ctx.runner, self.ctx.presenter, self.window
            ),
            "Studio details saved: new invoices and slips print them.",
        )

    def edit_policies(self) -> None:
        # Loaded when first opened: the forms stay out of start-up (lazy is the point).
        from studiosync_desktop.ui.dialogs.studio_settings import studio_policies_dialog

        studio = self.ctx.studio
        assert studio is not None
        self._load_then_open(
            lambda: studio.info(self.ctx.actor).settings,
            lambda settings: studio_policies_dialog(
                studio, self.ctx.actor, settings, self.ctx.runner, self.ctx.presenter, self.window
            ),
            "Studio policies saved.",
        )

    def edit_parts_and_hours(self) -> None:
        from studiosync_desktop.ui.dialogs.studio_settings import parts_and_hours_dialog

        studio = self.ctx.studio
        assert studio is not None
        self._load_then_open(
            lambda: studio.info(self.ctx.actor).settings,
            lambda settings: parts_and_hours_dialog(
                studio, self.ctx.actor, settings, self.ctx.runner, self.ctx.presenter, self.window
            ),
            "Saved: every desk shows the parts the studio uses, within its opening hours.",
        )

    def edit_look(self) -> None:
        from studiosync_desktop.ui.dialogs.studio_look import StudioLookDialog

        studio = self.ctx.studio
        assert studio is not None
        dialog = StudioLookDialog(
            studio, self.ctx.actor, self.ctx.runner, self.ctx.presenter, self.window
        )
        self.last_dialog = dialog
        dialog.open()

    def _studio_changed(self, info: Any) -> None:
        if self.stripe_action is not None:
            self.stripe_action.setVisible(info.settings.uses("billing"))

    def privacy_requests(self) -> None:
        from studiosync_desktop.ui.privacy_dialogs import PrivacyRequestsDialog

        assert self.ctx.services is not None
        dialog = PrivacyRequestsDialog(
            self.ctx.services, self.ctx.actor, self.ctx.runner, self.ctx.presenter, self.window
        )
        self.last_dialog = dialog
        dialog.open()

    def edit_retention(self) -> None:
        from studiosync_desktop.ui.dialogs.studio_settings import retention_dialog

        services = self.ctx.services
        assert services is not None and self.ctx.studio is not None
        studio = self.ctx.studio
        self._load_then_open(
            lambda: (
                studio.info(self.ctx.actor).settings,
                services.privacy.retention_runs(self.ctx.actor, limit=5),
            ),
            lambda loaded: retention_dialog(
                studio,
                self.ctx.actor,
                loaded[0],
                loaded[1],
                self.ctx.runner,
                self.ctx.presenter,
                self.window,
            ),
            "Retention saved: the next daily round keeps to it.",
        )

    def edit_stripe_key(self) -> None:
        # Loaded when first opened: the forms stay out of start-up (lazy is the point).
        from studiosync_desktop.ui.dialogs.studio_settings import stripe_key_dialog

        stripe = self.ctx.stripe
        assert stripe is not None
        self._load_then_open(
            lambda: stripe.has_key(self.ctx.actor),
            lambda has_key: stripe_key_dialog(
                stripe, self.ctx.actor, self.ctx.runner, self.ctx.presenter, has_key, self.window
            ),
            "The Stripe key is kept in this PC's password store.",
        )

    def _load_then_open(
        self, load: Callable[[], Any], make: Callable[[Any], FormDialog], saved: str
    ) -> None:
        """Reads the current values off the GUI thread, then opens the dialog over them."""

        def opened(current: Any) -> None:
            dialog = make(current)
            dialog.accepted.connect(lambda: self.window.statusBar().showMessage(saved, 8000))
            read_studio = getattr(self.window, "read_studio", None)
            if read_studio is not None:  # this window at once; the others by live updates
                dialog.accepted.connect(read_studio)
            self.last_dialog = dialog
            dialog.open()

        self.ctx.runner.run(
            load,
            on_done=opened,
            on_error=lambda exc: self.ctx.presenter.present(exc, parent=self.window),
            key="settings",
        )

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

    def _restored(self, restored: Restored) -> None:
        self.tell("Restored", f"{restored.message()} Log in again.")
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
