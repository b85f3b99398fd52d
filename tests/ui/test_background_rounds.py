"""The housekeeping an open window does by itself: outside calendars synced a moment after it
opens (one desk at a time), a feed that could not be reached said in the status bar."""

from __future__ import annotations

import socket

from desk_driver import Desk

from studiosync_desktop.ui.feed_round import FeedRound


def _closed_port() -> int:
    """A local port nobody listens on: a connection to it is refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_window_syncs_the_studios_outside_calendars_by_itself_and_says_which_failed(
    desk: Desk,
) -> None:
    feeds = desk.services.calendars
    feed = feeds.add_feed(
        desk.person.actor,
        {"name": "Holiday calendar", "url": f"https://127.0.0.1:{_closed_port()}/holidays.ics"},
    )
    round_ = desk.window.feed_round
    assert isinstance(round_, FeedRound)
    said: list[str] = []
    round_.said.connect(said.append)
    desk.wait_until(lambda: bool(said), timeout=FeedRound.first_try_ms + 20_000)
    assert said == ["Outside calendars: Holiday calendar could not be synced (Calendar > More)."]
    assert desk.window.statusBar().currentMessage() == said[0]
    [row] = [r for r in feeds.feeds(desk.person.actor) if r.id == feed.id]
    assert row.last_error  # the try is recorded: the next round waits its half hour
