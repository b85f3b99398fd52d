"""The task runner: results come back on the GUI thread, and stale results are dropped."""

from __future__ import annotations

import threading

import shiboken6
from PySide6.QtCore import QThread

from studiosync_desktop.ui.task_runner import TaskRunner


def test_results_arrive_on_the_gui_thread(qtbot) -> None:  # type: ignore[no-untyped-def]
    runner = TaskRunner()
    worker_threads: list[int] = []
    results: list[tuple[int, bool]] = []

    def work(a: int, b: int) -> int:
        worker_threads.append(threading.get_ident())
        return a + b

    def done(value: int) -> None:
        results.append((value, QThread.currentThread() is qtbot_app_thread))

    qtbot_app_thread = QThread.currentThread()
    runner.run(work, 2, 3, on_done=done)
    qtbot.waitUntil(lambda: bool(results))

    assert results == [(5, True)]
    assert worker_threads != [threading.get_ident()]


def test_errors_go_to_on_error(qtbot) -> None:  # type: ignore[no-untyped-def]
    runner = TaskRunner()
    errors: list[BaseException] = []

    def fail() -> None:
        raise LookupError("nope")

    runner.run(fail, on_done=lambda _r: None, on_error=errors.append)
    qtbot.waitUntil(lambda: bool(errors))

    assert isinstance(errors[0], LookupError)


def test_latest_request_wins(qtbot) -> None:  # type: ignore[no-untyped-def]
    runner = TaskRunner()
    release = threading.Event()
    seen: list[str] = []

    def slow() -> str:
        release.wait(10)
        return "stale"

    runner.run(slow, on_done=seen.append, key="search")
    runner.run(lambda: "fresh", on_done=seen.append, key="search")
    qtbot.waitUntil(lambda: seen == ["fresh"])
    release.set()
    runner.wait(5000)
    qtbot.waitUntil(lambda: not runner.is_busy())

    assert seen == ["fresh"]


def test_a_result_for_a_screen_closed_meanwhile_is_dropped_not_a_crash(qtbot) -> None:  # type: ignore[no-untyped-def]
    """A panel that asked for rows and was deleted (its window closed, a user switched) before
    they came back: the result is dropped, not handed to a deleted widget (seen in the suite:
    'Internal C++ object (QListWidget) already deleted' from the notifications panel)."""
    from PySide6.QtWidgets import QListWidget

    class Panel(QListWidget):
        def show_rows(self, rows: list[str]) -> None:
            self.addItems(rows)

    runner = TaskRunner()
    release = threading.Event()
    panel, kept = Panel(), Panel()
    runner.run(lambda: release.wait(5) and ["Ada"], on_done=panel.show_rows)
    runner.run(lambda: release.wait(5) and ["Bo"], on_done=kept.show_rows)
    panel.deleteLater()
    qtbot.waitUntil(lambda: not shiboken6.isValid(panel))
    release.set()
    qtbot.waitUntil(lambda: not runner.is_busy())
    assert kept.item(0).text() == "Bo"
