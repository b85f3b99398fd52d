"""Outside calendars synced in the background: at start and every 30 minutes, one desk at a time."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from studiosync_desktop.schemas.availability import SyncResult
from studiosync_desktop.ui.studio_context import StudioContext, UsesContext

# Soon after the window opens, then every half hour. The service fetches only the feeds whose
# last try is 30 minutes old, under an advisory lock (another desk doing it: nothing to do).
FIRST_TRY_MS = 5_000
EVERY_MS = 30 * 60_000


class FeedRound(QObject, UsesContext):
    said = Signal(str)
    synced = Signal()

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
            self.services.calendars.sync_round,
            self.actor,
            on_done=self._done,
            on_error=lambda _exc: None,  # the next round tries again; nothing for the desk
            key="calendar-feeds",
        )

    def _done(self, results: tuple[SyncResult, ...] | None) -> None:
        if not results:
            return
        self.synced.emit()
        failed = [r for r in results if not r.ok]
        if failed:
            names = ", ".join(r.name for r in failed[:3])
            self.said.emit(f"Outside calendars: {names} could not be synced (Calendar > More).")
