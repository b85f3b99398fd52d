"""The studio's name and logo at the right of the tab bar: whose studio this window is."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

if TYPE_CHECKING:
    from studiosync_desktop.schemas.studio import StudioBranding

LOGO_HEIGHT = 24


class StudioHeader(QWidget):
    """Empty until the studio is read; then its logo (when it has one) and its name."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("studioHeader")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 2, 10, 2)
        layout.setSpacing(8)
        self.logo = QLabel(self)
        self.logo.setObjectName("studioLogo")
        self.name = QLabel(self)
        self.name.setObjectName("studioName")
        font = self.name.font()
        font.setBold(True)
        self.name.setFont(font)
        layout.addWidget(self.logo)
        layout.addWidget(self.name)
        self.logo.hide()

    def show_branding(self, branding: StudioBranding) -> None:
        self.name.setText(branding.name)
        self.name.setStyleSheet(f"color: {branding.theme_color};")
        pixmap = QPixmap()
        if branding.logo and pixmap.loadFromData(branding.logo):
            self.logo.setPixmap(
                pixmap.scaledToHeight(LOGO_HEIGHT, Qt.TransformationMode.SmoothTransformation)
            )
            self.logo.show()
        else:
            self.logo.clear()
            self.logo.hide()
