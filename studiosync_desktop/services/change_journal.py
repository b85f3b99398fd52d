"""The desk's journal of single-lesson changes: small, so the undo history can listen from the
window's start without loading the scheduling services."""

from __future__ import annotations

import threading
from collections.abc import Callable

from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.schemas.lesson_changes import LessonChange

Listener = Callable[[Actor, LessonChange], None]


class ChangeJournal:
    """Hears every recorded change (on the worker thread that made it); the desk's undo
    history listens. One journal per desk session, so one person's undo is their own."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()

    def listen(self, listener: Listener) -> None:
        with self._lock:
            self._listeners.append(listener)

    def record(self, actor: Actor, change: LessonChange) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            listener(actor, change)
