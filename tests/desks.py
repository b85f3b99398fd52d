"""Several desks at the same moment: threads released together, each with its own connection."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from studiosync_desktop.db import Database

T = TypeVar("T")


def race(n: int, work: Callable[[int], T], timeout: float = 60) -> list[T | BaseException]:
    """Runs `work(0)` ... `work(n - 1)` on n threads that start at one barrier; each result is
    what the call returned or the exception it raised (so a test sees every desk's outcome)."""
    barrier = threading.Barrier(n)
    results: list[T | BaseException] = [RuntimeError("did not finish")] * n

    def desk(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i)
        except BaseException as exc:  # noqa: BLE001 (each desk's outcome is what the test reads)
            results[i] = exc

    threads = [threading.Thread(target=desk, args=(i,), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    assert not any(t.is_alive() for t in threads), f"a desk still waits after {timeout} s"
    return results


@contextmanager
def desk_databases(url: str, n: int) -> Iterator[list[Database]]:
    """n databases on `url`, one small pool each: every desk talks on its own connection."""
    dbs = [
        Database(url, application_name=f"desk{i}", pool_size=1, max_overflow=1) for i in range(n)
    ]
    try:
        yield dbs
    finally:
        for d in dbs:
            d.dispose()


def race_desks(
    url: str, n: int, work: Callable[[Database, int], T], timeout: float = 60
) -> list[T | BaseException]:
    """`race` with a database of its own for each desk: `work(db, i)`."""
    with desk_databases(url, n) as dbs:
        return race(n, lambda i: work(dbs[i], i), timeout)


def failures(results: list[T | BaseException]) -> list[BaseException]:
    return [r for r in results if isinstance(r, BaseException)]
