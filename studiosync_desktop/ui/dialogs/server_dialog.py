"""Which studio server this PC works on: its address, checked before it is saved."""

from __future__ import annotations

from pydantic import ValidationError
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from studiosync_desktop import config
from studiosync_desktop.bootstrap import probe_server
from studiosync_desktop.config import AppDirs
from studiosync_desktop.errors import StudioSyncError
from studiosync_desktop.schemas.common import validation_failed
from studiosync_desktop.schemas.connection import ServerAddress
from studiosync_desktop.ui.forms import FieldErrors
from studiosync_desktop.ui.task_runner import TaskRunner

FIELDS = ("host", "port", "database")


class ServerDialog(QDialog):
    """Asks for the server's address, opens it off the GUI thread as the app will, and saves
    it for this PC only once it answers. `exec()`; then `.url` is the address saved."""

    def __init__(
        self,
        dirs: AppDirs,
        runner: TaskRunner,
        *,
        problem: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("The studio's server")
        self.setMinimumWidth(480)
        self._dirs = dirs
        self._runner = runner
        self.url: str | None = None
        self._busy = False

        layout = QVBoxLayout(self)
        if problem:
            trouble = QLabel(problem, self)
            trouble.setObjectName("problem")
            trouble.setWordWrap(True)
            trouble.setStyleSheet("color: #9b2c2c;")
            layout.addWidget(trouble)
        intro = QLabel(
            "The PC that holds the studio's database, as your administrator set it up. "
            "Each person then logs in with their own email and password.",
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        layout.addLayout(form)
        self.errors = FieldErrors()
        self.host = QLineEdit(self)
        self.host.setPlaceholderText("studio-server or 192.168.1.20")
        self.port = QLineEdit("5432", self)
        self.database = QLineEdit("studiosync", self)
        self.errors.add(form, "&Server:", "host", self.host, self)
        self.errors.add(form, "&Port:", "port", self.port, self)
        self.errors.add(form, "&Database:", "database", self.database, self)
        self.status = QLabel(self)
        self.status.setObjectName("status")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.buttons = QDialogButtonBox(self)
        self.connect_button = self.buttons.addButton(
            "&Connect", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.connect_button.setDefault(True)
        self.buttons.accepted.connect(self.try_connect)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        saved = config.saved_server_parts(dirs)
        if saved is not None:
            self.host.setText(saved[0])
            self.port.setText(str(saved[1]))
            self.database.setText(saved[2])
        self.host.setFocus()

    def error_text(self, name: str) -> str:
        return self.errors.labels[name].text()

    def address(self) -> ServerAddress | None:
        """The typed address, or None with a message under each field that is wrong."""
        try:
            address = ServerAddress.model_validate(
                {
                    "host": self.host.text(),
                    "port": self.port.text().strip() or "5432",
                    "database": self.database.text(),
                }
            )
        except ValidationError as exc:
            self.errors.show(validation_failed(exc).fields, FIELDS)
            self.adjustSize()  # room for the messages under the fields
            return None
        self.errors.show({}, FIELDS)
        return address

    def try_connect(self) -> None:
        if self._busy:
            return
        address = self.address()
        if address is None:
            return
        url = config.server_url(address.host, address.port, address.database)
        self._busy = True
        self.connect_button.setEnabled(False)
        self.status.setText(f"Connecting to {address.host}…")
        self._runner.run(
            probe_server,
            url,
            self._dirs,
            on_done=lambda found: self._answered(url, found),
            on_error=self._failed,
            key="server",
        )

    def _answered(self, url: str, found: str) -> None:
        self._busy = False
        self.connect_button.setEnabled(True)
        config.save_connection(self._dirs, url)
        self.status.setText(found)
        self.url = url
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._busy = False
        self.connect_button.setEnabled(True)
        if not isinstance(exc, StudioSyncError):
            self.status.setText("Connecting failed unexpectedly.")
            raise exc
        self.status.setText(str(exc))
