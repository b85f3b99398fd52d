"""The idle lock: after the studio's idle minutes, the window hides its data until a password."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDockWidget,
    QFrame,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studiosync_desktop.errors import StudioSyncError, ValidationFailed
from studiosync_desktop.ui.widgets import error_label

if TYPE_CHECKING:
    from collections.abc import Callable

    from studiosync_desktop.ui.task_runner import TaskRunner

# What counts as someone at the desk.
ACTIVITY = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
    }
)


class LockScreen(QFrame):
    """Covers the whole window: nothing of the studio's data shows through."""

    def __init__(self, name: str, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("lockScreen")
        self.setAutoFillBackground(True)
        self.setStyleSheet("#lockScreen { background: palette(window); }")
        layout = QVBoxLayout(self)
        layout.addStretch(2)
        title = QLabel(f"Locked \N{EM DASH} {name}", self)
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        title.setFont(font)
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title = title
        hint = self.hint = QLabel("Type your password to continue.", self)
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.password = QLineEdit(self)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("Password")
        self.password.setFixedWidth(320)
        self.error = error_label(self, "password")
        self.error.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.unlock_button = QPushButton("&Unlock", self)
        self.unlock_button.setDefault(True)
        self.switch_button = QPushButton("Log in as &someone else", self)
        self.switch_button.setFlat(True)
        for widget in (title, hint):
            layout.addWidget(widget)
        layout.addSpacing(12)
        for control in (self.password, self.error, self.unlock_button, self.switch_button):
            layout.addWidget(control, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(3)

    def set_form_visible(self, visible: bool) -> None:
        """Hidden while someone else logs in over the lock: one password box at a time."""
        for widget in (self.hint, self.password, self.unlock_button, self.switch_button):
            widget.setVisible(visible)
        self.error.setVisible(visible and bool(self.error.text()))
        if visible:
            self.password.setFocus()

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))


class IdleLock(QObject):
    """Watches the application's input; after `minutes` without any, covers `window`.

    `verify(password)` runs on the TaskRunner and raises when the password is wrong (it opens
    a connection with it). `switch_user` is emitted for "Log in as someone else".
    """

    locked = Signal()
    unlocked = Signal()
    switch_user = Signal()

    def __init__(
        self,
        window: QMainWindow,
        minutes: int,
        name: str,
        verify: Callable[[str], Any],
        runner: TaskRunner,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.minutes = minutes
        self._verify = verify
        self._runner = runner
        self.is_locked = False
        self._hidden: list[QWidget] = []
        self.screen = LockScreen(name, window)
        self.screen.hide()
        self.screen.unlock_button.clicked.connect(self.try_unlock)
        self.screen.password.returnPressed.connect(self.try_unlock)
        self.screen.switch_button.clicked.connect(self.switch_user)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.lock)
        lock_now = QShortcut(QKeySequence("Ctrl+Shift+L"), window)
        lock_now.activated.connect(self.lock)
        window.installEventFilter(self)  # resize: the cover follows the window
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        if minutes > 0:
            self.timer.start(minutes * 60_000)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window and event.type() == QEvent.Type.Resize and self.is_locked:
            self.screen.setGeometry(self.window.rect())
        elif event.type() in ACTIVITY and not self.is_locked and self.minutes > 0:
            self.timer.start(self.minutes * 60_000)
        return False

    def lock(self) -> None:
        if self.is_locked:
            return
        self.is_locked = True
        self.timer.stop()
        # Dialogs and docks of this window would show data past the cover: hide them too.
        self._hidden = [
            w
            for w in self.window.findChildren(QWidget)
            if isinstance(w, QDialog | QDockWidget) and w.isVisible()
        ]
        for widget in self._hidden:
            widget.hide()
        central = self.window.centralWidget()
        if central is not None:
            central.setEnabled(False)
            central.hide()
        self.window.menuBar().setEnabled(False)
        self.screen.setGeometry(self.window.rect())
        self.screen.show_error("")
        self.screen.password.clear()
        self.screen.show()
        self.screen.raise_()
        self.screen.password.setFocus()
        self.locked.emit()

    def try_unlock(self) -> None:
        password = self.screen.password.text()
        if not password:
            self.screen.show_error("Type your password")
            return
        self.screen.unlock_button.setEnabled(False)
        self._runner.run(
            self._verify,
            password,
            on_done=lambda _: self.unlock(),
            on_error=self._refused,
            key=f"unlock:{id(self)}",
        )

    def _refused(self, exc: BaseException) -> None:
        self.screen.unlock_button.setEnabled(True)
        if isinstance(exc, ValidationFailed):
            self.screen.show_error("That password is wrong")
        elif isinstance(exc, StudioSyncError):
            self.screen.show_error(str(exc))
        else:
            raise exc
        self.screen.password.selectAll()

    def unlock(self) -> None:
        self.screen.unlock_button.setEnabled(True)
        self.is_locked = False
        self.screen.hide()
        self.screen.password.clear()
        central = self.window.centralWidget()
        if central is not None:
            central.show()
            central.setEnabled(True)
        self.window.menuBar().setEnabled(True)
        for widget in self._hidden:
            widget.show()
        self._hidden = []
        if self.minutes > 0:
            self.timer.start(self.minutes * 60_000)
        self.unlocked.emit()

    def stop(self) -> None:
        self.timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
