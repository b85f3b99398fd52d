"""The composition root: settings, database, services and the main window, wired once."""

from __future__ import annotations

import logging
import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QEvent,
    QLibraryInfo,
    QMessageLogContext,
    QObject,
    QSize,
    QTimer,
    QtMsgType,
    qInstallMessageHandler,
)
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox, QProgressDialog, QWidget

from studiosync_desktop import __version__, login
from studiosync_desktop.bootstrap import OpenDatabase, open_database, shown_url
from studiosync_desktop.config import AppDirs, DatabaseTarget
from studiosync_desktop.errors import StudioSyncError
from studiosync_desktop.services import who_acts
from studiosync_desktop.services.container import Services
from studiosync_desktop.ui.account_menus import AccountContext, AccountMenus
from studiosync_desktop.ui.error_presenter import ErrorPresenter, install_excepthooks
from studiosync_desktop.ui.idle_lock import IdleLock
from studiosync_desktop.ui.live_updates import LiveUpdates
from studiosync_desktop.ui.login_dialog import ChangePasswordDialog, LoginDialog
from studiosync_desktop.ui.main_window import MainWindow
from studiosync_desktop.ui.studio_clock import StudioClock
from studiosync_desktop.ui.task_runner import TaskRunner, call_and_wait

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from studiosync_desktop.embedded import EarlyStart
    from studiosync_desktop.schemas.common import Actor
    from studiosync_desktop.schemas.studio import StudioInfo

log = logging.getLogger(__name__)


def resources_dir() -> Path:
    packaged = Path(__file__).parent / "_resources"
    return packaged if packaged.is_dir() else Path(__file__).resolve().parent.parent / "resources"


@contextmanager
def platform_failure_explained(before_exit: Callable[[], None] | None = None) -> Iterator[None]:
    """While the QApplication is made: when Qt cannot load its platform plugin (it then
    aborts the process), say which system packages to install instead of Qt's own advice.
    `before_exit` runs before that exit, which skips the exit handlers."""
    said: list[str] = []

    def handler(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
        category = context.category or "default"
        print(message if category == "default" else f"{category}: {message}", file=sys.stderr)
        said.append(message)
        if kind == QtMsgType.QtFatalMsg and "platform plugin" in message:
            from studiosync_desktop.system_packages import platform_advice

            plugins = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath))
            print(f"\n{platform_advice(plugins, ' '.join(said))}", file=sys.stderr, flush=True)
            if before_exit is not None:
                before_exit()
            os._exit(3)  # Qt would abort right after this message

    previous = qInstallMessageHandler(handler)
    try:
        yield
    finally:
        qInstallMessageHandler(previous)


def make_application(
    argv: list[str] | None = None, before_exit: Callable[[], None] | None = None
) -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    with platform_failure_explained(before_exit):
        app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("StudioSync")
    app.setApplicationVersion(__version__)
    app.setOrganizationName("StudioSync")
    icon = resources_dir() / "studiosync.svg"
    if icon.exists():
        app.setWindowIcon(QIcon(str(icon)))
    return app


def setup_logging(dirs: AppDirs) -> Path:
    dirs.logs.mkdir(parents=True, exist_ok=True)
    log_path = dirs.logs / "studiosync.log"
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        handlers=[logging.FileHandler(log_path, encoding="utf-8")],
    )
    return log_path


def first_actor(
    opened: OpenDatabase, services: Services, runner: TaskRunner, dirs: AppDirs
) -> Actor | DatabaseTarget | None:
    """The acting user; on an empty database the setup wizard creates the studio first, or
    this PC joins the studio's server (the target to open instead).

    Runs on the owner's connection. The wizard also creates the first admin's login; the
    demo studio comes with its own logins (README, "Demo logins").
    """
    db = opened.db
    if not call_and_wait(runner, who_acts.studio_is_empty, db):
        return call_and_wait(runner, who_acts.default_actor, db)  # type: ignore[no-any-return]
    from studiosync_desktop.ui.setup_wizard import SetupWizard  # a new studio only

    wizard = SetupWizard(services.studio, runner, accounts=services.accounts)
    if not wizard.exec():
        return None
    if wizard.studio_exists:  # another desk finished the wizard first: open their studio
        return call_and_wait(runner, who_acts.default_actor, db)  # type: ignore[no-any-return]
    if wizard.wants_server:
        return ask_server(dirs, runner)
    if wizard.wants_demo:
        from studiosync_desktop.services.demo import DEMO_LOGINS, DemoService

        with busy_notice("Building the demo studio…"):
            call_and_wait(runner, DemoService(opened.db).build, "small")
        opened.email_hint = DEMO_LOGINS[0][0]
        opened.login_note = "Demo logins: " + "; ".join(
            f"{email} / {password}" for email, _role, password in DEMO_LOGINS[:2]
        )
        return call_and_wait(runner, who_acts.default_actor, db)  # type: ignore[no-any-return]
    opened.email_hint = wizard.email.text().strip()
    return wizard.actor


def ask_server(dirs: AppDirs, runner: TaskRunner, problem: str = "") -> DatabaseTarget | None:
    """The studio server's address, checked and saved for this PC (None: cancelled)."""
    from studiosync_desktop.ui.dialogs.server_dialog import ServerDialog

    dialog = ServerDialog(dirs, runner, problem=problem)
    if not dialog.exec() or dialog.url is None:
        return None
    return DatabaseTarget(dialog.url)


@contextmanager
def busy_notice(text: str) -> Iterator[None]:
    """A small window saying what the app is doing while a start-up step runs."""
    notice = QProgressDialog(text, "", 0, 0)
    notice.setWindowTitle("StudioSync")
    notice.setCancelButton(None)
    notice.setMinimumDuration(0)
    notice.show()
    try:
        yield
    finally:
        notice.close()


# For the start-up benchmark: print a line and quit at the window's first paint. On the
# embedded server (which always asks for a login), a login dialog that opens with a remembered
# password is also submitted at its first paint, as a desk with "Remember me" presses Enter.
MEASURE_STARTUP_ENV = "STUDIOSYNC_EXIT_AT_FIRST_PAINT"


class _FirstPaint(QObject):
    """At the watched widget's first paint: prints `line`, then runs `then` (next loop turn)."""

    def __init__(self, watched: QWidget, line: str, then: Callable[[], None]) -> None:
        super().__init__(watched)
        self._line, self._then = line, then
        watched.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            print(self._line, flush=True)
            QTimer.singleShot(0, self._then)
        return False


def measure_first_paint(window: QWidget) -> None:
    """In a start-up measurement: quit at the window's first paint."""
    if os.environ.get(MEASURE_STARTUP_ENV):
        _FirstPaint(window, "first-paint", QApplication.quit)


def run_gui(target: DatabaseTarget, dirs: AppDirs, early: EarlyStart | None = None) -> int:
    """The app's window. `early` is the embedded server already starting (see cli)."""
    log_path = setup_logging(dirs)
    app = make_application(before_exit=early.stop if early is not None else None)
    presenter = ErrorPresenter(log_path=log_path)
    install_excepthooks(presenter, log_path)
    runner = TaskRunner()
    while True:
        try:
            with busy_notice(f"Opening {target.describe()}…"):
                opened: OpenDatabase = call_and_wait(runner, open_database, target, dirs, early)
        except StudioSyncError as exc:
            log.error("cannot open the database: %s", exc)
            print(f"studiosync: {exc}", file=sys.stderr)
            if target.is_embedded:
                QMessageBox.critical(None, "StudioSync cannot open the database", str(exc))
                return 2
            # The server moved, is down, or its address was mistyped: the desk may fix it.
            changed = ask_server(dirs, runner, problem=str(exc))
            if changed is None:
                return 2
            target = changed
            continue
        started = start_session(app, opened, dirs, runner, presenter)
        if not isinstance(started, DatabaseTarget):
            return started
        opened.close()
        target = started  # this PC joined the studio's server: open that instead


def start_session(
    app: QApplication,
    opened: OpenDatabase,
    dirs: AppDirs,
    runner: TaskRunner,
    presenter: ErrorPresenter,
) -> int | DatabaseTarget:
    """Who works on the opened database, then their window until the app quits (the exit
    code), or the studio server the setup wizard chose instead."""
    services = Services.build(opened.db)
    embedded = opened.server is not None
    # Who decides: the embedded server always asks for a login; on a shared server the
    # database owner (or a superuser) works in maintenance mode, everyone else logs in.
    owner = embedded or (
        not opened.needs_login and bool(call_and_wait(runner, login.is_owner_connection, opened.db))
    )
    actor: Actor | None = None
    if owner:
        first = first_actor(opened, services, runner, dirs)
        if first is None:
            opened.close()
            return 0
        if isinstance(first, DatabaseTarget):
            return first
        actor = first
    if actor is not None and not embedded:
        return run_window(app, opened, services, actor, runner, presenter, maintenance=True)
    desk = DeskSession(app, opened, dirs, runner, presenter)
    if not desk.log_in():
        opened.close()
        return 0
    if embedded:
        opened.db.dispose()  # the owner's URL stays, for backup and restore only
    else:
        opened.close()
    code = app.exec()
    desk.close()
    return int(code)


def run_window(
    app: QApplication,
    opened: OpenDatabase,
    services: Services,
    actor: Actor,
    runner: TaskRunner,
    presenter: ErrorPresenter,
    *,
    maintenance: bool,
) -> int:
    """Maintenance mode: the owner's connection, nobody logs in (screenshots, benchmarks)."""
    live = LiveUpdates(opened.db.url)
    window = MainWindow(
        services, actor, opened.description, runner=runner, presenter=presenter, live=live
    )
    if maintenance:
        window.user_label.setText(f"Owner connection (maintenance mode) \N{EM DASH} {actor.name}")
    window.resize(QSize(1280, 800))
    measure_first_paint(window)
    window.show()
    live.start()
    code = app.exec()
    live.stop()
    opened.close()
    return int(code)


class DeskSession:
    """A person logged in on their own login role: the window, the idle lock, switching user."""

    def __init__(
        self,
        app: QApplication,
        opened: OpenDatabase,
        dirs: AppDirs,
        runner: TaskRunner,
        presenter: ErrorPresenter,
    ) -> None:
        self.app = app
        self.opened = opened
        self.dirs = dirs
        self.runner = runner
        self.presenter = presenter
        self.server_url = opened.url
        self.owner_url = opened.url if opened.server is not None else None
        self.window: MainWindow | None = None
        self.live: LiveUpdates | None = None
        self.lock: IdleLock | None = None
        self.current: login.LoggedIn | None = None
        self.menus: AccountMenus | None = None
        self.last_login: LoginDialog | None = None

    def log_in(self, parent: QWidget | None = None, switching: bool = False) -> bool:
        """The login dialog (and a forced password change); then this person's window."""
        dialog = LoginDialog(
            self.server_url,
            self.runner,
            self.dirs,
            email=self.opened.email_hint,
            where=self.opened.login_note or self.opened.description,
            switching=switching,
            parent=parent,
        )
        self.last_login = dialog
        if os.environ.get(MEASURE_STARTUP_ENV) and dialog.password.text():
            _FirstPaint(dialog, "login-paint", dialog.try_login)
        if not dialog.exec() or dialog.logged_in is None:
            return False
        logged = dialog.logged_in
        if logged.must_change_password:
            change = ChangePasswordDialog(
                logged.accounts, logged.actor, self.runner, forced=True, parent=parent
            )
            if not change.exec():
                logged.db.dispose()
                return False
            if dialog.remember.isChecked():
                login.remember(self.dirs, self.server_url, logged.email, change.new_password_value)
        self._open_window(logged, dialog.notice)
        return True

    def _open_window(self, logged: login.LoggedIn, notice: str) -> None:
        old_window, old_live, old_lock, old_login = self.window, self.live, self.lock, self.current
        services = Services.build(logged.db)
        # Each person's window has its own runner: results still on their way to a retired
        # window are dropped with it (never delivered to its deleted tabs).
        runner = TaskRunner()
        self.current = logged
        self.live = LiveUpdates(logged.db.url)
        # The studio once, before the window: the one studio clock (its zone, hours and grid,
        # kept up to date through the live updates), its idle lock, and the parts it uses (a
        # switched-off part's tabs never show, not even for a moment).
        info = self._studio(services, logged.actor)
        settings = info.settings if info is not None else None
        self.window = MainWindow(
            services,
            logged.actor,
            self.opened.description,
            runner=runner,
            presenter=self.presenter,
            live=self.live,
            parts_off=settings.parts_off if settings else (),
            clock=StudioClock(logged.actor.timezone, info),
        )
        self.window.resize(QSize(1280, 800))
        minutes = int(settings.idle_lock_minutes) if settings else 0
        self.lock = IdleLock(
            self.window,
            minutes,
            logged.actor.name,
            lambda password: login.check_credentials(self.server_url, logged.email, password),
            runner,
        )
        self.lock.switch_user.connect(self.switch_user)
        self.menus = AccountMenus(
            self.window,
            AccountContext(
                actor=logged.actor,
                accounts=services.accounts,
                runner=runner,
                presenter=self.presenter,
                owner_url=self.owner_url,
                shown_server=shown_url(self.server_url),
                backup_folder=self.dirs.data / "backups",
                lock=self.lock.lock,
                switch_user=self.switch_user,
                password_changed=self._password_changed,
                studio=services.studio,
                stripe=services.stripe,
                services=services,
            ),
        )
        measure_first_paint(self.window)
        self.window.show()
        if notice:
            self.window.statusBar().showMessage(notice, 10000)
        self.live.start()
        # The previous person's window goes only once the new one is up (the app keeps running).
        if old_window is not None:
            self._retire(old_window, old_live, old_lock, old_login)

    def _studio(self, services: Services, actor: Actor) -> StudioInfo | None:
        """The studio's zone and settings (None when they cannot be read: the window's own
        loads then say what is wrong, and the idle lock stays off)."""
        try:
            return call_and_wait(self.runner, who_acts.studio_info, services.db, actor)  # type: ignore[no-any-return]
        except StudioSyncError:
            return None

    def _password_changed(self, password: str) -> None:
        if self.current is not None and login.remembered_password(
            self.server_url, self.current.email
        ):
            login.remember(self.dirs, self.server_url, self.current.email, password)

    def switch_user(self) -> None:
        """ "Log in as someone else": the login dialog over the (locked) window."""
        lock = self.lock
        if lock is not None:
            lock.lock()
            lock.screen.set_form_visible(False)  # one login form on screen, not two
        self.app.setQuitOnLastWindowClosed(False)
        try:
            # Over the locked window; Cancel goes back to it, where the same person may still
            # unlock (the window stays locked: nothing of theirs shows).
            switched = self.log_in(parent=self.window, switching=True)
        finally:
            self.app.setQuitOnLastWindowClosed(True)
        if not switched and lock is not None and lock is self.lock:
            lock.screen.set_form_visible(True)

    def _retire(
        self,
        window: MainWindow,
        live: LiveUpdates | None,
        lock: IdleLock | None,
        logged: login.LoggedIn | None,
    ) -> None:
        if lock is not None:
            lock.stop()
        if live is not None:
            live.stop()
        window.runner.forget()
        window.close()
        window.deleteLater()
        if logged is not None:
            logged.db.dispose()

    def close(self) -> None:
        if self.window is not None:
            self._retire(self.window, self.live, self.lock, self.current)
            self.window = None
