"""The daily retention round, run by whichever admin or desk window gets to it first."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from studiosync_desktop.schemas.privacy import describe_retention
from studiosync_desktop.ui.background_round import BackgroundRound


class RetentionRound(BackgroundRound):
    """A window tries once a minute after it opens, then every hour: the database lets one
    desk run it per day (the others get nothing back)."""

    key = "retention"

    def work(self) -> Callable[..., Any]:
        return self.services.privacy.run_retention

    def done(self, result: dict[str, object] | None) -> None:
        if result:
            text = describe_retention(result)
            if text:
                self.said.emit(text)
