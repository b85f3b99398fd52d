"""Render the main window offscreen with one tab loaded, to a PNG (README and checks)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

from studiosync_desktop.ui.main_window import TAB_KEYS, MainWindow


def grab_tab(window: MainWindow, tab: str, path: Path, timeout_ms: int = 15000) -> None:
    """Shows `window`, selects `tab`, waits for its data (or `timeout_ms`), saves a PNG."""
    if tab not in TAB_KEYS:
        raise ValueError(f"Unknown tab {tab!r}: one of {', '.join(TAB_KEYS)}")
    page = window.tabs[tab]
    loop = QEventLoop()
    timer = QTimer()
    timer.setSingleShot(True)
    timer.timeout.connect(loop.quit)
    page.loaded.connect(loop.quit)
    window.select_tab(tab)  # before showing, so only this tab loads
    window.show()
    if not page.has_loaded:
        if not page.is_loading:
            page.reload()
        timer.start(timeout_ms)
        loop.exec()
    page.loaded.disconnect(loop.quit)
    timer.stop()
    if not page.has_loaded:
        raise TimeoutError(f"The {tab} tab did not load within {timeout_ms} ms.")
    # Let the layout and the table settle before painting.
    for _ in range(3):
        QApplication.processEvents()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not window.grab().save(str(path), "PNG"):
        raise OSError(f"Could not write {path}")
