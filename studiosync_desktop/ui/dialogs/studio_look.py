"""Tools > Studio look: the studio's logo and accent colour, as its PDFs, emails and the
window's header show them. Each change is saved when made."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPixmap
from PySide6.QtWidgets import (
    QColorDialog,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.schemas.studio import StudioBranding
from studiosync_desktop.services.studio import StudioService
from studiosync_desktop.ui.documents import ask_open_path
from studiosync_desktop.ui.error_presenter import ErrorPresenter
from studiosync_desktop.ui.forms import FieldErrors, refusal_handler
from studiosync_desktop.ui.task_runner import TaskRunner
from studiosync_desktop.ui.widgets import error_label

PICTURES = "Pictures (*.png *.jpg *.jpeg)"


class StudioLookDialog(QDialog):
    """The logo (choose a PNG or JPEG, or remove it) and the accent colour (a colour dialog)."""

    def __init__(
        self,
        studio: StudioService,
        actor: Actor,
        runner: TaskRunner,
        presenter: ErrorPresenter,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.studio, self.actor, self.runner, self.presenter = studio, actor, runner, presenter
        self.setWindowTitle("Studio look")
        self.setMinimumWidth(520)
        self.branding: StudioBranding | None = None
        # Replaced by tests; the real ones ask with the system's dialogs.
        self.ask_picture: Callable[[], Path | None] = self._ask_picture
        self.ask_colour: Callable[[str], str | None] = self._ask_colour

        intro = QLabel(
            "The logo and colour are printed on invoices, statements, receipts and slips, "
            "sit at the top of the studio's emails, and show at the top right of every desk.",
            self,
        )
        intro.setWordWrap(True)
        self.preview = QLabel("No logo yet", self)
        self.preview.setObjectName("logoPreview")
        self.preview.setMinimumSize(300, 100)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setStyleSheet("border: 1px solid palette(mid); background: white;")
        self.choose_button = QPushButton("&Choose a logo…", self)
        self.choose_button.clicked.connect(self.choose_logo)
        self.remove_button = QPushButton("&Remove the logo", self)
        self.remove_button.clicked.connect(self.remove_logo)
        self.logo_error = error_label(self, "logo")
        logo_buttons = QHBoxLayout()
        logo_buttons.addWidget(self.choose_button)
        logo_buttons.addWidget(self.remove_button)
        logo_buttons.addStretch(1)
        logo_box = QVBoxLayout()
        logo_box.addWidget(self.preview)
        logo_box.addLayout(logo_buttons)
        logo_box.addWidget(self.logo_error)

        self.swatch = QLabel(self)
        self.swatch.setFixedSize(48, 24)
        self.colour_button = QPushButton("C&hoose the colour…", self)
        self.colour_button.clicked.connect(self.choose_colour)
        self.colour_error = error_label(self, "theme_color")
        colour_row = QHBoxLayout()
        colour_row.addWidget(self.swatch)
        colour_row.addWidget(self.colour_button)
        colour_row.addStretch(1)
        colour_box = QVBoxLayout()
        colour_box.addLayout(colour_row)
        colour_box.addWidget(self.colour_error)

        self.errors = FieldErrors()
        self.errors.attach("logo", self.choose_button, self.logo_error)
        self.errors.attach("theme_color", self.colour_button, self.colour_error)
        form = QFormLayout()
        form.addRow("Logo:", logo_box)
        form.addRow("Accent colour:", colour_box)
        self.said = QLabel(self)
        self.said.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.said)
        layout.addWidget(buttons)
        self._enable(False)
        self.runner.run(
            self.studio.branding, self.actor, on_done=self.show_branding, on_error=self._failed
        )

    # --- showing ------------------------------------------------------------------------

    def show_branding(self, branding: StudioBranding) -> None:
        self.branding = branding
        pixmap = QPixmap()
        if branding.logo and pixmap.loadFromData(branding.logo):
            self.preview.setPixmap(
                pixmap.scaled(
                    self.preview.size(),
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            )
        else:
            self.preview.setPixmap(QPixmap())
            self.preview.setText("No logo yet")
        self.remove_button.setEnabled(bool(branding.logo))
        self.swatch.setStyleSheet(
            f"background: {branding.theme_color}; border: 1px solid palette(mid);"
        )
        self.swatch.setToolTip(branding.theme_color)
        self._enable(True)
        self.remove_button.setEnabled(bool(branding.logo))

    def _enable(self, on: bool) -> None:
        for button in (self.choose_button, self.remove_button, self.colour_button):
            button.setEnabled(on)

    # --- changing -----------------------------------------------------------------------

    def choose_logo(self) -> None:
        path = self.ask_picture()
        if path is None:
            return
        try:
            data = path.read_bytes()
        except OSError as exc:
            self.logo_error.setText(f"{path.name} cannot be read: {exc.strerror or exc}.")
            self.logo_error.show()
            return
        self._save(self.studio.set_logo, data, "The new logo is on every PDF, email and desk.")

    def remove_logo(self) -> None:
        self._save(self.studio.set_logo, None, "The logo is removed.")

    def choose_colour(self) -> None:
        current = self.branding.theme_color if self.branding else "#3b6ea5"
        colour = self.ask_colour(current)
        if colour is not None:
            self._save(self.studio.set_theme_color, colour, "The new colour is used from now on.")

    def _save(self, call: Callable[..., StudioBranding], value: object, said: str) -> None:
        for label in (self.logo_error, self.colour_error):
            label.hide()
        self._enable(False)
        self.runner.run(
            call,
            self.actor,
            value,
            on_done=lambda branding: self._saved(branding, said),
            on_error=self._failed,
        )

    def _saved(self, branding: StudioBranding, said: str) -> None:
        self.show_branding(branding)
        self.said.setText(said)
        read_studio = getattr(self.parent(), "read_studio", None)
        if callable(read_studio):  # this desk's header at once; the others by live updates
            read_studio()

    def _failed(self, exc: BaseException) -> None:
        refusal_handler(
            self.errors.show, self.presenter, self, lambda: self._enable(self.branding is not None)
        )(exc)

    # --- asking -------------------------------------------------------------------------

    def _ask_picture(self) -> Path | None:
        return ask_open_path(self, "Choose the studio's logo", PICTURES)

    def _ask_colour(self, current: str) -> str | None:
        colour = QColorDialog.getColor(QColor(current), self, "The studio's accent colour")
        return colour.name() if colour.isValid() else None
