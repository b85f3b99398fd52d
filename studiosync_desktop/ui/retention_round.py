"""The daily retention round, run by whichever admin or desk window gets to it first."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from studiosync_desktop.schemas.privacy import describe_retention
from studiosync_desktop.ui.studio_context import StudioContext, UsesContext

# A window tries once shortly after it opens, then every hour: the database lets one desk
# run it per day (the others get nothing back).
FIRST_TRY_MS = 60_000
EVERY_MS = 60 * 60_000


class RetentionRound(QObject, UsesContext):
    said = Signal(str)

    def __init__(self, context: StudioContext, parent: QObject):
        super().__init__(parent)
        self.context = context
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.run)

    def start(self) -> None:
        QTimer.singleShot(FIRST_TRY_MS, self, self.run)
        self.timer.start(EVERY_MS)

    def run(self) -> None:
        self.runner.run(
            self.services.privacy.run_retention,
            self.actor,
            on_done=self._done,
            on_error=lambda _exc: None,  # the next hour tries again; nothing for the desk
            key="retention",
        )

    def _done(self, summary: dict[str, object] | None) -> None:
        if summary:
            text = describe_retention(summary)
            if text:
                self.said.emit(text)
