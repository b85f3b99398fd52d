"""App start to the first painted window, on the large studio: a real process, offscreen."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

from bench.core import Context, figure
from studiosync_desktop.app import MEASURE_STARTUP_ENV


def _start_once(url: str) -> float:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", **{MEASURE_STARTUP_ENV: "1"})
    env.pop("STUDIOSYNC_DATABASE_URL", None)
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "studiosync_desktop", "--database", url],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.strip() == "first-paint":
            elapsed = time.perf_counter() - started
            break
    else:
        raise RuntimeError("the app exited without painting its window")
    # Only the time to the first paint counts; don't wait for start-up work still running.
    proc.terminate()
    proc.wait(timeout=30)
    return elapsed


@figure("app_start_to_first_paint", "s", 1.0)
def app_start_to_first_paint(ctx: Context) -> float:
    db, _ = ctx.demo("large")
    _start_once(db.url)  # warm the OS file cache, as a second start of the day would be
    return statistics.median(_start_once(db.url) for _ in range(5))
