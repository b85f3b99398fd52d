"""The one place that decides how an error reaches the receptionist."""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studiosync_desktop.errors import (
    Conflict,
    DatabaseUnavailable,
    NotFound,
    PermissionDenied,
    SchemaOutOfDate,
    StudioSyncError,
    ValidationFailed,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from pathlib import Path
    from types import TracebackType

log = logging.getLogger("studiosync.errors")


class Banner(QFrame):
    """A non-blocking strip across the top of a window, with an optional Retry button."""

    retry_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("errorBanner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        # Amber with dark text reads the same on light and dark palettes.
        self.setStyleSheet(
            "#errorBanner { background: #ffe08a; border: 1px solid #c99a00; border-radius: 4px; }"
            "#errorBanner QLabel { color: #3a2c00; }"
        )
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.retry_button = QPushButton("&Retry", self)
        self.retry_button.clicked.connect(self._retry)
        self._retry_action: Callable[[], None] | None = None
        self.dismiss_button = QPushButton("Dismiss", self)
        self.dismiss_button.clicked.connect(self.hide)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.retry_button)
        layout.addWidget(self.dismiss_button)
        self.hide()

    def show_message(self, text: str, retry: Callable[[], None] | None) -> None:
        self.label.setText(text)
        self._retry_action = retry
        self.retry_button.setVisible(retry is not None)
        self.show()

    def _retry(self) -> None:
        self.hide()
        if self._retry_action is not None:
            self._retry_action()
        self.retry_clicked.emit()


class CrashDialog(QDialog):
    """A bug: say so plainly, and give the details to copy into a support email."""

    def __init__(self, summary: str, details: str, log_path: Path | None, parent: QWidget | None):
        super().__init__(parent)
        self.setWindowTitle("StudioSync ran into a problem")
        self.resize(640, 420)
        layout = QVBoxLayout(self)
        where = f"\nThe details were also written to {log_path}." if log_path else ""
        intro = QLabel(
            "Something went wrong inside StudioSync. Your data is safe; the last action may "
            f"not have finished.{where}\n\n{summary}",
            self,
        )
        intro.setWordWrap(True)
        intro.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details = QPlainTextEdit(details, self)
        self.details.setReadOnly(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        copy = buttons.addButton("&Copy details", QDialogButtonBox.ButtonRole.ActionRole)
        copy.clicked.connect(self.copy_details)
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)
        layout.addWidget(intro)
        layout.addWidget(self.details, 1)
        layout.addWidget(buttons)

    def copy_details(self) -> None:
        QGuiApplication.clipboard().setText(self.details.toPlainText())


class ErrorPresenter(QObject):
    """Decides per error kind: inline, message box, banner with Retry, or crash dialog.

    `present(exc, retry=..., parent=...)` returns the per-field messages of a
    `ValidationFailed` so a form can show them next to its fields (and shows nothing);
    everything else is shown here and the return value is empty.
    """

    # For tests and the window: what was shown, as (kind, text).
    shown = Signal(str, str)
    # An error raised on a worker thread, on its way to the GUI thread.
    thread_error = Signal(object, object, object)

    def __init__(
        self,
        log_path: Path | None = None,
        parent: QObject | None = None,
        *,
        interactive: bool = True,
    ) -> None:
        super().__init__(parent)
        self.log_path = log_path
        # Tests and the screenshot command turn modal dialogs off; the `shown` signal remains.
        self.interactive = interactive
        self._banner_host: Callable[[], Banner | None] | None = None
        self._default_retry: Callable[[], None] | None = None
        self._window: QWidget | None = None
        self._showing_crash = False

    def attach(
        self,
        window: QWidget,
        banner: Callable[[], Banner | None],
        default_retry: Callable[[], None] | None = None,
    ) -> None:
        """The main window: the parent of dialogs, where the banner lives, and what Retry
        does when a lost server was met by a caller that gave no retry of its own."""
        self._window = window
        self._banner_host = banner
        self._default_retry = default_retry

    # --- deciding ---------------------------------------------------------------------

    def present(
        self,
        exc: BaseException,
        *,
        retry: Callable[[], None] | None = None,
        parent: QWidget | None = None,
        inline: bool = False,
    ) -> Mapping[str, str]:
        parent = parent or self._window
        if isinstance(exc, ValidationFailed):
            if inline:
                self.shown.emit("inline", str(exc))
                return exc.fields
            self._message(parent, QMessageBox.Icon.Warning, "Please check the form", str(exc))
            return exc.fields
        if isinstance(exc, DatabaseUnavailable):
            # A lost server always offers Retry: the caller's, else reloading what is shown.
            self.banner(str(exc), retry or self._default_retry)
        elif isinstance(exc, Conflict):
            self._message(parent, QMessageBox.Icon.Warning, "This clashes", str(exc))
        elif isinstance(exc, PermissionDenied):
            self._message(parent, QMessageBox.Icon.Warning, "Not allowed", str(exc))
        elif isinstance(exc, NotFound):
            self._message(parent, QMessageBox.Icon.Information, "Not found", str(exc))
        elif isinstance(exc, SchemaOutOfDate | StudioSyncError):
            self._message(parent, QMessageBox.Icon.Warning, "StudioSync", str(exc))
        elif isinstance(exc, UnicodeDecodeError):  # a file chosen to import
            self._message(
                parent,
                QMessageBox.Icon.Warning,
                "Cannot read the file",
                'This file is not plain text in UTF-8. Save it again as "CSV UTF-8" '
                "(Excel: File > Save As) and import that.",
            )
        elif isinstance(exc, OSError) and exc.filename:  # a file chosen to save or read
            self._message(
                parent,
                QMessageBox.Icon.Warning,
                "Cannot use the file",
                f"{exc.filename}: {exc.strerror or exc}. Close it in other programs, or "
                "choose another folder, and try again.",
            )
        else:
            self.crash(type(exc), exc, exc.__traceback__)
        return {}

    def banner(self, text: str, retry: Callable[[], None] | None = None) -> None:
        self.shown.emit("banner", text)
        host = self._banner_host() if self._banner_host else None
        if host is not None:
            host.show_message(text, retry)
        else:
            self._message(None, QMessageBox.Icon.Warning, "Database unavailable", text)

    def crash(
        self,
        exc_type: type[BaseException],
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        details = "".join(traceback.format_exception(exc_type, exc, tb))
        summary = f"{exc_type.__name__}: {exc}"
        self.write_log(details)
        self.shown.emit("crash", summary)
        if not self.interactive or self._showing_crash or QApplication.instance() is None:
            return
        self._showing_crash = True  # one crash dialog at a time, even if errors cascade
        try:
            CrashDialog(summary, details, self.log_path, self._window).exec()
        finally:
            self._showing_crash = False

    def write_log(self, details: str) -> None:
        log.error("Unhandled error:\n%s", details)
        if self.log_path is None:
            return
        try:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            with self.log_path.open("a", encoding="utf-8") as f:
                f.write(f"\n--- {datetime.now().isoformat(timespec='seconds')} crash ---\n")
                f.write(details)
        except OSError:
            log.exception("Could not write the crash log to %s", self.log_path)

    def _message(
        self, parent: QWidget | None, icon: QMessageBox.Icon, title: str, text: str
    ) -> None:
        self.shown.emit("message", text)
        if not self.interactive:
            return
        box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, parent)
        box.exec()


def install_excepthooks(presenter: ErrorPresenter, log_path: Path | None = None) -> None:
    """Uncaught errors on any thread reach the presenter (crash dialog on the GUI thread)."""
    if log_path is not None and presenter.log_path is None:
        presenter.log_path = log_path
    previous = sys.excepthook

    def on_main(
        exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            previous(exc_type, exc, tb)
            return
        if isinstance(exc, StudioSyncError):
            presenter.present(exc)
        else:
            presenter.crash(exc_type, exc, tb)

    def on_thread(args: Any) -> None:
        exc = args.exc_value or args.exc_type()
        # Widgets belong to the GUI thread: the signal is queued over to it.
        presenter.thread_error.emit(args.exc_type, exc, args.exc_traceback)

    presenter.thread_error.connect(on_main)
    sys.excepthook = on_main
    threading.excepthook = on_thread
