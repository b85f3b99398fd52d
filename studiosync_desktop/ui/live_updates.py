"""Bridges the live-update listener (a plain thread, services/live.py) to the GUI thread.

Changes heard within `COALESCE_MS` are merged into one `tables_changed` emission, so a burst
of statements (a series of lessons, an invoice run) costs each tab one refresh, not fifty.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from studiosync_desktop.services.live import Change, LiveListener

COALESCE_MS = 120


class LiveUpdates(QObject):
    """`tables_changed(frozenset | None)`: tables changed on some desk (None: reload all).

    `connection_changed(bool)`: the listener lost or regained the server.
    """

    tables_changed = Signal(object)
    connection_changed = Signal(bool)
    # From the listener thread; queued over to the GUI thread by Qt.
    _heard = Signal(object)
    _status = Signal(bool)

    def __init__(self, url: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pending: set[str] = set()
        self._everything = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(COALESCE_MS)
        self._timer.timeout.connect(self._flush)
        self._heard.connect(self._on_heard)
        self._status.connect(self.connection_changed)
        self._listener = LiveListener(url, self._heard.emit, on_status=self._status.emit)

    def start(self) -> None:
        self._listener.start()

    def stop(self) -> None:
        self._listener.stop()

    @property
    def listener(self) -> LiveListener:
        return self._listener

    @Slot(object)
    def _on_heard(self, change: Change | None) -> None:
        if change is None:
            self._everything = True
        else:
            self._pending.add(change.table)
        if not self._timer.isActive():
            self._timer.start()

    def _flush(self) -> None:
        tables: frozenset[str] | None = None if self._everything else frozenset(self._pending)
        self._pending.clear()
        self._everything = False
        self.tables_changed.emit(tables)
