"""A piece of the studio's housekeeping that any open window runs now and then, in the background.

The database decides which desk does the work (an advisory lock or a once-a-day claim), so
every window may try: the others get nothing back. A failed try is not the desk's business;
the next round tries again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from studiosync_desktop.ui.studio_context import StudioContext, UsesContext


class BackgroundRound(QObject, UsesContext):
    """Runs `work(actor)` on the task runner soon after start, then every `every_ms`."""

    said = Signal(str)
    first_try_ms = 60_000
    every_ms = 60 * 60_000
    key = ""

    def __init__(self, context: StudioContext, parent: QObject):
        super().__init__(parent)
        self.context = context
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.run)

    def work(self) -> Callable[..., Any]:
        """The service call the round makes with the acting user."""
        raise NotImplementedError

    def start(self) -> None:
        QTimer.singleShot(self.first_try_ms, self, self.run)
        self.timer.start(self.every_ms)

    def run(self) -> None:
        self.runner.run(
            self.work(),
            self.actor,
            on_done=self.done,
            on_error=lambda _exc: None,  # the next round tries again; nothing for the desk
            key=self.key,
        )

    def done(self, result: Any) -> None:
        """What the round's result says to the desk, if anything (through `said`)."""
