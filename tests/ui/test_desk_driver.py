"""The desk driver itself: the desk's own login on the demo studio, keys reach the window."""

from __future__ import annotations

from desk_driver import Desk


def test_the_desk_window_opens_on_the_demo_studio_and_tab_keys_switch_tabs(desk: Desk) -> None:
    assert desk.person.actor.role == "desk"
    assert "invoices" in desk.window.tabs and "users" not in desk.window.tabs
    keys = list(desk.window.tabs)
    desk.shortcut(f"Ctrl+{keys.index('invoices') + 1}")
    desk.wait_until(lambda: desk.window.current_tab() is desk.window.tabs["invoices"])
    assert desk.interactions == 1
