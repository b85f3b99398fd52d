"""Runs service calls on a thread pool and hands results back on the GUI thread."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

# What a callback returns is not used (a lambda may return what its last call did).
OnDone = Callable[[Any], object]
OnError = Callable[[BaseException], object]


class _Signals(QObject):
    # `object` payloads: only frozen DTOs (or exceptions) cross the thread boundary.
    finished = Signal(int, object)
    failed = Signal(int, object)


class _Task(QRunnable):
    def __init__(
        self,
        ticket: int,
        signals: _Signals,
        fn: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._ticket = ticket
        self._signals = signals
        self._fn = fn
        self._args = args
        self._kwargs = kwargs

    def run(self) -> None:
        try:
            result = self._fn(*self._args, **self._kwargs)
        except BaseException as exc:  # noqa: BLE001 (every failure goes back to the GUI thread)
            self._signals.failed.emit(self._ticket, exc)
        else:
            self._signals.finished.emit(self._ticket, result)


class TaskRunner(QObject):
    """One pool for every database call of the UI.

    `run(fn, *args, on_done=..., on_error=..., key=...)`: `fn(*args)` runs on a worker thread;
    `on_done(result)` or `on_error(exc)` run later on the GUI thread. Latest request wins: a
    new call with the same `key` makes older calls with that key stale, and their results
    are dropped unseen.
    """

    def __init__(self, parent: QObject | None = None, max_threads: int = 4) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max_threads)
        self._tickets = itertools.count(1)
        self._pending: dict[int, tuple[str | None, int, OnDone | None, OnError | None]] = {}
        self._generation: dict[str, int] = {}
        # Created on the GUI thread, so queued signal delivery lands here.
        self._signals = _Signals(self)
        self._signals.finished.connect(self._on_finished)
        self._signals.failed.connect(self._on_failed)

    def run(
        self,
        fn: Callable[..., Any],
        *args: Any,
        on_done: OnDone | None = None,
        on_error: OnError | None = None,
        key: str | None = None,
        **kwargs: Any,
    ) -> int:
        """Starts `fn(*args, **kwargs)`; returns a ticket (for tests and logs)."""
        ticket = next(self._tickets)
        generation = 0
        if key is not None:
            generation = self._generation.get(key, 0) + 1
            self._generation[key] = generation
        self._pending[ticket] = (key, generation, on_done, on_error)
        self._pool.start(_Task(ticket, self._signals, fn, args, kwargs))
        return ticket

    def cancel(self, key: str) -> None:
        """Makes every running call with `key` stale."""
        self._generation[key] = self._generation.get(key, 0) + 1

    def is_busy(self) -> bool:
        return bool(self._pending)

    def forget(self) -> None:
        """Drops the callbacks of every call still running or queued (their window is gone)."""
        self._pending.clear()

    def wait(self, msecs: int = -1) -> bool:
        """Waits for the workers (at shutdown); results still arrive through the event loop."""
        return self._pool.waitForDone(msecs)

    def _take(self, ticket: int) -> tuple[OnDone | None, OnError | None] | None:
        entry = self._pending.pop(ticket, None)
        if entry is None:
            return None
        key, generation, on_done, on_error = entry
        if key is not None and self._generation.get(key) != generation:
            return None  # a newer request with this key was made: this result is stale
        if not (_owner_alive(on_done) and _owner_alive(on_error)):
            return None  # the screen that asked was closed meanwhile (a window, a panel)
        return on_done, on_error

    @Slot(int, object)
    def _on_finished(self, ticket: int, result: object) -> None:
        callbacks = self._take(ticket)
        if callbacks is not None and callbacks[0] is not None:
            callbacks[0](result)

    @Slot(int, object)
    def _on_failed(self, ticket: int, exc: object) -> None:
        callbacks = self._take(ticket)
        if callbacks is None:
            return
        assert isinstance(exc, BaseException)
        if callbacks[1] is not None:
            callbacks[1](exc)
        else:
            raise exc  # reaches sys.excepthook: the crash dialog


def _owner_alive(callback: Callable[..., object] | None) -> bool:
    """False when the callback is a method of a Qt object Qt has already deleted."""
    owner = getattr(callback, "__self__", None)
    return not isinstance(owner, QObject) or shiboken6.isValid(owner)


def call_and_wait(runner: TaskRunner, fn: Callable[..., Any], *args: Any) -> Any:
    """Runs `fn` on the pool while a local event loop keeps the GUI painting; returns its result.

    For start-up steps that must finish before the next screen (opening the database, the
    first lookups): the work still happens off the GUI thread, and errors are re-raised here.
    """
    from PySide6.QtCore import QEventLoop

    loop = QEventLoop()
    outcome: dict[str, Any] = {}

    def done(result: Any) -> None:
        outcome["result"] = result
        loop.quit()

    def failed(exc: BaseException) -> None:
        outcome["error"] = exc
        loop.quit()

    runner.run(fn, *args, on_done=done, on_error=failed)
    if not outcome:
        loop.exec()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]
