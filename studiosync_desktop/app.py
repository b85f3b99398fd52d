"""The composition root: settings, database, services and the main window, wired once."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QSize, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox, QProgressDialog

from studiosync_desktop import __version__
from studiosync_desktop.bootstrap import OpenDatabase, open_database
from studiosync_desktop.config import AppDirs, DatabaseTarget
from studiosync_desktop.errors import StudioSyncError
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services.container import Services
from studiosync_desktop.ui.error_presenter import ErrorPresenter, install_excepthooks
from studiosync_desktop.ui.live_updates import LiveUpdates
from studiosync_desktop.ui.main_window import MainWindow
from studiosync_desktop.ui.setup_wizard import SetupWizard
from studiosync_desktop.ui.task_runner import TaskRunner, call_and_wait

log = logging.getLogger(__name__)


def resources_dir() -> Path:
    packaged = Path(__file__).parent / "_resources"
    return packaged if packaged.is_dir() else Path(__file__).resolve().parent.parent / "resources"


def make_application(argv: list[str] | None = None) -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
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


def first_actor(opened: OpenDatabase, services: Services, runner: TaskRunner) -> Actor | None:
    """The acting user; on an empty database the setup wizard creates the studio first."""
    if not call_and_wait(runner, services.studio.is_empty):
        return call_and_wait(runner, services.studio.default_actor)  # type: ignore[no-any-return]
    wizard = SetupWizard(services.studio, runner)
    if not wizard.exec():
        return None
    if wizard.wants_demo:
        from studiosync_desktop.services.demo import DemoService

        with busy_notice("Building the demo studio…"):
            call_and_wait(runner, DemoService(opened.db).build, "small")
        return call_and_wait(runner, services.studio.default_actor)  # type: ignore[no-any-return]
    return wizard.actor


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


# For the start-up benchmark: print a line and quit at the window's first paint.
MEASURE_STARTUP_ENV = "STUDIOSYNC_EXIT_AT_FIRST_PAINT"


class _FirstPaint(QObject):
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            print("first-paint", flush=True)
            QTimer.singleShot(0, QApplication.quit)
        return False


def run_gui(target: DatabaseTarget, dirs: AppDirs) -> int:
    log_path = setup_logging(dirs)
    app = make_application()
    presenter = ErrorPresenter(log_path=log_path)
    install_excepthooks(presenter, log_path)
    runner = TaskRunner()
    try:
        with busy_notice(f"Opening {target.describe()}…"):
            opened: OpenDatabase = call_and_wait(runner, open_database, target, dirs)
    except StudioSyncError as exc:
        log.error("cannot open the database: %s", exc)
        print(f"studiosync: {exc}", file=sys.stderr)
        QMessageBox.critical(None, "StudioSync cannot open the database", str(exc))
        return 2
    services = Services.build(opened.db)
    actor = first_actor(opened, services, runner)
    if actor is None:
        opened.close()
        return 0
    # Live updates: other desks' committed changes, heard on a dedicated connection.
    live = LiveUpdates(opened.db.url)
    window = MainWindow(
        services, actor, opened.description, runner=runner, presenter=presenter, live=live
    )
    window.resize(QSize(1280, 800))
    if os.environ.get(MEASURE_STARTUP_ENV):
        first_paint = _FirstPaint(window)
        window.installEventFilter(first_paint)
    window.show()
    live.start()
    # Open-ended series move forward to the horizon (the Calendar tab repeats it daily).
    calendar = window.tabs["calendar"]
    if hasattr(calendar, "extend_series_daily"):
        calendar.extend_series_daily()
    code = app.exec()
    live.stop()
    opened.close()
    return int(code)
