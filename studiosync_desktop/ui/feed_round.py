"""Outside calendars synced in the background: at start and every 30 minutes, one desk at a time."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal

from studiosync_desktop.schemas.availability import SyncResult
from studiosync_desktop.ui.background_round import BackgroundRound


class FeedRound(BackgroundRound):
    """Soon after the window opens, then every half hour. The service fetches only the feeds
    whose last try is 30 minutes old, under an advisory lock (another desk doing it: nothing)."""

    synced = Signal()
    first_try_ms = 5_000
    every_ms = 30 * 60_000
    key = "calendar-feeds"

    def work(self) -> Callable[..., Any]:
        return self.services.calendars.sync_round

    def done(self, result: tuple[SyncResult, ...] | None) -> None:
        if not result:
            return
        self.synced.emit()
        failed = [r for r in result if not r.ok]
        if failed:
            names = ", ".join(r.name for r in failed[:3])
            self.said.emit(f"Outside calendars: {names} could not be synced (Calendar > More).")
