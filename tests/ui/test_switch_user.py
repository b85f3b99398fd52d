"""'Log in as someone else' on the lock screen (issue 14, finding 9): one login form over the
locked window, nobody's email in it, and Cancel goes back to the lock, not out of the app."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QLineEdit
from test_logins import ADMIN, DESK, PASSWORD, Staff, runner
from test_logins import staff as staff

from studiosync_desktop.bootstrap import OpenDatabase
from studiosync_desktop.config import AppDirs
from studiosync_desktop.db import Database
from studiosync_desktop.ui.error_presenter import ErrorPresenter
from studiosync_desktop.ui.login_dialog import LoginDialog


def password_boxes() -> list[QLineEdit]:
    """The password fields a person can see, in every window (a dialog once, though it is
    a top-level window and a child of the window that opened it)."""
    found = {
        id(w): w
        for top in QApplication.topLevelWidgets()
        if top.isVisible()
        for w in top.findChildren(QLineEdit)
        if w.isVisible() and w.echoMode() == QLineEdit.EchoMode.Password
    }
    return list(found.values())


def test_log_in_as_someone_else_from_the_lock_screen(
    qtbot, tmp_path: Path, database_url: str, staff: Staff
) -> None:  # type: ignore[no-untyped-def]
    from studiosync_desktop.app import DeskSession

    opened = OpenDatabase(Database(database_url), database_url, "test studio")
    dirs = AppDirs(*(tmp_path / n for n in ("config", "data", "cache", "logs", "documents")))
    desk = DeskSession(
        QApplication.instance(), opened, dirs, runner(), ErrorPresenter(interactive=False)
    )
    seen: list[str] = []

    def first_login() -> None:
        modal = QApplication.activeModalWidget()
        if isinstance(modal, LoginDialog) and not seen:
            seen.append("desk")
            modal.email.setText(DESK)
            modal.password.setText(PASSWORD)
            modal.try_login()

    timer = QTimer()
    timer.timeout.connect(first_login)
    timer.start(50)
    try:
        assert desk.log_in()
    finally:
        timer.stop()
    try:
        window, lock = desk.window, desk.lock
        assert window is not None and lock is not None
        window.show()
        qtbot.waitExposed(window)
        lock.lock()
        steps: list[str] = []

        def at_the_login(cancel: bool) -> None:
            modal = QApplication.activeModalWidget()
            if not isinstance(modal, LoginDialog) or not modal.isVisible():
                QTimer.singleShot(50, lambda: at_the_login(cancel))
                return
            steps.append(modal.windowTitle())
            assert modal.email.text() == "" and modal.password.text() == ""
            assert password_boxes() == [modal.password]  # the lock's box is out of the way
            if cancel:
                button = next(b for b in modal.buttons.buttons() if b.text() == "&Cancel")
                qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
                return
            qtbot.keyClicks(modal.email, ADMIN)
            qtbot.keyClicks(modal.password, PASSWORD)
            qtbot.keyClick(modal.password, Qt.Key.Key_Return)

        QTimer.singleShot(0, lambda: at_the_login(cancel=True))
        qtbot.mouseClick(lock.screen.switch_button, Qt.MouseButton.LeftButton)
        assert steps == ["Log in as someone else"]
        assert desk.window is window and lock.is_locked  # back at the lock, still locked
        assert password_boxes() == [lock.screen.password]
        assert lock.screen.switch_button.isVisible()

        QTimer.singleShot(0, lambda: at_the_login(cancel=False))
        qtbot.mouseClick(lock.screen.switch_button, Qt.MouseButton.LeftButton)
        assert desk.window is not window and desk.window is not None
        assert "Olivia Owner" in desk.window.user_label.text()
    finally:
        desk.close()
        opened.close()
